#!/bin/bash
# tls/ as a client: against openssl s_server and python's ssl module,
# bytes exact both ways, an HTTPS GET, each refusal of a certificate with
# its errno and reason, SNI, ALPN, client certificates, close_notify
# against truncation, and a peer that is not TLS or stops mid-handshake.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlslib.sh"
make_certs "$WORK/certs"
C=$WORK/certs
start_sockfs

tlspeer echo echo "$C"
tlspeer info info "$C"
tlspeer cc clientcert "$C"
tlspeer web https "$C"
tlspeer rude garbage "$C"
tlspeer stall stall "$C"
ECHO=$(ready_of echo)

# new_tls [set lines...]: a tls socket with the test CA trusted, and the
# given settings; prints its folder.
new_tls() {
	local t
	t="$MNT/tls/$(cat "$MNT/tls/clone")"
	echo "set cafile $C/ca.pem" > "$t/ctl"
	for line in "$@"; do echo "$line" > "$t/ctl"; done
	echo "$t"
}

# soon FOLDER FILTER VALUE WHAT: waits up to 5 s for jq FILTER of FOLDER's
# status to be VALUE, then checks that it is.
soon() {
	for _ in $(seq 100); do [ "$(jq -r "$2" "$1/status")" = "$3" ] && break; sleep 0.05; done
	expect_eq "$(jq -r "$2" "$1/status")" "$3" "$4"
}

# --- bytes, both ways ---

# 64 MiB each way; 4 under valgrind, where the daemon's crypto runs slowly.
MIB=64
[ -n "${VALGRIND_LOGS:-}" ] && MIB=4
head -c $((MIB << 20)) /dev/urandom > "$WORK/blob"
sum=$(sha256sum < "$WORK/blob" | cut -d' ' -f1)
t=$(new_tls)
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -r .tls.state "$t/status")" established "state after connect"
expect_eq "$(jq -r .tls.verify.ok "$t/status")" true "verified"
cat "$WORK/blob" > "$t/data"
echo "shutdown wr" > "$t/ctl"
expect_eq "$(cat "$t/data")" "$((MIB << 20)) $sum" "the peer's digest of $MIB MiB"
expect_eq "$(jq -r .tls.end "$t/status")" close_notify "how the peer ended"
ok "$MIB MiB to a python TLS server arrive byte-exact; shutdown wr is its close_notify"

t=$(new_tls)
echo "connect localhost:$ECHO" > "$t/ctl"
echo "SEND $((MIB << 20))" > "$t/data"
cat "$t/data" > "$WORK/got" || fail "cat data failed at a clean end"
# What the echo peer's SEND streams (its first 4 MiB serve TLS 1.2 below).
python3 -c '
import sys
block = bytes(range(256)) * 256
for _ in range((int(sys.argv[1]) << 20) // len(block)): sys.stdout.buffer.write(block)' "$MIB" > "$WORK/pattern"
cmp -s "$WORK/got" "$WORK/pattern" || fail "the $MIB MiB received differ from what was sent"
ok "$MIB MiB from a python TLS server arrive byte-exact, and cat ends at close_notify"

# openssl s_server prints what it receives: 64 MiB through it.  (Its
# stdin must stay open: at its end, s_server stops.)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$C/server.pem" -key "$C/server.key" \
	-quiet -naccept 1 < <(sleep 120) > "$WORK/s_server.out" 2> "$WORK/s_server.err" &
sserver=$!
t=$(new_tls)
for _ in $(seq 100); do
	echo "connect localhost:$port" > "$t/ctl" 2>/dev/null && break
	sleep 0.1
done
expect_eq "$(jq -r .tls.state "$t/status")" established "s_server connect"
cat "$WORK/blob" > "$t/data"
echo close > "$t/ctl"
wait "$sserver" || true
expect_eq "$(sha256sum < "$WORK/s_server.out" | cut -d' ' -f1)" "$sum" "what s_server received"
ok "$MIB MiB to openssl s_server arrive byte-exact"

# --- HTTPS ---

echo "hello from python" > "$C/page.txt"
t=$(new_tls)
echo "connect localhost:$(ready_of web)" > "$t/ctl"
printf 'GET /page.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > "$t/data"
# python's server closes without close_notify: the read after the body
# says so (ECONNRESET), which this test does not mind.
cat "$t/data" > "$WORK/resp" 2>/dev/null || true
head -n1 "$WORK/resp" | grep -q '^HTTP/1.[01] 200' || fail "status line: $(head -n1 "$WORK/resp")"
expect_eq "$(tail -n1 "$WORK/resp")" "hello from python" "the page"
ok "an HTTP/1.1 GET against python's HTTPS server"

# --- refusals ---

# refused NAME HOST REASON [set lines...]: the connect fails with
# EKEYREJECTED and REASON in err, and the socket may connect again.
refused() {
	local what=$1 host=$2 reason=$3 t
	shift 3
	t=$(new_tls "$@")
	expect_err "Key was rejected by service" bash -c "echo 'connect $host' > '$t/ctl'"
	case $(cat "$t/err") in
	*"certificate verify failed: $reason"*) ;;
	*) fail "$what: err says [$(cat "$t/err")]" ;;
	esac
	expect_eq "$(jq -r .state "$t/status")" open "$what: state after the refusal"
}
# The same python server, presenting each bad certificate in turn.
for name in selfsigned expired other; do
	mkdir -p "$WORK/$name"
	cp "$C/$name.pem" "$WORK/$name/server.pem"
	cp "$C/$name.key" "$WORK/$name/server.key"
	tlspeer "$name" echo "$WORK/$name"
