/*
 * The ctl commands but connect (9front's *ctlmsg helpers).  bind and to
 * start from their addresses (CS_BEGIN: a name waits in CS_LOOKUP, then
 * CS_ADDRESSED); bind to a unix path waits in CS_PATH for CS_CALLED;
 * listen and starttls on TLS wait in CS_CONTEXT for CS_TLS_READY, and
 * starttls's handshake in CS_HANDSHAKE.  The rest never wait.
 */
#include "config.h"

#include "ctlcmd.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access.h"
#include "ctlpath.h"
#include "ctltls.h"
#include "tls.h"
#include "tlsup.h"

/* bind(2) of A ended with ERR. */
static int bound(struct ctl_wait *w, struct sock *s, const struct saddr *a, int err)
{
	if (err)
		return bind_refused_why(a, err, &w->why);
	s->bound = true;
	if (s->state == SS_OPEN)
		s->state = SS_BOUND;
	return CMD_DONE;
}

int ctl_bind(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	struct saddr *a;
	int r;

	switch (w->step.state) {
	case CS_BEGIN:
		/* A numeric address is known at once. */
		if ((r = ctl_addresses(w, s, c)) != CMD_DONE)
			return r;
		/* fall through */
	case CS_ADDRESSED:
		a = ctl_pick_addr(w, s);
		if ((r = ctl_ensure_fd(w, s, a->ss.ss_family)) == 0 &&
		    (r = ctl_call(w, s, a, bind)) == CMD_WAIT)
			return CMD_WAIT;
		return bound(w, s, a, r);
	case CS_CALLED:
		return bound(w, s, ctl_pick_addr(w, s), w->step.res);
	default:
		return -EINVAL;		/* a wait: its way back moves it on first */
	}
}

int ctl_to(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	struct saddr *a;
	int r;

	if (w->step.state == CS_BEGIN && (r = ctl_addresses(w, s, c)) != CMD_DONE)
		return r;
	a = ctl_pick_addr(w, s);
	if ((r = ctl_ensure_fd(w, s, a->ss.ss_family)) != 0)
		return r;
	s->dest = *a;
	s->has_dest = true;
	return CMD_DONE;
}

int ctl_disconnect(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
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
		s->state = ctl_unconnected(s);
	return CMD_DONE;
}

int ctl_listen(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	int err;

	if (w->step.state == CS_BEGIN && s->kind == KIND_TLS && tlsup_ctx(s) == NULL)
		return ctl_tls_build(w, s, true);
	if ((err = ctl_ensure_fd(w, s, 0)) != 0)
		return err;
	if (listen(s->fd, c->backlog) < 0)
		return -errno;
	s->state = SS_LISTENING;
	return CMD_DONE;
}

int ctl_shutdown(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
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

int ctl_set(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
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

int ctl_group(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	int family = c->addr.ss.ss_family;
	int err = ctl_ensure_fd(w, s, s->fd >= 0 ? 0 : family);
	bool join = c->op == CTL_JOIN;

	if (err)
		return err;
	if (family != s->family) {
		w->why = "the group's family differs from the socket's";
		return -EAFNOSUPPORT;
	}
	if (family == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = (int)c->ifindex };
		mr.imr_multiaddr = ((const struct sockaddr_in *)&c->addr.ss)->sin_addr;
		err = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
				 &mr, sizeof(mr));
	} else {
		struct ipv6_mreq mr = { .ipv6mr_interface = c->ifindex };
		mr.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)&c->addr.ss)->sin6_addr;
		err = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
				 &mr, sizeof(mr));
	}
	return err < 0 ? -errno : CMD_DONE;
}

int ctl_close(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
{
	sock_close(s);
	return CMD_CLOSED;
}

int ctl_tls_set(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
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

/* Checked at the start and again once the context is built (CS_TLS_READY):
 * another ctl file may have changed the socket meanwhile. */
int ctl_starttls(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c)
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
		return ctl_tls_build(w, s, c->how);
	return ctl_tls_handshake(w, s, c->how);
}
