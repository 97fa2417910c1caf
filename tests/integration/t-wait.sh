#!/bin/bash
# Waiting: signals end a waiting read at once, O_NONBLOCK gives EAGAIN,
# select() wakes when a datagram arrives, timeouts.
. "$(dirname "$0")/lib.sh"
start_sockfs

u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$u/ctl"
port=$(sed 's/.*://' "$u/local")

"${WITH_SIGINT[@]}" cat "$u/data" > /dev/null 2>&1 &
reader=$!
# $! is the python wrapper until it execs cat; a SIGINT sent before then
# would be ignored, as the wrapper inherited, and lost.
for _ in $(seq 100); do
	[ "$(cat "/proc/$reader/comm" 2>/dev/null)" = cat ] && break
	sleep 0.05
done
expect_eq "$(cat "/proc/$reader/comm")" cat "reader process"
sleep 0.3
kill -0 "$reader" || fail "reader did not wait"
start=$(date +%s%N)
kill -INT "$reader"
wait "$reader" 2>/dev/null || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1000 ] || fail "SIGINT took $ms ms"
ok "SIGINT ends a waiting cat data (in $ms ms)"

start=$(date +%s%N)
rc=0; timeout 1 cat "$u/data" || rc=$?
expect_eq "$rc" 124 "timeout exit status"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 2000 ] || fail "timeout 1 took $ms ms"
ok "timeout 1 cat data returns after a second"

python3 - "$u/data" "$port" <<'PY' || fail "nonblock/select"
import errno, os, select, socket, sys, threading, time
path, port = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
try:
    os.read(fd, 100)
    raise SystemExit("read did not fail")
except OSError as e:
    assert e.errno == errno.EAGAIN, e
os.close(fd)
fd = os.open(path, os.O_RDONLY)
r, _, _ = select.select([fd], [], [], 0.2)
assert not r, "ready with nothing to read"
def later():
    time.sleep(0.3)
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"wake", ("127.0.0.1", port))
threading.Thread(target=later).start()
t = time.time()
r, _, _ = select.select([fd], [], [], 5)
assert r and time.time() - t < 2, "select did not wake"
assert os.read(fd, 100) == b"wake"
p = select.poll(); p.register(fd, select.POLLIN)
assert p.poll(100) != [], "end-of-message 0 is readable"
assert os.read(fd, 100) == b""
ep = select.epoll(); ep.register(fd, select.EPOLLIN)
threading.Thread(target=later).start()
assert ep.poll(5), "epoll did not wake"
assert os.read(fd, 100) == b"wake"
PY
ok "O_NONBLOCK gives EAGAIN; select, poll and epoll report readiness"

echo "set timeout 0.3" > "$u/ctl"
expect_err "Connection timed out" cat "$u/data"
grep -q "timed out" "$u/err" || fail "err: $(cat "$u/err")"
ok "set timeout bounds a blocking read (ETIMEDOUT)"

echo "set timeout 0" > "$u/ctl"
cat "$u/data" > "$WORK/late" &
reader=$!
sleep 0.2
rmdir "$u"
wait "$reader" || fail "reader of a closed socket failed"
ok "closing a socket ends its waiting readers with end of file"
# A signal the shell takes for itself does not fail a waiting write: a
# background job that ends sends bash a SIGCHLD while `echo connect ... >
# ctl` waits (the kernel sends FUSE_INTERRUPT for it), and the connect
# goes on.  A Ctrl-C after such a SIGCHLD still ends the write.  The peer
# is a unix listener whose backlog is full until $WORK/accept appears;
# the job ends when $WORK/end appears, once the connect waits, and the
# peer accepts once the SIGCHLD is pending in the waiting bash.
full_listener() {	# full_listener NAME: its socket is $WORK/NAME.sock
	py_peer "$1" "$WORK/$1.sock" "$WORK/$1.accept" <<'PY'
import os, socket, sys, time
ready, path, go = sys.argv[1:4]
l = socket.socket(socket.AF_UNIX)
l.bind(path)
l.listen(0)
filler = socket.socket(socket.AF_UNIX)
filler.connect(path)		# the backlog is full: a connect waits
open(ready, "w").write("1")
while not os.path.exists(go):
    time.sleep(0.02)
l.accept()			# room: the waiting connect gets through
time.sleep(60)
PY
}
# sigchld_pending PID: true once PID has SIGCHLD (17) pending.
sigchld_pending() {
	local m
	m=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$m" ] && (( (16#$m >> 16) & 1 ))
}
# waits_then_sigchld PID END: once PID waits in its write(2) to ctl (system
# call 1 on x86-64), its job is ended (touch END); returns once the
# SIGCHLD is pending.
waits_then_sigchld() {
	for _ in $(seq 200); do
		case $(cat "/proc/$1/syscall" 2>/dev/null) in "1 "*) break ;; esac
		sleep 0.05
	done
	touch "$2"
	for _ in $(seq 200); do sigchld_pending "$1" && return 0; sleep 0.05; done
	fail "no SIGCHLD reached the waiting bash"
}
job='(while [ ! -e "$1" ]; do sleep 0.05; done) & echo "connect $2" > "$3/ctl"'
full_listener full
u="$MNT/unix/$(cat "$MNT/unix/clone")"
bash -c "$job"' && echo connected' _ "$WORK/end" "$WORK/full.sock" "$u" \
	> "$WORK/sigchld.out" 2>&1 &
writer=$!
waits_then_sigchld "$writer" "$WORK/end"
touch "$WORK/full.accept"
wait "$writer" || fail "the connect failed when a background job ended: $(cat "$WORK/sigchld.out")"
expect_eq "$(cat "$WORK/sigchld.out")" connected "a connect that saw a SIGCHLD"
expect_eq "$(jq -r .state "$u/status")" connected "its state"
kill "$PEER_PID"
# The same wait, never let through: SIGCHLD first, then SIGINT.
full_listener full2
u="$MNT/unix/$(cat "$MNT/unix/clone")"
"${WITH_SIGINT[@]}" bash -c "$job" _ "$WORK/end2" "$WORK/full2.sock" "$u" 2>/dev/null &
writer=$!
waits_then_sigchld "$writer" "$WORK/end2"
kill -0 "$writer" 2>/dev/null || fail "the write ended at the SIGCHLD"
kill -INT "$writer"
for _ in $(seq 40); do kill -0 "$writer" 2>/dev/null || break; sleep 0.05; done
kill -0 "$writer" 2>/dev/null && fail "Ctrl-C after a SIGCHLD did not end the write within 2 s"
wait "$writer" && fail "the interrupted connect succeeded"
kill "$PEER_PID"
ok "a SIGCHLD (a background job ending) does not fail a waiting ctl write; a Ctrl-C after it still ends it"

finish
