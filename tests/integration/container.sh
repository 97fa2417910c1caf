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

# --- Docker (t-docker.sh) ---------------------------------------------------
# A dockerd of the test's own that touches nothing else on the machine:
# its data root, exec root (where the containerd it starts keeps its state
# and socket), API socket, pidfile and config file are all under
# $WORK/docker; it adds no iptables rules, bridge or forwarding; its
# containers' cgroups (cgroupfs driver) go under a parent of its own,
# removed by dockerd_stop.  There is no registry: images come from
# `docker import`.  "${DOCKER[@]}" is the client talking to it.
DOCKERD_PID=
DOCKER=()
DOCKER_WHY=
DOCKER_CGROUP=sockfs-$TESTNAME-$$

# dockerd_start: 0 once dockerd answers; else DOCKER_WHY says why, and the
# status is 2 when docker.io is not installed, 1 when dockerd did not start.
dockerd_start() {
	local dk=$WORK/docker dockerd cli major
	dockerd=$(command -v dockerd) || { DOCKER_WHY="docker.io is not installed (no dockerd)"; return 2; }
	# The client of the same package: another docker CLI may come first on
	# PATH (this machine has a newer one in /usr/local/bin).
	cli=$(dirname "$dockerd")/../bin/docker
	[ -x "$cli" ] || cli=$(command -v docker) || { DOCKER_WHY="no docker client next to $dockerd"; return 2; }
	mkdir -p "$dk/data" "$dk/exec" "$dk/cli"
	# The client writes its own config under DOCKER_CONFIG, not ~/.docker.
	export DOCKER_CONFIG=$dk/cli
	DOCKER=("$cli" -H "unix://$dk/docker.sock")
	# A config file of its own keeps /etc/docker/daemon.json out; before
	# Docker 23 the daemon also writes a key.json into /etc/docker unless
	# told another path (later versions reject that option).
	major=$("$dockerd" --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
	if [ -n "$major" ] && [ "$major" -lt 23 ]; then
		printf '{ "deprecated-key-path": "%s/key.json" }\n' "$dk" > "$dk/daemon.json"
	else
		echo '{}' > "$dk/daemon.json"
	fi
	"$dockerd" --config-file "$dk/daemon.json" \
		--data-root "$dk/data" --exec-root "$dk/exec" \
		-H "unix://$dk/docker.sock" --pidfile "$dk/dockerd.pid" \
		--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--bridge=none --userland-proxy=false --shutdown-timeout 2 \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$DOCKER_CGROUP" \
		> "$dk/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	for _ in $(seq 400); do
		"${DOCKER[@]}" version >/dev/null 2>&1 && return 0
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
			wait "$DOCKERD_PID" || true
			DOCKERD_PID=
			DOCKER_WHY="dockerd exited at start: $(tail -3 "$dk/dockerd.log")"
			return 1
		fi
		sleep 0.05
	done
	DOCKER_WHY="dockerd did not answer in 20 s: $(tail -3 "$dk/dockerd.log")"
	return 1
}

# dockerd_stop: removes every container at once (a test that timed out
# may leave some running), then SIGTERM to dockerd, which stops its
# containerd.  0 when that was all it took; else it kills what is left
# (dockerd, containerd, shims, processes in the containers' cgroups),
# unmounts what is left under $WORK/docker, says so, and returns 1.  It
# also removes the cgroup parent.
dockerd_stop() {
	local dk=$WORK/docker st=0 p m d
	if [ -n "$DOCKERD_PID" ]; then
		timeout 10 "${DOCKER[@]}" ps -aq | xargs -r timeout 10 "${DOCKER[@]}" rm -f >/dev/null || st=1
		kill -TERM "$DOCKERD_PID" 2>/dev/null || true
		for _ in $(seq 200); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.05; done
		if kill -0 "$DOCKERD_PID" 2>/dev/null; then
			echo "dockerd did not stop in 10 s; killed" >&2
			kill -KILL "$DOCKERD_PID"
			st=1
		fi
		wait "$DOCKERD_PID" 2>/dev/null || true
		DOCKERD_PID=
	fi
	# Whatever still runs from this dockerd: its containerd and shims name
	# $dk on their command line; container processes are in its cgroups.
	for p in $(pgrep -f "containerd.*$dk" || true) \
		$(cat /sys/fs/cgroup/*/"$DOCKER_CGROUP"/*/cgroup.procs 2>/dev/null || true); do
		[ -d "/proc/$p" ] || continue
		echo "left running: $p $(tr '\0' ' ' < "/proc/$p/cmdline"); killed" >&2
		kill -KILL "$p" 2>/dev/null || true
		st=1
	done
	# Deepest first.  A clean stop leaves one: libnetwork binds the host's
	# network namespace at netns/default for --network host containers and
	# keeps it past shutdown (in /run/docker/netns on a usual install).
	for m in $(awk -v d="$dk" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
		umount -l "$m"
		[ "$m" = "$dk/exec/netns/default" ] && continue
		echo "left mounted: $m" >&2
		st=1
	done
	# Each container's cgroup goes with it; the parent is ours to remove.
	for d in /sys/fs/cgroup/"$DOCKER_CGROUP" /sys/fs/cgroup/*/"$DOCKER_CGROUP"; do
		[ -d "$d" ] || continue
		if [ -n "$(find "$d" -mindepth 1 -type d)" ]; then
			echo "cgroups left under $d" >&2
			st=1
		fi
		# A process just killed may hold its cgroup a moment.
		for _ in $(seq 40); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null && break
			sleep 0.05
		done
		[ ! -d "$d" ] || { echo "cannot remove $d" >&2; st=1; }
	done
	return $st
}

# net_state: the host's network setup that dockerd must leave alone: links
# (name and flags), IPv4 forwarding, and the iptables and ip6tables rules.
net_state() {
	local t
	# Which links there are and whether they are up; not their carrier,
	# nor the veths other tests' containers come and go with.
	ip -o link show | awk '$2 !~ /^veth/ { f = $3; gsub(/NO-CARRIER,|,LOWER_UP|LOWER_UP,/, "", f); print $2, f }'
	echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
	for t in iptables-save ip6tables-save; do
		command -v $t >/dev/null || continue
		$t 2>&1 | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//g'
	done
}

# netns_reaches PID PORT: a sockfs started with --netns=/proc/PID/ns/net
# (a running container's network) fetches the page of the container's
# busybox httpd on its own 127.0.0.1:PORT, which the host cannot reach.
netns_reaches() {
	local pid=$1 PORT3=$2
	mkdir "$WORK/nsmnt"
	"$SOCKFS" -f --netns="/proc/$pid/ns/net" "$WORK/nsmnt" 2>"$WORK/ns.log" &
	NSPID=$!
	for _ in $(seq 100); do [ -d "$WORK/nsmnt/tcp" ] && break; sleep 0.05; done
	for _ in $(seq 100); do
		bash "$EX/http-get.sh" "$WORK/nsmnt" "127.0.0.1:$PORT3" /index.html > "$WORK/ns.out" 2>/dev/null && break
		sleep 0.1
	done
	expect_eq "$(tail -1 "$WORK/ns.out")" "<p>served inside the container</p>" "a page from inside the container"
	curl -s --max-time 5 "http://127.0.0.1:$PORT3/" >/dev/null && fail "the host reached the container's loopback"
	fusermount3 -u "$WORK/nsmnt"
	wait "$NSPID" || fail "sockfs --netns exited with $?"
}
