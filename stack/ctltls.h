/*
 * TLS for ctl commands (connect on a tls socket, listen on one, starttls):
 * the context built as the caller on a worker, then the handshake, each
 * while the write waits.
 */
#ifndef SOCKFS_CTLTLS_H
#define SOCKFS_CTLTLS_H

#include <stdbool.h>

#include "ctlstep.h"

/* S's context for a client (SERVER false) or a server: CMD_WAIT in
 * CS_CONTEXT, whose way back is CS_TLS_READY, or a failure. */
int ctl_tls_build(struct ctl_wait *w, struct sock *s, bool server);

/* Connected S's handshake: CMD_WAIT in CS_HANDSHAKE, whose way back is
 * the command done, or a failure (S unconnected then).  <0 when it could
 * not start. */
int ctl_tls_handshake(struct ctl_wait *w, struct sock *s, bool server);

/* A client handshake nobody waits for (the connect was O_NONBLOCK or its
 * write interrupted): its outcome goes to err.  <0 when it could not
 * start. */
int ctl_tls_handshake_alone(struct sock *s);

/* W is released: a context or handshake it waits for is abandoned. */
void ctl_tls_release(struct ctl_wait *w);

#endif
