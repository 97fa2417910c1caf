/*
 * TLS on a connected stream descriptor, by OpenSSL 3: a context built
 * from a socket's settings, and a connection's handshake, records in and
 * out, close_notify and what status shows.  It knows descriptors, not
 * sockets.  Everything here is non-blocking: a call that must wait
 * returns -EAGAIN and tls_want() says for what.
 *
 * Built --without-tls, tls_ctx_build fails with ENOPROTOOPT and nothing
 * else is reached.
 */
#ifndef SOCKFS_TLS_H
#define SOCKFS_TLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tlsconf.h"
#include "tlsctx.h"

#define TLS_WHY_MAX 200

struct tls;
struct tlsup;

/* A socket's TLS, all of it (a tls socket, or starttls on tcp): the
 * settings `set` gave, the context built from them (a listener's serves
 * its children), the connection once its handshake starts, and what is
 * under way.  tlsup makes it on first use and frees it when the socket
 * closes; the socket holds only the pointer. */
struct tls_state {
	struct tls_conf *conf;
	struct tls_ctx *ctx;
	struct tls *conn;
	struct tlsup *up;		/* the context being built, or the handshake */
	int handshaking;		/* a listener: children in their handshake */
};

/* A connection on FD with context X.  HOST is the name or address the
 * client connected to: the default SNI name and name to verify. */
struct tls *tls_new(struct tls_ctx *x, int fd, bool server, const char *host, char *why,
		    size_t whysize);
/* Sends close_notify when it can without waiting, and frees T. */
void tls_free(struct tls *t);

/*
 * Steps the handshake: 0 when done, -EAGAIN, or -EKEYREJECTED (a
 * certificate was refused, ours or theirs), -EPROTO (any other handshake
 * failure), -ECONNRESET (the peer closed), with the reason in tls_why().
 */
int tls_handshake(struct tls *t);
bool tls_established(const struct tls *t);
/*
 * Application data.  tls_read returns bytes, 0 at the peer's close_notify,
 * -EAGAIN, or an error: -ECONNRESET when the peer closed without
 * close_notify (the data may be truncated), -EPROTO, -EKEYREJECTED.
 * tls_write returns bytes written (a record at a time) or an error.
 */
ssize_t tls_read(struct tls *t, void *buf, size_t len);
ssize_t tls_write(struct tls *t, const void *buf, size_t len);
/* Sends close_notify (shutdown wr): 0, or a negative errno. */
int tls_close_notify(struct tls *t);
/* What the last call that returned -EAGAIN waits for: EPOLLIN or EPOLLOUT. */
uint32_t tls_want(const struct tls *t);
/* Decrypted bytes waiting in the library, which poll(2) cannot see. */
bool tls_pending(const struct tls *t);
const char *tls_why(const struct tls *t);
/* Version, cipher, ALPN, verification and the peer's certificate. */
json_t *tls_json(struct tls *t);
/* Whether the kernel carries T's records in either direction (kernel
 * TLS): such a descriptor cannot be disconnected, only closed. */
bool tls_in_kernel(const struct tls *t);

#endif
