#!/bin/bash
# What shell habits do to ctl (issue 31): an open ctl is one sequence that
# stops at its first failure, however printf splits its writes; a connect
# after a failed one works the first time; status follows every path
# through connect; a mistyped dotted quad is EINVAL, not a name to look up.
. "$(dirname "$0")/lib.sh"
start_sockfs

state_of() { jq -r .state "$1/status"; }
# wait_state DIR STATE: status.state becomes STATE within 20 s (a SYN
# dropped by a full backlog is sent again after 1, then 3, 7 s).
wait_state() {
	for _ in $(seq 400); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	fail "$1: state $(state_of "$1"), expected $2 (err: $(cat "$1/err"))"
}

# A listener made with sockfs itself, on 127.0.0.1: its folder and port.
srv="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$srv/ctl"
port=$(cut -d: -f2 < "$srv/local")

# --- 1. one open ctl is one sequence ---

# bash's builtin printf makes one write per line: the bind fails, and the
# listen after it must not run on the unbound socket.
s="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Address already in use" bash -c "printf 'bind 127.0.0.1:$port\nlisten\n' > '$s/ctl'"
expect_eq "$(state_of "$s")" open "state after a failed bind then listen"
expect_eq "$(cat "$s/err")" "bind 127.0.0.1:$port: Address already in use" "err"
ok "builtin printf: a failed bind stops the listen on the line after it"

s="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Address already in use" bash -c "{ echo 'bind 127.0.0.1:$port'; echo listen; } > '$s/ctl'"
expect_eq "$(state_of "$s")" open "state after echo bind; echo listen into one open"
expect_eq "$(cat "$s/err")" "bind 127.0.0.1:$port: Address already in use" "err keeps the first failure"
ok "two echos into one open ctl stop at the first failure; err keeps that failure"

# The same open file: after a failure nothing runs, each write fails with
# the first failure's errno, err is left alone; a new open starts afresh.
u="$MNT/udp/$(cat "$MNT/udp/clone")"
python3 - "$u/ctl" "$u/err" <<'PY' || fail "writes after a failure on one open ctl"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, b"bind 127.0.0.1:1:2\n")
    raise SystemExit("a bad address was accepted")
except OSError as e:
    assert e.errno == errno.EINVAL, e
first = open(sys.argv[2]).read()
for line in (b"bind 127.0.0.1:0\n", b"set nosuch 1\n", b"connect 127.0.0.1:9\n"):
    try:
        os.write(fd, line)
        raise SystemExit("ran %r after a failure" % line)
    except OSError as e:
        assert e.errno == errno.EINVAL, (line, e)
assert open(sys.argv[2]).read() == first, "err changed"
os.close(fd)
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, b"bind 127.0.0.1:0\n")
PY
expect_eq "$(state_of "$u")" bound "state after the new open's bind"
ok "later writes on the same open ctl fail unrun with the first errno; a new open starts afresh"

# --- 2. a connect after a failed one ---

c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Connection refused" bash -c "echo connect 127.0.0.1:1 > '$c/ctl'"
expect_eq "$(state_of "$c")" open "state after a refused connect"
echo "connect 127.0.0.1:$port" > "$c/ctl" || fail "the connect after a refused one failed"
expect_eq "$(state_of "$c")" connected "state"
expect_eq "$(cat "$c/peer")" "127.0.0.1:$port" "peer"
expect_eq "$(cat "$c/err")" "" "err after the successful connect"
expect_eq "$(jq -r .error "$c/status")" "" "status.error after the successful connect"
ok "a connect after a refused one succeeds the first time and clears the stale error"

# A bound socket keeps its address through the renewal (a port the bind
# named: one it left to the kernel, the kernel gives up when the connect
# fails).  The port is one the kernel just gave and took back.
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0)); print(s.getsockname()[1])')
echo "bind 127.0.0.2:$free" > "$c/ctl"
local_before=$(cat "$c/local")
expect_err "Connection refused" bash -c "echo connect 127.0.0.1:1 > '$c/ctl'"
echo "connect 127.0.0.1:$port" > "$c/ctl" || fail "a bound socket's connect after a refused one failed"
expect_eq "$(cat "$c/local")" "$local_before" "a bound socket's address after the retry"
expect_eq "$(state_of "$c")" connected "state"
ok "a bound socket connects after a refused connect, keeping its address"

# --- 3. status through every path of connect ---

# A python listener with a backlog of 0 and one connection waiting in it:
# the kernel drops the next SYN until the listener accepts (it accepts
# every connection once $WORK/go exists, and closes the listener once
# $WORK/close exists).
full_listener() {
	rm -f "$WORK/go" "$WORK/close"
	py_peer "$1" "$WORK" <<'PY'
import os, socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
filler = socket.create_connection(l.getsockname())
open(sys.argv[1], "w").write(str(l.getsockname()[1]))
work = sys.argv[2]
while not os.path.exists(work + "/go"):
    if os.path.exists(work + "/close"):
        l.close()
        time.sleep(600)
    time.sleep(0.02)
l.settimeout(0.1)
kept = []
while True:
    try:
        kept.append(l.accept()[0])
    except socket.timeout:
        pass
PY
}

