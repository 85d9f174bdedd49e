#!/usr/bin/env bash
# Stand-in for /opt/scripts/backup-database.sh: dump a database sized from DATA_DIR.
set -eu
. "$(dirname "$0")/lib.sh"
work "backup-database" 3
echo "database backup complete"
