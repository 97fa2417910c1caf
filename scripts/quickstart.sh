#!/bin/bash
# quickstart.sh [MOUNTPOINT]: installs what sockfs needs (Debian, as root),
# builds it, mounts it at MOUNTPOINT (default /tmp/sockfs) and shows a UDP
# exchange done with nothing but echo and cat.  The mount stays for you to
# try things.  It unmounts only a mount it made itself (named
# sockfs-quickstart in /proc/mounts): anything else mounted at MOUNTPOINT
# makes it stop before it starts.
set -eu
cd "$(dirname "$0")/.."
MNT=${1:-/tmp/sockfs}
NAME=sockfs-quickstart

log=$(mktemp /tmp/sockfs-quickstart.XXXXXX)
trap 'rm -f "$log"' EXIT

# step WHAT CMD...: runs CMD quietly; if it fails, says WHAT failed and
# shows the end of what it printed.
step() {
	local what=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "quickstart: $what failed: $*" >&2
		tail -20 "$log" >&2
		exit 1
	fi
}

# What is mounted at MNT: its source (sockfs-quickstart for ours), or
# nothing.
mounted_source() {
	findmnt -n -o SOURCE --mountpoint "$MNT" 2>/dev/null | tail -1
}

src=$(mounted_source)
if [ -n "$src" ] && [ "$src" != "$NAME" ]; then
	echo "quickstart: $MNT is a mount point already ($src, not one quickstart made);" >&2
	echo "quickstart: it is left alone. Give another folder: scripts/quickstart.sh DIR" >&2
	exit 1
fi

step "installing the build dependencies" bash scripts/deps.sh build
step "autoreconf" autoreconf -fi
mkdir -p build
step "configure" sh -c 'cd build && ../configure'
step "make" make -C build -j"$(nproc)"

mkdir -p "$MNT"
# quickstart's own mount from an earlier run gives way to the new build.
if [ "$(mounted_source)" = "$NAME" ]; then
	step "unmounting the earlier quickstart mount at $MNT" fusermount3 -u "$MNT"
fi
step "mounting sockfs at $MNT" build/sockfs "$NAME" "$MNT"
echo "sockfs is mounted at $MNT"
echo

# Two sockets talk over loopback with echo and cat (scripts/demo.sh).
sh scripts/demo.sh "$MNT" || { echo "quickstart: the demo (scripts/demo.sh $MNT) failed" >&2; exit 1; }
echo
echo "Try more: man -l docs/sockfs.1 ; unmount with: fusermount3 -u $MNT"
