#include "config.h"

#include "io.h"
#include "io_internal.h"

#include "cmsgout.h"
#include "ident.h"
#include "rights.h"
#include "status.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The largest datagram an inet socket can deliver, IP header included. */
#define INET_MSG_MAX 65536

/* --- waiters and their queues --- */

void waiter_queue(struct waiter *w, struct wqueue *q)
{
	w->q = q;
	w->next = NULL;
	w->prev = q->tail;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

void waiter_unqueue(struct waiter *w)
{
	struct wqueue *q = w->q;

	if (q == NULL)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->tail = w->prev;
	w->q = NULL;
	w->next = w->prev = NULL;
}

static void on_timeout(struct timer *t);

struct waiter *waiter_new(enum wtype type, waiter_done_fn done, void *cookie)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->type = type;
	w->done = done;
	w->cookie = cookie;
	timer_init(&w->timer, on_timeout);
	timer_init(&w->retry, NULL);	/* its user sets the callback */
	return w;
}

static struct loop *waiter_loop(struct waiter *w)
{
	return w->h->sock ? &w->h->sock->st->loop : NULL;
}

/* Runs the callback and frees W: the one way every waiter ends. */
void waiter_finish(struct waiter *w, ssize_t res)
{
	struct loop *l = waiter_loop(w);

	waiter_unqueue(w);
	if (l) {
		timer_cancel(l, &w->timer);
		timer_cancel(l, &w->retry);
	}
	if (w->job) {
		w->job->cancelled = true;	/* the resolver frees it */
		w->job = NULL;
	}
	w->done(w, res);
	if (w->undelivered)
		accept_undelivered(w);
	cmsg_out_free(w->cmsg);
	free(w->buf);
	free(w->cmds);
	free(w);
}

/* Parks W on Q, with the socket's timeout if one is set. */
void waiter_park(struct waiter *w, struct wqueue *q)
{
	struct sock *s = w->h->sock;

	waiter_queue(w, q);
	if (sock_opt(s, OPT_TIMEOUT) > 0 && !timer_armed(&w->timer))
		timer_arm(&s->st->loop, &w->timer, (uint64_t)sock_opt(s, OPT_TIMEOUT));
	sock_update_interest(s);
}

static void on_timeout(struct timer *t)
{
	struct waiter *w = container_of(t, struct waiter, timer);
	struct sock *s = w->h->sock;

	if (s)
		sock_set_err(s, w->type == W_READ ? "read" : w->type == W_WRITE ? "write" : "ctl",
			     "timed out");
	waiter_cancel(w, -ETIMEDOUT);
}

void waiter_cancel(struct waiter *w, int res)
{
	struct sock *s = w->h->sock;

	/* A write that sent part of its data reports that part. */
	if (w->type == W_WRITE && w->off > 0)
		res = (int)w->off;
	waiter_finish(w, res);
	if (s)
		sock_update_interest(s);
}

static void fail_queue(struct wqueue *q, int res)
{
	while (q->head)
		waiter_finish(q->head, res);
}

void sock_fail_waiters(struct sock *s)
{
	/* Readers of a closed socket see its end; writers cannot go on. */
	fail_queue(&s->readers, 0);
	fail_queue(&s->accepts, 0);
	fail_queue(&s->writers, -EPIPE);
	fail_queue(&s->ctls, -ECONNABORTED);
	fail_queue(&s->held, -ECONNABORTED);
}

static void io_err(struct sock *s, const char *what, int err)
{
	if (err < 0 && err != -EAGAIN)
		sock_set_err(s, what, strerror(-err));
}

/* A read's error, with the reason the try function gave if it gave one. */
static void read_err(struct sock *s, struct waiter *w, ssize_t n)
{
	const char *what = w->type == W_ACCEPT ? "listen" : "read";

	if (n < 0 && w->why)
		sock_set_err(s, what, w->why);
	else
		io_err(s, what, (int)n);
}

