# Shared by the integration tests: mounts a real sockfs in a temporary
# folder, unmounts it on exit, and gives small assertion helpers.
# Tests need /dev/fuse and fusermount3 (CI runs them as root).
set -eu

: "${SOCKFS:?SOCKFS must name the sockfs binary (make check sets it)}"
TESTNAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/sockfs-$TESTNAME.XXXXXX")
MNT="$WORK/mnt"
mkdir -p "$MNT"
SOCKFS_PID=
NTESTS=0

TEST_USERS=()
MNT2=$WORK/hung
HUNG_PID=
cleanup() {
	set +e
	[ -z "$HUNG_PID" ] || hung_fs_end 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	if [ -n "$SOCKFS_PID" ]; then
		# A process stuck on the mount keeps it busy: detach it, and
		# stop the daemon, which ends every request still waiting.
		fusermount3 -u "$MNT" 2>/dev/null ||
			{ fusermount3 -u -z "$MNT"; kill "$SOCKFS_PID"; } 2>/dev/null
		wait "$SOCKFS_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
	for u in "${TEST_USERS[@]}"; do userdel "$u" 2>/dev/null; done
}
trap cleanup EXIT
# make check's timeout sends SIGTERM: clean up and say so.
trap 'echo "FAIL ($TESTNAME): timed out" >&2; exit 124' TERM
# set -e ends a test at any failing command; say which, not just stop.
trap 'echo "FAIL ($TESTNAME): line $LINENO: a command failed (status $?)" >&2' ERR

fail() {
	echo "FAIL ($TESTNAME): $*" >&2
	if [ -f "$WORK/sockfs.log" ]; then
		echo "--- daemon log:" >&2
		tail -20 "$WORK/sockfs.log" >&2
	fi
	exit 1
}

ok() {
	NTESTS=$((NTESTS + 1))
	echo "ok $NTESTS - $*"
}

# Mounts sockfs at $MNT in the foreground (so its exit status is ours),
# run through "${SOCKFS_PREFIX[@]}" when a test sets it (prlimit, say).
SOCKFS_PREFIX=()
start_sockfs() {
	"${SOCKFS_PREFIX[@]}" "$SOCKFS" -f "$@" "$MNT" 2>"$WORK/sockfs.log" &
	SOCKFS_PID=$!
	for _ in $(seq 100); do
		mountpoint -q "$MNT" && [ -d "$MNT/tcp" ] && return 0
		kill -0 "$SOCKFS_PID" 2>/dev/null || fail "sockfs exited at start"
		sleep 0.05
	done
	fail "sockfs did not mount"
}

# Unmounts and checks the daemon exited 0.
stop_sockfs() {
	fusermount3 -u "$MNT" || fail "fusermount3 -u failed"
	wait "$SOCKFS_PID" || fail "sockfs exited with status $?"
	SOCKFS_PID=
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"
}

# expect_err "MESSAGE" CMD...: CMD must fail and say MESSAGE (strerror text).
expect_err() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected: $want"
	fi
	case $out in
	*"$want"*) ;;
	*) fail "'$*' said [$out], expected [$want]" ;;
	esac
}

# Runs a python3 peer in the background; it writes its port (or anything
# it must tell us) to $WORK/NAME.ready once it is listening.
py_peer() {
	local name=$1
	shift
	# The script comes on stdin; a background job would get /dev/null.
	cat >"$WORK/$name.py"
	python3 "$WORK/$name.py" "$WORK/$name.ready" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	PEER_PID=$!
	for _ in $(seq 100); do
		[ -s "$WORK/$name.ready" ] && return 0
		sleep 0.05
	done
	cat "$WORK/$name.err" >&2
	fail "python peer $name did not start"
}

# "${WITH_SIGINT[@]}" CMD & runs CMD with SIGINT at its default action, as
# at a terminal (a background job of a script starts with SIGINT ignored);
# $! is then CMD's own pid.
WITH_SIGINT=(python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])')

ready_of() { cat "$WORK/$1.ready"; }

# test_users NAME...: ordinary users for the test (removed by cleanup), and
# $WORK open to them.
test_users() {
	for u in "$@"; do
		id "$u" >/dev/null 2>&1 || useradd -M -s /bin/bash "$u"
		TEST_USERS+=("$u")
	done
	chmod 755 "$WORK"
}

# hung_fs_start: a second sockfs at $MNT2, stopped (SIGSTOP): a file
# system whose every lookup waits; hung_fs_end lets it go and unmounts it.
hung_fs_start() {
	mkdir -p "$MNT2"
	"$SOCKFS" -f -o allow_other "$MNT2" 2>/dev/null &
	HUNG_PID=$!
	for _ in $(seq 100); do [ -d "$MNT2/tcp" ] && break; sleep 0.05; done
	kill -STOP "$HUNG_PID"
}
hung_fs_end() {
	kill -CONT "$HUNG_PID"
	fusermount3 -u "$MNT2" 2>/dev/null || fusermount3 -u -z "$MNT2"
	wait "$HUNG_PID" || true
	HUNG_PID=
}

# path_servers NAME PATH...: a python server on each unix socket PATH (mode
# 0666) that answers every connection with the path's last name and a
# newline, then closes it; returns once every PATH is bound.
path_servers() {
	local name=$1
	shift
	py_peer "$name" "$@" <<'PY'
import os, socket, sys, threading
def serve(path):
    while True:
        c, _ = s[path].accept()
        c.sendall(os.path.basename(path).encode() + b"\n")
        c.close()
s = {}
for p in sys.argv[2:]:
    s[p] = socket.socket(socket.AF_UNIX)
    s[p].bind(p)
    os.chmod(p, 0o666)
    s[p].listen(8)
    threading.Thread(target=serve, args=(p,), daemon=True).start()
open(sys.argv[1], "w").write("ready")
threading.Event().wait()
PY
}

# as USER CMD...: runs CMD as USER (with that user's groups).
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }

# udp_echo_peer NAME: a python UDP peer on 127.0.0.1 that answers every
# datagram with "echo: " and the datagram; its port is $(ready_of NAME).
udp_echo_peer() {
	py_peer "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    m, a = s.recvfrom(70000)
    s.sendto(b"echo: " + m, a)
PY
}

finish() {
	echo "$TESTNAME: $NTESTS passed, 0 failed"
}
