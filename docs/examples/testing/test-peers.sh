#!/bin/bash
# test-peers.sh - a plain shell test: curl, the client under test, against
# fake servers scripted with peers.sh, one per misbehaviour; and a sockfs
# UDP client against the datagram peers.  Each run gets its own network:
#     sockfs run -- bash test-peers.sh
# (port 8080 is free there, whatever the machine runs).
set -eu
here=$(dirname "$0")
. "$here/peers.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"; jobs -p | xargs -r kill 2>/dev/null || :' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_status WANT PID WHAT: the background job PID must end with WANT.
expect_status() {
	local st=0
	wait "$2" || st=$?
	[ "$st" = "$1" ] || fail "$3: status $st, expected $1: $(cat "$T/err" 2>/dev/null)"
}
RESP=$'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello'

# The request, read exactly, then the answer one byte per segment.
l=$(listener tcp 8080)
curl -sS --max-time 20 http://127.0.0.1:8080/some/path > "$T/out" 2>"$T/err" &
cl=$!
c=$(accept "$l")
read_request "$c" > "$T/req"
send_bytewise "$c" "$RESP"
expect_status 0 $cl "curl, answered byte by byte"
[ "$(cat "$T/out")" = hello ] || fail "body: $(cat "$T/out")"
[ "$(head -1 "$T/req")" = $'GET /some/path HTTP/1.1\r' ] || fail "request line: $(head -1 "$T/req")"
grep -qx $'Host: 127.0.0.1:8080\r' "$T/req" || fail "no Host line: $(cat "$T/req")"
[ "$(tail -1 "$T/req")" = $'\r' ] || fail "the request head did not end with a blank line"
rmdir "$c"
ok "accept, read exactly the request (GET /some/path, Host), answer byte by byte"

curl -sS --max-time 20 http://127.0.0.1:8080/ > "$T/out" 2>"$T/err" &
cl=$!
c=$(accept "$l")
read_request "$c" > /dev/null
send_chunks "$c" 7 "$RESP"
expect_status 0 $cl "curl, answered in 7-byte chunks"
[ "$(cat "$T/out")" = hello ] || fail "body: $(cat "$T/out")"
rmdir "$c"
ok "answer in chunks"

# No Content-Length: the body ends where the server half-closes; the
# server can still read, and sees curl's close as end of file.
curl -sS --max-time 20 http://127.0.0.1:8080/ > "$T/out" 2>"$T/err" &
cl=$!
c=$(accept "$l")
read_request "$c" > /dev/null
printf 'HTTP/1.0 200 OK\r\n\r\nuntil the end' > "$c/data"
half_close "$c"
expect_status 0 $cl "curl, half-closed"
[ "$(cat "$T/out")" = "until the end" ] || fail "body: $(cat "$T/out")"
[ -z "$(timeout 10 cat "$c/data")" ] || fail "curl sent more after the request"
rmdir "$c"
ok "half-close: curl takes the body up to the FIN; the server still reads, and sees curl's end"

curl -sS --max-time 20 http://127.0.0.1:8080/ > "$T/out" 2>"$T/err" &
cl=$!
c=$(accept "$l")
read_request "$c" > /dev/null
reset "$c"
expect_status 56 $cl "curl, reset"
grep -q "Connection reset by peer" "$T/err" || fail "curl said: $(cat "$T/err")"
ok "reset (linger 0, close): curl fails with ECONNRESET (exit 56)"
rmdir "$l"

# Stall: a 32 MiB upload to a server that never reads.
head -c 33554432 /dev/zero > "$T/big"
l=$(stall_listener 8080)
st=0
curl -sS --max-time 2 --data-binary @"$T/big" http://127.0.0.1:8080/ > /dev/null 2>"$T/err" || st=$?
[ "$st" = 28 ] || fail "curl against a stalled server: status $st: $(cat "$T/err")"
c=$(accept "$l")
got=$(timeout 20 cat "$c/data" | wc -c)
[ "$got" -lt 33554432 ] || fail "the stalled server got the whole upload"
rmdir "$c" "$l"
ok "stall (tiny rcvbuf, never read): curl's send blocks until its timeout (28); $got of 33554432 bytes got through"

