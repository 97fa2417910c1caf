/*
 * Running parsed ctl commands against a socket (9front's *ctlmsg helpers).
 * It is longer than 600 lines because every wait a command may make (a
 * name's lookup, a unix path on a worker, a full backlog's retry, a TLS
 * context and handshake) resumes the one ctl_wait machine that runs them.
 */
#include "config.h"

#include "ctlexec.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "access.h"
#include "actor.h"
#include "callerfs.h"
#include "ctl.h"
#include "tls.h"
#include "tlsup.h"

enum { CMD_DONE = 0, CMD_WAIT = 1, CMD_CLOSED = 2 };

/* A ctl write: its commands, run in order, and where the one running
 * stands (the addresses a name gave, which one is being tried). */
struct ctl_wait {
	struct waiter w;
	struct handle *h;
	struct ctl_cmd *cmds;
	int ncmds, cur;
	struct saddr addrs[RESOLVE_MAX];
	int naddrs, attempt;
	struct resolve_job *job;	/* a name being looked up */
	struct timer retry;		/* a unix connect's next try */
	unsigned retries;
	struct path_call *call;		/* a unix path's bind or connect, on a worker */
	bool called;			/* ... came back with called_res */
	int called_res;
	const char *why;		/* a failure's reason, when strerror is not enough */
	bool tls_wait;			/* a TLS context or handshake is under way for it */
	struct actor actor;		/* who the commands run as */
};

static void on_resolved(struct resolve_job *j);
static int ctl_run(struct ctl_wait *w);
static void ctl_resume(struct ctl_wait *w);
static void ctl_fail(struct ctl_wait *w, struct sock *s, int err, const char *why);

static int ensure_fd(struct ctl_wait *w, struct sock *s, int family)
{
	return sock_ensure_fd_for(s, &w->w.who, family, &w->why);
}

/* A unix socket path is reached with the caller's rights: the kernel
 * checks search and write permission with the fsuid and groups. */
static bool is_unix_path(const struct saddr *a)
{
	return a->ss.ss_family == AF_UNIX && a->len > sizeof(sa_family_t) &&
	       ((const struct sockaddr_un *)&a->ss)->sun_path[0] != '\0';
}

/* A unix path's bind(2) or connect(2), made by a worker as the caller, in
 * the caller's root and working directory (callerfs.h): the path's lookup
 * may cross a file system that does not answer (a user's own FUSE mount,
 * stopped), which must not stall the loop.  The worker calls on a
 * duplicate of the socket's descriptor. */
struct path_call {
	struct job j;
	struct ctl_wait *w;
	int fd;
	struct saddr a;
	int (*call)(int, const struct sockaddr *, socklen_t);
	int res;
};

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
	close(((struct path_call *)j)->fd);
	free(j);
}

static void ctl_resume(struct ctl_wait *w);

/* Back on the loop: the command runs again and finds the result. */
static void path_call_done(struct job *j)
{
	struct path_call *pc = (struct path_call *)j;
	struct ctl_wait *w = pc->w;

	w->call = NULL;
	w->called = true;
	w->called_res = pc->res;
	path_call_free(j);
	ctl_resume(w);
}

