#!/bin/bash
# bench/uring.sh - what FUSE over io_uring would do to the FUSE floor: the
# per-message loops of bench/run.sh (sections 2 and 3) against nullfs
# (bench/nullfs.c) built on libfuse 3.18 with io_uring, with the rings on
# and off, in interleaved rounds, best of each.  A measurement only:
# sockfs itself is not built or run.
#
# Debian's libfuse is built without io_uring (its build leaves out
# liburing-dev and libnuma-dev, and meson then drops fuse_uring.c).  So
# this runs inside a Debian forky root (tests/release/run.sh makes and
# caches it; only the overlay on it is written), where it fetches
# Debian's source package of fuse3 (apt-get source), builds the library
# with meson -Denable-io-uring=true into /opt/fuse, and links nullfs
# against it.  Three nullfs daemons are mounted side by side:
#   stock:  nullfs on Debian's own libfuse3 (no io_uring in it)
#   read:   nullfs on the built libfuse, FUSE_URING_ENABLE=0 (read(2) and
#           writev(2) on /dev/fuse, as every libfuse before 3.18)
#   uring:  the same binary with FUSE_URING_ENABLE=1 (libfuse's switch,
#           the same as -o io_uring): requests come as io_uring
#           completions to libfuse's ring threads, one per CPU
# and the uring one is checked to have its "fuse-ring-N" threads (libfuse
# falls back to /dev/fuse silently when the kernel says no).
# The loops, each BENCH_MSGS (10,000) messages, in URING_ROUNDS (7)
# rounds, every loop on every daemon in every placement each round, in
# turn (URING_PLACES: free, same, split and swap; see place below):
#   open:  for ...; do echo m > f; done               (open, write, release)
#   kept:  exec 3>f; for ...; do echo m >&3; done          (one write each)
#   uopen, ukept: the same on uPORT, which sends each write as a datagram
#           to a counting peer (the sending ceilings of bench/run.sh)
#   rtt:   python's write and two reads on f, as tools.py rtt-null (µs)
#   bulk:  head -c URING_BYTES (256 MiB) into f, MB/s
# Prints, per placement, each figure (best of the rounds), the uring/read
# ratios, the spread of the rounds (worst/best) as a measure of the
# machine's noise, and the medians.
#
#   bench/uring.sh [OUT]          as root on the host (default OUT /tmp/uring-out)
#
# The host's kernel must have FUSE over io_uring (6.14 or later, built with
# CONFIG_FUSE_IO_URING); /sys/module/fuse/parameters/enable_uring is set
# to Y for the run and put back afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

if [ "${1:-}" != --inside ]; then
	out=${1:-/tmp/uring-out}
	param=/sys/module/fuse/parameters/enable_uring
	[ "$(id -u)" = 0 ] || { echo "uring: needs root" >&2; exit 2; }
	[ -e "$param" ] || { echo "uring: this kernel has no FUSE over io_uring ($param)" >&2; exit 77; }
	old=$(cat "$param")
	trap 'echo "$old" > "$param"' EXIT
	echo Y > "$param"
	mkdir -p "$out"
	bash "$top/tests/release/run.sh" forky light "$out" \
		/usr/bin/env URING_ROUNDS="${URING_ROUNDS:-7}" BENCH_MSGS="${BENCH_MSGS:-10000}" \
		URING_PLACES="${URING_PLACES:-free same split swap}" \
		URING_BYTES="${URING_BYTES:-268435456}" bash /src/bench/uring.sh --inside
	exit
fi

