#!/bin/bash
# Case 4 of the container tests: rootless podman, run by an ordinary user
# with subordinate ids (useradd assigns them when uidmap is installed),
# mounting sockfs inside its container and using it with busybox tools.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"
U=sfs_ct_rootless
if ! why=$(podman_works); then
	echo "SKIP: $why"
	exit 77
fi
command -v newuidmap >/dev/null || fail "newuidmap is missing (the uidmap package)"
# useradd gives subordinate ids only where /etc/subuid and /etc/subgid exist.
made=()
for f in /etc/subuid /etc/subgid; do [ -e $f ] || { touch $f; made+=($f); }; done
id "$U" >/dev/null 2>&1 || useradd -m -s /bin/sh "$U"
grep -q "^$U:" /etc/subuid || fail "useradd gave $U no subordinate uids"
old_fuse=$(stat -c %a /dev/fuse)
undo() {
	set +e
	# Rootless podman leaves a pause process holding the user namespace.
	pkill -KILL -u "$U"
	chmod "$old_fuse" /dev/fuse
	cleanup
	userdel -r "$U" 2>/dev/null
	rm -f "${made[@]}"
}
trap undo EXIT
# The machine's /dev/fuse is 0600 (a stock Debian's is 0666).
chmod 666 /dev/fuse
chmod 755 "$WORK"
make_rootfs "$WORK/root"
mkdir "$WORK/run"
chown -R "$U" "$WORK/root" "$WORK/run"
chmod 700 "$WORK/run"
udp_echo_peer echo
UPORT=$(ready_of echo)

cat > "$WORK/root/share/inside.sh" <<'SH'
set -u
. /share/net.sh
mount_net
s=/net/udp/$(cat /net/udp/clone)
echo "connect 127.0.0.1:$UPORT" > $s/ctl
echo "hello from uid $(id -u)" > $s/data
cat $s/data
stat -c "owner %u" $s
umount_net
SH
as_u() {
	setpriv --reuid="$U" --regid="$U" --init-groups env -i HOME="$(getent passwd "$U" | cut -d: -f6)" \
		XDG_RUNTIME_DIR="$WORK/run" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
as_u "${PODMAN[@]}" run --rm "${CT_FLAGS[@]}" --device /dev/fuse --cap-add SYS_ADMIN \
	--network host -e UPORT="$UPORT" --rootfs "$WORK/root" /bin/sh /share/inside.sh \
	> "$WORK/out" 2>"$WORK/err" || fail "the rootless container failed: $(cat "$WORK/err" "$WORK/out")"
expect_eq "$(cat "$WORK/out")" "echo: hello from uid 0
owner 0
daemon exit 0" "inside the rootless container"
ok "4: rootless podman: sockfs mounts inside as the user's namespace root, a UDP round trip, umount ends it with 0"

finish
