#include "config.h"

#include "access.h"

#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ident.h"

bool sock_visible_to(const struct sock *s, const struct caller *who)
{
	return who->uid == 0 || who->uid == s->uid;
}

/* The kernel would refuse the caller these sockets; the daemon must too,
 * whatever its own rights. */
static int may_make(const struct caller *who, struct sock *s, const char **why)
{
	if (s->fd >= 0)
		return 0;
	if (s->kind == KIND_RAW && !caller_has_cap(who, CAP_NET_RAW)) {
		*why = "raw sockets need CAP_NET_RAW";
		return -EPERM;
	}
	if (s->kind == KIND_ICMP && !caller_may_ping(who) && !caller_has_cap(who, CAP_NET_RAW)) {
		*why = "Permission denied: your group is not in net.ipv4.ping_group_range";
		return -EACCES;
	}
	return 0;
}

int sock_ensure_fd_for(struct sock *s, const struct caller *who, int family, const char **why)
{
	int err = may_make(who, s, why);

	return err ? err : sock_ensure_fd(s, family, why);
}

int may_bind(const struct caller *who, const struct saddr *a, const char **why)
{
	unsigned port;

	if (a->ss.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	else if (a->ss.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	else
		return 0;
	if (port == 0 || port >= unprivileged_port_start() ||
	    caller_has_cap(who, CAP_NET_BIND_SERVICE))
		return 0;
	*why = "Permission denied: ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE";
	return -EACCES;
}
