#!/bin/bash
# The ends of a stream: half-close, the peer's EOF, resets, and connects
# that take their time (a slow peer must not stall anything else).
. "$(dirname "$0")/lib.sh"
start_sockfs

# The peer: each connection's first line says what to do.
#   eof      read to EOF, answer with the byte count, close
#   bye      send "bye" and close normally
#   reset    close with a reset (SO_LINGER 0) after 0.3 s
py_peer peer <<'PY'
import socket, struct, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    f = c.makefile("rb")
    what = f.readline().strip()
    if what == b"eof":
        n = len(f.read())
        c.sendall(b"got %d bytes after EOF\n" % n)
    elif what == b"bye":
        c.sendall(b"bye\n")
    elif what == b"reset":
        time.sleep(0.3)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PORT=$(ready_of peer)
dial() {
	local d="$MNT/tcp/$(cat "$MNT/tcp/clone")"
	echo "connect 127.0.0.1:$PORT" > "$d/ctl"
	echo "$d"
}

d=$(dial)
printf 'eof\nabc' > "$d/data"
echo "shutdown wr" > "$d/ctl"
expect_eq "$(jq -c .shutdown "$d/status")" '{"rd":false,"wr":true}' "shutdown in status"
out=$(timeout 5 cat "$d/data") || fail "cat data did not end at the peer's EOF"
expect_eq "$out" "got 3 bytes after EOF" "reply after half-close"
expect_err "Broken pipe" bash -c "echo more > '$d/data'"
rmdir "$d"
ok "shutdown wr: the peer sees EOF, reading goes on, writing is EPIPE"

d=$(dial)
echo bye > "$d/data"
out=$(timeout 5 cat "$d/data") || fail "cat data did not exit 0 at EOF"
expect_eq "$out" bye "data before EOF"
out=$(timeout 5 cat "$d/data") || fail "a read after EOF did not return 0"
expect_eq "$out" "" "read after EOF"
rmdir "$d"
ok "after the peer's EOF every read returns 0 (cat exits 0)"

d=$(dial)
echo reset > "$d/data"
expect_err "Connection reset by peer" timeout 5 cat "$d/data"
expect_eq "$(cat "$d/err")" "read: Connection reset by peer" "err after reset"
rmdir "$d"
ok "a reset while a read waits fails that read with ECONNRESET"

d=$(dial)
echo reset > "$d/data"
sleep 0.6
strace -f -qq -e trace=sendto -p "$SOCKFS_PID" -o "$WORK/strace.out" &
st=$!
sleep 0.5
for _ in 1 2; do
	if out=$(bash -c "echo again > '$d/data'" 2>&1); then
		fail "a write to a reset peer succeeded"
	fi
	case $out in
	*"Connection reset by peer"* | *"Broken pipe"*) ;;
	*) fail "write to a reset peer said [$out]" ;;
	esac
done
sleep 0.2
kill $st; wait $st 2>/dev/null || true
grep -q 'MSG_NOSIGNAL.*= -1 E\(PIPE\|CONNRESET\)' "$WORK/strace.out" ||
	fail "no sendto with MSG_NOSIGNAL failing: $(cat "$WORK/strace.out")"
kill -0 "$SOCKFS_PID" || fail "the daemon died"
rmdir "$d"
ok "writes to a reset peer fail (ECONNRESET, then EPIPE); sends carry MSG_NOSIGNAL"

# A slow peer: a listener whose queue (backlog 0) one client fills, so
# further SYNs are dropped and retried until it accepts.
py_peer slow "$WORK/go" <<'PY'
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
filler = socket.create_connection(s.getsockname())
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
keep = []
s.settimeout(30)
while True:
    keep.append(s.accept()[0])
PY
SLOW=$(ready_of slow)
a="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$SLOW" > "$a/ctl" &
waiting=$!
sleep 0.3
expect_eq "$(jq -r .state "$a/status")" connecting "state while connecting"
start=$(date +%s%N)
read -r p q < "$MNT/unixgram/pair"
echo ping > "$MNT/unixgram/$p/data"
expect_eq "$(cat "$MNT/unixgram/$q/data")" ping "other sockets"
u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$u/ctl"
echo "to $(cat "$u/local")" > "$u/ctl"
echo pong > "$u/data"
expect_eq "$(cat "$u/data")" pong "udp to itself"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 500 ] || fail "other sockets took $ms ms while a connect waited"
kill -0 $waiting 2>/dev/null || fail "the connect did not wait"
ok "a connect to a slow peer waits without stalling other sockets ($ms ms)"

b="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_eq "$("$FILEIO" write "$b/ctl" "connect 127.0.0.1:$SLOW" nb)" EINPROGRESS "O_NONBLOCK connect"
expect_eq "$(jq -r .state "$b/status")" connecting "state after EINPROGRESS"
expect_eq "$(cat "$b/err")" "" "EINPROGRESS is no error"
expect_eq "$("$FILEIO" poll "$b/data" 200 out)" timeout "POLLOUT while connecting"
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
start=$(date +%s%N)
timeout 1 bash -c "echo 'connect 127.0.0.1:$SLOW' > '$c/ctl'" && fail "connect did not wait"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1900 ] || fail "interrupting the connect took $ms ms"
ok "O_NONBLOCK ctl gives EINPROGRESS and status says connecting; a waiting connect is interruptible"

touch "$WORK/go"
wait $waiting || fail "the waiting connect failed: $(cat "$a/err")"
expect_eq "$(jq -r .state "$a/status")" connected "state once accepted"
expect_eq "$("$FILEIO" poll "$b/data" 15000 out)" ready "POLLOUT once connected"
for _ in $(seq 100); do
	[ "$(jq -r .state "$b/status")" = connected ] && [ "$(jq -r .state "$c/status")" = connected ] && break
	sleep 0.1
done
expect_eq "$(jq -r .state "$b/status")" connected "O_NONBLOCK connect, later"
expect_eq "$(jq -r .state "$c/status")" connected "interrupted connect, later"
ok "connects finish when the peer accepts: waiting, O_NONBLOCK and interrupted alike"

closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
e="$MNT/tcp/$(cat "$MNT/tcp/clone")"
r=$("$FILEIO" write "$e/ctl" "connect 127.0.0.1:$closed" nb) || true
case $r in EINPROGRESS | ECONNREFUSED) ;; *) fail "O_NONBLOCK refused connect: $r" ;; esac
for _ in $(seq 50); do
	[ "$(jq -r .state "$e/status")" != connecting ] && break
	sleep 0.05
done
expect_eq "$(jq -r .state "$e/status")" open "state after refusal"
case $(cat "$e/err") in *"Connection refused") ;; *) fail "err: $(cat "$e/err")" ;; esac
ok "an O_NONBLOCK connect that is refused later shows in status and err"

stop_sockfs
finish
