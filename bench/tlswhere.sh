#!/bin/bash
# bench/tlswhere.sh - where a sockfs TLS handshake's time goes, for
# bench/tlspar.sh's loops (issue 33), against the same nginx server:
#   cpu      CPU time per handshake, in µs, of the whole machine, the
#            daemon (its loop thread and the rest: workers, inval), nginx,
#            the clients (the loops' `times`: the shell and what it forks,
#            or s_time) and what is left (softirqs, other users of the
#            machine), for N (BENCH_N, 2) of each of tlspar.sh's loops (with
#            forks, without), N s_time processes and N nullfs loops (with
#            forks), each for BENCH_TIME (5) seconds
#   fuse     the FUSE requests one loop's handshake makes, for both loops
#            (a second daemon with -d, 100 handshakes)
#   strace   the daemon's system calls per handshake, by name (strace -c
#            -f, 200 handshakes one at a time, the loop without a fork)
#   perf     where the daemon's CPU goes while N loops run: by shared
#            object and the top symbols (perf record, if perf works)
# Run as root from a built tree (SOCKFS names the daemon); needs nginx,
# strace.  Only loopback.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
N=${BENCH_N:-2}
T=${BENCH_TIME:-5}
SOCKFS=${SOCKFS:-$top/build/sockfs}
W=$(mktemp -d /tmp/sockfs-tlswhere.XXXXXX)
M=$W/mnt D=$W/dbg NM=$W/null
mkdir -p "$M" "$D" "$NM" "$W/ng"
pids=()
finish() {
	set +e
	[ -s "$W/ng/pid" ] && kill "$(cat "$W/ng/pid")"
	kill "${pids[@]}" 2>/dev/null
	for m in "$M" "$D" "$NM"; do fusermount3 -u "$m" 2>/dev/null; done
	sleep 0.2
	rm -rf "$W"
}
trap finish EXIT
# shellcheck source=bench/tlsserver.sh disable=SC1091
. "$top/bench/tlsserver.sh"
"$SOCKFS" -f "$M" 2>/dev/null &
daemon=$!
pids+=("$daemon")
"$SOCKFS" -f -d "$D" 2>"$W/debug.log" &
pids+=($!)
# shellcheck disable=SC2046
cc -O2 -o "$W/nullfs" "$top/bench/nullfs.c" $(pkg-config --cflags --libs fuse3)
"$W/nullfs" "$NM" &
pids+=($!)
for _ in $(seq 100); do [ -d "$M/tls" ] && [ -d "$D/tls" ] && mountpoint -q "$NM" && break; sleep 0.05; done
sleep 0.3

