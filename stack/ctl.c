#include "config.h"

#include "ctl.h"

#include "kind.h"
#include "tlsconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_WORDS 4
#define LINE_MAX_LEN 1024

struct words {
	int n;
	char *w[MAX_WORDS + 1];
};

/* Splits LINE in place; extra words beyond MAX_WORDS make n too large. */
static void tokenize(char *line, struct words *ws)
{
	char *save = NULL;

	ws->n = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (ws->n <= MAX_WORDS)
			ws->w[ws->n] = t;
		ws->n++;
	}
}

static int addr_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	int r;

	if (ws->n != 2) {
		*why = "usage: connect|bind|to ADDR";
		return -EINVAL;
	}
	r = addr_parse(k, ws->w[1], &c->addr, &c->name, why);
	if (r < 0)
		return r;
	c->addr_type = r;
	return 1;
}

static int connect_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	c->op = CTL_CONNECT;
	return addr_cmd(k, ws, c, why);
}

static int bind_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	c->op = CTL_BIND;
	return addr_cmd(k, ws, c, why);
}

static int to_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	c->op = CTL_TO;
	if (kind_info(k)->stream) {
		*why = "to is for message sockets; use connect";
		return -EINVAL;
	}
	return addr_cmd(k, ws, c, why);
}

static int noarg_cmd(struct words *ws, struct ctl_cmd *c, enum ctl_op op, const char **why)
{
	c->op = op;
	if (ws->n != 1) {
		*why = "this command takes no arguments";
		return -EINVAL;
	}
	return 1;
}

static int disconnect_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	return noarg_cmd(ws, c, CTL_DISCONNECT, why);
}

static int close_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	return noarg_cmd(ws, c, CTL_CLOSE, why);
}

static int listen_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	char *end;
	long v = 128;

	c->op = CTL_LISTEN;
	if (!kind_info(k)->listens) {
		*why = "listen is for stream kinds (tcp, unix, unixpacket)";
		return -EOPNOTSUPP;
	}
	if (ws->n > 2) {
		*why = "usage: listen [BACKLOG]";
		return -EINVAL;
	}
	if (ws->n == 2) {
		v = strtol(ws->w[1], &end, 10);
		if (*end || end == ws->w[1] || v < 0 || v > 65535) {
			*why = "backlog must be a number from 0 to 65535";
			return -EINVAL;
		}
	}
	c->backlog = (int)v;
	return 1;
}

static int shutdown_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	c->op = CTL_SHUTDOWN;
	if (ws->n != 2)
		goto usage;
	if (strcmp(ws->w[1], "rd") == 0)
		c->how = SHUT_RD;
	else if (strcmp(ws->w[1], "wr") == 0)
		c->how = SHUT_WR;
	else if (strcmp(ws->w[1], "rdwr") == 0)
		c->how = SHUT_RDWR;
	else
		goto usage;
	return 1;
usage:
	*why = "usage: shutdown rd|wr|rdwr";
	return -EINVAL;
}

/* set join|leave GROUP [IFACE]: an IPv4 or IPv6 multicast address. */
static int group_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&c->addr.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->addr.ss;

	c->op = strcmp(ws->w[1], "join") == 0 ? CTL_JOIN : CTL_LEAVE;
	if (!kind_info(k)->inet || kind_info(k)->stream) {
		*why = "multicast is for udp, icmp and raw sockets";
		return -ENOPROTOOPT;
	}
	if (ws->n != 3 && ws->n != 4) {
		*why = "usage: set join|leave GROUP [INTERFACE]";
		return -EINVAL;
	}
	if (inet_pton(AF_INET, ws->w[2], &in->sin_addr) == 1 && IN_MULTICAST(ntohl(in->sin_addr.s_addr))) {
		in->sin_family = AF_INET;
		c->addr.len = sizeof(*in);
	} else if (inet_pton(AF_INET6, ws->w[2], &in6->sin6_addr) == 1 &&
		   IN6_IS_ADDR_MULTICAST(&in6->sin6_addr)) {
		in6->sin6_family = AF_INET6;
		c->addr.len = sizeof(*in6);
	} else {
		*why = "not a multicast group address (224.0.0.0/4 or ff00::/8)";
		return -EINVAL;
	}
	c->addr_type = ADDR_NUMERIC;
	if (ws->n == 4 && (c->ifindex = if_nametoindex(ws->w[3])) == 0) {
		*why = "no such network interface";
		return -ENODEV;
	}
	return 1;
}

/* TLS is for inet stream sockets: the tls kind, and starttls on the others. */
static bool takes_tls(enum kind k, const char **why)
{
	const struct kind_info *ki = kind_info(k);

	if (!kind_available(KIND_TLS)) {
		*why = "sockfs was built without TLS";
		return false;
	}
	*why = "TLS is for tls, tcp and mptcp sockets";
	return ki->inet && ki->socktype == SOCK_STREAM;
}

