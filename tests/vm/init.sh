#!/bin/sh
# The guest's /init (tests/vm/run.sh puts it in the initramfs): load the
# modules (and let the kernel load more with busybox's modprobe), mount
# the host's root read-only over 9p, with fresh tmpfs on /tmp, /run and
# /dev/shm and a copy of /etc, run /job.sh in it, report its status on
# the console, power off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo /bin/modprobe > /proc/sys/kernel/modprobe
for m in virtio_pci 9pnet_virtio 9p fuse tls virtio_console; do
	modprobe "$m" || echo "sockfs-vm: modprobe $m failed"
done

top=$(sed -n 's/.* sockfs\.top=\([^ ]*\).*/\1/p' /proc/cmdline)
r=/newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot $r || {
	echo "sockfs-vm-exit 2"
	poweroff -f
}
# The source tree, kept where it is even when it lies under /tmp.
mount --bind "$r$top" /keep
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
# A writable /etc (tests add users): a copy in the initramfs's memory.
mkdir /etc.copy && cp -a $r/etc/. /etc.copy/ && mount --bind /etc.copy $r/etc
mount -t tmpfs -o mode=755 tmpfs $r/run
mount -t proc proc $r/proc
mount -t sysfs sys $r/sys
mount -t devtmpfs dev $r/dev
mkdir -p $r/dev/shm && mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
mkdir -p $r/dev/pts && mount -t devpts devpts $r/dev/pts
ln -s /proc/self/fd $r/dev/fd
ln -s fd/0 $r/dev/stdin
ln -s fd/1 $r/dev/stdout
ln -s fd/2 $r/dev/stderr
case $top in
/tmp/* | /run/*) mkdir -p "$r$top" && mount --move /keep "$r$top" ;;
esac
ip link set lo up
cp /job.sh $r/run/job.sh

chroot $r /usr/bin/env -i HOME=/root TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash /run/job.sh
echo "sockfs-vm-exit $?"
poweroff -f