/* --- reading --- */

ssize_t read_remainder(struct handle *h, struct waiter *w)
{
	size_t n = h->rem_len < w->len ? h->rem_len : w->len;

	memcpy(w->buf, h->rem + h->rem_off, n);
	h->rem_off += n;
	h->rem_len -= n;
	if (h->rem_len == 0) {
		free(h->rem);
		h->rem = NULL;
		h->rem_off = 0;
		h->eom = true;
	}
	return (ssize_t)n;
}

ssize_t deliver_message(struct handle *h, struct waiter *w, char *msg, size_t n)
{
	size_t take = n < w->len ? n : w->len;

	if (msg != w->buf)
		memcpy(w->buf, msg, take);
	if (n > take) {
		if (msg == w->buf)
			return -ENOMEM;	/* cannot happen: w->buf holds w->len */
		memmove(msg, msg + take, n - take);
		h->rem = msg;
		h->rem_off = 0;
		h->rem_len = n - take;
		return (ssize_t)take;
	}
	if (msg != w->buf)
		free(msg);
	/* An empty message is its own end; any other owes a 0 next. */
	h->eom = n > 0;
	return (ssize_t)n;
}

/* The size of the next message, for kinds whose messages may exceed 64K. */
static ssize_t next_message_size(struct sock *s)
{
	ssize_t n;

	if (kind_info(s->kind)->inet)
		return INET_MSG_MAX;
	n = recv(s->fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* Room for the control messages a message may bring: pktinfo, ttl, tos,
 * a timestamp, credentials and up to META_RIGHTS_MAX descriptors. */
#define CONTROL_ROOM 1024

union control {
	char buf[CONTROL_ROOM];
	struct cmsghdr align;
};

/* Metadata of a message received with MH: descriptors get their homes,
 * and the reader is logged for cmsg.  With HEADER, also the JSON that
 * cmsg would show, as one line (NULL when out of memory). */
static void record(struct sock *s, struct waiter *w, struct msghdr *mh, size_t n, char **header)
{
	struct msg_meta *meta = malloc(sizeof(*meta));
	struct meta_fds fds;

	if (header)
		*header = NULL;
	if (meta == NULL)
		return;
	meta_parse(mh, n, meta, &fds);
	rights_home(s, &fds, meta);
	reader_log_add(&s->log, w->who.pid, meta);
	if (header) {
		json_t *o = msg_meta_json(s, meta);
		*header = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
	free(meta);
}

/* `set headers 1`: the message MSG (N bytes) is delivered after its
 * header line, as one message.  Usually MSG sits in the reader's buffer
 * with room to spare, and slides along it to make room for the line. */
static ssize_t deliver_with_header(struct handle *h, struct waiter *w, char *header,
				   char *msg, size_t n)
{
	size_t hl = header ? strlen(header) : 0, total = hl + 1 + n;
	char *all = NULL;

	if (header)
		all = msg == w->buf && total <= w->len ? w->buf : malloc(total);
	if (all) {
		memmove(all + hl + 1, msg, n);
		memcpy(all, header, hl);
		all[hl] = '\n';
	}
	free(header);
	if (msg != w->buf)
		free(msg);
	return all ? deliver_message(h, w, all, total) : -ENOMEM;
}

/* IP_RECVERR: after a read failed with an error the network reported, the
 * error queue says who reported it; cmsg shows that. */
static void read_errqueue(struct sock *s, struct waiter *w)
{
	union control control;
	char buf[64];
	struct saddr to;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &to.ss, .msg_namelen = sizeof(to.ss),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);

	if (n >= 0)
		record(s, w, &mh, 0, NULL);
}

/* Receives one whole message; what does not fit the read waits in H.  Its
 * source and metadata are logged under the reader's pid for cmsg. */
static ssize_t read_message(struct sock *s, struct handle *h, struct waiter *w)
{
	ssize_t size = next_message_size(s);
	struct saddr from;
	union control control;
	struct iovec iov;
	struct msghdr mh = { .msg_name = &from.ss, .msg_namelen = sizeof(from.ss),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	char *dst;
	ssize_t n;

	if (size < 0)
		return size;
	dst = w->len >= (size_t)size ? w->buf : malloc(size ? (size_t)size : 1);
	if (dst == NULL)
		return -ENOMEM;
	iov = (struct iovec){ dst, (size_t)size };
	n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		n = -errno;
		if (dst != w->buf)
			free(dst);
		if (n != -EAGAIN && sock_opt(s, OPT_RECVERR))
			read_errqueue(s, w);
		return n;
	}
	s->ctr.rx_bytes += (uint64_t)n;
	s->ctr.rx_msgs++;
	if (sock_opt(s, OPT_HEADERS)) {
		char *header;
		record(s, w, &mh, (size_t)n, &header);
		return deliver_with_header(h, w, header, dst, (size_t)n);
	}
	record(s, w, &mh, (size_t)n, NULL);
	return deliver_message(h, w, dst, (size_t)n);
}

/* A unix stream read: credentials and descriptors ride on the bytes, so
 * it is a recvmsg, logged for cmsg when anything came with it. */
static ssize_t read_unix_stream(struct sock *s, struct waiter *w)
{
	union control control;
	struct iovec iov = { w->buf, w->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	if (mh.msg_controllen > 0)
		record(s, w, &mh, (size_t)n, NULL);
	return n;
}

static ssize_t try_read(struct waiter *w)
{
	struct handle *h = w->h;
	struct sock *s = h->sock;
	ssize_t n;

	if (s == NULL)
		return 0;
	if (!kind_info(s->kind)->stream) {
		if (h->rem_len)
			return read_remainder(h, w);
		if (h->eom) {
			h->eom = false;
			return 0;
		}
	}
	if (s->fd < 0)
		return -ENOTCONN;
	if (!kind_info(s->kind)->stream)
		return read_message(s, h, w);
	if (!kind_info(s->kind)->inet)
		n = read_unix_stream(s, w);
	else if ((n = recv(s->fd, w->buf, w->len, MSG_DONTWAIT)) < 0)
		n = -errno;
	if (n < 0)
		return n;
	s->ctr.rx_bytes += (uint64_t)n;
	return n;
}

static struct wqueue *read_queue(struct sock *s, struct waiter *w)
{
	return w->type == W_ACCEPT ? &s->accepts : &s->readers;
}

bool sock_read(struct handle *h, struct waiter *w)
{
	struct sock *s = h->sock;
	ssize_t (*try)(struct waiter *) = w->type == W_ACCEPT ? try_accept : try_read;
	ssize_t n;

	w->h = h;
	if (w->buf == NULL && (w->buf = malloc(w->len ? w->len : 1)) == NULL) {
		waiter_finish(w, -ENOMEM);
		return false;
	}
	/* Someone already waits: keep arrival order, unless we may not wait
	 * or this file still holds the rest (or the end) of its own message,
	 * which nobody else can take. */
	if (s && read_queue(s, w)->head && !w->nonblock &&
	    !(w->type == W_READ && (h->rem_len || h->eom))) {
		waiter_park(w, read_queue(s, w));
		return true;
	}
	n = try(w);
	if (n == -EAGAIN && !w->nonblock) {
		waiter_park(w, read_queue(s, w));
		return true;
	}
	if (s)
		read_err(s, w, n);
	waiter_finish(w, n);
	return false;
}

void service_queue(struct sock *s, struct wqueue *q, ssize_t (*try)(struct waiter *))
{
	while (q->head) {
		struct waiter *w = q->head;
		ssize_t n = try(w);
		if (n == -EAGAIN)
			return;
		read_err(s, w, n);
		waiter_finish(w, n);
	}
}

/* --- writing --- */

/* Sends what W still holds; returns bytes sent now or a negative errno. */
/* One send of MH (sendto when it has no control data, as strace shows
 * plainly); a datagram to a unix path goes with the writer's rights. */
static ssize_t send_as(struct sock *s, struct waiter *w, struct msghdr *mh, int flags)
{
	const struct sockaddr_un *un = mh->msg_name;
	struct as_caller saved = { .switched = false };
	ssize_t n;
	int err;

	if (un && un->sun_family == AF_UNIX && mh->msg_namelen > sizeof(sa_family_t) &&
	    un->sun_path[0] != '\0' && (err = as_caller_enter(&w->who, &saved)) != 0)
		return err;
	if (mh->msg_controllen == 0)
		n = sendto(s->fd, mh->msg_iov->iov_base, mh->msg_iov->iov_len, flags, mh->msg_name,
			   mh->msg_namelen);
	else
		n = sendmsg(s->fd, mh, flags);
	err = errno;
	as_caller_leave(&saved);
	return n < 0 ? -err : n;
}

static ssize_t send_some(struct sock *s, struct waiter *w, const char *data, size_t len)
{
	union { char buf[CMSG_OUT_ROOM]; struct cmsghdr align; } control;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf };
	ssize_t n;
	int flags;

	if (s->fd < 0)
		return kind_info(s->kind)->stream ? -ENOTCONN : -EDESTADDRREQ;
	if (w->cmsg && w->cmsg->has_to) {
		mh.msg_name = &w->cmsg->to.ss;
		mh.msg_namelen = w->cmsg->to.len;
	} else if (s->has_dest && s->state != SS_CONNECTED) {
		mh.msg_name = &s->dest.ss;
		mh.msg_namelen = s->dest.len;
	}
	/* MSG_NOSIGNAL always: a reset peer must not kill the daemon. */
	flags = MSG_DONTWAIT | MSG_NOSIGNAL | (int)sock_opt(s, OPT_FLAGS);
	if (w->cmsg)
		flags |= w->cmsg->flags;
	/* A writer whose pid this namespace cannot see (0), or that is gone
	 * (ESRCH), sends with the daemon's credentials instead. */
	mh.msg_controllen = cmsg_out_control(s, w->cmsg, &w->who, w->off == 0, w->who.pid > 0,
					     control.buf, sizeof(control.buf));
	n = send_as(s, w, &mh, flags);
	if (n == -ESRCH && !(w->cmsg && w->cmsg->has_creds)) {
		mh.msg_controllen = cmsg_out_control(s, w->cmsg, &w->who, w->off == 0, false,
						     control.buf, sizeof(control.buf));
		n = send_as(s, w, &mh, flags);
	}
	if (n < 0)
		return n;
	s->ctr.tx_bytes += (uint64_t)n;
	if (!kind_info(s->kind)->stream)
		s->ctr.tx_msgs++;
	return n;
}

/* Advances W; returns 1 when it is complete, <0 on error (-EAGAIN: wait). */
static int write_step(struct sock *s, struct waiter *w, const char *data)
{
	if (!kind_info(s->kind)->stream) {
		/* One write, one message: what follows any header line. */
		ssize_t n = send_some(s, w, data + w->skip, w->len - w->skip);
		return n < 0 ? (int)n : 1;
	}
	while (w->off < w->len) {
		ssize_t n = send_some(s, w, data + w->off, w->len - w->off);
		if (n < 0)
			return (int)n;
		w->off += (size_t)n;
	}
	return 1;
}

/* `set headers 1`: a message write may start with one line of JSON, with
 * the keys cmsg takes; it goes with this message alone. */
static int take_header(struct sock *s, struct waiter *w, const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	char why[SOCK_ERR_MAX - 16];
	int err;

	if (nl == NULL) {
		sock_set_err(s, "write", "a header line must end with a newline");
		return -EINVAL;
	}
	err = cmsg_out_parse(s, data, (size_t)(nl - data), &w->who, &w->cmsg, why, sizeof(why));
	if (err) {
		sock_set_err(s, "write header", why);
		return err;
	}
	w->skip = (size_t)(nl + 1 - data);
	return 0;
}

bool sock_write(struct handle *h, struct waiter *w, const char *data, size_t len)
{
	struct sock *s = h->sock;
	int r;

	w->h = h;
	w->len = len;
	if (s == NULL) {
		waiter_finish(w, -EPIPE);
		return false;
	}
	if (sock_opt(s, OPT_HEADERS) && len > 0 && data[0] == '{') {
		if ((r = take_header(s, w, data, len)) < 0) {
			waiter_finish(w, r);
			return false;
		}
	} else
		w->cmsg = cmsg_out_take(s, &w->who);
	r = s->writers.head ? -EAGAIN : write_step(s, w, data);
	if (r == -EAGAIN && !w->nonblock) {
		w->buf = malloc(len ? len : 1);
		if (w->buf == NULL) {
			waiter_finish(w, w->off ? (ssize_t)w->off : -ENOMEM);
			return false;
		}
		memcpy(w->buf, data, len);
		waiter_park(w, &s->writers);
		return true;
	}
	io_err(s, "write", r);
	if (r == 1)
		waiter_finish(w, (ssize_t)(kind_info(s->kind)->stream ? w->off : len));
	else
		waiter_finish(w, w->off ? (ssize_t)w->off : r);
	return false;
}

static void service_writers(struct sock *s)
{
	while (s->writers.head) {
		struct waiter *w = s->writers.head;
		int r = write_step(s, w, w->buf);
		if (r == -EAGAIN)
			return;
		io_err(s, "write", r);
		if (r == 1)
			waiter_finish(w, (ssize_t)(kind_info(s->kind)->stream ? w->off : w->len));
		else
			waiter_finish(w, w->off ? (ssize_t)w->off : r);
	}
}

/* --- poll --- */

uint32_t sock_poll(struct handle *h, uint32_t events)
{
	struct sock *s = h->sock;
	struct pollfd p;
	uint32_t ready = 0;

	if (s == NULL)
		return EPOLLIN | EPOLLOUT | EPOLLHUP;
	if (h->rem_len || h->eom)
		ready |= EPOLLIN;
	/* A name handed back by a reader that never got it. */
	for (struct sock *c = s->children; c; c = c->cnext)
		if (!c->delivered)
			ready |= EPOLLIN;
	if (s->fd < 0) {
		/* Nothing can arrive; a write fails at once, which counts. */
		ready |= EPOLLOUT;
	} else {
		p = (struct pollfd){ .fd = s->fd, .events = POLLIN | POLLOUT };
		if (poll(&p, 1, 0) == 1)
			ready |= (uint32_t)p.revents;
	}
	if ((ready & (events | EPOLLERR | EPOLLHUP)) == 0 && h->poll_handle) {
		h->poll_events = events;
		sock_update_interest(s);
	}
	return ready;
}

static void notify_pollers(struct sock *s, uint32_t events)
{
	for (struct handle *h = s->handles; h; h = h->next)
		if (h->poll_handle && (h->poll_events & events) && s->st->poll_notify)
			s->st->poll_notify(h);
}

/* --- the loop's entry point --- */

void sock_on_event(void *arg, uint32_t events)
{
	struct sock *s = arg;

	if ((events & EPOLLOUT) && s->state == SS_CONNECTING && ctl_service(s))
		return;		/* a ctl command closed the socket */
	if (events & EPOLLOUT)
		service_writers(s);
	if (events & EPOLLIN) {
		service_queue(s, &s->readers, try_read);
		service_queue(s, &s->accepts, try_accept);
	}
	notify_pollers(s, events);
	sock_update_interest(s);
}
