#!/bin/bash
# sockfs in real containers (rootful podman, a busybox-only userland):
#  1. mounted inside a container: UDP and HTTP to host peers, and a shell
#     server in the container that curl on the host reaches;
#  2. a host mount with allow_other bound into containers of two users;
#  3. --netns=/proc/PID/ns/net: sockets inside a running container's own
#     network, reaching a server that listens only there;
#  5. every docs/examples script under busybox sh with busybox tools.
# (Case 4, rootless podman, is t-rootless.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"
EX="$TOP_SRCDIR/docs/examples"
UA=sfs_ct_a UB=sfs_ct_b
NAME=sockfs-t-$$
if ! why=$(podman_works); then
	echo "SKIP: $why"
	exit 77
fi
for u in $UA $UB; do id "$u" >/dev/null 2>&1 || useradd -M -s /bin/sh "$u"; done
undo() {
	set +e
	"${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1
	mountpoint -q "$WORK/nsmnt" && fusermount3 -u -z "$WORK/nsmnt"
	cleanup
	userdel "$UA" 2>/dev/null
	userdel "$UB" 2>/dev/null
}
trap undo EXIT
CT_USERS="$UA $UB" make_rootfs "$WORK/root"
SHARE=$WORK/root/share
chmod 777 "$SHARE"
# ct [podman run flags...] -- CMD...: a container on the test's root.
ct() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	"${PODMAN[@]}" run --rm "${CT_FLAGS[@]}" "${flags[@]}" --rootfs "$WORK/root" "$@"
}
FUSE=(--device /dev/fuse --cap-add SYS_ADMIN)

# Host peers, all on loopback: a UDP echo and python's http.server.
udp_echo_peer echo
UPORT=$(ready_of echo)
mkdir "$WORK/www"
printf '<p>served by the host</p>\n' > "$WORK/www/index.html"
(cd "$WORK/www" && exec python3 -m http.server 0 --bind 127.0.0.1) > "$WORK/http.log" 2>&1 &
for _ in $(seq 100); do grep -q 'port [0-9]' "$WORK/http.log" && break; sleep 0.05; done
HPORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
[ -n "$HPORT" ] || fail "http.server did not start"

