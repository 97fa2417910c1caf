#!/bin/bash
# Ancillary data as JSON: credentials (seed 004) both ways, descriptors
# both ways (files, a pipe, sockets), IP metadata in and out, extended
# errors, bad cmsg refused, and credentials checked as the caller.
. "$(dirname "$0")/lib.sh"
# Other users must reach the mount for the allow_other part.
chmod 755 "$WORK"
start_sockfs -o allow_other

# Seed 004: a pair, passcred on the receiver, a write on the other end.
read -r a b < "$MNT/unixgram/pair"
A="$MNT/unixgram/$a" B="$MNT/unixgram/$b"
echo "set passcred 1" > "$B/ctl"
writer=$(bash -c 'echo "from $$" > "$1/data"; echo $$' _ "$A")
expect_eq "$(cat "$B/data")" "from $writer" "message"
expect_eq "$(jq -c .credentials "$B/cmsg")" "{\"pid\":$writer,\"uid\":0,\"gid\":0}" "credentials"
ok "seed 004: passcred on a pair end shows the writing process's pid/uid/gid"

# Python on the other side of a unix datagram socket, both ways.
py_peer cred "$WORK/py.sock" <<'PY'
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
open(sys.argv[1], "w").write("ready")
out = open(sys.argv[1] + ".got", "w")
while True:
    msg, anc, flags, addr = s.recvmsg(1000, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    cred = None
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            cred = struct.unpack("iII", data[:12])
    out.write("%s %s\n" % (msg.decode().strip(), cred)); out.flush()
    if msg.startswith(b"answer"):
        c = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
        s.sendmsg([b"python here"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, c)], 0, addr)
PY
u="$MNT/unixgram/$(cat "$MNT/unixgram/clone")"
printf 'bind %s\nset passcred 1\nto %s\n' "$WORK/sfs.sock" "$WORK/py.sock" > "$u/ctl"
writer=$(bash -c 'echo "answer me" > "$1/data"; echo $$' _ "$u")
expect_eq "$(timeout 5 cat "$u/data")" "python here" "python's answer"
expect_eq "$(jq -r .credentials.pid "$u/cmsg")" "$PEER_PID" "python's pid in cmsg"
expect_eq "$(head -1 "$WORK/cred.ready.got")" "answer me ($writer, 0, 0)" "what python saw"
echo '{"credentials": {"pid": 1, "uid": 65534, "gid": 65534}}' > "$u/cmsg"
echo "as nobody" > "$u/data"
for _ in $(seq 50); do [ "$(wc -l < "$WORK/cred.ready.got")" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(sed -n 2p "$WORK/cred.ready.got")" "as nobody (1, 65534, 65534)" "root claims other ids"
ok "credentials both ways with python: the writer's own, and root's explicit ones"

# Files both ways over a unix stream socket.
py_peer files "$WORK/files.sock" "$WORK" <<'PY'
import array, os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[2]); srv.listen(1)
open(sys.argv[1], "w").write("ready")
c, _ = srv.accept()
msg, anc, flags, addr = c.recvmsg(100, socket.CMSG_SPACE(16))
fds = array.array("i")
for level, typ, data in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
print("got %s with %d fd: %s" % (msg.decode().strip(), len(fds), os.read(fds[0], 100).decode().strip()), flush=True)
# Back: a file of ours, then the read end of a pipe we write later.
path = os.path.join(sys.argv[3], "from-python.txt")
open(path, "w").write("written by python\n")
f = os.open(path, os.O_RDONLY)
c.sendmsg([b"a file"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f]))])
r, w = os.pipe()
c.sendmsg([b"a pipe"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]))])
os.close(r)
c.recv(10)        # the shell says when to write
os.write(w, b"through the pipe\n")
os.close(w)
c.recv(10)
PY
echo "the shell's file" > "$WORK/shell.txt"
s="$MNT/unix/$(cat "$MNT/unix/clone")"
echo "connect $WORK/files.sock" > "$s/ctl"
echo "{\"rights\": [{\"path\": \"$WORK/shell.txt\", \"mode\": \"r\"}]}" > "$s/cmsg"
echo "take this" > "$s/data"
expect_eq "$(timeout 5 head -c 6 "$s/data")" "a file" "first message from python"
for _ in $(seq 50); do [ -s "$WORK/files.out" ] && break; sleep 0.05; done
expect_eq "$(cat "$WORK/files.out")" "got take this with 1 fd: the shell's file" "python read the shell's file"
ok "python receives a descriptor for a file the shell named, and reads it"

