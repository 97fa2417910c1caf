#!/bin/bash
# UDP through the files: the seed semantics (sendto + auto-bind, peer after
# connect/disconnect, ICMP errors), message boundaries, python peers.
. "$(dirname "$0")/lib.sh"
start_sockfs

# A python UDP peer that reports each datagram and its source, and answers.
py_peer echo <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
while True:
    data, src = s.recvfrom(70000)
    print(len(data), src[1], data[:20], flush=True)
    if data == b"quit\n":
        break
    s.sendto(b"re:" + data, src)
PY
PORT=$(ready_of echo)
ECHO_PID=$PEER_PID
d="$MNT/udp/$(cat "$MNT/udp/clone")"

# Seed: `to` then a write is one sendto(2), and the socket is auto-bound.
strace -f -qq -e trace=network -p "$SOCKFS_PID" -o "$WORK/strace" &
STRACE=$!
sleep 0.5
echo "to 127.0.0.1:$PORT" > "$d/ctl"
echo aaaaa > "$d/data"
expect_err "Transport endpoint is not connected" cat "$d/peer"
sleep 0.3
kill "$STRACE"; wait "$STRACE" 2>/dev/null || true
grep -q "sendto([0-9]*, \"aaaaa\\\\n\", 6, MSG_DONTWAIT|MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons($PORT)" "$WORK/strace" \
	|| fail "no sendto in strace: $(cat "$WORK/strace")"
grep -q "getpeername(.*= -1 ENOTCONN" "$WORK/strace" || fail "no ENOTCONN getpeername in strace"
local_port=$(sed 's/.*://' "$d/local")
[ "$local_port" -gt 0 ] || fail "not auto-bound: $(cat "$d/local")"
sleep 0.2
grep -q "^6 $local_port b'aaaaa" "$WORK/echo.out" || fail "peer saw: $(cat "$WORK/echo.out")"
ok "seed 000: to + write sends one datagram with sendto(2) and auto-binds ($(cat "$d/local"))"

reply=$(cat "$d/data")
expect_eq "$reply" "re:aaaaa" "reply"
expect_eq "$(jq -r .counters.rx_msgs "$d/status" 2>/dev/null || python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["counters"]["rx_msgs"])' "$d/status")" 1 "rx_msgs"
ok "reply=\$(cat data) receives exactly one message"

echo "connect 127.0.0.1:$PORT" > "$d/ctl"
expect_eq "$(cat "$d/peer")" "127.0.0.1:$PORT" "peer after connect"
echo "disconnect" > "$d/ctl"
expect_err "Transport endpoint is not connected" cat "$d/peer"
ok "seed 000: peer: ENOTCONN (getpeername in strace), the peer after connect, ENOTCONN after disconnect"

# Several messages: each read returns one, then 0 marks its end.  (bash's
# own printf writes line by line; coreutils' printf writes once.)
/usr/bin/printf 'one\ntwo\n' > "$d/data"
printf 'three' > "$d/data"
sleep 0.2
expect_eq "$(cat "$d/data")" "re:one
two" "first message"
expect_eq "$(cat "$d/data")" "re:three" "second message"
ok "message boundaries hold both ways"

# A while-read loop over one message loses no byte, even reading a byte at a time.
/usr/bin/printf 'l1\nl2\nl3\n' > "$d/data"
lines=()
while IFS= read -r line; do lines+=("$line"); done < "$d/data"
expect_eq "${lines[*]}" "re:l1 l2 l3" "while read"
ok "a bash while-read loop gets every line of the message"

# Large datagram: one write, one message, intact.
head -c 60000 /dev/urandom > "$WORK/big"
cat "$WORK/big" > "$d/data"
cat "$d/data" > "$WORK/big.back"
expect_eq "$(tail -c +4 "$WORK/big.back" | cmp - "$WORK/big" && echo same)" same "60000-byte datagram"
grep -q "^60000 " "$WORK/echo.out" || fail "peer did not get 60000 bytes in one datagram"
ok "a 60000-byte write is one datagram, intact both ways"

head -c 70000 /dev/zero > "$WORK/huge"
expect_err "Message too long" dd if="$WORK/huge" of="$d/data" bs=70000 count=1 status=none
ok "a write larger than a UDP datagram fails with EMSGSIZE"

echo quit > "$d/data"
wait "$ECHO_PID" || fail "python peer failed: $(cat "$WORK/echo.err")"

# Connected UDP to a closed port: the ICMP error comes back as ECONNREFUSED.
c="$MNT/udp/$(cat "$MNT/udp/clone")"
closed=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "connect 127.0.0.1:$closed" > "$c/ctl"
echo ping > "$c/data"
expect_err "Connection refused" cat "$c/data"
grep -q "Connection refused" "$c/err" || fail "err: $(cat "$c/err")"
ok "connected UDP to a closed port reports ECONNREFUSED"

# IPv6 loopback.
v6="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind [::1]:0" > "$v6/ctl"
v6port=$(sed 's/.*://' "$v6/local")
python3 -c "import socket,sys; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b'six', ('::1', int(sys.argv[1])))" "$v6port"
expect_eq "$(cat "$v6/data")" "six" "ipv6"
ok "IPv6 loopback"
finish
