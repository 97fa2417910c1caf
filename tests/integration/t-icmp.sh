#!/bin/bash
# Seed 002: ICMP echo through the files, with ping sockets (icmp/) and raw
# sockets (raw/, root), on 127.0.0.1 and ::1.
. "$(dirname "$0")/lib.sh"

# Ping sockets are off until ping_group_range lets the caller's group in.
old_range=$(sysctl -n net.ipv4.ping_group_range)
restore_range() { sysctl -qw net.ipv4.ping_group_range="$old_range"; cleanup; }
trap restore_range EXIT
sysctl -qw net.ipv4.ping_group_range="0 2147483647"
start_sockfs

# hex FILE: the bytes of FILE as hex, no spaces.
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# An echo request: type, code, checksum, id, sequence, payload.  Ping
# sockets fill in the id and checksum; raw sockets send it as written.
echo_request() {
	python3 - "$@" <<'PY'
import struct, sys
t, seq, payload = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
hdr = struct.pack("!BBHHH", t, 0, 0, 0x1234, seq) + payload
hdr = hdr[:2] + struct.pack("!H", csum(hdr) if t == 8 else 0) + hdr[4:]
sys.stdout.buffer.write(hdr)
PY
}

for peer in 127.0.0.1 ::1; do
	case $peer in *:*) req=128 rep=81 ;; *) req=8 rep=00 ;; esac
	i="$MNT/icmp/$(cat "$MNT/icmp/clone")"
	echo "to $peer" > "$i/ctl"
	echo_request $req 7 "ping through sockfs" > "$i/data"
	timeout 5 cat "$i/data" > "$WORK/reply" || fail "no echo reply from $peer"
	h=$(hex "$WORK/reply")
	expect_eq "${h:0:2}" "$rep" "reply type from $peer"
	expect_eq "${h:12:4}" 0007 "sequence"
	expect_eq "$(tail -c 19 "$WORK/reply")" "ping through sockfs" "payload"
	expect_eq "$(jq -r .from "$i/cmsg")" "$peer" "cmsg from, no port"
	expect_err "Transport endpoint is not connected" cat "$i/peer"
	echo "connect $peer" > "$i/ctl"
	expect_eq "$(cat "$i/peer")" "$peer" "peer after connect"
	rmdir "$i"
	ok "seed 002: ping socket echo to $peer through icmp/ (reply, sequence, payload, cmsg)"
done

r="$MNT/raw/$(cat "$MNT/raw/clone")"
printf 'set proto icmp\nto 127.0.0.1\n' > "$r/ctl"
expect_eq "$(jq -r .options.proto "$r/status")" 1 "proto in status"
expect_err "Device or resource busy" bash -c "echo 'set proto udp' > '$r/ctl'"
echo_request 8 9 "raw ping" > "$r/data"
# A raw ICMP socket sees every ICMP packet: our request, then the reply.
# IPv4 raw reads start with the 20-byte IP header.
for _ in 1 2 3 4; do
	timeout 5 cat "$r/data" > "$WORK/raw" || fail "raw read"
	h=$(hex "$WORK/raw")
	[ "${h:40:2}" = 00 ] && break
done
expect_eq "${h:40:2}" 00 "raw: echo reply type"
expect_eq "${h:0:1}" 4 "raw: an IPv4 header first"
expect_eq "$(tail -c 8 "$WORK/raw")" "raw ping" "raw payload"
rmdir "$r"
ok "seed 002: raw ICMP socket: a hand-made echo request is answered; reads carry the IP header"

d="$MNT/udp/$(cat "$MNT/udp/clone")"
expect_err "Protocol not available" bash -c "echo 'set proto icmp' > '$d/ctl'"
rmdir "$d"
ok "set proto is for raw sockets only"

sysctl -qw net.ipv4.ping_group_range="1 0"
i="$MNT/icmp/$(cat "$MNT/icmp/clone")"
expect_err "Permission denied" bash -c "echo 'to 127.0.0.1' > '$i/ctl'"
case $(cat "$i/err") in *"Permission denied"*) ;; *) fail "err: $(cat "$i/err")" ;; esac
rmdir "$i"
ok "with ping sockets off (ping_group_range) icmp/ says EACCES in err"

stop_sockfs
finish
