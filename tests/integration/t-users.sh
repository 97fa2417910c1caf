#!/bin/bash
# Many users, one root daemon (-o allow_other): each user's sockets are
# theirs alone, and the daemon acts with the caller's rights, not its own.
. "$(dirname "$0")/lib.sh"
UA=sfs_test_a UB=sfs_test_b
for u in $UA $UB; do
	id "$u" >/dev/null 2>&1 || useradd -M -s /bin/bash "$u"
done
old_port=$(sysctl -n net.ipv4.ip_unprivileged_port_start)
old_ping=$(sysctl -n net.ipv4.ping_group_range)
undo() {
	sysctl -qw net.ipv4.ip_unprivileged_port_start="$old_port"
	sysctl -qw net.ipv4.ping_group_range="$old_ping"
	cleanup
	userdel "$UA" 2>/dev/null; userdel "$UB" 2>/dev/null
}
trap undo EXIT
sysctl -qw net.ipv4.ip_unprivileged_port_start=1024
chmod 755 "$WORK"
start_sockfs -o allow_other

a=$(as $UA cat "$MNT/udp/clone")
as $UA bash -c "echo 'bind 127.0.0.1:0' > '$MNT/udp/$a/ctl'"
expect_eq "$(stat -c '%U %a' "$MNT/udp/$a")" "$UA 700" "folder owner and mode"
expect_eq "$(stat -c '%U %a' "$MNT/udp/$a/data")" "$UA 600" "data owner and mode"
for f in ctl data status cmsg peer; do
	expect_err "Permission denied" as $UB cat "$MNT/udp/$a/$f"
done
expect_err "Permission denied" as $UB ls "$MNT/udp/$a"
expect_err "Permission denied" as $UB bash -c "echo hi > '$MNT/udp/$a/data'"
as $UB rmdir "$MNT/udp/$a" 2>/dev/null && fail "B removed A's socket"
[ -d "$MNT/udp/$a" ] || fail "A's socket is gone"
expect_eq "$(as $UB jq length "$MNT/sockets")" 0 "B's sockets"
expect_eq "$(as $UA jq -r '.[].name' "$MNT/sockets")" "$a" "A's sockets"
expect_eq "$(jq length "$MNT/sockets")" 1 "root sees all"
expect_err "Operation not permitted" as $UA chmod 777 "$MNT/udp/$a"
ok "a socket folder is its creator's (0700/0600): another user gets EACCES everywhere in it"

l=$(as $UA cat "$MNT/tcp/clone")
as $UA bash -c "printf 'bind 127.0.0.1:0\nlisten\n' > '$MNT/tcp/$l/ctl'"
port=$(cut -d: -f2 < "$MNT/tcp/$l/local")
python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(3)' "$port" &
c=$(as $UA cat "$MNT/tcp/$l/listen")
expect_eq "$(stat -c %U "$MNT/tcp/$c")" "$UA" "accepted socket's owner"
expect_err "Permission denied" as $UB cat "$MNT/tcp/$c/peer"
expect_err "Permission denied" as $UB cat "$MNT/tcp/$l/listen"
ok "sockets accepted through listen belong to the listener's owner"

b=$(as $UA cat "$MNT/tcp/clone")
expect_err "Permission denied" as $UA bash -c "echo 'bind 127.0.0.1:80' > '$MNT/tcp/$b/ctl'"
case $(cat "$MNT/tcp/$b/err") in *CAP_NET_BIND_SERVICE*) ;; *) fail "err: $(cat "$MNT/tcp/$b/err")" ;; esac
as $UA bash -c "echo 'bind 127.0.0.1:0' > '$MNT/tcp/$b/ctl'" || fail "A cannot bind a high port"
r=$(cat "$MNT/tcp/clone")
out=$(bash -c "echo 'bind 127.0.0.1:80' > '$MNT/tcp/$r/ctl'" 2>&1) || case $out in
	*"Address already in use"*) ;; *) fail "root could not bind port 80: $out" ;; esac
ok "port 80: EACCES for a user (as the kernel would say), allowed for root"

# A root-only unix socket (0600) that root's python serves.
py_peer rootsock "$WORK/root.sock" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[2]); os.chmod(sys.argv[2], 0o600); s.listen(4)
open(sys.argv[1], "w").write("ready")
while True:
    c, _ = s.accept(); c.sendall(b"root says hi\n"); c.close()
PY
u=$(as $UA cat "$MNT/unix/clone")
expect_err "Permission denied" as $UA bash -c "echo 'connect $WORK/root.sock' > '$MNT/unix/$u/ctl'"
g=$(as $UA cat "$MNT/unixgram/clone")
as $UA bash -c "echo 'to $WORK/root.sock' > '$MNT/unixgram/$g/ctl'"
expect_err "Permission denied" as $UA bash -c "echo x > '$MNT/unixgram/$g/data'"
expect_err "Permission denied" as $UA bash -c "echo 'bind $WORK/a.sock' > '$MNT/unix/$u/ctl'"
mkdir "$WORK/adir"; chown $UA "$WORK/adir"
as $UA bash -c "echo 'bind $WORK/adir/a.sock' > '$MNT/unix/$u/ctl'" || fail "A cannot bind in its own folder"
expect_eq "$(stat -c %U "$WORK/adir/a.sock")" "$UA" "the socket file's owner"
t=$(cat "$MNT/unix/clone")
echo "connect $WORK/root.sock" > "$MNT/unix/$t/ctl"
expect_eq "$(timeout 5 cat "$MNT/unix/$t/data")" "root says hi" "root's connect"
ok "unix paths as the caller: a user cannot reach a 0600 root socket or bind where it may not write; root can"

p=$(as $UA cat "$MNT/unixgram/pair")
set -- $p
expect_err "Operation not permitted" as $UA bash -c "echo '{\"credentials\": {\"pid\": 1, \"uid\": 0, \"gid\": 0}}' > '$MNT/unixgram/$1/cmsg'"
echo '{"credentials": {"pid": 1, "uid": 0, "gid": 0}}' > "$MNT/unixgram/$1/cmsg"
ok "a user cannot claim uid 0 credentials; root can"

w=$(as $UA cat "$MNT/raw/clone")
expect_err "Operation not permitted" as $UA bash -c "echo 'to 127.0.0.1' > '$MNT/raw/$w/ctl'"
case $(cat "$MNT/raw/$w/err") in *CAP_NET_RAW*) ;; *) fail "err: $(cat "$MNT/raw/$w/err")" ;; esac
w=$(cat "$MNT/raw/clone")
echo "to 127.0.0.1" > "$MNT/raw/$w/ctl" || fail "root's raw socket"
gid_a=$(id -g $UA)
sysctl -qw net.ipv4.ping_group_range="0 0"
i=$(as $UA cat "$MNT/icmp/clone")
expect_err "Permission denied" as $UA bash -c "echo 'to 127.0.0.1' > '$MNT/icmp/$i/ctl'"
sysctl -qw net.ipv4.ping_group_range="0 $gid_a"
as $UA bash -c "echo 'to 127.0.0.1' > '$MNT/icmp/$i/ctl'" || fail "A's ping socket with its group allowed"
ok "raw sockets need the caller's CAP_NET_RAW; ping sockets the caller's group in ping_group_range"

stop_sockfs
finish