done
refused "wrong name" "localhost:$ECHO" "hostname mismatch" "set hostname example.org"
refused "self-signed" "localhost:$(ready_of selfsigned)" "self-signed certificate"
refused "expired" "localhost:$(ready_of expired)" "certificate has expired"
refused "unknown CA" "localhost:$(ready_of other)" "unable to get local issuer certificate"
t="$MNT/tls/$(cat "$MNT/tls/clone")"
expect_err "Key was rejected by service" bash -c "echo 'connect localhost:$ECHO' > '$t/ctl'"
ok "a wrong name, a self-signed, an expired and an unknown CA's certificate (and the system store) fail with EKEYREJECTED and the reason in err"

t="$MNT/tls/$(cat "$MNT/tls/clone")"
echo "set verify 0" > "$t/ctl"
echo "connect localhost:$(ready_of selfsigned)" > "$t/ctl"
expect_eq "$(jq -r .tls.verify.checked "$t/status")" false "verify 0: not checked"
expect_eq "$(jq -r .tls.peer_certificate.subject "$t/status")" "CN=localhost" "subject"
ok "verify 0 connects to the self-signed server, and status still shows its certificate"

t=$(new_tls)
echo "connect 127.0.0.1:$ECHO" > "$t/ctl"
expect_eq "$(jq -r .tls.sni "$t/status")" null "no SNI for an address"
expect_eq "$(jq -r '.tls.peer_certificate.san | join(",")' "$t/status")" "DNS:localhost,IP:127.0.0.1" "SANs"
expect_eq "$(jq -r .tls.peer_certificate.issuer "$t/status")" "CN=sockfs test ca" "issuer"
fp=$(openssl x509 -in "$C/server.pem" -noout -fingerprint -sha256 | cut -d= -f2)
expect_eq "$(jq -r .tls.peer_certificate.sha256 "$t/status")" "$fp" "fingerprint"
expect_eq "$(jq -r .tls.peer_certificate.not_after "$t/status" | cut -c1-4)" \
	"$(date -u -d '+30 days' +%Y)" "not_after's year"
ok "an address is verified against the certificate's IP SAN; status has its SANs, issuer, dates and SHA-256"

# --- SNI and ALPN ---

t=$(new_tls "set alpn h2,http/1.1")
echo "connect localhost:$(ready_of info)" > "$t/ctl"
expect_eq "$(cat "$t/data")" "sni=localhost alpn=h2" "what the server saw"
expect_eq "$(jq -r .tls.alpn "$t/status")" h2 "ALPN in status"
t=$(new_tls "set sni mail.example.org" "set hostname localhost" "set alpn http/1.1")
echo "connect 127.0.0.1:$(ready_of info)" > "$t/ctl"
expect_eq "$(cat "$t/data")" "sni=mail.example.org alpn=http/1.1" "set sni"
t=$(new_tls "set sni none")
echo "connect localhost:$(ready_of info)" > "$t/ctl"
expect_eq "$(cat "$t/data")" "sni=None alpn=None" "set sni none"
ok "SNI (the host connected to, set sni NAME, set sni none) and ALPN reach the server"

