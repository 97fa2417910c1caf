#!/bin/bash
# tls/ as a server (curl and openssl s_client as clients, the example
# https-server.sh), client certificates, STARTTLS both ways with its
# injection guard, 1000 handshakes at once without stalling the loop, and
# paths opened with the caller's rights.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlslib.sh"
make_certs "$WORK/certs"
C=$WORK/certs
U=sfs_test_tls
id "$U" >/dev/null 2>&1 || useradd -M -s /bin/bash "$U"
undo() {
	cleanup
	userdel "$U" 2>/dev/null
}
trap undo EXIT
chmod 755 "$WORK"
start_sockfs -o allow_other

# --- the example server, curl and s_client ---

# As the guide runs it: the certificate and key named relative to the
# working directory, which is the writer's, not the daemon's.
(cd "$C" && exec bash "$TOP_SRCDIR/docs/examples/https-server.sh" "$MNT" server.pem server.key) \
	> "$WORK/httpsd.out" 2>&1 &
for _ in $(seq 100); do grep -q listening "$WORK/httpsd.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$WORK/httpsd.out")
[ -n "$port" ] || fail "https-server.sh did not start: $(cat "$WORK/httpsd.out")"
page=$(curl -sS --max-time 10 --cacert "$C/ca.pem" "https://localhost:$port/hello") ||
	fail "curl failed"
case $page in *"You asked for /hello"*) ;; *) fail "page: $page" ;; esac
out=$(printf 'GET /s_client HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
	-servername localhost -verify_hostname localhost -CAfile "$C/ca.pem" -verify_return_error \
	-ign_eof 2>&1) || fail "s_client failed: $out"
case $out in *"Verify return code: 0 (ok)"*"You asked for /s_client"*) ;;
	*) fail "s_client: $out" ;; esac
ok "curl --cacert fetches a page from https-server.sh given relative cert and key paths, as the guide runs it; openssl s_client -verify_return_error agrees"

# --- client certificates, and failed handshakes ---

l="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set cert %s\nset key %s\nset clientca %s\nbind 127.0.0.1:0\nlisten\n' \
	"$C/server.pem" "$C/server.key" "$C/ca.pem" > "$l/ctl"
lport=$(cut -d: -f2 < "$l/local")
( c=$(cat "$l/listen"); cat "$MNT/tls/$c/status" > "$WORK/accepted.json"
  echo "hello client" > "$MNT/tls/$c/data"; echo "shutdown wr" > "$MNT/tls/$c/ctl" ) &
reader=$!
# A client without a certificate fails; the read of listen goes on waiting.
curl -s --max-time 10 --cacert "$C/ca.pem" "telnet://localhost:$lport" < /dev/null > /dev/null 2>&1 || true
python3 - "$lport" "$C" > "$WORK/nocert.out" 2>&1 <<'PY' || true
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2] + "/ca.pem")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
print(s.recv(100))
PY
for _ in $(seq 100); do grep -q "handshake" "$l/err" && break; sleep 0.05; done
case $(cat "$l/err") in *"handshake with 127.0.0.1:"*) ;; *) fail "listener's err: $(cat "$l/err")" ;; esac
kill -0 "$reader" 2>/dev/null || fail "the read of listen ended with a failed client"
got=$(python3 - "$lport" "$C" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2] + "/ca.pem")
ctx.load_cert_chain(sys.argv[2] + "/client.pem", sys.argv[2] + "/client.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
print(s.recv(100).decode(), end="")
PY
)
wait "$reader"
expect_eq "$got" "hello client" "what the client with a certificate read"
expect_eq "$(jq -r .tls.peer_certificate.subject "$WORK/accepted.json")" "CN=sockfs-client" "client's subject"
expect_eq "$(jq -r .tls.verify.ok "$WORK/accepted.json")" true "client verified"
# The accepted side sends through the kernel's TLS where it has it.
expect_eq "$(jq -r .tls.ktls.send "$WORK/accepted.json")" "$(kernel_tls)" "kernel TLS, server side"
ok "set clientca: a client without a certificate is refused (noted in the listener's err, the read waits on); one with it gets through"

l2="$MNT/tls/$(cat "$MNT/tls/clone")"
expect_err "Invalid argument" bash -c "printf 'bind 127.0.0.1:0\nlisten\n' > '$l2/ctl'"
grep -q "needs both" "$l2/err" || fail "err: $(cat "$l2/err")"
printf 'set cert %s\nset key %s\n' "$C/server.pem" "$C/wrong.key" > "$l2/ctl"
expect_err "Invalid argument" bash -c "echo listen > '$l2/ctl'"
grep -q "does not match" "$l2/err" || fail "err: $(cat "$l2/err")"
ok "listen without a certificate, or with a key that does not match it, fails with EINVAL and says so"

