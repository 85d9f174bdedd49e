#!/usr/bin/env bash
# Stand-in for /opt/app/process-data.sh: long-running data processing.
set -eu
. "$(dirname "$0")/lib.sh"
work "process data" 4
echo "data processing complete"
