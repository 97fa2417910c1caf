#!/bin/bash
# Quick start: installs what sockfs needs (Debian, as root), builds it,
# mounts it at /tmp/sockfs (or $1) and shows a UDP exchange done with
# nothing but echo and cat.  The mount stays for you to try things.
set -eu
cd "$(dirname "$0")/.."
MNT=${1:-/tmp/sockfs}

bash scripts/deps.sh build
autoreconf -fi >/dev/null 2>&1
mkdir -p build
(cd build && ../configure >/dev/null && make -j"$(nproc)" >/dev/null)

mkdir -p "$MNT"
mountpoint -q "$MNT" && fusermount3 -u "$MNT"
build/sockfs "$MNT"
echo "sockfs is mounted at $MNT"
echo

# Two sockets talk over loopback with echo and cat (scripts/demo.sh).
sh scripts/demo.sh "$MNT"
echo
echo "Try more: man -l docs/sockfs.1 ; unmount with: fusermount3 -u $MNT"
