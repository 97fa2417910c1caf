#!/bin/bash
# sockfs --export: the tree over 9P2000.L on a unix socket, driven by
# p9client.py as the Linux kernel's v9fs drives it (the host has no 9p
# client; tests/vm/export-tests.sh is the kernel's own).  Beside a FUSE
# mount, then export only.
. "$(dirname "$0")/lib.sh"
EXPORT=$WORK/sockfs.9p
start_sockfs --export "unix:$EXPORT"
[ -S "$EXPORT" ] || fail "no export socket at $EXPORT"
export EXPORT WORK PYTHONPATH=$TOP_SRCDIR/tests/integration

# p9py NAME: runs the python on stdin against $EXPORT (as root unless
# P9AS names a user); it fails with what went wrong.
p9py() {
	cat >"$WORK/$1.py"
	${P9AS:+as "$P9AS"} ${P9AS:+/usr/bin/}python3 "$WORK/$1.py" >"$WORK/$1.out" 2>&1 ||
		fail "$1: $(tail -5 "$WORK/$1.out")"
}

udp_echo_peer echo
export ECHO_PORT=$(ready_of echo)
p9py udp <<'PY'
import os, p9client
c = p9client.Client(os.environ["EXPORT"])
n = c.read_file("udp/clone").decode().strip()
d = "udp/" + n
assert n in c.ls("udp"), c.ls("udp")
c.echo(d + "/ctl", "connect 127.0.0.1:" + os.environ["ECHO_PORT"])
c.echo(d + "/data", "one")
c.echo(d + "/data", "two\n")
# A read(2) as Linux makes it: the message, then the 0 that ends it.
assert c.read_file(d + "/data") == b"echo: one", "first"
assert c.cat(d + "/data") == b"echo: two\n", "second"
assert c.cat(d + "/peer") == b"127.0.0.1:%s\n" % os.environ["ECHO_PORT"].encode()
assert b'"state": "connected"' in c.cat(d + "/status")
assert b'"length": 10,' in c.cat(d + "/cmsg"), c.cat(d + "/cmsg")
udp = c.newfid()
c.walk(c.root, udp, ["udp"])
c.unlinkat(udp, n, p9client.AT_REMOVEDIR)
assert n not in c.ls("udp")
PY
ok "udp: clone, connect, two datagrams each way with their boundaries, peer, status, cmsg, rmdir"

# The FUSE mount beside it shows the same sockets.
p9py beside <<'PY'
import os, p9client
c = p9client.Client(os.environ["EXPORT"])
tcp = c.newfid()
c.walk(c.root, tcp, ["tcp"])
c.mkdir(tcp, "byname")
PY
[ -d "$MNT/tcp/byname" ] || fail "a socket made over 9P is not in the mount"
rmdir "$MNT/tcp/byname"
ok "mkdir over 9P makes a socket by name, seen (and removed) on the FUSE mount"

py_peer webserver <<'PY'
import http.server, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello over 9p\n" * 1000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
export HTTP_PORT=$(ready_of webserver)
p9py http <<'PY'
import os, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "tcp/" + c.read_file("tcp/clone").decode().strip()
c.echo(d + "/ctl", "connect 127.0.0.1:" + os.environ["HTTP_PORT"])
c.echo(d + "/data", "GET / HTTP/1.0\r\n\r\n")
got = c.cat(d + "/data")
assert got.startswith(b"HTTP/1.0 200"), got[:100]
assert got.endswith(b"hello over 9p\n" * 1000), len(got)
PY
ok "tcp: an HTTP fetch from a loopback server, read to its end"

# A stream read gives what has come, then 0, as Linux's client needs to
# return from read(2) before its buffer is full.
py_peer tcpecho <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)
    c.close()
PY
export TCPECHO_PORT=$(ready_of tcpecho)
p9py stream <<'PY'
import os, time, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "tcp/" + c.read_file("tcp/clone").decode().strip()
c.echo(d + "/ctl", "connect 127.0.0.1:" + os.environ["TCPECHO_PORT"])
fid = c.open(d + "/data", os.O_RDWR)
for word in (b"ping\n", b"pong\n"):
    c.write(fid, word)
    t = time.monotonic()
    assert c.read(fid, 131072) == word
    assert time.monotonic() - t < 1
PY
ok "tcp: each read(2) of a stream returns what came at once (then 0 ends it for the client)"

