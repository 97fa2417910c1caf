#!/bin/bash
# One root daemon (-o allow_other), no root for anyone: what the daemon does
# for an ordinary user is, in the kernel's eyes, that user's own act.  Each
# step is an attack an ordinary user could make through the shared mount
# (docs/security.md lists them), and checks that it does no harm.
. "$(dirname "$0")/lib.sh"
UA=sfs_auth_a UB=sfs_auth_b
test_users $UA $UB
ua=$(id -u $UA) ga=$(id -g $UA)
old_port=$(sysctl -n net.ipv4.ip_unprivileged_port_start)
undo() {
	set +e
	sysctl -qw net.ipv4.ip_unprivileged_port_start="$old_port"
	umount "$WORK/croot/net" 2>/dev/null
	cleanup
}
trap undo EXIT
sysctl -qw net.ipv4.ip_unprivileged_port_start=1024
start_sockfs -o allow_other,user_fds=48

# --- 1. capabilities from a user namespace count for nothing here ---
as $UA unshare -r true || fail "unprivileged user namespaces are off: this test needs them (Debian's default)"
r=$(as $UA cat "$MNT/raw/clone")
expect_err "Operation not permitted" as $UA unshare -r \
	bash -c "printf 'set proto udp\nbind 127.0.0.1\n' > '$MNT/raw/$r/ctl'"
grep -q "CAP_NET_RAW" "$MNT/raw/$r/err" || fail "raw err: $(cat "$MNT/raw/$r/err")"
t=$(as $UA cat "$MNT/tcp/clone")
expect_err "Permission denied" as $UA unshare -r bash -c "echo 'bind 127.0.0.1:81' > '$MNT/tcp/$t/ctl'"
grep -q "CAP_NET_BIND_SERVICE" "$MNT/tcp/$t/err" || fail "bind err: $(cat "$MNT/tcp/$t/err")"
# Root of the daemon's own namespace keeps what the kernel gives it.
rr=$(cat "$MNT/raw/clone")
printf 'set proto udp\nbind 127.0.0.1\n' > "$MNT/raw/$rr/ctl" || fail "root could not make a raw socket"
rmdir "$MNT/raw/$rr" "$MNT/raw/$r" "$MNT/tcp/$t"
ok "unshare -r grants nothing on the host: no raw socket, no port below 1024 (root still may)"

# --- 2. unix connects and listens carry the user's credentials ---
py_peer credsrv "$WORK/cred.sock" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[2]); os.chmod(sys.argv[2], 0o666); s.listen(8)
open(sys.argv[1], "w").write("ready")
while True:
    c, _ = s.accept()
    pid, uid, gid = struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    c.sendall(b"%d %d\n" % (uid, gid))
    c.close()
PY
u=$(as $UA cat "$MNT/unix/clone")
got=$(as $UA bash -c "echo 'connect $WORK/cred.sock' > '$MNT/unix/$u/ctl' && read -r l < '$MNT/unix/$u/data' && echo \"\$l\"")
expect_eq "$got" "$ua $ga" "SO_PEERCRED of A's connect, as a root server reads it"
l=$(as $UA cat "$MNT/unix/clone")
mkdir "$WORK/adir" && chown $UA "$WORK/adir"
as $UA bash -c "printf 'bind $WORK/adir/l.sock\nlisten\n' > '$MNT/unix/$l/ctl'"
expect_eq "$(stat -c %U "$WORK/adir/l.sock")" "$UA" "owner of the socket file A bound"
got=$(python3 -c 'import socket, struct, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
print("%d %d" % struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1:])' "$WORK/adir/l.sock")
expect_eq "$got" "$ua $ga" "SO_PEERCRED of A's sockfs listener, as a client reads it"
p=$(as $UA cat "$MNT/unix/pair")
rmdir "$MNT/unix/$u" "$MNT/unix/$l" "$MNT/unix/${p% *}" "$MNT/unix/${p#* }"
ok "a user's unix connect and listen show that user's uid and gid in SO_PEERCRED, not root's"

# --- 3. sockets are the user's in the kernel: SO_REUSEPORT, owner match ---
py_peer rport <<'PY'
import signal, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
u.bind(("127.0.0.1", 0))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
t.bind(("127.0.0.1", 0)); t.listen(8)
open(sys.argv[1], "w").write("%d %d" % (u.getsockname()[1], t.getsockname()[1]))
signal.pause()
PY
read -r uport tport <<<"$(ready_of rport)"
s=$(as $UA cat "$MNT/udp/clone")
expect_err "Address already in use" as $UA bash -c "printf 'set reuseport 1\nbind 127.0.0.1:$uport\n' > '$MNT/udp/$s/ctl'"
s2=$(as $UA cat "$MNT/tcp/clone")
expect_err "Address already in use" as $UA bash -c "printf 'set reuseport 1\nbind 127.0.0.1:$tport\n' > '$MNT/tcp/$s2/ctl'"
# Two of A's own may share a port, as the kernel allows its owner.
a1=$(as $UA cat "$MNT/udp/clone") a2=$(as $UA cat "$MNT/udp/clone")
as $UA bash -c "printf 'set reuseport 1\nbind 127.0.0.1:0\n' > '$MNT/udp/$a1/ctl'"
port=$(cut -d: -f2 < "$MNT/udp/$a1/local")
as $UA bash -c "printf 'set reuseport 1\nbind 127.0.0.1:$port\n' > '$MNT/udp/$a2/ctl'" ||
	fail "A could not share a port between two of its own sockets"
