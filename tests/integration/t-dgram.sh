#!/bin/bash
# Datagrams end to end: cmsg says who sent each message (to each reader),
# a UDP server in shell, connected sockets, send flags (seed 003), message
# sizes, and broadcast.
. "$(dirname "$0")/lib.sh"
start_sockfs
U="$MNT/udp"

udp_echo_peer echo
EPORT=$(ready_of echo)

d="$U/$(cat "$U/clone")"
expect_eq "$(cat "$d/cmsg")" "{}" "cmsg before any message"
echo "to 127.0.0.1:$EPORT" > "$d/ctl"
echo ping > "$d/data"
expect_eq "$(cat "$d/data")" "echo: ping" "reply"
expect_eq "$(jq -r .from "$d/cmsg")" "127.0.0.1:$EPORT" "cmsg from"
expect_eq "$(jq -c .pktinfo "$d/cmsg")" '{"to":"127.0.0.1","ifindex":1,"interface":"lo"}' "pktinfo"
expect_eq "$(jq -c '[.length, .flags]' "$d/cmsg")" '[11,[]]' "length and flags"
rmdir "$d"
ok "request/reply with a python peer; cmsg gives from, pktinfo, length, flags"

# Two readers of one socket: each sees its own message's source.
d="$U/$(cat "$U/clone")"
echo "bind 127.0.0.1:0" > "$d/ctl"
port=$(cut -d: -f2 < "$d/local")
readers=()
for i in 1 2; do
	( msg=$(cat "$d/data"); from=$(jq -r .from "$d/cmsg"); echo "$msg $from" ) > "$WORK/reader$i" &
	readers+=($!)
done
sleep 0.3
python3 - "$port" <<'PY'
import socket, sys, time
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
    # Each says its own port, so a reader can check the source it is told.
    s.sendto(str(s.getsockname()[1]).encode(), ("127.0.0.1", int(sys.argv[1])))
PY
wait "${readers[@]}"
for i in 1 2; do
	read -r msg from < "$WORK/reader$i"
	expect_eq "$from" "127.0.0.1:$msg" "reader $i's source"
done
[ "$(cat "$WORK/reader1")" != "$(cat "$WORK/reader2")" ] || fail "both readers got one message"
rmdir "$d"
ok "two readers at once each see their own message's source in cmsg"

# set headers 1: each message read comes after its JSON line, and a reply
# names its destination in its own header line.  Two readers at once, each
# answering the sender of the message it got.
d="$U/$(cat "$U/clone")"
echo "set headers 1" > "$d/ctl"
echo "bind 127.0.0.1:0" > "$d/ctl"
port=$(cut -d: -f2 < "$d/local")
readers=()
for i in 1 2; do
	(
		{ IFS= read -r hdr; body=$(cat); } < "$d/data"
		from=$(jq -r .from <<< "$hdr")
		expect_eq "$(jq -r .length <<< "$hdr")" "${#body}" "length in the header"
		/usr/bin/printf '{"to": "%s"}\nreply to %s' "$from" "$body" > "$d/data"
	) &
	readers+=($!)
done
sleep 0.3
python3 - "$port" <<'PY' || fail "header clients"
import socket, sys
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
    s.sendto(b"port %d" % s.getsockname()[1], ("127.0.0.1", int(sys.argv[1])))
for s in socks:
    got, src = s.recvfrom(100)
    assert got == b"reply to port %d" % s.getsockname()[1], got
    assert src[1] == int(sys.argv[1]), src
PY
wait "${readers[@]}" || fail "a header reader failed"
expect_eq "$("$FILEIO" write "$d/data" "$(printf '{"to": "localhost:1"}\nx')")" EINVAL "a header naming a host"
grep -q "numeric address" "$d/err" || fail "err: $(cat "$d/err")"
rmdir "$d"
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Protocol not available" bash -c "echo 'set headers 1' > '$t/ctl'"
rmdir "$t"
ok "set headers 1: two readers each answer their own sender through a header line; bad headers get EINVAL"

# The UDP server from docs/examples, three python clients at once.
bash "$TOP_SRCDIR/docs/examples/udp-server.sh" "$MNT" > "$WORK/srv.out" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q '^listening' "$WORK/srv.out" && break; sleep 0.05; done
read -r _ _ addr _ folder < "$WORK/srv.out"
python3 - "${addr##*:}" <<'PY' || fail "udp clients"
import socket, sys, threading
port = int(sys.argv[1])
errors = []
def client(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(b"I am client %d" % i, ("127.0.0.1", port))
    got, _ = s.recvfrom(1000)
    want = b"hello 127.0.0.1:%d, you said: I am client %d\n" % (s.getsockname()[1], i)
    if got != want:
        errors.append((got, want))
threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors
# A datagram of two lines gets one datagram back, not one per line.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"line one\nline two", ("127.0.0.1", port))
got, _ = s.recvfrom(1000)
want = b"hello 127.0.0.1:%d, you said: line one\nline two\n" % s.getsockname()[1]
assert got == want, (got, want)
PY
echo close > "$MNT/$folder/ctl"
wait $srv
ok "udp-server.sh answers three concurrent python clients, each its own, and a two-line datagram with one"

# connect fixes the peer: only its datagrams arrive.
d="$U/$(cat "$U/clone")"
echo "bind 127.0.0.1:0" > "$d/ctl"
echo "connect 127.0.0.1:$EPORT" > "$d/ctl"
python3 - "$(cut -d: -f2 < "$d/local")" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"from a stranger", ("127.0.0.1", int(sys.argv[1])))
PY
echo "from me" > "$d/data"
expect_eq "$(cat "$d/data")" "echo: from me" "only the peer's datagram"
expect_eq "$("$FILEIO" read "$d/data" 100 nb)" EAGAIN "the stranger's datagram"
rmdir "$d"
ok "a connected socket receives only from its peer"

