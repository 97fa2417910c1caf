#include "config.h"

#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "meta.h"

struct file_job;

/* A socket's received files, fileN in slot N: made with its first one,
 * freed when the socket closes (rfile_close_all). */
struct rfiles {
	struct rfile *slot[SOCK_FILES_MAX];
};

/* A read or write of a received file. */
struct file_wait {
	struct waiter w;
	struct handle *h;
	int slot;		/* which fileN */
	off_t pos;		/* the caller's offset (regular files) */
	struct file_job *job;	/* a regular file's I/O, on a worker */
};

/* pread or pwrite of a regular file on a worker: the file may live on a
 * slow or hung file system, which must not stall the loop.  The job owns
 * a duplicate of the descriptor and its own buffer, so rm fileN or a
 * cancel while it runs leaves it nothing freed to touch. */
struct file_job {
	struct job j;
	struct file_wait *fw;
	int fd;
	bool write;
	char *buf;
	size_t len;
	off_t pos;
	ssize_t res;
};

static void rfile_on_event(void *arg, uint32_t events);

/* fstat(2) from what the kernel knows already (AT_STATX_DONT_SYNC): on
 * FUSE a plain fstat may ask the file system, and a received descriptor
 * may be one of sockfs's own files, whose answer would need this very
 * loop, or one on a file system that hangs. */
static int cached_stat(int fd, struct stat *st)
{
	struct statx x;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_mode = x.stx_mode;
	st->st_size = (off_t)x.stx_size;
	st->st_nlink = x.stx_nlink;
	st->st_uid = x.stx_uid;
	st->st_gid = x.stx_gid;
	st->st_blocks = (blkcnt_t)x.stx_blocks;
	st->st_blksize = (blksize_t)x.stx_blksize;
	st->st_atim = (struct timespec){ x.stx_atime.tv_sec, x.stx_atime.tv_nsec };
	st->st_mtim = (struct timespec){ x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec };
	st->st_ctim = (struct timespec){ x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec };
	return 0;
}

/* A FIFO takes no RWF_NOWAIT (EOPNOTSUPP), and its open file is shared
 * with the sender, whose flags are not ours to change: it is opened anew
 * through /proc, non-blocking, as a file of our own on the same pipe
 * (never waiting: O_NONBLOCK).  Where that fails the original stays. */
static int own_fifo(int fd)
{
	char path[32];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, (fcntl(fd, F_GETFL) & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC);
	if (nfd < 0)
		return fd;
	close(fd);
	return nfd;
}

int rfile_add(struct sock *s, int fd, char *name)
{
	struct stat st;
	struct rfile *f;
	int slot = 0;

	struct quotas *q = &s->st->quotas;
	const char *why;
	int err;

	if (s->rfiles == NULL && (s->rfiles = calloc(1, sizeof(*s->rfiles))) == NULL)
		return -ENOMEM;
	while (slot < SOCK_FILES_MAX && s->rfiles->slot[slot])
		slot++;
	if (slot == SOCK_FILES_MAX || cached_stat(fd, &st) < 0)
		return -EMFILE;
	/* An O_PATH descriptor grants neither reading nor writing: opened
	 * anew (own_fifo) it would lend the daemon's rights. */
	if (fcntl(fd, F_GETFL) & O_PATH)
		return -EBADF;
	if ((err = quota_take(q, s->uid, Q_FILES, 1, &why)) != 0)
		goto refuse;
	if ((err = quota_take(q, s->uid, Q_FDS, 1, &why)) != 0) {
		quota_give(q, s->uid, Q_FILES, 1);
		goto refuse;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		quota_give(q, s->uid, Q_FILES, 1);
		quota_give(q, s->uid, Q_FDS, 1);
		return -ENOMEM;
	}
	if (S_ISFIFO(st.st_mode))
		fd = own_fifo(fd);
	f->s = s;
	f->slot = slot;
	f->fd = fd;
	f->regular = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	f->accmode = fcntl(fd, F_GETFL) & O_ACCMODE;
	loop_watch_init(&f->watch, fd, rfile_on_event, f);
	s->rfiles->slot[slot] = f;
	snprintf(name, META_RIGHT_NAME, "file%d", slot);
	return 0;
refuse:
	sock_set_err(s, "received file dropped", why);
	return err;
}

struct rfile *rfile_get(const struct sock *s, int slot)
{
	if (s == NULL || s->rfiles == NULL || slot < 0 || slot >= SOCK_FILES_MAX)
		return NULL;
	return s->rfiles->slot[slot];
}

