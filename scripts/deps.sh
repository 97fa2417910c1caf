#!/bin/bash
# deps.sh [build|test|vm|release]: installs, with apt-get as root on Debian,
# what building sockfs needs, with "test" also what the tests use as peers
# and probes, with "vm" what tests/vm/run.sh needs (qemu; the kernel it
# boots is fetched there), and with "release" what tests/release/run.sh
# needs to make another release's root (mmdebstrap).  Does nothing when
# not root or without apt-get.
# deps.sh --print build|test|root: prints the list instead; "root" is what
# tests/release/run.sh puts in a release's root: the build, the peers of
# the integration tests and the package tools, without what only the
# host's own stages use (clang for fuzz, valgrind).
# The names are the same on Debian 12 and 13: no library package with a
# release in its name (libfuse3-3, libssl3) is named here.
set -eu
build="gcc make autoconf automake libtool pkg-config libc6-dev
	libfuse3-dev fuse3 libjansson-dev libssl-dev check python3"
# nftables: podman 5's netavark (Debian 13) runs nft; apt only recommends it.
peers="strace jq python3-pytest procps util-linux coreutils curl openssl iproute2 passwd
	busybox-static podman runc uidmap nftables"
package="build-essential dpkg-dev debhelper lintian systemd man-db"
# docker.io (host only): t-docker starts a dockerd of its own; the
# package's service is installed but not started (policy-rc.d below).
test="$peers valgrind clang libclang-rt-dev docker.io $package"
# socat: the guest's relay between its virtio-serial port and the 9p
# mount (tests/vm/export-tests.sh).
vm="qemu-system-x86 busybox-static socat"
release="mmdebstrap"

if [ "${1:-}" = --print ]; then
	case ${2:-build} in
	build) echo $build ;;
	test) echo $build $test ;;
	# A release root is Debian 13 or later: systemd.pc is in systemd-dev.
	root) echo $build $peers $package systemd-dev ;;
	*) echo "deps.sh: --print build|test|root" >&2; exit 2 ;;
	esac
	exit 0
fi
case ${1:-build} in
build) want=$build ;;
test) want="$build $test" ;;
vm) want=$vm ;;
release) want=$release ;;
*) echo "deps.sh: build|test|vm|release, or --print build|test|root" >&2; exit 2 ;;
esac
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# systemd.pc, which debian/rules reads, left systemd for systemd-dev
	# in Debian 13; Debian 12 has no systemd-dev.
	case " $want " in
	*" systemd "*) apt-cache show systemd-dev >/dev/null 2>&1 && want="$want systemd-dev" ;;
	esac
	# Installing docker.io would start the system's dockerd, which adds a
	# bridge and iptables rules; a policy-rc.d that denies every start
	# (invoke-rc.d and deb-systemd-invoke obey it) prevents that, unless
	# the machine has a policy of its own.
	if [ "${1:-build}" = test ] && [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $want >/dev/null
fi
