#!/usr/bin/env bash
# Stand-in for /opt/scripts/background-job.sh: a background job.
set -eu
. "$(dirname "$0")/lib.sh"
work "background job" 3
echo "background job complete"
