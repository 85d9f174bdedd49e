#!/usr/bin/env bash
# Stand-in for /opt/scripts/risky-operation.sh [DIR]: fails (exit 2) when DIR
# holds a file named risky.fail.
set -eu
. "$(dirname "$0")/lib.sh"
work "risky operation" 2
if [ -n "${1:-}" ] && [ -e "$1/risky.fail" ]; then
    echo "risky operation failed: disk quota exceeded" >&2
    exit 2
fi
echo "risky operation complete"
