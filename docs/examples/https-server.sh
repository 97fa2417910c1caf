#!/bin/bash
# https-server.sh MOUNT CERT KEY [PORT] - the tiny HTTP server, over TLS:
# curl --cacert fetches a page from it.  CERT and KEY are PEM files you can
# read (the daemon opens them as you).  Prints "listening on ADDR in
# tls/NAME" once ready, and serves until that listener is closed.
set -u
mnt=$1 cert=$2 key=$3 port=${4:-0}

serve() {	# serve FOLDER: read one request, answer it, hang up
	local c=$1 line path body
	exec 3<"$c/data"
	IFS=$' \r' read -r _ path _ <&3 || return
	while IFS=$'\r' read -r line <&3 && [ -n "$line" ]; do :; done
	body="<html><body><h1>Hello from sockfs, over TLS</h1><p>You asked for $path</p></body></html>"
	printf 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"${#body}" "$body" > "$c/data"
	echo "shutdown wr" > "$c/ctl"	# close_notify: a clean end
	exec 3<&-
}

l=$mnt/tls/$(cat "$mnt/tls/clone")
# The handshake happens inside each read of listen: a client that fails
# it is noted in the listener's err, and the read waits for the next.
printf 'set cert %s\nset key %s\nset reuseaddr 1\nbind 127.0.0.1:%s\nlisten\n' \
	"$cert" "$key" "$port" > "$l/ctl" || { cat "$l/err" >&2; rmdir "$l"; exit 1; }
echo "listening on $(cat "$l/local") in ${l#"$mnt"/}"
while c=$(cat "$l/listen") && [ -n "$c" ]; do
	( serve "$mnt/tls/$c"; rmdir "$mnt/tls/$c" ) &
done
