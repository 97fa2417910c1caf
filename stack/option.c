#include "option.h"

#include <errno.h>
#include <math.h>
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
	[OPT_TIMEOUT]   = { "timeout", OPT_SECONDS, -1, 0, -1, 0, .max = 86400LL * 1000 },
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

static int check_kind(const struct opt_info *o, enum kind k, const char **why)
{
	const struct kind_info *ki = kind_info(k);

	if ((o->tcp_only && k != KIND_TCP) || (o->unix_only && ki->inet) ||
	    (o->inet_only && !ki->inet)) {
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

	if (level < 0)
		return -ENOPROTOOPT;
	if (o->type == OPT_LINGER_T) {
		p = &lg;
		len = sizeof(lg);
	}
	if (setsockopt(fd, level, name, p, len) < 0)
		return -errno;
	return 0;
}

void opt_format(enum opt_id id, long long value, char *buf, unsigned size)
{
	const struct opt_info *o = &opts[id];

	if (o->type == OPT_SECONDS)
		snprintf(buf, size, "%lld.%03lld", value / 1000, value % 1000);
	else if (o->type == OPT_LINGER_T && value < 0)
		snprintf(buf, size, "off");
	else
		snprintf(buf, size, "%lld", value);
}
