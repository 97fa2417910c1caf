#!/bin/bash
# The kernel's name cache: names and attributes are cached (entry and attr
# timeouts), so a path walk to a socket's file costs the daemon nothing;
# and yet a closed socket's name never resolves once the close returns,
# however it was closed, and a new socket is found and listed at once.
# (t-users checks that cached names give other users nothing.)
. "$(dirname "$0")/lib.sh"
start_sockfs -d

# settle: every file opened so far is released: a RELEASE comes after
# close(2) returns, and one late from before must not count as the next.
settle() {
	for _ in $(seq 200); do
		[ "$(grep -c 'opcode: OPEN (' "$WORK/sockfs.log")" = \
		  "$(grep -c 'opcode: RELEASE (' "$WORK/sockfs.log")" ] && return 0
		sleep 0.01
	done
	fail "an open was never released"
}
# requests CMD...: the FUSE requests CMD makes, by name, one per line.
requests() {
	local before
	settle
	before=$(wc -l < "$WORK/sockfs.log")
	"$@"
	settle
	tail -n +"$((before + 1))" "$WORK/sockfs.log" | sed -n 's/.*opcode: \([A-Z_]*\).*/\1/p'
}
send_m() { echo m > "$1"; }

u="$MNT/udp/$(cat "$MNT/udp/clone")"
echo "to 127.0.0.1:9" > "$u/ctl"
send_m "$u/data"
got=$(requests send_m "$u/data" | sort | tr '\n' ' ')
expect_eq "$got" "OPEN RELEASE WRITE " "requests of a second echo m > data"
stat_all() { stat "$@" >/dev/null; }
# The first stat after a write or read asks (the kernel drops the times
# it changed); the next ones are answered from the cache.
stat_all "$u" "$u/data" "$MNT/udp/clone" "$u/status" "$MNT/udp"
got=$(requests stat_all "$u" "$u/data" "$MNT/udp/clone" "$u/status" "$MNT/udp" | tr '\n' ' ')
expect_eq "$got" "" "requests of stat on cached names"
ok "echo m > data walks udp/N/data from the cache: OPEN, WRITE, RELEASE only"

