#include "config.h"

#include "p9io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "accept.h"
#include "cmsgwrite.h"
#include "ctlexec.h"
#include "data.h"
#include "rfile.h"

int p9_fid_node(struct session *ss, struct fid *f, struct node *n)
{
	return -tree_node(ss->srv->fs, f->ino, n);
}

bool p9_offset(uint64_t off, uint64_t count, off_t *out)
{
	if (off > (uint64_t)INT64_MAX - count)
		return false;
	*out = (off_t)off;
	return true;
}

int p9_check_owner(const struct node *n, const struct caller *who)
{
	return n->sock && !sock_visible_to(n->sock, who) ? EACCES : 0;
}

void p9_lopen(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f = fid_find(ss, p9_u32(m));
	uint32_t flags = p9_u32(m);
	int acc = (int)(flags & O_ACCMODE);
	struct node n;
	struct stat st;
	int err = m->bad ? EPROTO : f == NULL ? EBADF : f->open ? EBUSY : 0;

	if (!err)
		err = p9_fid_node(ss, f, &n);
	if (!err)
		err = p9_check_owner(&n, &f->who);
	if (!err && tree_is_dir(n.file) && acc != O_RDONLY)
		err = EISDIR;
	if (!err && !tree_is_dir(n.file) && acc != O_RDONLY && !tree_is_writable(n.file))
		err = EACCES;
	if (!err && !tree_is_dir(n.file) && n.sock) {
		const struct sock_file *row = tree_sock_file(n.file);
		if ((f->h = handle_open_as(n.sock, f, f->who, row && row->acts)) == NULL)
			err = ENOMEM;
	}
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	f->open = true;
	f->file = n.file;
	f->mode = acc;
	f->nonblock = (flags & P9_DOTL_NONBLOCK) != 0;
	tree_stat(ss->srv->fs, &n, &st);
	m = reply_begin(ss, P9_TLOPEN + 1, tag);
	p9_putqid(m, &(struct p9qid){ .type = tree_is_dir(n.file) ? P9_QTDIR : 0, .path = st.st_ino });
	p9_put32(m, 0);		/* iounit: msize's */
	reply_send(ss);
}

/* A text file: its snapshot, in order, whatever the offset says. */
static void read_text(struct session *ss, struct fid *f, uint32_t count, uint16_t tag)
{
	struct node at = { f->file, f->kind, f->h ? f->h->sock : NULL };
	struct p9msg *m;
	size_t len;

	if (!f->snapped) {
		int err = tree_text(ss->srv->fs, &at, f->who, &f->snap, &f->snap_len);
		if (err) {
			reply_error(ss, tag, err);
			return;
		}
		f->snapped = true;
	}
	len = f->snap_len - f->snap_off;
	if (len > count)
		len = count;
	m = reply_begin(ss, P9_TREAD + 1, tag);
	p9_put32(m, (uint32_t)len);
	p9_putbytes(m, f->snap + f->snap_off, len);
	reply_send(ss);
	f->snap_off += len;
}

static void read_done(struct waiter *w, ssize_t res)
{
	struct req *r = w->cookie;
	struct session *ss = r->ss;
	struct p9msg *m;

	if (ss->dead) {
		w->undelivered = res > 0;	/* the stack keeps what it handed over */
	} else if (res < 0) {
		reply_error(ss, r->tag, (int)-res);
	} else {
		m = reply_begin(ss, P9_TREAD + 1, r->tag);
		p9_put32(m, (uint32_t)res);
		p9_putbytes(m, w->buf, (size_t)res);
		reply_send(ss);
		if (ss->dead)
			w->undelivered = res > 0;
		/* Linux's client reads on after a short read until a 0: data
		 * and listen (the streams of the table; fileN is a file). */
		if (res > 0 && (size_t)res < w->len && !r->fid->nonblock &&
		    !tree_is_file_slot(r->fid->file))
			r->fid->owe0 = true;
	}
	req_end(r);
}

static void write_done(struct waiter *w, ssize_t res)
{
	struct req *r = w->cookie;
	struct session *ss = r->ss;

	if (ss->dead)
		;
	else if (res < 0)
		reply_error(ss, r->tag, (int)-res);
	else {
		p9_put32(reply_begin(ss, P9_TWRITE + 1, r->tag), (uint32_t)res);
		reply_send(ss);
	}
	req_end(r);
}

/* An open fid for READ (or write), or the errno to answer. */
static struct fid *io_fid(struct session *ss, uint32_t num, bool write, int *err)
{
	struct fid *f = fid_find(ss, num);

	*err = 0;
	if (f == NULL || !f->open)
		*err = EBADF;
	else if (tree_is_dir(f->file))
		*err = EISDIR;
	else if (write ? f->mode == O_RDONLY : f->mode == O_WRONLY)
		*err = EBADF;
	return *err ? NULL : f;
}

static struct wait_req wait_req(struct fid *f, struct req *r, size_t len, waiter_done_fn done)
{
	return (struct wait_req){ .who = f->who, .nonblock = f->nonblock, .len = len,
				  .done = done, .cookie = r };
}

void p9_read(struct session *ss, struct p9msg *m, uint16_t tag)
{
	uint32_t num = p9_u32(m);
	uint64_t off = p9_u64(m);
	uint32_t count = p9_u32(m);
	struct wait_req rq;
	struct waiter *w;
	struct req *r;
	off_t at;
	int err;
	struct fid *f = io_fid(ss, num, false, &err);

	if (!err && m->bad)
		err = EPROTO;
	if (!err && !p9_offset(off, count, &at))
		err = EINVAL;
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	if (count > ss->msize - P9_IOHDR)
		count = ss->msize - P9_IOHDR;
	if (f->owe0) {
		f->owe0 = false;
		p9_put32(reply_begin(ss, P9_TREAD + 1, tag), 0);
		reply_send(ss);
		return;
	}
	if (tree_is_text(f->file)) {
		read_text(ss, f, count, tag);
		return;
	}
	if (f->h == NULL) {
		reply_error(ss, tag, EBADF);
		return;
	}
	if ((r = req_new(ss, f, P9_TREAD, tag)) == NULL) {
		reply_error(ss, tag, ENOMEM);
		return;
	}
	rq = wait_req(f, r, count, read_done);
	if (tree_is_file_slot(f->file))
		w = rfile_read(f->h, f->file - F_FILE0, &rq, at);
	else
		w = tree_sock_file(f->file)->read(f->h, &rq);
	if (w)
		req_parked(r, w);
}

void p9_write(struct session *ss, struct p9msg *m, uint16_t tag)
{
	uint32_t num = p9_u32(m);
	uint64_t off = p9_u64(m);
	uint32_t count = p9_u32(m);
	const char *data = (const char *)p9_bytes(m, count);
	struct wait_req rq;
	struct waiter *w;
	struct req *r;
	off_t at;
	int err;
	struct fid *f = io_fid(ss, num, true, &err);

	if (!err && m->bad)
		err = EPROTO;
	if (!err && !p9_offset(off, count, &at))
		err = EINVAL;
	if (!err && (!tree_is_writable(f->file) || f->h == NULL))
		err = EBADF;
	if (!err && (r = req_new(ss, f, P9_TWRITE, tag)) == NULL)
		err = ENOMEM;
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	rq = wait_req(f, r, count, write_done);
	if (tree_is_file_slot(f->file))
		w = rfile_write(f->h, f->file - F_FILE0, &rq, data, count, at);
	else
		w = tree_sock_file(f->file)->write(f->h, &rq, data, count);
	if (w)
		req_parked(r, w);
}
