#!/bin/bash
# splice(2) and sendfile(2) readers (busybox cat, python's os.splice,
# os.sendfile and shutil), and the tools that still read(2).  A kernel that
# splices direct_io FUSE files through the page cache used to give them a
# silent empty end of file; now they get the bytes or EINVAL, and fall back.
. "$(dirname "$0")/lib.sh"
command -v busybox >/dev/null || fail "busybox is not installed (scripts/deps.sh test installs busybox-static)"
start_sockfs
udp_echo_peer echo
PORT=$(ready_of echo)

# busybox cat copies with sendfile(2) into a pipe, and falls back to read(2)
# on any error.
s=$(busybox cat "$MNT/udp/clone" | cat)
[ -n "$s" ] || fail "busybox cat clone | cat gave nothing"
[ -d "$MNT/udp/$s" ] || fail "no folder for [$s]"
strace -f -qq -e trace=sendfile -o "$WORK/bb.strace" busybox cat "$MNT/udp/clone" | cat >/dev/null
grep -q 'sendfile(.*= -1 EINVAL' "$WORK/bb.strace" || fail "busybox did not try sendfile: $(cat "$WORK/bb.strace")"
ok "busybox cat of clone into a pipe gives the name (sendfile fails over to read)"

d="$MNT/udp/$s"
echo "connect 127.0.0.1:$PORT" | busybox tee "$d/ctl" >/dev/null
echo "one" > "$d/data"
echo "two" > "$d/data"
expect_eq "$(busybox cat "$d/data" | cat)" "echo: one" "first datagram through busybox cat"
expect_eq "$(busybox cat "$d/data" | cat)" "echo: two" "second datagram through busybox cat"
expect_eq "$(busybox cat "$d/peer" | cat)" "127.0.0.1:$PORT" "peer through busybox cat"
busybox cat "$d/status" | jq -e ".peer == \"127.0.0.1:$PORT\"" >/dev/null || fail "status through busybox cat"
busybox cat "$MNT/sockets" | jq -e "map(select(.name == \"$s\")) | length == 1" >/dev/null ||
	fail "sockets through busybox cat"
ok "busybox cat of data, peer, status and sockets into a pipe: one message each, as read(2) gives"

# python: splice and sendfile into a pipe fail with EINVAL, and take nothing:
# the datagram waiting in data is still there for the read(2) that follows.
echo "three" > "$d/data"
sleep 0.2
python3 - "$MNT" "$d" <<'PY' || fail "splice/sendfile"
import errno, os, sys
mnt, d = sys.argv[1], sys.argv[2]
for path in (mnt + "/udp/clone", d + "/data", d + "/status", d + "/peer", d + "/ctl", mnt + "/sockets"):
    for how in ("splice", "sendfile"):
        fd = os.open(path, os.O_RDONLY)
        r, w = os.pipe()
        try:
            n = os.splice(fd, w, 65536) if how == "splice" else os.sendfile(w, fd, None, 65536)
            # A kernel with the upstream fix gives the bytes read(2) would.
            got = os.read(r, 65536)
            assert n > 0 and len(got) == n, (path, how, n)
            if path.endswith("/data"):
                assert got == b"echo: three\n", got
        except OSError as e:
            assert e.errno == errno.EINVAL, (path, how, e)
        finally:
            for f in (fd, r, w):
                os.close(f)
PY
expect_eq "$(cat "$d/data")" "echo: three" "the datagram after failed splices"
ok "os.splice and os.sendfile give EINVAL (or the bytes), never 0, and take no message"

python3 - "$d/status" "$WORK/copy" <<'PY' || fail "shutil.copyfile"
import shutil, sys
shutil.copyfile(sys.argv[1], sys.argv[2])
PY
jq -e ".name == \"$s\"" "$WORK/copy" >/dev/null || fail "shutil.copyfile copied: $(cat "$WORK/copy")"
ok "shutil.copyfile (sendfile first) falls back and copies the whole status"

# What the nominal size shows, and that nothing stops at it.
expect_eq "$(stat -c %s "$d/data")" 4096 "st_size of data"
expect_eq "$(stat -c %s "$d")" 0 "st_size of a folder"
for _ in $(seq 200); do mkdir "$MNT/udp/n$_"; done
big=$(cat "$MNT/sockets" | wc -c)
[ "$big" -gt 4096 ] || fail "sockets is only $big bytes"
expect_eq "$(wc -c < "$MNT/sockets")" "$big" "wc -c of sockets"
expect_eq "$(busybox wc -c < "$MNT/sockets")" "$big" "busybox wc -c of sockets"
expect_eq "$(busybox cat "$MNT/sockets" | wc -c)" "$big" "busybox cat of sockets"
expect_eq "$(dd if="$MNT/sockets" bs=1M status=none | wc -c)" "$big" "dd of sockets"
expect_eq "$(head -c 100000 "$MNT/sockets" | wc -c)" "$big" "head -c of sockets"
cp "$MNT/sockets" "$WORK/sockets.copy"
expect_eq "$(wc -c < "$WORK/sockets.copy")" "$big" "cp of sockets"
ok "files report 4096 bytes; cat, wc -c, dd, head and cp read past it to the real end"

stop_sockfs
finish
