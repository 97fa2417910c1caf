#include "config.h"

#include "sendprep.h"

#include <errno.h>

void send_prepare(const struct sock *s, const struct cmsg_out *c, const struct caller *who,
		  bool first, struct send_prep *p)
{
	p->to.len = 0;
	if (c && c->has_to)
		p->to = c->to;
	else if (s->has_dest && s->state != SS_CONNECTED)
		p->to = s->dest;
	/* MSG_NOSIGNAL always: a reset peer must not kill the daemon. */
	p->flags = MSG_DONTWAIT | MSG_NOSIGNAL | (int)sock_opt(s, OPT_FLAGS) | (c ? c->flags : 0);
	p->controllen[0] = cmsg_out_control(s, c, who, first, who->pid > 0,
					    p->control[0].buf, sizeof(p->control[0].buf));
	p->retry = !(c && c->has_creds);
	if (p->retry)
		p->controllen[1] = cmsg_out_control(s, c, who, first, false,
						    p->control[1].buf, sizeof(p->control[1].buf));
}

/* sendto when there is no control data, as strace shows plainly. */
ssize_t send_prepped(int fd, const struct send_prep *p, const char *data, size_t len)
{
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_name = p->to.len ? (void *)&p->to.ss : NULL,
			     .msg_namelen = p->to.len, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = -1;

	for (int i = 0; i < (p->retry ? 2 : 1); i++) {
		mh.msg_control = (void *)p->control[i].buf;
		mh.msg_controllen = p->controllen[i];
		if (mh.msg_controllen == 0)
			n = sendto(fd, data, len, p->flags, mh.msg_name, mh.msg_namelen);
		else
			n = sendmsg(fd, &mh, p->flags);
		if (n >= 0 || errno != ESRCH)
			break;
	}
	return n < 0 ? -errno : n;
}