# one HOW MNT COUNT|-SECONDS: one client loop; prints how many it made.
one() {
	local n=0 s end=$((${EPOCHREALTIME/./} + ${3#-} * 1000000))
	while if [ "$3" -lt 0 ]; then ((${EPOCHREALTIME/./} < end)); else ((n < $3)); fi; do
		case $1 in
		sockfs)
			s=$(cat "$2/tls/clone")
			printf 'set cafile %s\nconnect 127.0.0.1:%s\n' "$CA" "$P" > "$2/tls/$s/ctl"
			rmdir "$2/tls/$s" ;;
		nofork)
			read -r s < "$2/tls/clone"
			printf 'set cafile %s\nconnect 127.0.0.1:%s\nclose\n' "$CA" "$P" > "$2/tls/$s/ctl" ;;
		nullfs)
			s=$(cat "$2/f")
			echo "connect 127.0.0.1:$P" > "$2/f"
			rmdir "$2/d" 2>/dev/null || true ;;
		s_time)
			openssl s_time -connect "127.0.0.1:$P" -new -time "${3#-}" 2>/dev/null |
				sed -n 's/^\([0-9]*\) connections in .*/\1/p' | head -1
			times > "$W/times.$BASHPID"
			return ;;
		esac
		n=$((n + 1))
	done
	echo "$n"
	# The loop's own CPU and its children's: the client's whole cost.
	times > "$W/times.$BASHPID"
}
# client: clock ticks of the loops' `times`, summed (and removed).
client() {
	cat "$W"/times.* | tr 'ms' '  ' | awk -v hz="$hz" '{ t += ($1 * 60 + $2 + $3 * 60 + $4) * hz } END { printf "%.0f", t }'
	rm -f "$W"/times.*
}
# ticks PID...: user + system clock ticks of every thread of PIDS.
ticks() {
	local p t=0 f
	for p in "$@"; do
		for f in /proc/"$p"/task/*/stat; do
			t=$((t + $(awk '{ print $14 + $15 }' "$f" 2>/dev/null || echo 0)))
		done
	done
	echo "$t"
}
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
ngx=$(pgrep -P "$(cat "$W/ng/pid")" | tr '\n' ' ')
hz=$(getconf CLK_TCK)
us() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { printf "%.0f", (n > 0 ? t / hz / n * 1e6 : 0) }'; }

echo "CPU per handshake (or per nullfs loop), µs: $N clients for $T s"
printf '%-8s %7s %8s %8s %8s %8s %8s %8s\n' how "per s" machine daemon "d.loop" nginx client rest
for how in sockfs nofork s_time nullfs; do
	mnt=$M
	[ $how = nullfs ] && mnt=$NM
	b0=$(busy) d0=$(ticks "$daemon") l0=$(awk '{ print $14 + $15 }' /proc/"$daemon"/task/"$daemon"/stat)
	# shellcheck disable=SC2086
	g0=$(ticks $ngx)
	ls=()
	t0=${EPOCHREALTIME/./}
	for i in $(seq "$N"); do
		one $how "$mnt" "-$T" > "$W/n.$i" &
		ls+=($!)
	done
	wait "${ls[@]}"
	# By the clock, over the whole group (a loop may overrun T by its last
	# handshake, and s_time's own rate is per second of its CPU time).
	wall=$((${EPOCHREALTIME/./} - t0))
	# shellcheck disable=SC2086
	b1=$(busy) d1=$(ticks "$daemon") l1=$(awk '{ print $14 + $15 }' /proc/"$daemon"/task/"$daemon"/stat) g1=$(ticks $ngx)
	n=$(cat "$W"/n.* | awk '{ s += $1 } END { print s }')
	case $how in sockfs | nofork) ;; *) d1=$d0 l1=$l0 ;; esac
	c=$(client)
	printf '%-8s %7.0f %8s %8s %8s %8s %8s %8s\n' $how "$(awk -v n="$n" -v t="$wall" 'BEGIN { print n / (t / 1e6) }')" \
		"$(us $((b1 - b0)) "$n")" "$(us $((d1 - d0)) "$n")" "$(us $((l1 - l0)) "$n")" \
		"$(us $((g1 - g0)) "$n")" "$(us "$c" "$n")" "$(us $((b1 - b0 - (d1 - d0) - (g1 - g0) - c)) "$n")"
done

echo
echo
for how in sockfs nofork; do
	echo "FUSE requests per handshake, $how loop (100, one loop):"
	one $how "$D" 3 > /dev/null
	sleep 0.3
	before=$(wc -l < "$W/debug.log")
	one $how "$D" 100 > /dev/null
	sleep 0.3
	tail -n +"$((before + 1))" "$W/debug.log" | sed -n 's/.*opcode: \([A-Z_]*\).*/\1/p' | sort | uniq -c |
		awk '{ printf "  %-12s %5.2f\n", $2, $1 / 100; t += $1 } END { printf "  %-12s %5.2f\n", "total", t / 100 }'
done
echo
echo "daemon system calls per handshake (200, one loop without a fork):"
strace -f -c -o "$W/strace.out" -p "$daemon" 2>/dev/null &
st=$!
sleep 0.5
one nofork "$M" 200 > /dev/null
sleep 0.3
kill -INT "$st"
wait "$st" 2>/dev/null || true
awk '$1 ~ /^[0-9.]+$/ && NF >= 5 { c = $4; if ($NF == "total") printf "  %-16s %6.1f\n", "total", c / 200;
	else if (c / 200 >= 0.5) printf "  %-16s %6.1f\n", $NF, c / 200 }' "$W/strace.out"

if perf record -q -o "$W/perf.data" -g -p "$daemon" -- sleep 0.1 >/dev/null 2>&1; then
	echo
	echo "daemon CPU while $N loops run, by shared object and top symbols (perf):"
	perf record -q -o "$W/perf.data" -F 999 -g -p "$daemon" -- sleep "$T" >/dev/null 2>&1 &
	pr=$!
	ls=()
	for i in $(seq "$N"); do
		one nofork "$M" "-$T" > /dev/null &
		ls+=($!)
	done
	wait $pr "${ls[@]}"
	perf report -i "$W/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -8
	perf report -i "$W/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep '%' | head -25
fi
