#!/bin/bash
# TCP through the files: a request/response exchange with a python server,
# large transfers byte-exact both ways, refused connects, names and IPv6.
. "$(dirname "$0")/lib.sh"
start_sockfs

# Python server: for each connection, reads to EOF, answers with a digest
# and the byte count, or streams N bytes of a known pattern when asked.
py_peer srv <<'PY'
import hashlib, socket, sys, threading
s = socket.socket(socket.AF_INET6 if len(sys.argv) > 2 else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    first = c.recv(64)
    if first.startswith(b"SEND "):
        n = int(first.split()[1])
        block = bytes(range(256)) * 256
        while n > 0:
            c.sendall(block[:min(n, len(block))])
            n -= min(n, len(block))
        c.close()
        return
    h = hashlib.sha256(first); total = len(first)
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        h.update(d); total += len(d)
    c.sendall(("%d %s\n" % (total, h.hexdigest())).encode())
    c.close()
s.settimeout(60)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PORT=$(ready_of srv)

t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$PORT" > "$t/ctl"
expect_eq "$(cut -d' ' -f3 < "$t/ctl")" connected "state"
expect_eq "$(cat "$t/peer")" "127.0.0.1:$PORT" "peer"
printf 'hello' > "$t/data"
echo "shutdown wr" > "$t/ctl"
out=$(cat "$t/data") || fail "cat data did not exit 0 at EOF"
expect_eq "$out" "5 $(printf hello | sha256sum | cut -d' ' -f1)" "answer"
ok "request, shutdown wr, and cat data streams to the peer's EOF"

head -c $((32 << 20)) /dev/urandom > "$WORK/up"
u="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$PORT" > "$u/ctl"
cat "$WORK/up" > "$u/data"
echo "shutdown wr" > "$u/ctl"
expect_eq "$(cat "$u/data")" "$((32 << 20)) $(sha256sum < "$WORK/up" | cut -d' ' -f1)" "upload digest"
ok "32 MiB written to data arrive byte-exact"

n=$((48 << 20))
r="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$PORT" > "$r/ctl"
echo "SEND $n" > "$r/data"
cat "$r/data" > "$WORK/down"
python3 - "$WORK/down" "$n" <<'PY' || fail "download differs"
import sys
d = open(sys.argv[1], "rb").read()
block = bytes(range(256)) * 256
n = int(sys.argv[2])
assert len(d) == n, len(d)
assert d == (block * (n // len(block) + 1))[:n]
PY
ok "48 MiB read from data arrive byte-exact"

c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_err "Connection refused" bash -c "echo 'connect 127.0.0.1:$closed' > '$c/ctl'"
grep -q "Connection refused" "$c/err" || fail "err: $(cat "$c/err")"
expect_err "Transport endpoint is not connected" cat "$c/peer"
ok "a refused connect fails the ctl write with ECONNREFUSED"

h="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect localhost:$PORT" > "$h/ctl"
printf x > "$h/data"; echo "shutdown wr" > "$h/ctl"
expect_eq "$(cat "$h/data" | cut -d' ' -f1)" 1 "via localhost"
ok "host names are resolved (localhost:PORT)"

py_peer srv6 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
c, a = s.accept(); c.sendall(b"v6 " + a[0].encode() + b"\n"); c.close()
PY
six="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect [::1]:$(ready_of srv6)" > "$six/ctl"
expect_eq "$(cat "$six/data")" "v6 ::1" "ipv6"
expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["family"])' "$six/status")" inet6 "family"
ok "IPv6 connect"

# Options before the kernel socket exists apply when it is made.
o="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'set nodelay 1\nset keepalive 1\nset sndbuf 65536\nconnect 127.0.0.1:%s\n' "$PORT" > "$o/ctl"
python3 - "$o/status" <<'PY' || fail "options"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["options"] == {"keepalive": 1, "nodelay": 1, "sndbuf": 65536}, s["options"]
assert s["state"] == "connected", s
PY
ok "options given before connect are applied and shown in status"
finish
