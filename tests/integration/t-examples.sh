#!/bin/bash
# The examples in docs/examples, run against the real peers the guide names:
# python3 -m http.server, python clients, curl, and each other.
. "$(dirname "$0")/lib.sh"
EX="$TOP_SRCDIR/docs/examples"
start_sockfs

# The guide shows each script whole, after a "<!-- docs/examples/NAME -->"
# line; those copies must be the files these tests run.
python3 - "$TOP_SRCDIR/docs/guide.md" "$EX"/*.sh <<'PY' || fail "docs/guide.md and docs/examples differ"
import os, sys
guide = open(sys.argv[1]).read()
for path in sys.argv[2:]:
    mark = "<!-- docs/examples/%s -->\n```bash\n" % os.path.basename(path)
    if mark not in guide:
        sys.exit("the guide does not show " + path)
    shown = guide.split(mark, 1)[1].split("```\n", 1)[0]
    if shown != open(path).read():
        sys.exit("the guide's copy of %s differs from the file" % path)
PY
ok "the guide shows every example, exactly as the tests run it"

# Waits for a server example's "listening on ADDR in FOLDER" line.
server_line() {
	for _ in $(seq 100); do
		grep -q '^listening on' "$1" && { head -1 "$1"; return 0; }
		sleep 0.05
	done
	fail "$1: the server did not start: $(cat "$1")"
}

mkdir "$WORK/www"
printf '<p>served by python</p>\n' > "$WORK/www/index.html"
(cd "$WORK/www" && exec python3 -m http.server 0 --bind 127.0.0.1) > "$WORK/http.log" 2>&1 &
for _ in $(seq 100); do grep -q 'port [0-9]' "$WORK/http.log" && break; sleep 0.05; done
hport=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
[ -n "$hport" ] || fail "http.server did not start: $(cat "$WORK/http.log")"
bash "$EX/http-get.sh" "$MNT" "127.0.0.1:$hport" /index.html > "$WORK/get.out" ||
	fail "http-get.sh failed"
expect_eq "$(head -1 "$WORK/get.out" | tr -d '\r')" "HTTP/1.0 200 OK" "status line"
expect_eq "$(tail -1 "$WORK/get.out")" "<p>served by python</p>" "body"
expect_eq "$(ls "$MNT/tcp")" clone "folders after http-get"
ok "http-get.sh fetches a page from python3 -m http.server"

# 100 clients at once.  All connect, all talk, and only then does any
# wait for an answer: a server that took one client at a time would never
# get past the first.
fds() { ls "/proc/$SOCKFS_PID/fd" | wc -l; }
fd0=$(fds)
bash "$EX/echo-server.sh" "$MNT" > "$WORK/echo.out" 2>&1 &
srv=$!
read -r _ _ addr _ folder <<< "$(server_line "$WORK/echo.out")"
python3 - "${addr##*:}" <<'PY' || fail "echo clients"
import socket, sys
port = int(sys.argv[1])
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
for i, s in enumerate(conns):
    s.sendall(b"line one from %d\n" % i)
for i, s in enumerate(conns):
    s.sendall(b"line two from %d\n" % i)
for i, s in enumerate(conns):
    s.shutdown(socket.SHUT_WR)
    s.settimeout(30)
    got = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
    assert got == b"line one from %d\nline two from %d\n" % (i, i), (i, got)
for s in conns:
    s.close()
PY
echo close > "$MNT/$folder/ctl"
wait $srv
for _ in $(seq 100); do
	[ "$(ls "$MNT/tcp")" = clone ] && [ "$(fds)" = "$fd0" ] && break
	sleep 0.1
done
expect_eq "$(ls "$MNT/tcp")" clone "folders left"
expect_eq "$(fds)" "$fd0" "daemon fds after 100 clients"
ok "echo-server.sh answers 100 concurrent python clients; no folder or fd is left"

bash "$EX/http-server.sh" "$MNT" > "$WORK/httpd.out" 2>&1 &
srv=$!
read -r _ _ addr _ folder <<< "$(server_line "$WORK/httpd.out")"
page=$(curl -sS -m 10 "http://$addr/hello.html") || fail "curl failed"
expect_eq "$page" "<html><body><h1>Hello from sockfs</h1><p>You asked for /hello.html</p></body></html>" "page"
root="<html><body><h1>Hello from sockfs</h1><p>You asked for /</p></body></html>"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code} %{size_download}' "http://$addr/")
expect_eq "$code" "200 ${#root}" "status and size"
echo close > "$MNT/$folder/ctl"
wait $srv
ok "curl fetches a page from http-server.sh"

bash "$EX/unix-chat.sh" "$MNT" > "$WORK/chat.out" || fail "unix-chat.sh failed"
expect_eq "$(cat "$WORK/chat.out")" "alice: bob: got 'hello'
alice: bob: got 'how are you?'
alice: bob: got 'bye'" "chat"
expect_eq "$(ls "$MNT/unix")" "clone
pair" "folders after the chat"
ok "unix-chat.sh: two pair ends talk, and hang up"

echo "a line to pass" > "$WORK/passed.txt"
bash "$EX/pass-file.sh" "$MNT" "$WORK/passed.txt" > "$WORK/pass.out" || fail "pass-file.sh failed"
expect_eq "$(sed -n 1p "$WORK/pass.out")" "message: a file for you" "message"
grep -qx 'sent by: {"pid":[0-9]*,"uid":0,"gid":0}' "$WORK/pass.out" || fail "credentials: $(cat "$WORK/pass.out")"
expect_eq "$(sed -n 3p "$WORK/pass.out")" "file0 holds: a line to pass" "the passed file"
expect_eq "$(ls "$MNT/unixgram")" "clone
pair" "folders after pass-file"
ok "pass-file.sh passes a file over a pair and reads it on the other end"

for _ in $(seq 50); do [ "$(ls "$MNT/tcp")" = clone ] && break; sleep 0.1; done
expect_eq "$(ls "$MNT/tcp")" clone "tcp folders at the end"
stop_sockfs
finish
