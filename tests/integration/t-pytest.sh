#!/bin/bash
# docs/testing.md's pytest example: a fixture that yields the sockfs mount
# and fake-peer helpers, and tests of a small Python client, run under
# sockfs run.  Without pytest it is skipped (status 77, SKIP in make check),
# except in CI, where scripts/deps.sh installs python3-pytest.
. "$(dirname "$0")/lib.sh"
EX=$TOP_SRCDIR/docs/examples/testing/pytest

py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import pytest' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
	[ -n "${CI:-}" ] && fail "pytest is missing (scripts/deps.sh test installs python3-pytest)"
	echo "SKIP: pytest is missing: the pytest example did not run (apt-get install python3-pytest)"
	exit 77
fi
PYTHONDONTWRITEBYTECODE=1 "$SOCKFS" run -- "$py" -m pytest -v -p no:cacheprovider "$EX" \
	> "$WORK/pytest.out" 2>&1 || fail "pytest under sockfs run: $(cat "$WORK/pytest.out")"
grep -q "7 passed" "$WORK/pytest.out" || fail "pytest said: $(cat "$WORK/pytest.out")"
grep PASSED "$WORK/pytest.out" | sed 's/^/    /'
ok "the pytest example: 7 tests of smallclient.py against fake peers from the peers fixture, under sockfs run"
finish
