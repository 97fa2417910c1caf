#!/bin/bash
# udp-server.sh MOUNT [PORT] - a UDP server in shell: one socket for every
# sender, and each sender gets its own answer.  Prints "listening on ADDR
# in udp/NAME" once ready, and serves until that socket is closed.
set -u
mnt=$1 port=${2:-0}

s=$mnt/udp/$(cat "$mnt/udp/clone")
echo "bind 127.0.0.1:$port" > "$s/ctl" || { cat "$s/err" >&2; rmdir "$s"; exit 1; }
echo "listening on $(cat "$s/local") in ${s#"$mnt"/}"

# Each cat reads exactly one datagram; cmsg then tells who sent it.
while msg=$(cat "$s/data") && [ -d "$s" ]; do
	from=$(jq -r .from "$s/cmsg")
	echo "to $from" > "$s/ctl"			# sendto(2) that sender
	# One write, one datagram: the shell's own echo and printf write a
	# line at a time, so an external printf answers a message of two
	# lines with one datagram, not two.
	env printf 'hello %s, you said: %s\n' "$from" "$msg" > "$s/data"
done
