#!/bin/bash
# A build configured --without-tls (tests/run.sh's notls stage runs this
# against one): no tls folder, and TLS settings and starttls on tcp fail
# with ENOPROTOOPT and say why, while plain tcp works as ever.  Against a
# build with TLS it fails at its first check, as it should.
. "$(dirname "$0")/lib.sh"
start_sockfs

[ -d "$MNT/tcp" ] || fail "no tcp folder"
[ ! -e "$MNT/tls" ] || fail "a tls folder in a build without TLS"
ls "$MNT" | grep -qx tls && fail "ls lists tls"
expect_err "No such file or directory" cat "$MNT/tls/clone"
ok "no tls folder, in the listing or by name"

# A plain tcp exchange with a python echo peer, then starttls on it.
py_peer echo <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    c.sendall(c.recv(100))
    c.close()
PY
t="$MNT/tcp/$(cat "$MNT/tcp/clone")"
expect_err "Protocol not available" bash -c "echo 'set cafile /etc/ssl/certs/ca-certificates.crt' > '$t/ctl'"
grep -q "sockfs was built without TLS" "$t/err" || fail "err after set cafile: $(cat "$t/err")"
echo "connect 127.0.0.1:$(ready_of echo)" > "$t/ctl"
expect_err "Protocol not available" bash -c "echo starttls > '$t/ctl'"
grep -q "sockfs was built without TLS" "$t/err" || fail "err after starttls: $(cat "$t/err")"
echo hello > "$t/data"
expect_eq "$(cat "$t/data")" hello "the echo after the refusals"
jq -e 'has("tls") | not' "$t/status" > /dev/null || fail "status has a tls object: $(cat "$t/status")"
ok "set cafile and starttls fail with ENOPROTOOPT (\"built without TLS\"); the tcp socket works on"

finish
