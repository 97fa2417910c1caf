/*
 * An open file: fs's own state for one open(2), beside the stack's handle
 * it points at.  Every open file is on fsctx->open_files, so that shutdown
 * can free those the kernel will never release.
 */
#ifndef SOCKFS_FH_H
#define SOCKFS_FH_H

#include "list.h"
#include "tree.h"

struct fh {
	enum file_type file;
	int kind;
	struct handle *h;		/* the stack's; NULL above sockets (clone, usage) */
	struct link link;		/* in fsctx->open_files */
	/* Text files: the contents as of the first read, served in order. */
	char *snap;
	size_t snap_len, snap_off;
	bool snapped;
	/* poll(2): the kernel's handle to wake the poller with.  At most
	 * one, set, replaced and destroyed only in fh.c. */
	struct fuse_pollhandle *ph;
};

/* Opens node N for WHO (with ACTS, all WHO is now: handle_open_as) and
 * puts it on FS's list; NULL when memory runs out. */
struct fh *fh_open(struct fsctx *fs, const struct node *n, struct caller who, bool acts);
/* Takes FH off the list and frees it with its handle. */
void fh_free(struct fsctx *fs, struct fh *fh);
/* Frees the files still open at shutdown: after an unmount or a signal
 * the kernel sends no release for them.  Call after stack_fini. */
void fh_free_all(struct fsctx *fs);

/* What a file is ready for (sock_poll); NULL: it never blocks. */
typedef uint32_t (*poll_fn)(struct handle *h, uint32_t events, bool watch);

/* Answers a poll of FH for EVENTS with what READY_FOR says it is ready for.
 * With PH, a poll that must wait keeps PH until fh_poll_ready; otherwise
 * PH goes at once. */
uint32_t fh_poll(struct fh *fh, uint32_t events, struct fuse_pollhandle *ph, poll_fn ready_for);
/* The stack's poll_notify: wakes the poll(2) waiting on H's open file. */
void fh_poll_ready(void *fs, struct handle *h);

#endif
