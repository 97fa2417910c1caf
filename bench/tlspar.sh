#!/bin/bash
# bench/tlspar.sh - TLS handshakes per second with N clients at once
# (issue 33): N shell scripts each looping clone, connect, rmdir through
# sockfs's tls/, beside N `openssl s_time -new` processes, against one
# TLS server that serves in parallel.  Prints handshakes per second side
# by side and the ratio sockfs / s_time for each N.
#
# The server is nginx (Debian's nginx-light): two worker processes, each
# an event loop with no fork per connection, so the server takes as
# little of the machine's two CPUs as a TLS server can and every client
# meets the same one.  (socat OPENSSL-LISTEN,fork forks a process per
# handshake, which would cost more than the handshake; s_server serves
# one client at a time.)  Session tickets and the session cache are off:
# every handshake is a full one, as s_time -new and sockfs make.  The
# certificate is EC P-256 with the SANs localhost and 127.0.0.1.
#
# Rows, for each N (BENCH_N, "1 2 4 8"), each the best of BENCH_ROUNDS
# (3) rounds of BENCH_TIME (3) seconds, rounds interleaved:
#   s_time          N `openssl s_time -connect 127.0.0.1:P -new` at once
#                   (no certificate check); the sum of each one's count
#                   over its own wall-clock time
#   sockfs          N bash loops: s=$(cat tls/clone); printf 'set cafile
#                   CA\nconnect 127.0.0.1:P\n' > tls/$s/ctl; rmdir tls/$s
#                   (the certificate checked, as a script would)
#   sockfs verify 0 the same with `set verify 0` instead: like s_time,
#                   no check and no file to open
#   nullfs loop     the same three shell steps (cat f, a write to f, a
#                   failing rmdir) against bench/nullfs.c, which answers
#                   at once: what the shell and FUSE alone cost, no TLS
#   ceiling         1 / (1/s_time + 1/nullfs loop): s_time's handshake
#                   plus the shell's and FUSE's least cost, which no FUSE
#                   file system driven by such a loop can beat
# and the same three without a fork (the loop above forks cat and rmdir,
# which costs more than the handshake):
#   sockfs          read -r s < tls/clone; printf 'set cafile CA\nconnect
#                   127.0.0.1:P\nclose\n' > tls/$s/ctl (bash builtins only)
#   sockfs verify 0 the same with `set verify 0`
#   nullfs loop     read -r s < f; echo ... > f
#   ceiling         as above, from this nullfs loop
# BENCH_HOWS picks loops (s_time sockfs verify0 nullfs nofork nofork0
# nullnofork, all by default); a row not run shows 0.
# Run as root on Debian from a built tree (SOCKFS names the daemon); it
# installs nginx-light.  Only loopback is used.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
NS=${BENCH_N:-1 2 4 8}
ROUNDS=${BENCH_ROUNDS:-3}
T=${BENCH_TIME:-3}
SOCKFS=${SOCKFS:-$top/build/sockfs}
[ -x "$SOCKFS" ] || { echo "tlspar: build first" >&2; exit 2; }
if ! command -v nginx >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl >/dev/null
fi
ulimit -n "$(ulimit -Hn)"

W=$(mktemp -d /tmp/sockfs-tlspar.XXXXXX)
M=$W/mnt
NM=$W/null
mkdir -p "$M" "$NM" "$W/ng"
pids=()
finish() {
	set +e
	[ -s "$W/ng/pid" ] && kill "$(cat "$W/ng/pid")"
	kill "${pids[@]}" 2>/dev/null
	fusermount3 -u "$M" 2>/dev/null
	fusermount3 -u "$NM" 2>/dev/null
	sleep 0.2
	rm -rf "$W"
}
trap finish EXIT

# shellcheck source=bench/tlsserver.sh disable=SC1091
. "$top/bench/tlsserver.sh"

"$SOCKFS" -f "$M" 2>"$W/sockfs.log" &
pids+=($!)
# shellcheck disable=SC2046
cc -O2 -o "$W/nullfs" "$top/bench/nullfs.c" $(pkg-config --cflags --libs fuse3)
"$W/nullfs" "$NM" &
pids+=($!)
for _ in $(seq 100); do [ -d "$M/tls" ] && mountpoint -q "$NM" && break; sleep 0.05; done
[ -d "$M/tls" ] || { echo "tlspar: sockfs has no tls/" >&2; exit 2; }
openssl s_time -connect "127.0.0.1:$P" -new -time 1 >/dev/null 2>&1 ||
	{ echo "tlspar: nginx does not answer on $P" >&2; exit 2; }

# usec: the wall clock in microseconds, from bash itself (no fork).
usec() { echo "${EPOCHREALTIME/./}"; }

