/*
 * The ctl command language: one command per line, words separated by blanks.
 * Parsing checks everything that can be checked without the kernel, so a bad
 * line is rejected (EINVAL) before any line of the same write runs.
 */
#ifndef SOCKFS_CTL_H
#define SOCKFS_CTL_H

#include <stddef.h>

#include "addr.h"
#include "kind.h"
#include "option.h"
#include "tlsconf.h"

enum ctl_op {
	CTL_CONNECT,
	CTL_DISCONNECT,
	CTL_BIND,
	CTL_LISTEN,
	CTL_TO,
	CTL_SHUTDOWN,
	CTL_SET,
	CTL_JOIN,		/* set join GROUP [IFACE]: a multicast group */
	CTL_LEAVE,
	CTL_CLOSE,
	CTL_TLSSET,		/* set NAME VALUE for a TLS option */
	CTL_STARTTLS,		/* starttls [client|server] */
};

struct ctl_cmd {
	enum ctl_op op;
	char text[160];		/* the line as written, for messages in err */
	/* connect, bind, to; a TLS option's value is kept in name.host */
	int addr_type;		/* ADDR_NUMERIC or ADDR_NAME */
	struct saddr addr;
	struct hostport name;
	/* listen: backlog; shutdown: SHUT_RD/WR/RDWR; set: option and value;
	 * starttls: how is 1 for the server's side */
	int backlog;
	int how;
	enum opt_id opt;
	enum tls_opt tlsopt;
	long long value;
	/* join, leave: the group is in addr; 0 lets the kernel choose */
	unsigned ifindex;
};

#define CTL_MAX_LINES 64

/*
 * Parses one line.  Returns 1 with *cmd filled, 0 for a blank or comment
 * line, or a negative errno with a reason in *why.
 */
int ctl_parse_line(enum kind k, const char *line, struct ctl_cmd *cmd,
		   const char **why);

/*
 * Parses a whole write of LEN bytes into *cmds (allocated, caller frees).
 * Returns the number of commands, or a negative errno with the reason
 * (naming the line) written to WHY.
 */
int ctl_parse(enum kind k, const char *text, size_t len,
	      struct ctl_cmd **cmds, char *why, size_t whysize);

#endif