/* set NAME VALUE, for the TLS options (tlsconf.h). */
static int tls_set_cmd(enum kind k, int id, struct words *ws, struct ctl_cmd *c, const char **why)
{
	int err;

	c->op = CTL_TLSSET;
	c->tlsopt = (enum tls_opt)id;
	if (!takes_tls(k, why))
		return -ENOPROTOOPT;
	if ((err = tls_opt_check(c->tlsopt, ws->w[2], why)) != 0)
		return err;
	snprintf(c->name.host, sizeof(c->name.host), "%s", ws->w[2]);
	return 1;
}

static int starttls_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	c->op = CTL_STARTTLS;
	if (ws->n > 2 || (ws->n == 2 && strcmp(ws->w[1], "client") && strcmp(ws->w[1], "server"))) {
		*why = "usage: starttls [client|server]";
		return -EINVAL;
	}
	if (!takes_tls(k, why))
		return -ENOPROTOOPT;
	if (k == KIND_TLS) {
		*why = "a tls socket speaks TLS from its connect or listen on";
		return -EINVAL;
	}
	c->how = ws->n == 2 && strcmp(ws->w[1], "server") == 0;
	return 1;
}

static int set_cmd(enum kind k, struct words *ws, struct ctl_cmd *c, const char **why)
{
	int id, err;

	c->op = CTL_SET;
	if (ws->n >= 2 && (strcmp(ws->w[1], "join") == 0 || strcmp(ws->w[1], "leave") == 0))
		return group_cmd(k, ws, c, why);
	if (ws->n != 3) {
		*why = "usage: set OPTION VALUE";
		return -EINVAL;
	}
	if ((id = tls_opt_by_name(ws->w[1])) >= 0)
		return tls_set_cmd(k, id, ws, c, why);
	id = opt_by_name(ws->w[1]);
	if (id < 0) {
		*why = "unknown option";
		return -EINVAL;
	}
	c->opt = (enum opt_id)id;
	err = opt_parse(c->opt, k, ws->w[2], &c->value, why);
	return err < 0 ? err : 1;
}

static const struct {
	const char *name;
	int (*parse)(enum kind, struct words *, struct ctl_cmd *, const char **);
} commands[] = {
	{ "connect", connect_cmd },
	{ "disconnect", disconnect_cmd },
	{ "bind", bind_cmd },
	{ "listen", listen_cmd },
	{ "to", to_cmd },
	{ "shutdown", shutdown_cmd },
	{ "set", set_cmd },
	{ "close", close_cmd },
	{ "starttls", starttls_cmd },
};

int ctl_parse_line(enum kind k, const char *line, struct ctl_cmd *cmd,
		   const char **why)
{
	char buf[LINE_MAX_LEN];
	struct words ws;
	size_t n = strlen(line);

	if (n >= sizeof(buf)) {
		*why = "line too long";
		return -EINVAL;
	}
	memcpy(buf, line, n + 1);
	memset(cmd, 0, sizeof(*cmd));
	snprintf(cmd->text, sizeof(cmd->text), "%s", line);
	tokenize(buf, &ws);
	if (ws.n == 0 || ws.w[0][0] == '#')
		return 0;
	if (ws.n > MAX_WORDS) {
		*why = "too many words";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(ws.w[0], commands[i].name) == 0)
			return commands[i].parse(k, &ws, cmd, why);
	*why = "unknown control request";
	return -EINVAL;
}

/* Copies the next line of TEXT into LINE; returns bytes consumed or -1. */
static long next_line(const char *text, size_t len, char *line, size_t size)
{
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len;

	if (n >= size || memchr(text, '\0', n) != NULL)
		return -1;
	memcpy(line, text, n);
	line[n] = '\0';
	return (long)(nl ? n + 1 : n);
}

int ctl_parse(enum kind k, const char *text, size_t len,
	      struct ctl_cmd **cmds, char *why, size_t whysize)
{
	struct ctl_cmd *out = calloc(CTL_MAX_LINES, sizeof(*out));
	char line[LINE_MAX_LEN];
	int n = 0, lineno = 0;

	if (out == NULL)
		return -ENOMEM;
	while (len > 0) {
		const char *reason = NULL;
		long used = next_line(text, len, line, sizeof(line));
		int r;

		lineno++;
		if (used < 0) {
			snprintf(why, whysize, "line %d: line too long or holds a NUL byte", lineno);
			free(out);
			return -EINVAL;
		}
		text += used;
		len -= (size_t)used;
		if (n == CTL_MAX_LINES) {
			snprintf(why, whysize, "more than %d commands in one write", CTL_MAX_LINES);
			free(out);
			return -EINVAL;
		}
		r = ctl_parse_line(k, line, &out[n], &reason);
		if (r < 0) {
			snprintf(why, whysize, "%.60s: %s", line, reason);
			free(out);
			return r;
		}
		n += r;
	}
	*cmds = out;
	return n;
}