f=$(jq -r '.rights[0]' "$s/cmsg")
expect_eq "$f" file0 "the received file's name"
expect_eq "$(cat "$s/$f")" "written by python" "the file, read through sockfs"
expect_eq "$(stat -c %s "$s/$f")" 18 "its size"
rm "$s/$f"
[ ! -e "$s/$f" ] || fail "rm left $f"
expect_eq "$(timeout 5 head -c 6 "$s/data")" "a pipe" "second message"
p=$(jq -r '.rights[0]' "$s/cmsg")
timeout 10 cat "$s/$p" > "$WORK/pipe.out" &
reader=$!
sleep 0.3
kill -0 $reader || fail "reading an empty pipe did not wait"
echo go > "$s/data"
wait $reader || fail "cat of the pipe failed"
expect_eq "$(cat "$WORK/pipe.out")" "through the pipe" "pipe contents"
echo done > "$s/data"
rmdir "$s"
ok "the shell receives a file and a pipe from python and reads them through sockfs (the pipe read waits)"

# Sockets passed: python's TCP socket arrives as a working tcp folder; a
# sockfs UDP socket reaches python and works there.
py_peer socks "$WORK/socks.sock" <<'PY'
import array, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[2]); srv.listen(1)
lis = socket.socket(); lis.bind(("127.0.0.1", 0)); lis.listen(1)
mine = socket.create_connection(lis.getsockname())
theirs, _ = lis.accept()
open(sys.argv[1], "w").write("ready")
c, _ = srv.accept()
c.sendmsg([b"a tcp socket"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [theirs.fileno()]))])
theirs.close()
mine.settimeout(10)
print("tcp:", mine.recv(100).decode().strip(), flush=True)
mine.sendall(b"and back\n")
msg, anc, flags, addr = c.recvmsg(100, socket.CMSG_SPACE(4))
fd = array.array("i", anc[0][2][:4])[0]
u = socket.socket(fileno=fd)
u.sendto(b"sent by python through a sockfs socket", tuple(msg.decode().split()[0].rsplit(":", 1)[:1]) + (int(msg.decode().split()[0].rsplit(":", 1)[1]),))
c.recv(10)
PY
s="$MNT/unix/$(cat "$MNT/unix/clone")"
echo "connect $WORK/socks.sock" > "$s/ctl"
expect_eq "$(timeout 5 head -c 12 "$s/data")" "a tcp socket" "message"
t=$(jq -r '.rights[0]' "$s/cmsg")
case $t in tcp/*) ;; *) fail "rights: [$t]" ;; esac
expect_eq "$(jq -r .state "$MNT/$t/status")" connected "passed socket's state"
echo "hello through a passed socket" > "$MNT/$t/data"
expect_eq "$(timeout 5 head -c 9 "$MNT/$t/data")" "and back" "answer on the passed socket"
for _ in $(seq 50); do grep -q tcp: "$WORK/socks.out" && break; sleep 0.05; done
expect_eq "$(cat "$WORK/socks.out")" "tcp: hello through a passed socket" "python got it"
rmdir "$MNT/$t"
ok "a TCP socket passed from python arrives as a working tcp folder"

r="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$r/ctl"
g="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$g/ctl"
echo "{\"rights\": [{\"socket\": \"udp/${g##*/}\"}]}" > "$s/cmsg"
echo "$(cat "$r/local") is where to send" > "$s/data"
expect_eq "$(timeout 5 cat "$r/data")" "sent by python through a sockfs socket" "datagram"
expect_eq "$(jq -r .from "$r/cmsg")" "$(cat "$g/local")" "it came from the passed socket"
echo bye > "$s/data"
rmdir "$s" "$r" "$g"
ok "a sockfs UDP socket passed to python works there"

# IP metadata: ttl and tos read and written, pktinfo's source, and the
# extended error IP_RECVERR gives.
py_peer ttl <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.setsockopt(socket.IPPROTO_IP, 12, 1)    # IP_RECVTTL (python has no name for it)
s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
msg, anc, flags, addr = s.recvmsg(100, 64)
vals = {}
for level, typ, data in anc:
    vals[typ] = data[0]
print(addr[0], vals.get(socket.IP_TTL), vals.get(socket.IP_TOS), flush=True)
s.sendto(b"reply", addr)
PY
d="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "to 127.0.0.1:$(ready_of ttl)" > "$d/ctl"
echo '{"ttl": 7, "tos": 16, "pktinfo": {"from": "127.0.0.2"}}' > "$d/cmsg"
echo hi > "$d/data"
expect_eq "$(timeout 5 cat "$d/data")" reply "reply"
wait $PEER_PID
expect_eq "$(cat "$WORK/ttl.out")" "127.0.0.2 7 16" "what python saw (source, ttl, tos)"
expect_eq "$(jq -c '[.ttl, .tos, (.timestamp | test("^[0-9]+[.][0-9]{9}$"))]' "$d/cmsg")" '[64,0,true]' "ttl, tos, timestamp read"
rmdir "$d"
ok "ttl, tos and pktinfo's source written with a message; ttl, tos, timestamp read"