# --- client certificates ---

t=$(new_tls "set cert $C/client.pem" "set key $C/client.key")
echo "connect localhost:$(ready_of cc)" > "$t/ctl"
expect_eq "$(cat "$t/data")" "client=sockfs-client" "the server saw our certificate"
t=$(new_tls)
echo "connect localhost:$(ready_of cc)" > "$t/ctl"
# TLS 1.3: the server refuses after the client's handshake is done, so
# the refusal is the first read's.
expect_err "Key was rejected by service" cat "$t/data"
case $(cat "$t/err") in
*"certificate required"*) ;;
*) fail "refused client: err says [$(cat "$t/err")]" ;;
esac
ok "a client certificate is accepted; without one the server's refusal is EKEYREJECTED"

# --- ends ---

t=$(new_tls)
echo "connect localhost:$ECHO" > "$t/ctl"
echo "CUT 100000" > "$t/data"
expect_err "Connection reset by peer" bash -c "cat '$t/data' > /dev/null"
case $(cat "$t/err") in
*"without close_notify"*) ;;
*) fail "truncation: err says [$(cat "$t/err")]" ;;
esac
expect_eq "$(jq -r .tls.end "$t/status")" truncated "status after a truncation"
expect_eq "$(cat "$t/data" | wc -c)" 0 "a read after the truncation"
ok "a TCP close without close_notify fails the read with ECONNRESET, says truncated in err and status; then end of file"

t=$(new_tls)
echo "connect localhost:$ECHO" > "$t/ctl"
echo disconnect > "$t/ctl"
expect_eq "$(jq -r .tls "$t/status")" null "TLS after disconnect"
expect_err "Transport endpoint is not connected" bash -c "cat '$t/data'"
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -r .tls.state "$t/status")" established "connecting again after disconnect"
ok "disconnect takes the TLS connection with it: reads say ENOTCONN, and connect starts afresh"

# --- peers that are not TLS, or stop ---

t=$(new_tls)
expect_err "Protocol error" bash -c "echo 'connect localhost:$(ready_of rude)' > '$t/ctl'"
grep -q "handshake failed" "$t/err" || fail "garbage: err says [$(cat "$t/err")]"
t=$(new_tls "set timeout 0.5")
expect_err "Connection timed out" bash -c "echo 'connect localhost:$(ready_of stall)' > '$t/ctl'"
expect_eq "$(jq -r .state "$t/status")" open "after the timeout"
t=$(new_tls)
"${WITH_SIGINT[@]}" bash -c "echo 'connect localhost:$(ready_of stall)' > '$t/ctl'" &
pid=$!
# Python starts slowly: the signal must come once the handshake waits.
soon "$t" .tls.state handshaking "before Ctrl-C"
kill -INT "$pid"
wait "$pid" && fail "the interrupted connect succeeded"
soon "$t" .state open "after Ctrl-C"
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -r .tls.state "$t/status")" established "connecting again after Ctrl-C"
ok "a peer that is not TLS fails with EPROTO; one that stops mid-handshake times out, or Ctrl-C ends it, and the socket can connect again"

# --- O_NONBLOCK and poll ---

