/*
 * A unix path's bind or connect on a worker, on the job's own duplicate
 * of the socket's descriptor.
 */
#include "config.h"

#include "ctlpath.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/un.h>

#include "callerfs.h"

struct path_call {
	struct job j;
	struct ctl_wait *w;
	int fd;
	struct saddr a;
	ctl_call_fn call;
	int res;
};

/* A connect goes to the socket file pinned as the caller found it; a bind
 * makes its file in the folder the caller's path names (callerfs.h). */
static void path_call_run(struct job *j)
{
	struct path_call *pc = (struct path_call *)j;
	const struct sockaddr_un *a = (const struct sockaddr_un *)&pc->a.ss;
	struct sockaddr_un via;
	socklen_t vialen;
	int pinned;

	if (j->as_err)
		pc->res = j->as_err;
	else if (pc->call == bind)
		pc->res = callerfs_bind(pc->fd, a, pc->a.len);
	else if ((pinned = callerfs_pin(a, pc->a.len, &via, &vialen)) < 0)
		pc->res = pinned;
	else {
		if (pc->call(pc->fd, (const struct sockaddr *)&via, vialen) < 0)
			pc->res = -errno;
		callerfs_unpin(pinned);
	}
}

static void path_call_free(struct job *j)
{
	struct path_call *pc = (struct path_call *)j;

	if (pc->fd >= 0)
		close(pc->fd);
	free(pc);
}

/* The way back from CS_PATH: the command finds the result in CS_CALLED. */
static void path_call_done(struct job *j)
{
	struct path_call *pc = (struct path_call *)j;
	struct ctl_wait *w = pc->w;

	w->call = NULL;
	w->step.res = pc->res;
	w->step.state = CS_CALLED;
	path_call_free(j);
	ctl_wake(w, CMD_AGAIN, NULL);
}

int ctl_call(struct ctl_wait *w, struct sock *s, const struct saddr *a, ctl_call_fn call)
{
	struct path_call *pc;
	int err;

	if (!addr_is_unix_path(a))
		return call(s->fd, (const struct sockaddr *)&a->ss, a->len) < 0 ? -errno : 0;
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return -ENOMEM;
	pc->j = (struct job){ .who = w->w.who, .run = path_call_run, .done = path_call_done,
			      .discard = path_call_free, .paths = true, .actor = w->actor,
			      .have_actor = true };
	pc->w = w;
	pc->a = *a;
	pc->call = call;
	if ((err = workers_hand_off(&s->st->workers, &pc->j, s->fd, &pc->fd)) != 0)
		return err;
	w->call = pc;
	return ctl_park(w, s, &s->held, CS_PATH);
}

void ctl_path_release(struct ctl_wait *w)
{
	if (w->step.state == CS_PATH)
		w->call->j.cancelled = true;
}