# loop HOW: one client for T seconds; prints its handshakes per second.
# A failed connect stops it (the figure would be wrong), said on stderr.
loop() {
	local n=0 s t0 end
	t0=$(usec)
	end=$((t0 + T * 1000000))
	while ((${EPOCHREALTIME/./} < end)); do
		case $1 in
		s_time)
			n=$(openssl s_time -connect "127.0.0.1:$P" -new -time "$T" 2>/dev/null |
				sed -n 's/^\([0-9]*\) connections in .*/\1/p' | head -1)
			break ;;
		sockfs)
			s=$(cat "$M/tls/clone")
			printf 'set cafile %s\nconnect 127.0.0.1:%s\n' "$CA" "$P" > "$M/tls/$s/ctl" ||
				{ echo "tlspar: connect failed: $(cat "$M/tls/$s/err")" >&2; break; }
			rmdir "$M/tls/$s" ;;
		verify0)
			s=$(cat "$M/tls/clone")
			printf 'set verify 0\nconnect 127.0.0.1:%s\n' "$P" > "$M/tls/$s/ctl" ||
				{ echo "tlspar: connect failed: $(cat "$M/tls/$s/err")" >&2; break; }
			rmdir "$M/tls/$s" ;;
		nofork)
			read -r s < "$M/tls/clone"
			printf 'set cafile %s\nconnect 127.0.0.1:%s\nclose\n' "$CA" "$P" > "$M/tls/$s/ctl" ||
				{ echo "tlspar: connect failed: $(cat "$M/tls/$s/err")" >&2; break; } ;;
		nofork0)
			read -r s < "$M/tls/clone"
			printf 'set verify 0\nconnect 127.0.0.1:%s\nclose\n' "$P" > "$M/tls/$s/ctl" ||
				{ echo "tlspar: connect failed: $(cat "$M/tls/$s/err")" >&2; break; } ;;
		nullnofork)
			read -r s < "$NM/f" || true
			echo "connect 127.0.0.1:$P" > "$NM/f" ;;
		nullfs)
			s=$(cat "$NM/f")
			echo "connect 127.0.0.1:$P" > "$NM/f"
			rmdir "$NM/d" 2>/dev/null || true ;;
		esac
		n=$((n + 1))
	done
	awk -v n="${n:-0}" -v t="$(($(usec) - t0))" 'BEGIN { printf "%f\n", n / (t / 1e6) }'
}

# together HOW N: N loops at once; prints the sum of their rates.
together() {
	local i
	for i in $(seq "$2"); do loop "$1" > "$W/rate.$i" & done
	wait
	cat "$W"/rate.* | awk '{ s += $1 } END { printf "%.0f", s }'
	rm -f "$W"/rate.*
}

HOWS=${BENCH_HOWS:-s_time sockfs verify0 nullfs nofork nofork0 nullnofork}
declare -A best
for r in $(seq "$ROUNDS"); do
	for n in $NS; do
		for how in $HOWS; do
			v=$(together "$how" "$n")
			echo "round $r N=$n $how $v" >&2
			[ "$v" -gt "${best[$how.$n]:-0}" ] && best[$how.$n]=$v
		done
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
echo "sockfs $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?') on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -r), $(date -u +%Y-%m-%d)"
echo "handshakes per second, N clients at once, best of $ROUNDS rounds of $T s, against nginx"
# table TITLE SOCKFS VERIFY0 NULLFS: one loop's rows, per N (the names in best).
table() {
	local n st nl ceil v0 r0
	echo "$1"
	printf '%3s %8s %8s %10s %8s %8s %10s %10s %10s\n' N s_time sockfs "verify 0" nullfs ceiling \
		"sockfs/st" "verify0/st" "ceil/st"
	for n in $NS; do
		st=${best[s_time.$n]:-0} nl=${best[$4.$n]:-0} v0=-
		r0=-
		if [ -n "$3" ]; then
			v0=${best[$3.$n]:-0}
			r0=$(ratio "$v0" "$st")
		fi
		ceil=$(awk -v a="$st" -v b="$nl" 'BEGIN { printf "%.0f", (a > 0 && b > 0 ? 1 / (1 / a + 1 / b) : 0) }')
		printf '%3s %8s %8s %10s %8s %8s %10s %10s %10s\n' "$n" "$st" "${best[$2.$n]:-0}" "$v0" "$nl" \
			"$ceil" "$(ratio "${best[$2.$n]:-0}" "$st")" \
			"$r0" "$(ratio "$ceil" "$st")"
	done
}
table "loop: s=\$(cat tls/clone); printf ... > tls/\$s/ctl; rmdir tls/\$s" sockfs verify0 nullfs
table "loop without a fork: read -r s < tls/clone; printf '...close\\n' > tls/\$s/ctl" nofork nofork0 nullnofork