static struct rfile *file_of(struct handle *h, int slot)
{
	return rfile_get(h->sock, slot);
}

static void rfile_interest(struct rfile *f)
{
	uint32_t ev = (wqueue_first(&f->readers) ? EPOLLIN : 0) |
		      (wqueue_first(&f->writers) ? EPOLLOUT : 0);

	if (!f->regular)
		loop_set(&f->s->st->loop, &f->watch, ev);
}

/* One try on a pipe or the like: bytes, 0 at end of file, or -EAGAIN to
 * wait.  (Regular files go to a worker, regular_io.) */
static ssize_t try_file(struct waiter *w, bool write)
{
	struct file_wait *fw = (struct file_wait *)w;
	struct rfile *f = file_of(fw->h, fw->slot);
	struct iovec iov = { w->buf, w->len };
	ssize_t n;

	if (f == NULL)
		return write ? -EBADF : 0;
	n = write ? pwritev2(f->fd, &iov, 1, -1, RWF_NOWAIT) : preadv2(f->fd, &iov, 1, -1, RWF_NOWAIT);
	if (n < 0 && errno == EOPNOTSUPP && (fcntl(f->fd, F_GETFL) & O_NONBLOCK))
		n = write ? writev(f->fd, &iov, 1) : readv(f->fd, &iov, 1);	/* own_fifo */
	return n < 0 ? -errno : n;
}

static ssize_t try_file_read(struct waiter *w)
{
	return try_file(w, false);
}

static ssize_t try_file_write(struct waiter *w)
{
	return try_file(w, true);
}

static void file_job_run(struct job *j)
{
	struct file_job *fj = (struct file_job *)j;
	ssize_t n = fj->write ? pwrite(fj->fd, fj->buf, fj->len, fj->pos)
			      : pread(fj->fd, fj->buf, fj->len, fj->pos);

	/* A file that has no offsets (a FUSE file opened nonseekable, such
	 * as sockfs's own) is read and written in order. */
	if (n < 0 && errno == ESPIPE)
		n = fj->write ? write(fj->fd, fj->buf, fj->len) : read(fj->fd, fj->buf, fj->len);
	fj->res = n < 0 ? -errno : n;
	/* Here, not on the loop: closing a file on FUSE waits for a FLUSH. */
	close(fj->fd);
	fj->fd = -1;
}

static void file_job_free(struct job *j)
{
	struct file_job *fj = (struct file_job *)j;

	if (fj->fd >= 0)
		close(fj->fd);
	free(fj->buf);
	free(fj);
}

static void file_job_done(struct job *j)
{
	struct file_job *fj = (struct file_job *)j;
	struct file_wait *fw = fj->fw;
	struct rfile *f = file_of(fw->h, fw->slot);

	fw->job = NULL;
	if (!fj->write) {
		fw->w.buf = fj->buf;	/* the reply: read into the job's buffer */
		fj->buf = NULL;
	}
	if (fj->res < 0 && f)
		sock_set_err(f->s, fj->write ? "file write" : "file read", strerror((int)-fj->res));
	waiter_finish(&fw->w, fj->res);
	file_job_free(j);
}

/* Hands a regular file's I/O to a worker, which reads into a buffer of
 * its own or writes its own copy of DATA (NULL: a read); W waits on Q
 * meanwhile.  The job owns what it touches, so a cancel frees nothing
 * under it. */
static struct waiter *regular_io(struct rfile *f, struct file_wait *fw, struct wqueue *q,
				 const char *data)
{
	struct file_job *fj = calloc(1, sizeof(*fj));
	int err;

	if (fj == NULL || (fj->buf = malloc(fw->w.len ? fw->w.len : 1)) == NULL) {
		free(fj);
		waiter_finish(&fw->w, -ENOMEM);
		return NULL;
	}
	fj->j = (struct job){ .who = fw->w.who, .run = file_job_run, .done = file_job_done,
			      .discard = file_job_free };
	fj->fw = fw;
	fj->write = data != NULL;
	fj->len = fw->w.len;
	fj->pos = fw->pos;
	if (data)
		memcpy(fj->buf, data, fw->w.len);
	if ((err = workers_hand_off(&f->s->st->workers, &fj->j, f->fd, &fj->fd)) != 0) {
		waiter_finish(&fw->w, err);
		return NULL;
	}
	fw->job = fj;
	waiter_park(&fw->w, q, 0);	/* the file's wait, not the socket's */
	return &fw->w;
}

