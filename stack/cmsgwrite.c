#include "config.h"

#include "cmsgwrite.h"

#include <errno.h>
#include <stdlib.h>

#include "access.h"
#include "cmsgout.h"

/* A cmsg write waiting for its paths to open. */
struct cmsg_wait {
	struct waiter w;
	struct handle *h;
	struct cmsg_open *open;		/* the worker's job, until it is back */
};

static void cmsg_cancel(struct waiter *w, int res)
{
	sock_cancel(((struct cmsg_wait *)w)->h->sock, w, res, res, "cmsg");
}

/* An open still running is left to the worker, which closes what it
 * opened when it comes back. */
static void cmsg_release(struct waiter *w)
{
	struct cmsg_wait *cw = (struct cmsg_wait *)w;

	if (cw->open)
		cw->open->j.cancelled = true;
}

static const struct wait_ops cmsg_ops = { .cancel = cmsg_cancel, .release = cmsg_release };

/* Keeps C on S, its descriptors charged to the writer while they wait
 * for the next data write (they count as the writer's, not the daemon's). */
static int keep_charged(struct sock *s, struct cmsg_out *c, const struct caller *who)
{
	const char *why = NULL;
	int err = cmsg_out_charge(c, &s->st->quotas, who->uid, &why);

	if (err) {
		sock_set_err(s, "cmsg", why);
		cmsg_out_free(c);
		return err;
	}
	cmsg_out_keep(s, c);
	return 0;
}

static void opened(struct cmsg_open *o)
{
	struct cmsg_wait *cw = o->arg;
	struct sock *s = cw->h->sock;
	struct cmsg_out *c = o->c;
	int err = o->err;

	cw->open = NULL;
	if (err == 0)
		err = keep_charged(s, c, &cw->w.who);
	else {
		sock_set_err(s, "cmsg", o->why);
		cmsg_out_free(c);
	}
	free(o);
	waiter_finish(&cw->w, err ? err : (ssize_t)cw->w.len);
	sock_update_interest(s);
}

struct waiter *cmsg_write(struct handle *h, const struct wait_req *rq, const char *text,
			  size_t len)
{
	struct sock *s = h->sock;
	struct cmsg_wait *cw;
	char why[SOCK_ERR_MAX - 8];
	struct cmsg_out *c;
	int err;

	if (!writer_is_opener(h, rq) || (cw = sock_wait_new(h, sizeof(*cw), &cmsg_ops, rq)) == NULL)
		return NULL;
	cw->h = h;
	cw->w.len = len;
	if (s == NULL) {
		waiter_finish(&cw->w, -EBADF);
		return NULL;
	}
	if ((err = cmsg_out_parse(s, text, len, &cw->w.who, &c, why, sizeof(why))) != 0) {
		sock_set_err(s, "cmsg", why);
		waiter_finish(&cw->w, err);
		return NULL;
	}
	if (c->npaths == 0) {
		err = keep_charged(s, c, &cw->w.who);
		waiter_finish(&cw->w, err ? err : (ssize_t)len);
		return NULL;
	}
	if ((err = cmsg_out_open_async(&s->st->workers, c, &cw->w.who, h->actor, opened, cw,
				       &cw->open))) {
		cmsg_out_free(c);
		waiter_finish(&cw->w, err);
		return NULL;
	}
	sock_park(s, &cw->w, &s->held);
	return &cw->w;
}
