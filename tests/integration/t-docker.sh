#!/bin/bash
# sockfs in real Docker containers (docker.io's dockerd, started here with
# everything of its own under $WORK; the image is the busybox-only root of
# scripts/container-rootfs.sh, imported), the recipes of docs/containers.md:
#  1. mounted inside a container with the documented flags: a UDP round
#     trip between two sockfs sockets on the container's own loopback; with
#     --network host, UDP and HTTP to host peers and a shell server in the
#     container that curl on the host reaches; and what a container missing
#     --device or the capability says;
#  2. a host mount with allow_other bound into containers of two users;
#  3. --netns=/proc/PID/ns/net with the PID from `docker inspect`;
# and at the end, that dockerd, its containerd, mounts, cgroups and the
# host's network are gone or as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"
EX="$TOP_SRCDIR/docs/examples"
UA=sfs_dk_a UB=sfs_dk_b
NAME=sockfs-t-$$
IMAGE=sockfs-busybox-t-$$

# skip_or_fail WHY: docker.io is installed but does not work here.  Where
# tests/run.sh installed it (CI=true) that is a failure, not a skip.
skip_or_fail() {
	[ "${CI:-}" = true ] && fail "$1"
	echo "SKIP: $1"
	exit 77
}

undo() {
	set +e
	dockerd_stop
	mountpoint -q "$WORK/nsmnt" && fusermount3 -u -z "$WORK/nsmnt"
	cleanup
	userdel "$UA" 2>/dev/null
	userdel "$UB" 2>/dev/null
}
trap undo EXIT

NET_BEFORE=$(net_state)
KEY_BEFORE=$(ls /etc/docker 2>/dev/null || true)
st=0
dockerd_start || st=$?
if [ "$st" = 2 ]; then
	echo "SKIP: $DOCKER_WHY"
	exit 77
fi
[ "$st" = 0 ] || skip_or_fail "$DOCKER_WHY"

for u in $UA $UB; do id "$u" >/dev/null 2>&1 || useradd -M -s /bin/sh "$u"; done
CT_USERS="$UA $UB" make_rootfs "$WORK/root"
# The recipe: the container root becomes an image.
tar -C "$WORK/root" -c . | "${DOCKER[@]}" import - "$IMAGE" >/dev/null || fail "docker import"
out=$("${DOCKER[@]}" run --rm --network none "$IMAGE" /bin/busybox true 2>&1) ||
	skip_or_fail "dockerd cannot run a container here: $out"
ok "dockerd of the test's own is up; the busybox root imported with docker import runs"

# The results come back through /share, bound from the host.
SHARE=$WORK/share
mkdir "$SHARE"
chmod 777 "$SHARE"
cp "$WORK/root/share/net.sh" "$EX/http-get.sh" "$EX/http-server.sh" "$SHARE/"
# dk [docker run flags...] -- CMD...: a container of the image.
dk() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	"${DOCKER[@]}" run --rm "${flags[@]}" "$IMAGE" "$@"
}
# The documented flags for a mount inside the container.
FUSE=(--device /dev/fuse --cap-add SYS_ADMIN --security-opt apparmor=unconfined)

# --- 1: mounting inside a container --------------------------------------
# With the container's own network (--network none): two sockfs sockets
# talk over its loopback.
cat > "$SHARE/own.sh" <<'SH'
set -u
. /share/net.sh
mount_net
a=/net/udp/$(cat /net/udp/clone)
b=/net/udp/$(cat /net/udp/clone)
echo "bind 127.0.0.1:0" > $a/ctl
echo "connect $(cat $a/local)" > $b/ctl
echo "one datagram" > $b/data
cat $a/data > /share/own.out
rmdir $a $b
umount_net > /share/own-daemon.out
SH
dk --network none "${FUSE[@]}" -v "$SHARE:/share" -- /bin/sh /share/own.sh > "$WORK/own.log" 2>&1 ||
	fail "the container failed: $(cat "$WORK/own.log")"
expect_eq "$(cat "$SHARE/own.out")" "one datagram" "UDP between two sockets in the container"
expect_eq "$(cat "$SHARE/own-daemon.out")" "daemon exit 0" "sockfs in the container after umount"
ok "1: mounted in a --network none container: a UDP round trip on its own loopback; umount ends sockfs with 0"

