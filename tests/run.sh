#!/bin/bash
# The whole test suite: installs what the build and the tests need (as root,
# on Debian), then runs nine stages and prints one summary:
#   check       make check on a -Werror build (build/)
#   sanitizers  make check again, built with ASan + UBSan (build-san/)
#   valgrind    the integration tests that exercise the most code, with the
#               daemon under valgrind memcheck (errors or definite leaks fail)
#   notls       a build configured --without-tls (build-notls/): the unit
#               tests, t-without-tls (what such a build must show) and
#               integration tests that use no TLS
#   fuzz        each libFuzzer harness for $FUZZ_SECONDS (30) seconds
#   package     make distcheck (the tarball builds, installs, uninstalls and
#               passes the unit tests and two integration tests), then the
#               Debian package built from that tarball, installed, used and
#               purged (tests/package.sh)
#   ktls        the TLS integration tests inside a virtual machine that
#               boots Debian's own kernel, which has kernel TLS
#               (tests/vm/run.sh; qemu, software emulation unless
#               SOCKFS_VM_KVM=1); then the same kernel's 9p client
#               mounting the host's export over a virtio-serial port,
#               with no network device (tests/vm/export-run.sh)
#   trixie      in a Debian 13 root (mmdebstrap, cached in
#               /var/cache/sockfs-release): the -Werror build, make check
#               (unit and integration tests), and the Debian package built
#               there, checked with lintian, installed, used and purged
#               (tests/release/run.sh)
#   forky       in a Debian 14 (testing) root: the -Werror build and the
#               unit tests; when no forky root can be had, it says so and
#               does not fail the run
# STAGES="check sanitizers" (say) runs only some of them.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
stages=${STAGES:-check sanitizers valgrind notls fuzz package ktls trixie forky}

bash scripts/deps.sh test
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

# build DIR [configure flags...]
build() {
	local dir=$1
	shift
	mkdir -p "$top/$dir"
	(cd "$top/$dir" && "$top/configure" --enable-werror "$@" >/dev/null && make -j"$(nproc)" >/dev/null)
}

# count DIR: "passed failed" from a make check's logs: the Check cases and
# the integration test steps.
count() {
	local dir=$1 passed=0 failed=0 line checks bad
	if [ -f "$dir/tests/unit/unit.log" ]; then
		line=$(grep -E '^[0-9]+%: Checks: ' "$dir/tests/unit/unit.log" | tail -1)
		checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		bad=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/')
		passed=$((passed + checks - (bad))); failed=$((failed + bad))
	fi
	for log in "$dir"/tests/integration/t-*.log; do
		[ -f "$log" ] || continue
		passed=$((passed + $(grep -c '^ok ' "$log" || true)))
		# make check's own verdict (a skipped test may have said FAIL on
		# its way out); the log's FAIL line where there is none.
		if [ -f "${log%.log}.trs" ]; then
			grep -q -E '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" && failed=$((failed + 1))
		else
			grep -q '^FAIL' "$log" && failed=$((failed + 1))
		fi
	done
	echo "$passed $failed"
}

# show_failures DIR: the logs of what failed.
show_failures() {
	for log in "$1"/tests/unit/unit.log "$1"/tests/integration/t-*.log; do
		grep -q -E '^FAIL|Failures: [1-9]|Errors: [1-9]' "$log" 2>/dev/null && { echo "=== $log"; cat "$log"; }
	done
	return 0
}

status=0 summary=()
# stage NAME DIR [make check args...]: make check in DIR, counted.
stage() {
	local name=$1 dir=$2 st=0 p f
	shift 2
	echo "=== $name"
	# Each stage counts only its own logs.
	rm -f "$top/$dir"/tests/integration/t-*.log "$top/$dir"/tests/unit/unit.log
	(cd "$top/$dir" && make check "$@") || st=$?
	read -r p f < <(count "$top/$dir")
	if [ "$st" -ne 0 ]; then
		show_failures "$top/$dir"
		[ "$f" -gt 0 ] || f=1
		status=1
	fi
	summary+=("$name: $p passed, $f failed")
	total_p=$((total_p + p)); total_f=$((total_f + f))
}
total_p=0 total_f=0

