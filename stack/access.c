#include "config.h"

#include "access.h"

#include <errno.h>
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

int sock_ensure_fd_for(struct sock *s, const struct caller *who, int family, const char **why)
{
	int err;

	if (s->fd >= 0 && (family == 0 || family == s->family))
		return 0;
	/* socket(2) as the caller: the kernel takes the socket's owner from
	 * the thread's fsuid and checks CAP_NET_RAW and ping_group_range. */
	if ((err = actor_enter_caller(who)) != 0) {
		*why = "the daemon cannot act as you (it is not root)";
		return err;
	}
	err = sock_ensure_fd(s, family, why);
	actor_leave();
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
	int err;

	/* An inet socket is made later, by the ctl write that needs it. */
	if (kind_info(k)->inet)
		return sock_create(st, k, name, who, out);
	err = actor_enter_caller(who);

	if (err == 0) {
		err = sock_create(st, k, name, who, out);
		actor_leave();
	}
	return err;
}

int sock_pair_as(struct stack *st, enum kind k, const struct caller *who, struct sock **a,
		 struct sock **b)
{
	int err = actor_enter_caller(who);

	if (err == 0) {
		err = sock_pair(st, k, who, a, b);
		actor_leave();
	}
	return err;
}