# The server waits a second before its handshake: an O_NONBLOCK connect
# returns EINPROGRESS at once, the handshake goes on alone, data is
# neither readable nor writable until it is done, then both work.  (Under
# software emulation, tests/vm's, a second passes before status is read:
# SLOW_HANDSHAKE gives the server longer.)
tlspeer slow slow "$C" "${SLOW_HANDSHAKE:-1}"
t=$(new_tls)
# By address: an O_NONBLOCK connect tries only a name's first address
# (localhost may be ::1 first, where the peer is not).
expect_eq "$("$FILEIO" write "$t/ctl" "connect 127.0.0.1:$(ready_of slow)" nb)" EINPROGRESS "O_NONBLOCK connect"
soon "$t" .tls.state handshaking "just after EINPROGRESS"
expect_eq "$("$FILEIO" read "$t/data" 10 nb)" EAGAIN "an O_NONBLOCK read during the handshake"
expect_eq "$("$FILEIO" write "$t/data" x nb)" EAGAIN "an O_NONBLOCK write during the handshake"
expect_eq "$("$FILEIO" poll "$t/data" 200 out)" timeout "poll for writing during the handshake"
expect_eq "$("$FILEIO" poll "$t/data" 200)" timeout "poll for reading during the handshake"
# Waiting out the handshake in poll must not spin the daemon: the CPU it
# uses meanwhile (in clock ticks) stays far below the second it lasts.
cpu() { awk '{ print $14 + $15 }' "/proc/$SOCKFS_PID/stat"; }
before=$(cpu)
expect_eq "$("$FILEIO" poll "$t/data" 10000 out)" ready "poll for writing once it is done"
spent=$(( $(cpu) - before ))
[ "$spent" -lt $(( $(getconf CLK_TCK) / 4 )) ] || fail "the daemon used $spent ticks while poll waited"
expect_eq "$(jq -r .tls.state "$t/status")" established "after poll said writable"
expect_eq "$(cat "$t/err")" "" "no error"
printf 'hello' > "$t/data"
echo "shutdown wr" > "$t/ctl"
expect_eq "$(cat "$t/data")" "5 $(printf hello | sha256sum | cut -d' ' -f1)" "the echo's answer"
ok "O_NONBLOCK connect gives EINPROGRESS; during the handshake reads and writes say EAGAIN and poll waits; then data flows"

# --- kernel TLS ---

# Where this kernel can carry TLS records (kernel_tls asks it with a plain
# python socket), OpenSSL 3.0 hands it the sending side under TLS 1.3 and
# both sides under TLS 1.2, and status says which; where it cannot, or
# after set ktls 0, status says neither.  Bytes stay exact either way.
KTLS=$(kernel_tls)
t=$(new_tls)
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -c '[.tls.version, .tls.ktls.send]' "$t/status")" "[\"TLSv1.3\",$KTLS]" "TLS 1.3's sending side"
printf 'hello' > "$t/data"
echo "shutdown wr" > "$t/ctl"
expect_eq "$(cat "$t/data")" "5 $(printf hello | sha256sum | cut -d' ' -f1)" "the echo's answer, TLS 1.3"

# TLS 1.2 (python's echo peer, no newer): 4 MiB each way.
tlspeer echo12 echo12 "$C"
head -c $((4 << 20)) /dev/urandom > "$WORK/blob12"
t=$(new_tls)
echo "connect localhost:$(ready_of echo12)" > "$t/ctl"
expect_eq "$(jq -c '[.tls.version, .tls.ktls.send, .tls.ktls.recv]' "$t/status")" \
	"[\"TLSv1.2\",$KTLS,$KTLS]" "TLS 1.2's two sides"
cat "$WORK/blob12" > "$t/data"
echo "shutdown wr" > "$t/ctl"
expect_eq "$(cat "$t/data")" "$((4 << 20)) $(sha256sum < "$WORK/blob12" | cut -d' ' -f1)" \
	"the peer's digest of 4 MiB, TLS 1.2"
t=$(new_tls)
echo "connect localhost:$(ready_of echo12)" > "$t/ctl"
echo "SEND $((4 << 20))" > "$t/data"
cat "$t/data" > "$WORK/got12"
cmp -s "$WORK/got12" <(head -c $((4 << 20)) "$WORK/pattern") ||
	fail "the 4 MiB received under TLS 1.2 differ from what was sent"

t=$(new_tls "set ktls 0")
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -c .tls.ktls "$t/status")" '{"send":false,"recv":false}' "set ktls 0"
printf 'hello' > "$t/data"
echo "shutdown wr" > "$t/ctl"
expect_eq "$(cat "$t/data")" "5 $(printf hello | sha256sum | cut -d' ' -f1)" "the echo's answer, ktls 0"

