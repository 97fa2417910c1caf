#!/bin/bash
# run.sh [SECONDS] - builds the libFuzzer harnesses (clang, with ASan and
# UBSan) against stack/ and runs each for SECONDS (default 30), starting
# from the seed corpora in tests/fuzz/corpus.  New inputs go to a scratch
# folder, so the repository's corpora change only by hand.  A crash stops
# the run with status 1 and leaves the input as crash-* in the scratch
# folder; turn it into a unit test before fixing it.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-30}
top=$PWD
out=${FUZZ_OUT:-$(mktemp -d /tmp/sockfs-fuzz.XXXXXX)}
[ -f build/config.h ] || { echo "run.sh: build first (bash tests/run.sh)" >&2; exit 2; }

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-I build -I stack $(pkg-config --cflags jansson)"
# TLS when the build has it (stack/tls*.c then call OpenSSL).
libs="$(pkg-config --libs jansson)"
grep -q '^#define HAVE_TLS 1' build/config.h && libs="$libs $(pkg-config --libs libssl libcrypto)"
sources=$(ls stack/*.c)
status=0
for h in ctl addr cmsg; do
	# shellcheck disable=SC2086 # flag and file lists
	clang $flags -o "$out/fuzz_$h" "tests/fuzz/fuzz_$h.c" $sources \
		$libs -lm -pthread
	mkdir -p "$out/corpus_$h"
	echo "fuzz_$h: $secs s"
	if ! (cd "$out" && "./fuzz_$h" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 "corpus_$h" "$top/tests/fuzz/corpus/$h" \
		> "fuzz_$h.log" 2>&1); then
		echo "fuzz_$h FAILED; see $out/fuzz_$h.log and $out/crash-*" >&2
		tail -30 "$out/fuzz_$h.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$out/fuzz_$h.log" | tr '\n' ' '
		echo
	fi
done
exit $status