# Interrupted, then completed in the background.
full_listener full1
fport=$(ready_of full1)
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
"${WITH_SIGINT[@]}" bash -c "echo connect 127.0.0.1:$fport > '$c/ctl'" &
pid=$!
wait_state "$c" connecting
kill -INT "$pid"
wait "$pid" 2>/dev/null && fail "the interrupted connect succeeded"
expect_eq "$(state_of "$c")" connecting "state after the interrupt"
ok "an interrupted connect reads connecting"

# Retried while it goes on: the same connect with O_NONBLOCK is EALREADY,
# another address is EALREADY; the state stays connecting throughout.
python3 - "$c/ctl" "$fport" <<'PY' || fail "EALREADY"
import errno, os, sys
for addr in (b"127.0.0.1:" + sys.argv[2].encode(), b"127.0.0.2:9"):
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, b"connect " + addr + b"\n")
        raise SystemExit("connect %r did not fail" % addr)
    except OSError as e:
        assert e.errno == errno.EALREADY, (addr, e)
    os.close(fd)
PY
expect_eq "$(state_of "$c")" connecting "state after EALREADY"
ok "the connect again with O_NONBLOCK, or to another address, is EALREADY and stays connecting"

# The same connect again, blocking: it waits for the one under way.
bash -c "echo connect 127.0.0.1:$fport > '$c/ctl'" &
again=$!
touch "$WORK/go"
wait "$again" || fail "the connect run again did not succeed"
expect_eq "$(state_of "$c")" connected "state after the retried connect"
expect_eq "$(cat "$c/peer")" "127.0.0.1:$fport" "peer"
ok "the same connect run again waits for it and ends connected"

# Interrupted, nobody retries: it completes in the background.
full_listener full2
fport=$(ready_of full2)
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
"${WITH_SIGINT[@]}" bash -c "echo connect 127.0.0.1:$fport > '$c/ctl'" &
pid=$!
wait_state "$c" connecting
kill -INT "$pid"
wait "$pid" 2>/dev/null && fail "the interrupted connect succeeded"
touch "$WORK/go"
wait_state "$c" connected
expect_eq "$(cat "$c/peer")" "127.0.0.1:$fport" "peer"
ok "an interrupted connect that completes in the background reads connected"

# Interrupted, then failed in the background (the listener goes, the next
# SYN meets a reset): open, the error in err, and the next connect works.
full_listener full3
fport=$(ready_of full3)
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
"${WITH_SIGINT[@]}" bash -c "echo connect 127.0.0.1:$fport > '$c/ctl'" &
pid=$!
wait_state "$c" connecting
kill -INT "$pid"
wait "$pid" 2>/dev/null && fail "the interrupted connect succeeded"
touch "$WORK/close"
wait_state "$c" open
expect_eq "$(cat "$c/err")" "connect: Connection refused" "err after a failure in the background"
echo "connect 127.0.0.1:$port" > "$c/ctl" || fail "the connect after a failure in the background"
expect_eq "$(state_of "$c")" connected "state"
ok "an interrupted connect that fails in the background reads open; the next connect works"

# O_NONBLOCK: EINPROGRESS, connecting, then connected.
full_listener full4
fport=$(ready_of full4)
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
python3 - "$c/ctl" "$fport" <<'PY' || fail "O_NONBLOCK connect"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
try:
    os.write(fd, b"connect 127.0.0.1:" + sys.argv[2].encode() + b"\n")
    raise SystemExit("no EINPROGRESS")
except OSError as e:
    assert e.errno == errno.EINPROGRESS, e
PY
expect_eq "$(state_of "$c")" connecting "state after EINPROGRESS"
touch "$WORK/go"
wait_state "$c" connected
ok "an O_NONBLOCK connect reads connecting, then connected"

# O_NONBLOCK to a closed port: it fails in the background.
c="$MNT/tcp/$(cat "$MNT/tcp/clone")"
python3 - "$c/ctl" <<'PY' || fail "O_NONBLOCK refused connect"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
try:
    os.write(fd, b"connect 127.0.0.1:1\n")
except OSError as e:
    assert e.errno in (errno.EINPROGRESS, errno.ECONNREFUSED), e
PY
wait_state "$c" open
echo "connect 127.0.0.1:$port" > "$c/ctl" || fail "the connect after a background refusal"
expect_eq "$(state_of "$c")" connected "state"
expect_eq "$(jq -r .error "$c/status")" "" "status.error"
ok "an O_NONBLOCK connect refused in the background reads open; the next connect works"

# --- 4. a mistyped dotted quad ---

for cmd in "connect 300.1.1.1:80" "bind 10.0.0.256:1" "connect 1.2.3.4.5:80"; do
	t="$MNT/udp/$(cat "$MNT/udp/clone")"
	expect_err "Invalid argument" bash -c "echo '$cmd' > '$t/ctl'"
	grep -q "not an IPv4 address" "$t/err" || fail "err for '$cmd': $(cat "$t/err")"
done
t="$MNT/udp/$(cat "$MNT/udp/clone")"
expect_err "Invalid argument" bash -c "echo 'to 300.1.1.1:80' > '$t/ctl'"
ok "a dotted quad out of range is EINVAL with the reason (connect, bind, to)"
finish
