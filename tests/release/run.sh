#!/bin/bash
# tests/release/run.sh RELEASE LEVEL OUT [CMD...]: builds and tests this source tree
# inside a root of another Debian release (trixie, forky, ...), made with
# mmdebstrap from Debian's archive, and copies the build's test logs to OUT.
#   LEVEL full:  ./configure --enable-werror && make, make check (unit and
#                integration tests), then the Debian package built from
#                make dist's tarball, checked with lintian, installed,
#                used and purged (tests/package.sh)
#   LEVEL light: the -Werror build and the unit tests
# Prints "versions: ..." (the release and its libraries) and what ran.
# Exits 0 when everything passed, 1 when something failed, 77 when no root
# of RELEASE could be had (mmdebstrap failed and none is cached).
#
# The root is cached in $SOCKFS_RELEASE_CACHE (/var/cache/sockfs-release)
# and made again when the package list (scripts/deps.sh --print) changes
# or it is older than $SOCKFS_RELEASE_MAX_AGE days (7); when it cannot be
# made again, the older one is used.  $SOCKFS_RELEASE_APTOPT is given to
# mmdebstrap as an --aptopt (an apt.conf line), for a machine whose apt
# needs one.  Each run works in an overlay on the root, so the cached root
# itself is never changed.  The root gets /proc, /sys, /dev (bound, for
# /dev/fuse), /dev/pts, and a tmpfs on /dev/shm, /tmp, /run, /home and
# /var/lib/containers; all are unmounted however the run ends, and the
# whole run is in a mount namespace of its own, so that not even a killed
# run leaves a mount on the machine.  The kernel is this machine's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
release=${1:?usage: run.sh RELEASE full|light OUT}
level=${2:?usage: run.sh RELEASE full|light OUT}
out=${3:?usage: run.sh RELEASE full|light OUT}
cache=${SOCKFS_RELEASE_CACHE:-/var/cache/sockfs-release}
max_age=${SOCKFS_RELEASE_MAX_AGE:-7}

die() { echo "release $release: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, mounts, pivot_root)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/deps.sh release)"
case $level in
full) list=root ;;
light) list=build ;;
*) die "level is full or light, not $level" ;;
esac

# Everything below runs in a private mount namespace: its mounts go away
# with its last process even if this script is killed.
if [ -z "${SOCKFS_RELEASE_NS:-}" ]; then
	SOCKFS_RELEASE_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

mkdir -p "$out" "$cache"
out=$(realpath "$out")
pkgs=$(bash "$top/scripts/deps.sh" --print "$list")
root=$cache/$release-$level
# One run at a time per root: a second waits rather than sharing a root
# that the first may be remaking.
exec 9> "$root.lock"
flock 9

fresh() {
	[ -f "$root/.sockfs-packages" ] && [ "$(cat "$root/.sockfs-packages")" = "$pkgs" ] &&
		[ -z "$(find "$root/.sockfs-packages" -mtime +"$max_age")" ]
}
# make_root: mmdebstrap into $root.new, moved into place whole.
make_root() {
	local t0=$SECONDS
	rm -rf --one-file-system "$root.new"
	# shellcheck disable=SC2086 # one word per package
	if ! mmdebstrap --variant=apt --include="$(echo $pkgs | tr ' ' ,)" \
		${SOCKFS_RELEASE_APTOPT:+"--aptopt=$SOCKFS_RELEASE_APTOPT"} \
		"$release" "$root.new" > "$out/mmdebstrap.log" 2>&1; then
		rm -rf --one-file-system "$root.new"
		return 1
	fi
	echo "$pkgs" > "$root.new/.sockfs-packages"
	rm -rf --one-file-system "$root.old"
	[ ! -d "$root" ] || mv -T "$root" "$root.old"
	mv -T "$root.new" "$root"
	rm -rf --one-file-system "$root.old"
	echo "root: made with mmdebstrap in $((SECONDS - t0)) s ($(du -sh "$root" | cut -f1))"
}
if fresh; then
	echo "root: cached ($root)"
elif ! make_root; then
	tail -5 "$out/mmdebstrap.log" | sed 's/^/# mmdebstrap: /'
	if [ -f "$root/.sockfs-packages" ] && [ "$(cat "$root/.sockfs-packages")" = "$pkgs" ]; then
		echo "root: mmdebstrap failed; using the older cached root ($root)"
	else
		echo "unavailable: mmdebstrap could not make a $release root (see $out/mmdebstrap.log)"
		exit 77
	fi
