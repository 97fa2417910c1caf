#include "config.h"

#include "nine.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "p9conn.h"
#include "p9io.h"
#include "rfile.h"

#define MSIZE_MAX (SOCKFS_IO_MAX + P9_IOHDR)
#define NAME_MAX_9P 256
#define V9FS_MAGIC 0x01021997

static struct p9qid qid_of(const struct stat *st)
{
	return (struct p9qid){ S_ISDIR(st->st_mode) ? P9_QTDIR : 0, 0, st->st_ino };
}

static struct p9qid node_qid(struct session *ss, const struct node *n)
{
	struct stat st;

	tree_stat(ss->srv->fs, n, &st);
	return qid_of(&st);
}

/* Tversion: 9P2000.L only; every fid of the session goes. */
static void do_version(struct session *ss, struct p9msg *m, uint16_t tag)
{
	uint32_t msize = p9_u32(m);
	char version[32];
	bool dotl;
	int err;

	p9_str(m, version, sizeof(version));
	dotl = !m->bad && strncmp(version, "9P2000.L", 8) == 0;
	if (msize > MSIZE_MAX)
		msize = MSIZE_MAX;
	if (msize < 4096 || m->bad) {
		reply_error(ss, tag, EPROTO);
		return;
	}
	while (!list_empty(&ss->fids))
		fid_free(ss, list_entry(ss->fids.head, struct fid, link));
	if (dotl && (err = -session_msize(ss, msize)) != 0) {
		reply_error(ss, tag, err);
		return;
	}
	ss->versioned = dotl;
	m = reply_begin(ss, P9_TVERSION + 1, tag);
	p9_put32(m, dotl ? msize : ss->msize);
	p9_putstr(m, dotl ? "9P2000.L" : "unknown");
	reply_send(ss);
}

static int peer(struct session *ss, struct caller *who)
{
	*who = (struct caller){ ss->peer_uid, ss->peer_gid, 0 };
	return 0;
}

/*
 * Whom an attach acts as.  A peer that is not root is itself, whatever
 * name it gives (another uid in n_uname: EPERM).  A root peer (qemu for a VM, a
 * forwarder run by root) vouches for its users: the attach's n_uname,
 * else its uname looked up here.  No pid: the caller has no process here,
 * so it acts with its uid and group only (no supplementary groups, no
 * capabilities) and paths, which mean a process's root and working
 * directory, are refused (docs/remote.md).
 */
static int attach_user(struct session *ss, const char *uname, uint32_t n_uname,
		       struct caller *who)
{
	struct passwd *pw = NULL;
	uid_t uid = ss->peer_uid;

	if (ss->peer_uid != 0)
		return n_uname != P9_NONUNAME && n_uname != ss->peer_uid ? EPERM : peer(ss, who);
	if (n_uname != P9_NONUNAME)
		uid = n_uname;
	else if (uname[0] && (pw = getpwnam(uname)) != NULL)
		uid = pw->pw_uid;
	if (uid == ss->peer_uid)
		who->gid = ss->peer_gid;
	else if (pw != NULL || (pw = getpwuid(uid)) != NULL)
		who->gid = pw->pw_gid;
	else
		who->gid = 65534;	/* nogroup: a uid this host does not know */
	who->uid = uid;
	who->pid = 0;
	return 0;
}

static void do_attach(struct session *ss, struct p9msg *m, uint16_t tag)
{
	uint32_t num = p9_u32(m);
	uint32_t afid = p9_u32(m);
	char uname[NAME_MAX_9P], aname[NAME_MAX_9P];
	uint32_t n_uname;
	struct caller who;
	struct fid *f;
	int err;

	p9_str(m, uname, sizeof(uname));
	p9_str(m, aname, sizeof(aname));
	n_uname = p9_u32(m);
	err = m->bad || !ss->versioned ? EPROTO : afid != P9_NOFID ? EINVAL : 0;
	if (!err)
		err = attach_user(ss, uname, n_uname, &who);
	if (!err && (f = fid_new(ss, num)) == NULL)
		err = EBADF;
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	f->who = who;
	f->ino = tree_ino(F_ROOT, -1, 0);
	f->kind = -1;
	m = reply_begin(ss, P9_TATTACH + 1, tag);
	p9_putqid(m, &(struct p9qid){ P9_QTDIR, 0, f->ino });
	reply_send(ss);
}