static int path_call_start(struct ctl_wait *w, struct sock *s, const struct saddr *a,
			   int (*call)(int, const struct sockaddr *, socklen_t))
{
	struct path_call *pc = calloc(1, sizeof(*pc));
	int err;

	if (pc == NULL)
		return -ENOMEM;
	if ((pc->fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(pc);
		return -errno;
	}
	pc->j = (struct job){ .who = w->w.who, .run = path_call_run, .done = path_call_done,
			      .discard = path_call_free, .paths = true, .actor = w->actor,
			      .have_actor = true };
	pc->w = w;
	pc->a = *a;
	pc->call = call;
	if ((err = workers_submit(&s->st->workers, &pc->j)) != 0) {
		path_call_free(&pc->j);
		return err;
	}
	w->call = pc;
	sock_park(s, &w->w, &s->held);
	return CMD_WAIT;
}

/* bind(2) or connect(2) of S to A; a unix path goes to a worker, and the
 * command is run again with its result (CMD_WAIT meanwhile). */
static int call_as(struct ctl_wait *w, struct sock *s, const struct saddr *a,
		   int (*call)(int, const struct sockaddr *, socklen_t))
{
	if (!is_unix_path(a))
		return call(s->fd, (const struct sockaddr *)&a->ss, a->len) < 0 ? -errno : 0;
	if (w->called) {
		w->called = false;
		return w->called_res;
	}
	return path_call_start(w, s, a, call);
}

/* Where a socket stands when a connect fails or is undone. */
static enum sock_state unconnected(struct sock *s)
{
	if (s->fd < 0)
		return SS_NEW;
	return s->bound ? SS_BOUND : SS_OPEN;
}

/* Fills w->addrs for an address command, or starts a lookup (CMD_WAIT). */
static int want_addrs(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	struct resolve_job *j;
	int err;

	if (w->naddrs > 0)
		return CMD_DONE;
	if (c->addr_type == ADDR_NUMERIC) {
		w->addrs[0] = c->addr;
		w->naddrs = 1;
		return CMD_DONE;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
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
	sock_park(s, &w->w, &s->held);
	return CMD_WAIT;
}

/* The first address of the socket's family, if it has one already. */
static struct saddr *pick_addr(struct ctl_wait *w, struct sock *s)
{
	for (int i = 0; i < w->naddrs; i++)
		if (s->fd < 0 || s->state == SS_OPEN || w->addrs[i].ss.ss_family == s->family)
			return &w->addrs[i];
	return &w->addrs[0];
}

static int bind_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	struct saddr *a = pick_addr(w, s);
	int err = ensure_fd(w, s, a->ss.ss_family);

	if (!err)
		err = call_as(w, s, a, bind);
	if (err)
		return bind_refused_why(a, err, &w->why);
	s->bound = true;
	if (s->state == SS_OPEN)
		s->state = SS_BOUND;
	return CMD_DONE;
}

static int to_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	struct saddr *a = pick_addr(w, s);
	int err = ensure_fd(w, s, a->ss.ss_family);

	if (err)
		return err;
	s->dest = *a;
	s->has_dest = true;
	return CMD_DONE;
}

/* Longest pause between two tries of a unix connect, in ms. */
#define BACKLOG_RETRY_MAX 100

/* Runs a held ctl write on from the command it stopped at. */
static void ctl_resume(struct ctl_wait *w)
{
	struct sock *s = w->h->sock;

	waiter_unqueue(&w->w);
	if (ctl_run(w) != CMD_CLOSED)
		sock_update_interest(s);
}

static void retry_connect(struct timer *t)
{
	ctl_resume(container_of(t, struct ctl_wait, retry));
}

/* A unix listener with a full backlog fails a non-blocking connect with
 * EAGAIN, and nothing on the descriptor tells when room appears; the
 * blocking connect a shell user expects sleeps in the kernel until then.
 * So the write waits and tries again, after 5, 10, 20, ... up to 100 ms. */
static int wait_backlog(struct ctl_wait *w, struct sock *s)
{
	uint64_t ms = (uint64_t)5 << (w->retries < 5 ? w->retries : 5);

	w->why = "the listener's backlog is full";
	if (w->w.nonblock)
		return -EAGAIN;
	w->retries++;
	timer_arm(&s->st->loop, &w->retry, ms < BACKLOG_RETRY_MAX ? ms : BACKLOG_RETRY_MAX);
	sock_park(s, &w->w, &s->held);
	return CMD_WAIT;
}

/* --- TLS: a context built first, a handshake after the connect --- */

/* The context is built: the command runs again and goes on. */
static void tls_built(struct sock *s, void *arg, int err, const char *why)
{
	struct ctl_wait *w = arg;

	w->tls_wait = false;
	waiter_unqueue(&w->w);
	if (err) {
		ctl_fail(w, s, err, why);
		sock_update_interest(s);
	} else
		ctl_resume(w);
}

