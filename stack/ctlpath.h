/*
 * A unix path's bind(2) or connect(2) for a ctl command, made by a worker
 * as the caller, in the caller's root and working directory (callerfs.h):
 * the path's lookup may cross a file system that does not answer (a
 * user's own FUSE mount, stopped), which must not stall the loop.
 */
#ifndef SOCKFS_CTLPATH_H
#define SOCKFS_CTLPATH_H

#include <sys/socket.h>

#include "ctlstep.h"

typedef int (*ctl_call_fn)(int, const struct sockaddr *, socklen_t);

/* CALL (bind or connect) of S to A.  Any address but a unix path is
 * called at once: 0 or -errno.  A path goes to a worker: CMD_WAIT in
 * CS_PATH, and the way back is CS_CALLED with w->step.res. */
int ctl_call(struct ctl_wait *w, struct sock *s, const struct saddr *a, ctl_call_fn call);

/* W is released: a call still running is left to its worker. */
void ctl_path_release(struct ctl_wait *w);

#endif
