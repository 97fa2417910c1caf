/*
 * connect's steps.  Its states, in order: CS_BEGIN (the addresses: a
 * name's lookup waits in CS_LOOKUP), CS_ADDRESSED (a tls socket's context:
 * CS_CONTEXT), CS_TLS_READY (the name kept for the handshake), CS_TRY
 * (each address from step.attempt on: a unix path waits in CS_PATH, a full
 * unix backlog in CS_BACKLOG, a stream's connect in CS_CONNECTING), and
 * CS_CONNECTED (a tls socket's handshake: CS_HANDSHAKE).
 */
#include "config.h"

#include "ctlconnect.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ctlpath.h"
#include "ctltls.h"
#include "tlsup.h"

/* Longest pause between two tries of a unix connect, in ms. */
#define BACKLOG_RETRY_MAX 100

/* tried(): this address failed, the next one is tried. */
#define TRY_NEXT 100

/* The way back from CS_BACKLOG: the same address again. */
static void retry_backlog(struct timer *t)
{
	struct ctl_wait *w = container_of(t, struct ctl_wait, retry);

	w->step.state = CS_TRY;
	ctl_wake(w, CMD_AGAIN, NULL);
}

/* A unix listener with a full backlog fails a non-blocking connect with
 * EAGAIN, and nothing on the descriptor tells when room appears; the
 * blocking connect a shell user expects sleeps in the kernel until then.
 * So the write waits and tries again, after 5, 10, 20, ... up to 100 ms. */
static int wait_backlog(struct ctl_wait *w, struct sock *s)
{
	uint64_t ms = (uint64_t)5 << (w->step.retries < 5 ? w->step.retries : 5);

	w->why = "the listener's backlog is full";
	if (w->w.nonblock)
		return -EAGAIN;
	w->step.retries++;
	timer_init(&w->retry, retry_backlog);	/* not armed: it fired, or never ran */
	timer_arm(&s->st->loop, &w->retry, ms < BACKLOG_RETRY_MAX ? ms : BACKLOG_RETRY_MAX);
	return ctl_park(w, s, &s->held, CS_BACKLOG);
}

/* A stream connect that failed in the kernel leaves its socket unfit for
 * another: Linux answers the next connect(2) with ECONNABORTED (the error
 * was taken by SO_ERROR, the socket still reads as connecting).  So the
 * next try gets a fresh kernel socket with the options set so far, as a
 * new socket would; a bound one would lose its address, so it is reset
 * with connect(AF_UNSPEC) instead, which keeps it. */
static void renew_after_failure(struct sock *s)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	if (!s->connect_failed || s->fd < 0)
		return;
	s->connect_failed = false;
	if (s->bound)
		(void)connect(s->fd, &sa, sizeof(sa));
	else
		sock_drop_fd(s);
}

/* The connection is made: an error left by an earlier try is stale. */
static void connected(struct sock *s)
{
	s->state = SS_CONNECTED;
	s->connect_failed = false;
	s->err[0] = '\0';
}

/* The connect is under way already (its write was interrupted, or made
 * with O_NONBLOCK): the same connect again waits for it (or is EALREADY
 * with O_NONBLOCK), as does connect(2); another address is EALREADY. */
static int join_connect(struct ctl_wait *w, struct sock *s, const struct saddr *a)
{
	if (a->len != s->connected_to.len || memcmp(&a->ss, &s->connected_to.ss, a->len) != 0) {
		w->why = "another connect is under way on this socket";
		return -EALREADY;
	}
	if (w->w.nonblock)
		return -EALREADY;
	return ctl_park(w, s, &s->ctls, CS_CONNECTING);
}

/* CS_CONNECTED: a tls socket's handshake follows. */
static int made(struct ctl_wait *w, struct sock *s)
{
	w->step.state = CS_CONNECTED;
	return s->kind == KIND_TLS ? ctl_tls_handshake(w, s, false) : CMD_DONE;
}

/* What connect(2) of A gave (ERR) means: made, a wait, a failure that
 * ends the command, or TRY_NEXT. */
