#!/bin/bash
# docs/testing.md's shell and Check examples, each run under sockfs run:
# fake peers scripted as sockfs files, each misbehaving on purpose, against
# curl and against docs/examples/testing/httpget.c.  (t-pytest.sh runs the
# pytest one.)
. "$(dirname "$0")/lib.sh"
EX=$TOP_SRCDIR/docs/examples/testing

"$SOCKFS" run -- bash "$EX/test-peers.sh" > "$WORK/shell.out" 2>&1 ||
	fail "test-peers.sh under sockfs run: $(cat "$WORK/shell.out")"
grep -qx "test-peers: 12 passed" "$WORK/shell.out" || fail "test-peers.sh said: $(cat "$WORK/shell.out")"
sed 's/^/    /' "$WORK/shell.out"
ok "the shell example: curl against every fake peer in peers.sh, 12 steps, under sockfs run"

CK_VERBOSITY=normal "$SOCKFS" run -- "$TOP_BUILDDIR/docs/examples/testing/check_httpget" \
	> "$WORK/check.out" 2>&1 || fail "check_httpget under sockfs run: $(cat "$WORK/check.out")"
grep -q "100%: Checks: 10, Failures: 0, Errors: 0" "$WORK/check.out" ||
	fail "check_httpget said: $(cat "$WORK/check.out")"
ok "the Check example: httpget.c's suite, 10 tests with fake servers in sockfs files, under sockfs run"
finish
