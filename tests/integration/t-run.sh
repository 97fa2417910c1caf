#!/bin/bash
# sockfs run -- CMD, as an ordinary user on a machine that was never set up
# for it (a user this test makes): a private network and mount per run,
# two runs bind the same port, and nothing is left once CMD ends or is
# killed.
. "$(dirname "$0")/lib.sh"
U=sfs_run_a
id "$U" >/dev/null 2>&1 || useradd -M -s /bin/bash "$U"
old_fuse=$(stat -c %a /dev/fuse)
undo() {
	set +e
	chmod "$old_fuse" /dev/fuse
	pkill -KILL -u "$U"
	cleanup
	userdel "$U" 2>/dev/null
}
trap undo EXIT
# as, but a command rather than a function: $! of a background job is
# then run's own pid.
AS_U=(setpriv --reuid="$U" --regid="$U" --init-groups)
chmod 755 "$WORK"
mkdir "$WORK/u"
chown "$U" "$WORK/u"

# Nothing of a run is left: no process of the user, no sockfs mount of
# theirs, no temporary folder.  Processes end as the kernel tears the
# pid namespace down, which may finish just after run's own exit.
nothing_left() {
	local d
	for _ in $(seq 100); do
		pgrep -u "$U" >/dev/null || break
		sleep 0.05
	done
	pgrep -u "$U" -a && fail "$1: processes of $U are left"
	grep -q "user_id=$(id -u "$U")," /proc/mounts && fail "$1: a mount of $U is left: $(grep "user_id=$(id -u "$U")," /proc/mounts)"
	for d in /tmp/sockfs-run.*; do
		[ -e "$d" ] && [ "$(stat -c %U "$d")" = "$U" ] && fail "$1: $d is left"
	done
	return 0
}

chmod 600 /dev/fuse
expect_err "cannot open /dev/fuse: Permission denied" as "$U" "$SOCKFS" run -- true
chmod 666 /dev/fuse
ok "/dev/fuse that the user cannot open: one clear line (the machine's is 0600; Debian's 0666)"

cat > "$WORK/u/inside.sh" <<'SH'
set -eu
echo "$SOCKFS_MNT" > "$1/mnt"
id -u
mountpoint -q "$SOCKFS_MNT" && echo mounted
# A listener and a client, both through sockfs, over lo.
l=$SOCKFS_MNT/tcp/$(cat "$SOCKFS_MNT/tcp/clone")
printf 'bind 127.0.0.1:8080\nlisten\n' > "$l/ctl"
c=$SOCKFS_MNT/tcp/$(cat "$SOCKFS_MNT/tcp/clone")
echo 'connect 127.0.0.1:8080' > "$c/ctl"
a=$SOCKFS_MNT/tcp/$(cat "$l/listen")
echo hello > "$c/data"
echo 'shutdown wr' > "$c/ctl"
cat "$a/data"
stat -c '%U' "$a"
# Interfaces of CMD's network namespace (/sys/class/net is the host's).
awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev
exit 7
SH
st=0
out=$(as "$U" "$SOCKFS" run -- bash "$WORK/u/inside.sh" "$WORK/u" 2>"$WORK/err") || st=$?
[ -s "$WORK/err" ] && fail "run said: $(cat "$WORK/err")"
expect_eq "$st" 7 "run's exit status"
expect_eq "$out" "$(id -u "$U")
mounted
hello
$U
lo" "inside the run"
case $(cat "$WORK/u/mnt") in /tmp/sockfs-run.*) ;; *) fail "SOCKFS_MNT: $(cat "$WORK/u/mnt")" ;; esac
[ -e "$(cat "$WORK/u/mnt")" ] && fail "the temporary mount point is left"
nothing_left "after CMD exited"
ok "as $U: CMD runs as the user itself with sockfs at \$SOCKFS_MNT and only lo, up; run exits with CMD's status and leaves nothing"

# Two runs at once, each binding 127.0.0.1:8080; each waits until the
# other has bound, so both hold the port at the same time.
cat > "$WORK/u/bind.sh" <<'SH'
set -eu
me=$1 other=$2 dir=$3
s=$SOCKFS_MNT/tcp/$(cat "$SOCKFS_MNT/tcp/clone")
printf 'bind 127.0.0.1:8080\nlisten\n' > "$s/ctl"
cat "$s/local" > "$dir/$me.bound"
for _ in $(seq 200); do
	[ -s "$dir/$other.bound" ] && exit 0
	sleep 0.05
