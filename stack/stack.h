/*
 * The socket layer as a whole: the one header the fs layer needs beside
 * the operations it calls.  stack_init ties the layers together: the
 * socket table's hooks are filled with the operations above it.
 */
#ifndef SOCKFS_STACK_H
#define SOCKFS_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "sock.h"

/* The per-user limits start from the descriptors the process may open
 * (RLIMIT_NOFILE, raised by the caller first if it wants more). */
int stack_init(struct stack *st);
/* What the front end chooses, given once after stack_init. */
struct stack_config {
	/* Per-user limits, by quota (Q_SOCKETS, ...); -1 keeps the default. */
	long long limit[Q_COUNT];
	bool caller_netns;	/* each socket in its maker's network namespace */
	struct stack_upcalls up;
};
void stack_configure(struct stack *st, const struct stack_config *cfg);

/* Closes every socket, failing whatever still waits. */
void stack_fini(struct stack *st);

/* What H is ready for now (EPOLLIN/EPOLLOUT/...).  With WATCH, when
 * nothing asked for is ready, the socket is watched and the front end's
 * poll_notify runs once, when it may be (h->polled until then). */
uint32_t sock_poll(struct handle *h, uint32_t events, bool watch);

#endif