owner=$(awk -v p="$(printf ':%04X' "$port")" '$2 ~ p"$" {print $8; exit}' /proc/net/udp)
expect_eq "$owner" "$ua" "the socket's owner in /proc/net/udp"
rmdir "$MNT/udp/$s" "$MNT/tcp/$s2" "$MNT/udp/$a1" "$MNT/udp/$a2"
ok "a user's socket is that user's in the kernel: no SO_REUSEPORT share of root's ports; owner in /proc/net/udp"

# --- 4. descriptors held for cmsg rights count against user_fds ---
thirty_two=$(python3 -c 'import json; print(json.dumps({"rights": [{"path": "/etc/hostname"}] * 32}))')
held=()
for _ in 1 2 3; do
	g=$(as $UA cat "$MNT/unixgram/clone")
	held+=("$MNT/unixgram/$g")
	as $UA bash -c "printf '%s' '$thirty_two' > '$MNT/unixgram/$g/cmsg'" 2>/dev/null || break
done
grep -q "user_fds" "${held[-1]}/err" || fail "the second 32 rights were not refused: $(cat "${held[-1]}/err")"
used=$(as $UA jq -r '.[0].fds.used' "$MNT/usage")
[ "$used" -ge 33 ] && [ "$used" -le 48 ] || fail "usage shows $used descriptors for A"
b=$(as $UB cat "$MNT/udp/clone") || fail "B could not make a socket"
rmdir "$MNT/udp/$b" "${held[@]}"
expect_eq "$(as $UA jq -r '.[0].fds.used' "$MNT/usage")" 0 "A's descriptors after rmdir"
ok "rights waiting in cmsg are charged to their writer (usage shows them, user_fds stops them)"

# --- 5. no magic links: /proc/self is the daemon ---
g=$(as $UA cat "$MNT/unixgram/clone")
loops=0
for n in $(seq 0 40); do
	if out=$(as $UA bash -c "printf '%s' '{\"rights\":[{\"path\":\"/proc/self/fd/$n\"}]}' > '$MNT/unixgram/$g/cmsg'" 2>&1); then
		fail "rights took the daemon's descriptor $n"
	fi
	case $out in *"Too many levels of symbolic links"*) loops=$((loops + 1)) ;; esac
done
[ "$loops" -gt 0 ] || fail "no /proc/self/fd/N was refused as a magic link"
ln -s /proc/self/root/etc/hostname "$WORK/adir/link"
expect_err "Too many levels of symbolic links" as $UA bash -c \
	"printf '%s' '{\"rights\":[{\"path\":\"$WORK/adir/link\"}]}' > '$MNT/unixgram/$g/cmsg'"
ln -s /etc/hostname "$WORK/adir/plain"
as $UA bash -c "printf '%s' '{\"rights\":[{\"path\":\"$WORK/adir/plain\"}]}' > '$MNT/unixgram/$g/cmsg'" ||
	fail "an ordinary symbolic link was refused"
if [ -d "$MNT/tls" ]; then
	s=$(as $UA cat "$MNT/tls/clone")
	expect_err "Too many levels of symbolic links" as $UA bash -c \
		"printf 'set cafile /proc/self/root/etc/hostname\nconnect 127.0.0.1:1\n' > '$MNT/tls/$s/ctl'"
	rmdir "$MNT/tls/$s"
fi
rmdir "$MNT/unixgram/$g"
ok "paths go through no magic link (rights and TLS files): /proc/self/fd/N and /proc/self/root are refused"

# --- 6. paths are looked up in the caller's root ---
# A root of its own, as a container has, with the host's mount inside.
mkdir -p "$WORK/croot/bin" "$WORK/croot/net" "$WORK/croot/tmp" "$WORK/hostonly"
cp /bin/busybox "$WORK/croot/bin/"
for a in sh cat head; do ln -s busybox "$WORK/croot/bin/$a"; done
mount --bind "$MNT" "$WORK/croot/net"
path_servers hostsrv "$WORK/hostonly/h.sock" "$WORK/croot/tmp/in.sock"
inroot() { chroot --userspec=$ua:$ga --groups=$ga "$WORK/croot" /bin/busybox sh -c "$1"; }
c=$(inroot 'cat /net/unix/clone')
expect_err "No such file or directory" inroot "echo 'connect $WORK/hostonly/h.sock' > /net/unix/$c/ctl"
got=$(inroot "echo 'connect /tmp/in.sock' > /net/unix/$c/ctl && /bin/busybox head -1 /net/unix/$c/data")
expect_eq "$got" "in.sock" "a path in the caller's root"
c2=$(inroot 'cat /net/unix/clone')
got=$(inroot "cd /tmp && echo 'connect in.sock' > /net/unix/$c2/ctl && /bin/busybox head -1 /net/unix/$c2/data")
expect_eq "$got" "in.sock" "a relative path from the caller's working directory"
g=$(inroot 'cat /net/unixgram/clone')
# busybox's printf says nothing when its write fails: err says why.
inroot "printf '%s' '{\"rights\":[{\"path\":\"$WORK/hostonly/h.sock\"}]}' > /net/unixgram/$g/cmsg" &&
	fail "rights opened a host path for a caller in a root of its own"
