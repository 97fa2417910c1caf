#!/bin/bash
# pass-file.sh MOUNT FILE - passes FILE's descriptor over a socketpair and
# reads the file on the other end, which also learns who sent it.
set -eu
mnt=$1 file=$2

read -r a b < "$mnt/unixgram/pair"
a=$mnt/unixgram/$a b=$mnt/unixgram/$b
echo "set passcred 1" > "$b/ctl"			# show the sender's pid/uid/gid

# cmsg rides with the next data write; FILE is opened with your rights.
echo "{\"rights\": [{\"path\": \"$file\", \"mode\": \"r\"}]}" > "$a/cmsg"
echo "a file for you" > "$a/data"

echo "message: $(cat "$b/data")"
echo "sent by: $(jq -c .credentials "$b/cmsg")"
f=$(jq -r '.rights[0]' "$b/cmsg")			# file0: in b's folder
echo "$f holds: $(cat "$b/$f")"
rm "$b/$f"						# closes it
rmdir "$a" "$b"
