#!/bin/bash
# container-rootfs.sh DIR [SOCKFS] - makes DIR a container root with an
# Alpine-like userland: busybox (from busybox-static) for the shell and
# every tool, sockfs (SOCKFS, or the one on PATH) and jq, each with the
# libraries ldd names, and /net to mount on.  Give it to a container with
# `podman run --rootfs DIR` (docs/containers.md).  Names in $CT_USERS are
# added to its /etc/passwd with their uids here.
set -eu
root=${1:?usage: container-rootfs.sh DIR [SOCKFS]}
sockfs=${2:-$(command -v sockfs || true)}
[ -n "$sockfs" ] || { echo "container-rootfs.sh: no sockfs on PATH; name it" >&2; exit 2; }
[ "$(head -c 4 "$sockfs" | tail -c 3)" = ELF ] ||
	{ echo "container-rootfs.sh: $sockfs is not a program" >&2; exit 2; }
bb=$(command -v busybox) || { echo "container-rootfs.sh: needs busybox (busybox-static)" >&2; exit 2; }
jq=$(command -v jq) || { echo "container-rootfs.sh: needs jq" >&2; exit 2; }

# with_libs FILE: FILE into bin/, and the libraries it loads at their paths.
with_libs() {
	local lib
	cp "$1" "$root/bin/"
	for lib in $(ldd "$1" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,net,www,share}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
with_libs "$sockfs"
with_libs "$jq"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
for u in ${CT_USERS:-}; do
	echo "$u:x:$(id -u "$u"):$(id -g "$u")::/tmp:/bin/sh" >> "$root/etc/passwd"
	echo "$u:x:$(id -g "$u"):" >> "$root/etc/group"
done
echo '<p>served inside the container</p>' > "$root/www/index.html"
