/* OpenSSL contexts from a socket's TLS settings. */
#include "config.h"

#include "tlsctx.h"
#include "ktls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if HAVE_TLS
#include <openssl/err.h>
#include <openssl/pem.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

/*
 * Client contexts are kept and used again: building one takes OpenSSL
 * hundreds of microseconds (a handshake on loopback takes about as long),
 * and a script connects with the same settings again and again.  A kept
 * context is found by its key: the settings as text and, for each file
 * they name, which file it is and when it last changed, read from the
 * descriptor opened as the caller.  So every connect still opens each
 * file as its own caller (a user who may not read it gets EACCES, even
 * when another user's connect built the context), and a file changed in
 * place or replaced gives a new context.  A capath folder's files are
 * not followed, so its contexts are not kept; nor are a server's, which
 * are built once per listen and hold its session-ticket keys.
 */
#define CACHE_MAX 16
#define KEY_MAX 4096

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;	/* also every refs */
static struct list cache;		/* most recently used first */
static int cached;

/* The system's CA store, loaded on first use and shared by every client
 * context that names no CA of its own (loading it takes milliseconds). */
static pthread_mutex_t system_mu = PTHREAD_MUTEX_INITIALIZER;
static X509_STORE *system_store;

/* OpenSSL's default file and folder (X509_STORE_set_default_paths but
 * for its "store" lookup, which lists the whole folder each time an
 * issuer is not found: every handshake whose chain no system CA signs,
 * verify 0 included, and on the loop).  The file is read here, once;
 * the folder is looked up by hash name, one stat per miss. */
static int load_default_paths(X509_STORE *st)
{
	X509_LOOKUP *file = X509_STORE_add_lookup(st, X509_LOOKUP_file());
	X509_LOOKUP *dir = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir());

	if (file == NULL || dir == NULL)
		return 0;
	/* As OpenSSL's own: a missing file or folder is no error. */
	X509_LOOKUP_load_file(file, NULL, X509_FILETYPE_DEFAULT);
	X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
	ERR_clear_error();
	return 1;
}

/* The store with a reference for the caller, or NULL. */
static X509_STORE *get_system_store(void)
{
	X509_STORE *st;

	pthread_mutex_lock(&system_mu);
	if (system_store == NULL && (system_store = X509_STORE_new()) != NULL &&
	    load_default_paths(system_store) != 1) {
		X509_STORE_free(system_store);
		system_store = NULL;
	}
	if ((st = system_store) != NULL)
		X509_STORE_up_ref(st);
	pthread_mutex_unlock(&system_mu);
	return st;
}

/* The reason OpenSSL gave for the last failure, and the queue cleared. */
const char *tls_ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* Opens option ID's file of C as the thread's caller, so a refusal says
 * which errno, and tells which file it is in *SB when SB is not NULL. */
static int probe_stat(const struct tls_conf *c, enum tls_opt id, struct stat *sb, char *why,
		      size_t whysize)
{
	int fd = open(tls_conf_file(c, id), O_RDONLY | O_NONBLOCK | O_CLOEXEC), err = 0;

	if (fd < 0 || (sb && fstat(fd, sb) < 0))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err)
		snprintf(why, whysize, "%s %s: %s", tls_opt_name(id), tls_conf_get(c, id),
			 strerror(err));
	return -err;
}

static int probe(const struct tls_conf *c, enum tls_opt id, char *why, size_t whysize)
{
	return probe_stat(c, id, NULL, why, whysize);
}

/* The certificates in file FD, trusted by ST; how many. */
static int load_certs_fd(X509_STORE *st, int fd)
{
	BIO *b = BIO_new_fd(fd, BIO_NOCLOSE);
	STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
	int n = 0;

	for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);
		n += xi->x509 && X509_STORE_add_cert(st, xi->x509) == 1;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	return n;
}

/* Every regular file of the capath folder that holds certificates is
 * trusted.  Each is opened beneath the folder, through no magic link and
 * no symbolic link out of it, and read from its descriptor. */
