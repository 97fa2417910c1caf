#include "config.h"

#include "stack.h"

#include <malloc.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>

#include "accept.h"
#include "actor.h"
#include "callerfs.h"
#include "cmsgout.h"
#include "ctlexec.h"
#include "data.h"
#include "rfile.h"
#include "tls.h"
#include "tlsup.h"

uint32_t sock_poll(struct handle *h, uint32_t events, bool watch)
{
	struct sock *s = h->sock;
	struct pollfd p;
	uint32_t ready = 0;

	if (s == NULL)
		return EPOLLIN | EPOLLOUT | EPOLLHUP;
	if (h->rem_len || h->eom || (tlsup_conn(s) && tls_pending(tlsup_conn(s))))
		ready |= EPOLLIN;
	/* A name handed back by a reader that never got it. */
	for (struct sock *c = sock_child_first(s); c; c = sock_child_next(c))
		if (!c->delivered && !tlsup_busy(c))
			ready |= EPOLLIN;
	/* While TLS is set up (tlsup_busy), data can be neither read nor written
	 * whatever the descriptor says: the handshake's end wakes the poller
	 * (sock_update_interest). */
	if (s->fd < 0) {
		/* Nothing can arrive; a write fails at once, which counts. */
		ready |= EPOLLOUT;
	} else if (!tlsup_busy(s)) {
		p = (struct pollfd){ .fd = s->fd, .events = POLLIN | POLLOUT };
		if (poll(&p, 1, 0) == 1)
			ready |= (uint32_t)p.revents;
	}
	/* Watched only while nothing asked for is ready: the poller is
	 * answered now otherwise. */
	h->polled = watch && (ready & (events | EPOLLERR | EPOLLHUP)) == 0;
	if (h->polled) {
		h->poll_events = events;
		sock_update_interest(s);
	}
	return ready;
}

static void notify_pollers(struct sock *s, uint32_t events)
{
	for (struct handle *h = handle_first(s); h; h = handle_next(h))
		if (h->polled && (h->poll_events & events)) {
			h->polled = false;
			if (s->st->up.poll_notify)
				s->st->up.poll_notify(s->st->up.arg, h);
		}
}

/* A socket's descriptor is ready: the operations waiting on it go on. */
static void on_event(struct sock *s, uint32_t events)
{
	uint32_t serve = events;
	struct stack *st = s->st;
	uint64_t id = s->id;

	/* A TLS handshake goes first; whoever it ends may close S. */
	if (tlsup_busy(s)) {
		tlsup_step(s);
		if ((s = sock_by_id(st, id)) == NULL || tlsup_busy(s))
			return;
	}
	if ((events & EPOLLOUT) && s->state == SS_CONNECTING && ctl_on_connect(s))
		return;		/* a ctl command closed the socket */
	/* TLS reads may need to write and writes to read, and a handshake
	 * that just ended leaves readers and writers to go on. */
	if (tlsup_conn(s))
		serve |= EPOLLIN | EPOLLOUT;
	if (serve & EPOLLOUT)
		data_serve_writers(s);
	if (serve & EPOLLIN) {
		data_serve_readers(s);
		accept_serve(s);
	}
	notify_pollers(s, events);
	sock_update_interest(s);
}

/* malloc keeps what a socket freed (a TLS connection with a large peer
 * certificate holds hundreds of KiB, in pieces between newer blocks) and
 * would not give it back to the system: a second after closes, once for a
 * whole burst of them, the free pages go back. */
static void on_trim(struct timer *t)
{
	(void)t;
	malloc_trim(0);
}

/* What was attached to a closing socket goes with it. */
static void on_close(struct sock *s)
{
	rfile_close_all(s);
	cmsg_out_keep(s, NULL);		/* a pending cmsg goes */
	tlsup_close(s);
	if (!timer_armed(&s->st->trim))
		timer_arm(&s->st->loop, &s->st->trim, 1000);
}

static uid_t person_of_uid(const void *quotas, uid_t uid)
{
	return quota_person(quotas, uid);
}

int stack_init(struct stack *st)
{
	int err;

	struct rlimit rl = { 0 };

	memset(st, 0, sizeof(*st));
	getrlimit(RLIMIT_NOFILE, &rl);
	quota_init(&st->quotas, rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : (uint64_t)rl.rlim_cur);
	st->hooks.on_event = on_event;
	st->hooks.on_close = on_close;
	timer_init(&st->trim, on_trim);
	if ((err = loop_init(&st->loop)) != 0)
		return err;
	if ((err = sock_table_init(st)) != 0)
		goto fail_loop;
	/* What the daemon is, before any worker starts. */
	if ((err = actor_init()) != 0 || (err = callerfs_init()) != 0)
		goto fail_table;
	if ((err = workers_init(&st->workers, &st->loop)) != 0)
		goto fail_table;
	st->workers.person = person_of_uid;
	st->workers.person_ctx = &st->quotas;
	return 0;
fail_table:
	sock_table_fini(st);
fail_loop:
	loop_fini(&st->loop);
	quota_fini(&st->quotas);
	return err;
}

void stack_configure(struct stack *st, const struct stack_config *cfg)
{
	for (int r = 0; r < Q_COUNT; r++)
		if (cfg->limit[r] >= 0)
			st->quotas.limit[r] = (uint64_t)cfg->limit[r];
	st->caller_netns = cfg->caller_netns;
	st->up = cfg->up;
}

void stack_fini(struct stack *st)
{
	sock_table_fini(st);
	timer_cancel(&st->loop, &st->trim);
	workers_fini(&st->workers);
	loop_fini(&st->loop);
	quota_fini(&st->quotas);
	tls_ctx_forget();
}
