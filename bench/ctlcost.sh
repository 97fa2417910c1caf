#!/bin/bash
# bench/ctlcost.sh [SOCKFS...] - what one ctl operation costs, for each
# daemon binary named (default: build/sockfs), side by side: so a change
# to how the daemon acts for its callers (a thread taking on the caller's
# ids, groups and capabilities for every ctl write; a worker entering the
# caller's root for every unix path) is measured before and after.
#
# Each binary is mounted with -o allow_other and driven by python, once as
# root and once as an ordinary user (sfs_bench, made and removed here):
#   clone      read udp/clone
#   bind       write "bind 127.0.0.1:0" to a fresh udp socket's ctl
#   connect    write "connect 127.0.0.1:PORT" to a fresh udp socket's ctl
#   unix       write "connect PATH" to a fresh unix socket's ctl (a worker)
#   send       write 32 bytes to a connected udp socket's data (no switch)
# Median microseconds of BENCH_OPS (2000) of each, best of BENCH_REPS (3)
# rounds, the binaries taking turns within each round.  Only loopback.
set -eu
cd "$(dirname "$0")/.."
OPS=${BENCH_OPS:-2000}
REPS=${BENCH_REPS:-3}
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$PWD/build/sockfs")
U=sfs_bench
work=$(mktemp -d /tmp/sockfs-ctlcost.XXXXXX)
chmod 755 "$work"
pids=()
finish() {
	set +e
	kill "${pids[@]}" 2>/dev/null
	for m in "$work"/m*; do fusermount3 -u "$m" 2>/dev/null; done
	userdel "$U" 2>/dev/null
	rm -rf "$work"
}
trap finish EXIT
id "$U" >/dev/null 2>&1 || useradd -M -s /bin/bash "$U"

# A UDP sink and a unix listener that accepts and closes, on loopback.
python3 - "$work/peer" "$work/l.sock" <<'PY' &
import os, socket, sys, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[2]); os.chmod(sys.argv[2], 0o666); l.listen(512)
def drain():
    while True: u.recv(65536)
def accept():
    while True: l.accept()[0].close()
threading.Thread(target=drain, daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
open(sys.argv[1], "w").write(str(u.getsockname()[1]))
threading.Event().wait()
PY
pids+=($!)
for _ in $(seq 200); do [ -s "$work/peer" ] && break; sleep 0.05; done
port=$(cat "$work/peer")

i=0
for b in "${bins[@]}"; do
	m=$work/m$i
	mkdir -p "$m"
	"$b" -f -o allow_other "$m" 2>"$work/log$i" &
	pids+=($!)
	for _ in $(seq 200); do [ -d "$m/udp" ] && break; sleep 0.05; done
	i=$((i + 1))
done

# One round for one mount as the calling user: median microseconds per op.
cat > "$work/round.py" <<'PY'
import os, statistics, sys, time
mnt, port, unix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def ns(): return time.perf_counter_ns()
def new(kind):
    with open(f"{mnt}/{kind}/clone") as f: return f"{mnt}/{kind}/" + f.read().strip()
def ctl(s, text):
    fd = os.open(s + "/ctl", os.O_WRONLY); os.write(fd, text.encode()); os.close(fd)
out = {}
for op in ("clone", "bind", "connect", "unix", "send"):
    times, made = [], []
    kind = "unix" if op == "unix" else "udp"
    if op == "send":
        s = new("udp"); ctl(s, f"connect 127.0.0.1:{port}"); made.append(s)
        fd = os.open(s + "/data", os.O_WRONLY)
    for _ in range(n):
        if op == "send":
            t = ns(); os.write(fd, b"x" * 32); times.append(ns() - t); continue
        t = ns()
        s = new(kind)
        if op == "clone":
            times.append(ns() - t); made.append(s); continue
        t = ns()
        ctl(s, {"bind": "bind 127.0.0.1:0", "connect": f"connect 127.0.0.1:{port}",
                "unix": f"connect {unix}"}[op])
        times.append(ns() - t); made.append(s)
        if len(made) > 200:
            for d in made: os.rmdir(d)
            made = []
    if op == "send": os.close(fd)
    for d in made: os.rmdir(d)
    out[op] = statistics.median(times) / 1000
print(" ".join("%s=%.1f" % kv for kv in out.items()))
PY

declare -A best
for r in $(seq "$REPS"); do
	for who in root "$U"; do
		i=0
		for b in "${bins[@]}"; do
			if [ "$who" = root ]; then
				line=$(python3 "$work/round.py" "$work/m$i" "$port" "$work/l.sock" "$OPS")
			else
				line=$(setpriv --reuid="$U" --regid="$U" --init-groups \
					/usr/bin/python3 "$work/round.py" "$work/m$i" "$port" "$work/l.sock" "$OPS")
			fi
			for kv in $line; do
				k="$i $who ${kv%%=*}" v=${kv#*=}
				cur=${best[$k]:-}
				if [ -z "$cur" ] || awk -v a="$v" -v b="$cur" 'BEGIN { exit !(a < b) }'; then
					best[$k]=$v
				fi
			done
			i=$((i + 1))
		done
	done
done

printf '%-12s %-8s' "operation" "as"
for b in "${bins[@]}"; do printf ' %24s' "$(basename "$(dirname "$(dirname "$b")")")/$(basename "$b")"; done
echo "   (median us, best of $REPS rounds of $OPS)"
for op in clone bind connect unix send; do
	for who in root "$U"; do
		printf '%-12s %-8s' "$op" "$who"
		i=0
		for _ in "${bins[@]}"; do printf ' %24s' "${best[$i $who $op]}"; i=$((i + 1)); done
		echo
	done
done