static int tried(struct ctl_wait *w, struct sock *s, const struct saddr *a, int err)
{
	if (err == 0) {
		connected(s);
		return made(w, s);
	}
	if (err == -EAGAIN && a->ss.ss_family == AF_UNIX)
		return wait_backlog(w, s);
	if (err == -EINPROGRESS) {
		s->state = SS_CONNECTING;
		if (w->w.nonblock)
			return -EINPROGRESS;
		return ctl_park(w, s, &s->ctls, CS_CONNECTING);
	}
	return TRY_NEXT;
}

/* CS_TRY: the addresses from step.attempt on; ERR is what the command
 * fails with when none is left. */
static int try_from(struct ctl_wait *w, struct sock *s, int err)
{
	/* Another ctl file's `tls set` may have dropped the context while a
	 * try was under way: it is built again, and the tries go on. */
	if (s->kind == KIND_TLS && tlsup_ctx(s) == NULL)
		return ctl_tls_build(w, s, false);
	w->step.state = CS_TRY;
	for (; w->step.attempt < w->step.naddrs; w->step.attempt++) {
		struct saddr *a = &w->step.addrs[w->step.attempt];
		int r;

		if (s->state == SS_CONNECTING)
			return join_connect(w, s, a);
		renew_after_failure(s);
		if ((err = ctl_ensure_fd(w, s, a->ss.ss_family)) != 0)
			continue;
		s->connected_to = *a;
		if ((err = ctl_call(w, s, a, connect)) == CMD_WAIT)
			return CMD_WAIT;
		if ((r = tried(w, s, a, err)) != TRY_NEXT)
			return r;
	}
	return err;
}

/* CS_CALLED: a unix path's connect came back from its worker. */
static int called(struct ctl_wait *w, struct sock *s)
{
	int r = tried(w, s, &w->step.addrs[w->step.attempt], w->step.res);

	if (r != TRY_NEXT)
		return r;
	w->step.attempt++;
	return try_from(w, s, w->step.res);
}

int ctl_connect(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	int r;

	switch (w->step.state) {
	case CS_BEGIN:
		/* A numeric address is known at once. */
		if ((r = ctl_addresses(w, s, c)) != CMD_DONE)
			return r;
		/* fall through */
	case CS_ADDRESSED:
		if (s->kind == KIND_TLS && tlsup_ctx(s) == NULL)
			return ctl_tls_build(w, s, false);
		/* fall through */
	case CS_TLS_READY:
		if (c->addr_type == ADDR_NAME && (r = tlsup_set_host(s, c->name.host)) != 0)
			return r;
		/* fall through */
	case CS_TRY:
		return try_from(w, s, -ECONNREFUSED);
	case CS_CALLED:
		return called(w, s);
	case CS_CONNECTED:
		return made(w, s);
	default:
		return -EINVAL;		/* a wait: its way back moves it on first */
	}
}

/* A connect in progress: finished (0), failed (<0), or not yet (1). */
static int connect_result(struct sock *s)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -errno;
	if (soerr)
		return -soerr;
	if (getpeername(s->fd, (struct sockaddr *)&ss, &sslen) < 0)
		return errno == ENOTCONN ? 1 : -errno;
	return 0;
}

/* Nobody waits (O_NONBLOCK, or the write was interrupted): the outcome R
 * is kept for status and err; a tls socket's handshake goes on alone. */
static void settle_alone(struct sock *s, int r)
{
	if (r == 0)
		connected(s);
	else
		s->state = ctl_unconnected(s);
	s->connect_failed = r < 0;
	if (r < 0)
		sock_set_err(s, "connect", strerror(-r));
	else if (s->kind == KIND_TLS && (r = ctl_tls_handshake_alone(s)) < 0)
		sock_set_err(s, "handshake", strerror(-r));
}

int ctl_connect_event(struct sock *s)
{
	struct ctl_wait *w = (struct ctl_wait *)wqueue_first(&s->ctls);
	int r = connect_result(s);

	if (r == 1)
		return CMD_WAIT;
	if (w == NULL) {
		settle_alone(s, r);
		return CMD_DONE;
	}
	s->connect_failed = r < 0;
	if (r == 0) {
		connected(s);
		w->step.state = CS_CONNECTED;
	} else if (w->step.attempt + 1 < w->step.naddrs) {
		/* That address refused; try the next the name gave. */
		s->state = ctl_unconnected(s);
		w->step.attempt++;
		w->step.state = CS_TRY;
	} else
		return ctl_wake(w, r, NULL);
	return ctl_wake(w, CMD_AGAIN, NULL);
}
