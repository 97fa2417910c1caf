#!/bin/bash
# Large transfers: one write(2) far larger than the socket buffer is sent
# whole, and 1 GiB through `cat file > data` arrives byte-exact.
. "$(dirname "$0")/lib.sh"
start_sockfs

# The sink: per connection, counts and hashes everything to EOF, then
# answers "BYTES SHA256".  It starts reading only after 0.5 s, so writes
# must wait for room in the socket buffers.
py_peer sink <<'PY'
import hashlib, socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def serve(c):
    time.sleep(0.5)
    h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        h.update(d); n += len(d)
    c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PORT=$(ready_of sink)

d="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "set sndbuf 65536" > "$d/ctl"
echo "connect 127.0.0.1:$PORT" > "$d/ctl"
python3 - "$d/data" <<'PY' > "$WORK/one.out" || fail "one big write: $(cat "$WORK/one.out")"
import hashlib, os, sys
buf = bytes(range(256)) * (64 << 12)		# 64 MiB
fd = os.open(sys.argv[1], os.O_WRONLY)
n = os.write(fd, buf)
print(n, hashlib.sha256(buf).hexdigest())
PY
echo "shutdown wr" > "$d/ctl"
read -r n sum < "$WORK/one.out"
expect_eq "$n" $((64 << 20)) "bytes one write(2) reported"
expect_eq "$(cat "$d/data")" "$n $sum" "what the sink got"
rmdir "$d"
ok "one 64 MiB write(2) through a 64 KiB send buffer: all sent, nothing short"

# 1 GiB from a file when the disk has room, else the same size through a pipe.
size=$((1 << 30))
d="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect 127.0.0.1:$PORT" > "$d/ctl"
if [ "$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')" -gt $((3 << 20)) ]; then
	head -c $size /dev/urandom > "$WORK/big"
	want=$(sha256sum < "$WORK/big" | cut -d' ' -f1)
	how="cat file > data"
	start=$(date +%s%N)
	cat "$WORK/big" > "$d/data"
else
	want=$(head -c $size /dev/zero | sha256sum | cut -d' ' -f1)
	how="a pipe > data (no disk room for a 1 GiB file)"
	start=$(date +%s%N)
	head -c $size /dev/zero | cat > "$d/data"
fi
echo "shutdown wr" > "$d/ctl"
expect_eq "$(cat "$d/data")" "$size $want" "1 GiB at the sink"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
rmdir "$d"
rm -f "$WORK/big"
ok "1 GiB by $how arrives byte-exact ($ms ms)"

stop_sockfs
finish