/* The command is done: the next one runs. */
static void next_cmd(struct ctl_wait *w)
{
	w->cur++;
	w->naddrs = 0;
	w->attempt = 0;
	w->retries = 0;
}

static void tls_shaken(struct sock *s, void *arg, int err, const char *why)
{
	struct ctl_wait *w = arg;

	w->tls_wait = false;
	waiter_unqueue(&w->w);
	if (err) {
		s->state = unconnected(s);
		ctl_fail(w, s, err, why);
		sock_update_interest(s);
		return;
	}
	next_cmd(w);
	if (ctl_run(w) != CMD_CLOSED)
		sock_update_interest(s);
}

/* Nobody waits for this handshake (O_NONBLOCK): its outcome goes to err. */
static void tls_shaken_alone(struct sock *s, void *arg, int err, const char *why)
{
	if (err) {
		s->state = unconnected(s);
		sock_set_err(s, "handshake", why ? why : strerror(-err));
	}
	sock_update_interest(s);
}

/* S needs its context for a client (SERVER false) or server: built as the
 * caller on a worker while the write waits. */
static int tls_build(struct ctl_wait *w, struct sock *s, bool server)
{
	int err = tlsup_build(s, &w->w.who, &w->actor, server, tls_built, w);

	if (err)
		return err;
	w->tls_wait = true;
	sock_park(s, &w->w, &s->held);
	return CMD_WAIT;
}

/* S is connected: a tls socket's handshake (or starttls's) follows. */
static int tls_handshake_for(struct ctl_wait *w, struct sock *s, bool server)
{
	char host[ADDR_TEXT_MAX];
	const char *why = NULL;
	int err;

	tlsup_host(s, host, sizeof(host));
	if (w == NULL)
		return tlsup_handshake(s, tlsup_ctx(s), server, host, tls_shaken_alone, NULL, &why);
	err = tlsup_handshake(s, tlsup_ctx(s), server, host, tls_shaken, w, &why);
	if (err < 0) {
		w->why = why;
		return err;
	}
	w->tls_wait = true;
	sock_park(s, &w->w, &s->held);
	return CMD_WAIT;
}

static int tls_set_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	if (tlsup_conn(s) || tlsup_busy(s) || (s->kind == KIND_TLS && s->state == SS_LISTENING)) {
		w->why = "TLS settings are fixed once TLS is under way (set them before connect, "
			 "listen or starttls)";
		return -EBUSY;
	}
	if (tlsup_set_opt(s, c->tlsopt, c->name.host) != 0)
		return -ENOMEM;
	return CMD_DONE;
}

static int starttls_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	int err;

	if (s->state != SS_CONNECTED)
		return -ENOTCONN;
	if (tlsup_conn(s)) {
		w->why = "TLS is on already";
		return -EISCONN;
	}
	if ((err = tlsup_check_unread(s, c->how, &w->why)) != 0)
		return err;
	if (tlsup_ctx(s) == NULL)
		return tls_build(w, s, c->how);
	return tls_handshake_for(w, s, c->how);
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
	sock_park(s, &w->w, &s->ctls);
	return CMD_WAIT;
}

/* Tries w->addrs from w->attempt on; a stream connect may have to wait. */
static int connect_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	int err = -ECONNREFUSED;

	if (s->kind == KIND_TLS && tlsup_ctx(s) == NULL)
		return tls_build(w, s, false);
	if (c->addr_type == ADDR_NAME && (err = tlsup_set_host(s, c->name.host)) != 0)
		return err;
	for (; w->attempt < w->naddrs; w->attempt++) {
		struct saddr *a = &w->addrs[w->attempt];
		if (s->state == SS_CONNECTING)
			return join_connect(w, s, a);
		renew_after_failure(s);
		if ((err = ensure_fd(w, s, a->ss.ss_family)) != 0)
			continue;
		s->connected_to = *a;
		if ((err = call_as(w, s, a, connect)) == 0) {
			connected(s);
			return s->kind == KIND_TLS ? tls_handshake_for(w, s, false) : CMD_DONE;
		}
		if (err == CMD_WAIT)
			return CMD_WAIT;
		if (err == -EAGAIN && a->ss.ss_family == AF_UNIX)
			return wait_backlog(w, s);
		if (err == -EINPROGRESS) {
			s->state = SS_CONNECTING;
			if (w->w.nonblock)
				return -EINPROGRESS;
			sock_park(s, &w->w, &s->ctls);
			return CMD_WAIT;
		}
	}
	return err;
}

