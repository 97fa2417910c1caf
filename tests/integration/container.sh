# Sourced by the container tests after lib.sh: a container root made from
# the build tree (the sockfs under test, its libraries, busybox-static for
# the shell and tools, and jq), and podman with the flags this machine
# needs.  There is no image registry: every container gets --rootfs.

# The flags that make podman 4.3 run here: crun refuses the hybrid cgroup
# layout, and the default limits are above the machine's hard limits.
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
CT_FLAGS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

# make_rootfs ROOT: the container root of scripts/container-rootfs.sh (the
# one docs/containers.md tells users to make), with the sockfs under test.
# Each test root also gets /share/net.sh, which the scripts the tests run
# inside source: mount_net starts sockfs -f on /net and waits for it;
# umount_net unmounts it and says how the daemon exited.
make_rootfs() {
	bash "$TOP_SRCDIR/scripts/container-rootfs.sh" "$1" "$SOCKFS" || fail "container-rootfs.sh"
	cat > "$1/share/net.sh" <<'SH'
mount_net() {
	sockfs -f /net 2>/share/sockfs.log &
	daemon=$!
	i=0
	until [ -d /net/udp ]; do i=$((i + 1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done
}
umount_net() {
	umount /net
	wait $daemon
	echo "daemon exit $?"
}
SH
}

# podman_works: 0 when a trivial container runs; else prints why.
podman_works() {
	local root=$WORK/probe-root out
	command -v podman >/dev/null || { echo "podman is not installed"; return 1; }
	mkdir -p "$root/bin"
	cp "$(command -v busybox)" "$root/bin/busybox"
	if ! out=$("${PODMAN[@]}" run --rm "${CT_FLAGS[@]}" --rootfs "$root" /bin/busybox true 2>&1); then
		echo "podman cannot run a container here: $out"
		return 1
	fi
}

# wait_file FILE [PATTERN]: until FILE exists (and holds PATTERN), 20 s.
wait_file() {
	for _ in $(seq 400); do
		[ -f "$1" ] && grep -q "${2:-}" "$1" && return 0
		sleep 0.05
	done
	fail "$1 never showed [${2:-}]: $(cat "$1" 2>/dev/null)"
}
