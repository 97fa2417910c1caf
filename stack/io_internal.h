/* Waiter plumbing shared by io.c (data) and ctlexec.c (ctl commands). */
#ifndef SOCKFS_IO_INTERNAL_H
#define SOCKFS_IO_INTERNAL_H

#include "io.h"

/* Parks W on Q (arming the socket's timeout) and updates epoll interest. */
void waiter_park(struct waiter *w, struct wqueue *q);
/* Puts W on Q and nothing more: for waits on something other than the
 * socket (a received file), which its timeout does not time and whose
 * interest its owner keeps. */
void waiter_queue(struct waiter *w, struct wqueue *q);
void waiter_unqueue(struct waiter *w);
/* Runs w->done with RES and frees W. */
void waiter_finish(struct waiter *w, ssize_t res);

/* Message kinds and listen: hands MSG (N bytes) to W's buffer; the part
 * that does not fit waits in H for the next reads.  MSG is w->buf or a
 * malloc'd buffer this takes.  Returns the bytes given, or -ENOMEM. */
ssize_t deliver_message(struct handle *h, struct waiter *w, char *msg, size_t n);
/* Serves the rest of a message an earlier short read left (h->rem_len > 0). */
ssize_t read_remainder(struct handle *h, struct waiter *w);

/* listen: one accepted socket's name, or -EAGAIN. */
ssize_t try_accept(struct waiter *w);
/* A name that did not reach its reader goes back to the listener. */
void accept_undelivered(struct waiter *w);
/* Serves waiting readers of Q while TRY gives something. */
void service_queue(struct sock *s, struct wqueue *q, ssize_t (*try)(struct waiter *));

/* Called on EPOLLOUT while a connect is in progress: records its outcome
 * and resumes the ctl write waiting for it, if any.  Returns true when a
 * later command of that write closed the socket. */
bool ctl_service(struct sock *s);

#endif
