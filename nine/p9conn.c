#include "config.h"

#include "p9conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "quota.h"
#include "sock.h"

/* Before Tversion: enough for any Tversion. */
#define MSIZE_START 8192
/* Replies queued past this: the session's input waits until they drain,
 * so a far side that never reads cannot make the daemon hoard memory. */
#define OUT_HIGH (8u << 20)
/* Fids one session may hold: the kernel needs a few per open file and
 * walk; this many bounds what a far side can make the daemon keep. */
#define FIDS_MAX 65536

static void session_kill(struct session *ss);

static bool backlogged(const struct session *ss)
{
	return ss->out_len - ss->out_off >= OUT_HIGH;
}

static void session_interest(struct session *ss)
{
	uint32_t ev = 0;

	if (ss->dead)
		return;
	if (!backlogged(ss))
		ev |= EPOLLIN;
	/* Messages held in the input for a backlog that has drained: the
	 * socket is writable, so on_session comes at once to take them. */
	if (ss->out_len > ss->out_off || (ss->held && !backlogged(ss)))
		ev |= EPOLLOUT;
	if (loop_set(&ss->srv->fs->st.loop, &ss->watch, ev) < 0)
		session_kill(ss);
}

/* Writes what is queued, as much as the socket takes now. */
static void flush_out(struct session *ss)
{
	while (!ss->dead && ss->out_len > ss->out_off) {
		ssize_t n = send(ss->fd, ss->out + ss->out_off, ss->out_len - ss->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			session_kill(ss);
			return;
		}
		ss->out_off += (size_t)n;
	}
	if (ss->out_off == ss->out_len)
		ss->out_off = ss->out_len = 0;
	session_interest(ss);
}

/* The session's buffers are bytes the daemon keeps for its peer: they
 * count in the peer's user_bytes, as its parked reads do, so that one
 * user's many connections (each up to msize twice and a queue of
 * replies) stay within that user's share.  False when over it. */
static bool session_charge(struct session *ss, size_t in, size_t reply, size_t out)
{
	struct quotas *q = &ss->srv->fs->st.quotas;
	uint64_t total = (uint64_t)in + reply + out;
	const char *why;

	if (total > ss->charged &&
	    quota_take(q, ss->peer_uid, Q_BYTES, total - ss->charged, &why) < 0)
		return false;
	if (total < ss->charged)
		quota_give(q, ss->peer_uid, Q_BYTES, ss->charged - total);
	ss->charged = total;
	return true;
}

/* Appends N bytes to the queue; false when out of memory or over the
 * peer's user_bytes (the session then ends). */
static bool queue_out(struct session *ss, const uint8_t *p, size_t n)
{
	if (ss->out_off > 0 && ss->out_off == ss->out_len)
		ss->out_off = ss->out_len = 0;
	if (ss->out_cap - ss->out_len < n) {
		size_t cap = ss->out_cap ? ss->out_cap : 65536;
		uint8_t *o;
		/* Move what is left to the front before growing. */
		if (ss->out_off) {
			memmove(ss->out, ss->out + ss->out_off, ss->out_len - ss->out_off);
			ss->out_len -= ss->out_off;
			ss->out_off = 0;
		}
		while (cap - ss->out_len < n)
			cap *= 2;
		if (cap != ss->out_cap) {
			if (!session_charge(ss, ss->in_cap, ss->reply.cap, cap))
				return false;
			if ((o = realloc(ss->out, cap)) == NULL)
				return false;
			ss->out = o;
			ss->out_cap = cap;
		}
	}
	memcpy(ss->out + ss->out_len, p, n);
	ss->out_len += n;
	return true;
}

struct p9msg *reply_begin(struct session *ss, uint8_t type, uint16_t tag)
{
	p9_begin(&ss->reply, type, tag);
	return &ss->reply;
}

void reply_send(struct session *ss)
{
	if (ss->dead)
		return;
	if (ss->reply.bad) {
		/* Cannot happen: every reply fits msize.  Say so, not garble. */
		uint16_t tag = (uint16_t)(ss->reply.p[5] | ss->reply.p[6] << 8);
		reply_error(ss, tag, EIO);
		return;
	}
	p9_end(&ss->reply);
	if (!queue_out(ss, ss->reply.p, ss->reply.len)) {
		session_kill(ss);
		return;
	}
	flush_out(ss);
}

void reply_error(struct session *ss, uint16_t tag, int err)
{
	struct p9msg *m = reply_begin(ss, P9_RLERROR, tag);

	p9_put32(m, (uint32_t)err);
	reply_send(ss);
}

