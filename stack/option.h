/* Socket options by name, as `set OPTION VALUE` takes them. */
#ifndef SOCKFS_OPTION_H
#define SOCKFS_OPTION_H

#include <stdbool.h>

#include "kind.h"

enum opt_id {
	OPT_REUSEADDR,
	OPT_REUSEPORT,
	OPT_BROADCAST,
	OPT_KEEPALIVE,
	OPT_NODELAY,
	OPT_RCVBUF,
	OPT_SNDBUF,
	OPT_TTL,
	OPT_TOS,
	OPT_V6ONLY,
	OPT_PASSCRED,
	OPT_LINGER,
	OPT_MCAST_TTL,
	OPT_MCAST_LOOP,
	OPT_MCAST_IF,
	OPT_RECVERR,
	OPT_TIMEOUT,		/* sockfs's own: how long a blocking read/write waits */
	OPT_FLAGS,		/* sockfs's own: MSG_* flags for every data write */
	OPT_PROTO,		/* sockfs's own: raw sockets' protocol, fixed at creation */
	OPT_HEADERS,		/* sockfs's own: a JSON line before each message */
	OPT_COUNT
};

enum opt_type {
	OPT_BOOL,		/* 0|1|on|off */
	OPT_INT,		/* a non-negative integer */
	OPT_SECONDS,		/* seconds, fraction allowed; kept in milliseconds */
	OPT_LINGER_T,		/* off, or whole seconds */
	OPT_FLAGS_T,		/* none, or names joined by commas: more,oob,... */
	OPT_IFACE_T,		/* an interface name, kept as its index */
	OPT_PROTO_T,		/* icmp, icmpv6, udp, tcp or a number */
};

struct opt_info {
	const char *name;
	enum opt_type type;
	/* setsockopt level/name for IPv4-or-unix and IPv6 sockets; level -1
	 * where the option does not exist for that family. */
	int level4, name4, level6, name6;
	bool tcp_only, unix_only, inet_only, raw_only;
	bool msg_only;		/* message kinds: one write, one message */
	bool daemon;		/* kept by sockfs, never given to setsockopt */
	long long max;
};

const struct opt_info *opt_info(enum opt_id id);
/* Returns the option called NAME, or -1. */
int opt_by_name(const char *name);

/*
 * Checks VALUE for option ID on sockets of kind K and stores the value in
 * *out.  Returns 0, -EINVAL (bad value) or -ENOPROTOOPT (not for this kind),
 * with a reason in *why.
 */
int opt_parse(enum opt_id id, enum kind k, const char *value, long long *out,
	      const char **why);

/* Applies a parsed value to socket FD of FAMILY.  Returns 0 or -errno;
 * -ENOPROTOOPT when the option does not exist for that family. */
int opt_apply(enum opt_id id, int fd, int family, long long value);

/* The MSG_* flags `set flags` takes, by name. */
struct flag_name {
	const char *name;
	int flag;
};
extern const struct flag_name send_flag_names[];

/* Formats a value as `set` would take it back. */
void opt_format(enum opt_id id, long long value, char *buf, unsigned size);

#endif
