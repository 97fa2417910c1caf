/* Waiter plumbing shared by io.c (data) and ctlexec.c (ctl commands). */
#ifndef SOCKFS_IO_INTERNAL_H
#define SOCKFS_IO_INTERNAL_H

#include "io.h"

/* Parks W on Q (arming the socket's timeout) and updates epoll interest. */
void waiter_park(struct waiter *w, struct wqueue *q);
void waiter_unqueue(struct waiter *w);
/* Runs w->done with RES and frees W. */
void waiter_finish(struct waiter *w, ssize_t res);

/* Called on EPOLLOUT while a ctl write waits for its connect.  Returns true
 * when a later command of that write closed the socket. */
bool ctl_service(struct sock *s);

#endif