static void file_cancel(struct waiter *w, int res)
{
	struct file_wait *fw = (struct file_wait *)w;
	struct rfile *f = file_of(fw->h, fw->slot);

	waiter_finish(w, res);
	if (f)
		rfile_interest(f);
}

/* A worker's job still running is left to it. */
static void file_release(struct waiter *w)
{
	struct file_wait *fw = (struct file_wait *)w;

	if (fw->job)
		fw->job->j.cancelled = true;
}

static const struct wait_ops file_wait_ops = { .cancel = file_cancel, .release = file_release };

/* A wait of LEN bytes on H's file SLOT, with the file in *F; NULL when
 * rq->done has already run (no file: ENOENT). */
static struct file_wait *file_start(struct handle *h, int slot, const struct wait_req *rq,
				    off_t off, size_t len, struct rfile **f)
{
	struct file_wait *fw = sock_wait_new(h, sizeof(*fw), &file_wait_ops, rq);

	if (fw == NULL)
		return NULL;
	fw->h = h;
	fw->slot = slot;
	fw->pos = off;
	fw->w.len = len;
	if ((*f = file_of(h, slot)) == NULL) {
		waiter_finish(&fw->w, -ENOENT);
		return NULL;
	}
	return fw;
}

/* Runs W now, or parks it on Q until the file is ready. */
static struct waiter *file_io(struct rfile *f, struct waiter *w, struct wqueue *q,
			      wait_try_fn try, const char *what)
{
	ssize_t n = wqueue_first(q) ? -EAGAIN : try(w);

	if (n == -EAGAIN && !w->nonblock && !f->regular) {
		waiter_park(w, q, 0);	/* not the socket's wait: no timeout */
		rfile_interest(f);
		return w;
	}
	if (n < 0 && n != -EAGAIN)
		sock_set_err(f->s, what, strerror((int)-n));
	waiter_finish(w, n);
	return NULL;
}

struct waiter *rfile_read(struct handle *h, int slot, const struct wait_req *rq, off_t off)
{
	struct rfile *f;
	struct file_wait *fw = file_start(h, slot, rq, off, rq->len, &f);

	if (fw == NULL)
		return NULL;
	if (f->regular)
		return regular_io(f, fw, &f->readers, NULL);
	if (!waiter_buffer(&fw->w, NULL))
		return NULL;
	return file_io(f, &fw->w, &f->readers, try_file_read, "file read");
}

struct waiter *rfile_write(struct handle *h, int slot, const struct wait_req *rq,
			   const char *data, size_t len, off_t off)
{
	struct rfile *f;
	struct file_wait *fw = file_start(h, slot, rq, off, len, &f);

	if (fw == NULL)
		return NULL;
	if (f->regular)
		return regular_io(f, fw, &f->writers, data);
	if (!waiter_buffer(&fw->w, data))
		return NULL;
	return file_io(f, &fw->w, &f->writers, try_file_write, "file write");
}

static void rfile_on_event(void *arg, uint32_t events)
{
	struct rfile *f = arg;

	/* A pipe whose last writer left says only EPOLLHUP: its readers'
	 * end of file; one whose last reader left EPOLLERR: EPIPE. */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		wqueue_serve(&f->readers, try_file_read, NULL);
	if (events & (EPOLLOUT | EPOLLERR))
		wqueue_serve(&f->writers, try_file_write, NULL);
	rfile_interest(f);
}

int rfile_stat(struct sock *s, int slot, struct stat *st)
{
	struct rfile *f = rfile_get(s, slot);

	if (f == NULL)
		return -ENOENT;
	return cached_stat(f->fd, st);
}

int rfile_close(struct sock *s, int slot)
{
	struct rfile *f = rfile_get(s, slot);

	if (f == NULL)
		return -ENOENT;
	s->rfiles->slot[slot] = NULL;	/* waiters now see no file: EOF, EBADF */
	wqueue_fail(&f->readers, 0);
	wqueue_fail(&f->writers, -EBADF);
	if (!f->regular)
		loop_unwatch(&s->st->loop, &f->watch);
	workers_close(&s->st->workers, s->uid, f->fd);
	free(f);
	quota_give(&s->st->quotas, s->uid, Q_FILES, 1);
	quota_give(&s->st->quotas, s->uid, Q_FDS, 1);
	return 0;
}

void rfile_close_all(struct sock *s)
{
	for (int i = 0; i < SOCK_FILES_MAX; i++)
		rfile_close(s, i);
	free(s->rfiles);
	s->rfiles = NULL;
}
