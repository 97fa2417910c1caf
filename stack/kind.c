#include "config.h"

#include "kind.h"

#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

static const struct kind_info kinds[KIND_COUNT] = {
	[KIND_TCP]        = { "tcp",        SOCK_STREAM,    true,  true,  true,  false, true  },
	[KIND_UDP]        = { "udp",        SOCK_DGRAM,     true,  false, false, false, true  },
	[KIND_UNIX]       = { "unix",       SOCK_STREAM,    false, true,  true,  true,  false },
	[KIND_UNIXGRAM]   = { "unixgram",   SOCK_DGRAM,     false, false, false, true,  false },
	[KIND_UNIXPACKET] = { "unixpacket", SOCK_SEQPACKET, false, false, true,  true,  false },
	[KIND_ICMP]       = { "icmp",       SOCK_DGRAM,     true,  false, false, false, false },
	[KIND_RAW]        = { "raw",        SOCK_RAW,       true,  false, false, false, false },
	[KIND_MPTCP]      = { "mptcp",      SOCK_STREAM,    true,  true,  true,  false, true,
			      IPPROTO_MPTCP },
	[KIND_TLS]        = { "tls",        SOCK_STREAM,    true,  true,  true,  false, true  },
};

const struct kind_info *kind_info(enum kind k)
{
	return &kinds[k];
}

/* A fact of the build, not of OpenSSL: the kind table stays on the base. */
bool kind_available(enum kind k)
{
#ifdef HAVE_TLS
	return true;
#else
	return k != KIND_TLS;
#endif
}

int kind_by_name(const char *name)
{
	for (int k = 0; k < KIND_COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return kind_available((enum kind)k) ? k : -1;
	return -1;
}
