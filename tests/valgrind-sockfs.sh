#!/bin/bash
# Stands in for the daemon under valgrind memcheck: any error, or any
# definitely lost block, makes the daemon exit 99, which fails the test
# that started it.  Logs go to $VALGRIND_LOGS (one per process).
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--log-file="${VALGRIND_LOGS:-/tmp}/valgrind.%p.log" \
	"$(dirname "$(readlink -f "$0")")/../build/sockfs" "$@"