# --- inside the forky root -------------------------------------------------
ROUNDS=${URING_ROUNDS:-7}
N=${BENCH_MSGS:-10000}
BYTES=${URING_BYTES:-268435456}
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -q -o Acquire::Check-Valid-Until=false)
# build_libfuse: Debian's fuse3 source, built with io_uring into /opt/fuse.
build_libfuse() {
	sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/src.list
	"${apt[@]}" update > /tmp/apt.log 2>&1
	"${apt[@]}" install -y --no-install-recommends meson ninja-build liburing-dev libnuma-dev \
		dpkg-dev pkgconf gcc python3 >> /tmp/apt.log 2>&1 || { tail /tmp/apt.log; exit 1; }
	mkdir -p /tmp/fuse-src
	(cd /tmp/fuse-src && "${apt[@]}" source --download-only fuse3 >> /tmp/apt.log 2>&1 &&
		dpkg-source -x --no-check ./*.dsc src > /dev/null) || { tail /tmp/apt.log; exit 1; }
	cd /tmp/fuse-src/src
	meson setup build --prefix=/opt/fuse -Denable-io-uring=true -Dexamples=false -Dtests=false \
		-Dutils=false -Duseroot=false > /tmp/meson.log 2>&1 || { tail -30 /tmp/meson.log; exit 1; }
	grep -q 'SQE128 support.*YES' /tmp/meson.log ||
		{ grep -i uring /tmp/meson.log; echo "uring: meson left io_uring out" >&2; exit 1; }
	ninja -C build install > /tmp/ninja.log 2>&1 || { tail -30 /tmp/ninja.log; exit 1; }
	cd /
}
build_libfuse
libdir=$(PKG_CONFIG_PATH=$(echo /opt/fuse/lib/*/pkgconfig) pkg-config --variable=libdir fuse3)
work=$(mktemp -d /tmp/uring.XXXXXX)
# shellcheck disable=SC2046
cc -O2 -o "$work/nullfs-stock" /src/bench/nullfs.c $(pkg-config --cflags --libs fuse3)
# shellcheck disable=SC2046
cc -O2 -o "$work/nullfs-318" /src/bench/nullfs.c \
	$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs fuse3) -Wl,-rpath,"$libdir"
echo "versions: Debian $(cat /etc/debian_version), kernel $(uname -r), $(nproc) CPUs," \
	"libfuse built $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --modversion fuse3)" \
	"($(cd /tmp/fuse-src && ls ./*.dsc | sed 's|^\./||')), stock $(pkg-config --modversion fuse3)," \
	"liburing $(pkg-config --modversion liburing)"

