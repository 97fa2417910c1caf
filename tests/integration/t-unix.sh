#!/bin/bash
# Unix kinds: paths and abstract names, stream and message boundaries.
. "$(dirname "$0")/lib.sh"
start_sockfs

py_peer ux <<'PY'
import os, socket, sys, threading
d = os.path.dirname(sys.argv[1])
st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); st.bind(d + "/stream.sock"); st.listen(4)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); dg.bind(d + "/dgram.sock")
sp = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); sp.bind("\0sockfs-test-%d" % os.getpid()); sp.listen(4)
def stream():
    c, _ = st.accept()
    data = b""
    while True:
        x = c.recv(4096)
        if not x: break
        data += x
    c.sendall(data.upper()); c.close()
def dgram():
    for _ in range(2):
        m, a = dg.recvfrom(300000)
        dg.sendto(b"%d" % len(m), a)
def seq():
    c, _ = sp.accept()
    for _ in range(2):
        c.send(c.recv(1000)[::-1])
    c.close()
for f in (stream, dgram, seq):
    threading.Thread(target=f, daemon=True).start()
open(sys.argv[1], "w").write("sockfs-test-%d" % os.getpid())
threading.Event().wait(30)
PY
ABS=$(ready_of ux)

s="$MNT/unix/$(cat "$MNT/unix/clone")"
echo "connect $WORK/stream.sock" > "$s/ctl"
expect_eq "$(cat "$s/peer")" "$WORK/stream.sock" "unix peer"
echo "hello unix" > "$s/data"
echo "shutdown wr" > "$s/ctl"
expect_eq "$(cat "$s/data")" "HELLO UNIX" "unix stream"
ok "unix stream to a path, to EOF"

g="$MNT/unixgram/$(cat "$MNT/unixgram/clone")"
echo "bind @sockfs-client-$$
connect $WORK/dgram.sock" > "$g/ctl"
expect_eq "$(cat "$g/local")" "@sockfs-client-$$" "abstract local"
head -c 200000 /dev/zero > "$WORK/big"
echo "set sndbuf 1000000" > "$g/ctl"
dd if="$WORK/big" of="$g/data" bs=200000 count=1 status=none
expect_eq "$(cat "$g/data")" 200000 "big unixgram message"
printf 'x' > "$g/data"
expect_eq "$(cat "$g/data")" 1 "small unixgram message"
ok "unixgram: a 200000-byte write is one message; abstract bind"

p="$MNT/unixpacket/$(cat "$MNT/unixpacket/clone")"
echo "connect @$ABS" > "$p/ctl"
/usr/bin/printf 'abc' > "$p/data"
/usr/bin/printf 'defg' > "$p/data"
expect_eq "$(cat "$p/data")" "cba" "seqpacket 1"
expect_eq "$(cat "$p/data")" "gfed" "seqpacket 2"
ok "unixpacket keeps message boundaries"

# A listener whose backlog is full: a connect waits, as a blocking connect
# would, and goes through once the server accepts.
py_peer full <<'PY'
import os, socket, sys, time
d = os.path.dirname(sys.argv[1])
# listen(0) holds one connection: the first client fills it.
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind(d + "/full.sock"); l.listen(0)
first = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); first.connect(d + "/full.sock")
open(sys.argv[1], "w").write("ok")
while not os.path.exists(d + "/accept"):
    time.sleep(0.02)
for _ in range(2):
    c, _ = l.accept()
    c.sendall(b"accepted\n")
    c.close()
time.sleep(30)
PY
b="$MNT/unix/$(cat "$MNT/unix/clone")"
expect_eq "$("$FILEIO" write "$b/ctl" "connect $WORK/full.sock" nb)" EAGAIN "O_NONBLOCK connect to a full backlog"
grep -q "backlog is full" "$b/err" || fail "err: $(cat "$b/err")"
echo "set timeout 0.3" > "$b/ctl"
expect_err "Connection timed out" bash -c "echo 'connect $WORK/full.sock' > '$b/ctl'"
echo "set timeout 0" > "$b/ctl"
rc=0
timeout 0.3 bash -c "echo 'connect $WORK/full.sock' > '$b/ctl'" || rc=$?
expect_eq "$rc" 124 "a connect waiting for the backlog, interrupted by timeout(1)"
echo "connect $WORK/full.sock" > "$b/ctl" &
writer=$!
sleep 0.5
kill -0 "$writer" 2>/dev/null || fail "the connect did not wait for room in the backlog"
touch "$WORK/accept"
wait "$writer" || fail "the connect failed once there was room"
expect_eq "$(cat "$b/peer")" "$WORK/full.sock" "peer after the wait"
read -r line < "$b/data"
expect_eq "$line" "accepted" "the server answers"
rmdir "$b"
ok "unix connect to a full backlog: waits and then connects; EAGAIN with O_NONBLOCK; timeout; interrupt"

# A relative path is the writer's working directory's, as for any program.
mkdir "$WORK/here"
r=$MNT/unix/$(cat "$MNT/unix/clone")
(cd "$WORK/here" && printf 'bind rel.sock\nlisten\n' > "$r/ctl")
[ -S "$WORK/here/rel.sock" ] || fail "bind rel.sock did not make $WORK/here/rel.sock"
expect_eq "$(cat "$r/local")" "rel.sock" "local keeps the address as given"
c=$MNT/unix/$(cat "$MNT/unix/clone")
(cd "$WORK" && echo 'connect here/rel.sock' > "$c/ctl") || fail "connect here/rel.sock from $WORK"
expect_err "No such file or directory" bash -c "cd / && echo 'connect here/rel.sock' > '$s/ctl'"
expect_err "Invalid argument" bash -c "echo 'connect 127.0.0.1:80' > '$s/ctl'"
grep -q "HOST:PORT" "$s/err" || fail "err: $(cat "$s/err")"
rmdir "$r" "$c"
ok "relative unix paths are the writer's working directory's; HOST:PORT on a unix socket is refused with a reason"
finish