# With --network host: host peers on loopback, a UDP echo and http.server.
udp_echo_peer echo
UPORT=$(ready_of echo)
mkdir "$WORK/www"
printf '<p>served by the host</p>\n' > "$WORK/www/index.html"
(cd "$WORK/www" && exec python3 -m http.server 0 --bind 127.0.0.1) > "$WORK/http.log" 2>&1 &
for _ in $(seq 100); do grep -q 'port [0-9]' "$WORK/http.log" && break; sleep 0.05; done
HPORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
[ -n "$HPORT" ] || fail "http.server did not start"
cat > "$SHARE/host.sh" <<'SH'
set -u
. /share/net.sh
mount_net
await() { i=0; until [ -f "$1" ]; do i=$((i + 1)); [ $i -lt 400 ] || return 1; sleep 0.05; done; }
s=/net/udp/$(cat /net/udp/clone)
echo "connect 127.0.0.1:$UPORT" > $s/ctl
echo "hello from $(id -u)" > $s/data
cat $s/data > /share/udp.out
rmdir $s
sh /share/http-get.sh /net 127.0.0.1:$HPORT /index.html > /share/get.out
sh /share/http-server.sh /net > /share/http-server.out 2>&1 &
srv=$!
await /share/http-server.done || echo "no http-server.done" >> /share/errors
echo close > /net/$(sed -n 's/.* in //p' /share/http-server.out)/ctl
wait $srv
# The connection's folder goes once its server hangs up; then unmount.
i=0
while [ "$(ls /net/tcp)" != clone ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
umount_net > /share/daemon.out
SH
dk --network host "${FUSE[@]}" -v "$SHARE:/share" -e UPORT="$UPORT" -e HPORT="$HPORT" -- \
	/bin/sh /share/host.sh > "$WORK/host.log" 2>&1 &
CT=$!
wait_file "$SHARE/http-server.out" "^listening on"
addr=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$SHARE/http-server.out")
curl -sS --max-time 10 "http://$addr/from-the-host" > "$WORK/curl.out" || fail "curl to the container's server"
touch "$SHARE/http-server.done"
wait "$CT" || fail "the container failed: $(cat "$WORK/host.log")"
[ ! -f "$SHARE/errors" ] || fail "inside: $(cat "$SHARE/errors")"
expect_eq "$(cat "$SHARE/udp.out")" "echo: hello from 0" "UDP round trip from the container"
expect_eq "$(head -1 "$SHARE/get.out" | tr -d '\r')" "HTTP/1.0 200 OK" "http-get status line"
expect_eq "$(tail -1 "$SHARE/get.out")" "<p>served by the host</p>" "http-get body"
grep -q "You asked for /from-the-host" "$WORK/curl.out" || fail "curl got: $(cat "$WORK/curl.out")"
expect_eq "$(cat "$SHARE/daemon.out")" "daemon exit 0" "sockfs in the container after umount"
ok "1: in a --network host container: a UDP round trip and http-get.sh with host peers; curl on the host fetches from http-server.sh in it"

# What users see when a flag is missing (docs/containers.md quotes these).
expect_err "fuse: device not found, try 'modprobe fuse' first" \
	dk --network none --cap-add SYS_ADMIN -- sockfs /net
expect_err "fuse: failed to exec fusermount3: No such file or directory" \
	dk --network none --device /dev/fuse -- sockfs /net
ok "1: without --device /dev/fuse, or without --cap-add SYS_ADMIN, sockfs fails with libfuse's message"

# --- 2: one host mount, two users' containers ----------------------------
start_sockfs -o allow_other
in_ct() { local u=$1; shift; dk --network none --user "$u" -v "$MNT:/net" -- /bin/sh -c "$*"; }
ida() { echo "$(id -u "$1"):$(id -g "$1")"; }
r=$(in_ct 0:0 'cat /net/udp/clone')
[ -n "$r" ] && [ -d "$MNT/udp/$r" ] || fail "clone through the host mount gave [$r]"
rmdir "$MNT/udp/$r"
a=$(in_ct "$(ida $UA)" 'cat /net/udp/clone')
b=$(in_ct "$(ida $UB)" 'cat /net/udp/clone')
[ -n "$a" ] && [ -n "$b" ] || fail "clone in the containers gave [$a] [$b]"
expect_eq "$(stat -c %U "$MNT/udp/$a") $(stat -c %U "$MNT/udp/$b")" "$UA $UB" "owners"
out=$(in_ct "$(ida $UB)" "cat /net/udp/$a/ctl 2>&1; echo \"connect 127.0.0.1:$UPORT\" > /net/udp/$b/ctl && echo ping > /net/udp/$b/data && cat /net/udp/$b/data")
case $out in
*"Permission denied"*"echo: ping") ;;
*) fail "B's container said [$out]" ;;
esac
seen() { in_ct "$1" 'cat /net/sockets' | jq -r 'map(.name) | sort | join(" ")'; }
expect_eq "$(seen "$(ida $UA)")" "$a" "A's sockets file"
expect_eq "$(seen "$(ida $UB)")" "$b" "B's sockets file"
expect_eq "$(seen 0:0)" "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ' | sed 's/ $//')" "root's sockets file"
ok "2: a host allow_other mount in two users' containers: each sees and uses only its own; root sees all"