# listen: a connection comes as a name; data both ways on it.
p9py listen <<'PY'
import os, socket, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "tcp/" + c.read_file("tcp/clone").decode().strip()
c.echo(d + "/ctl", "bind 127.0.0.1:0\nlisten\n")
port = int(c.cat(d + "/local").decode().rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port))
name = c.read_file(d + "/listen").decode().strip()
s.sendall(b"from host\n")
assert c.read_file("tcp/%s/data" % name) == b"from host\n"
c.echo("tcp/%s/data" % name, "from far side\n")
assert s.recv(100) == b"from far side\n"
PY
ok "tcp listen: a connection's name from listen, data both ways"

# 100 reads wait on 100 sockets; the 101st socket's round trip is served.
p9py many <<'PY'
import os, time, p9client, struct
c = p9client.Client(os.environ["EXPORT"])
port = os.environ["ECHO_PORT"]
tags = []
for i in range(100):
    d = "udp/" + c.read_file("udp/clone").decode().strip()
    c.echo(d + "/ctl", "bind 127.0.0.1:0")
    fid = c.open(d + "/data")
    tags.append(c.send(p9client.TREAD, struct.pack("<IQI", fid, 0, 65536)))
t = time.monotonic()
d = "udp/" + c.read_file("udp/clone").decode().strip()
c.echo(d + "/ctl", "connect 127.0.0.1:" + port)
c.echo(d + "/data", "101st")
assert c.read_file(d + "/data") == b"echo: 101st"
took = time.monotonic() - t
assert took < 1, took
for tag in tags[:3]:
    assert not c.ready(tag), c.wait(tag)
print("round trip beside 100 waiting reads: %.1f ms" % (took * 1000))
PY
ok "100 reads waiting on 100 sockets; a 101st socket's round trip: $(cat "$WORK/many.out")"

# Tflush ends a waiting read at once (EINTR, then Rflush), and the socket
# still works: what Ctrl-C on the far side's cat sends.
p9py flush <<'PY'
import os, time, struct, socket, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "udp/" + c.read_file("udp/clone").decode().strip()
c.echo(d + "/ctl", "bind 127.0.0.1:0")
port = int(c.cat(d + "/local").decode().rsplit(":", 1)[1])
fid = c.open(d + "/data")
tag = c.send(p9client.TREAD, struct.pack("<IQI", fid, 0, 65536))
assert not c.ready(tag, 0.3), "read did not wait"
t = time.monotonic()
ftag = c.send(p9client.TFLUSH, struct.pack("<H", tag))
mtype, body = c.wait(tag)
assert mtype == p9client.RLERROR and struct.unpack("<I", body)[0] == 4, (mtype, body)
assert c.ready(ftag, 1) and c.wait(ftag)[0] == p9client.TFLUSH + 1
assert time.monotonic() - t < 1
# Order: the flushed request's reply came before Rflush (ready read both).
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"after", ("127.0.0.1", port))
assert c.read(fid) == b"after"
# A flush of a tag nobody waits on is answered at once.
c.flush(999)
# Clunking a fid with a read waiting ends the read first.
fid = c.open(d + "/data")
tag = c.send(p9client.TREAD, struct.pack("<IQI", fid, 0, 100))
assert not c.ready(tag, 0.2)
c.clunk(fid)
assert c.wait(tag)[0] == p9client.RLERROR
PY
ok "Tflush: a waiting read ends with EINTR then Rflush at once; the socket reads on; clunk ends waits"

# Users.  A root peer vouches for the attach's uid (n_uname); each sees
# only its own sockets and makes them as itself.  A peer that is not root
# is itself whatever it asks.
test_users p9a p9b
export UA=$(id -u p9a) UB=$(id -u p9b)
p9py users <<'PY'
import os, errno, p9client
ua, ub = int(os.environ["UA"]), int(os.environ["UB"])
a = p9client.Client(os.environ["EXPORT"], n_uname=ua)
b = p9client.Client(os.environ["EXPORT"], n_uname=ub)
n = a.read_file("udp/clone").decode().strip()
assert a.getattr(a.open("udp/" + n))["uid"] == ua
assert n in a.ls("udp") and n not in b.ls("udp"), (a.ls("udp"), b.ls("udp"))
try:
    b.cat("udp/%s/status" % n)
    raise SystemExit("b read a's status")
except OSError as e:
    assert e.errno == errno.EACCES, e
print(n)
PY
[ "$(stat -c %U "$MNT/udp/$(cat "$WORK/users.out")")" = p9a ] ||
	fail "the socket p9a made over 9P is not p9a's on the mount"
