#!/bin/bash
# A FIFO received as fileN reads as a pipe does: waiting for data, end of
# file when its last writer leaves (it failed with EOPNOTSUPP: a FIFO
# takes no RWF_NOWAIT).  And a message to a unix path from a unixgram
# socket never bound goes, by header or cmsg "to", as sendto(2) would.
. "$(dirname "$0")/lib.sh"
start_sockfs

mkfifo "$WORK/fifo"
read -r a b < "$MNT/unixgram/pair"
echo "{\"rights\": [{\"path\": \"$WORK/fifo\", \"mode\": \"r\"}]}" > "$MNT/unixgram/$a/cmsg"
echo m > "$MNT/unixgram/$a/data"
expect_eq "$(cat "$MNT/unixgram/$b/data")" m "the message"
f=$(jq -r '.rights[0]' "$MNT/unixgram/$b/cmsg")
expect_eq "$f" file0 "the FIFO's name"
# The writer: a line, then (once the reader has it) another, then it
# leaves.
py_peer writer "$WORK/fifo" "$WORK/go" <<'PY'
import os, sys, time
fd = os.open(sys.argv[2], os.O_WRONLY)
open(sys.argv[1], "w").write("open")
os.write(fd, b"first\n")
while not os.path.exists(sys.argv[3]):
    time.sleep(0.02)
os.write(fd, b"second\n")
os.close(fd)
PY
( timeout 10 cat "$MNT/unixgram/$b/$f" > "$WORK/got"; echo "rc=$?" >> "$WORK/got" ) &
for _ in $(seq 200); do grep -q first "$WORK/got" 2>/dev/null && break; sleep 0.05; done
grep -q first "$WORK/got" || fail "the reader did not get the first line: $(cat "$WORK/got")"
grep -q rc= "$WORK/got" && fail "the read ended before the writer did: $(cat "$WORK/got")"
touch "$WORK/go"
wait "$PEER_PID"
for _ in $(seq 200); do grep -q rc= "$WORK/got" && break; sleep 0.05; done
expect_eq "$(cat "$WORK/got")" "$(printf 'first\nsecond\nrc=0')" "what cat read from file0"
expect_eq "$(cat "$MNT/unixgram/$b/err")" "" "err"
ok "a received FIFO: cat of fileN waits for the writer's lines and ends when it leaves"

py_peer rx "$WORK/rx.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
open(sys.argv[1], "w").write("bound")
for _ in range(2):
    print(s.recv(100).decode(), flush=True)
PY
h="$MNT/unixgram/$(cat "$MNT/unixgram/clone")"
echo 'set headers 1' > "$h/ctl"
/usr/bin/printf '{"to": "%s"}\nby header' "$WORK/rx.sock" > "$h/data"
c="$MNT/unixgram/$(cat "$MNT/unixgram/clone")"
echo "{\"to\": \"$WORK/rx.sock\"}" > "$c/cmsg"
printf 'by cmsg' > "$c/data"
wait "$PEER_PID"
expect_eq "$(cat "$WORK/rx.out")" "$(printf 'by header\nby cmsg')" "what the unix path got"
ok "unixgram sockets never bound send to a unix path by header and by cmsg"

finish
