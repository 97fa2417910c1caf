#!/bin/sh
# demo.sh [MOUNT] - a UDP exchange done with nothing but echo and cat: two
# sockfs sockets on loopback, one asks and the other answers in capitals.
# Runs under any POSIX sh (bash, dash, busybox); installed with the
# package as /usr/share/doc/sockfs/examples/demo.sh.
set -eu
m=${1:-/tmp/sockfs}
cd "$m/udp"
set -x
a=$(cat clone)
b=$(cat clone)
echo "bind 127.0.0.1:0" > "$a/ctl"
echo "bind 127.0.0.1:0" > "$b/ctl"
echo "connect $(cat "$b/local")" > "$a/ctl"
echo "connect $(cat "$a/local")" > "$b/ctl"
echo "hello through a file" > "$a/data"
msg=$(cat "$b/data")
echo "$msg" | tr a-z A-Z > "$b/data"
cat "$a/data"
cat "$a/ctl"
rmdir "$a" "$b"
