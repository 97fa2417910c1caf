#!/bin/bash
# 1000 sockets with a reader waiting on each, while the daemon still
# answers; 1000 create/close cycles leave its descriptor count as it was.
. "$(dirname "$0")/lib.sh"
start_sockfs
N=1000
fds() { ls "/proc/$SOCKFS_PID/fd" | wc -l; }

threads_before=$(ls "/proc/$SOCKFS_PID/task" | wc -l)
pids=()
for i in $(seq $N); do
	mkdir "$MNT/udp/w$i"
	echo "bind 127.0.0.1:0" > "$MNT/udp/w$i/ctl"
	cat "$MNT/udp/w$i/data" > "$WORK/out.$i" &
	pids+=($!)
done
sleep 1
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a reader did not wait"; done
start=$(date +%s%N)
c=$(cat "$MNT/tcp/clone")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -d "$MNT/tcp/$c" ] || fail "clone under load"
[ "$ms" -lt 1000 ] || fail "clone took $ms ms with $N readers waiting"
threads=$(ls "/proc/$SOCKFS_PID/task" | wc -l)
[ "$threads" -le $((threads_before + 1)) ] || fail "$threads threads for $N waiting readers"
ok "$N readers wait at once; clone answers in $ms ms; daemon threads: $threads"

# Every reader gets its own datagram.
python3 - "$MNT" "$N" <<'PY' || fail "delivering to waiting readers"
import socket, sys
mnt, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1, n + 1):
    port = int(open("%s/udp/w%d/local" % (mnt, i)).read().rsplit(":", 1)[1])
    s.sendto(b"msg %d" % i, ("127.0.0.1", port))
PY
for p in "${pids[@]}"; do wait "$p" || fail "reader exit status"; done
for i in 1 500 $N; do expect_eq "$(cat "$WORK/out.$i")" "msg $i" "reader $i"; done
for i in $(seq $N); do rmdir "$MNT/udp/w$i"; done
ok "each waiting reader got its own message and exited 0"

before=$(fds)
for i in $(seq $N); do
	s=$(cat "$MNT/udp/clone")
	echo "bind 127.0.0.1:0" > "$MNT/udp/$s/ctl"
	echo close > "$MNT/udp/$s/ctl"
done
after=$(fds)
expect_eq "$after" "$before" "daemon fd count after $N create/close cycles"
expect_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$MNT/sockets")" 1 "sockets left"
ok "$N create/close cycles leave the fd count at $after"
finish
