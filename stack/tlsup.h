/*
 * Bringing TLS up on a socket: its context built from its settings on a
 * worker, as the caller (the context opens the caller's certificate and
 * CA files), then the handshake, stepped by the loop as the descriptor
 * becomes ready.  Whoever started either is called back on the loop.
 */
#ifndef SOCKFS_TLSUP_H
#define SOCKFS_TLSUP_H

#include <stdbool.h>

#include "sock.h"
#include "tls.h"

/* What the floors above read of S's TLS (struct tls_state, which tlsup
 * keeps): each is NULL, false or 0 while S has none. */
static inline struct tls *tlsup_conn(const struct sock *s)
{
	return s->tlsstate ? s->tlsstate->conn : NULL;
}

static inline struct tls_ctx *tlsup_ctx(const struct sock *s)
{
	return s->tlsstate ? s->tlsstate->ctx : NULL;
}

static inline const struct tls_conf *tlsup_conf(const struct sock *s)
{
	return s->tlsstate ? s->tlsstate->conf : NULL;
}

/* The reason the last TLS call on S failed; "" when there is none. */
static inline const char *tlsup_why(const struct sock *s)
{
	return s->tlsstate && s->tlsstate->conn ? tls_why(s->tlsstate->conn) : "";
}

/* TLS is being set up on S (a context built, or a handshake). */
static inline bool tlsup_busy(const struct sock *s)
{
	return s->tlsstate && s->tlsstate->up;
}

/* How many of listener S's children are in their handshake. */
static inline int tlsup_handshakes(const struct sock *s)
{
	return s->tlsstate ? s->tlsstate->handshaking : 0;
}

/* S's bytes through its TLS connection, as tls_read and tls_write; until
 * the handshake is done -EAGAIN while it runs, else -ENOTCONN. */
ssize_t tlsup_read(struct sock *s, void *buf, size_t len);
ssize_t tlsup_write(struct sock *s, const void *data, size_t len);

/* ERR is 0 or a negative errno, WHY its reason (NULL for plain strerror). */
typedef void (*tlsup_fn)(struct sock *s, void *arg, int err, const char *why);

/* `set` of TLS option ID: kept for the next context, which is built
 * anew.  0 or -ENOMEM. */
int tlsup_set_opt(struct sock *s, enum tls_opt id, const char *value);

/* Builds S's context from its settings as WHO.  Returns 0 and calls DONE
 * later, or a negative errno at once. */
int tlsup_build(struct sock *s, const struct caller *who, const struct actor *as, bool server,
		tlsup_fn done, void *arg);

/*
 * Starts the handshake on connected S, with context X.  HOST is the name
 * or address a client connected to.  A server's handshake is timed by S's
 * `set timeout`, 30 s when unset.  Returns 1 (DONE will be called), or a
 * negative errno with the reason in *WHY.
 */
int tlsup_handshake(struct sock *s, struct tls_ctx *x, bool server, const char *host,
		    tlsup_fn done, void *arg, const char **why);
/* The name a connect of S was given (tls, tcp, mptcp), kept for a later
 * handshake: 0 or -ENOMEM. */
int tlsup_set_host(struct sock *s, const char *host);
/* Whom S's client handshake names: that name, else the peer's address. */
void tlsup_host(struct sock *s, char *buf, size_t size);
/*
 * starttls's guard against injected plain text: bytes the peer sent
 * before the upgrade that nobody read would be taken for the handshake.
 * A client refuses any; a server refuses any that does not start a TLS
 * record.  Returns 0, or -EPROTO with the reason in *WHY.
 */
int tlsup_check_unread(struct sock *s, bool server, const char **why);
/* S's descriptor is ready while it is busy: the handshake goes on. */
void tlsup_step(struct sock *s);
/* S disconnects: the connection's TLS goes with it (settings and
 * context stay for the next connect). */
void tlsup_disconnect(struct sock *s);
/* Whoever waited is gone: DONE will not be called, and a handshake not
 * finished is given up (the connection is undone). */
void tlsup_abandon(struct sock *s);
/* S closes: its TLS state, context and settings go with it (through
 * the on_close hook). */
void tlsup_close(struct sock *s);

#endif
