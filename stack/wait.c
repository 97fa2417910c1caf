#include "config.h"

#include "wait.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void on_timeout(struct timer *t)
{
	waiter_cancel(container_of(t, struct waiter, timer), -ETIMEDOUT);
}

void waiter_refuse(const struct wait_req *rq, int err)
{
	/* done still runs once, so the caller gets its reply. */
	struct waiter stand_in = { .who = rq->who, .cookie = rq->cookie };

	rq->done(&stand_in, err);
}

void *waiter_new(size_t size, const struct wait_ops *ops, struct loop *l,
		 const struct wait_req *rq)
{
	struct waiter *w = calloc(1, size);

	if (w == NULL) {
		waiter_refuse(rq, -ENOMEM);
		return NULL;
	}
	w->ops = ops;
	w->loop = l;
	w->who = rq->who;
	w->nonblock = rq->nonblock;
	w->len = rq->len;
	w->done = rq->done;
	w->cookie = rq->cookie;
	timer_init(&w->timer, on_timeout);
	return w;
}

bool waiter_buffer(struct waiter *w, const char *data)
{
	if ((w->buf = malloc(w->len ? w->len : 1)) == NULL) {
		waiter_finish(w, -ENOMEM);
		return false;
	}
	if (data)
		memcpy(w->buf, data, w->len);
	return true;
}

void waiter_queue(struct waiter *w, struct wqueue *q)
{
	w->q = q;
	list_append(&q->waiters, &w->link);
}

void waiter_unqueue(struct waiter *w)
{
	struct wqueue *q = w->q;

	if (q == NULL)
		return;
	list_remove(&q->waiters, &w->link);
	w->q = NULL;
}

void waiter_park(struct waiter *w, struct wqueue *q, uint64_t timeout_ms)
{
	waiter_queue(w, q);
	if (timeout_ms > 0 && w->loop && !timer_armed(&w->timer))
		timer_arm(w->loop, &w->timer, timeout_ms);
}

/* The one way every waiter ends. */
void waiter_finish(struct waiter *w, ssize_t res)
{
	waiter_unqueue(w);
	if (w->loop)
		timer_cancel(w->loop, &w->timer);
	w->done(w, res);
	if (w->ops->release)
		w->ops->release(w);
	if (w->tenant)
		quota_give_request(w->tenant, w->charged);
	free(w->buf);
	free(w);
}

void waiter_cancel(struct waiter *w, int res)
{
	if (w->ops->cancel)
		w->ops->cancel(w, res);
	else
		waiter_finish(w, res);
}

void wqueue_fail(struct wqueue *q, ssize_t res)
{
	struct waiter *w;

	while ((w = wqueue_first(q)) != NULL)
		waiter_finish(w, res);
}

void wqueue_serve(struct wqueue *q, wait_try_fn try, wait_end_fn end)
{
	struct waiter *w;

	while ((w = wqueue_first(q)) != NULL) {
		ssize_t n = try(w);
		if (n == -EAGAIN)
			return;
		if (end)
			end(w, n);
		waiter_finish(w, n);
	}
}
