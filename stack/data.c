#include "config.h"

#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "access.h"
#include "actor.h"
#include "callerfs.h"
#include "cmsgout.h"
#include "message.h"
#include "rights.h"
#include "sendprep.h"
#include "status.h"
#include "tlsup.h"

/* The largest datagram an inet socket can deliver, IP header included. */
#define INET_MSG_MAX 65536

/* A read of data. */
struct read_wait {
	struct waiter w;
	struct handle *h;
};

/* A write of data: how far it got, and what rides with it. */
struct write_wait {
	struct waiter w;
	struct handle *h;
	size_t off;			/* stream: bytes already sent */
	size_t skip;			/* message: its header line's length */
	struct cmsg_out *cmsg;		/* the cmsg it carries, or NULL */
	struct cmsg_open *open;		/* its header's paths, opening on a worker */
	struct path_send *send;		/* a message to a unix path, on a worker */
};

/* TLS's reason, when it has one, says more than strerror. */
static void io_err(struct sock *s, const char *what, ssize_t err)
{
	if (err < 0 && err != -EAGAIN)
		sock_set_err(s, what, tlsup_why(s)[0] ? tlsup_why(s) : strerror((int)-err));
}

/* A socket whose bytes go through TLS: a tls socket, or one after
 * starttls.  Until its handshake is done they wait; without one, a tls
 * socket is not connected. */