# The kernel cannot disconnect a connection whose records it carries: an
# unbound socket's descriptor is closed instead (the disconnect test
# above connects again on it), a bound one refuses and stays connected.
t=$(new_tls)
echo "bind 127.0.0.1:0" > "$t/ctl"
echo "connect localhost:$ECHO" > "$t/ctl"
if [ "$KTLS" = true ]; then
	expect_err "Operation not supported" bash -c "echo disconnect > '$t/ctl'"
	grep -q "kernel TLS carries" "$t/err" || fail "bound disconnect: err says [$(cat "$t/err")]"
	expect_eq "$(jq -r .tls.state "$t/status")" established "after the refused disconnect"
else
	echo disconnect > "$t/ctl"
	expect_eq "$(jq -r .state "$t/status")" bound "a bound socket after disconnect"
fi
ok "kernel TLS ($KTLS here): status says which sides it carries under TLS 1.3 and 1.2, 4 MiB each way exact under TLS 1.2; set ktls 0 keeps it off; a bound socket's disconnect"

# --- bad settings ---

# A server key whose signatures would hold the loop: RSA past 4096 bits.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4160 -out "$WORK/big.key" 2>/dev/null
openssl req -x509 -new -key "$WORK/big.key" -out "$WORK/big.pem" -days 30 -subj /CN=localhost 2>/dev/null
b="$MNT/tls/$(cat "$MNT/tls/clone")"
expect_err "Invalid argument" bash -c "printf 'set cert $WORK/big.pem\nset key $WORK/big.key\nlisten\n' > '$b/ctl'"
grep -q "RSA keys above 4096 bits" "$b/err" || fail "err: $(cat "$b/err")"
rmdir "$b"
ok "a server key of RSA past 4096 bits is refused with the reason (its handshakes would hold the loop)"

# A FIFO named as a TLS file is not waited for (it would hold a worker
# until a writer came): refused at once, as what is not a regular file.
mkfifo "$WORK/fifo.pem"
f="$MNT/tls/$(cat "$MNT/tls/clone")"
expect_err "Invalid argument" timeout 5 bash -c "printf 'set cafile $WORK/fifo.pem\nconnect 127.0.0.1:1\n' > '$f/ctl'"
grep -q "not a regular file" "$f/err" || fail "err: $(cat "$f/err")"
rmdir "$f"
ok "a FIFO named as cafile is refused at once (EINVAL, not a regular file), no worker waits on it"

t="$MNT/tls/$(cat "$MNT/tls/clone")"
expect_err "Invalid argument" bash -c "echo 'set cafile' > '$t/ctl'"
expect_err "Invalid argument" bash -c "echo 'set minversion 1.1' > '$t/ctl'"
expect_err "Invalid argument" bash -c "echo 'set alpn h2,,x' > '$t/ctl'"
expect_err "Protocol not available" bash -c "echo 'set cafile /x' > '$MNT/udp/$(cat "$MNT/udp/clone")/ctl'"
echo "set cafile $WORK/none.pem" > "$t/ctl"
expect_err "No such file or directory" bash -c "echo 'connect localhost:$ECHO' > '$t/ctl'"
grep -q "cafile $WORK/none.pem" "$t/err" || fail "err: $(cat "$t/err")"
t=$(new_tls "set cert $C/client.pem" "set key $C/wrong.key")
expect_err "Invalid argument" bash -c "echo 'connect localhost:$ECHO' > '$t/ctl'"
grep -q "does not match" "$t/err" || fail "err: $(cat "$t/err")"
t=$(new_tls "set ciphers NOSUCHCIPHER")
expect_err "Invalid argument" bash -c "echo 'connect localhost:$ECHO' > '$t/ctl'"
t=$(new_tls "set minversion 1.3")
echo "connect localhost:$ECHO" > "$t/ctl"
expect_eq "$(jq -r .tls.version "$t/status")" TLSv1.3 "minversion 1.3"
expect_err "Device or resource busy" bash -c "echo 'set alpn h2' > '$t/ctl'"
ok "bad settings fail with EINVAL, ENOPROTOOPT, ENOENT or EBUSY and a reason"

finish
