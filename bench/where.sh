#!/bin/bash
# bench/where.sh - where sockfs's time goes against the nullfs ceiling
# (bench/nullfs.c), loop by loop, for docs/benchmarks.md "Where the time
# goes".  Each pair is the same loop through sockfs and through nullfs:
#   open:  echo m > udp/N/data, each time      / echo m > nullfs/uPORT
#   kept:  exec 3>data; echo m >&3             / the same on uPORT
#   rtt:   python write, read, read the 0 on a data file connected to a
#          UDP echo peer / the same three on nullfs's f plus the same
#          write and read on a plain socket (tools.py's floor); here each
#          of the three calls is timed apart
#   bulk:  cat data > /dev/null from a TCP source (BYTES, 512 MiB)
#          / cat nullfs/tPORT > /dev/null
# In WHERE_ROUNDS (5) interleaved rounds, each take is measured with
# perf stat: the wall clock, the caller's CPU time and context switches
# (the loop and its children), and the daemon's (all its threads).  The
# best round of each is kept, and the spread (worst/best) printed.  Then,
# untimed, perf trace -s counts each daemon's system calls per message
# (per MiB for bulk), a C loop times the /proc read sockfs makes per
# message received, and perf record samples each daemon for its top
# symbols and the share of each binary (left in OUT).
# WHERE_PLACE=same runs the per-message loops with everything on CPU 0
# (see below).  Bulk runs as bench/run.sh's split placement:
# the peers on the last CPU, the daemons and cat on the others.
#
#   bench/where.sh [OUT]   as root, from a built tree (uses build/sockfs);
#                          needs perf (linux-perf)
set -eu
cd "$(dirname "$0")/.."
top=$PWD
OUT=${1:-/tmp/where-out}
ROUNDS=${WHERE_ROUNDS:-5}
N=${BENCH_MSGS:-10000}
BYTES=${BENCH_BYTES:-536870912}
SOCKFS=${SOCKFS:-$top/build/sockfs}
[ -x "$SOCKFS" ] || { echo "where: build first" >&2; exit 2; }
command -v perf >/dev/null || { echo "where: needs perf" >&2; exit 2; }
mkdir -p "$OUT"
work=$(mktemp -d /tmp/sockfs-where.XXXXXX)
mnt=$work/mnt nmnt=$work/null
mkdir -p "$mnt" "$nmnt"
pids=()
finish() {
	set +e
	kill "${pids[@]}" 2>/dev/null
	fusermount3 -u "$mnt" 2>/dev/null
	fusermount3 -u "$nmnt" 2>/dev/null
	rm -rf "$work"
}
trap finish EXIT
"$SOCKFS" -f "$mnt" 2> "$work/sockfs.log" &
sfs=$!
pids+=("$sfs")
cc -O2 -o "$work/kernel" bench/kernel.c
# shellcheck disable=SC2046
cc -O2 -o "$work/nullfs" bench/nullfs.c $(pkg-config --cflags --libs fuse3)
"$work/nullfs" "$nmnt" &
nfs=$!
pids+=("$nfs")
for _ in $(seq 100); do [ -d "$mnt/udp" ] && mountpoint -q "$nmnt" && break; sleep 0.05; done
calc() { awk "function max(a, b) { return a > b ? a : b } BEGIN { printf \"$1\", $2 }"; }

# serve NAME TOOL ARGS: a peer (tools.py or kernel.c); sets $port.
serve() {
	local name=$1 tool=$2
	shift 2
	rm -f "$work/$name.port"
	case $tool in
	source) "$work/kernel" source "$work/$name.port" "$@" > /dev/null & ;;
	*) $ON python3 bench/tools.py "$tool" "$work/$name.port" "$@" > "$work/$name.out" & ;;
	esac
	pids+=("$!")
	for _ in $(seq 250); do [ -s "$work/$name.port" ] && break; sleep 0.02; done
	port=$(cat "$work/$name.port")
}
# WHERE_PLACE=same puts both daemons, the per-message loops and their
# peers on CPU 0, so that where the scheduler wakes a daemon does not
# decide the figure; free (the default) pins only the bulk source.
PLACE=${WHERE_PLACE:-free}
ON=
if [ "$PLACE" = same ]; then
	ON="taskset -c 0"
	taskset -a -p -c 0 "$sfs" > /dev/null
	taskset -a -p -c 0 "$nfs" > /dev/null
fi
serve echo udp-echo
ECHO=$port
serve src source "$BYTES"
SRC=$port
src_pid=${pids[-1]}
sock=$mnt/udp/$(cat "$mnt/udp/clone")
echo "connect 127.0.0.1:$ECHO" > "$sock/ctl"
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
	taskset -a -p -c $((ncpu - 1)) "$src_pid" > /dev/null
	BULK_ON="taskset -c 0-$((ncpu - 2))"