static int load_capath(X509_STORE *st, const struct tls_conf *c, char *why, size_t whysize)
{
	int dfd = open(tls_conf_file(c, TLS_CAPATH), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	const char *path = tls_conf_get(c, TLS_CAPATH);
	struct dirent *e;
	int loaded = 0;

	if (d == NULL) {
		int err = errno;
		if (dfd >= 0)
			close(dfd);
		snprintf(why, whysize, "capath %s: %s", path, strerror(err));
		return -err;
	}
	while ((e = readdir(d)) != NULL) {
		struct open_how how = { .flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC,
					.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
		struct stat sb;
		int fd;
		if (e->d_name[0] == '.' ||
		    (fd = (int)syscall(SYS_openat2, dirfd(d), e->d_name, &how, sizeof(how))) < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
			loaded += load_certs_fd(st, fd) > 0;
		close(fd);
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
		X509_STORE *st = get_system_store();
		if (st == NULL) {
			snprintf(why, whysize, "the system's CA store could not be loaded");
			return -EIO;
		}
		SSL_CTX_set_cert_store(ctx, st);	/* takes our reference */
		return 0;
	}
	if (file && ((err = probe(c, TLS_CAFILE, why, whysize)) != 0))
		return err;
	if (file && SSL_CTX_load_verify_file(ctx, tls_conf_file(c, TLS_CAFILE)) != 1) {
		snprintf(why, whysize, "cafile %s: %s", file, tls_ssl_reason());
		return -EINVAL;
	}
	return dir ? load_capath(SSL_CTX_get_cert_store(ctx), c, why, whysize) : 0;
}

/* Our key signs each handshake on the event loop: an RSA key past 4096
 * bits (a 16384-bit signature takes a third of a second) would hold every
 * other user's requests that long, handshake after handshake. */
#define RSA_BITS_MAX 4096

static int key_size_ok(SSL_CTX *ctx, const struct tls_conf *c, char *why, size_t whysize)
{
	EVP_PKEY *k = SSL_CTX_get0_privatekey(ctx);

	if (k && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) > RSA_BITS_MAX) {
		snprintf(why, whysize, "key %s: RSA keys above %d bits are refused (each handshake "
			 "would hold the daemon's loop)", tls_conf_get(c, TLS_KEY), RSA_BITS_MAX);
		return -EINVAL;
	}
	return 0;
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
	if ((err = probe(c, TLS_CERT, why, whysize)) || (err = probe(c, TLS_KEY, why, whysize)))
		return err;
	if (SSL_CTX_use_certificate_chain_file(ctx, tls_conf_file(c, TLS_CERT)) != 1) {
		snprintf(why, whysize, "cert %s: %s", cert, tls_ssl_reason());
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, tls_conf_file(c, TLS_KEY), SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
		snprintf(why, whysize, "key %s: %s", key, tls_ssl_reason());
		return -EINVAL;
	}
	if (ERR_peek_last_error() || SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(why, whysize, "the key does not match the certificate");
		return -EINVAL;
	}
	return key_size_ok(ctx, c, why, whysize);
}

/* A server with clientca asks every client for a certificate it signed. */
static int load_clientca(SSL_CTX *ctx, const struct tls_conf *c, char *why, size_t whysize)
{
	const char *file = tls_conf_file(c, TLS_CLIENTCA);
	STACK_OF(X509_NAME) *names;
	int err;

	if ((err = probe(c, TLS_CLIENTCA, why, whysize)) != 0)
		return err;
	if (SSL_CTX_load_verify_file(ctx, file) != 1 ||
	    (names = SSL_load_client_CA_file(file)) == NULL) {
		snprintf(why, whysize, "clientca %s: %s", tls_conf_get(c, TLS_CLIENTCA),
			 tls_ssl_reason());
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
	/* Kernel TLS, where the kernel has it (tls.ko) and the cipher suits
	 * it: OpenSSL hands each direction's records to the kernel once the
	 * handshake is done (OpenSSL 3.0: both under TLS 1.2, sending only
	 * under 1.3).  Its receive side reads into OpenSSL's buffer as much
	 * as fits, which must be no more than one record's room; without
	 * it, a larger buffer takes many records per read. */
	if (tls_conf_on(c, TLS_KTLS, true) && ktls_kernel_has())
		SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	else
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
		return tls_conf_get(c, TLS_CLIENTCA) ? load_clientca(ctx, c, why, whysize) : 0;
	}
	SSL_CTX_set_verify(ctx, tls_conf_on(c, TLS_VERIFY, true) ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
			   NULL);
	if ((v = tls_conf_get(c, TLS_SNI)) != NULL) {
		x->no_sni = strcmp(v, "none") == 0;
		snprintf(x->sni, sizeof(x->sni), "%s", x->no_sni ? "" : v);
	}
	if ((v = tls_conf_get(c, TLS_HOSTNAME)) != NULL)
		snprintf(x->hostname, sizeof(x->hostname), "%s", v);
	return load_trust(ctx, c, why, whysize);
}

static int build(const struct tls_conf *c, bool server, struct tls_ctx **out, char *why,
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

/* --- kept client contexts --- */

/* Appends to KEY (*LEN used of SIZE) which file PATH, option ID's, is,
 * opened as the caller, and when it last changed. */
static int key_file(const struct tls_conf *c, enum tls_opt id, char *key, size_t *len, size_t size,
		    char *why, size_t whysize)
{
	struct stat sb;
	int err = probe_stat(c, id, &sb, why, whysize);

	if (err == 0 && *len < size)
		*len += (size_t)snprintf(key + *len, size - *len, "%d %ju %ju %jd %jd.%09ld %jd.%09ld\n",
					 (int)id, (uintmax_t)sb.st_dev, (uintmax_t)sb.st_ino,
					 (intmax_t)sb.st_size, (intmax_t)sb.st_mtim.tv_sec,
					 sb.st_mtim.tv_nsec, (intmax_t)sb.st_ctim.tv_sec,
					 sb.st_ctim.tv_nsec);
	return err;
}

/* The key of C's client context: 0 with KEY, 1 when such a context is
 * not kept, or a negative errno for a file the caller cannot open. */
static int cache_key(const struct tls_conf *c, char *key, size_t size, char *why,
		     size_t whysize)
{
	static const enum tls_opt files[] = { TLS_CAFILE, TLS_CERT, TLS_KEY };
	size_t len = 0;
	const char *v;
	int err;

	if (tls_conf_get(c, TLS_CAPATH))
		return 1;
	key[0] = '\0';
	for (int id = 0; id < TLS_OPT_COUNT && len < size; id++)
		if ((v = tls_conf_get(c, id)) != NULL)
			len += (size_t)snprintf(key + len, size - len, "%d=%s\n", id, v);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (tls_conf_get(c, files[i]) != NULL &&
		    (err = key_file(c, files[i], key, &len, size, why, whysize)) != 0)
			return err;
	return len < size ? 0 : 1;
}

/* The context kept under KEY, moved to the front, or NULL; under the lock. */
static struct tls_ctx *find_locked(const char *key)
{
	for (struct link *l = cache.head; l; l = l->next) {
		struct tls_ctx *x = list_entry(l, struct tls_ctx, link);
		if (strcmp(x->key, key) == 0) {
			list_remove(&cache, l);
			list_prepend(&cache, l);
			return x;
		}
	}
	return NULL;
}

/* The context kept under KEY, with a reference for the caller, or NULL. */
static struct tls_ctx *cache_find(const char *key)
{
	struct tls_ctx *x;

	pthread_mutex_lock(&cache_mu);
	if ((x = find_locked(key)) != NULL)
		x->refs++;
	pthread_mutex_unlock(&cache_mu);
	return x;
}

/* Unlinks the least recently used context when too many are kept. */
static struct tls_ctx *cache_trim(void)
{
	struct tls_ctx *x;

	if (cached <= CACHE_MAX)
		return NULL;
	x = list_entry(cache.tail, struct tls_ctx, link);
	list_remove(&cache, &x->link);
	cached--;
	return x;
}

/* Keeps X under KEY, unless another worker kept a twin meanwhile. */
static void cache_put(struct tls_ctx *x, const char *key)
{
	struct tls_ctx *old = NULL;
	char *k = strdup(key);

	if (k == NULL)
		return;
	pthread_mutex_lock(&cache_mu);
	if (find_locked(k) == NULL) {
		x->key = k;
		k = NULL;
		x->refs++;
		list_prepend(&cache, &x->link);
		cached++;
		old = cache_trim();
	}
	pthread_mutex_unlock(&cache_mu);
	free(k);
	tls_ctx_unref(old);
}

int tls_ctx_build(const struct tls_conf *c, bool server, struct tls_ctx **out, char *why,
		  size_t whysize)
{
	char key[KEY_MAX], after[KEY_MAX];
	int keep = server ? 1 : cache_key(c, key, sizeof(key), why, whysize), err;

	if (keep < 0)
		return keep;
	if (keep == 0 && (*out = cache_find(key)) != NULL)
		return 0;
	if ((err = build(c, server, out, why, whysize)) != 0)
		return err;
	/* Kept only if no file changed while OpenSSL read it. */
	if (keep == 0 && cache_key(c, after, sizeof(after), why, whysize) == 0 &&
	    strcmp(key, after) == 0)
		cache_put(*out, key);
	return 0;
}

void tls_ctx_ref(struct tls_ctx *x)
{
	pthread_mutex_lock(&cache_mu);
	x->refs++;
	pthread_mutex_unlock(&cache_mu);
}

void tls_ctx_unref(struct tls_ctx *x)
{
	int left;

	if (x == NULL)
		return;
	pthread_mutex_lock(&cache_mu);
	left = --x->refs;
	pthread_mutex_unlock(&cache_mu);
	if (left > 0)
		return;
	SSL_CTX_free(x->ctx);
	free(x->key);
	free(x);
}

void tls_ctx_forget(void)
{
	struct list kept;
	struct link *l;

	pthread_mutex_lock(&cache_mu);
	kept = cache;
	cache = (struct list){ NULL, NULL };
	cached = 0;
	pthread_mutex_unlock(&cache_mu);
	while ((l = list_pop(&kept)) != NULL)
		tls_ctx_unref(list_entry(l, struct tls_ctx, link));
	pthread_mutex_lock(&system_mu);
	X509_STORE_free(system_store);
	system_store = NULL;
	pthread_mutex_unlock(&system_mu);
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
void tls_ctx_forget(void) {}

#endif
