#!/bin/bash
# Serving: the listen file accepts connections into new folders, and pair
# makes socketpairs.  (t-examples puts 100 clients on a shell server.)
. "$(dirname "$0")/lib.sh"
start_sockfs

for k in tcp unix unixpacket; do
	d="$MNT/$k/$(cat "$MNT/$k/clone")"
	[ -e "$d/listen" ] || fail "$k has no listen file"
	rmdir "$d"
done
for k in udp unixgram; do
	d="$MNT/$k/$(cat "$MNT/$k/clone")"
	[ ! -e "$d/listen" ] || fail "$k has a listen file"
	rmdir "$d"
done
expect_eq "$(ls "$MNT/unixgram" | grep -c '^pair$')" 1 "unixgram/pair"
[ ! -e "$MNT/tcp/pair" ] || fail "tcp has a pair file"
ok "listen in stream kinds only, pair in unix kinds only"

l="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Invalid argument" cat "$l/listen"
expect_eq "$(cat "$l/err")" 'listen: not listening (write "listen" to ctl first)' "err before listen"
printf 'bind 127.0.0.1:0\nlisten\n' > "$l/ctl"
expect_eq "$(jq -r .state "$l/status")" listening "state"
port=$(cut -d: -f2 < "$l/local")
ok "reading listen before listen is EINVAL"

# A client that says hello (unless told "quiet"), prints what it hears
# back, and waits for EOF.
client() {
	python3 - "$port" "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(s.getsockname()[1], flush=True)
if sys.argv[2:] != ["quiet"]:
    s.sendall(b"hello from python\n")
    print(s.recv(100).decode().strip(), flush=True)
print("eof" if s.recv(100) == b"" else "more", flush=True)
PY
}
client > "$WORK/c1.out" &
c=$(cat "$l/listen")
[ -d "$MNT/tcp/$c" ] || fail "listen gave [$c], no such folder"
# The client prints its port once connected: wait for the line, not a time.
for _ in $(seq 200); do [ -s "$WORK/c1.out" ] && break; sleep 0.05; done
cport=$(head -1 "$WORK/c1.out")
expect_eq "$(cat "$MNT/tcp/$c/peer")" "127.0.0.1:$cport" "peer of accepted"
expect_eq "$(jq -r .state "$MNT/tcp/$c/status")" connected "accepted state"
expect_eq "$(head -c 18 "$MNT/tcp/$c/data")" "hello from python" "data from client"
echo "hello from shell" > "$MNT/tcp/$c/data"
rmdir "$MNT/tcp/$c"
wait $!
expect_eq "$(tail -2 "$WORK/c1.out" | tr '\n' ' ')" "hello from shell eof " "client heard"
ok "cat listen accepts: a folder with peer, state and data; rmdir hangs up"

expect_eq "$("$FILEIO" read "$l/listen" 100 nb)" EAGAIN "O_NONBLOCK listen"
expect_eq "$("$FILEIO" poll "$l/listen" 200)" timeout "poll, nobody calling"
python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' "$port" &
hold=$!
expect_eq "$("$FILEIO" poll "$l/listen" 5000)" ready "poll with a caller"
ok "O_NONBLOCK gives EAGAIN; poll reports a pending connection"

# The name goes whole to one reader: byte by byte (bash's read) works.
IFS= read -r c < "$l/listen"
expect_eq "$(jq -c .unclaimed "$l/status")" "[\"$c\"]" "unclaimed after accept"
expect_eq "$(ls "$MNT/tcp" | grep -cx "$c")" 1 "accepted folder listed"
cat "$MNT/tcp/$c/peer" > /dev/null
expect_eq "$(jq -c .unclaimed "$l/status")" "[]" "claimed by open"
rmdir "$MNT/tcp/$c"
kill $hold; wait $hold 2>/dev/null || true
ok "an accepted connection is listed at once and claimed when opened"

start=$(date +%s%N)
timeout 1 cat "$l/listen" && fail "cat listen returned with nobody calling"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1900 ] || fail "timeout took $ms ms"
"${WITH_SIGINT[@]}" cat "$l/listen" & r=$!
for _ in $(seq 100); do
	[ "$(cat /proc/$r/comm 2>/dev/null)" = cat ] && grep -q listen /proc/$r/cmdline && break
	sleep 0.02
done
sleep 0.1
kill -INT $r
wait $r && fail "SIGINT: cat listen exited 0"
ok "a waiting listen read is interruptible (timeout 1 took $ms ms)"

# Unclaimed connections close with their listener; their clients see EOF.
client quiet > "$WORK/c2.out" &
cl=$!
c=$(cat "$l/listen")
echo close > "$l/ctl"
[ ! -e "$MNT/tcp/$c" ] || fail "unclaimed $c outlived its listener"
wait $cl
expect_eq "$(tail -1 "$WORK/c2.out")" eof "client of closed listener"
ok "closing the listener closes the connections nobody claimed"

# A reader waiting on listen when the listener closes sees end of file.
l="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$l/ctl"
cat "$l/listen" > "$WORK/late.out" &
r=$!
sleep 0.2
rmdir "$l"
wait $r || fail "cat listen failed when the listener closed"
expect_eq "$(cat "$WORK/late.out")" "" "late reader"
ok "a waiting listen read gets end of file when the listener closes"

# Unix kinds: a path listener served to python, and pairs.
for k in unix unixpacket; do
	l="$MNT/$k/$(cat "$MNT/$k/clone")"
	printf 'bind %s\nlisten 4\n' "$WORK/$k.sock" > "$l/ctl"
	python3 - "$WORK/$k.sock" "$k" > "$WORK/$k.out" <<'PY' &
import socket, sys
t = socket.SOCK_STREAM if sys.argv[2] == "unix" else socket.SOCK_SEQPACKET
s = socket.socket(socket.AF_UNIX, t)
s.connect(sys.argv[1])
s.send(b"one")
print(s.recv(100).decode())
PY
	c=$(cat "$l/listen")
	expect_eq "$(head -c 3 "$MNT/$k/$c/data")" one "$k data"
	printf 'two' > "$MNT/$k/$c/data"
	wait $!
	expect_eq "$(cat "$WORK/$k.out")" two "$k reply"
	rmdir "$MNT/$k/$c" "$l"
done
ok "unix and unixpacket listeners serve python clients"

for k in unix unixgram unixpacket; do
	read -r a b < "$MNT/$k/pair"
	[ -d "$MNT/$k/$a" ] && [ -d "$MNT/$k/$b" ] || fail "$k pair [$a] [$b]"
	expect_eq "$(jq -r .state "$MNT/$k/$a/status")" connected "$k pair state"
	printf 'ping' > "$MNT/$k/$a/data"
	expect_eq "$(head -c 4 "$MNT/$k/$b/data")" ping "$k a->b"
	printf 'pong' > "$MNT/$k/$b/data"
	expect_eq "$(head -c 4 "$MNT/$k/$a/data")" pong "$k b->a"
	rmdir "$MNT/$k/$a" "$MNT/$k/$b"
done
ok "pair gives two connected sockets in every unix kind"

stop_sockfs
finish
