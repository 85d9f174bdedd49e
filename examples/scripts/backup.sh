#!/usr/bin/env bash
# Stand-in for /opt/scripts/backup.sh DATABASE [DEST_DIR] and /opt/app/backup.sh:
# "backs up" a database into DEST_DIR/DATABASE.sql.gz.
set -eu
. "$(dirname "$0")/lib.sh"
db="${1:-all}"
work "backup $db" 4
if [ -n "${2:-}" ]; then
    mkdir -p "$2"
    echo "-- dump of $db taken $(date -u +%FT%TZ)" | gzip > "$2/$db.sql.gz"
    echo "wrote $2/$db.sql.gz"
fi
echo "backup of $db complete"
