#!/usr/bin/env bash
# Stand-in for /opt/app/build-frontend.sh.
set -eu
. "$(dirname "$0")/lib.sh"
work "frontend build" 3
echo "frontend built"
