#!/usr/bin/env bash
# Stand-in for /opt/scripts/risky-operation.sh: RISKY_FAIL=1 makes it fail.
set -eu
. "$(dirname "$0")/lib.sh"
work "risky operation" 2
if [ "${RISKY_FAIL:-0}" = 1 ]; then
    echo "risky operation failed: disk quota exceeded" >&2
    exit 2
fi
echo "risky operation complete"
