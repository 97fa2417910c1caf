#!/bin/bash
# Multicast on IPv4 and IPv6, in a network namespace this test makes (a
# veth pair with 10.9.0.1/24 and fd00::1/64; nothing leaves it): sockfs
# sends to a python receiver, receives from a python sender, and stops
# receiving after leave; mcast_loop 0 keeps a group's own messages home.
if [ -z "${SOCKFS_NETNS:-}" ]; then
	exec unshare -n env SOCKFS_NETNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
ip link set lo up
ip link add v0 type veth peer name v1
ip link set v0 up
ip link set v1 up
ip addr add 10.9.0.1/24 dev v0
ip -6 addr add fd00::1/64 dev v0 nodad
start_sockfs
U="$MNT/udp"

# Joins GROUP on v0 and prints what arrives: one message, then exits.
receiver() {
	py_peer "$1" "$2" <<'PY'
import socket, struct, sys
group = sys.argv[2]
idx = socket.if_nametoindex("v0")
fam = socket.AF_INET6 if ":" in group else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("", 0))
if fam == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("4s4si", socket.inet_aton(group), bytes(4), idx))
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(fam, group) + struct.pack("I", idx))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(10)
m, a = s.recvfrom(100)
print(m.decode(), flush=True)
PY
}

# Sends TEXT to GROUP:PORT out of v0.
send_group() {
	python3 - "$@" <<'PY'
import socket, struct, sys
group, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
idx = socket.if_nametoindex("v0")
fam = socket.AF_INET6 if ":" in group else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("4s4si", bytes(4), bytes(4), idx))
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.sendto(text.encode(), (group, port))
PY
}

for group in 239.1.2.3 ff12::1:3; do
	case $group in *:*) any="[::]" v=6 ;; *) any=0.0.0.0 v=4 ;; esac
	receiver "rx$v" "$group"
	d="$U/$(cat "$U/clone")"
	printf 'set mcast_if v0\nset mcast_ttl 1\nto %s:%s\n' "$(case $group in *:*) echo "[$group]";; *) echo "$group";; esac)" "$(ready_of "rx$v")" > "$d/ctl"
	expect_eq "$(jq -c '[.options.mcast_if, .options.mcast_ttl]' "$d/status")" '["v0",1]' "options in status"
	echo "hello group $group" > "$d/data"
	wait $PEER_PID
	expect_eq "$(cat "$WORK/rx$v.out")" "hello group $group" "python receiver, IPv$v"
	rmdir "$d"

	r="$U/$(cat "$U/clone")"
	printf 'bind %s:0\nset join %s v0\n' "$any" "$group" > "$r/ctl"
	port=$(cat "$r/local"); port=${port##*:}
	send_group "$group" "$port" "from python to $group"
	expect_eq "$(timeout 5 cat "$r/data")" "from python to $group" "sockfs receiver, IPv$v"
	expect_eq "$(jq -r .pktinfo.to "$r/cmsg")" "$group" "cmsg pktinfo: sent to the group"
	echo "set leave $group v0" > "$r/ctl"
	send_group "$group" "$port" "after leave"
	sleep 0.3
	expect_eq "$("$FILEIO" read "$r/data" 100 nb)" EAGAIN "nothing after leave, IPv$v"
	ok "IPv$v multicast: send to a group, join, receive (cmsg shows the group), leave"

	# mcast_loop: a sockfs sender and a sockfs member on the same host.
	echo "set join $group v0" > "$r/ctl"
	s="$U/$(cat "$U/clone")"
	printf 'set mcast_if v0\nset mcast_loop 0\nto %s:%s\n' "$(case $group in *:*) echo "[$group]";; *) echo "$group";; esac)" "$port" > "$s/ctl"
	echo "not looped" > "$s/data"
	sleep 0.3
	expect_eq "$("$FILEIO" read "$r/data" 100 nb)" EAGAIN "mcast_loop 0, IPv$v"
	echo "set mcast_loop 1" > "$s/ctl"
	echo "looped" > "$s/data"
	expect_eq "$(timeout 5 cat "$r/data")" looped "mcast_loop 1, IPv$v"
	rmdir "$s" "$r"
	ok "IPv$v mcast_loop 0 keeps the group's messages from this host; 1 lets them in"
done

d="$U/$(cat "$U/clone")"
expect_err "Invalid argument" bash -c "echo 'set join 10.0.0.1' > '$d/ctl'"
case $(cat "$d/err") in *"not a multicast group"*) ;; *) fail "err: $(cat "$d/err")" ;; esac
expect_err "No such device" bash -c "echo 'set join 239.1.1.1 nosuch0' > '$d/ctl'"
echo "bind 0.0.0.0:0" > "$d/ctl"
expect_err "Address family not supported" bash -c "echo 'set join ff12::1' > '$d/ctl'"
expect_err "No such device" bash -c "echo 'set mcast_if nosuch0' > '$d/ctl'"
ok "bad groups, unknown interfaces and a group of the other family are refused"

stop_sockfs
finish
