#!/bin/bash
# Run by tests/vm/run.sh inside the guest (Debian's kernel, with kernel
# TLS): the TLS integration tests against the build in BUILD (default
# build/), each required to find kernel TLS (SOCKFS_NEED_KTLS).  Prints
# each test's output; fails when one fails.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
export SOCKFS=$build/sockfs FILEIO=$build/tests/integration/fileio TOP_SRCDIR=$top
export SOCKFS_NEED_KTLS=1 SLOW_HANDSHAKE=5 TLS_MANY=100
status=0
echo "kernel: $(uname -r); tcp_available_ulp: $(cat /proc/sys/net/ipv4/tcp_available_ulp)"
# The unit suite whose checks depend on the kernel: the probe and the
# contexts that ask for kernel TLS.
echo "=== unit tlsctx (in the VM)"
if CK_RUN_SUITE=tlsctx "$build/tests/unit/unit"; then
	echo "ok - unit suite tlsctx: the probe finds kernel TLS, contexts ask for it"
else
	echo "FAIL (t-unit-tlsctx): exit 1"
	status=1
fi
for t in t-tls t-tls-server; do
	echo "=== $t (in the VM)"
	timeout 900 bash "$top/tests/integration/$t.sh" || { echo "FAIL ($t): exit $?"; status=1; }
done
exit $status
