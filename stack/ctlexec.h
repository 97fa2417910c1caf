/*
 * Writes to ctl: the whole write is parsed first (ctl.h), then its
 * commands run in order against the socket.  A command may wait (a name
 * lookup, a connect in progress, room in a unix listener's backlog); the
 * write then parks and goes on from that command when it can.
 */
#ifndef SOCKFS_CTLEXEC_H
#define SOCKFS_CTLEXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "sock.h"
#include "wait.h"

/* Returns the waiter when it was parked (for waiter_cancel), or NULL when
 * rq->done has already run. */
struct waiter *ctl_write(struct handle *h, const struct wait_req *rq, const char *text,
			 size_t len);

/* The event loop's part, on EPOLLOUT while a connect is in progress:
 * records its outcome and runs on the ctl write waiting for it, if any.
 * True when a later command of that write closed S. */
bool ctl_on_connect(struct sock *s);

#endif