int session_msize(struct session *ss, uint32_t msize)
{
	uint8_t *in, *rp;

	/* Buffers only grow: what is read already stays where it is. */
	if (msize <= ss->in_cap) {
		ss->msize = msize;
		return 0;
	}
	if (!session_charge(ss, msize, msize, ss->out_cap))
		return -ENOBUFS;
	if ((in = realloc(ss->in, msize)) == NULL)
		return -ENOMEM;
	ss->in = in;
	ss->in_cap = msize;
	if ((rp = realloc(ss->reply.p, msize)) == NULL)
		return -ENOMEM;
	ss->reply.p = rp;
	ss->reply.cap = msize;
	ss->msize = msize;
	return 0;
}

/* --- fids and requests --- */

static struct list *fid_bucket(struct session *ss, uint32_t num)
{
	return &ss->fidmap[num % FID_BUCKETS];
}

struct fid *fid_find(struct session *ss, uint32_t num)
{
	struct link *it, *next;

	list_each(it, next, fid_bucket(ss, num)) {
		struct fid *f = list_entry(it, struct fid, hlink);
		if (f->num == num)
			return f;
	}
	return NULL;
}

struct fid *fid_new(struct session *ss, uint32_t num)
{
	struct fid *f;

	if (num == P9_NOFID || ss->nfids >= FIDS_MAX || fid_find(ss, num) ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->num = num;
	list_append(&ss->fids, &f->link);
	list_append(fid_bucket(ss, num), &f->hlink);
	ss->nfids++;
	return f;
}

/* Cancels every parked request on F (F NULL: all of them). */
static void cancel_parked(struct session *ss, struct fid *f)
{
	struct link *it, *next;

	list_each(it, next, &ss->pending) {
		struct req *r = list_entry(it, struct req, link);
		if ((f == NULL || r->fid == f) && r->w)
			waiter_cancel(r->w, -EINTR);
	}
}

void fid_free(struct session *ss, struct fid *f)
{
	/* The stack's waiters point at the handle: they end first. */
	if (f->parked)
		cancel_parked(ss, f);
	list_remove(&ss->fids, &f->link);
	list_remove(fid_bucket(ss, f->num), &f->hlink);
	ss->nfids--;
	if (f->h)
		handle_close(f->h);
	free(f->snap);
	free(f);
}

struct req *req_new(struct session *ss, struct fid *f, uint8_t type, uint16_t tag)
{
	struct req *r = calloc(1, sizeof(*r));