l=$(full_listener 8080)
st=0
curl -sS --connect-timeout 1 http://127.0.0.1:8080/ > /dev/null 2>"$T/err" || st=$?
[ "$st" = 28 ] || fail "curl against a full backlog: status $st: $(cat "$T/err")"
rmdir "$l"
ok "never accept (listen 0, backlog filled): curl's connect waits until its timeout (28)"

s=$(refusing_tcp)
st=0
curl -sS --max-time 20 "http://127.0.0.1:$(port_of "$s")/" > /dev/null 2>"$T/err" || st=$?
[ "$st" = 7 ] || fail "curl against a refusing port: status $st: $(cat "$T/err")"
# curl says only "Couldn't connect"; a sockfs client shows the errno.
c=$M/tcp/$(cat "$M/tcp/clone")
out=$({ echo "connect 127.0.0.1:$(port_of "$s")" > "$c/ctl"; } 2>&1) && fail "connect succeeded"
case $out in *"Connection refused"*) ;; *) fail "connect said: $out" ;; esac
rmdir "$s" "$c"
ok "refuse (bound, not listening): curl's connect gets an RST, ECONNREFUSED (7)"

# Datagrams: the client under test is a sockfs UDP socket here.
port=$(closed_udp_port)
u=$M/udp/$(cat "$M/udp/clone")
echo "connect 127.0.0.1:$port" > "$u/ctl"
echo ping > "$u/data"
out=$(cat "$u/data" 2>&1) && fail "a read after the ICMP error succeeded: $out"
case $out in *"Connection refused"*) ;; *) fail "the read said: $out" ;; esac
rmdir "$u"
ok "refuse (UDP): a closed port's ICMP unreachable is ECONNREFUSED for a connected client"

p=$(udp_peer 5353)
u=$M/udp/$(cat "$M/udp/clone")
printf 'connect 127.0.0.1:5353\nset timeout 0.5\n' > "$u/ctl"
udp_misbehave "$p" drop 1 &
echo a > "$u/data"
out=$(cat "$u/data" 2>&1) && fail "the dropped request got an answer: $out"
case $out in *"timed out"*) ;; *) fail "the read said: $out" ;; esac
echo a > "$u/data"
[ "$(cat "$u/data")" = "re:a" ] || fail "the resent request's answer"
wait $!
ok "datagram peer that drops: the first request is lost, the retry answered"

udp_misbehave "$p" dup 1 &
echo b > "$u/data"
[ "$(cat "$u/data")" = "re:b" ] || fail "first copy"
[ "$(cat "$u/data")" = "re:b" ] || fail "second copy"
wait $!
ok "datagram peer that duplicates: every answer comes twice"

udp_misbehave "$p" swap 2 &
echo 1 > "$u/data"
echo 2 > "$u/data"
[ "$(cat "$u/data")" = "re:2" ] || fail "the later answer first"
[ "$(cat "$u/data")" = "re:1" ] || fail "then the earlier"
wait $!
rmdir "$u" "$p"
ok "datagram peer that reorders: two answers, last first"

# A slow TLS server: the handshake waits until the peer reads listen.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
l=$(tls_listener 8443 "$T/cert.pem" "$T/key.pem")
st=0
curl -sS --cacert "$T/cert.pem" --max-time 1 https://127.0.0.1:8443/ > /dev/null 2>"$T/err" || st=$?
[ "$st" = 28 ] || fail "curl against a TLS server that does not shake hands: status $st: $(cat "$T/err")"
curl -sS --cacert "$T/cert.pem" --max-time 20 https://127.0.0.1:8443/ > "$T/out" 2>"$T/err" &
cl=$!
c=$(accept "$l")	# curl's first try fails the handshake: this is the second
read_request "$c" > /dev/null
send_bytewise "$c" "$RESP" 0.05
expect_status 0 $cl "curl over TLS, slow"
[ "$(cat "$T/out")" = hello ] || fail "body over TLS: $(cat "$T/out")"
rmdir "$c" "$l"
ok "slow TLS server: curl times out (28) while the handshake waits; a patient curl gets the answer, one byte per record"
echo "test-peers: $n passed"
