/* The kinds of socket sockfs offers, one folder each. */
#ifndef SOCKFS_KIND_H
#define SOCKFS_KIND_H

#include <stdbool.h>

enum kind {
	KIND_TCP,
	KIND_UDP,
	KIND_UNIX,
	KIND_UNIXGRAM,
	KIND_UNIXPACKET,
	KIND_ICMP,
	KIND_RAW,
	KIND_MPTCP,		/* multipath TCP (IPPROTO_MPTCP); the kernel falls back to TCP */
	KIND_TLS,		/* TCP with TLS on it, made by the daemon */
	KIND_COUNT
};

struct kind_info {
	const char *name;
	int socktype;		/* SOCK_STREAM, SOCK_DGRAM, ... */
	bool inet;		/* AF_INET/AF_INET6, chosen by the first address */
	bool stream;		/* byte stream; otherwise one write is one message */
	bool listens;		/* listen(2) and accept(2) make sense */
	bool pairs;		/* socketpair(2) makes sense */
	bool has_port;		/* addresses carry a port */
	int proto;		/* socket(2)'s protocol when it is not the default */
};

const struct kind_info *kind_info(enum kind k);
/* Whether this build has kind K (tls needs a build with TLS). */
bool kind_available(enum kind k);
/* Returns the kind called NAME, or -1 (also for one this build lacks). */
int kind_by_name(const char *name);

#endif
