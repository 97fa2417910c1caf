#!/bin/bash
# bench/ab.sh A B - two sockfs binaries side by side on the per-message
# loops, to measure a change too small for bench/run.sh's noise:
#   open:  echo m > udp/N/data, each time (to a counting UDP peer)
#   kept:  exec 3>data; echo m >&3
#   rtt:   python write, read, read the 0 on a data file connected to a
#          UDP echo peer (tools.py rtt-sockfs), µs
# Both are mounted at once and take turns, loop by loop, AB_ROUNDS (9)
# rounds of BENCH_MSGS (10,000).  AB_PLACE: "same" (default) pins the
# caller, the peers and both daemons to CPU 0, so that neither wins by where the
# scheduler put it (see docs/benchmarks.md, "Where the time goes");
# "free" pins nothing.  Prints best and median of each, and B over A
# (higher is faster for B).
#
#   bench/ab.sh build/sockfs /path/to/other/sockfs     as root
set -eu
cd "$(dirname "$0")/.."
A=$(realpath "${1:?usage: ab.sh SOCKFS_A SOCKFS_B}")
B=$(realpath "${2:?usage: ab.sh SOCKFS_A SOCKFS_B}")
ROUNDS=${AB_ROUNDS:-9}
N=${BENCH_MSGS:-10000}
PLACE=${AB_PLACE:-same}
work=$(mktemp -d /tmp/sockfs-ab.XXXXXX)
pids=()
finish() {
	set +e
	kill "${pids[@]}" 2>/dev/null
	for m in a b; do fusermount3 -u "$work/$m" 2>/dev/null; done
	rm -rf "$work"
}
trap finish EXIT
declare -A PID
for m in a b; do
	mkdir -p "$work/$m"
	bin=$A
	[ $m = b ] && bin=$B
	"$bin" -f "$work/$m" 2> "$work/$m.log" &
	PID[$m]=$!
	pids+=("$!")
done
for _ in $(seq 100); do [ -d "$work/a/udp" ] && [ -d "$work/b/udp" ] && break; sleep 0.05; done
ON=
if [ "$PLACE" = same ]; then
	ON="taskset -c 0"
	for m in a b; do taskset -a -p -c 0 "${PID[$m]}" > /dev/null; done
fi
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# serve_count: a tools.py peer that counts N datagrams; sets $port and $peer.
serve_count() {
	rm -f "$work/port"
	$ON python3 bench/tools.py udp-count "$work/port" "$N" > "$work/peer.out" &
	peer=$!
	for _ in $(seq 250); do [ -s "$work/port" ] && break; sleep 0.02; done
	port=$(cat "$work/port")
}
rm -f "$work/port"
$ON python3 bench/tools.py udp-echo "$work/port" > /dev/null &
pids+=("$!")
for _ in $(seq 250); do [ -s "$work/port" ] && break; sleep 0.02; done
echo_port=$(cat "$work/port")
declare -A DIR
for m in a b; do
	DIR[$m]=$work/$m/udp/$(cat "$work/$m/udp/clone")
	echo "connect 127.0.0.1:$echo_port" > "${DIR[$m]}/ctl"
done
each='for ((i = 0; i < N; i++)); do'
# take LOOP M: one run; prints messages/s (rtt: µs).
take() {
	local t0 t1 d
	if [ "$1" = rtt ]; then
		$ON python3 bench/tools.py rtt-sockfs "${DIR[$2]}" "$N"
		return
	fi
	serve_count
	d=$work/$2/udp/$(cat "$work/$2/udp/clone")
	echo "to 127.0.0.1:$port" > "$d/ctl"
	t0=$(date +%s.%N)
	case $1 in
	open) D=$d N=$N $ON bash -c "$each"' echo m > $D/data; done' ;;
	kept) D=$d N=$N $ON bash -c 'exec 3>$D/data; '"$each"' echo m >&3; done' ;;
	esac
	t1=$(date +%s.%N)
	wait "$peer" || true
	[ "$(cat "$work/peer.out")" = "$N" ] || echo "ab: $1 $2: $(cat "$work/peer.out") of $N arrived" >&2
	rmdir "$d"
	calc %.0f "$N / ($t1 - $t0)"
}
loops=(open kept rtt)
declare -A ALL
for r in $(seq "$ROUNDS"); do
	for l in "${loops[@]}"; do
		# Alternate which goes first, so that neither always follows the other.
		order="a b"
		[ $((r % 2)) = 0 ] && order="b a"
		for m in $order; do ALL[$l.$m]+="$(take "$l" "$m") "; done
	done
done
stat_of() { tr ' ' '\n' <<< "${ALL[$1]}" | grep . | sort -n | awk -v w="$2" -v low="$3" '
	{ v[NR] = $1 } END { print (w == "median") ? v[int((NR + 1) / 2)] : (low ? v[1] : v[NR]) }'; }
echo "ab.sh: A $A, B $B, placement $PLACE, $ROUNDS rounds of $N"
printf '%-6s %10s %10s %8s %10s %10s %8s\n' loop "A best" "B best" "B/A" "A median" "B median" "B/A"
for l in "${loops[@]}"; do
	low=0
	[ "$l" = rtt ] && low=1
	ab=$(stat_of "$l.a" best $low) bb=$(stat_of "$l.b" best $low)
	am=$(stat_of "$l.a" median 0) bm=$(stat_of "$l.b" median 0)
	if [ "$l" = rtt ]; then r1=$(calc %.2f "$ab / $bb") r2=$(calc %.2f "$am / $bm")
	else r1=$(calc %.2f "$bb / $ab") r2=$(calc %.2f "$bm / $am"); fi
	printf '%-6s %10s %10s %7sx %10s %10s %7sx\n' "$l" "$ab" "$bb" "$r1" "$am" "$bm" "$r2"
done
echo "(open, kept: messages/s; rtt: µs per round trip; B/A above 1 means B is faster)"
for l in "${loops[@]}"; do for m in a b; do echo "  $l $m: ${ALL[$l.$m]}"; done; done
