#include "config.h"

#include "fh.h"

#include <poll.h>
#include <stdlib.h>

#include "access.h"

struct fh *fh_open(struct fsctx *fs, const struct node *n, struct caller who, bool acts)
{
	struct fh *fh = calloc(1, sizeof(*fh));

	if (fh == NULL)
		return NULL;
	/* Only a socket's files have a handle in the stack. */
	if (n->sock && (fh->h = handle_open_as(n->sock, fh, who, acts)) == NULL) {
		free(fh);
		return NULL;
	}
	fh->file = n->file;
	fh->kind = n->kind;
	list_append(&fs->open_files, &fh->link);
	return fh;
}

/* --- poll: the pollhandle's whole life --- */

static void poll_drop(struct fh *fh)
{
	if (fh->ph)
		fuse_pollhandle_destroy(fh->ph);
	fh->ph = NULL;
}

uint32_t fh_poll(struct fh *fh, uint32_t events, struct fuse_pollhandle *ph, poll_fn ready_for)
{
	uint32_t ready;

	if (ready_for == NULL) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		return POLLIN | POLLOUT;
	}
	/* One poll handle per open file: a newer one replaces the old. */
	poll_drop(fh);
	fh->ph = ph;
	/* The stack watches the socket exactly while PH is kept here. */
	ready = ready_for(fh->h, events, ph != NULL);
	if (ready & (events | POLLERR | POLLHUP))
		poll_drop(fh);
	return ready;
}

void fh_poll_ready(void *fs, struct handle *h)
{
	struct fh *fh = h->owner;

	if (fh->ph)
		fuse_lowlevel_notify_poll(fh->ph);
	poll_drop(fh);
}

void fh_free(struct fsctx *fs, struct fh *fh)
{
	list_remove(&fs->open_files, &fh->link);
	if (fh->h)
		handle_close(fh->h);	/* polled no more */
	poll_drop(fh);
	free(fh->snap);
	free(fh);
}

void fh_free_all(struct fsctx *fs)
{
	struct link *l;

	while ((l = fs->open_files.head) != NULL)
		fh_free(fs, list_entry(l, struct fh, link));
}
