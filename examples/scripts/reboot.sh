#!/usr/bin/env bash
# Stand-in for the reboot module: ROOT/run/ is "cleared" and the boot counted.
set -eu
root="${1:?root directory}"
sleep 0.2
rm -f "$root/run/reboot-required"
count=$(( $(cat "$root/boot-count" 2>/dev/null || echo 0) + 1 ))
echo "$count" > "$root/boot-count"
echo "rebooted (boot $count)"