/* One step of a walk from N: NAME in it, or its parent for "..". */
static int walk_step(struct session *ss, struct node *n, const char *name,
		     const struct caller *who)
{
	struct node next;
	int err = p9_check_owner(n, who);

	if (err)
		return err;
	if (strcmp(name, "..") == 0) {
		if (n->file == F_SOCKDIR)
			*n = (struct node){ F_KINDDIR, n->kind, NULL };
		else if (n->file == F_KINDDIR)
			*n = (struct node){ F_ROOT, -1, NULL };
		return 0;
	}
	if ((err = -tree_lookup(ss->srv->fs, n, name, &next)) == 0)
		*n = next;
	return err;
}

static void do_walk(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f = fid_find(ss, p9_u32(m));
	uint32_t newnum = p9_u32(m);
	uint16_t nw = p9_u16(m);
	struct p9qid qids[16];
	struct node n;
	int i, err = m->bad || nw > 16 ? EPROTO : f == NULL || f->open ? EBADF : 0;
	struct fid *nf;

	if (!err)
		err = p9_fid_node(ss, f, &n);
	/* I counts the steps taken. */
	for (i = 0; !err && i < nw; ) {
		char name[NAME_MAX_9P];
		p9_str(m, name, sizeof(name));
		err = m->bad ? EPROTO : walk_step(ss, &n, name, &f->who);
		if (!err)
			qids[i++] = node_qid(ss, &n);
	}
	/* The first step failing is an error; a later one, a short walk. */
	if (err && (i == 0 || err == EPROTO)) {
		reply_error(ss, tag, err);
		return;
	}
	if (!err) {
		nf = newnum == f->num ? f : fid_new(ss, newnum);
		if (nf == NULL) {
			reply_error(ss, tag, EBADF);
			return;
		}
		nf->who = f->who;
		nf->ino = node_qid(ss, &n).path;
		nf->kind = n.kind;
	}
	m = reply_begin(ss, P9_TWALK + 1, tag);
	p9_put16(m, (uint16_t)i);
	for (int j = 0; j < i; j++)
		p9_putqid(m, &qids[j]);
	reply_send(ss);
}

/* A fid's node for WHO to look at: 0 or an errno. */
static int fid_look(struct session *ss, uint32_t num, struct fid **f, struct node *n)
{
	int err;

	if ((*f = fid_find(ss, num)) == NULL)
		return EBADF;
	err = p9_fid_node(ss, *f, n);
	return err ? err : p9_check_owner(n, &(*f)->who);
}

static void do_getattr(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node n;
	struct stat st;
	struct p9qid q;
	int err = fid_look(ss, p9_u32(m), &f, &n);

	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	tree_stat(ss->srv->fs, &n, &st);
	m = reply_begin(ss, P9_TGETATTR + 1, tag);
	p9_put64(m, 0x7ff);		/* P9_STATS_BASIC */
	q = qid_of(&st);
	p9_putqid(m, &q);
	p9_put32(m, st.st_mode);
	p9_put32(m, st.st_uid);
	p9_put32(m, st.st_gid);
	p9_put64(m, st.st_nlink);
	p9_put64(m, 0);
	p9_put64(m, (uint64_t)st.st_size);
	p9_put64(m, (uint64_t)st.st_blksize);
	p9_put64(m, (uint64_t)st.st_blocks);
	p9_put64(m, (uint64_t)st.st_atim.tv_sec);
	p9_put64(m, (uint64_t)st.st_atim.tv_nsec);
	p9_put64(m, (uint64_t)st.st_mtim.tv_sec);
	p9_put64(m, (uint64_t)st.st_mtim.tv_nsec);
	p9_put64(m, (uint64_t)st.st_ctim.tv_sec);
	p9_put64(m, (uint64_t)st.st_ctim.tv_nsec);
	for (int i = 0; i < 4; i++)
		p9_put64(m, 0);		/* btime, gen, data_version */
	reply_send(ss);
}

/* Truncation (`>` is O_TRUNC: the client sends size 0) and times are
 * accepted and mean nothing; owner and mode are not offered. */