fi

# The loops.  $D is the mount point, $P the port of a counting UDP peer.
each='for ((i = 0; i < N; i++)); do'
declare -A LOOP=(
	[open.sockfs]='d=$D/udp/$(cat $D/udp/clone); echo "to 127.0.0.1:$P" > $d/ctl; '"$each"' echo m > $d/data; done; rmdir $d'
	[kept.sockfs]='d=$D/udp/$(cat $D/udp/clone); echo "to 127.0.0.1:$P" > $d/ctl; exec 3>$d/data; '"$each"' echo m >&3; done; exec 3>&-; rmdir $d'
	[open.nullfs]="$each"' echo m > $D/u$P; done'
	[kept.nullfs]='exec 3>$D/u$P; '"$each"' echo m >&3; done'
	[rtt.sockfs]="python3 $top/bench/where.py rtt \$S \$N"
	[rtt.nullfs]="python3 $top/bench/where.py rtt-null $nmnt/f \$E \$N"
	[bulk.sockfs]='d=$D/tcp/$(cat $D/tcp/clone); echo "connect 127.0.0.1:$B" > $d/ctl; cat $d/data > /dev/null; rmdir $d'
	[bulk.nullfs]='cat $D/t$B > /dev/null'
)
fs_dir() { [ "$1" = sockfs ] && echo "$mnt" || echo "$nmnt"; }
fs_pid() { [ "$1" = sockfs ] && echo "$sfs" || echo "$nfs"; }

# run LOOP FS: runs the loop once (with a counting peer when it sends).
run() {
	local cmd=${LOOP[$1.$2]} peer_pid='' port=''
	case $1 in open | kept) serve "c$1$2" udp-count "$N"; peer_pid=${pids[-1]} ;; esac
	# Timed inside, so that neither perf's nor the peer's start-up counts.
	local on=$ON
	[ -z "${BULK:-}" ] || on=${BULK_ON:-}
	D=$(fs_dir "$2") P=$port S=$sock E=$ECHO B=$SRC N=$N ${3:-} $on \
		bash -c "s=\$EPOCHREALTIME; $cmd; echo \$s \$EPOCHREALTIME > $work/wall"
	if [ -n "$peer_pid" ]; then
		wait "$peer_pid" || true
		[ "$(cat "$work/c$1$2.out")" = "$N" ] || echo "where: $1 $2: $(cat "$work/c$1$2.out") of $N arrived" >&2
	fi
}
# stat_of FILE EVENT: a count from perf stat -x, output.
stat_of() { awk -F, -v e="$2" '$3 == e { print $1 + 0 }' "$1"; }
# take LOOP FS: one measured run; appends "wall cpu cs dcpu dcs [phases]"
# per message (per MiB for bulk; wall in µs, or MB/s for bulk) to R.
declare -A R
take() {
	local l=$1 f=$2 pid unit d
	pid=$(fs_pid "$f")
	[ "$l" = bulk ] && unit=$((BYTES >> 20)) || unit=$N
	perf stat -x, -e task-clock,context-switches -p "$pid" -o "$work/d.stat" &
	d=$!
	sleep 0.3
	BULK=$([ "$l" = bulk ] && echo 1 || true) \
		run "$l" "$f" "perf stat -x, -e task-clock,context-switches -o $work/c.stat --" > "$work/phases"
	kill -INT "$d"
	wait "$d" 2> /dev/null || true
	local wall t0 t1
	read -r t0 t1 < "$work/wall"
	if [ "$l" = bulk ]; then wall=$(calc %.0f "$BYTES / ($t1 - $t0) / 1e6"); else wall=$(calc %.1f "($t1 - $t0) / $N * 1e6"); fi
	R[$l.$f]+="$wall $(calc %.1f "$(stat_of "$work/c.stat" task-clock) * 1000 / $unit")"
	R[$l.$f]+=" $(calc %.2f "$(stat_of "$work/c.stat" context-switches) / $unit")"
	R[$l.$f]+=" $(calc %.1f "$(stat_of "$work/d.stat" task-clock) * 1000 / $unit")"
	R[$l.$f]+=" $(calc %.2f "$(stat_of "$work/d.stat" context-switches) / $unit") $(cat "$work/phases");"
}
loops=(open kept rtt bulk)
for r in $(seq "$ROUNDS"); do
	for l in "${loops[@]}"; do
		take "$l" sockfs
		take "$l" nullfs
	done
	echo "round $r done" >&2