# Garbage, and a client that stops mid-handshake: each is dropped (the
# latter after the listener's timeout) and the next client gets through.
l3="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set cert %s\nset key %s\nset timeout 1\nbind 127.0.0.1:0\nlisten\n' \
	"$C/server.pem" "$C/server.key" > "$l3/ctl"
p3=$(cut -d: -f2 < "$l3/local")
# (set timeout times the reads of listen too: the reader tries again.)
( until c=$(cat "$l3/listen" 2>/dev/null); do :; done; echo "$c" > "$WORK/l3.child" ) &
reader=$!
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(100)' "$p3" 2>/dev/null || true
python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(3)' "$p3" &
sleep 1.5
grep -q "timed out" "$l3/err" || fail "a stalled client: err says [$(cat "$l3/err")]"
curl -s --max-time 10 --cacert "$C/ca.pem" "telnet://localhost:$p3" < /dev/null > /dev/null 2>&1 &
timeout 10 openssl s_client -connect "127.0.0.1:$p3" -CAfile "$C/ca.pem" < /dev/null > /dev/null 2>&1 &
wait "$reader"
[ -d "$MNT/tls/$(cat "$WORK/l3.child")" ] || fail "the client after garbage and a stall"
ok "a client sending garbage, and one stopping mid-handshake (set timeout), are dropped; the next gets through"

# --- STARTTLS ---

tlspeer smtp smtp "$C"
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect localhost:$(ready_of smtp)" > "$t/ctl"
exec 3< "$t/data"
read -r greeting <&3
echo "STARTTLS" > "$t/data"
read -r reply <&3
expect_eq "${greeting%$'\r'} / ${reply%$'\r'}" "220 hello / 220 go ahead" "the plain-text part"
printf 'set cafile %s\nstarttls\n' "$C/ca.pem" > "$t/ctl"
expect_eq "$(jq -r .tls.state "$t/status")" established "after starttls"
expect_eq "$(jq -r .kind "$t/status")" tcp "still a tcp socket"
expect_eq "$(jq -r .tls.ktls.send "$t/status")" "$(kernel_tls)" "kernel TLS after starttls"
echo "EHLO sockfs" > "$t/data"
read -r line <&3
expect_eq "${line%$'\r'}" "250 tls: EHLO sockfs" "the answer over TLS"
exec 3<&-
ok "starttls upgrades a tcp socket after its plain-text SMTP exchange, verified"

tlspeer inject smtp "$C" inject
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
echo "connect localhost:$(ready_of inject)" > "$t/ctl"
exec 3< "$t/data"
read -r greeting <&3
echo "STARTTLS" > "$t/data"
read -r reply <&3
sleep 0.2
echo "set cafile $C/ca.pem" > "$t/ctl"
expect_err "Protocol error" bash -c "echo starttls > '$t/ctl'"
grep -q "were not read" "$t/err" || fail "err: $(cat "$t/err")"
read -r injected <&3
expect_eq "${injected%$'\r'}" "250 injected" "the injected line, still plain text"
exec 3<&-
ok "starttls refuses (EPROTO) while plain text the peer sent after its reply is unread; that text stays readable as plain text"

# starttls server: a python client says STARTTLS, then upgrades.
s="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$s/ctl"
sp=$(cut -d: -f2 < "$s/local")
python3 - "$sp" "$C" > "$WORK/stls.out" 2>&1 <<'PY' &
import socket, ssl, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"STARTTLS\r\n")
assert c.recv(100) == b"220 go ahead\r\n"
t = ssl.create_default_context(cafile=sys.argv[2] + "/ca.pem").wrap_socket(c, server_hostname="localhost")
t.sendall(b"hello over tls\n")
print(t.recv(100).decode(), end="")
PY
client=$!
c=$(cat "$s/listen")
exec 3< "$MNT/tcp/$c/data"
read -r cmd <&3
expect_eq "${cmd%$'\r'}" STARTTLS "the client's command"
printf '220 go ahead\r\n' > "$MNT/tcp/$c/data"
printf 'set cert %s\nset key %s\nstarttls server\n' "$C/server.pem" "$C/server.key" > "$MNT/tcp/$c/ctl"
read -r hello <&3
echo "you said: $hello" > "$MNT/tcp/$c/data"
exec 3<&-
wait "$client" || fail "client: $(cat "$WORK/stls.out")"
expect_eq "$(cat "$WORK/stls.out")" "you said: hello over tls" "the client's answer"
ok "starttls server upgrades an accepted tcp connection for a python client"