# Paths a container names are the container's own: a host-only socket
# (in a folder the image does not have) is out of reach; a socket bound in
# the container's /tmp is reached there.
mkdir -p "$WORK/hostonly"
path_servers hostonly "$WORK/hostonly/h.sock"
for who in 0:0 "$(ida $UA)"; do
	out=$(in_ct "$who" "s=/net/unix/\$(cat /net/unix/clone)
		echo 'connect $WORK/hostonly/h.sock' > \$s/ctl 2>/dev/null && echo REACHED-HOST
		cat \$s/err; echo
		l=/net/unix/\$(cat /net/unix/clone); c=/net/unix/\$(cat /net/unix/clone)
		printf 'bind /tmp/own.sock\\nlisten\\n' > \$l/ctl && echo 'connect /tmp/own.sock' > \$c/ctl && echo OWN-OK
		rmdir \$s \$l \$c")
	case $out in
	*REACHED-HOST*) fail "a container ($who) reached a host path: [$out]" ;;
	*"No such file or directory"*OWN-OK*) ;;
	*) fail "container $who said [$out]" ;;
	esac
done
stop_sockfs
ok "2: paths a container names through the host mount are its own: no host-only socket, its own /tmp's are reached"

# --- 3: --netns into a running container's network -----------------------
PORT3=$((20000 + $$ % 20000))
"${DOCKER[@]}" run -d --name "$NAME" --network none "$IMAGE" \
	/bin/busybox httpd -f -p "127.0.0.1:$PORT3" -h /www >/dev/null || fail "the httpd container"
pid=$("${DOCKER[@]}" inspect -f '{{.State.Pid}}' "$NAME")
[ "$pid" -gt 0 ] || fail "no pid for the container"
netns_reaches "$pid" "$PORT3"
ok "3: --netns=/proc/PID/ns/net (PID from docker inspect) reaches a server on a --network none container's own loopback"

# --- dockerd leaves nothing behind ----------------------------------------
"${DOCKER[@]}" rm -f "$NAME" >/dev/null || fail "docker rm"
"${DOCKER[@]}" rmi "$IMAGE" >/dev/null || fail "docker rmi"
ctd=$(cat "$WORK/docker/exec/containerd/containerd.pid")
dpid=$DOCKERD_PID
dockerd_stop 2>"$WORK/stop.err" || fail "dockerd_stop: $(cat "$WORK/stop.err")"
! kill -0 "$dpid" 2>/dev/null || fail "dockerd $dpid is still running"
! kill -0 "$ctd" 2>/dev/null || fail "containerd $ctd is still running"
left=$(awk -v d="$WORK" 'index($2, d) == 1' /proc/mounts)
[ -z "$left" ] || fail "mounts left: $left"
for d in /sys/fs/cgroup/"$DOCKER_CGROUP" /sys/fs/cgroup/*/"$DOCKER_CGROUP"; do
	[ ! -d "$d" ] || fail "cgroup left: $d"
done
NET_AFTER=$(net_state)
[ "$NET_AFTER" = "$NET_BEFORE" ] ||
	fail "the host's network changed: $(diff <(echo "$NET_BEFORE") <(echo "$NET_AFTER"))"
expect_eq "$(ls /etc/docker 2>/dev/null || true)" "$KEY_BEFORE" "/etc/docker"
ok "dockerd and its containerd stopped; no mount or cgroup left; links, forwarding, iptables and /etc/docker as before"

finish
