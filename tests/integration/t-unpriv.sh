#!/bin/bash
# sockfs without root: an ordinary user mounting through fusermount3, root
# of a user namespace (unshare -Urm), and --netns putting the sockets in
# another network namespace than the mount.
. "$(dirname "$0")/lib.sh"
U=sfs_test_u
id "$U" >/dev/null 2>&1 || useradd -M -s /bin/bash "$U"
old_fuse=$(stat -c %a /dev/fuse)
NS1=sfs_test_ns1 NS2=sfs_test_ns2
undo() {
	set +e
	for m in "$WORK"/u/mnt "$WORK"/u/mnt2 "$WORK"/u/mnt3; do
		mountpoint -q "$m" && fusermount3 -u -z "$m"
	done
	chmod "$old_fuse" /dev/fuse
	ip netns del $NS1 2>/dev/null
	ip netns del $NS2 2>/dev/null
	cleanup
	userdel "$U" 2>/dev/null
}
trap undo EXIT
# The machine's /dev/fuse is 0600; an unprivileged mount needs it open.
chmod 666 /dev/fuse
chmod 755 "$WORK"
mkdir -p "$WORK/u/mnt" "$WORK/u/mnt2" "$WORK/u/mnt3"
chown -R "$U" "$WORK/u"
as_u() { setpriv --reuid="$U" --regid="$U" --init-groups "$@"; }

udp_echo_peer echo
EPORT=$(ready_of echo)

# The same little session, whoever runs it: a UDP round trip and a bind.
session() {
	cat > "$WORK/session.sh" <<'SH'
set -eu
m=$1 port=$2
d=$m/udp/$(cat "$m/udp/clone")
echo "to 127.0.0.1:$port" > "$d/ctl"
echo "hello from $(id -u)" > "$d/data"
cat "$d/data"
stat -c %U "$d"
rmdir "$d"
SH
	echo "$WORK/session.sh"
}
S=$(session)

as_u "$SOCKFS" "$WORK/u/mnt" 2>"$WORK/unpriv.log" || fail "unprivileged mount: $(cat "$WORK/unpriv.log")"
out=$(as_u bash "$S" "$WORK/u/mnt" "$EPORT") || fail "session as $U: $out"
expect_eq "$out" "echo: hello from $(id -u $U)
$U" "as $U"
expect_err "Permission denied" ls "$WORK/u/mnt/udp"
as_u fusermount3 -u "$WORK/u/mnt" || fail "the user could not unmount"
ok "an ordinary user mounts sockfs with fusermount3 and uses it; others (root too) stay out"

out=$(as_u unshare -Urm bash -c '"$1" "$2" || exit 7; bash "$3" "$2" "$4"; r=$?; umount "$2"; exit $r' \
	_ "$SOCKFS" "$WORK/u/mnt2" "$S" "$EPORT" 2>&1) || fail "user namespace: $out"
expect_eq "$out" "echo: hello from 0
root" "as root of a user namespace"
ok "root of a user namespace (unshare -Urm) mounts and uses sockfs"

# Two network namespaces joined by a veth pair; a server in the second.
ip netns add $NS1
ip netns add $NS2
ip link add sfsv1 type veth peer name sfsv2
ip link set sfsv1 netns $NS1
ip link set sfsv2 netns $NS2
ip -n $NS1 addr add 10.77.0.1/24 dev sfsv1
ip -n $NS2 addr add 10.77.0.2/24 dev sfsv2
ip -n $NS1 link set sfsv1 up
ip -n $NS2 link set sfsv2 up
ip -n $NS1 link set lo up
ip netns exec $NS2 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 7777))
open(sys.argv[1], "w").write("ready")
while True:
    m, a = s.recvfrom(1000)
    s.sendto(b"ns2 heard " + m + b" from " + a[0].encode(), a)' "$WORK/ns2.ready" &
for _ in $(seq 100); do [ -s "$WORK/ns2.ready" ] && break; sleep 0.05; done
"$SOCKFS" --netns=/run/netns/$NS1 "$WORK/u/mnt3" || fail "--netns mount"
d="$WORK/u/mnt3/udp/$(cat "$WORK/u/mnt3/udp/clone")"
echo "to 10.77.0.2:7777" > "$d/ctl"
echo hi > "$d/data"
expect_eq "$(timeout 5 cat "$d/data")" "ns2 heard hi
 from 10.77.0.1" "through the veth"
echo "to 127.0.0.1:$EPORT" > "$d/ctl"
echo "anyone home" > "$d/data"
expect_eq "$("$FILEIO" read "$d/data" 100 nb)" EAGAIN "the host's loopback peer is not in this namespace"
e="$WORK/u/mnt3/tcp/$(cat "$WORK/u/mnt3/tcp/clone")"
expect_err "Connection refused" bash -c "echo 'connect 127.0.0.1:22' > '$e/ctl'"
[ -z "$(ip -n $NS1 -o addr show | grep -v 'lo\|sfsv1')" ] || fail "stray addresses in $NS1"
fusermount3 -u "$WORK/u/mnt3"
ok "--netns: sockets live in the namespace given (reach 10.77.0.2 over the veth, not the host's loopback)"

finish
