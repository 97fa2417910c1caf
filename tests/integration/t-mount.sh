#!/bin/bash
# sockfs as mount(8) and systemd run it: SOURCE MOUNTPOINT -o OPTIONS with
# fstab-only options, mount -t fuse and an fstab line (mount -T), umount by
# the mount point, and readiness sent to a stand-in $NOTIFY_SOCKET.  The
# installed `mount -t fuse.sockfs` and the unit are tested on the installed
# package (tests/package.sh).
. "$(dirname "$0")/lib.sh"

# The daemon runs as mount.fuse3 runs it, with every option fstab may hold.
"$SOCKFS" -f sockfs "$MNT" -o rw,dev,suid,nofail,_netdev,noauto,auto,user,users,nouser,defaults,x-systemd.automount,x-systemd.mount-timeout=30,comment=x 2>"$WORK/sockfs.log" &
SOCKFS_PID=$!
for _ in $(seq 100); do [ -d "$MNT/udp" ] && break; sleep 0.05; done
[ -d "$MNT/udp" ] || fail "sockfs SOURCE MOUNTPOINT -o ... did not mount: $(cat "$WORK/sockfs.log")"
expect_eq "$(awk -v m="$MNT" '$2 == m {print $1, $3}' /proc/mounts)" "sockfs fuse.sockfs" "source and type in /proc/mounts"
umount "$MNT" || fail "umount MOUNTPOINT"
wait "$SOCKFS_PID" || fail "sockfs exited with $? after umount"
SOCKFS_PID=
ok "SOURCE MOUNTPOINT and fstab-only options (nofail, _netdev, noauto, user, users, x-*) are accepted; umount ends sockfs with 0"

expect_err "too many arguments" "$SOCKFS" a b c
ok "a third word is refused"

# mount(8) through fuse3's mount.fuse3, by the program's own path.
gone() {	# gone: the daemon serving $MNT has exited
	for _ in $(seq 100); do
		pgrep -f "$SOCKFS .*$MNT" >/dev/null || return 0
		sleep 0.05
	done
	fail "the daemon of $MNT is still running"
}
mount -t fuse "$SOCKFS#netfs" "$MNT" -o allow_other,nofail || fail "mount -t fuse"
expect_eq "$(awk -v m="$MNT" '$2 == m {print $1}' /proc/mounts)" netfs "source"
grep " $MNT " /proc/mounts | grep -q allow_other || fail "allow_other not in force"
d=$(cat "$MNT/udp/clone")
[ -d "$MNT/udp/$d" ] || fail "no socket folder"
umount "$MNT" || fail "umount"
mountpoint -q "$MNT" && fail "still mounted"
gone
ok "mount -t fuse PROG#SOURCE MOUNTPOINT -o allow_other,nofail works; umount by the mount point ends it"

# An fstab of the test's own: mount -a, then by mount point; noauto is left.
mkdir "$WORK/mnt2"
cat > "$WORK/fstab" <<EOF
$SOCKFS#sockfs $MNT fuse allow_other,nofail,_netdev 0 0
$SOCKFS#sockfs $WORK/mnt2 fuse noauto,user 0 0
EOF
mount -T "$WORK/fstab" -a || fail "mount -a"
mountpoint -q "$MNT" || fail "mount -a did not mount $MNT"
mountpoint -q "$WORK/mnt2" && fail "mount -a mounted a noauto line"
mount -T "$WORK/fstab" "$WORK/mnt2" || fail "mount by its mount point"
[ -f "$WORK/mnt2/udp/clone" ] || fail "the noauto line's mount is empty"
umount "$MNT" "$WORK/mnt2" || fail "umount of both"
gone
ok "an fstab line: mount -a mounts it, skips noauto, mount MOUNTPOINT mounts by the line; umount ends both"

# Readiness: READY=1 to $NOTIFY_SOCKET once the mount answers, as systemd's
# Type=notify wants; a path and an abstract name.
for where in "$WORK/notify" "@sockfs-test-$$"; do
	py_peer notify "$where" "$MNT" <<'PY'
import os, socket, sys
ready, where, mnt = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(where.replace("@", "\0", 1) if where[0] == "@" else where)
open(ready, "w").write("1")
s.settimeout(20)
msg = s.recv(4096).decode()
# The daemon says READY only when the mount is there to use.
print(repr(msg), os.path.isdir(mnt + "/udp"), flush=True)
PY
	NOTIFY_SOCKET=$where "$SOCKFS" -f "$MNT" 2>"$WORK/sockfs.log" &
	SOCKFS_PID=$!
	wait "$PEER_PID" || fail "the notify peer: $(cat "$WORK/notify.err")"
	expect_eq "$(cat "$WORK/notify.out")" "'READY=1\\nSTATUS=mounted at $MNT\\n' True" "notification to $where"
	rm -f "$WORK/notify.ready"
	stop_sockfs
done
ok "READY=1 reaches \$NOTIFY_SOCKET (a path, and @abstract) only once the mount is up"

# umount ends the daemon at once: nothing waits on a timer at exit.  The
# daemon forks away from mount(8), so its parent is whoever reaps orphans;
# on this machine that is a PID 1 that reaps every two seconds or so, which
# is what a plain "wait for the pid" measures.  A subreaper of our own
# reaps it the moment it exits.
python3 - "$SOCKFS" "$MNT" >"$WORK/reaped" 2>&1 <<'PY' || fail "subreaper: $(cat "$WORK/reaped")"
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)		# PR_SET_CHILD_SUBREAPER
prog, mnt = sys.argv[1:3]
subprocess.run(["mount", "-t", "fuse", prog + "#sockfs", mnt], check=True,
               stdin=subprocess.DEVNULL)
out = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
pid = int(out.stdout.split()[0])	# our one child: the daemon, orphaned to us
t = time.monotonic()
subprocess.run(["umount", mnt], check=True)
os.waitpid(pid, 0)		# ours now: the daemon's own parent exited
print("%.0f" % ((time.monotonic() - t) * 1000))
PY
ms=$(cat "$WORK/reaped")
# Measured 8-36 ms; the old wait was 1.9 s.  The bound only tells a timer
# at exit from a loaded machine.
[ "$ms" -lt 1000 ] || fail "umount took $ms ms to end the daemon"
ok "umount ends the daemon promptly ($ms ms, umount to reaped by a subreaper)"

finish