# Seed 003: msghdr flags on data writes, set through ctl.
py_peer sink <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
out = open(sys.argv[1] + ".got", "w")
while True:
    m, a = s.recvfrom(70000)
    # Big datagrams are reported by size, in one short write.
    out.write((m.decode() if len(m) < 100 else "<%d bytes>" % len(m)) + "\n"); out.flush()
PY
SPORT=$(ready_of sink)
d="$U/$(cat "$U/clone")"
echo "to 127.0.0.1:$SPORT" > "$d/ctl"
echo "set flags more" > "$d/ctl"
expect_eq "$(jq -r .options.flags "$d/status")" more "flags in status"
printf 'one,' > "$d/data"
printf 'two,' > "$d/data"
echo "set flags none" > "$d/ctl"
printf 'three' > "$d/data"
echo "set flags dontroute,confirm" > "$d/ctl"
printf 'four' > "$d/data"
for _ in $(seq 50); do [ "$(wc -l < "$WORK/sink.ready.got")" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(cat "$WORK/sink.ready.got")" "one,two,three
four" "datagrams at the sink"
echo "set flags oob" > "$d/ctl"
expect_err "Operation not supported" bash -c "printf x > '$d/data'"
expect_eq "$(cat "$d/err")" "write: Operation not supported" "err for oob on udp"
expect_err "Invalid argument" bash -c "echo 'set flags more,sideways' > '$d/ctl'"
rmdir "$d"
ok "seed 003: MSG_MORE corks writes into one datagram; dontroute, confirm; bad flags refused"

py_peer oob <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
c.settimeout(10)
normal = c.recv(100)
urgent = c.recv(1, socket.MSG_OOB)
print(normal.decode(), urgent.decode(), flush=True)
PY
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$(ready_of oob)" > "$t/ctl"
printf 'normal' > "$t/data"
sleep 0.2
echo "set flags oob" > "$t/ctl"
printf '!' > "$t/data"
echo "set flags eor" > "$t/ctl"
printf 'end' > "$t/data"
wait $PEER_PID
expect_eq "$(cat "$WORK/oob.out")" "normal !" "urgent byte"
rmdir "$t"
ok "seed 003: MSG_OOB on tcp reaches the peer as urgent data; MSG_EOR is accepted"

# Sizes: 65507 bytes (the most UDP/IPv4 takes) is one datagram; a unixgram
# message can be larger; a small reader gets the rest of a message next.
d="$U/$(cat "$U/clone")"
echo "to 127.0.0.1:$SPORT" > "$d/ctl"
head -c 65507 /dev/zero | tr '\0' 'u' | dd iflag=fullblock of="$d/data" bs=65507 count=1 status=none
expect_eq "$(jq -r .counters.tx_msgs "$d/status")" 1 "one datagram for 65507 bytes"
for _ in $(seq 50); do [ "$(wc -l < "$WORK/sink.ready.got")" -ge 3 ] && break; sleep 0.05; done
expect_eq "$(tail -1 "$WORK/sink.ready.got")" "<65507 bytes>" "65507 bytes at the sink"
expect_err "Message too long" dd if=/dev/zero of="$d/data" bs=65508 count=1 status=none
echo "to 127.0.0.1:$EPORT" > "$d/ctl"
head -c 60000 /dev/zero | dd iflag=fullblock of="$d/data" bs=60000 count=1 status=none
expect_eq "$(dd if="$d/data" bs=1000 status=none | wc -c)" 60006 "echo read 1000 bytes at a time"
rmdir "$d"
read -r a b < "$MNT/unixgram/pair"
echo "set sndbuf 1000000" > "$MNT/unixgram/$a/ctl"
echo "set rcvbuf 1000000" > "$MNT/unixgram/$b/ctl"
head -c 300000 /dev/urandom > "$WORK/big"
dd if="$WORK/big" of="$MNT/unixgram/$a/data" bs=300000 count=1 status=none
dd if="$MNT/unixgram/$b/data" bs=4096 status=none > "$WORK/big.got"
cmp "$WORK/big" "$WORK/big.got" || fail "300000-byte unixgram message"
rmdir "$MNT/unixgram/$a" "$MNT/unixgram/$b"
ok "65507-byte UDP datagram whole, 65508 EMSGSIZE; messages read in small pieces arrive whole (60000 B UDP, 300000 B unixgram)"

# Broadcast: refused (EACCES) until `set broadcast 1`.
py_peer bcast <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.255.255.255", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(10)
print(s.recvfrom(100)[0].decode(), flush=True)
PY
d="$U/$(cat "$U/clone")"
echo "to 127.255.255.255:$(ready_of bcast)" > "$d/ctl"
expect_err "Permission denied" bash -c "echo everyone > '$d/data'"
expect_eq "$(cat "$d/err")" "write: Permission denied" "err without broadcast"
echo "set broadcast 1" > "$d/ctl"
echo everyone > "$d/data"
wait $PEER_PID
expect_eq "$(cat "$WORK/bcast.out")" everyone "broadcast received"
rmdir "$d"
ok "broadcast: EACCES without set broadcast 1, delivered with it"

stop_sockfs
finish
