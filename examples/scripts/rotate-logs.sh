#!/usr/bin/env bash
# Stand-in for /opt/scripts/rotate-logs.sh.
set -eu
. "$(dirname "$0")/lib.sh"
work "rotate logs" 2
echo "logs rotated"