chmod 666 "$EXPORT"
P9AS=p9a p9py notroot <<'PY'
import os, errno, p9client
try:
    p9client.Client(os.environ["EXPORT"], n_uname=int(os.environ["UB"]))
    raise SystemExit("p9a attached as p9b")
except OSError as e:
    assert e.errno == errno.EPERM, e
c = p9client.Client(os.environ["EXPORT"], uname="root")
n = c.read_file("tcp/clone").decode().strip()
assert c.getattr(c.open("tcp/" + n))["uid"] == int(os.environ["UA"])
PY
ok "users: a root peer's attaches act as their n_uname, each seeing only its own; p9a's peer is p9a whatever its uname (EPERM as p9b)"

# A far side that sends many small requests and reads no replies: one
# read of its socket holds thousands of Treaddirs, each answered with up
# to msize.  The replies queued stay near the export's 8 MiB high mark
# (the rest of the requests wait unread), another client is served
# meanwhile, and every reply comes once the far side reads.
export SOCKFS_PID
p9py backlog <<'PY'
import os, struct, threading, time, p9client
def rss():
    with open("/proc/%s/status" % os.environ["SOCKFS_PID"]) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) * 1024
c = p9client.Client(os.environ["EXPORT"])
u = c.newfid()
c.walk(c.root, u, ["udp"])
names = ["bl%03d" % i + "x" * 58 for i in range(200)]
for n in names:
    c.mkdir(u, n)
c.lopen(u, os.O_RDONLY)
before, N = rss(), 8000
blob = b"".join(struct.pack("<IBHIQI", 23, p9client.TREADDIR, t, u, 0, 1 << 20)
                for t in range(1, N + 1))
threading.Thread(target=c.sock.sendall, args=(blob,), daemon=True).start()
# Until the daemon has held back: replies queued (4 MiB at least), its size
# the same over half a second (a daemon that took every request would
# still be growing, past any bound).
deadline, last, same = time.monotonic() + 60, -1, 0
while time.monotonic() < deadline and (last - before < 4 << 20 or same < 5):
    time.sleep(0.1)
    now = rss()
    same, last = (same + 1 if now == last else 0), now
grown = rss() - before
other = p9client.Client(os.environ["EXPORT"])
t0 = time.monotonic()
assert "clone" in other.ls("udp")
took = time.monotonic() - t0
for t in range(1, N + 1):
    mtype, body = c.wait(t)
    assert mtype == p9client.TREADDIR + 1, (t, mtype)
for n in names:
    c.unlinkat(u, n, p9client.AT_REMOVEDIR)
assert grown < 48 << 20, "the daemon grew %d MiB" % (grown >> 20)
assert took < 1, took
print("grew %d MiB; another client served in %.0f ms" % (grown >> 20, took * 1000))
PY
ok "replies not read: the export holds requests back, every reply comes: $(cat "$WORK/backlog.out")"

# A session may hold 65536 fids.  Finding one is cheap whatever their
# number: a burst of lookups by a client holding them all does not hold
# up another client (6.8 s when they were one list), and the next fid is
# refused.
p9py fids <<'PY'
import os, errno, struct, threading, time, p9client
c = p9client.Client(os.environ["EXPORT"])
def burst(msgs):
    threading.Thread(target=c.sock.sendall, args=(b"".join(msgs),), daemon=True).start()
    for t in range(1, len(msgs) + 1):
        c.wait(t)
N = 65536 - 1			# the root's fid is one
t0 = time.monotonic()
for at in range(0, N, 50000):
    burst([struct.pack("<IBHIIH", 17, p9client.TWALK, t + 1, c.root, 1000 + at + t, 0)
           for t in range(min(50000, N - at))])
made = time.monotonic() - t0
try:
    c.walk(c.root, 999, [])
    raise SystemExit("a fid past 65536")
except OSError as e:
    assert e.errno == errno.EBADF, e
other = p9client.Client(os.environ["EXPORT"])
msgs = [struct.pack("<IBHI", 11, p9client.TCLUNK, t + 1, 999) for t in range(20000)]
threading.Thread(target=burst, args=(msgs,)).start()
time.sleep(0.02)
t0 = time.monotonic()
other.cat("usage")
took = time.monotonic() - t0
assert took < 0.5, took
print("65535 fids made in %.2f s; another client served in %.0f ms" % (made, took * 1000))
PY
ok "fids: $(cat "$WORK/fids.out")"

