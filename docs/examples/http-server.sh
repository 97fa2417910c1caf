#!/bin/bash
# http-server.sh MOUNT [PORT] - a tiny HTTP server in shell that curl or a
# browser can fetch a page from.  Prints "listening on ADDR in tcp/NAME"
# once ready, and serves until that listener is closed.
set -u
mnt=$1 port=${2:-0}

serve() {	# serve FOLDER: read one request, answer it, hang up
	local c=$1 line path body
	exec 3<"$c/data"
	IFS=$' \r' read -r _ path _ <&3 || return
	# The headers end with an empty line.
	while IFS=$'\r' read -r line <&3 && [ -n "$line" ]; do :; done
	body="<html><body><h1>Hello from sockfs</h1><p>You asked for $path</p></body></html>"
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s' \
		"${#body}" "$body" > "$c/data"
	exec 3<&-
}

l=$mnt/tcp/$(cat "$mnt/tcp/clone")
printf 'set reuseaddr 1\nbind 127.0.0.1:%s\nlisten\n' "$port" > "$l/ctl" ||
	{ cat "$l/err" >&2; rmdir "$l"; exit 1; }	# say why, leave no socket behind
echo "listening on $(cat "$l/local") in ${l#"$mnt"/}"
while c=$(cat "$l/listen") && [ -n "$c" ]; do
	( serve "$mnt/tcp/$c"; rmdir "$mnt/tcp/$c" ) &
done
