#!/usr/bin/env bash
# Stand-in for /opt/scripts/long-process.sh: a long job printing progress.
set -eu
. "$(dirname "$0")/lib.sh"
work "long process" "${1:-4}"
echo "long process complete"