done
{
echo "where.sh: sockfs $(git describe --always --dirty 2>/dev/null), $(nproc) CPUs, $(uname -r), $(date -u '+%Y-%m-%d %H:%M'), $ROUNDS rounds, placement $PLACE, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "best round (by the wall clock) of each; per message (bulk: per MiB, wall in MB/s):"
printf '%-6s %-7s %9s %9s %9s %7s %9s %7s   %s\n' loop fs wall median callerCPU callerCS daemonCPU daemonCS "spread wall (worst/best); rtt: write, read, read-0 µs [plain socket]"
for l in "${loops[@]}"; do
	for f in sockfs nullfs; do
		tr ";" "\n" <<< "${R[$l.$f]:-}" | grep . | sort -n -k1,1 | awk -v l="$l" -v f="$f" '
			{ row[NR] = $0; w[NR] = $1 }
			END {
				b = (l == "bulk") ? NR : 1; wo = (l == "bulk") ? 1 : NR
				split(row[b], x, " ")
				ph = ""; for (i = 6; i <= length(x); i++) ph = ph " " x[i]
				printf "%-6s %-7s %9s %9s %9s %7s %9s %7s   %.2f%s\n", l, f, x[1], w[int((NR + 1) / 2)], x[2], x[3], x[4], x[5],
					(l == "bulk") ? w[wo] / w[b] : w[b] / w[wo], ph
			}'
	done
done
echo "(wall: µs per message; CPU: µs of CPU per message; CS: context switches per message)"
} | tee "$OUT/table.txt"

# System calls per message, untimed: perf trace -s on each daemon (its
# tracepoints slow the daemon less than strace's ptrace, which made
# requests pile up and hid the read(2) that finds /dev/fuse empty).
count() {
	local l=$1 f=$2 pid n unit
	pid=$(fs_pid "$f")
	perf trace -s -p "$pid" -o "$OUT/trace.$l.$f" 2> /dev/null &
	local st=$!
	sleep 1
	n=$N
	[ "$l" = bulk ] || N=2000
	BULK=$([ "$l" = bulk ] && echo 1 || true) run "$l" "$f" > /dev/null
	sleep 0.3
	kill -INT "$st"
	wait "$st" 2> /dev/null || true
	[ "$l" = bulk ] && unit=$((BYTES >> 20)) || unit=$N
	N=$n
	echo "$l $f: system calls per $([ "$l" = bulk ] && echo MiB || echo message):" \
		"$(awk -v u="$unit" '$2 ~ /^[0-9]+$/ && $1 ~ /^[a-z_0-9]+$/ { c[$1] += $2; t += $2 }
			END { for (k in c) if (c[k] / u >= 0.01) printf "%s %.2f, ", k, c[k] / u; printf "total %.2f", t / u }' \
			"$OUT/trace.$l.$f")"
}
for l in "${loops[@]}"; do for f in sockfs nullfs; do count "$l" "$f"; done; done | tee "$OUT/syscalls.txt"

# What reading /proc/PID/stat costs (stack/meta.c's proc_ppid, once per
# message received): fopen, fread, fclose of the caller's stat, timed in C.
cat > "$work/procstat.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
	char path[64], buf[512];
	struct timespec a, b;
	int n = 20000;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getppid());
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(path, "re");
		if (f == NULL || fread(buf, 1, sizeof(buf) - 1, f) == 0)
			return 1;
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000);
	return 0;
}
C
cc -O2 -o "$work/procstat" "$work/procstat.c"
best=""
for _ in 1 2 3 4 5; do
	t=$("$work/procstat")
	best=$(calc %.2f "(${best:-1e9} < $t ? ${best:-1e9} : $t)")
done
echo "reading /proc/PID/stat (fopen, fread, fclose): $best µs, best of 5 x 20,000" | tee -a "$OUT/syscalls.txt"

# Where the daemon's CPU goes: perf record on each daemon, one run each.
for l in "${loops[@]}"; do
	for f in sockfs nullfs; do
		perf record -q -F 4999 -g -p "$(fs_pid "$f")" -o "$work/perf.data" 2> /dev/null &
		p=$!
		sleep 0.5
		BULK=$([ "$l" = bulk ] && echo 1 || true) run "$l" "$f" > /dev/null
		kill -INT "$p"
		wait "$p" 2> /dev/null || true
		perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2> /dev/null |
			grep -v '^$' | grep -E '^ +[0-9]' | head -40 > "$OUT/perf.$l.$f.txt"
		perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2> /dev/null |
			grep -E '^ +[0-9]' > "$OUT/perf.$l.$f.dso.txt"
	done
done
echo "perf reports in $OUT/perf.*.txt"
