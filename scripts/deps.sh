#!/bin/bash
# deps.sh [build|test|vm]: installs, with apt-get as root on Debian, what
# building sockfs needs, with "test" also what the tests use as peers
# and probes, and with "vm" what tests/vm/run.sh needs (qemu; the kernel
# it boots is fetched there).  Does nothing when not root or without
# apt-get.  "test" includes docker.io for t-docker, which starts a dockerd
# of its own: the package's service is installed but not started.
set -eu
build="gcc make autoconf automake libtool pkg-config libc6-dev
	libfuse3-dev fuse3 libjansson-dev libssl-dev check python3"
test="strace jq procps util-linux coreutils curl openssl iproute2 passwd
	valgrind clang libclang-rt-14-dev busybox-static
	podman runc uidmap docker.io
	dpkg-dev debhelper lintian systemd man-db"

vm="qemu-system-x86 busybox-static"

want=$build
[ "${1:-build}" = test ] && want="$build $test"
[ "${1:-build}" = vm ] && want=$vm
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
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
