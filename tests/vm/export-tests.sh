#!/bin/bash
# Run inside the guest by export-run.sh: mounts the host's export with the
# kernel's 9p client over /dev/virtio-ports/sockfs (no network device
# here) and uses it with echo and cat.  UDP_PORT and HTTP_PORT are the
# host's peers on the host's loopback.  Kept short: the guest is emulated.
set -u
udp=$1 http=$2
m=/run/net
n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { echo "FAIL (t-vm-export): $*"; status=1; }
echo "kernel: $(uname -r); network devices: $(ls /sys/class/net | tr '\n' ' ')"
# /dev/virtio-ports/NAME is udev's link, and no udev runs here: the port
# named sockfs, found by its name in sysfs.
port=/dev/virtio-ports/sockfs
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = sockfs ] && port=/dev/${p##*/}
done
# The kernel's trans=fd cannot write to a virtio-serial port (6.1 says
# "kernel write not supported": the port has no write_iter), so socat
# relays between the port and a unix socket, and the mount is trans=unix.
socat UNIX-LISTEN:/run/sockfs.9p,mode=600 OPEN:"$port" &
for _ in $(seq 100); do [ -S /run/sockfs.9p ] && break; sleep 0.05; done
mkdir -p $m
mount -t 9p -o trans=unix,version=9p2000.L,cache=none,access=user,msize=262144 \
	/run/sockfs.9p $m || { echo "FAIL (t-vm-export): mount: exit $?"; dmesg | tail -5; exit 1; }
ok "mount -t 9p over the virtio-serial port (socat relay): $(ls $m | tr '\n' ' ')"

d=$m/udp/$(cat $m/udp/clone)
echo "connect 127.0.0.1:$udp" > "$d/ctl"
echo one > "$d/data"
echo two > "$d/data"
a=$(cat "$d/data") b=$(cat "$d/data")
[ "$a" = "echo: one" ] && [ "$b" = "echo: two" ] && ok "udp round trip with the host's peer: [$a] [$b], peer $(cat "$d/peer")" ||
	bad "udp: [$a] [$b]"

t=$m/tcp/$(cat $m/tcp/clone)
echo "connect 127.0.0.1:$http" > "$t/ctl"
printf 'GET / HTTP/1.0\r\n\r\n' > "$t/data"
page=$(cat "$t/data")
case $page in
"HTTP/1.0 200"*"hello from the host"*) ok "http fetch from the host's loopback: $(echo "$page" | head -1)" ;;
*) bad "http: [$page]" ;;
esac

# A read that waits, ended by a signal (SIGINT at its default, as Ctrl-C
# at a terminal): back within a second of it, and the socket still works.
w=$m/udp/$(cat $m/udp/clone)
echo "bind 127.0.0.1:0" > "$w/ctl"
(trap - INT; exec cat "$w/data") &
pid=$!
# Until cat waits in read(2) (system call 0 on x86-64), not a fixed time.
for _ in $(seq 600); do
	case $(cat /proc/$pid/syscall 2>/dev/null) in "0 "*) break ;; esac
	sleep 0.05
done
s=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$? ms=$((($(date +%s%N) - s) / 1000000))
echo "to 127.0.0.1:$udp" > "$w/ctl"
echo again > "$w/data"
r=$(cat "$w/data")
[ $rc = 130 ] && [ $ms -lt 1000 ] && [ "$r" = "echo: again" ] &&
	ok "a waiting cat ended by SIGINT ${ms} ms after it; the socket then: [$r]" ||
	bad "interrupt: status $rc after $ms ms, then [$r]"

# Two guest users: each acts as itself on the host (access=user attaches
# with each uid; qemu, root, vouches for them) and sees only its own.
useradd -M -u 4101 vma && useradd -M -u 4102 vmb
an=$(setpriv --reuid=vma --regid=vma --clear-groups cat $m/udp/clone)
own=$(stat -c %u "$m/udp/$an")
bl=$(setpriv --reuid=vmb --regid=vmb --clear-groups ls $m/udp | tr '\n' ' ')
berr=$(setpriv --reuid=vmb --regid=vmb --clear-groups cat "$m/udp/$an/status" 2>&1 >/dev/null)
case " $bl " in
*" $an "*) bad "vmb lists vma's socket $an: $bl" ;;
*) [ "$own" = 4101 ] && [ -n "$berr" ] && ok "users: vma's socket $an is uid $own on the host; vmb lists [$bl] and gets [$berr]" ||
	bad "users: owner $own, vmb's error [$berr]" ;;
esac
umount $m
exit $status
