#!/usr/bin/env bash
# Stand-in for /opt/scripts/long-task.sh.
set -eu
. "$(dirname "$0")/lib.sh"
work "long task" 3
echo "long task complete"
