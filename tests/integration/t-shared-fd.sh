#!/bin/bash
# One open file description used by two processes at once: a reader in the
# background and a writer in the foreground on the same `exec 3<>data`.
# sockfs opens every file as a stream (FOPEN_STREAM), so the kernel's
# file-position lock does not make the writer wait for the reader.
. "$(dirname "$0")/lib.sh"
start_sockfs

u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "bind 127.0.0.1:0" > "$u/ctl"
echo "connect $(cat "$u/local")" > "$u/ctl"	# talks to itself
exec 3<>"$u/data"
cat <&3 > "$WORK/got" &
reader=$!
sleep 0.3
kill -0 "$reader" || fail "reader did not wait"
start=$(date +%s%N)
# Without FOPEN_STREAM the write below would wait (unkillably) for the
# reader; this datagram, 3 s later, frees the reader so the test can fail
# instead of hanging.
port=$(sed 's/.*://' "$u/local")
(sleep 3; python3 -c "import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'unblock', ('127.0.0.1', int(sys.argv[1])))" "$port") &
echo "through the shared fd" >&3
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 500 ] || fail "the write waited $ms ms for the reader"
wait "$reader" || fail "reader failed"
exec 3>&-
expect_eq "$(cat "$WORK/got")" "through the shared fd" "message via shared fd"
ok "a writer on a shared open file does not wait for its reader ($ms ms)"

t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
py_peer echo <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
c, _ = s.accept()
while True:
    d = c.recv(100)
    if not d: break
    c.sendall(d)
PY
echo "connect 127.0.0.1:$(ready_of echo)" > "$t/ctl"
exec 4<>"$t/data"
head -c 5 <&4 > "$WORK/tcpgot" &
reader=$!
sleep 0.3
printf 'hello' >&4
wait "$reader"
echo "shutdown wr" > "$t/ctl"
exec 4>&-
expect_eq "$(cat "$WORK/tcpgot")" "hello" "tcp via shared fd"
ok "the same holds for a TCP stream"
finish
