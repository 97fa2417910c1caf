/*
 * connect: its addresses (a name may give several, tried in turn), a
 * unix path's connect on a worker, a full unix backlog's retries, a
 * connect in progress, and a tls socket's context and handshake.
 */
#ifndef SOCKFS_CTLCONNECT_H
#define SOCKFS_CTLCONNECT_H

#include "ctlstep.h"

/* Runs connect C on from w->step.state: CMD_DONE, CMD_WAIT, or <0. */
int ctl_connect(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);

/* EPOLLOUT while S's connect is in progress: its outcome is recorded, and
 * the write waiting for it, if any, is moved on (CS_CONNECTING's way
 * back).  CMD_CLOSED when a later command of that write closed S. */
int ctl_connect_event(struct sock *s);

#endif
