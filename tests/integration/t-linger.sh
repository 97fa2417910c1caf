#!/bin/bash
# set linger N: a close that must wait for unsent data never waits on the
# loop (docs/sockfs.1, linger).  A user with linger 20 fills a socket
# toward a peer that never reads and removes it; meanwhile another user's
# clone and UDP round trip answer at once.  Linger 0 still resets.
. "$(dirname "$0")/lib.sh"
UA=sfs_linger_a UB=sfs_linger_b
test_users $UA $UB
start_sockfs -o allow_other

# A TCP peer that accepts and never reads (its window fills), one that
# reports how each connection ended, and a UDP echo.
py_peer peers <<'PY'
import socket, sys, threading
def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("127.0.0.1", 0)); s.listen(16)
    return s
sink, watch = listener(), listener()
held = []
def hold():
    while True:
        held.append(sink.accept()[0])
def report():
    while True:
        c, _ = watch.accept()
        try:
            while c.recv(65536):
                pass
            print("eof", flush=True)
        except ConnectionResetError:
            print("reset", flush=True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
def echo():
    while True:
        m, a = u.recvfrom(100); u.sendto(m, a)
for f in (hold, report, echo):
    threading.Thread(target=f, daemon=True).start()
open(sys.argv[1], "w").write("%d %d %d\n" % (sink.getsockname()[1], watch.getsockname()[1],
                                            u.getsockname()[1]))
threading.Event().wait()
PY
read -r SINK WATCH UDP < "$WORK/peers.ready"

# fill.py SOCKDIR: writes to its data with O_NONBLOCK until EAGAIN (the
# peer's window and our send buffer are full); prints the bytes written.
cat > "$WORK/fill.py" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1] + "/data", os.O_WRONLY | os.O_NONBLOCK)
n = 0
try:
    while True:
        n += os.write(fd, b"x" * 65536)
except OSError as e:
    assert e.errno == errno.EAGAIN, e
print(n)
PY
# probe.py MNT PORT: a clone and a UDP round trip, timed (ms).
cat > "$WORK/probe.py" <<'PY'
import os, sys, time
mnt, port = sys.argv[1], sys.argv[2]
t = time.monotonic(); u = open(mnt + "/udp/clone").read().strip()
clone = time.monotonic() - t
fd = os.open("%s/udp/%s/ctl" % (mnt, u), os.O_WRONLY)
os.write(fd, ("connect 127.0.0.1:%s" % port).encode()); os.close(fd)
fd = os.open("%s/udp/%s/data" % (mnt, u), os.O_RDWR)
t = time.monotonic(); os.write(fd, b"ping"); got = os.read(fd, 100)
rtt = time.monotonic() - t
assert got == b"ping", got
os.close(fd)
os.rmdir("%s/udp/%s" % (mnt, u))
print("%.2f %.2f" % (clone * 1000, rtt * 1000))
PY
chmod 644 "$WORK/fill.py" "$WORK/probe.py"

a="$MNT/tcp/$(as $UA cat "$MNT/tcp/clone")"
as $UA bash -c "printf 'set linger 20\nset sndbuf 65536\nconnect 127.0.0.1:$SINK\n' > '$a/ctl'"
sent=$(as $UA /usr/bin/python3 "$WORK/fill.py" "$a")
[ "$sent" -gt 0 ] || fail "nothing written before EAGAIN"
start=$(date +%s%N)
as $UA rmdir "$a" &
rmpid=$!
out=$(as $UB timeout 30 /usr/bin/python3 "$WORK/probe.py" "$MNT" "$UDP") ||
	fail "B was not served while A's lingering socket closed"
wait "$rmpid" || fail "A's rmdir failed"
rm_ms=$((($(date +%s%N) - start) / 1000000))
read -r clone rtt <<<"$out"
echo "# $sent bytes unsent; B: clone $clone ms, UDP rtt $rtt ms; A's rmdir $rm_ms ms"
python3 -c "import sys; sys.exit(not (float('$clone') < 1000 and float('$rtt') < 1000))" ||
	fail "B waited: clone $clone ms, rtt $rtt ms"
[ "$rm_ms" -lt 1000 ] || fail "A's rmdir took $rm_ms ms"
[ -e "$a" ] && fail "A's socket is still there"
ok "closing a socket with linger 20 and $sent bytes unsent: B's clone $clone ms, rtt $rtt ms"

# Linger 0 is still a reset, at once.
z="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'set linger 0\nconnect 127.0.0.1:%s\n' "$WATCH" > "$z/ctl"
echo hello > "$z/data"
rmdir "$z"
for _ in $(seq 100); do [ -s "$WORK/peers.out" ] && break; sleep 0.05; done
expect_eq "$(cat "$WORK/peers.out")" reset "how the peer saw linger 0's close"
ok "linger 0: rmdir resets the connection"

finish
