#include "config.h"

#include "stack.h"

#include <string.h>
#include <sys/epoll.h>

#include "accept.h"
#include "cmsgout.h"
#include "ctlexec.h"
#include "data.h"
#include "rfile.h"

static void notify_pollers(struct sock *s, uint32_t events)
{
	for (struct handle *h = s->handles; h; h = h->next)
		if (h->poll_handle && (h->poll_events & events) && s->st->poll_notify)
			s->st->poll_notify(h);
}

/* A socket's descriptor is ready: the operations waiting on it go on. */
static void on_event(struct sock *s, uint32_t events)
{
	if ((events & EPOLLOUT) && s->state == SS_CONNECTING && ctl_on_connect(s))
		return;		/* a ctl command closed the socket */
	if (events & EPOLLOUT)
		data_serve_writers(s);
	if (events & EPOLLIN) {
		data_serve_readers(s);
		accept_serve(s);
	}
	notify_pollers(s, events);
	sock_update_interest(s);
}

/* What was attached to a closing socket goes with it. */
static void on_close(struct sock *s)
{
	rfile_close_all(s);
	cmsg_out_free(s->pending);
	s->pending = NULL;
}

int stack_init(struct stack *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	st->hooks.on_event = on_event;
	st->hooks.on_close = on_close;
	if ((err = loop_init(&st->loop)) != 0)
		return err;
	if ((err = sock_table_init(st)) != 0)
		goto fail_loop;
	if ((err = resolver_init(&st->resolver, &st->loop)) != 0)
		goto fail_table;
	return 0;
fail_table:
	sock_table_fini(st);
fail_loop:
	loop_fini(&st->loop);
	return err;
}

void stack_fini(struct stack *st)
{
	sock_table_fini(st);
	resolver_fini(&st->resolver);
	loop_fini(&st->loop);
}
