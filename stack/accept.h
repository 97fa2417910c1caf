/*
 * The listen file: each read accepts one connection into a new socket
 * beside the listener and returns its name, one name per message (as
 * data does for message kinds: the name, then 0, then the next name).
 */
#ifndef SOCKFS_ACCEPT_H
#define SOCKFS_ACCEPT_H

#include "sock.h"
#include "wait.h"

/* A read of listen: returns the waiter when it was parked (for
 * waiter_cancel), or NULL when rq->done has already run. */
struct waiter *accept_read(struct handle *h, const struct wait_req *rq);

/* The event loop's part: listener S may have a connection to accept. */
void accept_serve(struct sock *s);

#endif
