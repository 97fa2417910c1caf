#include "config.h"

#include "access.h"

#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "actor.h"
#include "ident.h"

bool sock_visible_to(const struct sock *s, const struct caller *who)
{
	return who->uid == 0 || who->uid == s->uid;
}

/* The reason for a socket the kernel would not make for the caller. */
static const char *refused_why(const struct sock *s, int err)
{
	if (s->kind == KIND_RAW && err == -EPERM)
		return "raw sockets need CAP_NET_RAW";
	if (s->kind == KIND_ICMP && err == -EACCES)
		return "Permission denied: your group is not in net.ipv4.ping_group_range";
	return NULL;
}

/* As WHO, and in WHO's network namespace when the mount says so (-o
 * netns=caller): a socket made there lives there for good. */
static int enter_as(struct stack *st, const struct caller *who, const char **why)
{
	int err = actor_enter_caller(who);

	if (err) {
		*why = "the daemon cannot act as you (it is not root)";
		return err;
	}
	if (st->caller_netns && (err = actor_enter_netns(who->pid)) != 0) {
		actor_leave();
		*why = "your network namespace cannot be found (your pid is hidden from the daemon)";
	}
	return err;
}

static void leave_as(struct stack *st)
{
	if (st->caller_netns)
		actor_leave_netns();
	actor_leave();
}

int sock_ensure_fd_for(struct sock *s, const struct caller *who, int family, const char **why)
{
	int err;

	if (s->fd >= 0 && (family == 0 || family == s->family))
		return 0;
	/* socket(2) as the caller: the kernel takes the socket's owner from
	 * the thread's fsuid and checks CAP_NET_RAW and ping_group_range. */
	if ((err = enter_as(s->st, who, why)) != 0)
		return err;
	err = sock_ensure_fd(s, family, why);
	leave_as(s->st);
	if (err && refused_why(s, err))
		*why = refused_why(s, err);
	return err;
}

int bind_refused_why(const struct saddr *a, int err, const char **why)
{
	unsigned port;

	if (err != -EACCES)
		return err;
	if (a->ss.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	else if (a->ss.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	else
		return err;
	if (port != 0 && port < unprivileged_port_start())
		*why = "Permission denied: ports below net.ipv4.ip_unprivileged_port_start need "
		       "CAP_NET_BIND_SERVICE";
	return err;
}

int sock_create_as(struct stack *st, enum kind k, const char *name, const struct caller *who,
		   struct sock **out)
{
	const char *why;
	int err;

	/* An inet socket is made later, by the ctl write that needs it. */
	if (kind_info(k)->inet)
		return sock_create(st, k, name, who, out);
	if ((err = enter_as(st, who, &why)) == 0) {
		err = sock_create(st, k, name, who, out);
		leave_as(st);
	}
	return err;
}

int sock_pair_as(struct stack *st, enum kind k, const struct caller *who, struct sock **a,
		 struct sock **b)
{
	const char *why;
	int err = enter_as(st, who, &why);

	if (err == 0) {
		err = sock_pair(st, k, who, a, b);
		leave_as(st);
	}
	return err;
}

struct handle *handle_open_as(struct sock *s, void *owner, struct caller who, bool acts)
{
	struct handle *h = handle_open(s, owner);

	if (h == NULL)
		return NULL;
	h->opener = who;
	if (acts && (h->actor = malloc(sizeof(*h->actor))) == NULL) {
		handle_close(h);
		return NULL;
	}
	if (acts)
		actor_load(h->actor, &who);
	return h;
}

bool writer_is_opener(struct handle *h, const struct wait_req *rq)
{
	if (h->sock == NULL || rq->who.uid == h->opener.uid)
		return true;
	sock_set_err(h->sock, "write", "refused: the writer is not the user who opened this "
		     "file (a set-user-ID program given the descriptor?)");
	waiter_refuse(rq, -EPERM);
	return false;
}
