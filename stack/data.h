/*
 * The data file: reads receive (one message per read for message kinds,
 * with the rest of a long one for the next reads), writes send (one write,
 * one message).  Each finishes at once or parks on the socket until the
 * event loop can finish it; either way rq->done runs exactly once.
 */
#ifndef SOCKFS_DATA_H
#define SOCKFS_DATA_H

#include <stdint.h>
#include <sys/types.h>

#include "sock.h"
#include "wait.h"

/* Each returns the waiter when it was parked (for waiter_cancel), or NULL
 * when rq->done has already run. */
struct waiter *data_read(struct handle *h, const struct wait_req *rq);
struct waiter *data_write(struct handle *h, const struct wait_req *rq, const char *data,
			  size_t len);

/* The event loop's part: S's descriptor may be readable, or writable. */
void data_serve_readers(struct sock *s);
void data_serve_writers(struct sock *s);

#endif
