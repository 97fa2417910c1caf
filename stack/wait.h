/*
 * The waiter core: a request that may have to wait, its queue, its
 * timeout and its one ending.  It knows no operation: each operation
 * (data, ctl, listen, received files) embeds a struct waiter at the start
 * of its own struct, keeps its own state there, and gives a small table
 * of callbacks for what differs.  Whatever happens, w->done runs exactly
 * once, and then the waiter is freed.
 */
#ifndef SOCKFS_WAIT_H
#define SOCKFS_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "caller.h"
#include "list.h"
#include "loop.h"
#include "quota.h"

struct waiter;

/* RES: bytes (a read's are in w->buf), or a negative errno. */
typedef void (*waiter_done_fn)(struct waiter *w, ssize_t res);

/* Waiters in arrival order; valid zeroed. */
struct wqueue {
	struct list waiters;
};

/* What an operation tells the core about its waits. */
struct wait_ops {
	/* Ends W early (RES: -EINTR, -ETIMEDOUT): the operation says what
	 * the caller gets and tidies what it keeps; it ends by calling
	 * waiter_finish.  NULL: finished with RES. */
	void (*cancel)(struct waiter *w, int res);
	/* After w->done: frees or hands back what the operation keeps in
	 * its part of W (not W itself).  NULL: nothing to do. */
	void (*release)(struct waiter *w);
};

/* What a request brings: the fs layer fills one per read or write. */
struct wait_req {
	struct caller who;
	bool nonblock;		/* O_NONBLOCK: never park */
	size_t len;		/* a read's room */
	waiter_done_fn done;
	void *cookie;
};

struct waiter {
	struct link link;		/* in q->waiters */
	struct wqueue *q;		/* the queue it waits on, or NULL */
	const struct wait_ops *ops;
	struct loop *loop;		/* where its timer runs; NULL: none */
	struct timer timer;
	struct caller who;
	bool nonblock;
	/* Set by done when the reply could not reach the caller (it went
	 * away): an operation that handed something over takes it back. */
	bool undelivered;
	char *buf;			/* read: the reply; write: its data */
	size_t len;			/* read: room; write and ctl: bytes written */
	waiter_done_fn done;
	void *cookie;
	/* Whose request it is, charged with its bytes while it lasts. */
	struct tenant *tenant;
	uint64_t charged;
};

/* Ends a request that never got a waiter: RQ->done runs with ERR. */
void waiter_refuse(const struct wait_req *rq, int err);

/* A waiter of SIZE bytes (the operation's struct, a struct waiter first),
 * zeroed but for what RQ gives.  On failure, RQ->done has already run with
 * -ENOMEM (on a stand-in waiter) and NULL is returned. */
void *waiter_new(size_t size, const struct wait_ops *ops, struct loop *l,
		 const struct wait_req *rq);

/* Gives W a buffer of w->len bytes: its reply's room, or a copy of DATA
 * (not NULL) to send.  False when out of memory, W then finished with
 * -ENOMEM. */
bool waiter_buffer(struct waiter *w, const char *data);

void waiter_queue(struct waiter *w, struct wqueue *q);
void waiter_unqueue(struct waiter *w);
/* Queues W on Q; with TIMEOUT_MS > 0 its timer ends it with -ETIMEDOUT
 * then (a timer already running is left as it is). */
void waiter_park(struct waiter *w, struct wqueue *q, uint64_t timeout_ms);
/* Runs w->done with RES, then the operation's release, and frees W. */
void waiter_finish(struct waiter *w, ssize_t res);
/* Ends a parked waiter early with RES (-EINTR for an interrupt). */
void waiter_cancel(struct waiter *w, int res);

/* The first waiter of Q (the one served next), or NULL when none waits. */
static inline struct waiter *wqueue_first(const struct wqueue *q)
{
	return list_item(q->waiters.head, struct waiter, link);
}

/* Finishes every waiter on Q with RES. */
void wqueue_fail(struct wqueue *q, ssize_t res);

/* One try of a waiting operation: a result, or -EAGAIN to go on waiting. */
typedef ssize_t (*wait_try_fn)(struct waiter *w);
/* Called with a try's result just before the waiter finishes with it. */
typedef void (*wait_end_fn)(struct waiter *w, ssize_t res);
/* Finishes waiters of Q in order while TRY gives them a result. */
void wqueue_serve(struct wqueue *q, wait_try_fn try, wait_end_fn end);

#endif
