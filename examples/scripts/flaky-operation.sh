#!/usr/bin/env bash
# Stand-in for /opt/scripts/flaky-operation.sh STATE_FILE [FAILURES]: fails its first
# FAILURES runs (default 1), counted in STATE_FILE, then succeeds.
set -eu
. "$(dirname "$0")/lib.sh"
state="${1:?state file}"
failures="${2:-1}"
count=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
echo "$count" > "$state"
work "flaky operation (attempt $count)" 2
if [ "$count" -le "$failures" ]; then
    echo "flaky operation failed on attempt $count" >&2
    exit 1
fi
echo "flaky operation succeeded on attempt $count"