static int disconnect_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	bool renew = false;

	if (s->fd < 0)
		return CMD_DONE;
	if (tlsup_busy(s)) {
		w->why = "TLS is being set up on it (wait for that, or close it)";
		return -EBUSY;
	}
	if (connect(s->fd, &sa, sizeof(sa)) < 0) {
		if (errno != EOPNOTSUPP || !tls_in_kernel(tlsup_conn(s)))
			return -errno;
		/* The kernel will not disconnect a connection whose records
		 * it carries (kernel TLS): the descriptor is closed instead,
		 * and the next connect makes a new one.  A bound socket
		 * would lose its address, which a disconnect keeps. */
		if (s->bound) {
			w->why = "the kernel cannot disconnect a connection that kernel TLS carries: "
				 "close this bound socket instead, or `set ktls 0` before connect";
			return -EOPNOTSUPP;
		}
		renew = true;
	}
	/* The TLS of the connection goes with it. */
	tlsup_disconnect(s);
	if (renew)
		sock_drop_fd(s);
	if (s->state == SS_CONNECTED || s->state == SS_CONNECTING)
		s->state = unconnected(s);
	return CMD_DONE;
}

static int listen_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	int err;

	if (s->kind == KIND_TLS && tlsup_ctx(s) == NULL)
		return tls_build(w, s, true);
	err = ensure_fd(w, s, 0);

	if (err)
		return err;
	if (listen(s->fd, c->backlog) < 0)
		return -errno;
	s->state = SS_LISTENING;
	return CMD_DONE;
}

static int shutdown_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	if (s->fd < 0)
		return -ENOTCONN;
	/* TLS says its end with close_notify before TCP's FIN. */
	if (tlsup_conn(s) && c->how != SHUT_RD && tls_close_notify(tlsup_conn(s)) < 0) {
		w->why = tlsup_why(s);
		return -EPIPE;
	}
	if (shutdown(s->fd, c->how) < 0)
		return -errno;
	s->shut_rd |= c->how != SHUT_WR;
	s->shut_wr |= c->how != SHUT_RD;
	return CMD_DONE;
}

static int set_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	if (c->opt == OPT_PROTO && s->fd >= 0) {
		w->why = "proto is fixed once the socket exists: set it before bind, connect or to";
		return -EBUSY;
	}
	if (!opt_info(c->opt)->daemon && s->fd >= 0) {
		int err = opt_apply(c->opt, s->fd, s->family, c->value);
		if (err)
			return err;
	}
	s->opt_set[c->opt] = true;
	s->opt_val[c->opt] = c->value;
	return CMD_DONE;
}

static int group_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	int family = c->addr.ss.ss_family;
	int err = ensure_fd(w, s, s->fd >= 0 ? 0 : family);
	bool join = c->op == CTL_JOIN;

	if (err)
		return err;
	if (family != s->family) {
		w->why = "the group's family differs from the socket's";
		return -EAFNOSUPPORT;
	}
	if (family == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = (int)c->ifindex };
		mr.imr_multiaddr = ((struct sockaddr_in *)&c->addr.ss)->sin_addr;
		err = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
				 &mr, sizeof(mr));
	} else {
		struct ipv6_mreq mr = { .ipv6mr_interface = c->ifindex };
		mr.ipv6mr_multiaddr = ((struct sockaddr_in6 *)&c->addr.ss)->sin6_addr;
		err = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
				 &mr, sizeof(mr));
	}
	return err < 0 ? -errno : CMD_DONE;
}

static int close_ctl(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	sock_close(s);
	return CMD_CLOSED;
}

