#include "config.h"

#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "fh.h"
#include "inval.h"
#include "rfile.h"
#include "tree.h"

/* How long the kernel may keep a name and its attributes without asking
 * again.  Names change only when a socket comes or goes: a new socket is
 * found at once because a missing name is never cached (lookup answers
 * ENOENT, not a negative entry) and listings are never cached; a closed
 * socket's name is dropped by the kernel itself for rmdir, and by inval.c
 * for every other close, before the close is answered.  Received files
 * (fileN) come and go with messages and change size: never cached. */
#define CACHE_SECONDS 3600.0

static double cache_time(enum file_type f)
{
	return tree_is_file_slot(f) ? 0.0 : CACHE_SECONDS;
}

static struct fsctx *ctx(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* On a shared mount a socket folder's attributes, which the kernel keeps
 * once for all users, are not kept: each stat and walk through it asks as
 * its caller (another user: EACCES, whoever looked the name up first). */
static double attr_time(fuse_req_t req, enum file_type f)
{
	return f == F_SOCKDIR && ctx(req)->shared ? 0.0 : cache_time(f);
}

static struct caller caller_of(fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	return (struct caller){ c->uid, c->gid, c->pid };
}

/* Only a socket's owner (and root) may use it. */
static int check_owner(fuse_req_t req, const struct node *n)
{
	struct caller who = caller_of(req);

	if (n->sock && !sock_visible_to(n->sock, &who))
		return EACCES;
	return 0;
}

static void reply_entry(fuse_req_t req, const struct node *n)
{
	struct fuse_entry_param e = { .attr_timeout = attr_time(req, n->file),
				      .entry_timeout = cache_time(n->file) };

	/* Its folder's name must be dropped when it closes (sockfs_gone_notify);
	 * a name that could not be noted is not cached. */
	if (n->sock && !names_add(&ctx(req)->named, n->sock->id))
		e.attr_timeout = e.entry_timeout = 0.0;
	tree_stat(ctx(req), n, &e.attr);
	e.ino = e.attr.st_ino;
	fuse_reply_entry(req, &e);
}

static void sfs_init(void *userdata, struct fuse_conn_info *conn)
{
	/* A datagram of any size a socket takes must arrive in one request. */
	conn->max_write = SOCKFS_IO_MAX;
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

/* NAME in directory PARENT, which the caller may look in; 0 or an errno. */
static int find_child(fuse_req_t req, fuse_ino_t parent, const char *name, struct node *child)
{
	struct node dir;
	int err = -tree_node(ctx(req), parent, &dir);

	if (!err)
		err = check_owner(req, &dir);
	if (!err)
		err = -tree_lookup(ctx(req), &dir, name, child);
	return err;
}

static void sfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node child;
	int err = find_child(req, parent, name, &child);

	if (err) {
		/* An error is not a negative entry: the kernel asks again next
		 * time, so a socket made later is found at once. */
		fuse_reply_err(req, err);
		return;
	}
	reply_entry(req, &child);
}

static void sfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n;
	struct stat st;
	int err = -tree_node(ctx(req), ino, &n);

	if (!err)
		err = check_owner(req, &n);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	tree_stat(ctx(req), &n, &st);
	fuse_reply_attr(req, &st, attr_time(req, n.file));
}

/* Truncation (`>` opens with O_TRUNC) means nothing for these files and is
 * accepted; changing owner or mode is not offered. */
static void sfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	sfs_getattr(req, ino, fi);
}

static void sfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	struct fsctx *fs = ctx(req);
	struct caller who = caller_of(req);
	struct node dir, child;
	char *buf;
	size_t used = 0;
	const char *name;
	off_t next;
	int err = -tree_node(fs, ino, &dir);

	if (!err && !tree_is_dir(dir.file))
		err = ENOTDIR;
	if (!err)
		err = check_owner(req, &dir);
	if (err || (buf = malloc(size)) == NULL) {
		fuse_reply_err(req, err ? err : ENOMEM);
		return;
	}
	while (tree_dirent(fs, &dir, &who, off, &name, &child, &next)) {
		struct stat st;
		size_t n;
		tree_stat(fs, &child, &st);
		n = fuse_add_direntry(req, buf + used, size - used, name, &st, next);
		if (n > size - used)
			break;
		used += n;
		off = next;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void sfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node dir, n;
	struct caller who = caller_of(req);
	int err = -tree_node(ctx(req), parent, &dir);

	if (!err && dir.file != F_KINDDIR)
		err = dir.file == F_SOCKDIR ? EPERM : EACCES;
	if (!err)
		err = -sock_create_as(&ctx(req)->st, dir.kind, name, &who, &n.sock);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	n.file = F_SOCKDIR;
	n.kind = dir.kind;
	reply_entry(req, &n);
}

