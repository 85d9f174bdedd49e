#!/usr/bin/env bash
# Stand-in for the package manager (apt install / apt upgrade: dist):
#   install-packages.sh ROOT PACKAGE...   "installs" each PACKAGE under ROOT/installed/
#   install-packages.sh ROOT --dist-upgrade   "upgrades" and flags that a reboot is required
set -eu
. "$(dirname "$0")/lib.sh"
root="${1:?root directory}"
shift
mkdir -p "$root/installed" "$root/run"
echo "Reading package lists... Done"
if [ "${1:-}" = --dist-upgrade ]; then
    work "upgrading" 3
    echo "3 upgraded, 0 newly installed, 0 to remove"
    touch "$root/run/reboot-required"
    exit 0
fi
for package in "$@"; do
    echo "Setting up $package ..."
    sleep "$STEP_DELAY"
    echo "installed" > "$root/installed/$package"
done
echo "$# newly installed"
