#!/usr/bin/env bash
# Stand-in for /opt/app/migrate.sh, /opt/myapp/bin/migrate and the seeds'
# database migrations:  migrate.sh [--all|--rollback] [DIR]
# Applies 3 migrations, printing each one. When DIR is given: a file
# DIR/migrate.fail makes it fail half-way (exit 3), a file DIR/migrate.slow
# makes it hang for 20 s first (for timeout handling).
set -eu
. "$(dirname "$0")/lib.sh"
mode="${1:---all}"
dir="${2:-}"
if [ "$mode" = --rollback ]; then
    work "rollback" 2
    echo "rollback complete"
    exit 0
fi
if [ -n "$dir" ] && [ -e "$dir/migrate.slow" ]; then
    echo "migration: waiting for a table lock"
    sleep 20
fi
work "migration" 3
if [ -n "$dir" ] && [ -e "$dir/migrate.fail" ]; then
    echo "migration 0004_add_index failed: lock wait timeout" >&2
    exit 3
fi
echo "applied 3 migrations"
