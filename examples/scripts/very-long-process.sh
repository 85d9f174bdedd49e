#!/usr/bin/env bash
# Stand-in for /opt/scripts/very-long-process.sh (a 24-hour job, here a few seconds).
set -eu
. "$(dirname "$0")/lib.sh"
work "very long process" 5
echo "very long process complete"
