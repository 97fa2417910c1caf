/*
 * What every ctl command's steps share: the way back after a wait, the
 * socket's descriptor, and an address command's addresses (a name is
 * looked up on a worker while the write waits).
 */
#include "config.h"

#include "ctlstep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "kind.h"

int ctl_wake(struct ctl_wait *w, int r, const char *why)
{
	waiter_unqueue(&w->w);
	if (r < 0)
		w->step.state = CS_FAILED;
	return w->wake(w, r, why);
}

int ctl_park(struct ctl_wait *w, struct sock *s, struct wqueue *q, enum ctl_state state)
{
	w->step.state = state;
	sock_park(s, &w->w, q);
	return CMD_WAIT;
}

int ctl_ensure_fd(struct ctl_wait *w, struct sock *s, int family)
{
	return sock_ensure_fd_for(s, &w->w.who, family, &w->why);
}

enum sock_state ctl_unconnected(const struct sock *s)
{
	if (s->fd < 0)
		return SS_NEW;
	return s->bound ? SS_BOUND : SS_OPEN;
}

/* The way back from CS_LOOKUP. */
static void on_resolved(struct resolve_job *j)
{
	struct ctl_wait *w = j->arg;

	w->job = NULL;
	if (j->err) {
		ctl_wake(w, j->err, j->why);
		free(j);
		return;
	}
	memcpy(w->step.addrs, j->addrs, sizeof(j->addrs));
	w->step.naddrs = j->naddrs;
	w->step.attempt = 0;
	w->step.state = CS_ADDRESSED;
	free(j);
	ctl_wake(w, CMD_AGAIN, NULL);
}

int ctl_addresses(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	struct resolve_job *j;
	int err;

	if (c->addr_type == ADDR_NUMERIC) {
		w->step.addrs[0] = c->addr;
		w->step.naddrs = 1;
		w->step.state = CS_ADDRESSED;
		return CMD_DONE;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->name = c->name;
	j->socktype = kind_info(s->kind)->socktype;
	j->j.who = w->w.who;
	j->done = on_resolved;
	j->arg = w;
	if ((err = resolve_submit(&s->st->workers, j)) != 0) {
		free(j);
		return err;
	}
	w->job = j;
	return ctl_park(w, s, &s->held, CS_LOOKUP);
}

struct saddr *ctl_pick_addr(struct ctl_wait *w, const struct sock *s)
{
	for (int i = 0; i < w->step.naddrs; i++)
		if (s->fd < 0 || s->state == SS_OPEN || w->step.addrs[i].ss.ss_family == s->family)
			return &w->step.addrs[i];
	return &w->step.addrs[0];
}

/* A lookup still running is left to its worker, which frees it; a retry
 * still armed is stopped. */
void ctl_step_release(struct ctl_wait *w)
{
	if (w->step.state == CS_BACKLOG && w->w.loop)
		timer_cancel(w->w.loop, &w->retry);
	if (w->step.state == CS_LOOKUP)
		w->job->j.cancelled = true;
}
