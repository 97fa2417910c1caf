#include "config.h"

#include "sockname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void sock_addr_text(const struct sock *s, const struct saddr *a, char *buf, size_t size)
{
	if (kind_info(s->kind)->has_port || !kind_info(s->kind)->inet)
		addr_format((const struct sockaddr *)&a->ss, a->len, buf, size);
	else
		addr_format_host((const struct sockaddr *)&a->ss, a->len, buf, size);
}

int sock_local_text(struct sock *s, char *buf, size_t size)
{
	struct saddr a = { .len = sizeof(a.ss) };

	buf[0] = '\0';
	if (s->fd < 0)
		return 0;
	if (getsockname(s->fd, (struct sockaddr *)&a.ss, &a.len) < 0)
		return -errno;
	sock_addr_text(s, &a, buf, size);
	return 0;
}

int sock_peer_text(struct sock *s, char *buf, size_t size)
{
	struct saddr a = { .len = sizeof(a.ss) };

	buf[0] = '\0';
	if (s->fd < 0)
		return -ENOTCONN;
	if (getpeername(s->fd, (struct sockaddr *)&a.ss, &a.len) < 0) {
		if (errno != ENOTCONN || s->state != SS_CONNECTED || kind_info(s->kind)->has_port ||
		    s->connected_to.len == 0)
			return -errno;
		a = s->connected_to;
	}
	sock_addr_text(s, &a, buf, size);
	return 0;
}

const char *sock_state_name(enum sock_state st)
{
	static const char *names[] = { "new", "open", "bound", "connecting",
				       "connected", "listening" };
	return names[st];
}

size_t sock_summary(struct sock *s, char *buf, size_t size)
{
	char local[ADDR_TEXT_MAX], peer[ADDR_TEXT_MAX];

	if (sock_local_text(s, local, sizeof(local)) < 0 || !local[0])
		strcpy(local, "-");
	if (sock_peer_text(s, peer, sizeof(peer)) < 0 || !peer[0])
		strcpy(peer, "-");
	return (size_t)snprintf(buf, size, "%s %s %s %s %s\n", kind_info(s->kind)->name,
				s->name, sock_state_name(s->state), local, peer);
}
