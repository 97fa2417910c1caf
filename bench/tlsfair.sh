#!/bin/bash
# bench/tlsfair.sh - one user's TLS listener (RSA of BITS bits, 4096 by
# default: the largest sockfs takes) flooded with handshakes by 16 python
# clients, and another socket's UDP round trip through sockfs meanwhile
# (median, p99 and max over 8 s).  Only loopback.  Run as root from a
# built tree; SOCKFS names the daemon.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/sockfs-tlsfair.XXXXXX); M=$W/mnt; mkdir -p $M; cd $W
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${BITS:-4096} -out k.pem 2>/dev/null
openssl req -x509 -new -key k.pem -out c.pem -days 3 -subj /CN=localhost 2>/dev/null
"${SOCKFS:-$top/build/sockfs}" -f $M 2>/dev/null & D=$!
for _ in $(seq 100); do [ -d $M/tls ] && break; sleep 0.05; done
l=$M/tls/$(cat $M/tls/clone)
printf "set cert $W/c.pem\nset key $W/k.pem\nbind 127.0.0.1:0\nlisten 256\n" > $l/ctl
port=$(cut -d: -f2 < $l/local)
( while :; do c=$(cat $l/listen 2>/dev/null) || break; rmdir $M/tls/$c 2>/dev/null; done ) & A=$!
python3 - $port <<'PY' & F=$!
import socket, ssl, sys, threading
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def flood():
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); t = ctx.wrap_socket(s); t.close()
        except Exception: pass
for _ in range(16): threading.Thread(target=flood, daemon=True).start()
threading.Event().wait()
PY
sleep 2
python3 - $M <<'PY'
import os, socket, time, statistics, sys
m = sys.argv[1]
p = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); p.bind(("127.0.0.1", 0))
s = m + "/udp/" + open(m + "/udp/clone").read().strip()
open(s + "/ctl", "w").write("connect 127.0.0.1:%d" % p.getsockname()[1])
w = os.open(s + "/data", os.O_WRONLY); r = os.open(s + "/data", os.O_RDONLY)
t = []
end = time.monotonic() + 8
while time.monotonic() < end:
    a = time.perf_counter(); os.write(w, b"x"); d, addr = p.recvfrom(10); p.sendto(d, addr); os.read(r, 10); t.append(time.perf_counter() - a)
t.sort()
print("rtt ms: median %.2f p99 %.2f max %.2f (n=%d)" % (1000*statistics.median(t), 1000*t[int(len(t)*0.99)], 1000*t[-1], len(t)))
PY
kill $F $A 2>/dev/null; fusermount3 -u -z $M; wait $D 2>/dev/null; rm -rf $W