static void sfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node n;
	int err = find_child(req, parent, name, &n);

	if (!err && n.file != F_SOCKDIR)
		err = n.file == F_CLONE ? EPERM : ENOTDIR;
	if (!err)
		err = check_owner(req, &n);
	if (!err) {
		/* The kernel drops this name itself.  Connections accepted for
		 * nobody close with a listener, and their names are dropped
		 * just after: not before the answer, because the kernel holds
		 * the kind folder's lock until the rmdir is answered. */
		names_take(&ctx(req)->named, n.sock->id);
		sock_close(n.sock);
	}
	fuse_reply_err(req, err);
}

/* rm fileN closes a received file; nothing else can be removed. */
static void sfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node n;
	int err = find_child(req, parent, name, &n);

	if (!err && !tree_is_file_slot(n.file))
		err = EPERM;
	if (!err)
		err = -rfile_close(n.sock, n.file - F_FILE0);
	fuse_reply_err(req, err);
}

static void sfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n;
	struct fh *fh;
	const struct sock_file *row;
	int acc = fi->flags & O_ACCMODE;
	int err = -tree_node(ctx(req), ino, &n);

	if (!err && tree_is_dir(n.file))
		err = EISDIR;
	if (!err)
		err = check_owner(req, &n);
	if (!err && acc != O_RDONLY && !tree_is_writable(n.file))
		err = EACCES;
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	row = tree_sock_file(n.file);
	fh = fh_open(ctx(req), &n, caller_of(req), row && row->acts);
	if (fh == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)fh;
	/* Pipe-like (no page cache, no seeking, no size); fileN keeps offsets. */
	fi->direct_io = 1;
	fi->nonseekable = !tree_is_file_slot(n.file);
	/* An open whose caller is gone gets no release: undo it here. */
	if (fuse_reply_open(req, fi) == -ENOENT)
		fh_free(ctx(req), fh);
}

