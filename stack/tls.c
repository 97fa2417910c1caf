/*
 * OpenSSL 3, as Debian 12 ships it (docs/design.md says why this library).
 * Every call here is non-blocking on a non-blocking descriptor; the loop
 * calls again when tls_want() is ready.
 */
#include "config.h"

#include "tls.h"
#include "tlsctx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#if HAVE_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "text.h"


struct tls {
	SSL *ssl;
	struct tls_ctx *x;
	bool server, established, sent_close, done;	/* done: no more reads */
	int held_err;			/* an error met after data, for the next read */
	const char *end;		/* how the peer's side ended, for status */
	uint32_t want;
	char why[TLS_WHY_MAX];
	json_t *cert;			/* the peer certificate for status, made once */
};

/* --- connections --- */

static bool is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A client names the server (SNI) and says which name it must prove. */
static int client_names(struct tls *t, const char *host)
{
	struct tls_ctx *x = t->x;
	const char *sni = x->sni[0] ? x->sni : host && !is_ip(host) ? host : NULL;
	const char *check = x->hostname[0] ? x->hostname : host;

	if (sni && !x->no_sni && SSL_set_tlsext_host_name(t->ssl, sni) != 1)
		return -EINVAL;
	if (check == NULL)
		return 0;
	if (is_ip(check))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), check) == 1 ? 0 : -EINVAL;
	return SSL_set1_host(t->ssl, check) == 1 ? 0 : -EINVAL;
}

struct tls *tls_new(struct tls_ctx *x, int fd, bool server, const char *host, char *why,
		    size_t whysize)
{
	struct tls *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->ssl = SSL_new(x->ctx)) == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		snprintf(why, whysize, "%s", tls_ssl_reason());
		if (t)
			SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	t->x = x;
	tls_ctx_ref(x);
	t->server = server;
	t->want = EPOLLOUT;	/* the first step may go as soon as we can write */
	if (server)
		SSL_set_accept_state(t->ssl);
	else {
		SSL_set_connect_state(t->ssl);
		if (client_names(t, host) != 0) {
			snprintf(why, whysize, "bad host name for TLS: %s", host ? host : "");
			tls_free(t);
			return NULL;
		}
	}
	return t;
}

/* Records the peer sent that nobody will read (TLS 1.3's session tickets
 * arrive unasked) would make the kernel answer our close with a reset,
 * and a reset can destroy data of ours still in flight: they are read
 * and dropped first, as far as they have come. */
static void drain(int fd)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(unsigned char))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	/* Room for a control message: under kernel TLS, a record that is not
	 * data (a ticket, an alert) is handed over only with its type. */
	for (int i = 0; i < 64; i++) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		if (recvmsg(fd, &m, MSG_DONTWAIT) <= 0)
			break;
	}
}

void tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	if (t->established && !t->sent_close && !t->done)
		(void)SSL_shutdown(t->ssl);
	if (t->established)
		drain(SSL_get_fd(t->ssl));
	ERR_clear_error();
	SSL_free(t->ssl);
	tls_ctx_unref(t->x);
	json_decref(t->cert);
	free(t);
}

/* Alerts and failures that are about a certificate, ours or theirs. */
static bool about_certificate(int reason)
{
	switch (reason) {
	case SSL_R_CERTIFICATE_VERIFY_FAILED:
	case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
		return true;
	}
	return false;
}

/* What a failed call R on T means (WHAT: "handshake", "read", "write"). */
static int failure(struct tls *t, int r, const char *what)
{
	int e = SSL_get_error(t->ssl, r), sys = errno, reason;
	unsigned long code;
	long vr;

	/* Waiting is the common case, on every read that empties the socket:
	 * it is answered before anything is asked of the error queue. */
	switch (e) {
	case SSL_ERROR_WANT_READ:
		t->want = EPOLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		t->want = EPOLLOUT;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		t->done = true;
		t->end = "close_notify";
		return 0;
	}
	t->done = true;
	code = ERR_peek_last_error();
	reason = ERR_GET_REASON(code);
	vr = SSL_get_verify_result(t->ssl);
	if (e == SSL_ERROR_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK) {
		snprintf(t->why, sizeof(t->why), "certificate verify failed: %s",
			 X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	if ((e == SSL_ERROR_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
	    (e == SSL_ERROR_SYSCALL && code == 0 && sys == 0)) {
		t->end = "truncated";
		snprintf(t->why, sizeof(t->why), t->established
			 ? "the peer closed without close_notify: the data may be truncated"
			 : "the peer closed the connection during the handshake");
		ERR_clear_error();
		return -ECONNRESET;
	}
	if (e == SSL_ERROR_SYSCALL && code == 0) {
		snprintf(t->why, sizeof(t->why), "%s", strerror(sys));
		return sys ? -sys : -EIO;
	}
	snprintf(t->why, sizeof(t->why), "%s failed: %s", what, tls_ssl_reason());
	return about_certificate(reason) ? -EKEYREJECTED : -EPROTO;
}

int tls_handshake(struct tls *t)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(t->ssl)) == 1) {
		t->established = true;
		return 0;
	}
	r = failure(t, r, "handshake");
	return r == 0 ? -ECONNRESET : r;
}

