/*
 * Operations on a socket that may have to wait: reading and writing data,
 * and ctl writes (connect, name lookups).  Each takes a waiter and either
 * finishes at once or parks it on the socket until the event loop can
 * finish it.  Either way w->done runs exactly once, after which the waiter
 * is freed by the stack.
 */
#ifndef SOCKFS_IO_H
#define SOCKFS_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl.h"
#include "sock.h"

enum wtype { W_READ, W_WRITE, W_CTL, W_ACCEPT };

struct waiter;
/* RES: bytes (read: in w->buf), or a negative errno. */
typedef void (*waiter_done_fn)(struct waiter *w, ssize_t res);

struct waiter {
	struct waiter *next, *prev;
	struct wqueue *q;		/* the queue it waits on, or NULL */
	enum wtype type;
	struct handle *h;
	struct caller who;
	bool nonblock;
	size_t len;			/* read: room; write and ctl: bytes written */
	char *buf;			/* read: result; write: copy of the data */
	size_t off;			/* socket write: bytes already sent */
	off_t pos;			/* received-file I/O: the caller's offset */
	size_t skip;			/* message write: its header line's length */
	/* ctl */
	struct ctl_cmd *cmds;
	int ncmds, cur;
	struct saddr addrs[RESOLVE_MAX];
	int naddrs, attempt;
	struct resolve_job *job;
	int last_err;
	struct timer timer;		/* the socket's `set timeout` */
	struct timer retry;		/* a unix connect's next try */
	unsigned retries;
	/* accept: the socket whose name this read carries; done sets
	 * undelivered when the name could not reach the caller. */
	uint64_t child_id;
	bool undelivered;
	const char *why;		/* a failure's reason, when strerror is not enough */
	int slot;			/* received-file I/O: which fileN */
	struct cmsg_out *cmsg;		/* write: the cmsg it carries */
	waiter_done_fn done;
	void *cookie;
};

struct waiter *waiter_new(enum wtype type, waiter_done_fn done, void *cookie);
/* Ends a parked waiter early with RES (-EINTR for an interrupt). */
void waiter_cancel(struct waiter *w, int res);

/* Each returns true when W was parked (and is still alive), false when
 * w->done has already run.  sock_read serves W_READ (data) and W_ACCEPT
 * (listen: one accepted socket's name per message). */
bool sock_read(struct handle *h, struct waiter *w);
bool sock_write(struct handle *h, struct waiter *w, const char *data, size_t len);
bool sock_ctl(struct handle *h, struct waiter *w, const char *text, size_t len);

/* What H is ready for now (EPOLLIN/EPOLLOUT/...).  When nothing asked for
 * is ready and h->poll_handle is set, the socket is watched and the stack's
 * poll_notify runs once it may be. */
uint32_t sock_poll(struct handle *h, uint32_t events);

/* Fails every waiter on S (the socket is closing). */
void sock_fail_waiters(struct sock *s);
/* The loop's callback for socket descriptors. */
void sock_on_event(void *arg, uint32_t events);

#endif