static void sfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fh_free(ctx(req), (struct fh *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* --- text files: contents fixed at the first read --- */

/* Builds the text of FH's file; returns 0 or an errno. */
static int make_text(fuse_req_t req, struct fh *fh, char **text, size_t *len)
{
	struct node n = { fh->file, fh->kind, fh->h ? fh->h->sock : NULL };

	return tree_text(ctx(req), &n, caller_of(req), text, len);
}

static void read_text(fuse_req_t req, struct fh *fh, size_t size)
{
	size_t n;

	if (!fh->snapped) {
		int err = make_text(req, fh, &fh->snap, &fh->snap_len);
		if (err) {
			fuse_reply_err(req, err);
			return;
		}
		fh->snapped = true;
	}
	n = fh->snap_len - fh->snap_off;
	if (n > size)
		n = size;
	fuse_reply_buf(req, fh->snap + fh->snap_off, n);
	fh->snap_off += n;
}

/* --- data and ctl: may wait --- */

/* True while an interrupt is handled: libfuse holds the request's lock
 * then, and will not interrupt that request again. */
static bool interrupting;

/* A signal for the caller: the request ends, unless the signal is one the
 * process takes for itself (intr.c). */
static void on_interrupt(fuse_req_t req, void *data)
{
	interrupting = true;
	intr_request(&ctx(req)->intr, data, fuse_req_ctx(req)->pid);
	interrupting = false;
}

/* Answers W's request, after the names being dropped from the kernel's
 * cache (inval.c) if there are any: a closed socket's waiters (a reader's
 * end of file, a writer's EPIPE) and the ctl write that closed it must not
 * hear of the close before its name is gone, or `[ -d folder ]` right
 * after would still find it.  Reads are answered here only without data. */
static void reply_after_names(struct waiter *w, bool write, ssize_t res)
{
	fuse_req_t req = w->cookie;
	struct inval *iv = ctx(req)->inval;

	/* W is freed when this returns; an interrupt arriving while the
	 * reply waits must not reach it.  (Within an interrupt, none can,
	 * and the request's lock is held.) */
	if (inval_names_pending(iv) && !interrupting)
		fuse_req_interrupt_func(req, NULL, NULL);
	inval_reply(iv, req, write, res);
}

static void read_done(struct waiter *w, ssize_t res)
{
	intr_forget(&ctx(w->cookie)->intr, w);
	if (res <= 0)
		reply_after_names(w, false, res);
	else if (fuse_reply_buf(w->cookie, w->buf, (size_t)res) == -ENOENT)
		w->undelivered = true;	/* the caller is gone */
}

static void write_done(struct waiter *w, ssize_t res)
{
	intr_forget(&ctx(w->cookie)->intr, w);
	reply_after_names(w, true, res);
}

/* What the stack needs to know of REQ to answer it, now or later. */
static struct wait_req request(fuse_req_t req, struct fuse_file_info *fi, size_t len,
			       waiter_done_fn done)
{
	return (struct wait_req){ .who = caller_of(req), .nonblock = (fi->flags & O_NONBLOCK) != 0,
				  .len = len, .done = done, .cookie = req };
}

/* A read to fill the page cache, not a caller's read(2).  The kernel sends
 * a direct read (the only kind FOPEN_DIRECT_IO files get from read(2))
 * with the reader's lock owner, a hash of its file table that is never 0
 * but once in 2^64; readahead and read_folio send none.  Only splice(2) and
 * sendfile(2) reach the page cache here, on kernels without upstream's
 * copy_splice_read fix for direct_io files, and a kernel with the fix sends
 * direct reads for them, which are served. */
static bool page_cache_read(const struct fuse_file_info *fi)
{
	return fi->lock_owner == 0;
}

static void sfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct wait_req rq;
	struct waiter *w;

	/* Refused before anything is made or taken: a message read into the
	 * cache would be lost to the next read(2), or served twice.  EINVAL is
	 * what splice(2) gives for a file it cannot splice, and what makes
	 * busybox, python's shutil and others fall back to read(2). */
	if (page_cache_read(fi)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (tree_is_text(fh->file)) {
		read_text(req, fh, size);
		return;
	}
	rq = request(req, fi, size, read_done);
	if (tree_is_file_slot(fh->file))
		w = rfile_read(fh->h, fh->file - F_FILE0, &rq, off);
	else
		w = tree_sock_file(fh->file)->read(fh->h, &rq);
	if (w)
		fuse_req_interrupt_func(req, on_interrupt, w);
}

static void sfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		      off_t off, struct fuse_file_info *fi)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	struct wait_req rq;
	struct waiter *w;

	if (!tree_is_writable(fh->file)) {
		fuse_reply_err(req, EBADF);
		return;
	}
	rq = request(req, fi, size, write_done);
	if (tree_is_file_slot(fh->file))
		w = rfile_write(fh->h, fh->file - F_FILE0, &rq, buf, size, off);
	else
		w = tree_sock_file(fh->file)->write(fh->h, &rq, buf, size);
	if (w)
		fuse_req_interrupt_func(req, on_interrupt, w);
}

/* --- the kernel's cache --- */

void sockfs_gone_notify(void *arg, struct sock *s)
{
	struct fsctx *fs = arg;

	if (!names_take(&fs->named, s->id) || fs->ending)
		return;		/* never cached; or the mount goes with the daemon */
	inval_name(fs->inval, tree_ino(F_KINDDIR, (int)s->kind, 0), s->name,
		   tree_ino(F_SOCKDIR, (int)s->kind, s->id));
}

/* --- poll --- */

static void sfs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph)
{
	struct fh *fh = (struct fh *)(uintptr_t)fi->fh;
	const struct sock_file *row = tree_sock_file(fh->file);

	/* Text files never block; received files are not watched. */
	fuse_reply_poll(req, fh_poll(fh, fi->poll_events, ph, row ? row->poll : NULL));
}

const struct fuse_lowlevel_ops sockfs_ops = {
	.init = sfs_init,
	.lookup = sfs_lookup,
	.getattr = sfs_getattr,
	.setattr = sfs_setattr,
	.readdir = sfs_readdir,
	.mkdir = sfs_mkdir,
	.rmdir = sfs_rmdir,
	.unlink = sfs_unlink,
	.open = sfs_open,
	.release = sfs_release,
	.read = sfs_read,
	.write = sfs_write,
	.poll = sfs_poll,
};