grep -q "No such file or directory" "$MNT/unixgram/$g/err" || fail "err: $(cat "$MNT/unixgram/$g/err")"
rmdir "$MNT/unix/$c" "$MNT/unix/$c2" "$MNT/unixgram/$g"
umount "$WORK/croot/net"
ok "a caller in a root of its own reaches its own paths, absolute and relative, and none of the host's"

# --- 7. credentials name only the caller's processes; the caller's umask ---
g=$(as $UA cat "$MNT/unixgram/clone")
expect_err "Operation not permitted" as $UA bash -c \
	"printf '{\"credentials\": {\"pid\": 1, \"uid\": $ua, \"gid\": $ga}}' > '$MNT/unixgram/$g/cmsg'"
# The test's own shell (root's) is the parent of A's: not A's to claim.
expect_err "Operation not permitted" as $UA bash -c \
	"printf '{\"credentials\": {\"pid\": %d, \"uid\": $ua, \"gid\": $ga}}' \$PPID > '$MNT/unixgram/$g/cmsg'"
as $UA bash -c "/bin/printf '{\"credentials\": {\"pid\": %d, \"uid\": $ua, \"gid\": $ga}}' \$\$ > '$MNT/unixgram/$g/cmsg'" ||
	fail "A could not claim its own shell's pid from an external printf"
u=$(as $UA cat "$MNT/unix/clone")
as $UA bash -c "umask 077; echo 'bind $WORK/adir/um.sock' > '$MNT/unix/$u/ctl'"
expect_eq "$(stat -c %a "$WORK/adir/um.sock")" 700 "mode of a socket bound under umask 077"
rmdir "$MNT/unixgram/$g" "$MNT/unix/$u"
ok "credentials: not pid 1, not a parent of another user's; an own shell's pid from an external printf; bind takes the caller's umask"

# --- 8. a set-user-ID program handed a user's descriptor lends it nothing ---
# su(1) is set-user-ID root and prints its argv[0] to stderr as root (for
# a user that does not exist): here A's ctl, asking to connect to a
# root-only socket.
mkdir -m 700 "$WORK/rootdir"
py_peer rootonly "$WORK/rootdir/secret.sock" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[2]); os.chmod(sys.argv[2], 0o600); s.listen(8)
open(sys.argv[1], "w").write("ready")
while True:
    c, _ = s.accept(); c.sendall(b"root secret\n"); c.close()
PY
ln -s "$WORK/rootdir/secret.sock" "$WORK/adir/ln"
u=$(as $UA cat "$MNT/unix/clone")
as $UA bash -c "cd '$WORK/adir' && exec -a \$'connect ln\\n#' su sfs_no_such_user </dev/null 2>'$MNT/unix/$u/ctl'" 2>/dev/null || true
grep -q "not the user who opened" "$MNT/unix/$u/err" || fail "err: $(cat "$MNT/unix/$u/err")"
[ -n "$(cat "$MNT/unix/$u/peer" 2>/dev/null)" ] && fail "a set-user-ID program's write connected A to a root-only socket"
rmdir "$MNT/unix/$u"
ok "a write by a set-user-ID program on a descriptor a user opened is refused (EPERM): no root connect for the user"

# --- 9. an O_PATH descriptor sent in a message grants no reading ---
mkfifo -m 600 "$WORK/rootfifo"
r=$(as $UA cat "$MNT/unixgram/clone")
as $UA bash -c "echo 'bind $WORK/adir/recv.sock' > '$MNT/unixgram/$r/ctl'"
as $UA /usr/bin/python3 -c '
import os, socket, sys
fd = os.open(sys.argv[1], os.O_PATH)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendmsg(
    [b"m"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fd.to_bytes(4, sys.byteorder))], 0, sys.argv[2])
' "$WORK/rootfifo" "$WORK/adir/recv.sock"
expect_eq "$(as $UA head -c 1 "$MNT/unixgram/$r/data")" "m" "the message"
[ -e "$MNT/unixgram/$r/file0" ] && fail "an O_PATH descriptor of a root-only FIFO became A's file0"
rmdir "$MNT/unixgram/$r"
ok "an O_PATH descriptor of a root-only FIFO, sent in a message, is dropped, not opened anew with the daemon's rights"
finish