# --- 1 and 5: a mount inside the container, driven by busybox sh --------
cp "$EX"/*.sh "$SHARE/"
cat > "$SHARE/inside.sh" <<'SH'
set -u
# What each step printed goes to /share/NAME.out; the host checks them.
. /share/net.sh
mount_net
await() { i=0; until [ -f "$1" ]; do i=$((i + 1)); [ $i -lt 400 ] || return 1; sleep 0.05; done; }

s=/net/udp/$(cat /net/udp/clone)
echo "connect 127.0.0.1:$UPORT" > $s/ctl
echo "hello from $(id -u)" > $s/data
cat $s/data > /share/udp.out
rmdir $s

sh /share/http-get.sh /net 127.0.0.1:$HPORT /index.html > /share/get.out

for srv in http-server echo-server udp-server; do
	sh /share/$srv.sh /net > /share/$srv.out 2>&1 &
	await /share/$srv.done || echo "no $srv.done" >> /share/errors
	folder=$(sed -n 's/.* in //p' /share/$srv.out)
	echo close > /net/$folder/ctl
done
sh /share/unix-chat.sh /net > /share/unix-chat.out 2>&1
echo "a file from the container" > /tmp/f
sh /share/pass-file.sh /net /tmp/f > /share/pass-file.out 2>&1
# Each server's connections close at their client's end; give them a moment.
i=0
while ls /net/tcp /net/udp /net/unix /net/unixgram > /share/left.out &&
	[ "$(wc -l < /share/left.out)" -gt 11 ] && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.05; done
umount_net > /share/daemon.out
SH
ct --network host "${FUSE[@]}" -e UPORT="$UPORT" -e HPORT="$HPORT" -- \
	/bin/sh /share/inside.sh > "$WORK/inside.log" 2>&1 &
CT=$!

# The servers in the container, reached from the host.
wait_file "$SHARE/http-server.out" "^listening on"
addr=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$SHARE/http-server.out")
curl -sS --max-time 10 "http://$addr/from-the-host" > "$WORK/curl.out" || fail "curl to the container's server"
touch "$SHARE/http-server.done"
wait_file "$SHARE/echo-server.out" "^listening on"
addr=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$SHARE/echo-server.out")
python3 - "${addr##*:}" > "$WORK/echo.out" <<'PY' || fail "echo client"
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
c.sendall(b"one\ntwo\n"); c.shutdown(socket.SHUT_WR)
print(c.makefile().read(), end="")
PY
touch "$SHARE/echo-server.done"
wait_file "$SHARE/udp-server.out" "^listening on"
addr=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$SHARE/udp-server.out")
python3 - "${addr##*:}" > "$WORK/udps.out" <<'PY' || fail "udp client"
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)
c.sendto(b"hi", ("127.0.0.1", int(sys.argv[1])))
print(c.recv(1000).decode(), end="")
PY
touch "$SHARE/udp-server.done"
wait "$CT" || fail "the container failed: $(cat "$WORK/inside.log")"
[ ! -f "$SHARE/errors" ] || fail "inside: $(cat "$SHARE/errors")"

expect_eq "$(cat "$SHARE/udp.out")" "echo: hello from 0" "UDP round trip from the container"
expect_eq "$(cat "$SHARE/daemon.out")" "daemon exit 0" "sockfs in the container after umount"
ok "1: mounted in a rootful container: a UDP round trip with a host peer; umount ends sockfs with 0"

expect_eq "$(head -1 "$SHARE/get.out" | tr -d '\r')" "HTTP/1.0 200 OK" "http-get status line"
expect_eq "$(tail -1 "$SHARE/get.out")" "<p>served by the host</p>" "http-get body"
grep -q "You asked for /from-the-host" "$WORK/curl.out" || fail "curl got: $(cat "$WORK/curl.out")"
ok "1: http-get.sh in the container fetches from the host; curl on the host fetches from http-server.sh in it"

expect_eq "$(cat "$WORK/echo.out")" "one
two" "echo-server.sh"
case $(cat "$WORK/udps.out") in
"hello 127.0.0.1:"*", you said: hi") ;;
*) fail "udp-server.sh answered [$(cat "$WORK/udps.out")]" ;;
esac
expect_eq "$(cat "$SHARE/unix-chat.out")" "alice: bob: got 'hello'
alice: bob: got 'how are you?'
alice: bob: got 'bye'" "unix-chat.sh"
grep -q "^file0 holds: a file from the container" "$SHARE/pass-file.out" ||
	fail "pass-file.sh: $(cat "$SHARE/pass-file.out")"
expect_eq "$(tr '\n' ' ' < "$SHARE/left.out")" "/net/tcp: clone  /net/udp: clone  /net/unix: clone pair  /net/unixgram: clone pair " "folders left"
ok "5: every docs/examples script runs under busybox sh with busybox tools (and jq)"

# --- 2: one host mount, two users' containers ----------------------------
start_sockfs -o allow_other
in_ct() { local u=$1; shift; ct --user "$u" -v "$MNT:/net" -- /bin/sh -c "$*"; }
a=$(in_ct "$(id -u $UA):$(id -g $UA)" 'cat /net/udp/clone')
b=$(in_ct "$(id -u $UB):$(id -g $UB)" 'cat /net/udp/clone')
[ -n "$a" ] && [ -n "$b" ] || fail "clone in the containers gave [$a] [$b]"
expect_eq "$(stat -c %U "$MNT/udp/$a") $(stat -c %U "$MNT/udp/$b")" "$UA $UB" "owners"
out=$(in_ct "$(id -u $UB):$(id -g $UB)" "cat /net/udp/$a/ctl 2>&1; echo \"connect 127.0.0.1:$UPORT\" > /net/udp/$b/ctl && echo ping > /net/udp/$b/data && cat /net/udp/$b/data")
case $out in
*"Permission denied"*"echo: ping") ;;
*) fail "B's container said [$out]" ;;
esac
seen() { in_ct "$1" 'cat /net/sockets' | jq -r 'map(.name) | sort | join(" ")'; }
expect_eq "$(seen "$(id -u $UA):$(id -g $UA)")" "$a" "A's sockets file"
expect_eq "$(seen "$(id -u $UB):$(id -g $UB)")" "$b" "B's sockets file"
expect_eq "$(seen 0:0)" "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ' | sed 's/ $//')" "root's sockets file"
ok "2: a host allow_other mount in two users' containers: each sees and uses only its own; root sees all"

# A path a container names is the container's: a host-only unix socket
# (here in a folder the container does not have) stays out of reach, for
# the container's root too; one in the container's own root is reached.
mkdir -p "$WORK/hostonly" "$WORK/root/tmp"
path_servers paths "$WORK/hostonly/h.sock" "$WORK/root/tmp/in.sock"
for who in 0:0 "$(id -u $UA):$(id -g $UA)"; do
	out=$(in_ct "$who" "s=/net/unix/\$(cat /net/unix/clone)
		echo 'connect $WORK/hostonly/h.sock' > \$s/ctl 2>/dev/null && echo REACHED-HOST
		cat \$s/err; echo
		echo 'connect /tmp/in.sock' > \$s/ctl && head -1 \$s/data; rmdir \$s")
	case $out in
	*REACHED-HOST*) fail "a container ($who) reached a host path: [$out]" ;;
	*"No such file or directory"*"in.sock") ;;
	*) fail "container $who said [$out]" ;;
	esac
done
stop_sockfs
ok "2: paths a container names through the host mount are looked up in the container's root: a host-only socket is not there"

# --- 4: -o netns=caller: a container keeps its own network ---------------
# Host-only services: the UDP echo on the host's loopback, and an abstract
# unix name (no permission check exists for those).
py_peer abstract <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0sockfs-hostonly-%d" % __import__("os").getpid()); s.listen(8)
open(sys.argv[1], "w").write(s.getsockname()[1:].decode())
while True:
    c, _ = s.accept(); c.sendall(b"host secret\n"); c.close()
PY
ABS=$(ready_of abstract)
start_sockfs -o allow_other,netns=caller
for net in none ""; do
	out=$(ct ${net:+--network "$net"} -v "$MNT:/net" -- /bin/sh -c "
		u=/net/udp/\$(cat /net/udp/clone)
		echo 'connect 127.0.0.1:$UPORT' > \$u/ctl; echo 'set timeout 1000' > \$u/ctl
		echo ping > \$u/data 2>/dev/null; cat \$u/data 2>/dev/null && echo REACHED-HOST-UDP
		a=/net/unix/\$(cat /net/unix/clone)
		echo 'connect @$ABS' > \$a/ctl 2>/dev/null && echo REACHED-HOST-ABSTRACT
		l=/net/udp/\$(cat /net/udp/clone); echo 'bind 127.0.0.1:0' > \$l/ctl
		c=/net/udp/\$(cat /net/udp/clone); echo \"connect \$(cat \$l/local)\" > \$c/ctl
		echo own > \$c/data && head -1 \$l/data")
	case $out in
	*REACHED-HOST*) fail "a container (network ${net:-default}) reached the host's network: [$out]" ;;
	own) ;;
	*) fail "container (network ${net:-default}) said [$out]" ;;
	esac
done
# The host's own users still reach the host's loopback through the mount.
u=$MNT/udp/$(cat "$MNT/udp/clone")
echo "connect 127.0.0.1:$UPORT" > "$u/ctl"
echo ping > "$u/data"
expect_eq "$(cat "$u/data")" "echo: ping" "a host user's round trip with netns=caller"
stop_sockfs
ok "4: with -o netns=caller a container given the host mount keeps its own network: no host loopback, no host abstract names; its own loopback works"

# --- 3: --netns into a running container's network -----------------------
PORT3=$((20000 + $$ % 20000))
"${PODMAN[@]}" run -d --name "$NAME" "${CT_FLAGS[@]}" --network none --rootfs "$WORK/root" \
	/bin/busybox httpd -f -p "127.0.0.1:$PORT3" -h /www >/dev/null || fail "the httpd container"
pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$NAME")
[ "$pid" -gt 0 ] || fail "no pid for the container"
netns_reaches "$pid" "$PORT3"
ok "3: --netns=/proc/PID/ns/net reaches a server on a --network none container's own loopback"

finish