bool tls_established(const struct tls *t)
{
	return t && t->established;
}

/* One record is at most 16 KiB: a read takes as many as have come and
 * fit, so that one FUSE request carries a whole buffer.  An error met
 * after some data waits for the next read. */
ssize_t tls_read(struct tls *t, void *buf, size_t len)
{
	size_t got = 0;
	int r;

	if (t->held_err) {
		r = t->held_err;
		t->held_err = 0;
		return r;
	}
	while (got < len && !t->done) {
		size_t want = len - got;
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_read(t->ssl, (char *)buf + got, want > INT_MAX ? INT_MAX : (int)want)) > 0) {
			got += (size_t)r;
			continue;
		}
		r = failure(t, r, "read");
		if (got == 0)
			return r;
		if (r != -EAGAIN)
			t->held_err = r;
		break;
	}
	return (ssize_t)got;
}

ssize_t tls_write(struct tls *t, const void *buf, size_t len)
{
	int r;

	if (t->sent_close || (t->done && !t->end))
		return -EPIPE;
	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len)) > 0)
		return r;
	r = failure(t, r, "write");
	return r == 0 ? -EPIPE : r;
}

int tls_close_notify(struct tls *t)
{
	if (!t->established || t->sent_close)
		return 0;
	ERR_clear_error();
	t->sent_close = true;
	if (SSL_shutdown(t->ssl) < 0) {
		snprintf(t->why, sizeof(t->why), "close_notify: %s", tls_ssl_reason());
		return -EPIPE;
	}
	return 0;
}

uint32_t tls_want(const struct tls *t)
{
	return t->want;
}

bool tls_pending(const struct tls *t)
{
	return !t->done && SSL_has_pending(t->ssl);
}

const char *tls_why(const struct tls *t)
{
	return t->why;
}

/* --- status --- */

/* A peer's certificate is the peer's to make as large as it likes; what
 * status shows of it is bounded (docs/sockfs.1, TLS): the first SAN_MAX
 * DNS and IP names, each cut at SAN_NAME_MAX bytes, the subject and the
 * issuer at DN_MAX, so a socket's peer_certificate holds at most about
 * 10 KiB of text however many names the certificate carries. */
enum { SAN_MAX = 32, SAN_NAME_MAX = 256, DN_MAX = 1024 };

static json_t *name_json(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;
	json_t *j;

	if (b == NULL)
		return json_null();
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	len = BIO_get_mem_data(b, &p);
	j = text_json_n(p, len > DN_MAX ? DN_MAX : (size_t)len);
	BIO_free(b);
	return j;
}

static json_t *time_json(const ASN1_TIME *a)
{
	struct tm tm;
	char buf[32];

	if (ASN1_TIME_to_tm(a, &tm) != 1)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return text_json(buf);
}

/* "DNS:" and the name as the certificate has it, a NUL in it included:
 * a name cut at a NUL would look like another, trusted one. */
static json_t *dns_json(const ASN1_IA5STRING *name)
{
	char buf[4 + SAN_NAME_MAX];
	int n = ASN1_STRING_length(name);

	if (n < 0 || n > SAN_NAME_MAX)
		n = n < 0 ? 0 : SAN_NAME_MAX;
	memcpy(buf, "DNS:", 4);
	memcpy(buf + 4, ASN1_STRING_get0_data(name), (size_t)n);
	return text_json_n(buf, 4 + (size_t)n);
}

/* The DNS and IP names, the first SAN_MAX of them; *left counts the rest
 * (of those kinds). */
