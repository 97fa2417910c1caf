#!/bin/bash
# http-get.sh MOUNT HOST:PORT [PATH] - an HTTP/1.0 client in four lines.
# Prints the whole response (status line, headers, body) on stdout.
set -eu
mnt=$1 peer=$2 path=${3:-/}

c=$mnt/tcp/$(cat "$mnt/tcp/clone")		# a new TCP socket
trap 'rmdir "$c"' EXIT				# closed however the script ends
echo "connect $peer" > "$c/ctl"			# returns once connected
printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "${peer%:*}" > "$c/data"
cat "$c/data"					# HTTP/1.0: the server closes
