#!/bin/bash
# Bytes that are not UTF-8, newlines and NULs in what peers and users send
# (unix paths, TLS names, a certificate's SANs, option values, error
# texts) never drop a field from status or cmsg, and never start a line of
# their own in peer, local or the ctl summary (docs/sockfs.1, ODD BYTES).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlslib.sh"
start_sockfs
FF=$(printf '\377')

# --- unix: a path with \xff as local, a peer's path with a newline as from ---

g="$MNT/unixgram/$(cat "$MNT/unixgram/clone")"
printf 'bind %s/g%s\n' "$WORK" "$FF" > "$g/ctl"
expect_eq "$(cat "$g/local")" "$WORK/g\\xff" "local of a path with \\xff"
expect_eq "$(jq -r .local "$g/status")" "$WORK/g\\xff" "status local"
python3 - "$WORK" <<'PY'
import os, socket, sys
w = os.fsencode(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(w + b"/p\n\xff")
s.sendto(b"hi", w + b"/g\xff")
PY
expect_eq "$(cat "$g/data")" "hi" "message from a path with a newline"
expect_eq "$(jq -r .from "$g/cmsg")" "$WORK/p\\x0a\\xff" "cmsg from keeps an odd path"
ok "unix paths with \\xff and a newline show escaped in local, status and cmsg's from"

l="$MNT/unix/$(cat "$MNT/unix/clone")"
printf 'bind %s/l.sock\nlisten\n' "$WORK" > "$l/ctl"
py_peer client "$WORK" <<'PY'
import os, socket, sys
w = os.fsencode(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(w + b"/c\n\\\xff")
s.connect(w + b"/l.sock")
open(sys.argv[1], "w").write("connected")
s.recv(1)
PY
c="$MNT/unix/$(cat "$l/listen")"
want="$WORK/c\\x0a\\x5c\\xff"
expect_eq "$(cat "$c/peer")" "$want" "peer of an accepted socket"
expect_eq "$(wc -l < "$c/peer")" 1 "peer is one line"
expect_eq "$(wc -l < "$c/ctl")" 1 "ctl summary is one line"
case $(cat "$c/ctl") in *" $want") ;; *) fail "ctl summary: $(cat "$c/ctl")" ;; esac
expect_eq "$(jq -r .peer "$c/status")" "$want" "status peer"
expect_eq "$(jq -r "map(select(.peer == \"${want//\\/\\\\}\")) | length" "$MNT/sockets")" 1 \
	"the sockets list"
ok "a peer path with a newline and a backslash is one escaped line in peer, ctl and status"

# --- option values and error texts ---

t="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set alpn h2%s\nset cafile /nonexistent/ca%s.pem\n' "$FF" "$FF" > "$t/ctl"
expect_eq "$(jq -c .options "$t/status")" '{"cafile":"/nonexistent/ca\\xff.pem","alpn":"h2\\xff"}' \
	"options with \\xff"
u="$MNT/unix/$(cat "$MNT/unix/clone")"
printf 'connect /nonexistent/x%s\n' "$FF" > "$u/ctl" 2>/dev/null && fail "connect succeeded"
expect_eq "$(jq -r .error "$u/status")" "connect /nonexistent/x\\xff: No such file or directory" \
	"error with \\xff"
ok "set alpn, set cafile and an err text with \\xff show in status"

# --- TLS: an SNI with \xff, a SAN with a NUL ---

make_certs "$WORK/certs"
C=$WORK/certs
s="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set cert %s\nset key %s\nbind 127.0.0.1:0\nlisten\n' "$C/server.pem" "$C/server.key" > "$s/ctl"
# s_client's stdin stays open (so it stays connected) until fd 8 closes.
mkfifo "$WORK/hold"
openssl s_client -connect "$(cat "$s/local")" -servername "bad$FF" < "$WORK/hold" \
	> "$WORK/s_client.out" 2>&1 &
sc=$!
exec 8> "$WORK/hold"
a="$MNT/tls/$(cat "$s/listen")"
expect_eq "$(jq -r .tls.sni "$a/status")" 'bad\xff' "sni"
[ "$(jq -r .tls.version "$a/status")" != null ] || fail "no TLS version: $(cat "$a/status")"
[ "$(jq -r .tls.cipher "$a/status")" != null ] || fail "no cipher: $(cat "$a/status")"
exec 8>&-
wait "$sc" || true
ok "an accepted socket whose client sent an SNI with \\xff keeps its whole tls object"

mkdir -p "$WORK/odd"
hex=$(python3 -c '
names = [b"a\0b.example", b"c\xff.example"]
body = b"".join(bytes([0x82, len(n)]) + n for n in names)
print((bytes([0x30, len(body)]) + body).hex())')
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/odd/server.key" 2>/dev/null
openssl req -x509 -new -key "$WORK/odd/server.key" -out "$WORK/odd/server.pem" -days 30 \
	-subj /CN=odd -addext "subjectAltName=DER:$hex" 2>/dev/null || fail "openssl: odd SAN"
tlspeer odd echo "$WORK/odd"
o="$MNT/tls/$(cat "$MNT/tls/clone")"
printf 'set verify 0\nconnect 127.0.0.1:%s\n' "$(ready_of odd)" > "$o/ctl"
expect_eq "$(jq -c .tls.peer_certificate.san "$o/status")" '["DNS:a\u0000b.example","DNS:c\\xff.example"]' \
	"SANs with a NUL and \\xff"
ok "a SAN with a NUL is shown with its NUL, one with \\xff escaped"

finish
