#include "config.h"

#include "rights.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <unistd.h>

#include "io_internal.h"

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

static void rfile_on_event(void *arg, uint32_t events);

static int home_file(struct sock *s, int fd, char *name)
{
	struct stat st;
	struct rfile *f;
	int slot = 0;

	while (slot < SOCK_FILES_MAX && s->files[slot])
		slot++;
	if (slot == SOCK_FILES_MAX || fstat(fd, &st) < 0)
		return -EMFILE;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->s = s;
	f->slot = slot;
	f->fd = fd;
	f->regular = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	f->accmode = fcntl(fd, F_GETFL) & O_ACCMODE;
	loop_watch_init(&f->watch, fd, rfile_on_event, f);
	s->files[slot] = f;
	snprintf(name, META_RIGHT_NAME, "file%d", slot);
	return 0;
}

void rights_home(struct sock *s, struct meta_fds *fds, struct msg_meta *m)
{
	for (int i = 0; i < fds->n; i++) {
		int fd = fds->fd[i];
		int kind = kind_of_socket(fd);
		char *name = m->rights[m->nrights];
		int err = kind >= 0 ? home_socket(s, fd, kind, name) : home_file(s, fd, name);

		if (err) {
			close(fd);
			m->rights_dropped++;
		} else
			m->nrights++;
	}
	fds->n = 0;
}

/* --- reading and writing received files --- */

static struct rfile *file_of(struct handle *h, int slot)
{
	struct sock *s = h->sock;

	return s && slot >= 0 && slot < SOCK_FILES_MAX ? s->files[slot] : NULL;
}

static void rfile_interest(struct rfile *f)
{
	uint32_t ev = (f->readers.head ? EPOLLIN : 0) | (f->writers.head ? EPOLLOUT : 0);

	if (!f->regular)
		loop_set(&f->s->st->loop, &f->watch, ev);
}

/* One try: bytes, 0 at end of file, or -EAGAIN to wait. */
static ssize_t try_file_read(struct waiter *w)
{
	struct rfile *f = file_of(w->h, w->slot);
	struct iovec iov = { w->buf, w->len };
	ssize_t n;

	if (f == NULL)
		return 0;
	if (f->regular)
		n = pread(f->fd, w->buf, w->len, w->pos);
	else
		n = preadv2(f->fd, &iov, 1, -1, RWF_NOWAIT);
	return n < 0 ? -errno : n;
}

static ssize_t try_file_write(struct waiter *w)
{
	struct rfile *f = file_of(w->h, w->slot);
	struct iovec iov = { w->buf, w->len };
	ssize_t n;

	if (f == NULL)
		return -EBADF;
	if (f->regular)
		n = pwrite(f->fd, w->buf, w->len, w->pos);
	else
		n = pwritev2(f->fd, &iov, 1, -1, RWF_NOWAIT);
	return n < 0 ? -errno : n;
}

/* Runs W now, or parks it on Q until the file is ready. */
static bool file_io(struct rfile *f, struct waiter *w, struct wqueue *q,
		    ssize_t (*try)(struct waiter *))
{
	ssize_t n = q->head ? -EAGAIN : try(w);

	if (n == -EAGAIN && !w->nonblock && !f->regular) {
		/* Not the socket's wait: its `set timeout` does not apply. */
		waiter_queue(w, q);
		rfile_interest(f);
		return true;
	}
	if (n < 0 && n != -EAGAIN)
		sock_set_err(f->s, w->type == W_READ ? "file read" : "file write", strerror((int)-n));
	waiter_finish(w, n);
	return false;
}

static bool bad_file(struct handle *h, struct waiter *w, int err)
{
	waiter_finish(w, err);
	return false;
}

bool rfile_read(struct handle *h, int slot, struct waiter *w, off_t off)
{
	struct rfile *f = file_of(h, slot);

	w->h = h;
	w->slot = slot;
	w->pos = off;
	if (f == NULL)
		return bad_file(h, w, -ENOENT);
	if (w->buf == NULL && (w->buf = malloc(w->len ? w->len : 1)) == NULL)
		return bad_file(h, w, -ENOMEM);
	return file_io(f, w, &f->readers, try_file_read);
}

bool rfile_write(struct handle *h, int slot, struct waiter *w, const char *data,
		 size_t len, off_t off)
{
	struct rfile *f = file_of(h, slot);

	w->h = h;
	w->slot = slot;
	w->pos = off;
	w->len = len;
	if (f == NULL)
		return bad_file(h, w, -ENOENT);
	if ((w->buf = malloc(len ? len : 1)) == NULL)
		return bad_file(h, w, -ENOMEM);
	memcpy(w->buf, data, len);
	return file_io(f, w, &f->writers, try_file_write);
}

static void service_file(struct rfile *f, struct wqueue *q, ssize_t (*try)(struct waiter *))
{
	while (q->head) {
		struct waiter *w = q->head;
		ssize_t n = try(w);
		if (n == -EAGAIN)
			return;
		waiter_finish(w, n);
	}
}

static void rfile_on_event(void *arg, uint32_t events)
{
	struct rfile *f = arg;

	if (events & EPOLLIN)
		service_file(f, &f->readers, try_file_read);
	if (events & EPOLLOUT)
		service_file(f, &f->writers, try_file_write);
	rfile_interest(f);
}

int rfile_close(struct sock *s, int slot)
{
	struct rfile *f = slot >= 0 && slot < SOCK_FILES_MAX ? s->files[slot] : NULL;

	if (f == NULL)
		return -ENOENT;
	s->files[slot] = NULL;	/* waiters now see no file: EOF, EBADF */
	while (f->readers.head)
		waiter_finish(f->readers.head, 0);
	while (f->writers.head)
		waiter_finish(f->writers.head, -EBADF);
	if (!f->regular)
		loop_unwatch(&s->st->loop, &f->watch);
	close(f->fd);
	free(f);
	return 0;
}

void rfile_close_all(struct sock *s)
{
	for (int i = 0; i < SOCK_FILES_MAX; i++)
		rfile_close(s, i);
}