fi

work=$(mktemp -d /var/tmp/sockfs-release.XXXXXX)
new=$work/root
mounted=()
# mnt ARGS... TARGET: mount, remembered for undo (last one first).
mnt() {
	mount "$@"
	mounted=("${!#}" "${mounted[@]}")
}
undo() {
	set +e
	local m
	# Mounts under the root, deepest first (the tests' own mounts were
	# made in the inner namespace and are gone with it).
	grep -o " $new/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	for m in "${mounted[@]}"; do
		mountpoint -q "$m" && { umount -R "$m" 2>/dev/null || umount -R -l "$m"; }
	done
	if grep -q " $work" /proc/self/mounts; then
		echo "release $release: mounts left under $work; not removed" >&2
	else
		rm -rf --one-file-system "$work"
	fi
}
trap undo EXIT

mkdir -p "$work/upper" "$work/ovl" "$new"
mnt -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$new"
mnt -t proc proc "$new/proc"
mnt --rbind /sys "$new/sys"
mount --make-rslave "$new/sys"
mnt --bind /dev "$new/dev"
mnt --bind /dev/pts "$new/dev/pts"
mnt -t tmpfs -o mode=1777 shm "$new/dev/shm"
mnt -t tmpfs -o mode=1777 tmp "$new/tmp"
mnt -t tmpfs -o mode=755 run "$new/run"
# podman's overlay storage cannot sit on the overlay that is the root:
# root's store and the homes (a rootless user's store) are tmpfs.
mkdir -p "$new/var/lib/containers"
mnt -t tmpfs -o mode=700 containers "$new/var/lib/containers"
mnt -t tmpfs -o mode=755 home "$new/home"
mkdir -p "$new/run/lock"

# The source tree as git sees it (tracked files and new ones not
# ignored), or, outside git, all of it but the build folders.
mkdir "$new/src"
if git -C "$top" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar -c --null -T - -f -) | tar -x -C "$new/src" -f -
else
	tar -c -C "$top" --exclude='./build*' --exclude=./autom4te.cache -f - . | tar -x -C "$new/src" -f -
fi

# Into the root by pivot_root in a mount and PID namespace of its own, not
# by chroot: the kernel refuses user namespaces (unshare -U, rootless
# podman) to a chrooted process, and every process the tests leave
# behind ends with the namespace's first one.  The host's root is then
# unmounted there.  CMD (after OUT), when given, runs instead of inside.sh.
[ $# -gt 3 ] && cmd=("${@:4}") || cmd=(bash /src/tests/release/inside.sh "$level")
# The environment is the root's own, but for what the host's stages run
# with too (python's buffering: some tests read a peer's log as it runs).
pass=()
for v in PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE; do
	[ -z "${!v:-}" ] || pass+=("$v=${!v}")
done
# In the background, so that a TERM or INT here ends it before undo runs:
# unshare holds TERM and INT back for its child, so it gets KILL, and its
# --kill-child then ends the namespace's first process, and with it every
# process in the namespace.
unshare --mount --pid --fork --kill-child --propagation private --mount-proc="$new/proc" \
	bash -c 'cd "$1" && mkdir -p .oldroot && pivot_root . .oldroot && cd / && shift && exec "$@"' _ "$new" \
	/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "${pass[@]}" \
	/bin/bash -c 'umount -l /.oldroot && rmdir /.oldroot && exec "$@"' _ "${cmd[@]}" 0<&0 &
inner=$!
trap 'kill -KILL "$inner" 2>/dev/null; wait "$inner"; exit 143' TERM INT HUP
st=0
wait "$inner" || st=$?
trap - TERM INT HUP
# The logs, for tests/run.sh's count and for people.
b=$new/src/build
for f in config.log test-suite.log build.log tests/unit/unit.log tests/unit/unit.trs \
	tests/integration/t-*.log tests/integration/t-*.trs tests/layers.log tests/layers.trs package.log; do
	for g in "$b"/$f; do
		[ -f "$g" ] || continue
		mkdir -p "$out/$(dirname "${g#"$b"/}")"
		cp "$g" "$out/${g#"$b"/}"
	done
done
exit "$st"
