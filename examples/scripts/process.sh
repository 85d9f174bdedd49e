#!/usr/bin/env bash
# Stand-in for /opt/scripts/process.sh and /opt/app/process.sh: process a batch of data.
set -eu
. "$(dirname "$0")/lib.sh"
work "process" 3
echo "processed 3 batches"