done
echo "$other never bound" >&2
exit 1
SH
as "$U" "$SOCKFS" run -- bash "$WORK/u/bind.sh" one two "$WORK/u" 2>"$WORK/one.err" &
one=$!
as "$U" "$SOCKFS" run -- bash "$WORK/u/bind.sh" two one "$WORK/u" 2>"$WORK/two.err" &
two=$!
wait $one || fail "the first run failed: $(cat "$WORK/one.err")"
wait $two || fail "the second run failed: $(cat "$WORK/two.err")"
expect_eq "$(cat "$WORK/u/one.bound" "$WORK/u/two.bound")" "127.0.0.1:8080
127.0.0.1:8080" "both runs' listeners"
nothing_left "after two runs"
ok "two runs at once both bind and listen on 127.0.0.1:8080"

# CMD leaves a server running behind it: it ends with the run.
# shellcheck disable=SC2016 # expanded by CMD's bash
as "$U" "$SOCKFS" run -- bash -c 'sleep 1000 & echo $! > "$1/bg"' bash "$WORK/u" ||
	fail "the run with a background job failed"
[ -s "$WORK/u/bg" ] || fail "no background job started"
nothing_left "after CMD left a job running"
ok "what CMD leaves running is killed when CMD ends"

# SIGTERM to run reaches CMD; then the same cleanup.
cat > "$WORK/u/wait.sh" <<'SH'
sleep 1000 &
touch "$1/ready"
wait
SH
mkdir "$WORK/u/m"
"${AS_U[@]}" "$SOCKFS" run --mount "$WORK/u/m" -- bash "$WORK/u/wait.sh" "$WORK/u" &
pid=$!
for _ in $(seq 100); do [ -e "$WORK/u/ready" ] && break; sleep 0.05; done
[ -e "$WORK/u/ready" ] || fail "the run did not start"
kill -TERM $pid
st=0
wait $pid 2>/dev/null || st=$?
expect_eq "$st" 143 "run's status when SIGTERM killed CMD"
[ -d "$WORK/u/m" ] || fail "--mount's folder was removed"
mountpoint -q "$WORK/u/m" && fail "--mount's folder is a mount point outside"
nothing_left "after SIGTERM"
ok "SIGTERM to run is passed to CMD: status 128+15, nothing left, --mount DIR kept"

# SIGKILL to run itself: its children die with it (PR_SET_PDEATHSIG),
# and with them everything in the namespaces.
rm -f "$WORK/u/ready"
"${AS_U[@]}" "$SOCKFS" run --mount "$WORK/u/m" -- bash "$WORK/u/wait.sh" "$WORK/u" &
pid=$!
for _ in $(seq 100); do [ -e "$WORK/u/ready" ] && break; sleep 0.05; done
[ -e "$WORK/u/ready" ] || fail "the run did not start"
kill -KILL $pid
st=0
wait $pid 2>/dev/null || st=$?
expect_eq "$st" 137 "status of the killed run"
nothing_left "after SIGKILL to run"
ok "SIGKILL to run: CMD, its jobs and the daemon go with it"

st=0
as "$U" "$SOCKFS" run -- /no/such/command 2>"$WORK/err" || st=$?
expect_eq "$st" 127 "status for a missing command"
grep -q "/no/such/command: No such file or directory" "$WORK/err" || fail "said: $(cat "$WORK/err")"
nothing_left "after a missing command"
ok "a command that cannot run: 127 and the reason, as env(1)"

out=$(as "$U" "$SOCKFS" run --root -- bash -c '
	s=$SOCKFS_MNT/tcp/$(cat "$SOCKFS_MNT/tcp/clone")
	echo "bind 127.0.0.1:80" > "$s/ctl" && cat "$s/local"; id -u')
expect_eq "$out" "127.0.0.1:80
0" "with --root"
nothing_left "after --root"
ok "--root: CMD is uid 0 of its namespace and may bind port 80 there"

# shellcheck disable=SC2016 # expanded by CMD's bash
out=$(as "$U" "$SOCKFS" run -- bash -c '
	s=$SOCKFS_MNT/icmp/$(cat "$SOCKFS_MNT/icmp/clone")
	echo "connect 127.0.0.1" > "$s/ctl"
	printf "\x08\x00\x00\x00\x00\x01\x00\x07ping" > "$s/data"
	timeout 5 cat "$s/data" | od -An -tx1 | tr -d " \n"')
case $out in 0000????????0007'70696e67') ;; *) fail "the echo reply: $out" ;; esac
nothing_left "after ping"
ok "ping sockets (icmp/) work for the user's group, as on Debian (ping_group_range)"

# Where user namespaces are off: here, a user namespace that allows no
# more of them (user.max_user_namespaces is per namespace).
st=0
out=$(unshare -Ur bash -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$1" run -- true' bash "$SOCKFS" 2>&1) || st=$?
expect_eq "$st" 125 "status where user namespaces are off"
expect_eq "$(printf '%s\n' "$out" | wc -l)" 1 "lines said"
case $out in "sockfs run: user namespaces are off here"*) ;; *) fail "said: $out" ;; esac
ok "user namespaces off: one clear line and status 125"
finish