pids=()
mnts=()
declare -A DPID
finish() {
	set +e
	for m in "${mnts[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; done
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
}
trap finish EXIT
# mount_null NAME BINARY URING: a nullfs at $work/NAME.
mount_null() {
	mkdir -p "$work/$1"
	FUSE_URING_ENABLE=$3 "$work/$2" "$work/$1" 2> "$work/$1.log" &
	pids+=("$!")
	mnts+=("$work/$1")
	for _ in $(seq 100); do mountpoint -q "$work/$1" && break; sleep 0.05; done
	mountpoint -q "$work/$1" || { cat "$work/$1.log"; echo "uring: $1 did not mount" >&2; exit 1; }
	stat "$work/$1/f" > /dev/null	# INIT is answered (and the rings started) by now
	DPID[$1]=$!
}
mount_null stock nullfs-stock 0
mount_null read nullfs-318 0
mount_null uring nullfs-318 1
rings() { cat /proc/"$1"/task/*/comm | grep -c '^fuse-ring-' || true; }
[ "$(rings "${DPID[uring]}")" -gt 0 ] || { cat "$work/uring.log"; echo "uring: no ring threads: io_uring is off" >&2; exit 1; }
[ "$(rings "${DPID[read]}")" = 0 ] || { echo "uring: ring threads with FUSE_URING_ENABLE=0" >&2; exit 1; }
echo "uring: nullfs with io_uring has $(rings "${DPID[uring]}") ring threads and $(ls /proc/"${DPID[uring]}"/task | wc -l) threads in all"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# peer: a UDP peer that counts N datagrams; sets $port, $peer.
peer() {
	rm -f "$work/port"
	python3 /src/bench/tools.py udp-count "$work/port" "$N" > "$work/count" &
	peer=$!
	for _ in $(seq 250); do [ -s "$work/port" ] && break; sleep 0.02; done
	port=$(cat "$work/port")
}
each='for ((i = 0; i < N; i++)); do'
declare -A LOOP=(
	[open]="$each"' echo m > $D/f; done'
	[kept]='exec 3>$D/f; '"$each"' echo m >&3; done'
	[uopen]="$each"' echo m > $D/u$P; done'
	[ukept]='exec 3>$D/u$P; '"$each"' echo m >&3; done'
)
# place PLACE FS: pins FS's daemon for PLACE and sets ON, the caller's
# prefix.  free: nothing pinned.  same: the caller on CPU 0, and the
# /dev/fuse daemons (all their threads) on CPU 0 too.  split: the caller
# on CPU 0, those daemons on CPU 1; swap: the other way round.  The uring daemon is never re-pinned:
# libfuse pins each ring thread to its own CPU, and the kernel hands a
# request to the ring of the CPU its caller runs on, so with io_uring a
# request is always served on its caller's CPU.
place() {
	local cpus=0-$(($(nproc) - 1))
	ON=
	case $1 in
	same) ON="taskset -c 0" cpus=0 ;;
	split) ON="taskset -c 0" cpus=1 ;;
	swap) ON="taskset -c 1" cpus=0 ;;
	esac
	[ "$2" = uring ] || taskset -a -p -c "$cpus" "${DPID[$2]}" > /dev/null
}
# take NAME FS: one run of loop NAME on nullfs FS; its figure on stdout
# (messages/s, µs per round trip, or MB/s).
take() {
	local t0 t1 port='' peer=''
	case $1 in
	rtt) $ON python3 /src/bench/tools.py rtt-null "$work/$2/f" "$N"; return ;;
	bulk)
		t0=$(now); $ON head -c "$BYTES" /dev/zero > "$work/$2/f"; t1=$(now)
		calc %.0f "$BYTES / ($t1 - $t0) / 1e6"; return ;;
	u*) peer ;;
	esac
	t0=$(now)
	D=$work/$2 P=$port N=$N $ON bash -c "${LOOP[$1]}"
	t1=$(now)
	if [ -n "$peer" ]; then
		wait "$peer" || true
		[ "$(cat "$work/count")" = "$N" ] || echo "uring: $1 on $2: $(cat "$work/count") of $N arrived" >&2
	fi
	calc %.0f "$N / ($t1 - $t0)"
}
loops=(open kept uopen ukept rtt bulk)
fss=(stock read uring)
read -ra places <<< "${URING_PLACES:-free same split swap}"
declare -A ALL
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
	for p in "${places[@]}"; do
		for l in "${loops[@]}"; do
			for f in "${fss[@]}"; do
				place "$p" "$f"
				ALL[$p.$l.$f]+="$(take "$l" "$f") "
			done
		done
	done
	echo "round $r done"
done
# best KEY: the best of the rounds (the least for rtt); worst KEY; median
# KEY: the middle one.  KEY is PLACE.LOOP.FS.
sorted() { tr ' ' '\n' <<< "${ALL[$1]}" | grep . | sort -n; }
pick() { case $1 in *.rtt.*) [ "$2" = best ] && head -1 || tail -1 ;; *) [ "$2" = best ] && tail -1 || head -1 ;; esac; }
best() { sorted "$1" | pick "$1" best; }
worst() { sorted "$1" | pick "$1" worst; }
median() { sorted "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# faster A B: A's speed over B's (for rtt, B's time over A's).
faster() { case $1 in rtt) calc %.2f "$3 / $2" ;; *) calc %.2f "$2 / $3" ;; esac; }
for p in "${places[@]}"; do
	echo "placement $p, best of $ROUNDS rounds:"
	printf '  %-6s %9s %9s %9s %10s %10s  %s\n' loop stock read uring uring/read read/stock "spread (worst/best: stock read uring)"
	for l in "${loops[@]}"; do
		s=$(best "$p.$l.stock") rd=$(best "$p.$l.read") u=$(best "$p.$l.uring")
		spread=""
		for f in "${fss[@]}"; do spread+=" $(faster "$l" "$(worst "$p.$l.$f")" "$(best "$p.$l.$f")")"; done
		printf '  %-6s %9s %9s %9s %9sx %9sx %s\n' "$l" "$s" "$rd" "$u" "$(faster "$l" "$u" "$rd")" \
			"$(faster "$l" "$rd" "$s")" "$spread"
	done
	echo "placement $p, medians:"
	for l in "${loops[@]}"; do
		s=$(median "$p.$l.stock") rd=$(median "$p.$l.read") u=$(median "$p.$l.uring")
		printf '  %-6s %9s %9s %9s %9sx\n' "$l" "$s" "$rd" "$u" "$(faster "$l" "$u" "$rd")"
	done
done
echo "load average before and after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(open, kept, uopen, ukept: messages/s; rtt: µs per write and two reads, ratios as speed; bulk: MB/s)"
echo "all rounds:"
for p in "${places[@]}"; do
	for l in "${loops[@]}"; do for f in "${fss[@]}"; do echo "  $p $l $f: ${ALL[$p.$l.$f]}"; done; done
done
