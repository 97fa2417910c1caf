#include "config.h"

#include "rights.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "rfile.h"

/* The kind a received socket is, or -1 when sockfs has none for it. */
static int kind_of_socket(int fd)
{
	int dom = 0, type = 0, proto = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
		return -1;
	if (dom == AF_UNIX)
		return type == SOCK_STREAM ? KIND_UNIX : type == SOCK_DGRAM ? KIND_UNIXGRAM
			: type == SOCK_SEQPACKET ? KIND_UNIXPACKET : -1;
	if (dom != AF_INET && dom != AF_INET6)
		return -1;
	if (type == SOCK_STREAM && proto == IPPROTO_TCP)
		return KIND_TCP;
	if (type == SOCK_STREAM && proto == IPPROTO_MPTCP)
		return KIND_MPTCP;
	if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
		return KIND_UDP;
	if (type == SOCK_DGRAM && (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6))
		return KIND_ICMP;
	return type == SOCK_RAW ? KIND_RAW : -1;
}

/* The state a received socket is in, as far as the kernel says. */
static enum sock_state state_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int listening = 0;
	socklen_t ilen = sizeof(listening);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) == 0 && listening)
		return SS_LISTENING;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		return SS_CONNECTED;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && len > sizeof(sa_family_t)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		if (ss.ss_family != AF_INET || in->sin_port || in->sin_addr.s_addr)
			return SS_BOUND;
	}
	return SS_OPEN;
}

/* A received socket: a new folder, owned as the receiving socket is.  The
 * loop never blocks, so its open file becomes non-blocking (the sender's
 * copy, if it kept one, shares that). */
static int home_socket(struct sock *s, int fd, int kind, char *name)
{
	struct caller owner = { s->uid, s->gid, 0 };
	struct sock *n;
	int err;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((err = sock_adopt(s->st, (enum kind)kind, fd, &owner, &n)) != 0)
		return err;
	n->state = state_of(fd);
	n->bound = n->state == SS_BOUND;
	snprintf(name, META_RIGHT_NAME, "%s/%s", kind_info(n->kind)->name, n->name);
	return 0;
}

void rights_home(struct sock *s, struct meta_fds *fds, struct msg_meta *m)
{
	for (int i = 0; i < fds->n; i++) {
		int fd = fds->fd[i];
		int kind = m->nrights < META_RIGHTS_MAX ? kind_of_socket(fd) : -1;
		char *name = m->rights[m->nrights < META_RIGHTS_MAX ? m->nrights : 0];
		int err = m->nrights >= META_RIGHTS_MAX ? -EMFILE
			  : kind >= 0 ? home_socket(s, fd, kind, name) : rfile_add(s, fd, name);

		if (err) {
			/* Whatever it is (a file on FUSE: its close waits for
			 * a FLUSH), it is closed off the loop. */
			workers_close(&s->st->workers, s->uid, fd);
			m->rights_dropped++;
		} else
			m->nrights++;
	}
	fds->n = 0;
}