static json_t *sans_json(X509 *c, int *left)
{
	GENERAL_NAMES *gs = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();
	char ip[3 + INET6_ADDRSTRLEN] = "IP:";

	*left = 0;
	for (int i = 0; gs && i < sk_GENERAL_NAME_num(gs); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gs, i);
		const ASN1_OCTET_STRING *o = g->d.ip;
		json_t *j = NULL;

		if (g->type == GEN_DNS)
			j = dns_json(g->d.dNSName);
		else if (g->type == GEN_IPADD && (o->length == 4 || o->length == 16) &&
			 inet_ntop(o->length == 4 ? AF_INET : AF_INET6, o->data, ip + 3, sizeof(ip) - 3))
			j = text_json(ip);
		if (j && json_array_size(a) >= SAN_MAX) {
			json_decref(j);
			++*left;
		} else if (j)
			json_array_append_new(a, j);
	}
	GENERAL_NAMES_free(gs);
	return a;
}

static json_t *cert_json(X509 *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[EVP_MAX_MD_SIZE * 3 + 1] = "";
	json_t *san;
	int left;

	if (c == NULL)
		return json_null();
	if (X509_digest(c, EVP_sha256(), md, &n) == 1)
		for (unsigned i = 0; i < n; i++)
			snprintf(hex + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
	san = sans_json(c, &left);
	return json_pack("{s:o,s:o,s:o,s:i,s:o,s:o,s:o}", "subject", name_json(X509_get_subject_name(c)),
			 "issuer", name_json(X509_get_issuer_name(c)), "san", san,
			 "san_omitted", left,
			 "not_before", time_json(X509_get0_notBefore(c)),
			 "not_after", time_json(X509_get0_notAfter(c)), "sha256", text_json(hex));
}

/* The peer's certificate does not change once the handshake is done:
 * it is made into JSON once, not at every read of status or sockets. */
static json_t *peer_cert_json(struct tls *t)
{
	X509 *peer;

	if (!t->established)
		return json_null();
	if (t->cert == NULL) {
		peer = SSL_get1_peer_certificate(t->ssl);
		t->cert = cert_json(peer);
		X509_free(peer);
	}
	return json_incref(t->cert);
}

/* Which directions the kernel's TLS carries. */
static json_t *ktls_json(const struct tls *t)
{
	return json_pack("{s:b,s:b}", "send", BIO_get_ktls_send(SSL_get_wbio(t->ssl)),
			 "recv", BIO_get_ktls_recv(SSL_get_rbio(t->ssl)));
}

bool tls_in_kernel(const struct tls *t)
{
	return t && (BIO_get_ktls_send(SSL_get_wbio(t->ssl)) ||
		     BIO_get_ktls_recv(SSL_get_rbio(t->ssl)));
}

static json_t *verify_json(const struct tls *t)
{
	long vr = SSL_get_verify_result(t->ssl);
	bool asked = SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE;

	if (!asked)
		return json_pack("{s:b,s:n}", "checked", 0, "error");
	return json_pack("{s:b,s:b,s:o}", "checked", 1, "ok", vr == X509_V_OK, "error",
			 vr == X509_V_OK ? json_null() : text_json(X509_verify_cert_error_string(vr)));
}

json_t *tls_json(struct tls *t)
{
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	const char *sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
	json_t *o;

	SSL_get0_alpn_selected(t->ssl, &alpn, &alen);
	o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		      "role", text_json(t->server ? "server" : "client"),
		      "state", text_json(!t->established ? (t->done ? "failed" : "handshaking")
					 : t->done ? "closed" : "established"),
		      "version", t->established ? text_json(SSL_get_version(t->ssl)) : json_null(),
		      "cipher", t->established ? text_json(SSL_get_cipher_name(t->ssl)) : json_null(),
		      "alpn", alen ? text_json_n((const char *)alpn, alen) : json_null(),
		      "sni", text_json(sni),
		      "verify", verify_json(t),
		      "peer_certificate", peer_cert_json(t),
		      "end", text_json(t->end),
		      "ktls", ktls_json(t));
	return o;
}

#else /* !HAVE_TLS */

struct tls *tls_new(struct tls_ctx *x, int fd, bool server, const char *host, char *why,
		    size_t whysize)
{
	return NULL;
}
void tls_free(struct tls *t) {}
int tls_handshake(struct tls *t) { return -ENOPROTOOPT; }
bool tls_established(const struct tls *t) { return false; }
ssize_t tls_read(struct tls *t, void *buf, size_t len) { return -ENOPROTOOPT; }
ssize_t tls_write(struct tls *t, const void *buf, size_t len) { return -ENOPROTOOPT; }
int tls_close_notify(struct tls *t) { return 0; }
uint32_t tls_want(const struct tls *t) { return 0; }
bool tls_pending(const struct tls *t) { return false; }
const char *tls_why(const struct tls *t) { return ""; }
json_t *tls_json(struct tls *t) { return json_null(); }
bool tls_in_kernel(const struct tls *t) { return false; }

#endif
