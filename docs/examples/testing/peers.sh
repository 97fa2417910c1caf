# peers.sh - fake peers for tests, scripted through sockfs files.
# Source it in a bash test that runs under `sockfs run -- ...` (or set
# SOCKFS_MNT to any sockfs mount).  Every recipe is a few file writes;
# docs/testing.md explains each, and test-peers.sh tests each.
M=${SOCKFS_MNT:?run this under sockfs run, or set SOCKFS_MNT to a sockfs mount}
export LC_ALL=C	# ${s:i:1} is then one byte

# listener KIND PORT [CTL-LINE...]: a tcp or tls listener on 127.0.0.1:PORT
# (0: a free port); the lines (set rcvbuf 2048, set cert ...) run before
# bind, so accepted sockets inherit them.  $BACKLOG is listen's backlog.
# Prints the listener's folder.
listener() {
	local kind=$1 port=$2 l
	shift 2
	l=$M/$kind/$(cat "$M/$kind/clone")
	printf '%s\n' "$@" "set reuseaddr 1" "bind 127.0.0.1:$port" "listen ${BACKLOG:-16}" > "$l/ctl"
	echo "$l"
}

# port_of FOLDER: the port a socket is bound to.
port_of() { local a; a=$(cat "$1/local"); echo "${a##*:}"; }

# accept LISTENER: waits for the next connection; prints its folder.
accept() { echo "${1%/*}/$(cat "$1/listen")"; }

# read_request CONN: reads one HTTP request head, up to and with its blank
# line, and not a byte more (bash's read takes one byte at a time from a
# socket); prints it with the \r of each line.
read_request() {
	local line fd
	exec {fd}<"$1/data"
	while IFS= read -r line <&"$fd"; do
		printf '%s\n' "$line"
		[ "$line" = $'\r' ] && break
	done
	exec {fd}<&-
}

# read_bytes CONN N: reads exactly N bytes (a body of known length).
read_bytes() { dd bs=1 count="$2" status=none < "$1/data"; }

# send_bytewise CONN TEXT [PAUSE]: one write, hence one TCP segment
# (nodelay), per byte, PAUSE seconds apart (default 0.01).
send_bytewise() {
	local c=$1 s=$2 i fd
	echo 'set nodelay 1' > "$c/ctl"
	exec {fd}>"$c/data"
	for ((i = 0; i < ${#s}; i++)); do
		printf '%s' "${s:i:1}" >&"$fd"
		sleep "${3:-0.01}"
	done
	exec {fd}>&-
}

# send_chunks CONN SIZE TEXT [PAUSE]: writes of SIZE bytes, PAUSE apart.
send_chunks() {
	local c=$1 n=$2 s=$3 i fd
	echo 'set nodelay 1' > "$c/ctl"
	exec {fd}>"$c/data"
	for ((i = 0; i < ${#s}; i += n)); do
		printf '%s' "${s:i:n}" >&"$fd"
		sleep "${4:-0.01}"
	done
	exec {fd}>&-
}

# half_close CONN: shutdown(SHUT_WR): the client reads end of file, and
# this side can still read what the client sends after that.
half_close() { echo 'shutdown wr' > "$1/ctl"; }

# reset CONN: SO_LINGER on with 0 seconds, then close: the kernel sends an
# RST instead of a FIN, and the client's next read or write fails with
# ECONNRESET.
reset() { printf 'set linger 0\nclose\n' > "$1/ctl"; }

# stall_listener PORT: a listener whose connections have the smallest
# receive buffer (SO_RCVBUF, which accepted sockets inherit) and are never
# read: once that and the client's send buffer are full, the client's
# send blocks.  The kernel completes the handshake without an accept.
stall_listener() { listener tcp "$1" 'set rcvbuf 1'; }

# full_listener PORT: listen(0) and one connection the fake peer makes
# itself and never accepts: the backlog is full, so the kernel drops a
# client's SYNs and its connect waits (retrying) until its own timeout.
# Prints the listener's folder; the filler is closed with it by rmdir.
full_listener() {
	local l f
	l=$(BACKLOG=0 listener tcp "$1")
	f=$M/tcp/$(cat "$M/tcp/clone")
	echo "connect 127.0.0.1:$(port_of "$l")" > "$f/ctl"
	echo "$l"
}

# refusing_tcp: a socket bound to a port but not listening: the port stays
# taken, and a connect to it gets an RST (ECONNREFUSED).  Prints its folder.
refusing_tcp() {
	local s
	s=$M/tcp/$(cat "$M/tcp/clone")
	echo 'bind 127.0.0.1:0' > "$s/ctl"
	echo "$s"
}

# closed_udp_port: a UDP port that was bound and closed again: a datagram
# to it draws an ICMP port unreachable, which a connected UDP client sees
# as ECONNREFUSED on its next read or write.  Prints the port.
closed_udp_port() {
	local s port
	s=$M/udp/$(cat "$M/udp/clone")
	echo 'bind 127.0.0.1:0' > "$s/ctl"
	port=$(port_of "$s")
	rmdir "$s"
	echo "$port"
}

# udp_peer PORT: a UDP socket bound to 127.0.0.1:PORT; prints its folder.
udp_peer() {
	local s
	s=$M/udp/$(cat "$M/udp/clone")
	echo "bind 127.0.0.1:$1" > "$s/ctl"
	echo "$s"
}

# udp_recv PEER: waits for one datagram: it is then in $MSG and its
# sender in $FROM (the cmsg file tells the message this shell's children
# read last, so cat and sed, siblings, agree).
udp_recv() {
	MSG=$(cat "$1/data")
	FROM=$(sed -n 's/.*"from": *"\([^"]*\)".*/\1/p' "$1/cmsg")
}

# udp_send PEER TO TEXT: one datagram to TO.
udp_send() { echo "to $2" > "$1/ctl" && printf '%s' "$3" > "$1/data"; }

# udp_misbehave PEER MODE [COUNT]: answers COUNT requests (default 2) with
# "re:" and the request, misbehaving as MODE says: drop (the first request
# gets no answer, so the client must send it again), dup (every answer
# twice), swap (two requests are read, then answered last first).
udp_misbehave() {
	local p=$1 mode=$2 n=${3:-2} i held_msg held_from
	if [ "$mode" = drop ]; then
		udp_recv "$p"	# lost
	fi
	for ((i = 0; i < n; i++)); do
		udp_recv "$p"
		case $mode in
		dup)
			udp_send "$p" "$FROM" "re:$MSG"
			udp_send "$p" "$FROM" "re:$MSG" ;;
		swap)
			if ((i % 2 == 0)); then
				held_msg=$MSG held_from=$FROM
				continue
			fi
			udp_send "$p" "$FROM" "re:$MSG"
			udp_send "$p" "$held_from" "re:$held_msg" ;;
		*)
			udp_send "$p" "$FROM" "re:$MSG" ;;
		esac
	done
}

# tls_listener PORT CERT KEY: a TLS listener; sockfs makes the handshake
# when `listen` is read, so a peer that reads it late is slow to shake
# hands.  Prints its folder.
tls_listener() { listener tls "$1" "set cert $2" "set key $3"; }
