#!/usr/bin/env bash
# Stand-in for /opt/app/migrate.sh, /opt/myapp/bin/migrate [--all|--rollback] and a
# database migration: applies (or rolls back) migrations, printing each one.
# MIGRATE_FAIL=1 makes it fail half-way (exit 3).
set -eu
. "$(dirname "$0")/lib.sh"
mode="${1:---all}"
case "$mode" in
    --rollback) work "rollback" 2; echo "rollback complete"; exit 0 ;;
esac
work "migration" 3
if [ "${MIGRATE_FAIL:-0}" = 1 ]; then
    echo "migration 0004_add_index failed: lock wait timeout" >&2
    exit 3
fi
echo "applied 3 migrations"