static int exec_cmd(struct ctl_wait *w, struct sock *s, struct ctl_cmd *c)
{
	int r;

	switch (c->op) {
	case CTL_CONNECT:
		r = want_addrs(w, s, c);
		return r ? r : connect_ctl(w, s, c);
	case CTL_BIND:
		r = want_addrs(w, s, c);
		return r ? r : bind_ctl(w, s, c);
	case CTL_TO:
		r = want_addrs(w, s, c);
		return r ? r : to_ctl(w, s, c);
	case CTL_DISCONNECT:
		return disconnect_ctl(w, s, c);
	case CTL_LISTEN:
		return listen_ctl(w, s, c);
	case CTL_SHUTDOWN:
		return shutdown_ctl(w, s, c);
	case CTL_SET:
		return set_ctl(w, s, c);
	case CTL_JOIN:
	case CTL_LEAVE:
		return group_ctl(w, s, c);
	case CTL_CLOSE:
		return close_ctl(w, s, c);
	case CTL_TLSSET:
		return tls_set_ctl(w, s, c);
	case CTL_STARTTLS:
		return starttls_ctl(w, s, c);
	}
	return -EINVAL;
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
		s->state = unconnected(s);
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

static void ctl_cancel(struct waiter *w, int res)
{
	struct handle *h = ((struct ctl_wait *)w)->h;

	/* A timeout (set timeout) is a failure; a signal's EINTR is the
	 * caller's own doing, and a handler may write on. */
	if (res == -ETIMEDOUT)
		h->ctl_failed = res;
	sock_cancel(h->sock, w, res, res, "ctl");
}

/* After the reply: a lookup still running is left to its worker, which
 * frees it; a retry still armed is stopped. */
static void ctl_release(struct waiter *w)
{
	struct ctl_wait *cw = (struct ctl_wait *)w;

	if (w->loop)
		timer_cancel(w->loop, &cw->retry);
	if (cw->job)
		cw->job->j.cancelled = true;
	if (cw->call)
		cw->call->j.cancelled = true;
	if (cw->tls_wait && cw->h->sock)
		tlsup_abandon(cw->h->sock);
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
	timer_init(&w->retry, retry_connect);
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

static void on_resolved(struct resolve_job *j)
{
	struct ctl_wait *w = j->arg;
	struct sock *s = w->h->sock;

	w->job = NULL;
	waiter_unqueue(&w->w);
	if (j->err) {
		ctl_fail(w, s, j->err, j->why);
		free(j);
		return;
	}
	memcpy(w->addrs, j->addrs, sizeof(j->addrs));
	w->naddrs = j->naddrs;
	w->attempt = 0;
	free(j);
	ctl_resume(w);
}

/* A connect in progress: finished, failed, or not yet. */
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

bool ctl_on_connect(struct sock *s)
{
	struct ctl_wait *w = (struct ctl_wait *)wqueue_first(&s->ctls);
	int r = connect_result(s);

	if (r == 1)
		return false;
	if (w == NULL) {
		/* Nobody waits (O_NONBLOCK, or the write was interrupted):
		 * keep the outcome for status and err; a tls socket's
		 * handshake goes on alone. */
		if (r == 0)
			connected(s);
		else
			s->state = unconnected(s);
		s->connect_failed = r < 0;
		if (r < 0)
			sock_set_err(s, "connect", strerror(-r));
		else if (s->kind == KIND_TLS && (r = tls_handshake_for(NULL, s, false)) < 0)
			sock_set_err(s, "handshake", strerror(-r));
		return false;
	}
	waiter_unqueue(&w->w);
	s->connect_failed = r < 0;
	if (r == 0) {
		connected(s);
		if (s->kind == KIND_TLS) {
			if ((r = tls_handshake_for(w, s, false)) == CMD_WAIT)
				return false;
			ctl_fail(w, s, r, NULL);
			return false;
		}
		next_cmd(w);
	} else if (w->attempt + 1 < w->naddrs) {
		/* That address refused; try the next the name gave. */
		s->state = unconnected(s);
		w->attempt++;
	} else {
		ctl_fail(w, s, r, NULL);
		return false;
	}
	return ctl_run(w) == CMD_CLOSED;
}
