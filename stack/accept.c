/*
 * Connections are accepted only when somebody reads listen, so the
 * kernel's backlog keeps its meaning and clients see flow control.  A
 * connection accepted for a reader stays tied to its listener until one
 * of its files is opened; a name whose reply never reached its reader
 * goes back to the listener for the next one.
 */
#include "config.h"

#include "accept.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "message.h"
#include "sockname.h"
#include "tlsup.h"

/* A read of listen. */
struct accept_wait {
	struct waiter w;
	struct handle *h;
	uint64_t child_id;	/* the socket whose name this read carries */
	const char *why;	/* a failure's reason, when strerror is not enough */
};

/* A tied socket whose name is owed to the next reader (a tls one once
 * its handshake is done). */
static struct sock *first_undelivered(struct sock *l)
{
	for (struct sock *c = sock_child_first(l); c; c = sock_child_next(c))
		if (!c->delivered && !tlsup_busy(c))
			return c;
	return NULL;
}

/* A tls connection's handshake ended: a failure is the listener's to
 * report, and the connection goes; either way the readers go on. */
static void handshake_done(struct sock *c, void *arg, int err, const char *why)
{
	struct sock *l = sock_by_id(c->st, (uint64_t)(uintptr_t)arg);
	char peer[ADDR_TEXT_MAX], what[ADDR_TEXT_MAX + 32];

	if (err) {
		if (l) {
			if (sock_peer_text(c, peer, sizeof(peer)) < 0)
				snprintf(peer, sizeof(peer), "a client");
			snprintf(what, sizeof(what), "listen: handshake with %s", peer);
			sock_set_err(l, what, why ? why : strerror(-err));
		}
		sock_close(c);
	}
	if (l) {
		accept_serve(l);
		sock_update_interest(l);
	}
}

/* Accepts one connection into a new socket tied to listener L. */
static int accept_one(struct sock *l, struct sock **out)
{
	struct caller owner = { l->uid, l->gid, 0 };
	int fd, err;

	do
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* A client that gave up before we got to it: take the next. */
	while (fd < 0 && (errno == ECONNABORTED || errno == EINTR));
	if (fd < 0)
		return -errno;
	if ((err = sock_adopt(l->st, l->kind, fd, &owner, out)) != 0) {
		close(fd);
		return err;
	}
	/* The kernel copies socket options to the new socket; the daemon's
	 * own (timeout) and the record status shows are copied here. */
	memcpy((*out)->opt_set, l->opt_set, sizeof(l->opt_set));
	memcpy((*out)->opt_val, l->opt_val, sizeof(l->opt_val));
	sock_tie(l, *out);
	/* A tls connection is handed out once its handshake is done. */
	if (l->kind == KIND_TLS) {
		const char *why = NULL;
		err = tlsup_handshake(*out, tlsup_ctx(l), true, NULL, handshake_done,
				      (void *)(uintptr_t)l->id, &why);
		if (err < 0) {
			sock_set_err(l, "listen", why ? why : strerror(-err));
			sock_close(*out);
			return -EAGAIN;
		}
	}
	return 0;
}

/* One accepted socket's name, or -EAGAIN. */
static ssize_t try_accept(struct waiter *w)
{
	struct accept_wait *aw = (struct accept_wait *)w;
	struct handle *h = aw->h;
	struct sock *l = h->sock;
	struct sock *c;
	char *name;
	ssize_t n;
	int err;

	if ((n = message_owed(h, w)) != -EAGAIN)
		return n;
	if (l == NULL)
		return 0;	/* the listener is closed: end of file */
	if (l->state != SS_LISTENING) {
		aw->why = "not listening (write \"listen\" to ctl first)";
		return -EINVAL;
	}
	if ((name = malloc(SOCK_NAME_MAX + 2)) == NULL)
		return -ENOMEM;
	c = first_undelivered(l);
	if (c == NULL && tlsup_handshakes(l) >= SOCK_HANDSHAKES_MAX) {
		free(name);
		return -EAGAIN;		/* enough clients are in their handshake */
	}
	if (c == NULL && (err = accept_one(l, &c)) != 0) {
		free(name);
		return err;
	}
	if (tlsup_busy(c)) {
		free(name);
		return -EAGAIN;		/* its handshake must finish first */
	}
	c->delivered = true;
	n = snprintf(name, SOCK_NAME_MAX + 2, "%s\n", c->name);
	/* Only a name read whole can be handed back if the reply fails. */
	aw->child_id = (size_t)n <= w->len ? c->id : 0;
	return message_deliver(h, w, name, (size_t)n);
}

/* A failed read's reason goes to the listener's err. */
static void accept_end(struct waiter *w, ssize_t n)
{
	struct accept_wait *aw = (struct accept_wait *)w;
	struct sock *l = aw->h->sock;

	if (l == NULL || n >= 0 || n == -EAGAIN)
		return;
	sock_set_err(l, "listen", aw->why ? aw->why : strerror((int)-n));
}

/* After the reply: a name that did not reach its reader goes back. */
static void accept_release(struct waiter *w)
{
	struct accept_wait *aw = (struct accept_wait *)w;
	struct sock *l = aw->h->sock;
	struct sock *c;

	if (!w->undelivered || l == NULL || aw->child_id == 0)
		return;
	c = sock_by_id(l->st, aw->child_id);
	if (c == NULL || c->listener != l)
		return;
	c->delivered = false;
	aw->h->eom = false;	/* the reader never saw the name it closes */
	accept_serve(l);
	sock_update_interest(l);
}

static void accept_cancel(struct waiter *w, int res)
{
	sock_cancel(((struct accept_wait *)w)->h->sock, w, res, res, "listen");
}

static const struct wait_ops accept_ops = { .cancel = accept_cancel,
					    .release = accept_release };

struct waiter *accept_read(struct handle *h, const struct wait_req *rq)
{
	struct sock *l = h->sock;
	struct accept_wait *aw = sock_wait_new(h, sizeof(*aw), &accept_ops, rq);
	struct waiter *w;

	if (aw == NULL)
		return NULL;
	aw->h = h;
	w = &aw->w;
	if (!waiter_buffer(w, NULL))
		return NULL;
	return sock_start(l, w, l ? &l->accepts : NULL, true, try_accept, accept_end);
}

void accept_serve(struct sock *s)
{
	wqueue_serve(&s->accepts, try_accept, accept_end);
}
