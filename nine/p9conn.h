/*
 * The export's connections: a listening unix socket in the daemon's one
 * loop, and per connection a session with its input buffer, a queue of
 * replies written without blocking, its fids, and the requests parked in
 * the stack (found again by tag for Tflush).  What each message means is
 * not here: a session hands every whole message to srv->handle.
 */
#ifndef SOCKFS_P9CONN_H
#define SOCKFS_P9CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"
#include "p9.h"
#include "tree.h"
#include "wait.h"

struct session;

/* Called with each whole message; M is positioned after the header. */
typedef void (*p9_handle_fn)(struct session *ss, struct p9msg *m, uint8_t type, uint16_t tag);

struct nine {
	struct fsctx *fs;
	struct loop_watch watch;
	int fd;
	char *path;		/* the socket's path, removed at the end */
	struct list sessions;
	p9_handle_fn handle;
};

/* A file the far side walked to, opened or not. */
struct fid {
	struct link link;	/* in ss->fids */
	struct link hlink;	/* in ss->fidmap, by num */
	uint32_t num;
	/* Where it is, as the FUSE side's inode numbers say it: found
	 * again at each use, so a closed socket is never touched. */
	fuse_ino_t ino;
	int kind;		/* -1 above the kind folders */
	struct caller who;	/* the attach's user, acted as for all it does */
	enum file_type file;	/* once opened: which file */
	struct handle *h;	/* once a socket's file is opened */
	/* Text files: the contents as of the first read, served in order
	 * whatever the offset says. */
	char *snap;
	size_t snap_len, snap_off;
	bool snapped;
	int mode;		/* O_RDONLY, O_WRONLY, O_RDWR once opened */
	bool open, nonblock;
	/* Linux's client (p9_client_read) repeats a read(2)'s Tread until
	 * its buffer is full or a Tread gives 0.  After a short read of data
	 * or listen the next Tread gives that 0 at once, so read(2) returns
	 * what came, as on the FUSE mount; the stack's own 0 that ends a
	 * message (message.c) is then the next read(2)'s, as there.  Not on
	 * a fid opened O_NONBLOCK: Linux reads those once. */
	bool owe0;
	int parked;		/* requests on it waiting in the stack */
};

/* A request parked in the stack, answered by its waiter's done. */
struct req {
	struct link link;	/* in ss->pending */
	struct session *ss;
	struct fid *fid;
	uint16_t tag;
	uint8_t type;		/* what it is: Tread, Twrite */
	struct waiter *w;	/* set once it parked */
	/* Tflush tags waiting for this request's reply: Rflush follows it. */
	uint16_t flush[8];
	int nflush;
};

/* Buckets of fids by number: a far side may hold 65536 fids, and each
 * message looks one up. */
#define FID_BUCKETS 1024

struct session {
	struct link link;	/* in srv->sessions */
	struct nine *srv;
	int fd;
	struct loop_watch watch;
	struct timer reap;	/* frees a dead session from the loop */
	uid_t peer_uid;		/* SO_PEERCRED: who connected */
	gid_t peer_gid;
	uint32_t msize;
	bool versioned, dead;
	bool held;		/* whole messages wait in `in` for a backlog */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	struct p9msg reply;	/* a reply being built (msize bytes) */
	struct list fids, pending;
	struct list fidmap[FID_BUCKETS];
	size_t nfids;
	uint64_t charged;	/* its buffers, in the peer's user_bytes */
};

/* Listens on ADDR ("unix:/path"), before the daemon forks, so that the
 * socket is there once sockfs returns; NULL, said on stderr, when it
 * cannot.  Messages go to HANDLE once started in FS's loop. */
struct nine *nine_conn_open(const char *addr, p9_handle_fn handle);
int nine_conn_start(struct nine *srv, struct fsctx *fs);
/* Closes every session (parked requests cancelled) and the socket. */
void nine_conn_stop(struct nine *srv);

/* The reply being built: begin, fill ss->reply, then send. */
struct p9msg *reply_begin(struct session *ss, uint8_t type, uint16_t tag);
void reply_send(struct session *ss);
void reply_error(struct session *ss, uint16_t tag, int err);
/* Sets the largest message (Tversion), growing the buffers. */
int session_msize(struct session *ss, uint32_t msize);

struct fid *fid_find(struct session *ss, uint32_t num);
struct fid *fid_new(struct session *ss, uint32_t num);
/* Cancels what waits on F, closes its handle, frees it. */
void fid_free(struct session *ss, struct fid *f);

/* A request about to go to the stack; req_parked once it waits there. */
struct req *req_new(struct session *ss, struct fid *f, uint8_t type, uint16_t tag);
void req_parked(struct req *r, struct waiter *w);
/* The request's end: Rflush for each Tflush that waited, then freed. */
void req_end(struct req *r);
/* Tflush: cancels the request with TAG (its reply, then Rflush), or
 * answers Rflush at once when none waits. */
void req_flush(struct session *ss, uint16_t tag, uint16_t oldtag);

#endif
