#!/bin/bash
# The tree, socket life cycle, the sockets file, help and version, unmount.
. "$(dirname "$0")/lib.sh"

"$SOCKFS" --help | grep -q "usage: .*MOUNTPOINT" || fail "--help"
"$SOCKFS" --version | grep -q "^sockfs version " || fail "--version"
help=$("$SOCKFS" -h)
for opt in --netns= allow_other auto_unmount user_sockets= user_fds= user_files= \
	user_waits= user_bytes= " -f " " -d "; do
	case $help in *"$opt"*) ;; *) fail "-h does not list $opt" ;; esac
done
case $help in *max_threads*|*clone_fd*|*max_idle_threads*) fail "-h lists libfuse's thread options" ;; esac
ok "--help (every sockfs option, no libfuse thread options) and --version"

start_sockfs
expect_eq "$(ls "$MNT" | tr '\n' ' ')" "icmp mptcp raw sockets tcp tls udp unix unixgram unixpacket usage " "top level"
ok "top level lists the kinds and sockets"

a=$(cat "$MNT/tcp/clone")
b=$(cat "$MNT/tcp/clone")
[ "$a" != "$b" ] || fail "clone gave the same name twice"
[ -d "$MNT/tcp/$a" ] || fail "no folder for $a"
expect_eq "$(ls "$MNT/tcp/$a" | tr '\n' ' ')" "cmsg ctl data err listen local peer status " "tcp folder"
u=$(cat "$MNT/udp/clone")
expect_eq "$(ls "$MNT/udp/$u" | tr '\n' ' ')" "cmsg ctl data err local peer status " "udp folder"
rmdir "$MNT/udp/$u"
expect_eq "$(ls "$MNT/unixgram" | tr '\n' ' ')" "clone pair " "unixgram folder"
ok "clone makes a new socket folder each read; each kind has its files"

mkdir "$MNT/udp/named"
expect_eq "$(cut -d' ' -f1-3 < "$MNT/udp/named/ctl")" "udp named new" "ctl summary"
expect_err "File exists" mkdir "$MNT/udp/named"
expect_err "Invalid argument" mkdir "$MNT/udp/.hidden"
ok "mkdir NAME makes a socket; a taken or bad name is refused"

rmdir "$MNT/udp/named"
[ ! -e "$MNT/udp/named" ] || fail "rmdir left the folder"
echo close > "$MNT/tcp/$b/ctl"
[ ! -e "$MNT/tcp/$b" ] || fail "close left the folder"
ok "rmdir and 'close' remove the socket at once"

echo "bind 127.0.0.1:0" > "$MNT/tcp/$a/ctl"
python3 - "$MNT/sockets" "$a" <<'PY' || fail "sockets JSON"
import json, sys
socks = json.load(open(sys.argv[1]))
mine = [s for s in socks if s["kind"] == "tcp" and s["name"] == sys.argv[2]]
assert len(mine) == 1, socks
s = mine[0]
assert s["state"] == "bound" and s["local"].startswith("127.0.0.1:"), s
for key in ("kind", "family", "state", "local", "peer", "destination", "options", "counters", "error"):
    assert key in s, key
PY
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$MNT/tcp/$a/status" || fail "status JSON"
ok "sockets and status are JSON with the documented fields"

echo x > "$MNT/tcp/$a/ctl" 2>/dev/null && fail "bad command accepted"
expect_eq "$(cat "$MNT/tcp/$a/err")" "x: unknown control request" "err text"
ok "err keeps the last error"

# Opening and closing files never closes the socket.
for _ in 1 2 3; do cat "$MNT/tcp/$a/local" >/dev/null; done
[ -d "$MNT/tcp/$a" ] || fail "socket vanished after opens"
ok "opening and closing files keeps the socket"

stop_sockfs
mountpoint -q "$MNT" && fail "still mounted"
ok "fusermount3 -u ends the daemon with status 0"

start_sockfs
cat "$MNT/udp/clone" >/dev/null
kill -TERM "$SOCKFS_PID"
wait "$SOCKFS_PID" || fail "SIGTERM exit status $?"
SOCKFS_PID=
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"
ok "SIGTERM unmounts and exits 0"
finish
