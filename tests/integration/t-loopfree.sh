#!/bin/bash
# Nothing a user hands the daemon can stop its loop: a descriptor of
# sockfs's own files (or of any FUSE file) that arrives in a message is
# looked at, listed, read and closed without the loop asking the file
# system, which would be itself (FUSE's GETATTR and FLUSH wait for the
# answer).  Each step is bounded: another clone must answer within a second.
. "$(dirname "$0")/lib.sh"
UA=sfs_free_a UB=sfs_free_b
test_users $UA $UB
start_sockfs -o allow_other

# quick: CMD must finish within 5 s, and a clone made meanwhile within 1 s.
quick() {
	local what=$1 t
	shift
	timeout 5 "$@" || fail "$what: did not finish in 5 s (status $?)"
	t=$(python3 -c 'import sys, time; t = time.monotonic(); open(sys.argv[1]).read(); print("%.3f" % (time.monotonic() - t))' "$MNT/udp/clone")
	awk -v t="$t" 'BEGIN { exit !(t < 1) }' || fail "$what: a clone took $t s"
}

read -r p q < "$MNT/unixgram/pair"
s=$MNT/udp/$(cat "$MNT/udp/clone")
# A sockfs file of this very mount, passed as a file in a message.
printf '{"rights": [{"path": "%s/status"}]}' "$s" > "$MNT/unixgram/$p/cmsg"
echo x > "$MNT/unixgram/$p/data"
quick "reading the message" cat "$MNT/unixgram/$q/data"
[ -e "$MNT/unixgram/$q/file0" ] || fail "no file0: $(cat "$MNT/unixgram/$q/err")"
quick "ls -l of the received file" ls -l "$MNT/unixgram/$q/file0"
quick "reading the received file" cat "$MNT/unixgram/$q/file0" > "$WORK/got"
jq -e .state "$WORK/got" >/dev/null || fail "file0 did not read as the socket's status: $(cat "$WORK/got")"
quick "rm of the received file" rm "$MNT/unixgram/$q/file0"
ok "a sockfs file received in a message is listed, read and closed without stalling the loop"

# Sent with plain python and SCM_RIGHTS, from outside, onto a listener's
# accepted socket; the socket is then closed with the file unread.
l=$MNT/unix/$(cat "$MNT/unix/clone")
printf 'bind %s\nlisten\n' "$WORK/l.sock" > "$l/ctl"
python3 - "$WORK/l.sock" "$s/status" <<'PY' &
import os, socket, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDONLY)
socket.send_fds(c, [b"f"], [fd] * 3)
c.recv(1)
PY
sender=$!
a=$(timeout 5 cat "$l/listen") || fail "accept"
quick "reading the message with three files" head -c 1 "$MNT/unix/$a/data"
quick "closing the socket that holds them" rmdir "$MNT/unix/$a"
wait "$sender" || fail "the sender did not see the socket close"
ok "files from an outside sender onto an accepted socket: read and closed with the socket, the loop free"

# A cmsg that holds a sockfs file, replaced before any write: its close too.
printf '{"rights": [{"path": "%s/status"}]}' "$s" > "$MNT/unixgram/$p/cmsg"
quick "replacing a kept cmsg" bash -c "printf '{}' > '$MNT/unixgram/$p/cmsg'"
quick "closing a socket with a kept cmsg" bash -c "printf '{\"rights\": [{\"path\": \"$s/status\"}]}' > '$MNT/unixgram/$p/cmsg' && rmdir '$MNT/unixgram/$p' '$MNT/unixgram/$q'"
ok "rights kept in cmsg that name sockfs files are closed off the loop"

# Across users: B sends, with plain python and SCM_RIGHTS, the descriptor
# of his own sockfs file to A's sockfs unix listener; A's ordinary reads
# go on, and root's usage answers meanwhile.
l=$MNT/unix/$(as $UA cat "$MNT/unix/clone")
mkdir "$WORK/fa" && chown $UA "$WORK/fa"
as $UA bash -c "umask 0; printf 'bind %s\\nlisten\\n' '$WORK/fa/a.sock' > '$l/ctl'"
bs=$MNT/udp/$(as $UB cat "$MNT/udp/clone")
as $UB /usr/bin/python3 - "$WORK/fa/a.sock" "$bs/status" <<'PY' &
import os, socket, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
socket.send_fds(c, [b"b"], [os.open(sys.argv[2], os.O_RDONLY)])
c.recv(1)
PY
sender=$!
a=$(timeout 5 cat "$l/listen") || fail "A's accept"
quick "A reading B's message" setpriv --reuid=$UA --regid=$UA --init-groups head -c 1 "$MNT/unix/$a/data"
quick "root's usage meanwhile" cat "$MNT/usage"
quick "A closing the socket with B's file" setpriv --reuid=$UA --regid=$UA --init-groups rmdir "$MNT/unix/$a"
wait "$sender" || fail "B's sender did not see the close"
ok "across users: B's sockfs file sent to A's listener; A reads and closes, root's usage answers, the loop free"
finish