# Offsets come from the far side as 64-bit numbers: one past off_t's
# range (a negative one) is refused, not used to index the root's table
# (which crashed the daemon), and so is one whose end does not fit.
p9py offsets <<'PY'
import os, errno, struct, p9client
c = p9client.Client(os.environ["EXPORT"])
root = c.open("")
for off in (1 << 63, (1 << 64) - 1, (1 << 64) - 5):
    try:
        c.rpc(p9client.TREADDIR, struct.pack("<IQI", root, off, 4096))
        raise SystemExit("readdir at %#x" % off)
    except OSError as e:
        assert e.errno == errno.EINVAL, e
d = "udp/" + c.read_file("udp/clone").decode().strip()
data = c.open(d + "/data", os.O_RDWR)
for t, extra in ((p9client.TREAD, struct.pack("<I", 10)), (p9client.TWRITE, struct.pack("<I", 1) + b"x")):
    try:
        c.rpc(t, struct.pack("<IQ", data, (1 << 63) - 1) + extra)
        raise SystemExit("I/O at the end of off_t")
    except OSError as e:
        assert e.errno == errno.EINVAL, e
assert "udp" in c.readdir(root)
PY
ok "offsets past off_t's range: EINVAL for Treaddir, Tread, Twrite; the daemon serves on"

# Paths mean a process's root and working directory; a far-side caller
# has none here, so a unix address by path is refused, not resolved.
path_servers paths "$WORK/there.sock"
p9py paths <<'PY'
import os, errno, socket, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "unix/" + c.read_file("unix/clone").decode().strip()
try:
    c.echo(d + "/ctl", "connect " + os.environ["WORK"] + "/there.sock")
    raise SystemExit("a path was followed")
except OSError as e:
    assert e.errno == errno.EPERM, e
# Abstract names are no path: they work.
l = socket.socket(socket.AF_UNIX)
l.bind(b"\0sockfs-export-test-%d" % os.getpid())
l.listen(1)
c.echo(d + "/ctl", "connect @sockfs-export-test-%d" % os.getpid())
a, _ = l.accept()
a.sendall(b"abstract\n")
assert c.read_file(d + "/data") == b"abstract\n"
PY
ok "a unix socket path from the far side is refused (EPERM); an abstract name is reached"

# A file that comes with a message is fileN, read with its offsets, and
# rm fileN closes it.
p9py rights <<'PY'
import array, os, socket, tempfile, p9client
c = p9client.Client(os.environ["EXPORT"])
n = c.read_file("unixgram/clone").decode().strip()
d = "unixgram/" + n
name = "sockfs-export-rights-%d" % os.getpid()
c.echo(d + "/ctl", "bind @" + name)
with tempfile.TemporaryFile() as f:
    f.write(b"a received file\n" * 1000)
    f.flush()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendmsg([b"m"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f.fileno()]))],
              0, b"\0" + name.encode())
assert c.read_file(d + "/data") == b"m"
assert b'"file0"' in c.cat(d + "/cmsg"), c.cat(d + "/cmsg")
assert "file0" in c.ls(d)
assert c.cat(d + "/file0", 4096) == b"a received file\n" * 1000
dfid = c.newfid()
c.walk(c.root, dfid, ["unixgram", n])
c.unlinkat(dfid, "file0")
assert "file0" not in c.ls(d)
PY
ok "a file received with a message is file0: read to its end over 9P, listed, removed"

# Export only: no mount, the same tree; --export=ADDR as the usage and
# remote.md spell it (the tests above use "--export ADDR").
stop_sockfs
"$SOCKFS" -f --export="unix:$WORK/only.9p" 2>"$WORK/only.log" &
ONLY=$!
for _ in $(seq 100); do [ -S "$WORK/only.9p" ] && break; sleep 0.05; done
EXPORT=$WORK/only.9p p9py only <<'PY'
import os, p9client
c = p9client.Client(os.environ["EXPORT"])
d = "udp/" + c.read_file("udp/clone").decode().strip()
c.echo(d + "/ctl", "connect 127.0.0.1:" + os.environ["ECHO_PORT"])
c.echo(d + "/data", "only")
assert c.read_file(d + "/data") == b"echo: only"
PY
kill "$ONLY"
wait "$ONLY" || fail "export-only daemon exited $? on SIGTERM"
[ ! -e "$WORK/only.9p" ] || fail "the export socket was left behind"
ok "export only (no FUSE mount, --export=ADDR): a UDP round trip; SIGTERM ends it and removes its socket"