static void do_setattr(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node n;
	int err = fid_look(ss, p9_u32(m), &f, &n);
	uint32_t valid = p9_u32(m);

	if (!err && (valid & 0x7))	/* P9_ATTR_MODE, UID, GID */
		err = EPERM;
	if (err)
		reply_error(ss, tag, err);
	else {
		reply_begin(ss, P9_TSETATTR + 1, tag);
		reply_send(ss);
	}
}

static void do_readdir(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node dir, child;
	int err = fid_look(ss, p9_u32(m), &f, &dir);
	uint64_t woff = p9_u64(m);
	uint32_t count = p9_u32(m);
	const char *name;
	off_t off, next;
	size_t at;

	if (!err && !tree_is_dir(dir.file))
		err = ENOTDIR;
	/* The tree's offsets are its own, all small: a negative one (a
	 * far side's, never the kernel's on the mount) is refused. */
	if (!err && !p9_offset(woff, 0, &off))
		err = EINVAL;
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	if (count > ss->msize - P9_IOHDR)
		count = ss->msize - P9_IOHDR;
	m = reply_begin(ss, P9_TREADDIR + 1, tag);
	p9_put32(m, 0);
	at = m->len;
	while (tree_dirent(ss->srv->fs, &dir, &f->who, off, &name, &child, &next)) {
		struct p9qid q = node_qid(ss, &child);
		size_t len = m->len;
		if (len - at + 13 + 8 + 1 + 2 + strlen(name) > count)
			break;
		p9_putqid(m, &q);
		p9_put64(m, (uint64_t)next);
		p9_put8(m, q.type == P9_QTDIR ? 4 : 8);	/* DT_DIR, DT_REG */
		p9_putstr(m, name);
		off = next;
	}
	next = (off_t)m->len;	/* the count goes in front of the entries */
	m->len = at - 4;
	p9_put32(m, (uint32_t)((size_t)next - at));
	m->len = (size_t)next;
	reply_send(ss);
}

static void do_mkdir(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node dir, n;
	struct p9qid q;
	char name[NAME_MAX_9P];
	int err = fid_look(ss, p9_u32(m), &f, &dir);

	p9_str(m, name, sizeof(name));
	if (!err && m->bad)
		err = EPROTO;
	if (!err && dir.file != F_KINDDIR)
		err = dir.file == F_SOCKDIR ? EPERM : EACCES;
	if (!err)
		err = -sock_create_as(&ss->srv->fs->st, (enum kind)dir.kind, name, &f->who, &n.sock);
	if (err) {
		reply_error(ss, tag, err);
		return;
	}
	n.file = F_SOCKDIR;
	n.kind = dir.kind;
	q = node_qid(ss, &n);
	m = reply_begin(ss, P9_TMKDIR + 1, tag);
	p9_putqid(m, &q);
	reply_send(ss);
}

/* rmdir closes a socket; rm fileN closes a received file; nothing else
 * goes.  N is what is removed, looked at as WHO. */
static int remove_node(const struct node *n, const struct caller *who, bool dir)
{
	int err = p9_check_owner(n, who);

	if (err)
		return err;
	if (dir && n->file != F_SOCKDIR)
		return n->file == F_CLONE ? EPERM : ENOTDIR;
	if (!dir && n->file == F_SOCKDIR)
		return EISDIR;
	if (dir) {
		sock_close(n->sock);
		return 0;
	}
	return tree_is_file_slot(n->file) ? -rfile_close(n->sock, n->file - F_FILE0) : EPERM;
}

static void do_unlinkat(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node dir, n;
	char name[NAME_MAX_9P];
	int err = fid_look(ss, p9_u32(m), &f, &dir);
	uint32_t flags;

	p9_str(m, name, sizeof(name));
	flags = p9_u32(m);
	if (!err && m->bad)
		err = EPROTO;
	if (!err)
		err = -tree_lookup(ss->srv->fs, &dir, name, &n);
	if (!err)
		err = remove_node(&n, &f->who, (flags & P9_AT_REMOVEDIR) != 0);
	if (err)
		reply_error(ss, tag, err);
	else {
		reply_begin(ss, P9_TUNLINKAT + 1, tag);
		reply_send(ss);
	}
}

