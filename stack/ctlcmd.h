/*
 * The ctl commands other than connect (ctlconnect.h).  Each runs on from
 * w->step.state and returns CMD_DONE, CMD_WAIT (bind: a lookup or a unix
 * path; to: a lookup; listen and starttls: a TLS context or handshake),
 * CMD_CLOSED (close), or a negative errno.
 */
#ifndef SOCKFS_CTLCMD_H
#define SOCKFS_CTLCMD_H

#include "ctlstep.h"

int ctl_bind(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_to(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_disconnect(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_listen(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_shutdown(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_set(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_group(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_close(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_tls_set(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);
int ctl_starttls(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);

#endif
