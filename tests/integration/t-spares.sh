#!/bin/bash
# No set of users holds every worker thread forever: eight users each stick
# two path opens on a file system that hangs (a FUSE daemon the test
# stopped), which holds all sixteen threads; a ninth user's open of an
# ordinary file is still served, by a spare thread the pool starts for
# jobs stuck past WORKER_STUCK_MS (2 s).
. "$(dirname "$0")/lib.sh"
users=()
for i in 1 2 3 4 5 6 7 8 9; do users+=("sfs_spare_$i"); done
test_users "${users[@]}"
start_sockfs -o allow_other
hung_fs_start

for u in "${users[@]:0:8}"; do
	for k in 1 2; do
		g=$(as "$u" cat "$MNT/unixgram/clone")
		as "$u" bash -c "echo '{\"rights\":[{\"path\":\"$MNT2/udp/x$k\"}]}' > '$MNT/unixgram/$g/cmsg'" \
			>/dev/null 2>&1 &
	done
done
# Every one of the sixteen waits (root's usage lists every user's).
for _ in $(seq 200); do
	[ "$(jq '[.[] | .waits.used] | add' "$MNT/usage")" = 16 ] && break
	sleep 0.05
done
[ "$(jq '[.[] | .waits.used] | add' "$MNT/usage")" = 16 ] || fail "the stuck opens: $(cat "$MNT/usage")"
echo hi > "$WORK/plain" && chmod 644 "$WORK/plain"
last=${users[8]}
g=$(as "$last" cat "$MNT/unixgram/clone")
t0=$(date +%s%N)
timeout 15 setpriv --reuid="$last" --regid="$last" --init-groups bash -c \
	"echo '{\"rights\":[{\"path\":\"$WORK/plain\"}]}' > '$MNT/unixgram/$g/cmsg'" ||
	fail "the ninth user's open was not served while sixteen jobs were stuck"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# the ninth user's open took $ms ms"
kill -CONT "$HUNG_PID"
# The stuck opens end once it answers: then it can go.
for _ in $(seq 200); do
	[ "$(jq '[.[] | .waits.used] | add' "$MNT/usage")" = 0 ] && break
	sleep 0.05
done
[ "$(jq '[.[] | .waits.used] | add' "$MNT/usage")" = 0 ] || fail "the stuck opens never ended: $(cat "$MNT/usage")"
hung_fs_end
ok "sixteen jobs stuck on a hung file system: another user's path open is served by a spare thread ($ms ms)"
finish