/* Tremove: the fid goes whatever the answer. */
static void do_remove(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f;
	struct node n;
	int err = fid_look(ss, p9_u32(m), &f, &n);

	if (!err)
		err = remove_node(&n, &f->who, n.file == F_SOCKDIR);
	if (f)
		fid_free(ss, f);
	if (err)
		reply_error(ss, tag, err);
	else {
		reply_begin(ss, P9_TREMOVE + 1, tag);
		reply_send(ss);
	}
}

static void do_clunk(struct session *ss, struct p9msg *m, uint16_t tag)
{
	struct fid *f = fid_find(ss, p9_u32(m));

	if (f == NULL) {
		reply_error(ss, tag, EBADF);
		return;
	}
	fid_free(ss, f);
	reply_begin(ss, P9_TCLUNK + 1, tag);
	reply_send(ss);
}

static void do_statfs(struct session *ss, struct p9msg *m, uint16_t tag)
{
	if (fid_find(ss, p9_u32(m)) == NULL) {
		reply_error(ss, tag, EBADF);
		return;
	}
	m = reply_begin(ss, P9_TSTATFS + 1, tag);
	p9_put32(m, V9FS_MAGIC);
	p9_put32(m, 4096);
	for (int i = 0; i < 6; i++)
		p9_put64(m, 0);		/* blocks, bfree, bavail, files, ffree, fsid */
	p9_put32(m, SOCK_NAME_MAX);
	reply_send(ss);
}

static void do_flush(struct session *ss, struct p9msg *m, uint16_t tag)
{
	uint16_t oldtag = p9_u16(m);

	if (m->bad)
		reply_error(ss, tag, EPROTO);
	else
		req_flush(ss, tag, oldtag);
}

static void do_fsync(struct session *ss, struct p9msg *m, uint16_t tag)
{
	if (fid_find(ss, p9_u32(m)) == NULL)
		reply_error(ss, tag, EBADF);
	else {
		reply_begin(ss, P9_TFSYNC + 1, tag);
		reply_send(ss);
	}
}

static void handle(struct session *ss, struct p9msg *m, uint8_t type, uint16_t tag)
{
	if (type != P9_TVERSION && !ss->versioned) {
		reply_error(ss, tag, EPROTO);
		return;
	}
	switch (type) {
	case P9_TVERSION: do_version(ss, m, tag); break;
	case P9_TATTACH: do_attach(ss, m, tag); break;
	case P9_TWALK: do_walk(ss, m, tag); break;
	case P9_TLOPEN: p9_lopen(ss, m, tag); break;
	case P9_TREAD: p9_read(ss, m, tag); break;
	case P9_TWRITE: p9_write(ss, m, tag); break;
	case P9_TCLUNK: do_clunk(ss, m, tag); break;
	case P9_TREMOVE: do_remove(ss, m, tag); break;
	case P9_TGETATTR: do_getattr(ss, m, tag); break;
	case P9_TSETATTR: do_setattr(ss, m, tag); break;
	case P9_TREADDIR: do_readdir(ss, m, tag); break;
	case P9_TMKDIR: do_mkdir(ss, m, tag); break;
	case P9_TUNLINKAT: do_unlinkat(ss, m, tag); break;
	case P9_TSTATFS: do_statfs(ss, m, tag); break;
	case P9_TFLUSH: do_flush(ss, m, tag); break;
	case P9_TFSYNC: do_fsync(ss, m, tag); break;
	case P9_TLCREATE:
		/* Only mkdir makes a name here (a socket): no plain files. */
		reply_error(ss, tag, EACCES);
		break;
	default:
		/* Tauth (trust comes from the socket's peer), xattrs, locks,
		 * links, renames: not offered. */
		reply_error(ss, tag, EOPNOTSUPP);
		break;
	}
}

struct nine *nine_open(const char *addr)
{
	return nine_conn_open(addr, handle);
}

int nine_start(struct nine *srv, struct fsctx *fs)
{
	return nine_conn_start(srv, fs) < 0 ? -1 : 0;
}

void nine_stop(struct nine *srv)
{
	nine_conn_stop(srv);
}
