/*
 * Writes to cmsg: JSON kept for the next data write (cmsgout.h says what
 * it may hold).  Rights named by path are opened on a worker, as the
 * writer, while the write waits; Ctrl-C and `set timeout` end that wait.
 * O_NONBLOCK does not apply, as it does not to opening a regular file.
 */
#ifndef SOCKFS_CMSGWRITE_H
#define SOCKFS_CMSGWRITE_H

#include <stddef.h>

#include "sock.h"
#include "wait.h"

/* Returns the waiter when it was parked (for waiter_cancel), or NULL when
 * rq->done has already run (with LEN, or -errno and the reason in err). */
struct waiter *cmsg_write(struct handle *h, const struct wait_req *rq, const char *text,
			  size_t len);

#endif
