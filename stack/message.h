/*
 * Handing a message to readers that may take it in pieces: message kinds
 * (udp, unixgram, ...) and the listen file give one message per read, and
 * what a short read leaves waits in the reader's handle, followed by an
 * end-of-message 0, as a pipe would give a message reader.
 */
#ifndef SOCKFS_MESSAGE_H
#define SOCKFS_MESSAGE_H

#include <sys/types.h>

#include "sock.h"
#include "wait.h"

/* Hands MSG (N bytes) to W's buffer (room w->len); the part that does not
 * fit waits in H for the next reads.  MSG is w->buf or a malloc'd buffer
 * this takes.  Returns the bytes given, or -ENOMEM. */
ssize_t message_deliver(struct handle *h, struct waiter *w, char *msg, size_t n);

/* What H owes its next read before anything new: the rest of a message
 * (bytes), its end (0), or nothing (-EAGAIN). */
ssize_t message_owed(struct handle *h, struct waiter *w);

#endif
