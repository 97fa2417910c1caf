#!/bin/bash
# Listings are filtered like sockets: on a shared mount (-o allow_other)
# ls of a kind folder shows each user only their own sockets (root all),
# and another user's socket, looked up by name, gives nothing away
# (stat: EACCES, whoever looked it up first) but its name stays taken
# (mkdir: EEXIST).  docs/sockfs.1, OWNERSHIP.
. "$(dirname "$0")/lib.sh"
UA=sfs_ls_a UB=sfs_ls_b
test_users $UA $UB
start_sockfs -o allow_other

a=$(as $UA cat "$MNT/tcp/clone")
as $UA mkdir "$MNT/tcp/alpha"
b=$(as $UB cat "$MNT/tcp/clone")
r=$(cat "$MNT/tcp/clone")
names() { "$@" ls -A "$MNT/tcp" | grep -v '^clone$' | sort | tr '\n' ' '; }
expect_eq "$(names as $UA)" "$(printf '%s\n' "$a" alpha | sort | tr '\n' ' ')" "A's listing"
expect_eq "$(names as $UB)" "$b " "B's listing"
expect_eq "$(names)" "$(printf '%s\n' "$a" alpha "$b" "$r" | sort | tr '\n' ' ')" "root's listing"
as $UB ls -la "$MNT/tcp" > "$WORK/b.ls"
grep -q "$UA" "$WORK/b.ls" && fail "B's ls -la shows A's sockets: $(cat "$WORK/b.ls")"
grep -qw "$b" "$WORK/b.ls" || fail "B's ls -la lacks B's socket: $(cat "$WORK/b.ls")"
ok "ls of a kind folder shows each user their own sockets, root all of them"

# A and root look A's sockets up first: the kernel caches the names.
stat "$MNT/tcp/$a" "$MNT/tcp/alpha" > /dev/null
as $UA stat "$MNT/tcp/$a" "$MNT/tcp/alpha" > /dev/null
for n in "$a" alpha; do
	expect_err "Permission denied" as $UB stat "$MNT/tcp/$n"
	expect_err "Permission denied" as $UB ls -ld "$MNT/tcp/$n"
	expect_err "Permission denied" as $UB cat "$MNT/tcp/$n/status"
done
expect_err "Permission denied" as $UB stat "$MNT/tcp/$r"
expect_eq "$(as $UA stat -c %U "$MNT/tcp/alpha")" "$UA" "A still stats its own"
ok "another user's socket by name: stat, ls -ld and its files say EACCES, cached or not"

expect_err "File exists" as $UB mkdir "$MNT/tcp/alpha"
expect_err "File exists" as $UB mkdir "$MNT/tcp/$r"
as $UB mkdir "$MNT/tcp/beta"
expect_err "File exists" as $UA mkdir "$MNT/tcp/beta"
ok "mkdir of a name another user holds fails with EEXIST"

finish
