/*
 * TLS contexts: what a socket's settings (tlsconf.h) make of OpenSSL, built
 * once per connect, listen or starttls, and shared by a listener with the
 * connections it accepts.  Building one opens the caller's files, so it
 * runs on a worker as the caller.
 */
#ifndef SOCKFS_TLSCTX_H
#define SOCKFS_TLSCTX_H

#include <stdbool.h>
#include <stddef.h>

#include "list.h"
#include "tlsconf.h"

#if HAVE_TLS
#include <openssl/ssl.h>

struct tls_ctx {
	SSL_CTX *ctx;
	int refs;			/* under the cache's lock: workers take them too */
	char *key;			/* a kept context's key (tlsctx.c) */
	struct link link;		/* in the cache, if kept */
	bool no_sni;
	char sni[TLS_VALUE_MAX + 1];	/* "" unless set: the host connected to */
	char hostname[TLS_VALUE_MAX + 1];
	unsigned char alpn[TLS_VALUE_MAX + 2];	/* wire format: length, name, ... */
	size_t alpn_len;
};

/* The reason OpenSSL gave for the last failure; its queue is cleared. */
const char *tls_ssl_reason(void);
#endif

struct tls_ctx;

/*
 * Builds a client or server context from C, or finds a client context
 * kept from an earlier build with the same settings and the same files
 * (every file is opened as the caller either way).  Returns 0 with *OUT,
 * or a negative errno with the reason in WHY: EACCES/ENOENT for a path,
 * EINVAL for a certificate, key or cipher list OpenSSL refuses (a key
 * that does not match its certificate among them), ENOPROTOOPT built
 * without TLS.
 */
int tls_ctx_build(const struct tls_conf *c, bool server, struct tls_ctx **out, char *why,
		  size_t whysize);
void tls_ctx_ref(struct tls_ctx *x);
void tls_ctx_unref(struct tls_ctx *x);
/* Lets go of every kept context (at exit, so nothing looks leaked). */
void tls_ctx_forget(void);

#endif
