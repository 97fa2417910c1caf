#!/bin/bash
# tests/vm/run.sh SCRIPT [ARGS...]: runs bash SCRIPT ARGS inside a virtual
# machine that boots Debian 12's own kernel (linux-image-amd64), and exits
# with the script's status.
#
# Why: the machines this project is built and tested on run kernels without
# some of what Debian's kernel has, kernel TLS (tls.ko) first of all.  The
# guest's root is this machine's root, shared read-only over 9p, so the
# guest runs the very build, python and openssl the host has; /tmp, /run
# and /dev/shm are fresh tmpfs (the source tree is put back where it was,
# when it is under /tmp).  qemu runs under software emulation unless
# SOCKFS_VM_KVM=1 asks for KVM.  Everything the guest prints comes out on
# our stdout.
#
# SOCKFS_VM_KERNEL: a folder with a Debian kernel package unpacked into it
# (boot/vmlinuz-*, lib/modules/*); by default one is fetched with
# apt-get download into $SOCKFS_VM_CACHE (/var/cache/sockfs-vm).
# SOCKFS_VM_TIMEOUT: seconds before the guest is stopped (900).
# SOCKFS_VM_QEMU_ARGS: more qemu arguments, split at spaces (export-run.sh
# adds a virtio-serial port bound to the host's 9P export).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
script=$(realpath "$1")
shift
cache=${SOCKFS_VM_CACHE:-/var/cache/sockfs-vm}

die() { echo "vm: $*" >&2; exit 2; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed (scripts/deps.sh vm)"
command -v busybox >/dev/null && busybox --list | grep -qx depmod && busybox --list | grep -qx modprobe ||
	die "a busybox with depmod and modprobe is needed (busybox-static)"
ldd "$(command -v busybox)" >/dev/null 2>&1 && die "busybox is not static (busybox-static)"

# fetch_kernel: Debian's current 6.1 kernel package, unpacked (no
# maintainer scripts run, nothing is installed).
fetch_kernel() {
	local dir=$cache/kernel pkg
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
		[ -n "$pkg" ] || die "apt knows no linux-image-amd64"
		mkdir -p "$cache/deb"
		(cd "$cache/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "cannot download $pkg"
		# Unpacked aside and moved into place whole: a run beside this
		# one never sees half a kernel.
		rm -rf "$dir.new"
		dpkg-deb -x "$cache"/deb/"$pkg"_*.deb "$dir.new" && mv -T "$dir.new" "$dir" ||
			[ -d "$dir/boot" ] || die "cannot unpack $pkg"
	fi
	echo "$dir"
}
kernel=${SOCKFS_VM_KERNEL:-$(fetch_kernel)}
vmlinuz=$(ls "$kernel"/boot/vmlinuz-* | head -1)
kver=${vmlinuz##*/vmlinuz-}
mods=$kernel/lib/modules/$kver/kernel

work=$(mktemp -d /tmp/sockfs-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The initramfs: a static busybox, init.sh, and the modules the guest
# needs (virtio and 9p for the root, fuse, tls, and every crypto module,
# which the kernel asks for by algorithm through busybox's modprobe).
ird=$work/initramfs
mkdir -p "$ird"/bin "$ird"/proc "$ird"/sys "$ird"/dev "$ird"/newroot "$ird"/keep
cp "$(command -v busybox)" "$ird"/bin/busybox
ln -s busybox "$ird"/bin/sh
ln -s busybox "$ird"/bin/modprobe
for m in drivers/virtio net/9p fs/9p fs/netfs fs/fscache fs/fuse net/tls crypto arch/x86/crypto lib/crypto; do
	[ -d "$mods/$m" ] || die "the kernel has no $m modules"
	mkdir -p "$ird/lib/modules/$kver/kernel/$m"
	cp -r "$mods/$m/." "$ird/lib/modules/$kver/kernel/$m/"
done
# virtio-serial ports (/dev/virtio-ports/NAME), and nothing else of drivers/char.
mkdir -p "$ird/lib/modules/$kver/kernel/drivers/char"
cp "$mods/drivers/char/virtio_console.ko"* "$ird/lib/modules/$kver/kernel/drivers/char/"
cp "$kernel/lib/modules/$kver"/modules.builtin* "$kernel/lib/modules/$kver"/modules.order "$ird/lib/modules/$kver/"
busybox depmod -b "$ird" "$kver" || die "depmod failed"
cp "$here/init.sh" "$ird"/init
chmod 755 "$ird"/init

# What the guest runs, and where its source tree is.
top=$(cd "$here/../.." && pwd)
{
	printf 'cd %q\n' "$PWD"
	printf 'exec bash %q' "$script"
	printf ' %q' "$@"
	echo
} > "$ird/job.sh"
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initramfs.gz"

accel=tcg
# KVM only when asked: on some hosts /dev/kvm is there but the guest
# hangs at boot under it (nested virtualisation); emulation always works.
[ "${SOCKFS_VM_KVM:-0}" = 1 ] && [ -w /dev/kvm ] && accel=kvm
out=$work/console
timeout "${SOCKFS_VM_TIMEOUT:-900}" qemu-system-x86_64 \
	-accel "$accel" -cpu max -m "${SOCKFS_VM_MEM:-2048}" -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet sockfs.top=$top" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	${SOCKFS_VM_QEMU_ARGS:-} \
	< /dev/null | tee "$out" | sed -u 's/\r//g; s/\x1b[[0-9;?]*[a-zA-Z]//g; /^sockfs-vm-exit /d' || true
rc=$(tr -d '\r' < "$out" | sed -n 's/^sockfs-vm-exit \([0-9]*\)$/\1/p' | tail -1)
[ -n "$rc" ] || die "the guest stopped without reporting its script's status"
exit "$rc"
