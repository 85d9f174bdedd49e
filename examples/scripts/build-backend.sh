#!/usr/bin/env bash
# Stand-in for /opt/app/build-backend.sh.
set -eu
. "$(dirname "$0")/lib.sh"
work "backend build" 3
echo "backend built"
