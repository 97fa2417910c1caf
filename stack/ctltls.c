/*
 * A ctl command's TLS steps: tlsup does the work, this waits for it.
 */
#include "config.h"

#include "ctltls.h"

#include <string.h>

#include "tlsup.h"

/* The way back from CS_CONTEXT. */
static void built(struct sock *s, void *arg, int err, const char *why)
{
	struct ctl_wait *w = arg;

	if (err) {
		ctl_wake(w, err, why);
		return;
	}
	w->step.state = CS_TLS_READY;
	ctl_wake(w, CMD_AGAIN, NULL);
}

int ctl_tls_build(struct ctl_wait *w, struct sock *s, bool server)
{
	int err = tlsup_build(s, &w->w.who, &w->actor, server, built, w);

	return err ? err : ctl_park(w, s, &s->held, CS_CONTEXT);
}

/* The way back from CS_HANDSHAKE. */
static void shaken(struct sock *s, void *arg, int err, const char *why)
{
	struct ctl_wait *w = arg;

	if (err) {
		s->state = ctl_unconnected(s);
		ctl_wake(w, err, why);
		return;
	}
	ctl_wake(w, CMD_DONE, NULL);
}

int ctl_tls_handshake(struct ctl_wait *w, struct sock *s, bool server)
{
	char host[ADDR_TEXT_MAX];
	const char *why = NULL;
	int err;

	tlsup_host(s, host, sizeof(host));
	err = tlsup_handshake(s, tlsup_ctx(s), server, host, shaken, w, &why);
	if (err < 0) {
		w->why = why;
		return err;
	}
	return ctl_park(w, s, &s->held, CS_HANDSHAKE);
}

static void shaken_alone(struct sock *s, void *arg, int err, const char *why)
{
	if (err) {
		s->state = ctl_unconnected(s);
		sock_set_err(s, "handshake", why ? why : strerror(-err));
	}
	sock_update_interest(s);
}

int ctl_tls_handshake_alone(struct sock *s)
{
	char host[ADDR_TEXT_MAX];
	const char *why = NULL;

	tlsup_host(s, host, sizeof(host));
	return tlsup_handshake(s, tlsup_ctx(s), false, host, shaken_alone, NULL, &why);
}

void ctl_tls_release(struct ctl_wait *w)
{
	bool waiting = w->step.state == CS_CONTEXT || w->step.state == CS_HANDSHAKE;

	if (waiting && w->h->sock)
		tlsup_abandon(w->h->sock);
}
