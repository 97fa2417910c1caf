#!/bin/bash
# The whole test suite: installs what the build and the tests need (as root,
# on Debian), builds in build/, runs `make check`, prints a summary.
set -eu
cd "$(dirname "$0")/.."

bash scripts/deps.sh test

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p build
cd build
../configure --enable-werror ${CONFIGURE_FLAGS:-} >/dev/null
make -j"$(nproc)" >/dev/null
status=0
make check || status=$?

# One closing line for humans and CI: the Check cases and the integration
# test steps, counted from the logs.
passed=0 failed=0
if [ -f tests/unit/unit.log ]; then
	line=$(grep -E '^[0-9]+%: Checks: ' tests/unit/unit.log | tail -1)
	echo "unit: $line"
	checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	bad=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/')
	passed=$((passed + checks - (bad))); failed=$((failed + bad))
fi
for log in tests/integration/t-*.log; do
	[ -f "$log" ] || continue
	passed=$((passed + $(grep -c '^ok ' "$log" || true)))
	grep -q '^FAIL' "$log" && failed=$((failed + 1))
done
if [ "$status" -ne 0 ]; then
	for log in tests/unit/unit.log tests/integration/t-*.log; do
		grep -q -E '^FAIL|Failures: [1-9]|Errors: [1-9]' "$log" 2>/dev/null && { echo "=== $log"; cat "$log"; }
	done
	[ "$failed" -gt 0 ] || failed=1
fi
echo "sockfs tests: $passed passed, $failed failed"
exit "$status"