# A second process holds the names (as a shell in another window would).
stat_in() { python3 -c 'import os, sys
for p in sys.argv[1:]:
    try:
        os.stat(p); print("there")
    except FileNotFoundError:
        print("gone")' "$@" | tr '\n' ' '; }
s="$MNT/udp/$(cat "$MNT/udp/clone")"
expect_eq "$(stat_in "$s" "$s/data" "$s/ctl")" "there there there " "before close"
echo close > "$s/ctl"
expect_eq "$(stat_in "$s" "$s/data" "$s/ctl")" "gone gone gone " "after close on ctl"
[ ! -e "$s" ] || fail "$s still resolves in the shell that closed it"
ls "$MNT/udp" | grep -qx "$(basename "$s")" && fail "ls still lists the closed socket"
s="$MNT/udp/$(cat "$MNT/udp/clone")"
mkdir "$s/../keep"
(cd "$s" && echo close > ctl && ! stat . >/dev/null 2>&1 && ! cat ctl 2>/dev/null) ||
	fail "a shell whose cwd was the socket still sees it after close"
rmdir "$MNT/udp/keep"
# What the close wakes (a reader's end of file, as docs/examples/
# udp-server.sh waits for) comes after the name is gone, too.
for round in $(seq 20); do
	s="$MNT/udp/$(cat "$MNT/udp/clone")"
	echo "bind 127.0.0.1:0" > "$s/ctl"
	(cat "$s/data" >/dev/null
	 if [ -d "$s" ]; then echo "round $round: still there after end of file"; fi) > "$WORK/reader.out" &
	reader=$!
	sleep 0.1	# the reader is waiting
	echo close > "$s/ctl"
	wait "$reader"
	[ ! -s "$WORK/reader.out" ] || fail "$(cat "$WORK/reader.out")"
done
ok "close on ctl: the name is gone for every process when the write returns, and before a waiting reader's end of file"

s="$MNT/udp/$(cat "$MNT/udp/clone")"
stat "$s/data" >/dev/null
rmdir "$s"
expect_eq "$(stat_in "$s" "$s/data")" "gone gone " "after rmdir"
ok "rmdir: the name is gone at once"

# Names not yet made: looked up (and missed) first, then made by the
# daemon, not by a mkdir the kernel sees.
last=$(cat "$MNT/udp/clone")
rmdir "$MNT/udp/$last"
for i in 1 2 3; do [ ! -e "$MNT/udp/$((last + i))" ] || fail "a name exists early"; done
new=$(cat "$MNT/udp/clone")
[ -d "$MNT/udp/$new" ] || fail "the new socket $new does not resolve after a miss"
ls "$MNT/udp" | grep -qx "$new" || fail "ls does not list the new socket"
expect_eq "$(stat_in "$MNT/udp/$new")" "there " "another process"
ok "a socket made after its name was missed resolves and is listed at once"

# Accepted connections: a listener's new folders, and the unclaimed ones
# that close with it.
l="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$l/ctl"
port=$(cut -d: -f2 < "$l/local")
connect() { python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' "$port" & }
next=$(cat "$MNT/tcp/clone")
rmdir "$MNT/tcp/$next"
for i in 1 2 3 4; do [ ! -e "$MNT/tcp/$((next + i))" ] || fail "a name exists early"; done
connect
c=$(cat "$l/listen")
[ -d "$MNT/tcp/$c" ] || fail "the accepted $c does not resolve"
ls "$MNT/tcp" | grep -qx "$c" || fail "ls does not list the accepted socket"
ok "an accepted connection's folder resolves and is listed at once"

# $c is unclaimed (none of its files was opened, stat opens nothing): it
# closes with its listener, and its name must go with it.
expect_eq "$(stat_in "$MNT/tcp/$c" "$MNT/tcp/$c/ctl")" "there there " "unclaimed child"
echo close > "$l/ctl"
expect_eq "$(stat_in "$l" "$MNT/tcp/$c" "$MNT/tcp/$c/ctl")" "gone gone gone " "after the listener's close"
l="$MNT/tcp/$(cat "$MNT/tcp/clone")"
printf 'bind 127.0.0.1:0\nlisten\n' > "$l/ctl"
port=$(cut -d: -f2 < "$l/local")
connect
c=$(cat "$l/listen")
stat "$MNT/tcp/$c/status" >/dev/null
rmdir "$l"
# The kernel holds the tcp folder's lock until rmdir is answered, so the
# children's names go just after it returns (sockfs.1, NOTES).
for _ in $(seq 100); do
	[ "$(stat_in "$MNT/tcp/$c" "$MNT/tcp/$c/status")" = "gone gone " ] && break
	sleep 0.01
done
expect_eq "$(stat_in "$l" "$MNT/tcp/$c" "$MNT/tcp/$c/status")" "gone gone gone " "after the listener's rmdir"
ok "connections closing with their listener: names gone when close returns, just after rmdir"

# Many closes while other processes walk, fill and empty the same folder
# (their requests hold its lock while the daemon drops names in it): no
# closed socket's name is ever found, and nothing is left waiting.
for round in $(seq 50); do
	s="$MNT/udp/$(cat "$MNT/udp/clone")"
	stat "$s/ctl" >/dev/null
	(for i in 1 2 3 4 5; do
		ls "$MNT/udp" >/dev/null
		mkdir "$MNT/udp/w$round.$i" && rmdir "$MNT/udp/w$round.$i"
	done) &
	echo close > "$s/ctl"
	[ ! -e "$s" ] || fail "round $round: $s resolves after close"
	wait $!
done
ok "50 closes beside walkers, mkdir and rmdir in the same folder: every name gone on return"

# Stopped while names wait to be dropped: the daemon still exits.
closers=()
for _ in $(seq 20); do
	s="$MNT/udp/$(cat "$MNT/udp/clone")"
	stat "$s/ctl" >/dev/null
	{ echo close > "$s/ctl"; } 2>/dev/null &
	closers+=($!)
done
kill -TERM "$SOCKFS_PID"
for _ in $(seq 100); do kill -0 "$SOCKFS_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$SOCKFS_PID" 2>/dev/null && fail "sockfs did not exit on SIGTERM with closes in flight"
wait "${closers[@]}" || true
SOCKFS_PID=
fusermount3 -u "$MNT" 2>/dev/null || true
ok "SIGTERM with closes in flight: the daemon exits"

finish
