#include "config.h"

#include "option.h"

#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SOL SOL_SOCKET
#define INTMAXV 0x7fffffffLL

static const struct opt_info opts[OPT_COUNT] = {
	[OPT_REUSEADDR] = { "reuseaddr", OPT_BOOL, SOL, SO_REUSEADDR, SOL, SO_REUSEADDR, .max = 1 },
	[OPT_REUSEPORT] = { "reuseport", OPT_BOOL, SOL, SO_REUSEPORT, SOL, SO_REUSEPORT, .inet_only = true, .max = 1 },
	[OPT_BROADCAST] = { "broadcast", OPT_BOOL, SOL, SO_BROADCAST, SOL, SO_BROADCAST, .inet_only = true, .max = 1 },
	[OPT_KEEPALIVE] = { "keepalive", OPT_BOOL, SOL, SO_KEEPALIVE, SOL, SO_KEEPALIVE, .max = 1 },
	[OPT_NODELAY]   = { "nodelay", OPT_BOOL, IPPROTO_TCP, TCP_NODELAY, IPPROTO_TCP, TCP_NODELAY, .tcp_only = true, .max = 1 },
	[OPT_RCVBUF]    = { "rcvbuf", OPT_INT, SOL, SO_RCVBUF, SOL, SO_RCVBUF, .max = INTMAXV },
	[OPT_SNDBUF]    = { "sndbuf", OPT_INT, SOL, SO_SNDBUF, SOL, SO_SNDBUF, .max = INTMAXV },
	[OPT_TTL]       = { "ttl", OPT_INT, IPPROTO_IP, IP_TTL, IPPROTO_IPV6, IPV6_UNICAST_HOPS, .inet_only = true, .max = 255 },
	[OPT_TOS]       = { "tos", OPT_INT, IPPROTO_IP, IP_TOS, IPPROTO_IPV6, IPV6_TCLASS, .inet_only = true, .max = 255 },
	[OPT_V6ONLY]    = { "v6only", OPT_BOOL, -1, 0, IPPROTO_IPV6, IPV6_V6ONLY, .inet_only = true, .max = 1 },
	[OPT_PASSCRED]  = { "passcred", OPT_BOOL, SOL, SO_PASSCRED, -1, 0, .unix_only = true, .max = 1 },
	[OPT_LINGER]    = { "linger", OPT_LINGER_T, SOL, SO_LINGER, SOL, SO_LINGER, .max = 65535 },
	[OPT_MCAST_TTL] = { "mcast_ttl", OPT_INT, IPPROTO_IP, IP_MULTICAST_TTL, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, .inet_only = true, .max = 255 },
	[OPT_MCAST_LOOP] = { "mcast_loop", OPT_BOOL, IPPROTO_IP, IP_MULTICAST_LOOP, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, .inet_only = true, .max = 1 },
	[OPT_MCAST_IF]  = { "mcast_if", OPT_IFACE_T, IPPROTO_IP, IP_MULTICAST_IF, IPPROTO_IPV6, IPV6_MULTICAST_IF, .inet_only = true },
	[OPT_RECVERR]   = { "recverr", OPT_BOOL, IPPROTO_IP, IP_RECVERR, IPPROTO_IPV6, IPV6_RECVERR, .inet_only = true, .max = 1 },
	[OPT_TIMEOUT]   = { "timeout", OPT_SECONDS, -1, 0, -1, 0, .daemon = true, .max = 86400LL * 1000 },
	[OPT_FLAGS]     = { "flags", OPT_FLAGS_T, -1, 0, -1, 0, .daemon = true },
	[OPT_PROTO]     = { "proto", OPT_PROTO_T, -1, 0, -1, 0, .raw_only = true, .daemon = true, .max = 255 },
	[OPT_HEADERS]   = { "headers", OPT_BOOL, -1, 0, -1, 0, .msg_only = true, .daemon = true, .max = 1 },
};

const struct flag_name send_flag_names[] = {
	{ "more", MSG_MORE },
	{ "dontroute", MSG_DONTROUTE },
	{ "confirm", MSG_CONFIRM },
	{ "oob", MSG_OOB },
	{ "eor", MSG_EOR },
	{ NULL, 0 },
};

static const struct flag_name proto_names[] = {
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "udp", IPPROTO_UDP },
	{ "tcp", IPPROTO_TCP },
	{ NULL, 0 },
};

const struct opt_info *opt_info(enum opt_id id)
{
	return &opts[id];
}

int opt_by_name(const char *name)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (strcmp(opts[i].name, name) == 0)
			return i;
	return -1;
}

