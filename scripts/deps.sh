#!/bin/bash
# deps.sh [build|test|vm]: installs, with apt-get as root on Debian, what
# building sockfs needs, with "test" also what the tests use as peers
# and probes, and with "vm" what tests/vm/run.sh needs (qemu; the kernel
# it boots is fetched there).  Does nothing when not root or without
# apt-get.
set -eu
build="gcc make autoconf automake libtool pkg-config libc6-dev
	libfuse3-dev fuse3 libjansson-dev libssl-dev check python3"
test="strace jq python3-pytest procps util-linux coreutils curl openssl iproute2 passwd
	valgrind clang libclang-rt-14-dev busybox-static
	podman runc uidmap
	dpkg-dev debhelper lintian systemd man-db"

vm="qemu-system-x86 busybox-static"

want=$build
[ "${1:-build}" = test ] && want="$build $test"
[ "${1:-build}" = vm ] && want=$vm
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $want >/dev/null
fi
