#!/bin/bash
# echo-server.sh MOUNT [PORT] - a TCP echo server written in shell.
# Prints "listening on ADDR in tcp/NAME" once ready, then serves until that
# listener is closed; each connection is served by a background subshell,
# so clients are served at once, not in turn.
set -u
mnt=$1 port=${2:-0}

l=$mnt/tcp/$(cat "$mnt/tcp/clone")
printf 'set reuseaddr 1\nbind 127.0.0.1:%s\nlisten 128\n' "$port" > "$l/ctl" ||
	{ cat "$l/err" >&2; rmdir "$l"; exit 1; }	# say why, leave no socket behind
echo "listening on $(cat "$l/local") in ${l#"$mnt"/}"

# Each read of listen accepts one connection and names its new folder.
while c=$(cat "$l/listen") && [ -n "$c" ]; do
	(
		# GNU cat refuses "cat data > data" (input file is output
		# file), so echo line by line; the loop ends at the client's EOF.
		while IFS= read -r line; do
			printf '%s\n' "$line"
		done < "$mnt/tcp/$c/data" > "$mnt/tcp/$c/data"
		rmdir "$mnt/tcp/$c"
	) &
done