# Each connection holds a descriptor of the daemon for its peer, counted
# in the peer's user_fds: one user's connections stop at the limit (more
# are closed at once) and another user still gets in.
"$SOCKFS" -f -o user_fds=16,user_bytes=$((8 << 20)) --export "unix:$WORK/lim.9p" 2>"$WORK/lim.log" &
LIM=$!
for _ in $(seq 100); do [ -S "$WORK/lim.9p" ] && break; sleep 0.05; done
chmod 666 "$WORK/lim.9p"
EXPORT=$WORK/lim.9p P9AS=p9a p9py conns <<'PY'
import os, json, socket, p9client
held = []
for _ in range(40):
    try:
        held.append(p9client.Client(os.environ["EXPORT"], msize=8192))
    except (OSError, EOFError):
        pass
assert len(held) == 16, len(held)
use = json.loads(held[0].cat("usage"))[0]["fds"]
assert use["used"] == 16, use
for c in held:
    c.close()
PY
EXPORT=$WORK/lim.9p P9AS=p9b p9py conns2 <<'PY'
import os, p9client
c = p9client.Client(os.environ["EXPORT"])
assert "clone" in c.ls("udp")
PY
ok "connections count in the peer's user_fds: 16 of 40 kept, another user still served"

# A connection's buffers (msize for input, msize for a reply, its queue
# of replies) count in the peer's user_bytes: a Tversion that would go
# over it fails with ENOBUFS, and they come back when it ends.
EXPORT=$WORK/lim.9p P9AS=p9a p9py connbytes <<'PY'
import os, errno, json, p9client
big = 1 << 20
held = []
try:
    for _ in range(8):
        held.append(p9client.Client(os.environ["EXPORT"], msize=big))
    raise SystemExit("8 connections of msize 1 MiB within 8 MiB")
except OSError as e:
    assert e.errno == errno.ENOBUFS, e
assert len(held) == 3, len(held)
use = json.loads(held[0].cat("usage"))[0]["bytes"]
assert 3 * 2 * big <= use["used"] <= use["limit"], use
for c in held:
    c.close()
c = p9client.Client(os.environ["EXPORT"], msize=big)
use = json.loads(c.cat("usage"))[0]["bytes"]
assert use["used"] < 3 * big, use
PY
kill "$LIM"
wait "$LIM" || fail "the limited export exited $?"
ok "a connection's buffers count in the peer's user_bytes: ENOBUFS past it, given back at the end"

# In the background (no -f), with a relative path: the socket is there
# when sockfs returns, and goes when the daemon ends.
(cd "$WORK" && "$SOCKFS" --export unix:bg.9p) || fail "sockfs --export in the background failed"
[ -S "$WORK/bg.9p" ] || fail "the export's socket is not there when sockfs returns"
# (Its peer credentials name the process that listened, before the fork:
# ss names the one that holds the socket.)
BG=$(ss -xlpn | grep -F "$WORK/bg.9p" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$BG" ] || fail "no process holds the export's socket: $(ss -xlpn | grep -F "$WORK/bg.9p")"
kill "$BG"
for _ in $(seq 100); do [ -e "$WORK/bg.9p" ] || break; sleep 0.05; done
[ ! -e "$WORK/bg.9p" ] || fail "the daemon in the background left its socket"
ok "sockfs --export unix:REL without -f: the socket is there on return, gone when the daemon ends"

# -o netns=caller: a remote caller has no network namespace here.
"$SOCKFS" -f -o netns=caller --export "unix:$WORK/ns.9p" 2>"$WORK/ns.log" &
ONLY=$!
for _ in $(seq 100); do [ -S "$WORK/ns.9p" ] && break; sleep 0.05; done
EXPORT=$WORK/ns.9p p9py netns <<'PY'
import os, errno, p9client
c = p9client.Client(os.environ["EXPORT"])
try:
    d = "udp/" + c.read_file("udp/clone").decode().strip()
    c.echo(d + "/ctl", "connect 127.0.0.1:" + os.environ["ECHO_PORT"])
    raise SystemExit("a socket was made in no namespace")
except OSError as e:
    print(e)
PY
kill "$ONLY"
wait "$ONLY" || true
ok "-o netns=caller: a remote caller cannot make a socket: $(cat "$WORK/netns.out")"
finish
