#!/bin/bash
# tests/vm/export-run.sh [BUILD]: the export (sockfs --export) used by the
# Linux kernel's own 9p client.  On the host: an export-only sockfs on a
# unix socket, a UDP echo peer and an HTTP server on the host's loopback.
# The guest (tests/vm/run.sh, with no network device) reaches the export
# through a virtio-serial port bound to that socket, not through any IP
# network, and runs tests/vm/export-tests.sh.  Prints what the guest
# prints; fails when it fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
work=$(mktemp -d /tmp/sockfs-vmexport.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

"$build/sockfs" -f --export "unix:$work/sockfs.9p" 2>"$work/sockfs.log" &
pids+=($!)
python3 - "$work/ports" >"$work/peers.log" 2>&1 <<'PY' &
import http.server, socket, sys, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the host\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
h = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=h.serve_forever, daemon=True).start()
open(sys.argv[1], "w").write("%d %d\n" % (u.getsockname()[1], h.server_address[1]))
while True:
    m, a = u.recvfrom(70000)
    u.sendto(b"echo: " + m, a)
PY
pids+=($!)
for _ in $(seq 100); do [ -S "$work/sockfs.9p" ] && [ -s "$work/ports" ] && break; sleep 0.05; done
[ -S "$work/sockfs.9p" ] && [ -s "$work/ports" ] || { cat "$work"/*.log; exit 2; }
read -r udp http < "$work/ports"

st=0
SOCKFS_VM_QEMU_ARGS="-device virtio-serial -chardev socket,id=sockfs,path=$work/sockfs.9p \
-device virtserialport,chardev=sockfs,name=sockfs" \
	bash "$here/run.sh" "$here/export-tests.sh" "$udp" "$http" || st=$?
[ "$st" -eq 0 ] || { echo "--- the export's log:"; tail -20 "$work/sockfs.log"; }
exit "$st"
