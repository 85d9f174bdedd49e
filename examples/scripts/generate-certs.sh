#!/usr/bin/env bash
# Stand-in for /opt/scripts/generate-certs.sh DEST_DIR: writes a fake key and certificate.
set -eu
. "$(dirname "$0")/lib.sh"
dest="${1:?destination directory}"
work "generate certs" 2
mkdir -p "$dest"
echo "-----BEGIN FAKE KEY-----" > "$dest/server.key"
echo "-----BEGIN FAKE CERTIFICATE-----" > "$dest/server.crt"
echo "certificates written to $dest"
