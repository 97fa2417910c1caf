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

# A listener that answers each datagram in upper case.
python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 9999)); s.settimeout(10)
m, a = s.recvfrom(1000); s.sendto(m.upper(), a)' &
sleep 0.5

set -x
cd "$MNT/udp"
s=$(cat clone)
echo "connect 127.0.0.1:9999" > "$s/ctl"
echo "hello through a file" > "$s/data"
cat "$s/data"
cat "$s/local" "$s/peer"
cat "$s/ctl"
echo close > "$s/ctl"
{ set +x; } 2>/dev/null
wait
echo
echo "Try more: man -l docs/sockfs.1 ; unmount with: fusermount3 -u $MNT"