static bool through_tls(const struct sock *s)
{
	return tlsup_conn(s) || s->kind == KIND_TLS;
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
	struct msg_meta spare;	/* out of memory: the descriptors still need homes */
	struct msg_meta *meta = reader_log_next(&s->log, w->who.pid);
	struct meta_fds fds;

	if (meta == NULL)
		meta = &spare;
	meta_parse(mh, n, meta, &fds);
	rights_home(s, &fds, meta);
	if (header) {
		json_t *o = msg_meta_json(s, meta);
		*header = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
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
	return all ? message_deliver(h, w, all, total) : -ENOMEM;
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
	return message_deliver(h, w, dst, (size_t)n);
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
	struct handle *h = ((struct read_wait *)w)->h;
	struct sock *s = h->sock;
	ssize_t n;

	if (s == NULL)
		return 0;
	if (!kind_info(s->kind)->stream && (n = message_owed(h, w)) != -EAGAIN)
		return n;
	if (s->fd < 0)
		return -ENOTCONN;
	if (!kind_info(s->kind)->stream)
		return read_message(s, h, w);
	if (through_tls(s))
		n = tlsup_read(s, w->buf, w->len);
	else if (!kind_info(s->kind)->inet)
		n = read_unix_stream(s, w);
	else if ((n = recv(s->fd, w->buf, w->len, MSG_DONTWAIT)) < 0)
		n = -errno;
	if (n < 0)
		return n;
	s->ctr.rx_bytes += (uint64_t)n;
	return n;
}

static void read_end(struct waiter *w, ssize_t n)
{
	struct sock *s = ((struct read_wait *)w)->h->sock;

	if (s)
		io_err(s, "read", n);
}

static void read_cancel(struct waiter *w, int res)
{
	sock_cancel(((struct read_wait *)w)->h->sock, w, res, res, "read");
}

static const struct wait_ops read_ops = { .cancel = read_cancel };

struct waiter *data_read(struct handle *h, const struct wait_req *rq)
{
	struct read_wait *rw = sock_wait_new(h, sizeof(*rw), &read_ops, rq);
	struct sock *s = h->sock;
	struct waiter *w;

	if (rw == NULL)
		return NULL;
	rw->h = h;
	w = &rw->w;
	if (!waiter_buffer(w, NULL))
		return NULL;
	/* Wait behind earlier readers, unless this file still holds the rest
	 * (or the end) of its own message, which nobody else can take. */
	return sock_start(s, w, s ? &s->readers : NULL, !(h->rem_len || h->eom), try_read,
			  read_end);
}

void data_serve_readers(struct sock *s)
{
	wqueue_serve(&s->readers, try_read, read_end);
}

/* --- writing --- */

static void count_sent(struct sock *s, ssize_t n)
{
	s->ctr.tx_bytes += (uint64_t)n;
	if (!kind_info(s->kind)->stream)
		s->ctr.tx_msgs++;
}

static ssize_t send_some(struct sock *s, struct write_wait *ww, const char *data, size_t len)
{
	struct send_prep p;
	ssize_t n;

	if (s->fd < 0)
		return kind_info(s->kind)->stream ? -ENOTCONN : -EDESTADDRREQ;
	if (through_tls(s)) {
		n = tlsup_write(s, data, len);
		if (n >= 0)
			count_sent(s, n);
		return n;
	}
	send_prepare(s, ww->cmsg, &ww->w.who, ww->off == 0, &p);
	if ((n = send_prepped(s->fd, &p, data, len)) >= 0)
		count_sent(s, n);
	return n;
}

/* A message to a unix path: the kernel looks the path up with the
 * sender's rights, and the lookup may cross a file system that does not
 * answer, so a worker sends it, as the writer, on a duplicate of the
 * descriptor; the writes behind it wait their turn. */
struct path_send {
	struct job j;
	struct write_wait *ww;
	int fd;
	struct send_prep p;
	char *data;			/* the write's buffer: the message after SKIP */
	size_t skip, len;
	struct cmsg_out *cmsg;		/* its rights stay open while it sends */
	ssize_t res;
};

/* What the job borrowed goes back to its write. */
static void path_send_return(struct path_send *ps)
{
	ps->ww->w.buf = ps->data;
	ps->ww->cmsg = ps->cmsg;
	ps->data = NULL;
	ps->cmsg = NULL;
}

static bool to_path(struct sock *s, struct write_wait *ww)
{
	const struct saddr *a = ww->cmsg && ww->cmsg->has_to ? &ww->cmsg->to
			      : s->has_dest && s->state != SS_CONNECTED ? &s->dest : NULL;

	return s->fd >= 0 && !kind_info(s->kind)->stream && a && addr_is_unix_path(a);
}

/* The path is found in the writer's world and the writer must be allowed
 * to write to the socket file it names; the send itself is the daemon's,
 * so that SCM_CREDENTIALS may carry the writer's pid as on the loop. */
static void path_send_run(struct job *j)
{
	struct path_send *ps = (struct path_send *)j;
	struct send_prep p = ps->p;
	struct sockaddr_un via;
	socklen_t vialen;
	int pinned;

	pinned = j->as_err ? j->as_err
			   : callerfs_pin((const struct sockaddr_un *)&p.to.ss, p.to.len, &via, &vialen);
	if ((ps->res = pinned) < 0)
		return;
	if (faccessat(pinned, "", W_OK, AT_EACCESS | AT_EMPTY_PATH) < 0)
		ps->res = -errno;
	else {
		memcpy(&p.to.ss, &via, vialen);
		p.to.len = vialen;
		actor_raise();
		ps->res = send_prepped(ps->fd, &p, ps->data + ps->skip, ps->len);
		actor_lower();
	}
	callerfs_unpin(pinned);
}

static void path_send_free(struct job *j)
{
	struct path_send *ps = (struct path_send *)j;

	if (ps->fd >= 0)
		close(ps->fd);
	free(ps->data);
	cmsg_out_free(ps->cmsg);
	free(ps);
}

static void path_send_done(struct job *j);

/* The job borrows the write's data and cmsg (their fds stay open while it
 * sends) and hands them back when it is done.  A job that could not start
 * frees them with itself: the write fails at once and needs them no more. */
static int path_send_start(struct sock *s, struct write_wait *ww)
{
	struct path_send *ps = calloc(1, sizeof(*ps));
	int err;

	if (ps == NULL)
		return -ENOMEM;
	send_prepare(s, ww->cmsg, &ww->w.who, ww->off == 0, &ps->p);
	ps->j = (struct job){ .who = ww->w.who, .run = path_send_run, .done = path_send_done,
			      .discard = path_send_free, .paths = true };
	ps->ww = ww;
	ps->data = ww->w.buf;
	ps->skip = ww->skip;
	ps->len = ww->w.len - ww->skip;
	ps->cmsg = ww->cmsg;
	ww->w.buf = NULL;
	ww->cmsg = NULL;
	if ((err = workers_hand_off(&s->st->workers, &ps->j, s->fd, &ps->fd)) != 0)
		return err;
	ww->send = ps;
	return 0;
}

/* Advances WW; returns 1 when it is complete, <0 on error (-EAGAIN: wait). */
static int write_step(struct sock *s, struct write_wait *ww, const char *data)
{
	size_t len = ww->w.len;

	if (!kind_info(s->kind)->stream) {
		/* One write, one message: what follows any header line. */
		ssize_t n = send_some(s, ww, data + ww->skip, len - ww->skip);
		return n < 0 ? (int)n : 1;
	}
	while (ww->off < len) {
		ssize_t n = send_some(s, ww, data + ww->off, len - ww->off);
		if (n < 0)
			return (int)n;
		ww->off += (size_t)n;
	}
	return 1;
}

/* `set headers 1`: a message write may start with one line of JSON, with
 * the keys cmsg takes; it goes with this message alone. */
static int take_header(struct sock *s, struct write_wait *ww, const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	char why[SOCK_ERR_MAX - 16];
	int err;

	if (nl == NULL) {
		sock_set_err(s, "write", "a header line must end with a newline");
		return -EINVAL;
	}
	err = cmsg_out_parse(s, data, (size_t)(nl - data), &ww->w.who, &ww->cmsg, why,
			     sizeof(why));
	if (err) {
		sock_set_err(s, "write header", why);
		return err;
	}
	ww->skip = (size_t)(nl + 1 - data);
	return 0;
}

/* What a write that ended with R (1: complete) reports: a stream's bytes
 * sent (all, or the part sent before an error), a message's length. */
static ssize_t write_result(struct sock *s, struct write_wait *ww, int r)
{
	io_err(s, "write", r);
	if (r == 1)
		return (ssize_t)(kind_info(s->kind)->stream ? ww->off : ww->w.len);
	return ww->off ? (ssize_t)ww->off : r;
}

/* A write that sent part of its data reports that part. */
static void write_cancel(struct waiter *w, int res)
{
	struct write_wait *ww = (struct write_wait *)w;

	sock_cancel(ww->h->sock, w, res, ww->off ? (ssize_t)ww->off : res, "write");
}

static void write_release(struct waiter *w)
{
	struct write_wait *ww = (struct write_wait *)w;

	if (ww->open)
		ww->open->j.cancelled = true;
	if (ww->send)
		ww->send->j.cancelled = true;
	cmsg_out_free(ww->cmsg);
}

static const struct wait_ops write_ops = { .cancel = write_cancel, .release = write_release };

static void header_opened(struct cmsg_open *o)
{
	struct write_wait *ww = o->arg;
	struct sock *s = ww->h->sock;

	ww->open = NULL;
	if (o->err) {
		sock_set_err(s, "write header", o->why);
		cmsg_out_free(o->c);
		waiter_finish(&ww->w, o->err);
	} else
		ww->cmsg = o->c;
	free(o);
	data_serve_writers(s);
	sock_update_interest(s);
}

/* A header line that names paths: a worker opens them while the write
 * waits in line (the writers behind it wait for it). */
static int open_header_paths(struct sock *s, struct write_wait *ww)
{
	struct cmsg_out *c = ww->cmsg;
	int err;

	ww->cmsg = NULL;
	err = cmsg_out_open_async(&s->st->workers, c, &ww->w.who, NULL, header_opened, ww,
				  &ww->open);
	if (err)
		cmsg_out_free(c);
	return err;
}

static int serve_head(struct sock *s, struct write_wait *ww);

struct waiter *data_write(struct handle *h, const struct wait_req *rq, const char *data,
			  size_t len)
{
	struct sock *s = h->sock;
	struct write_wait *ww;
	struct waiter *w;
	bool helped;
	int r;

	if (!writer_is_opener(h, rq) || (ww = sock_wait_new(h, sizeof(*ww), &write_ops, rq)) == NULL)
		return NULL;
	ww->h = h;
	w = &ww->w;
	w->len = len;
	if (s == NULL) {
		waiter_finish(w, -EPIPE);
		return NULL;
	}
	if (sock_opt(s, OPT_HEADERS) && len > 0 && data[0] == '{') {
		if ((r = take_header(s, ww, data, len)) < 0) {
			waiter_finish(w, r);
			return NULL;
		}
	} else
		ww->cmsg = cmsg_out_take(s, &w->who);
	if (ww->cmsg && ww->cmsg->npaths > 0 && (r = open_header_paths(s, ww)) < 0) {
		waiter_finish(w, r);
		return NULL;
	}
	/* A write a worker must help (its paths opening, a message to a unix
	 * path) waits in line whatever O_NONBLOCK says: O_NONBLOCK is for a
	 * full socket, and a worker's EAGAIN still reports one. */
	helped = ww->open || to_path(s, ww);
	r = helped || wqueue_first(&s->writers) ? -EAGAIN : write_step(s, ww, data);
	if (r == -EAGAIN && (helped || !w->nonblock)) {
		if ((w->buf = malloc(len ? len : 1)) == NULL) {
			waiter_finish(w, ww->off ? (ssize_t)ww->off : -ENOMEM);
			return NULL;
		}
		memcpy(w->buf, data, len);
		sock_park(s, w, &s->writers);
		if (helped && wqueue_first(&s->writers) == w && serve_head(s, ww))
			return NULL;
		return w;
	}
	waiter_finish(w, write_result(s, ww, r));
	return NULL;
}

/* WW, the head of S's writers (NULL: none), may go on: 1 when it finished,
 * 0 when it waits (its paths opening, its message on a worker, no room). */
static int serve_head(struct sock *s, struct write_wait *ww)
{
	int r;

	if (ww == NULL || ww->open || ww->send)
		return 0;
	if (to_path(s, ww)) {
		if ((r = path_send_start(s, ww)) == 0)
			return 0;
	} else if ((r = write_step(s, ww, ww->w.buf)) == -EAGAIN)
		return 0;
	waiter_finish(&ww->w, write_result(s, ww, r));
	return 1;
}

void data_serve_writers(struct sock *s)
{
	while (serve_head(s, (struct write_wait *)wqueue_first(&s->writers)))
		;
}

static void path_send_done(struct job *j)
{
	struct path_send *ps = (struct path_send *)j;
	struct write_wait *ww = ps->ww;
	struct sock *s = ww->h->sock;
	ssize_t n = ps->res;

	ww->send = NULL;
	path_send_return(ps);
	path_send_free(j);
	if (n != -EAGAIN || ww->w.nonblock) {
		if (n >= 0)
			count_sent(s, n);
		waiter_finish(&ww->w, write_result(s, ww, n < 0 ? (int)n : 1));
		data_serve_writers(s);
	}
	/* EAGAIN: it stays first in line, and EPOLLOUT sends it again. */
	sock_update_interest(s);
}