# The injection a server meets: a client that pipelines a command after
# STARTTLS, before its TLS hello.
python3 - "$sp" <<'PY' > /dev/null 2>&1 &
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"STARTTLS\r\nRCPT TO:<victim>\r\n")
time.sleep(3)
PY
c=$(cat "$s/listen")
exec 3< "$MNT/tcp/$c/data"
read -r cmd <&3
printf '220 go ahead\r\n' > "$MNT/tcp/$c/data"
printf 'set cert %s\nset key %s\n' "$C/server.pem" "$C/server.key" > "$MNT/tcp/$c/ctl"
expect_err "Protocol error" bash -c "echo 'starttls server' > '$MNT/tcp/$c/ctl'"
grep -q "plain text after its STARTTLS" "$MNT/tcp/$c/err" || fail "err: $(cat "$MNT/tcp/$c/err")"
exec 3<&-
ok "starttls server refuses (EPROTO) a client that sent plain text after STARTTLS, before its hello"

# --- paths as the caller ---

install -m 600 "$C/ca.pem" "$WORK/private-ca.pem"
# Root connects with it first, so its context is kept (sockfs(1), TLS):
# the user must still be refused.
r=$(cat "$MNT/tls/clone")
printf 'set cafile %s\nconnect localhost:%s\n' "$WORK/private-ca.pem" "$port" > "$MNT/tls/$r/ctl"
t=$(as $U cat "$MNT/tls/clone")
as $U bash -c "echo 'set cafile $WORK/private-ca.pem' > '$MNT/tls/$t/ctl'"
expect_err "Permission denied" as $U bash -c "echo 'connect localhost:$port' > '$MNT/tls/$t/ctl'"
grep -q "cafile $WORK/private-ca.pem: Permission denied" "$MNT/tls/$t/err" || fail "err: $(cat "$MNT/tls/$t/err")"
l=$(as $U cat "$MNT/tls/clone")
as $U bash -c "printf 'set cert %s\nset key %s\nbind 127.0.0.1:0\n' '$C/server.pem' '$WORK/private-ca.pem' > '$MNT/tls/$l/ctl'"
expect_err "Permission denied" as $U bash -c "echo listen > '$MNT/tls/$l/ctl'"
chmod 644 "$WORK/private-ca.pem"
as $U bash -c "echo 'connect localhost:$port' > '$MNT/tls/$t/ctl'"
expect_eq "$(jq -r .tls.verify.ok "$MNT/tls/$t/status")" true "once the file is readable"
rmdir "$MNT/tls/$r" "$MNT/tls/$t"
ok "with allow_other, cafile and key are opened as the caller: EACCES for a file only root may read, though root's context for it is kept"

# --- many handshakes at once ---

l="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set cert %s\nset key %s\nbind 127.0.0.1:0\nlisten 1024\n' "$C/server.pem" "$C/server.key" > "$l/ctl"
lp=$(cut -d: -f2 < "$l/local")
N=${TLS_MANY:-1000}	# fewer under software emulation (tests/vm)
# Accepting: one reader after another, each folder closed once read.
( for _ in $(seq $N); do c=$(cat "$l/listen") && rmdir "$MNT/tls/$c"; done ) &
acceptor=$!
udp_echo_peer uecho
u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "connect 127.0.0.1:$(ready_of uecho)" > "$u/ctl"
python3 - "$lp" "$C" $N > "$WORK/many.out" 2>&1 <<'PY' &
import socket, ssl, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[3])
ctx = ssl.create_default_context(cafile=sys.argv[2] + "/ca.pem")
done, lock = [0], threading.Lock()
def one():
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60), server_hostname="localhost")
    with lock:
        done[0] += 1
    s.close()
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(done[0])
PY
clients=$!
# While they shake hands, a UDP round trip through the same daemon stays quick.
worst=$(python3 - "$u" <<'PY'
import os, sys, time
d = sys.argv[1] + "/data"
worst = 0.0
for i in range(40):
    t = time.monotonic()
    with open(d, "wb", buffering=0) as f:
        f.write(b"ping %d" % i)
    with open(d, "rb", buffering=0) as f:
        assert f.read(100) == b"echo: ping %d" % i
    worst = max(worst, time.monotonic() - t)
    time.sleep(0.02)
print("%.3f" % worst)
PY
)
wait "$clients" || fail "clients: $(cat "$WORK/many.out")"
wait "$acceptor"
expect_eq "$(cat "$WORK/many.out")" "$N" "handshakes completed"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$worst" ||
	fail "a UDP round trip took ${worst}s during the handshakes"
ok "$N TLS clients at once all complete their handshakes; a UDP round trip meanwhile takes at most ${worst}s"

finish
