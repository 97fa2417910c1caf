/* OpenSSL contexts from a socket's TLS settings. */
#include "config.h"

#include "tlsctx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if HAVE_TLS
#include <openssl/err.h>

/* The system's CA store, loaded once and shared by every client context
 * that names no CA of its own (loading it takes milliseconds). */
static pthread_once_t system_once = PTHREAD_ONCE_INIT;
static X509_STORE *system_store;

static void load_system_store(void)
{
	system_store = X509_STORE_new();
	if (system_store && X509_STORE_set_default_paths(system_store) != 1) {
		X509_STORE_free(system_store);
		system_store = NULL;
	}
}

/* The reason OpenSSL gave for the last failure, and the queue cleared. */
const char *tls_ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* Opens PATH as the thread's caller, so a refusal says which errno. */
static int probe(const char *what, const char *path, char *why, size_t whysize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;
		snprintf(why, whysize, "%s %s: %s", what, path, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}

/* Every readable file of folder PATH that holds certificates is trusted. */
static int load_capath(X509_STORE *st, const char *path, char *why, size_t whysize)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[PATH_MAX];
	int loaded = 0;

	if (d == NULL) {
		int err = errno;
		snprintf(why, whysize, "capath %s: %s", path, strerror(err));
		return -err;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		if (e->d_name[0] == '.' ||
		    snprintf(file, sizeof(file), "%s/%s", path, e->d_name) >= (int)sizeof(file) ||
		    stat(file, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		loaded += X509_STORE_load_file(st, file) == 1;
	}
	closedir(d);
	ERR_clear_error();
	if (loaded == 0) {
		snprintf(why, whysize, "capath %s: no certificate found", path);
		return -EINVAL;
	}
	return 0;
}

/* Whom the context trusts: the caller's CA file or folder, or the system's. */
static int load_trust(SSL_CTX *ctx, const struct tls_conf *c, char *why, size_t whysize)
{
	const char *file = tls_conf_get(c, TLS_CAFILE), *dir = tls_conf_get(c, TLS_CAPATH);
	int err;

	if (file == NULL && dir == NULL) {
		pthread_once(&system_once, load_system_store);
		if (system_store == NULL) {
			snprintf(why, whysize, "the system's CA store could not be loaded");
			return -EIO;
		}
		SSL_CTX_set1_cert_store(ctx, system_store);
		return 0;
	}
	if (file && ((err = probe("cafile", file, why, whysize)) != 0))
		return err;
	if (file && SSL_CTX_load_verify_file(ctx, file) != 1) {
		snprintf(why, whysize, "cafile %s: %s", file, tls_ssl_reason());
		return -EINVAL;
	}
	return dir ? load_capath(SSL_CTX_get_cert_store(ctx), dir, why, whysize) : 0;
}

static int load_identity(SSL_CTX *ctx, const struct tls_conf *c, bool server, char *why,
			 size_t whysize)
{
	const char *cert = tls_conf_get(c, TLS_CERT), *key = tls_conf_get(c, TLS_KEY);
	int err;

	if (!cert != !key || (server && !cert)) {
		snprintf(why, whysize, server ? "a server needs both set cert PATH and set key PATH"
					      : "set both cert and key, or neither");
		return -EINVAL;
	}
	if (!cert)
		return 0;
	if ((err = probe("cert", cert, why, whysize)) || (err = probe("key", key, why, whysize)))
		return err;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(why, whysize, "cert %s: %s", cert, tls_ssl_reason());
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
		snprintf(why, whysize, "key %s: %s", key, tls_ssl_reason());
		return -EINVAL;
	}
	if (ERR_peek_last_error() || SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(why, whysize, "the key does not match the certificate");
		return -EINVAL;
	}
	return 0;
}

/* A server with clientca asks every client for a certificate it signed. */
static int load_clientca(SSL_CTX *ctx, const char *path, char *why, size_t whysize)
{
	STACK_OF(X509_NAME) *names;
	int err;

	if ((err = probe("clientca", path, why, whysize)) != 0)
		return err;
	if (SSL_CTX_load_verify_file(ctx, path) != 1 ||
	    (names = SSL_load_client_CA_file(path)) == NULL) {
		snprintf(why, whysize, "clientca %s: %s", path, tls_ssl_reason());
		return -EINVAL;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return 0;
}

/* A server picks its first protocol that the client also offers. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	struct tls_ctx *x = arg;
	unsigned char *o;

	if (SSL_select_next_proto(&o, outlen, x->alpn, (unsigned)x->alpn_len, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* "h2,http/1.1" in the wire format: each name after its length. */
static void alpn_wire(struct tls_ctx *x, const char *list)
{
	const char *p = list;

	x->alpn_len = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		x->alpn[x->alpn_len++] = (unsigned char)n;
		memcpy(x->alpn + x->alpn_len, p, n);
		x->alpn_len += n;
		p += n + (p[n] == ',');
	}
}

static int ctx_settings(struct tls_ctx *x, const struct tls_conf *c, bool server, char *why,
			size_t whysize)
{
	SSL_CTX *ctx = x->ctx;
	const char *v;
	int err;

	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Records are read from the socket as many at a time as have come
	 * (not a header and a body each), which bulk receive needs. */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, 128 * 1024);
	v = tls_conf_get(c, TLS_MINVERSION);
	SSL_CTX_set_min_proto_version(ctx, v && !strcmp(v, "1.3") ? TLS1_3_VERSION : TLS1_2_VERSION);
	if ((v = tls_conf_get(c, TLS_CIPHERS)) && SSL_CTX_set_cipher_list(ctx, v) != 1) {
		ERR_clear_error();
		snprintf(why, whysize, "ciphers %s: no usable cipher in the list", v);
		return -EINVAL;
	}
	if ((err = load_identity(ctx, c, server, why, whysize)) != 0)
		return err;
	if ((v = tls_conf_get(c, TLS_ALPN)) != NULL) {
		alpn_wire(x, v);
		if (server)
			SSL_CTX_set_alpn_select_cb(ctx, select_alpn, x);
		else if (SSL_CTX_set_alpn_protos(ctx, x->alpn, (unsigned)x->alpn_len) != 0)
			return -ENOMEM;
	}
	if (server) {
		v = tls_conf_get(c, TLS_CLIENTCA);
		return v ? load_clientca(ctx, v, why, whysize) : 0;
	}
	v = tls_conf_get(c, TLS_VERIFY);
	SSL_CTX_set_verify(ctx, v && v[0] == '0' ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if ((v = tls_conf_get(c, TLS_SNI)) != NULL) {
		x->no_sni = strcmp(v, "none") == 0;
		snprintf(x->sni, sizeof(x->sni), "%s", x->no_sni ? "" : v);
	}
	if ((v = tls_conf_get(c, TLS_HOSTNAME)) != NULL)
		snprintf(x->hostname, sizeof(x->hostname), "%s", v);
	return load_trust(ctx, c, why, whysize);
}

int tls_ctx_build(const struct tls_conf *c, bool server, struct tls_ctx **out, char *why,
		  size_t whysize)
{
	struct tls_ctx *x = calloc(1, sizeof(*x));
	int err;

	if (x == NULL || (x->ctx = SSL_CTX_new(TLS_method())) == NULL) {
		free(x);
		snprintf(why, whysize, "out of memory");
		return -ENOMEM;
	}
	x->refs = 1;
	if ((err = ctx_settings(x, c, server, why, whysize)) != 0) {
		tls_ctx_unref(x);
		return err;
	}
	*out = x;
	return 0;
}

void tls_ctx_ref(struct tls_ctx *x)
{
	x->refs++;
}

void tls_ctx_unref(struct tls_ctx *x)
{
	if (x == NULL || --x->refs > 0)
		return;
	SSL_CTX_free(x->ctx);
	free(x);
}

#else /* !HAVE_TLS */

int tls_ctx_build(const struct tls_conf *c, bool server, struct tls_ctx **out, char *why,
		  size_t whysize)
{
	snprintf(why, whysize, "sockfs was built without TLS");
	return -ENOPROTOOPT;
}

void tls_ctx_ref(struct tls_ctx *x) {}
void tls_ctx_unref(struct tls_ctx *x) {}

#endif
