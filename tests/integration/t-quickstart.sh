#!/bin/bash
# scripts/quickstart.sh never unmounts a mount it did not make, and every
# step that fails says which.  It runs from a copy of scripts/ in a tree of
# stand-ins (apt-get, autoreconf, configure, make's Makefile), whose
# build/sockfs is the sockfs under test: nothing is installed or built.
. "$(dirname "$0")/lib.sh"
QS="$WORK/qs"
trap '! mountpoint -q "$QS" || fusermount3 -u "$QS"; cleanup' EXIT

tree="$WORK/tree"
mkdir -p "$tree/build" "$WORK/bin"
cp -r "$TOP_SRCDIR/scripts" "$tree/"
printf '#!/bin/sh\nexit 0\n' > "$WORK/bin/apt-get"
printf '#!/bin/sh\nexit 0\n' > "$WORK/bin/autoreconf"
printf '#!/bin/sh\nprintf "all:\\n\\ttrue\\n" > Makefile\n' > "$tree/configure"
chmod +x "$WORK/bin/apt-get" "$WORK/bin/autoreconf" "$tree/configure"
ln -s "$SOCKFS" "$tree/build/sockfs"
export PATH="$WORK/bin:$PATH"

# Someone else's mount (the test's own sockfs) at the mount point.
start_sockfs
if out=$(bash "$tree/scripts/quickstart.sh" "$MNT" 2>&1); then
	fail "quickstart over another mount succeeded: $out"
fi
case $out in
*"$MNT is a mount point already"*) ;;
*) fail "quickstart's refusal said: $out" ;;
esac
mountpoint -q "$MNT" || fail "quickstart unmounted a mount it did not make"
[ -d "$MNT/tcp" ] || fail "the mount is not sockfs any more"
[ ! -e "$tree/build/Makefile" ] || fail "quickstart went on to configure"
ok "quickstart refuses a mount point someone else mounted, and leaves it mounted"

# Its own mount: made, and made again by a second run.
bash "$tree/scripts/quickstart.sh" "$QS" > "$WORK/qs1.out" 2>&1 ||
	fail "quickstart: $(cat "$WORK/qs1.out")"
grep -q "HELLO THROUGH A FILE" "$WORK/qs1.out" || fail "the demo: $(cat "$WORK/qs1.out")"
expect_eq "$(findmnt -n -o SOURCE --mountpoint "$QS")" sockfs-quickstart "the mount's name"
bash "$tree/scripts/quickstart.sh" "$QS" > "$WORK/qs2.out" 2>&1 ||
	fail "quickstart again: $(cat "$WORK/qs2.out")"
expect_eq "$(findmnt -n -o SOURCE --mountpoint "$QS" | wc -l)" 1 "mounts at $QS"
fusermount3 -u "$QS"
ok "quickstart mounts as sockfs-quickstart, and a second run replaces its own mount"

# A failing step says what failed, with its output.
printf '#!/bin/sh\necho "autoreconf: no configure.ac here" >&2\nexit 1\n' > "$WORK/bin/autoreconf"
if out=$(bash "$tree/scripts/quickstart.sh" "$QS" 2>&1); then
	fail "quickstart succeeded with a failing autoreconf"
fi
case $out in
*"quickstart: autoreconf failed"*"no configure.ac here"*) ;;
*) fail "a failing autoreconf said: [$out]" ;;
esac
ok "a failing step prints what failed and its output"
finish
