#!/bin/bash
# unix-chat.sh MOUNT - two ends of a socketpair talk: alice asks, bob answers.
set -eu
mnt=$1

read -r alice bob < "$mnt/unix/pair"		# socketpair(2): two folders
a=$mnt/unix/$alice b=$mnt/unix/$bob

# Bob answers every line until alice hangs up (his read sees EOF).
while IFS= read -r line; do
	echo "bob: got '$line'"
done < "$b/data" > "$b/data" &

exec 3<"$a/data"
for msg in hello "how are you?" bye; do
	echo "$msg" > "$a/data"
	IFS= read -r reply <&3
	echo "alice: $reply"
done
echo "shutdown wr" > "$a/ctl"			# bob's loop ends at EOF
wait
exec 3<&-
rmdir "$a" "$b"
