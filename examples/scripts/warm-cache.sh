#!/usr/bin/env bash
# Stand-in for /opt/scripts/warm-cache.sh.
set -eu
. "$(dirname "$0")/lib.sh"
work "warm cache" 2
echo "cache warmed"
