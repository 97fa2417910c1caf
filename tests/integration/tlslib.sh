# Sourced by the TLS tests, after lib.sh.
#
# tlspeer NAME MODE CERTDIR [ARG]: a python TLS peer (tlspeer.py says what
# each MODE does) presenting CERTDIR's server.pem; its port is
# $(ready_of NAME).
tlspeer() {
	local name=$1 mode=$2 certs=$3
	shift 3
	py_peer "$name" "$mode" "$certs" "$@" < "$TOP_SRCDIR/tests/integration/tlspeer.py"
}

# make_certs DIR makes, with the openssl command,
# a test CA and what the tests present (EC P-256 keys, quick to make):
#   ca.pem              the test CA (ca.key its key)
#   server.pem/.key     CN=localhost, SANs localhost and 127.0.0.1, by the CA
#   expired.pem/.key    the same names, expired yesterday
#   selfsigned.pem/.key the same names, signed by itself
#   other.pem/.key      the same names, by another CA (otherca.pem)
#   client.pem/.key     CN=sockfs-client, by the CA
#   wrong.key           a key that matches none of them
make_certs() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d"
		key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
		for ca in ca otherca; do
			key "$ca.key"
			# keyUsage: python 3.13 (Debian 13) verifies strictly, and
			# wants it in a CA.
			openssl req -x509 -new -key "$ca.key" -out "$ca.pem" -days 30 \
				-subj "/CN=sockfs test $ca" -addext keyUsage=critical,keyCertSign,cRLSign \
				2>/dev/null
		done
		# sign NAME CA CN DAYS [EXT]; DAYS -1: expired.  OpenSSL 3.5
		# (Debian 13) refuses -days -1 and takes dates instead; 3.0
		# (Debian 12) has no such options.
		sign() {
			local when=(-days "$4")
			if [ "$4" = -1 ] && openssl x509 -help 2>&1 | grep -q -- -not_after; then
				when=(-not_before 20200101000000Z -not_after 20200102000000Z)
			fi
			key "$1.key"
			openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
			# Key identifiers: strict verification (python 3.13) wants the
			# issuer's in every certificate a CA signed.
			{ [ -z "${5:-}" ] || cat "$5"
			  printf 'authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n'; } > "$1.ext"
			openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
				-out "$1.pem" "${when[@]}" -extfile "$1.ext" 2>/dev/null
		}
		sign server ca localhost 30 san.ext
		sign expired ca localhost -1 san.ext
		sign other otherca localhost 30 san.ext
		sign client ca sockfs-client 30
		key selfsigned.key
		openssl req -x509 -new -key selfsigned.key -out selfsigned.pem -days 30 \
			-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
		key wrong.key
		chmod 644 ./*.pem ./*.key
	)
	[ -s "$d/client.pem" ] && [ -s "$d/selfsigned.pem" ] || fail "openssl could not make the test certificates"
}

# kernel_tls: "true" when this kernel can carry TLS records itself (the
# tls ULP, loaded on demand), "false" when not, found with a plain python
# socket, not through sockfs.  With SOCKFS_NEED_KTLS set (the VM stage of
# tests/run.sh), a kernel without it fails the test instead.
kernel_tls() {
	local have
	have=$(python3 - <<'PY'
import socket
l = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(l.getsockname())
try:
    c.setsockopt(socket.IPPROTO_TCP, 31, b"tls")   # TCP_ULP
    print("true")
except OSError:
    print("false")
PY
)
	[ -n "${SOCKFS_NEED_KTLS:-}" ] && [ "$have" != true ] &&
		fail "SOCKFS_NEED_KTLS is set but this kernel has no kernel TLS"
	echo "$have"
}
