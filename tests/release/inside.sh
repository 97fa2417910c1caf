#!/bin/bash
# inside.sh full|light: run by tests/release/run.sh inside a release's root,
# on the source tree copied to /src.  Builds with --enable-werror in
# /src/build, runs make check (light: the unit tests only) and, when full,
# tests the Debian package built from make dist's tarball.  Prints
# "versions: ..." and "ok - ..." lines; the test logs stay in /src/build.
set -eu
level=$1
. /etc/os-release
fail() {
	echo "FAIL (release ${VERSION_CODENAME:-?}): $*" >&2
	exit 1
}
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo none; }
echo "versions: Debian $(cat /etc/debian_version) ($VERSION_CODENAME), GCC $(gcc -dumpfullversion)," \
	"libfuse $(pkg-config --modversion fuse3), OpenSSL $(pkg-config --modversion openssl)," \
	"jansson $(pkg-config --modversion jansson), Check $(pkg-config --modversion check)," \
	"automake $(ver automake), debhelper $(ver debhelper), lintian $(ver lintian)"

cd /src
autoreconf -fi > /tmp/autoreconf.log 2>&1 || { cat /tmp/autoreconf.log; fail "autoreconf -fi"; }
mkdir -p build
cd build
../configure --enable-werror > build.log 2>&1 || { tail -30 build.log; fail "./configure --enable-werror"; }
make -j"$(nproc)" >> build.log 2>&1 || { grep -E 'error|warning' build.log | head -30; fail "make (-Werror)"; }
echo "ok - ./configure --enable-werror && make: no warnings with GCC $(gcc -dumpfullversion)"

st=0
if [ "$level" = light ]; then
	make check TESTS=tests/unit/unit > check.log 2>&1 || st=$?
else
	make check > check.log 2>&1 || st=$?
fi
grep -E '^(# |PASS|FAIL|SKIP|XFAIL|ERROR)' check.log || true
[ "$st" -eq 0 ] || echo "FAIL (release $VERSION_CODENAME): make check" >&2
[ "$level" = light ] && exit "$st"

# The package is tested even when make check failed: one run shows all.
make dist > dist.log 2>&1 || { tail -20 dist.log; fail "make dist"; }
bash /src/tests/package.sh sockfs-*.tar.gz > package.log 2>&1 || st=1
cat package.log
exit "$st"
