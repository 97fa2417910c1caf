/*
 * The listen file: each read accepts one connection into a new socket
 * beside the listener and returns its name, one name per message (as
 * data does for message kinds: the name, then 0, then the next name).
 * Connections are accepted only when somebody reads, so the kernel's
 * backlog keeps its meaning and clients see flow control.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "io_internal.h"

/* A tied socket whose name is owed to the next reader. */
static struct sock *first_undelivered(struct sock *l)
{
	for (struct sock *c = l->children; c; c = c->cnext)
		if (!c->delivered)
			return c;
	return NULL;
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
	return 0;
}

ssize_t try_accept(struct waiter *w)
{
	struct handle *h = w->h;
	struct sock *l = h->sock;
	struct sock *c;
	char *name;
	int err, n;

	if (h->rem_len)
		return read_remainder(h, w);
	if (h->eom) {
		h->eom = false;
		return 0;
	}
	if (l == NULL)
		return 0;	/* the listener is closed: end of file */
	if (l->state != SS_LISTENING) {
		w->why = "not listening (write \"listen\" to ctl first)";
		return -EINVAL;
	}
	if ((name = malloc(SOCK_NAME_MAX + 2)) == NULL)
		return -ENOMEM;
	c = first_undelivered(l);
	if (c == NULL && (err = accept_one(l, &c)) != 0) {
		free(name);
		return err;
	}
	c->delivered = true;
	n = snprintf(name, SOCK_NAME_MAX + 2, "%s\n", c->name);
	/* Only a name read whole can be handed back if the reply fails. */
	w->child_id = (size_t)n <= w->len ? c->id : 0;
	return deliver_message(h, w, name, (size_t)n);
}

void accept_undelivered(struct waiter *w)
{
	struct sock *l = w->h->sock;
	struct sock *c;

	if (l == NULL || w->child_id == 0)
		return;
	c = sock_by_id(l->st, w->child_id);
	if (c == NULL || c->listener != l)
		return;
	c->delivered = false;
	w->h->eom = false;	/* the reader never saw the name it closes */
	service_queue(l, &l->accepts, try_accept);
	sock_update_interest(l);
}