static int parse_bool(const char *v, long long *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

static int parse_uint(const char *v, long long max, long long *out)
{
	char *end;
	long long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 0 || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_seconds(const char *v, long long max_ms, long long *out)
{
	char *end;
	double s;

	if ((*v < '0' || *v > '9') && *v != '.')
		return -EINVAL;
	errno = 0;
	s = strtod(v, &end);
	if (errno || *end || !isfinite(s) || s < 0 || s * 1000 > (double)max_ms)
		return -EINVAL;
	*out = (long long)(s * 1000 + 0.5);
	if (*out == 0 && s > 0)
		*out = 1;
	return 0;
}

/* "none", or names from TABLE joined by commas, OR'd together. */
static int parse_flags(const char *v, const struct flag_name *table, long long *out)
{
	char buf[128], *save = NULL;

	*out = 0;
	if (strcmp(v, "none") == 0 || strcmp(v, "0") == 0)
		return 0;
	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i = 0;
		while (table[i].name && strcmp(table[i].name, t) != 0)
			i++;
		if (table[i].name == NULL)
			return -EINVAL;
		*out |= table[i].flag;
	}
	return 0;
}

static int parse_proto(const char *v, long long *out)
{
	for (int i = 0; proto_names[i].name; i++)
		if (strcmp(proto_names[i].name, v) == 0) {
			*out = proto_names[i].flag;
			return 0;
		}
	return parse_uint(v, 255, out);
}

static int parse_iface(const char *v, long long *out)
{
	unsigned idx = if_nametoindex(v);

	if (idx == 0)
		return -ENODEV;
	*out = idx;
	return 0;
}

static int check_kind(const struct opt_info *o, enum kind k, const char **why)
{
	const struct kind_info *ki = kind_info(k);

	if ((o->tcp_only && !(ki->inet && ki->socktype == SOCK_STREAM)) || (o->unix_only && ki->inet) ||
	    (o->inet_only && !ki->inet) || (o->raw_only && k != KIND_RAW) ||
	    (o->msg_only && ki->stream)) {
		*why = "option does not apply to this kind of socket";
		return -ENOPROTOOPT;
	}
	return 0;
}

int opt_parse(enum opt_id id, enum kind k, const char *value, long long *out,
	      const char **why)
{
	const struct opt_info *o = &opts[id];
	int err = check_kind(o, k, why);

	if (err)
		return err;
	switch (o->type) {
	case OPT_BOOL:
		err = parse_bool(value, out);
		*why = "value must be 0 or 1 (or on/off)";
		break;
	case OPT_INT:
		err = parse_uint(value, o->max, out);
		*why = "value must be a whole number in range";
		break;
	case OPT_SECONDS:
		err = parse_seconds(value, o->max, out);
		*why = "value must be a number of seconds (0 for none)";
		break;
	case OPT_LINGER_T:
		if (strcmp(value, "off") == 0) {
			*out = -1;
			err = 0;
		} else
			err = parse_uint(value, o->max, out);
		*why = "value must be off or a whole number of seconds";
		break;
	case OPT_FLAGS_T:
		err = parse_flags(value, send_flag_names, out);
		*why = "value must be none, or some of more,dontroute,confirm,oob,eor joined by commas";
		break;
	case OPT_IFACE_T:
		err = parse_iface(value, out);
		*why = "no such network interface";
		break;
	case OPT_PROTO_T:
		err = parse_proto(value, out);
		*why = "value must be icmp, icmpv6, udp, tcp or a protocol number";
		break;
	}
	return err;
}

int opt_apply(enum opt_id id, int fd, int family, long long value)
{
	const struct opt_info *o = &opts[id];
	int level = family == AF_INET6 ? o->level6 : o->level4;
	int name = family == AF_INET6 ? o->name6 : o->name4;
	int iv = (int)value;
	struct linger lg = { .l_onoff = value >= 0, .l_linger = value >= 0 ? (int)value : 0 };
	const void *p = &iv;
	socklen_t len = sizeof(iv);

	struct ip_mreqn mr = { .imr_ifindex = iv };

	if (level < 0 || o->daemon)
		return -ENOPROTOOPT;
	if (o->type == OPT_LINGER_T) {
		p = &lg;
		len = sizeof(lg);
	} else if (o->type == OPT_IFACE_T && family != AF_INET6) {
		p = &mr;	/* IPv4 takes the index in an ip_mreqn */
		len = sizeof(mr);
	}
	if (setsockopt(fd, level, name, p, len) < 0)
		return -errno;
	return 0;
}

static void format_flags(long long value, char *buf, unsigned size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; send_flag_names[i].name; i++)
		if (value & send_flag_names[i].flag)
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
						 used ? "," : "", send_flag_names[i].name);
	if (used == 0)
		snprintf(buf, size, "none");
}

void opt_format(enum opt_id id, long long value, char *buf, unsigned size)
{
	const struct opt_info *o = &opts[id];

	if (o->type == OPT_SECONDS)
		snprintf(buf, size, "%lld.%03lld", value / 1000, value % 1000);
	else if (o->type == OPT_FLAGS_T)
		format_flags(value, buf, size);
	else if (o->type == OPT_IFACE_T) {
		char name[IF_NAMESIZE];
		snprintf(buf, size, "%s", if_indextoname((unsigned)value, name) ? name : "?");
	}
	else if (o->type == OPT_LINGER_T && value < 0)
		snprintf(buf, size, "off");
	else
		snprintf(buf, size, "%lld", value);
}
