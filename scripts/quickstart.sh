#!/usr/bin/env bash
# The newcomer's path: install, build ./minibox, make a small busybox image from Debian's busybox-static,
# load it, and run a container that shows it is isolated.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bun run build
mkdir -p .tmp
bun run scripts/make-busybox-image.ts .tmp/busybox.tar
./minibox load -i .tmp/busybox.tar
./minibox run --rm --hostname demo busybox sh -c '
  echo "hostname:  $(hostname)   (host: '"$(hostname)"')"
  echo "my pid:    $$"
  echo "processes:"; ps -o pid,user,args
  echo "network:";   ip -o link | cut -d" " -f2,3
  echo "root:";      ls /
  echo "mounts:";    cut -d" " -f2,3 /proc/mounts | head -8'
