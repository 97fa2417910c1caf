/* Socket addresses as users write them: 127.0.0.1:80, [::1]:80,
 * localhost:80, /path/to/sock, @abstract. */
#ifndef SOCKFS_ADDR_H
#define SOCKFS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "kind.h"

struct saddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A host name that needs a resolver, and the port that goes with it. */
struct hostport {
	char host[256];
	unsigned port;
};

/* Longest address text addr_format() writes, with its NUL: a unix path
 * of 107 bytes, each escaped as \xNN at worst (text.h). */
#define ADDR_TEXT_MAX 448

enum addr_result {
	ADDR_NUMERIC = 0,	/* *out holds the address */
	ADDR_NAME = 1,		/* *name holds a host name to resolve */
};

/*
 * Parses TEXT as an address for sockets of kind K.  Returns ADDR_NUMERIC or
 * ADDR_NAME, or -EINVAL with a reason in *why.  Never blocks: host names are
 * only checked here and resolved elsewhere.
 */
int addr_parse(enum kind k, const char *text, struct saddr *out,
	       struct hostport *name, const char **why);

/* Whether A names a unix socket by a path in the file system (not an
 * abstract name, not unnamed): the kernel looks such a path up with the
 * caller's rights, so a worker reaches it as the caller. */
bool addr_is_unix_path(const struct saddr *a);

/* Sets the port of an inet address (a resolved one, say). */
void addr_set_port(struct saddr *a, unsigned port);

/* Writes SA as text ("" for an unnamed unix socket).  Returns the length. */
size_t addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
		   size_t size);
/* The same without the port (127.0.0.1, ::1), for kinds that have none. */
size_t addr_format_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

#endif