for s in $stages; do
	case $s in
	check)
		build build ${CONFIGURE_FLAGS:-}
		stage check build
		;;
	sanitizers)
		build build-san --enable-sanitizers
		stage sanitizers build-san
		;;
	valgrind)
		[ -x build/sockfs ] || build build
		logs=$(mktemp -d /tmp/sockfs-valgrind.XXXXXX)
		# Tests that move gigabytes or time themselves are left out.
		stage valgrind build \
			TESTS="tests/integration/t-basics.sh tests/integration/t-udp.sh tests/integration/t-unix.sh
			       tests/integration/t-ctl-errors.sh tests/integration/t-listen.sh
			       tests/integration/t-ends.sh tests/integration/t-dgram.sh
			       tests/integration/t-cmsg.sh tests/integration/t-examples.sh
			       tests/integration/t-icmp.sh tests/integration/t-cache.sh
			       tests/integration/t-tls.sh tests/integration/t-mptcp.sh
			       tests/integration/t-authority.sh" \
			SOCKFS_UNDER_TEST="$top/tests/valgrind-sockfs.sh" VALGRIND_LOGS="$logs" \
			SLOW_HANDSHAKE=3
		if grep -l "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]" "$logs"/*.log 2>/dev/null; then
			status=1
			summary+=("valgrind reports: see $logs")
		fi
		;;
	notls)
		build build-notls --without-tls
		stage notls build-notls \
			TESTS="tests/unit/unit tests/integration/t-without-tls.sh
			       tests/integration/t-ctl-errors.sh tests/integration/t-listen.sh
			       tests/integration/t-mptcp.sh tests/integration/t-examples.sh"
		;;
	fuzz)
		[ -f build/config.h ] || build build
		echo "=== fuzz"
		if bash tests/fuzz/run.sh "${FUZZ_SECONDS:-30}"; then
			summary+=("fuzz: 3 harnesses, ${FUZZ_SECONDS:-30} s each, no crash")
		else
			summary+=("fuzz: a harness crashed")
			total_f=$((total_f + 1))
			status=1
		fi
		;;
	package)
		[ -x build/sockfs ] || build build
		echo "=== package"
		rm -f "$top"/build/sockfs-*.tar.gz
		if (cd "$top/build" && make distcheck \
			TESTS="tests/unit/unit tests/integration/t-basics.sh tests/integration/t-examples.sh") \
			> "$top/build/distcheck.log" 2>&1; then
			summary+=("distcheck: passed")
			total_p=$((total_p + 1))
		else
			tail -40 "$top/build/distcheck.log"
			summary+=("distcheck: failed (build/distcheck.log)")
			total_f=$((total_f + 1))
			status=1
		fi
		st=0
		bash tests/package.sh "$top"/build/sockfs-*.tar.gz > "$top/build/package.log" 2>&1 || st=$?
		cat "$top/build/package.log"
		p=$(grep -c '^ok ' "$top/build/package.log" || true)
		f=$([ "$st" -eq 0 ] && echo 0 || echo 1)
		[ "$st" -eq 0 ] || status=1
		summary+=("package: $p passed, $f failed")
		total_p=$((total_p + p)); total_f=$((total_f + f))
		;;
	ktls)
		# Debian's own kernel, which has kernel TLS, booted under qemu
		# with this machine's root: the TLS tests, each required to
		# find kernel TLS (tests/vm/run.sh says how).
		[ -x build/sockfs ] || build build
		# The guest runs the unit runner and fileio too, which only
		# make check builds.
		(cd "$top/build" && make -j"$(nproc)" tests/unit/unit tests/integration/fileio >/dev/null)
		echo "=== ktls"
		bash scripts/deps.sh vm
		st=0
		bash tests/vm/run.sh tests/vm/tls-tests.sh "$top/build" > "$top/build/ktls.log" 2>&1 || st=$?
		cat "$top/build/ktls.log"
		p=$(grep -c '^ok ' "$top/build/ktls.log" || true)
		f=$(grep -c '^FAIL (t-[a-z-]*): exit' "$top/build/ktls.log" || true)
		[ "$st" -eq 0 ] || { status=1; [ "$f" -gt 0 ] || f=1; }
		st=0
		bash tests/vm/export-run.sh "$top/build" > "$top/build/vm-export.log" 2>&1 || st=$?
		cat "$top/build/vm-export.log"
		p=$((p + $(grep -c '^ok ' "$top/build/vm-export.log" || true)))
		[ "$st" -eq 0 ] || { status=1; f=$((f + 1)); }
		summary+=("ktls (in a VM, $(sed -n 's/^kernel: \([^;]*\);.*/\1/p' "$top/build/ktls.log")): $p passed, $f failed")
		total_p=$((total_p + p)); total_f=$((total_f + f))
		;;
	trixie | forky)
		# Another Debian release's root, with this machine's kernel
		# (tests/release/run.sh says how).  Its logs are copied out to
		# build/release-RELEASE/.
		echo "=== $s"
		bash scripts/deps.sh release
		level=full
		[ "$s" = forky ] && level=light
		rel=$top/build/release-$s
		rm -rf "$rel"
		mkdir -p "$rel"
		t0=$SECONDS st=0
		bash tests/release/run.sh "$s" "$level" "$rel" > "$rel.log" 2>&1 || st=$?
		cat "$rel.log"
		took="$(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s"
		vers=$(sed -n 's/^versions: \(Debian [^,]*\), \(GCC [^,]*\), \(libfuse [^,]*\), \(OpenSSL [^,]*\),.*/\1, \2, \3, \4/p' "$rel.log")
		if [ "$st" -eq 77 ] && [ "$s" = forky ]; then
			summary+=("$s: not run: mmdebstrap could not make a Debian $s root today" \
				"  ($(grep -m1 '^E: ' "$rel/mmdebstrap.log" | cut -c1-150); build/release-$s/mmdebstrap.log); not a failure")
			continue
		fi
		read -r p f < <(count "$rel")
		pk=$(grep -c '^ok [0-9]* - ' "$rel/package.log" 2>/dev/null) || true
		p=$((p + ${pk:-0}))
		if [ "$st" -ne 0 ]; then
			show_failures "$rel"
			[ "$f" -gt 0 ] || f=1
			status=1
		fi
		skipped=$(grep -l ':test-result: SKIP' "$rel"/tests/integration/t-*.trs 2>/dev/null |
			sed 's|.*/||; s|\.trs$||' | paste -sd ' ')
		summary+=("$s (${vers:-versions unknown}; $level, $took): $p passed, $f failed${skipped:+; skipped: $skipped}")
		total_p=$((total_p + p)); total_f=$((total_f + f))
		;;
	*)
		echo "tests/run.sh: unknown stage $s" >&2
		exit 2
		;;
	esac
done

# One closing block for humans and CI.
printf '%s\n' "${summary[@]}"
echo "sockfs tests: $total_p passed, $total_f failed"
exit "$status"
