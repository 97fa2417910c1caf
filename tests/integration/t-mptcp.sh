#!/bin/bash
# mptcp/: a stream kind like tcp whose sockets are IPPROTO_MPTCP.  Against
# a python MPTCP peer the connection is multipath (status says so, with its
# subflows); against a plain TCP peer the kernel falls back to TCP and the
# bytes flow the same.  Listening, sockfs accepts both kinds of client.
. "$(dirname "$0")/lib.sh"
[ "$(cat /proc/sys/net/mptcp/enabled 2>/dev/null)" = 1 ] ||
	fail "this kernel has no MPTCP (net.mptcp.enabled is not 1)"
start_sockfs

# A python echo server: MPTCP when its argument says so, else plain TCP.
# It echoes each connection to its end, then closes.
peer() {
	py_peer "$1" "$2" <<'PY'
import socket, sys, threading
proto = socket.IPPROTO_MPTCP if sys.argv[2] == "mptcp" else socket.IPPROTO_TCP
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        c.sendall(d)
    c.close()
s.settimeout(60)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
}
peer mp mptcp
peer plain tcp

head -c $((8 << 20)) /dev/urandom > "$WORK/blob"
# echo_through PORT: 8 MiB through a new mptcp socket and back; prints
# the socket's folder.
echo_through() {
	local m
	m="$MNT/mptcp/$(cat "$MNT/mptcp/clone")"
	echo "connect 127.0.0.1:$1" > "$m/ctl"
	cat "$m/data" > "$WORK/back" &
	cat "$WORK/blob" > "$m/data"
	echo "shutdown wr" > "$m/ctl"
	wait $!
	cmp -s "$WORK/blob" "$WORK/back" || fail "the bytes came back changed"
	echo "$m"
}

m=$(echo_through "$(ready_of mp)")
expect_eq "$(jq -r .kind "$m/status")" mptcp "kind"
expect_eq "$(jq -r .mptcp.fallback "$m/status")" false "fallback against an MPTCP peer"
[ "$(jq -r .mptcp.subflows "$m/status")" -ge 1 ] || fail "no subflow in status"
expect_eq "$(jq -r '.mptcp.addresses[0].peer' "$m/status")" "127.0.0.1:$(ready_of mp)" \
	"the first subflow's peer"
ok "against a python MPTCP peer: 8 MiB byte-exact, status shows MPTCP and its subflow"

m=$(echo_through "$(ready_of plain)")
expect_eq "$(jq -r .mptcp.fallback "$m/status")" true "fallback against a TCP peer"
ok "against a plain TCP peer the kernel falls back to TCP; 8 MiB byte-exact, status says fallback"

# sockfs listening: an MPTCP client and a plain TCP client both connect.
l="$MNT/mptcp/$(cat "$MNT/mptcp/clone")"
echo "bind 127.0.0.1:0" > "$l/ctl"
echo listen > "$l/ctl"
lport=$(cat "$l/local" | sed 's/.*://')
for proto in IPPROTO_MPTCP IPPROTO_TCP; do
	python3 - "$lport" "$proto" > "$WORK/client.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, getattr(socket, sys.argv[2]))
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello over " + sys.argv[2].encode() + b"\n")
print(s.recv(100).decode(), end="")
PY
	c=$(cat "$l/listen")
	read -r line < "$l/../$c/data"
	echo "got: $line" > "$l/../$c/data"
	wait $!
	expect_eq "$(cat "$WORK/client.out")" "got: hello over $proto" "$proto client"
	want=false
	[ "$proto" = IPPROTO_TCP ] && want=true
	expect_eq "$(jq -r .mptcp.fallback "$l/../$c/status")" "$want" "$proto accepted: fallback"
	rmdir "$l/../$c"
done
ok "a listening mptcp socket accepts an MPTCP client and a plain TCP one"

# TCP options apply; options of other kinds do not.
m="$MNT/mptcp/$(cat "$MNT/mptcp/clone")"
echo "set nodelay 1" > "$m/ctl"
expect_err "Protocol not available" bash -c "echo 'set headers 1' > '$m/ctl'"
ok "set nodelay applies to mptcp; message options are refused with ENOPROTOOPT"

finish
