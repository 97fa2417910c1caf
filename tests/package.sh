#!/bin/bash
# package.sh TARBALL - the Debian package, built from the release tarball
# (what make distcheck checked) and used as an admin would: lintian, dpkg -i,
# the demo from the installed files, mount -t fuse.sockfs, an fstab line,
# the systemd unit (systemd-analyze verify), then dpkg --purge, after which
# no file may be left that was not there before.  Run as root on Debian by
# tests/run.sh's "package" stage; prints "ok N - ..." lines and a summary.
set -eu
tarball=$(realpath "${1:?usage: package.sh TARBALL}")
WORK=$(mktemp -d /tmp/sockfs-package.XXXXXX)
MNT=$WORK/mnt
N=0
installed=no

fail() {
	echo "FAIL (package): $*" >&2
	exit 1
}
ok() {
	N=$((N + 1))
	echo "ok $N - $*"
}
cleanup() {
	set +e
	mountpoint -q "$MNT" && umount "$MNT"
	[ $installed = yes ] && dpkg --purge sockfs >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "FAIL (package): line $LINENO: a command failed (status $?)" >&2' ERR

if dpkg -s sockfs >/dev/null 2>&1; then
	fail "a sockfs package is installed already; this test installs and purges its own"
fi

# The files of the machine that a package could touch.
snapshot() {
	find /usr /etc /lib /var/lib/systemd -xdev \( -type f -o -type l \) 2>/dev/null | sort
}

tar -C "$WORK" -xzf "$tarball"
src=$(echo "$WORK"/sockfs-*/)
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1 ||
	{ tail -30 "$WORK/build.log"; fail "dpkg-buildpackage failed"; }
deb=$(echo "$WORK"/sockfs_*.deb)
[ -f "$deb" ] || fail "no .deb was built"
dpkg-deb -I "$deb" | grep -q "Depends:.*libfuse3-3.*libjansson4" ||
	fail "shlibs did not name the libraries: $(dpkg-deb -I "$deb" | grep Depends)"
ok "dpkg-buildpackage -us -uc -b builds $(basename "$deb") from the tarball, with shlibs dependencies"

lintian --fail-on error,warning "$deb" > "$WORK/lintian.log" 2>&1 ||
	{ cat "$WORK/lintian.log"; fail "lintian"; }
sed 's/^/# lintian: /' "$WORK/lintian.log"
ok "lintian: no errors or warnings"

before=$(snapshot)
dpkg -i "$deb" > "$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
installed=yes
for f in /usr/bin/sockfs /usr/share/man/man1/sockfs.1.gz /lib/systemd/system/sockfs@.service \
	/usr/share/doc/sockfs/examples/demo.sh /usr/share/doc/sockfs/examples/http-get.sh \
	/usr/share/doc/sockfs/guide.md /usr/share/doc/sockfs/copyright; do
	# debhelper compresses docs over 4 KiB.
	dpkg -L sockfs | grep -qxE "$f(\.gz)?" || fail "the package has no $f: $(dpkg -L sockfs)"
done
ok "dpkg -i installs the daemon, the man page, the unit, the docs and the examples"

mkdir -p "$MNT"
sockfs "$MNT"
sh /usr/share/doc/sockfs/examples/demo.sh "$MNT" > "$WORK/demo.out" 2>/dev/null
grep -qx "HELLO THROUGH A FILE" "$WORK/demo.out" || fail "the demo said: $(cat "$WORK/demo.out")"
umount "$MNT"
ok "the installed sockfs runs the installed demo (a UDP exchange with echo and cat)"

mount -t fuse.sockfs sockfs "$MNT" -o allow_other
grep " $MNT fuse.sockfs " /proc/mounts | grep -q allow_other || fail "mount -t fuse.sockfs: $(grep " $MNT " /proc/mounts)"
[ -f "$MNT/udp/clone" ] || fail "the mount is empty"
umount "$MNT"
echo "sockfs $MNT fuse.sockfs allow_other,nofail 0 0" > "$WORK/fstab"
mount -T "$WORK/fstab" -a
mountpoint -q "$MNT" || fail "mount -a did not mount the fstab line"
umount "$MNT"
mount -T "$WORK/fstab" "$MNT"
mountpoint -q "$MNT" || fail "mount by mount point"
umount "$MNT"
for _ in $(seq 100); do pgrep -f "sockfs .*$MNT" >/dev/null || break; sleep 0.05; done
pgrep -f "sockfs .*$MNT" >/dev/null && fail "a sockfs daemon is left after umount"
ok "mount -t fuse.sockfs sockfs MNT -o allow_other, and 'sockfs MNT fuse.sockfs allow_other,nofail 0 0' in an fstab (mount -a, mount MNT); umount ends each"

unit="sockfs@$(systemd-escape --path "$MNT").service"
systemd-analyze verify "$unit" > "$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify $unit"; }
[ ! -s "$WORK/verify.log" ] || { cat "$WORK/verify.log"; fail "systemd-analyze verify had remarks"; }
ok "systemd-analyze verify $unit: no remarks"

dpkg --purge sockfs > "$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
installed=no
after=$(snapshot)
[ "$before" = "$after" ] || fail "files differ after purge: $(diff <(echo "$before") <(echo "$after") | head)"
ok "dpkg --purge removes it all: the machine's files are as before"

echo "package: $N passed, 0 failed"
