#!/bin/bash
# package.sh TARBALL: the Debian package as built on the release this runs
# on (the machine's own, for tests/run.sh's "package" stage, or inside
# tests/release/run.sh's root), as root: dpkg-buildpackage from the
# tarball (what make distcheck checked), dependencies as dpkg-shlibdeps
# found them on this release, lintian, dpkg -i, the installed demo, mount
# -t fuse.sockfs and an fstab line (mount -a, mount MNT), the unit
# (systemd-analyze verify), and dpkg --purge, after which no file may be
# left that was not there before.  Prints "ok N - ..." lines and a summary.
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
dpkg -s sockfs >/dev/null 2>&1 && fail "a sockfs package is installed already"
snapshot() {
	find /usr /etc /lib /var/lib/systemd -xdev \( -type f -o -type l \) 2>/dev/null | sort
}

tar -C "$WORK" -xzf "$tarball"
src=$(echo "$WORK"/sockfs-*/)
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1 ||
	{ tail -30 "$WORK/build.log"; fail "dpkg-buildpackage failed"; }
deb=$(echo "$WORK"/sockfs_*.deb)
[ -f "$deb" ] || fail "no .deb was built"
# Each library the daemon links must be named by the package of this
# release that has it (libfuse3-4 and libssl3t64 on Debian 13, say).
depends=$(dpkg-deb -f "$deb" Depends)
for lib in $(objdump -p "$src/debian/sockfs/usr/bin/sockfs" | awk '$1 == "NEEDED" { print $2 }'); do
	pkg=$(dpkg -S "*/$lib" | head -1 | sed 's/[:,].*//')
	[ -n "$pkg" ] || fail "no package has $lib"
	echo "$depends" | grep -qE "(^|, )$pkg( |,|$)" || fail "Depends ($depends) does not name $pkg, which has $lib"
done
ok "dpkg-buildpackage builds $(basename "$deb"); Depends: $depends"

lintian --fail-on error,warning "$deb" > "$WORK/lintian.log" 2>&1 ||
	{ cat "$WORK/lintian.log"; fail "lintian"; }
sed 's/^/# lintian: /' "$WORK/lintian.log"
ok "lintian $(dpkg-query -W -f '${Version}' lintian): no errors or warnings"

before=$(snapshot)
dpkg -i "$deb" > "$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
installed=yes
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
for f in /usr/bin/sockfs /usr/share/man/man1/sockfs.1.gz "$unitdir/sockfs@.service" \
	/usr/share/doc/sockfs/examples/demo.sh /usr/share/doc/sockfs/examples/http-get.sh \
	/usr/share/doc/sockfs/guide.md /usr/share/doc/sockfs/copyright; do
	dpkg -L sockfs | grep -qxE "$f(\.gz)?" || fail "the package has no $f: $(dpkg -L sockfs)"
done
ok "dpkg -i installs the daemon, the man page, the unit (in $unitdir), the docs and the examples"

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
ok "mount -t fuse.sockfs sockfs MNT -o allow_other, and 'sockfs MNT fuse.sockfs allow_other,nofail 0 0' in an fstab (mount -a, mount MNT)"

unit="sockfs@$(systemd-escape --path "$MNT").service"
systemd-analyze verify "$unit" > "$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify $unit"; }
[ ! -s "$WORK/verify.log" ] || { cat "$WORK/verify.log"; fail "systemd-analyze verify had remarks"; }
ok "systemd-analyze verify $unit: no remarks"

for _ in $(seq 100); do pgrep -f "sockfs .*$MNT" >/dev/null || break; sleep 0.05; done
pgrep -f "sockfs .*$MNT" >/dev/null && fail "a sockfs daemon is left after umount"
dpkg --purge sockfs > "$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
installed=no
after=$(snapshot)
[ "$before" = "$after" ] || fail "files differ after purge: $(diff <(echo "$before") <(echo "$after") | head)"
ok "dpkg --purge removes it all: the files are as before"
echo "package: $N passed, 0 failed"
