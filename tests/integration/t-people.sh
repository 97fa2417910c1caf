#!/bin/bash
# Limits count people, not uids: a user's subordinate uids (/etc/subuid,
# used through unshare --map-auto) are that user's, for user_sockets and
# the rest, and for the worker threads a user may hold.
. "$(dirname "$0")/lib.sh"
UA=sfs_ppl_a
test_users $UA
grep -q "^$UA:" /etc/subuid || fail "useradd gave $UA no subordinate uids (/etc/subuid)"
start_sockfs -o allow_other,user_sockets=5

made=()
for _ in 1 2 3; do made+=("$(as $UA cat "$MNT/udp/clone")"); done
# Inside a user namespace of A's own, uids 1 and 2 are two of A's
# subordinate uids; each makes sockets until refused.
as $UA unshare --map-auto --map-root-user --mount-proc --pid --fork bash -c "
	for u in 1 2; do
		for i in 1 2 3 4; do
			setpriv --reuid=\$u --regid=\$u --clear-groups cat '$MNT/udp/clone' >/dev/null 2>&1 &&
				echo made
		done
	done" > "$WORK/sub.out" 2>&1 || true
n=$(grep -c made "$WORK/sub.out" || true)
expect_eq "$n" 2 "sockets A's subordinate uids could add to A's 3 under user_sockets=5"
expect_eq "$(as $UA jq -r '.[0].sockets.used' "$MNT/usage")" 5 "A's sockets in usage"
# Root sees one line for A: the subordinate uids are not tenants of their own.
expect_eq "$(jq -r --arg u "$(id -u $UA)" '[.[] | select(.uid != ($u | tonumber) and .uid != 0)] | length' "$MNT/usage")" 0 "usage lines besides A's"
ok "subordinate uids count as their user: user_sockets=5 holds A to 5 sockets, whichever of A's uids makes them"
finish
