#!/bin/bash
# The same contract seen from C: exact errno values from open/read/write.
. "$(dirname "$0")/lib.sh"
: "${FILEIO:?FILEIO must name the fileio helper}"
start_sockfs

u="$MNT/udp/$(cat "$MNT/udp/clone")"
expect_eq "$("$FILEIO" read "$u/peer" 100)" ENOTCONN "peer before connect"
expect_eq "$("$FILEIO" write "$u/ctl" "nonsense")" EINVAL "bad command"
expect_eq "$("$FILEIO" write "$u/data" "x")" EDESTADDRREQ "write with no destination"
expect_eq "$("$FILEIO" write "$u/ctl" "bind 127.0.0.1:0")" "ok 16" "bind"
expect_eq "$("$FILEIO" read "$u/data" 100 nb)" EAGAIN "nonblocking read"
expect_eq "$("$FILEIO" write "$u/status" "x")" EACCES "write to status"
ok "open/read/write return the kernel's errno values"

closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_eq "$("$FILEIO" write "$t/ctl" "connect 127.0.0.1:$closed")" ECONNREFUSED "refused connect"
ok "a refused connect is ECONNREFUSED from write(2)"

result=$("$FILEIO" interrupt "$u/data" 300)
case $result in
"killed after "*) ms=${result#killed after }; ms=${ms% ms};;
*) fail "interrupt: $result";;
esac
[ "$ms" -lt 1000 ] || fail "SIGINT took $ms ms"
ok "SIGINT ends a blocked read(2) ($result)"

expect_eq "$("$FILEIO" poll "$u/data" 200)" timeout "poll with nothing to read"
port=$(sed 's/.*://' "$u/local")
python3 -c "import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hi', ('127.0.0.1', int(sys.argv[1])))" "$port"
expect_eq "$("$FILEIO" poll "$u/data" 2000)" ready "poll with a datagram waiting"
expect_eq "$("$FILEIO" read "$u/data" 100)" hi "read after poll"
ok "poll(2) reports readiness"
finish
