#!/bin/bash
# Faults survived or ended cleanly: peers that reset or leave, running out
# of descriptors, unmount and SIGKILL of the daemon, 100,000 random ctl
# lines and random bytes everywhere, a writer faster than its reader.
# Runs in a network namespace of its own with only loopback, so nothing
# random can leave the machine.
if [ -z "${SOCKFS_NETNS:-}" ]; then
	exec unshare -n env SOCKFS_NETNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
ip link set lo up
fds() { ls "/proc/$SOCKFS_PID/fd" | wc -l; }

# A TCP peer: per connection, the first line says what to do.
#   reset N   send N bytes, then reset      data N   send N bytes, close
#   echo      echo lines back              slow      sleep 1 s, then hash all
py_peer peer <<'PY'
import hashlib, socket, struct, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    f = c.makefile("rb")
    what = f.readline().split()
    if what[0] in (b"reset", b"data"):
        c.sendall(bytes(range(256)) * (int(what[1]) // 256))
        if what[0] == b"reset":
            time.sleep(0.3)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif what[0] == b"echo":
        for line in f:
            c.sendall(line)
    elif what[0] == b"slow":
        time.sleep(1)
        h = hashlib.sha256(); n = 0
        while True:
            d = c.recv(1 << 16)
            if not d: break
            h.update(d); n += len(d)
        c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
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
# The first line a stream file gives (bash's read takes no more than it).
line_of() { timeout 5 bash -c 'IFS= read -r l < "$1" && echo "$l"' _ "$1"; }
want_hash() { head -c "$1" < <(python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * (int(sys.argv[1]) // 256))' "$1") | sha256sum | cut -d' ' -f1; }

SOCKFS_PREFIX=(prlimit --nofile=64:64)
start_sockfs

e=$(dial)
echo echo > "$e/data"
r=$(dial)
echo "reset 262144" > "$r/data"
expect_err "Connection reset by peer" bash -c "cat '$r/data' > '$WORK/partial'"
[ "$(stat -c %s "$WORK/partial")" -gt 0 ] || fail "no data before the reset"
echo "still here" > "$e/data"
expect_eq "$(line_of "$e/data")" "still here" "the other connection"
rmdir "$r"
ok "a peer resetting mid-stream: that read gets ECONNRESET, another connection carries on"

d=$(dial)
echo "data 1048576" > "$d/data"
sleep 0.5
expect_eq "$(cat "$d/data" | sha256sum | cut -d' ' -f1)" "$(want_hash 1048576)" "queued data"
rmdir "$d"
ok "a peer that sent 1 MiB and left: every byte is read, then end of file"

# Out of descriptors (the daemon runs with RLIMIT_NOFILE 64).  A listener
# made first shows what accepting does then.
lst="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$lst/ctl"
lport=$(cat "$lst/local")
lport=${lport##*:}
made=()
while name=$(cat "$MNT/unixgram/clone" 2>"$WORK/emfile.err"); do
	made+=("$name")
	[ ${#made[@]} -lt 200 ] || fail "clone never ran out of descriptors"
done
grep -q "Too many open files" "$WORK/emfile.err" || fail "clone failed with: $(cat "$WORK/emfile.err")"
echo "still here" > "$e/data"
expect_eq "$(line_of "$e/data")" "still here" "an old socket while out of fds"
python3 - "$lport" "$WORK/caller.ready" <<'PY' &
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"queued\n")
open(sys.argv[2], "w").close()
time.sleep(20)
PY
caller=$!
for _ in $(seq 100); do [ -e "$WORK/caller.ready" ] && break; sleep 0.05; done
expect_eq "$("$FILEIO" read "$lst/listen" 100)" EMFILE "accept while out of fds"
grep -q "Too many open files" "$lst/err" || fail "listen err: $(cat "$lst/err")"
for n in "${made[@]:0:4}"; do rmdir "$MNT/unixgram/$n"; done
cat "$MNT/unixgram/clone" > /dev/null || fail "clone after fds were freed"
read -r c < "$lst/listen"
expect_eq "$(line_of "$MNT/tcp/$c/data")" "queued" "the connection that waited in the kernel"
kill "$caller"
rmdir "$MNT/tcp/$c" "$lst"
for n in "${made[@]:4}"; do rmdir "$MNT/unixgram/$n"; done
ok "out of descriptors: clone and accept get EMFILE (${#made[@]} made), old sockets work, both recover and the queued caller is served"

# A writer faster than its reader: O_NONBLOCK sees EAGAIN, a blocking
# write waits, and the sink gets every byte once.
w=$(dial)
echo "slow" > "$w/data"
python3 - "$w/data" <<'PY' > "$WORK/fast.out" || fail "fast writer: $(cat "$WORK/fast.out")"
import errno, hashlib, os, sys
block = os.urandom(1 << 16)
h = hashlib.sha256(); total = 0
nb = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
eagain = False
while not eagain:
    try:
        n = os.write(nb, block)
        h.update(block[:n]); total += n
    except BlockingIOError:
        eagain = True
fd = os.open(sys.argv[1], os.O_WRONLY)
for _ in range(64):          # 4 MiB more, blocking
    n = os.write(fd, block)
    assert n == len(block), n
    h.update(block); total += n
print(total, h.hexdigest())
PY
echo "shutdown wr" > "$w/ctl"
read -r total sum < "$WORK/fast.out"
# The sink read the "slow" line first, so it hashes exactly what python wrote.
expect_eq "$(timeout 20 cat "$w/data")" "$total $sum" "sink's count and hash"
rmdir "$w"
ok "a writer faster than its reader: EAGAIN with O_NONBLOCK, blocking waits, $total bytes byte-exact"

# 100,000 random ctl lines, and random bytes to every file.
fd0=$(fds)
python3 - "$MNT" "$WORK" <<'PY' || fail "random input run failed"
import os, random, sys
mnt, work = sys.argv[1], sys.argv[2]
rnd = random.Random(1234)
kinds = ["tcp", "udp", "unix", "unixgram", "unixpacket", "icmp", "raw"]
# Only loopback and paths under WORK: nothing may leave this namespace.
addrs = ["127.0.0.1:%d", "[::1]:%d", "127.0.0.2:%d", "localhost:%d", "*:%d",
         work + "/r%d.sock", "@sockfs-fuzz-%d", "127.0.0.1", "::1", "bad:%d", "[::1", ""]
words = ["connect", "disconnect", "bind", "listen", "to", "shutdown", "set", "close",
         "rd", "wr", "rdwr", "reuseaddr", "nodelay", "timeout", "flags", "rcvbuf", "ttl",
         "join", "leave", "239.1.2.3", "lo", "more,oob", "0", "1", "-1", "99999999999",
         "mcast_loop", "proto", "passcred", "linger", "off", "#", "\t", "é", "\x00"]
def line():
    r = rnd.random()
    if r < 0.4:
        a = rnd.choice(addrs)
        a = a % rnd.randint(0, 70000) if "%d" in a else a
        return "%s %s" % (rnd.choice(["connect", "bind", "to"]), a)
    if r < 0.8:
        return " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 5)))
    return "".join(chr(rnd.randint(1, 255)) for _ in range(rnd.randint(0, 80)))
def fresh(k):
    try:
        return os.path.join(mnt, k, open(os.path.join(mnt, k, "clone")).read().strip())
    except OSError:
        return None
lines = 0
while lines < 100000:
    k = rnd.choice(kinds)
    d = fresh(k)
    if d is None:
        continue
    for _ in range(rnd.randint(1, 40)):
        batch = "\n".join(line() for _ in range(rnd.randint(1, 64)))
        lines += batch.count("\n") + 1
        try:
            fd = os.open(d + "/ctl", os.O_WRONLY | os.O_NONBLOCK)
            try:
                os.write(fd, batch.encode("utf-8", "surrogateescape"))
            finally:
                os.close(fd)
        except OSError:
            pass
        for f in ("data", "cmsg", "ctl", "listen", "status", "err", "peer", "local"):
            for mode in (os.O_WRONLY, os.O_RDONLY):
                try:
                    fd = os.open(d + "/" + f, mode | os.O_NONBLOCK)
                except OSError:
                    continue
                try:
                    if mode == os.O_WRONLY:
                        os.write(fd, os.urandom(rnd.randint(0, 3000)))
                    else:
                        os.read(fd, rnd.randint(0, 70000))
                except OSError:
                    pass
                finally:
                    os.close(fd)
    try:
        os.rmdir(d)
    except OSError:
        pass
print(lines, "lines", file=sys.stderr)
PY
kill -0 "$SOCKFS_PID" || fail "the daemon died under random input"
for k in tcp udp unix unixgram unixpacket icmp raw; do
	for n in $(ls "$MNT/$k" | grep -v '^clone$\|^pair$'); do rmdir "$MNT/$k/$n" 2>/dev/null || true; done
done
for _ in $(seq 50); do [ "$(fds)" -le "$fd0" ] && break; sleep 0.1; done
[ "$(fds)" -le "$fd0" ] || fail "descriptors after random input: $(fds), before $fd0"
e=$(dial)
echo echo > "$e/data"
echo "after the storm" > "$e/data"
expect_eq "$(line_of "$e/data")" "after the storm" "serving after random input"
rmdir "$e"
ok "100,000 random ctl lines and random bytes to every file: the daemon serves on, no descriptor left"

# Stopping while readers and accepts wait: they get end of file, exit 0.
u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$u/ctl"
l="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$l/ctl"
cat "$u/data" > /dev/null & reader=$!
cat "$l/listen" > /dev/null & acceptor=$!
sleep 0.3
fusermount3 -u "$MNT" 2>/dev/null && fail "unmount succeeded while files were in use"
kill -TERM "$SOCKFS_PID"
wait $reader || fail "the waiting reader failed"
wait $acceptor || fail "the waiting accept failed"
wait "$SOCKFS_PID" || fail "daemon exit status $?"
SOCKFS_PID=
mountpoint -q "$MNT" && fail "still mounted"
ok "SIGTERM while a read and an accept wait: both end (EOF), the daemon unmounts and exits 0"

SOCKFS_PREFIX=()
start_sockfs
kill -KILL "$SOCKFS_PID"
wait "$SOCKFS_PID" 2>/dev/null || true
SOCKFS_PID=
expect_err "Transport endpoint is not connected" ls "$MNT"
fusermount3 -u "$MNT" || fail "fusermount3 -u after a killed daemon"
start_sockfs
[ -n "$(cat "$MNT/udp/clone")" ] || fail "a new daemon does not serve"
stop_sockfs
ok "a killed daemon: ENOTCONN, fusermount3 -u cleans up, a new daemon mounts again"

finish
