#!/bin/bash
# bench/export-engines.sh [BUILD]: the evidence docs/remote.md gives for
# serving sockfs over 9P itself: existing 9P servers exporting a sockfs
# FUSE mount, tried the way a user would.
#   qemu   qemu's virtio-9p (-virtfs local,path=MOUNT) to the VM of
#          tests/vm/run.sh, whose kernel mounts it and uses it with cat
#   diod   diod (Debian's package; installed if missing) on a unix
#          socket, driven by tests/integration/p9client.py
# Prints what each did.  Run as root; only loopback is used.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

# Inside the VM (run.sh runs this script again with "guest PORT").
if [ "${1:-}" = guest ]; then
	m=/run/net
	mkdir -p $m
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=none sockfs $m || exit 1
	try() { out=$(timeout 3 sh -c "$1" 2>&1); echo "qemu: $1: status $?: $out"; }
	try "cat $m/udp/clone"
	try "mkdir $m/udp/x"
	try "echo connect 127.0.0.1:$2 > $m/udp/x/ctl"
	try "cat $m/udp/x/data"
	exit 0
fi

build=$(cd "${1:-$top/build}" && pwd)
work=$(mktemp -d /tmp/sockfs-engines.XXXXXX)
mkdir "$work/mnt"
pids=()
trap 'fusermount3 -u "$work/mnt"; kill "${pids[@]}" 2>/dev/null; wait; rm -rf "$work"' EXIT
"$build/sockfs" -f "$work/mnt" 2>"$work/sockfs.log" &
pids+=($!)
python3 -c '
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(u.getsockname()[1]))
while True:
    m, a = u.recvfrom(70000); u.sendto(b"echo: " + m, a)
' "$work/port" &
pids+=($!)
for _ in $(seq 100); do [ -d "$work/mnt/tcp" ] && [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")

SOCKFS_VM_QEMU_ARGS="-virtfs local,path=$work/mnt,mount_tag=sockfs,security_model=none" \
	bash "$top/tests/vm/run.sh" "$here/export-engines.sh" guest "$port" 2>&1 | grep '^qemu:'

command -v diod >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq diod >/dev/null
socat UNIX-LISTEN:"$work/diod.sock" \
	EXEC:"$(command -v diod) -f -n --rfdno 0 --wfdno 1 -e $work/mnt -L $work/diod.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/diod.sock" ] && break; sleep 0.05; done
PYTHONPATH=$top/tests/integration python3 - "$work" "$port" <<'PY'
import os, struct, sys, time, p9client
work, port = sys.argv[1], sys.argv[2]
c = p9client.Client(os.path.join(work, "diod.sock"), msize=65536, uname="root", n_uname=0,
                    aname=os.path.join(work, "mnt"))
def tr(what, f):
    try:
        print("diod: %s: %r" % (what, f()))
    except OSError as e:
        print("diod: %s: %s" % (what, e))
tr("cat udp/clone", lambda: c.read_file("udp/clone"))
udp = c.newfid()
c.walk(c.root, udp, ["udp"])
tr("mkdir udp/x", lambda: c.mkdir(udp, "x"))
tr("echo connect > udp/x/ctl", lambda: c.echo("udp/x/ctl", "connect 127.0.0.1:" + port))
tr("cat udp/x/data", lambda: c.read_file("udp/x/data"))
PY
