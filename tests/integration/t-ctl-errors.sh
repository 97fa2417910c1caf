#!/bin/bash
# Bad ctl input: EINVAL (or the kernel's errno), a reason in err, nothing
# changed, and the daemon still serving.
. "$(dirname "$0")/lib.sh"
start_sockfs

u="$MNT/udp/$(cat "$MNT/udp/clone")"
check_bad() {
	local errtext=$1 cmd=$2 reason=$3
	expect_err "$errtext" bash -c "printf '%s\n' '$cmd' > '$u/ctl'"
	grep -q -- "$reason" "$u/err" || fail "err for '$cmd': $(cat "$u/err")"
	expect_eq "$(cut -d' ' -f3 < "$u/ctl")" new "state after '$cmd'"
}
check_bad "Invalid argument" "frobnicate" "unknown control request"
check_bad "Invalid argument" "connect" "usage: connect"
check_bad "Invalid argument" "connect 127.0.0.1" "needs a port"
check_bad "Invalid argument" "connect 127.0.0.1:99999" "port must be"
check_bad "Invalid argument" "bind [::1" "missing ]"
check_bad "Invalid argument" "set nosuch 1" "unknown option"
check_bad "Invalid argument" "set rcvbuf -5" "whole number"
check_bad "Invalid argument" "shutdown both" "usage: shutdown"
check_bad "Protocol not available" "set nodelay 1" "does not apply"
check_bad "Operation not supported" "listen" "listen is for stream kinds"
ok "each bad command fails with its errno and reason, and changes nothing"

expect_err "Invalid argument" bash -c "/usr/bin/printf 'bind 127.0.0.1:0\nbogus\n' > '$u/ctl'"
expect_eq "$(cut -d' ' -f3 < "$u/ctl")" new "state after a bad second line"
ok "one bad line rejects the whole write before any line runs"

python3 - "$u/ctl" <<'PY' || fail "binary garbage"
import os, sys, errno
fd = os.open(sys.argv[1], os.O_WRONLY)
for junk in (b"\0\0\0", b"\xff" * 5000, b"connect " + b"9" * 3000, b"set\n" * 100):
    try:
        os.write(fd, junk)
        raise SystemExit("accepted %r" % junk[:20])
    except OSError as e:
        assert e.errno == errno.EINVAL, e
PY
ok "NUL bytes, long lines and too many lines are EINVAL"

expect_err "Transport endpoint is not connected" cat "$u/peer"
expect_err "Transport endpoint is not connected" cat "$MNT/tcp/$(cat "$MNT/tcp/clone")/data"
expect_err "Destination address required" bash -c "echo x > '$u/data'"
ok "data and peer of a socket with no address fail with the kernel's errno"

x="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Permission denied" bash -c "echo x > '$x/status'"
expect_err "Not a directory" rmdir "$MNT/tcp/clone"
expect_err "Operation not permitted" mkdir "$x/sub"
expect_err "No such file or directory" cat "$MNT/tcp/nosuch/ctl"
ok "files and folders refuse what they cannot do"

expect_eq "$(echo "bind 127.0.0.1:0" > "$u/ctl" && cut -d' ' -f3 < "$u/ctl")" bound "still serving"
ok "the daemon still serves after all of it"
finish