closed=$(python3 -c 'import socket; s=socket.socket(2,2); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
d="$MNT/udp/$(cat "$MNT/udp/clone")"
printf 'set recverr 1\nto 127.0.0.1:%s\n' "$closed" > "$d/ctl"
echo "anyone?" > "$d/data"
sleep 0.2
expect_err "Connection refused" timeout 5 cat "$d/data"
expect_eq "$(jq -c '.error | [.origin, .type, .code, .error, .offender]' "$d/cmsg")" \
	'["icmp",3,3,"Connection refused","127.0.0.1"]' "extended error"
rmdir "$d"
ok "with recverr, cmsg shows the ICMP error behind ECONNREFUSED"

# Bad cmsg: clear errno, reason in err, nothing kept or sent.
read -r a b < "$MNT/unixgram/pair"
A="$MNT/unixgram/$a" B="$MNT/unixgram/$b"
bad() {
	expect_err "$1" bash -c "printf '%s' '$2' > '$A/cmsg'"
	case $(cat "$A/err") in *"$3"*) ;; *) fail "err for $2: $(cat "$A/err")" ;; esac
}
bad "Invalid argument" '{"rights": [' "bad JSON"
bad "Invalid argument" '[1, 2]' "one JSON object"
bad "Invalid argument" '{"colour": "blue"}' 'unknown key "colour"'
bad "Invalid argument" '{"credentials": {"pid": "me", "uid": 0, "gid": 0}}' "pid must be"
bad "No such file or directory" '{"rights": [{"path": "relative/nosuch"}]}' "relative/nosuch"
bad "No such file or directory" '{"rights": [{"path": "/nonexistent/x"}]}' "/nonexistent/x"
bad "Invalid argument" '{"rights": [{"path": "/etc/hostname", "mode": "x"}]}' "mode must be"
bad "No such file or directory" '{"rights": [{"socket": "udp/nosuch"}]}' "no socket udp/nosuch"
many=$(python3 -c 'import json; print(json.dumps({"rights": [{"path": "/etc/hostname"}] * 33}))')
bad "Too many references" "$many" "too many descriptors"
bad "Protocol not available" '{"ttl": 3}' "inet kinds"
echo "plain" > "$A/data"
expect_eq "$(jq -c .rights "$B/cmsg" 2>/dev/null; cat "$B/data" > /dev/null; jq -c .rights "$B/cmsg")" "null
null" "nothing rode on the next write"
ok "bad cmsg JSON, keys, types, paths, sockets and counts: EINVAL (or the errno) with a reason; nothing kept"

# As another user (allow_other): own credentials pass, others' are EPERM,
# and paths open with that user's rights.
echo secret > "$WORK/root-only.txt"
chmod 600 "$WORK/root-only.txt"
setpriv --reuid=65534 --regid=65534 --clear-groups bash -s "$MNT" "$WORK" <<'SH' > "$WORK/nobody.out" 2>&1 || fail "as nobody: status $? $(cat "$WORK/nobody.out")"
set -u
read -r a b < "$1/unixgram/pair"
A="$1/unixgram/$a" B="$1/unixgram/$b"
echo "set passcred 1" > "$B/ctl"
echo "{\"credentials\": {\"pid\": $$, \"uid\": 65534, \"gid\": 65534}}" > "$A/cmsg" || exit 11
echo mine > "$A/data"
cat "$B/data" > /dev/null
[ "$(jq -c '[.credentials.uid, .credentials.pid]' "$B/cmsg")" = "[65534,$$]" ] || exit 12
if echo "{\"credentials\": {\"pid\": $$, \"uid\": 0, \"gid\": 0}}" > "$A/cmsg"; then exit 13; fi
grep -q "only root may claim" "$A/err" || exit 14
if echo "{\"credentials\": {\"pid\": 1, \"uid\": 65534, \"gid\": 65534}}" > "$A/cmsg"; then exit 15; fi
if echo "{\"rights\": [{\"path\": \"$2/root-only.txt\"}]}" > "$A/cmsg"; then exit 16; fi
grep -q "Permission denied" "$A/err" || exit 17
echo '{"rights": [{"path": "/etc/hostname"}]}' > "$A/cmsg" || exit 18
echo "with a file" > "$A/data"
cat "$B/data" > /dev/null
[ "$(cat "$B/$(jq -r '.rights[0]' "$B/cmsg")")" = "$(cat /etc/hostname)" ] || exit 19
echo ok
SH
expect_eq "$(tail -1 "$WORK/nobody.out")" ok "as nobody"
ok "a non-root caller: own credentials pass, uid 0 or another pid is EPERM, paths open with its rights"

stop_sockfs
finish