	if (r) {
		r->ss = ss;
		r->fid = f;
		r->type = type;
		r->tag = tag;
	}
	return r;
}

void req_parked(struct req *r, struct waiter *w)
{
	r->w = w;
	r->fid->parked++;
	list_append(&r->ss->pending, &r->link);
}

void req_end(struct req *r)
{
	struct session *ss = r->ss;

	if (r->w) {
		list_remove(&ss->pending, &r->link);
		r->fid->parked--;
	}
	for (int i = 0; i < r->nflush; i++) {
		reply_begin(ss, P9_TFLUSH + 1, r->flush[i]);
		reply_send(ss);
	}
	free(r);
}

void req_flush(struct session *ss, uint16_t tag, uint16_t oldtag)
{
	struct link *it, *next;

	list_each(it, next, &ss->pending) {
		struct req *r = list_entry(it, struct req, link);
		if (r->tag != oldtag || r->nflush == (int)(sizeof(r->flush) / sizeof(r->flush[0])))
			continue;
		r->flush[r->nflush++] = tag;
		/* As FUSE_INTERRUPT: the waiter ends with EINTR, its reply
		 * goes out, then req_end sends the Rflush. */
		waiter_cancel(r->w, -EINTR);
		return;
	}
	reply_begin(ss, P9_TFLUSH + 1, tag);
	reply_send(ss);
}

/* --- sessions --- */

static void session_free(struct session *ss)
{
	struct nine *srv = ss->srv;

	/* Parked requests end with EINTR; their replies go nowhere. */
	ss->dead = true;
	cancel_parked(ss, NULL);
	while (!list_empty(&ss->fids))
		fid_free(ss, list_entry(ss->fids.head, struct fid, link));
	loop_unwatch(&srv->fs->st.loop, &ss->watch);
	timer_cancel(&srv->fs->st.loop, &ss->reap);
	close(ss->fd);
	quota_give(&srv->fs->st.quotas, ss->peer_uid, Q_FDS, 1);
	quota_give(&srv->fs->st.quotas, ss->peer_uid, Q_BYTES, ss->charged);
	list_remove(&srv->sessions, &ss->link);
	free(ss->in);
	free(ss->out);
	free(ss->reply.p);
	free(ss);
}

static void on_reap(struct timer *t)
{
	session_free(container_of(t, struct session, reap));
}

/* Ends the session from the loop, not here: a reply may be being sent
 * from inside a waiter's done, which still holds it. */
static void session_kill(struct session *ss)
{
	if (ss->dead)
		return;
	ss->dead = true;
	loop_set(&ss->srv->fs->st.loop, &ss->watch, 0);
	timer_arm(&ss->srv->fs->st.loop, &ss->reap, 0);
}

/* Hands each whole message in the input buffer to the handler, while
 * the replies queued stay under OUT_HIGH: one read of the socket holds
 * many small requests whose replies can each be up to msize (Treaddir),
 * so the rest waits in the buffer until the far side reads. */
static void take_messages(struct session *ss)
{
	size_t off = 0;

	ss->held = false;
	while (!ss->dead && ss->in_len - off >= P9_HDR) {
		struct p9msg m = { .p = ss->in + off, .len = ss->in_len - off };
		uint32_t size = p9_u32(&m);
		uint8_t type;
		uint16_t tag;

		if ((ss->held = backlogged(ss)))
			break;
		if (size < P9_HDR || size > ss->msize) {
			session_kill(ss);	/* not 9P, or lost its framing */
			return;
		}
		if (m.len < size)
			break;
		m.len = size;
		type = p9_u8(&m);
		tag = p9_u16(&m);
		off += size;
		ss->srv->handle(ss, &m, type, tag);
	}
	if (off && !ss->dead) {
		memmove(ss->in, ss->in + off, ss->in_len - off);
		ss->in_len -= off;
	}
}

static void on_session(void *arg, uint32_t events)
{
	struct session *ss = arg;

	if (events & EPOLLOUT)
		flush_out(ss);
	if (ss->held)
		take_messages(ss);
	if (ss->dead || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		session_interest(ss);
		return;
	}
	for (int i = 0; i < 16 && !ss->dead && !backlogged(ss); i++) {
		ssize_t n = recv(ss->fd, ss->in + ss->in_len, ss->in_cap - ss->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			session_kill(ss);
			return;
		}
		ss->in_len += (size_t)n;
		take_messages(ss);
	}
	session_interest(ss);
}

/* A connection holds one of the daemon's descriptors for its peer: it
 * counts in the peer's user_fds, as its sockets do, so that one user's
 * connections cannot take the descriptors (and memory) others need. */
static bool charge_peer(struct nine *srv, uid_t uid)
{
	const char *why;

	return quota_take(&srv->fs->st.quotas, uid, Q_FDS, 1, &why) == 0;
}

static void session_start(struct nine *srv, int fd)
{
	struct session *ss = calloc(1, sizeof(*ss));
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (ss == NULL || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    !charge_peer(srv, cred.uid)) {
		free(ss);
		close(fd);
		return;
	}
	ss->srv = srv;
	ss->fd = fd;
	ss->peer_uid = cred.uid;
	ss->peer_gid = cred.gid;
	timer_init(&ss->reap, on_reap);
	loop_watch_init(&ss->watch, fd, on_session, ss);
	list_append(&srv->sessions, &ss->link);
	if (session_msize(ss, MSIZE_START) < 0)
		session_free(ss);	/* gives back what it charged */
	else
		session_interest(ss);
}

static void on_listen(void *arg, uint32_t events)
{
	struct nine *srv = arg;

	for (int i = 0; i < 16; i++) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or out of descriptors: next time */
		session_start(srv, fd);
	}
}

/* A unix socket at PATH, listening.  A socket left there by an earlier
 * run is replaced; any other file is not. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* PATH from the root: the daemon leaves its working directory when it
 * forks, and removes the socket at the end. */
static char *full_path(const char *path)
{
	char cwd[4096];
	char *full;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    (full = malloc(strlen(cwd) + strlen(path) + 2)) == NULL)
		return NULL;
	sprintf(full, "%s/%s", cwd, path);
	return full;
}

struct nine *nine_conn_open(const char *addr, p9_handle_fn handle)
{
	struct nine *srv;
	char *path;
	int fd;

	if (strncmp(addr, "unix:", 5) != 0 || addr[5] == '\0') {
		fprintf(stderr, "sockfs: --export %s: only unix:PATH is served\n", addr);
		return NULL;
	}
	if ((path = full_path(addr + 5)) == NULL || (fd = listen_unix(path)) < 0) {
		fprintf(stderr, "sockfs: --export %s: %s\n", addr,
			strerror(path ? -fd : ENOMEM));
		free(path);
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		free(path);
		close(fd);
		return NULL;
	}
	srv->path = path;
	srv->fd = fd;
	srv->handle = handle;
	return srv;
}

int nine_conn_start(struct nine *srv, struct fsctx *fs)
{
	srv->fs = fs;
	loop_watch_init(&srv->watch, srv->fd, on_listen, srv);
	return loop_set(&fs->st.loop, &srv->watch, EPOLLIN);
}

void nine_conn_stop(struct nine *srv)
{
	if (srv == NULL)
		return;
	while (!list_empty(&srv->sessions))
		session_free(list_entry(srv->sessions.head, struct session, link));
	if (srv->fs)
		loop_unwatch(&srv->fs->st.loop, &srv->watch);
	close(srv->fd);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}
