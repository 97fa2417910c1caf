/*
 * Running a ctl write's commands in order against a socket.  Each command
 * (ctlconnect.h, ctlcmd.h) runs on from its own state (ctlstep.h); when it
 * waits, the write parks, and the wait's way back comes here (wake) to
 * run the write on.  This file owns the write: its parse, its failures,
 * its cancel and release.
 */
#include "config.h"

#include "ctlexec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "actor.h"
#include "ctl.h"
#include "ctlcmd.h"
#include "ctlconnect.h"
#include "ctlpath.h"
#include "ctlstep.h"
#include "ctltls.h"

static int exec_cmd(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	switch (c->op) {
	case CTL_CONNECT:
		return ctl_connect(w, s, c);
	case CTL_BIND:
		return ctl_bind(w, s, c);
	case CTL_TO:
		return ctl_to(w, s, c);
	case CTL_DISCONNECT:
		return ctl_disconnect(w, s, c);
	case CTL_LISTEN:
		return ctl_listen(w, s, c);
	case CTL_SHUTDOWN:
		return ctl_shutdown(w, s, c);
	case CTL_SET:
		return ctl_set(w, s, c);
	case CTL_JOIN:
	case CTL_LEAVE:
		return ctl_group(w, s, c);
	case CTL_CLOSE:
		return ctl_close(w, s, c);
	case CTL_TLSSET:
		return ctl_tls_set(w, s, c);
	case CTL_STARTTLS:
		return ctl_starttls(w, s, c);
	}
	return -EINVAL;
}

/* The command is done: the next one starts from the beginning. */
static void next_cmd(struct ctl_wait *w)
{
	w->cur++;
	memset(&w->step, 0, sizeof(w->step));
}

/* An open ctl is one sequence: a write that fails makes the later writes
 * on the same open file fail unrun (ctl_write), so a script whose printf
 * or echo writes line by line stops at its first failure as one write of
 * all its lines does.  Answers that say "not yet" (EAGAIN, EINPROGRESS,
 * EALREADY: try again, or the connect goes on) do not stop it. */
static bool stops_sequence(int err)
{
	return err != -EAGAIN && err != -EINPROGRESS && err != -EALREADY;
}

/* Fails the write: the reason goes to err, the errno to the caller. */
static void ctl_fail(struct ctl_wait *w, struct sock *s, int err, const char *why)
{
	/* EINPROGRESS (O_NONBLOCK): the connect goes on, and its outcome
	 * reaches status and err when it comes. */
	if (err == -EINPROGRESS) {
		sock_update_interest(s);
		waiter_finish(&w->w, err);
		return;
	}
	/* EALREADY: another connect goes on, and status follows it. */
	if (s->state == SS_CONNECTING && err != -EALREADY)
		s->state = ctl_unconnected(s);
	if (why == NULL)
		why = w->why ? w->why : strerror(-err);
	sock_set_err(s, w->cmds[w->cur].text, why);
	if (stops_sequence(err))
		w->h->ctl_failed = err;
	waiter_finish(&w->w, err);
}

/* Runs commands from w->cur on.  Returns CMD_DONE (w finished), CMD_WAIT
 * (w parked) or CMD_CLOSED (w finished, socket gone). */
static int ctl_steps(struct ctl_wait *w)
{
	struct sock *s = w->h->sock;

	while (w->cur < w->ncmds) {
		int r;
		w->why = NULL;
		r = exec_cmd(w, s, &w->cmds[w->cur]);
		if (r == CMD_WAIT)
			return CMD_WAIT;
		if (r == CMD_CLOSED) {
			waiter_finish(&w->w, (ssize_t)w->w.len);
			return CMD_CLOSED;
		}
		if (r < 0) {
			ctl_fail(w, s, r, NULL);
			return CMD_DONE;
		}
		next_cmd(w);
	}
	waiter_finish(&w->w, (ssize_t)w->w.len);
	return CMD_DONE;
}

/* ctl_steps as the writer: every socket(2), bind(2), connect(2),
 * listen(2) and setsockopt(2) is the caller's own act in the kernel's
 * eyes (the socket's owner, SO_PEERCRED, capabilities). */
static int ctl_run(struct ctl_wait *w)
{
	int r = actor_enter(&w->actor);

	if (r != 0) {
		ctl_fail(w, w->h->sock, r, "the daemon cannot act as you (it is not root)");
		return CMD_DONE;
	}
	r = ctl_steps(w);
	actor_leave();
	return r;
}

/* Every wait's way back (ctl_wake): the write fails, or runs on from the
 * command's state (CMD_AGAIN) or from the next command (CMD_DONE). */
static int wake(struct ctl_wait *w, int r, const char *why)
{
	struct sock *s = w->h->sock;

	if (r < 0) {
		ctl_fail(w, s, r, why);
		sock_update_interest(s);
		return CMD_DONE;
	}
	if (r == CMD_DONE)
		next_cmd(w);
	if ((r = ctl_run(w)) != CMD_CLOSED)
		sock_update_interest(s);
	return r;
}

static void ctl_cancel(struct waiter *w, int res)
{
	struct handle *h = ((struct ctl_wait *)w)->h;

	/* A timeout (set timeout) is a failure; a signal's EINTR is the
	 * caller's own doing, and a handler may write on. */
	if (res == -ETIMEDOUT)
		h->ctl_failed = res;
	sock_cancel(h->sock, w, res, res, "ctl");
}

/* After the reply: whatever the running command still waits for is let
 * go (a worker's job finishes unheeded, a timer stops, TLS is undone). */
static void ctl_release(struct waiter *w)
{
	struct ctl_wait *cw = (struct ctl_wait *)w;

	ctl_step_release(cw);
	ctl_path_release(cw);
	ctl_tls_release(cw);
	free(cw->cmds);
}

static const struct wait_ops ctl_ops = { .cancel = ctl_cancel, .release = ctl_release };

struct waiter *ctl_write(struct handle *h, const struct wait_req *rq, const char *text,
			 size_t len)
{
	struct sock *s = h->sock;
	struct ctl_wait *w;
	char why[SOCK_ERR_MAX];
	int n;

	if (!writer_is_opener(h, rq))
		return NULL;
	/* An earlier write on this open file failed: nothing runs, and err
	 * keeps that first failure. */
	if (h->ctl_failed && s != NULL) {
		waiter_refuse(rq, h->ctl_failed);
		return NULL;
	}
	w = sock_wait_new(h, sizeof(*w), &ctl_ops, rq);
	if (w == NULL)
		return NULL;
	w->h = h;
	w->w.len = len;
	w->wake = wake;
	timer_init(&w->retry, NULL);
	if (s == NULL) {
		waiter_finish(&w->w, -EBADF);
		return NULL;
	}
	n = ctl_parse(s->kind, text, len, &w->cmds, why, sizeof(why));
	if (n < 0) {
		snprintf(s->err, sizeof(s->err), "%s", why);
		h->ctl_failed = n;
		waiter_finish(&w->w, n);
		return NULL;
	}
	w->ncmds = n;
	/* The opener's identity, as the kernel uses a file's opener's. */
	if (h->actor)
		w->actor = *h->actor;
	else
		actor_load(&w->actor, &w->w.who);
	return ctl_run(w) == CMD_WAIT ? &w->w : NULL;
}

bool ctl_on_connect(struct sock *s)
{
	return ctl_connect_event(s) == CMD_CLOSED;
}
