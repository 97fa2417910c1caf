#include "config.h"

#include "fh.h"

#include <stdlib.h>

#include "access.h"

struct fh *fh_open(struct fsctx *fs, const struct node *n, struct caller who, bool acts)
{
	struct fh *fh = calloc(1, sizeof(*fh));

	if (fh == NULL)
		return NULL;
	/* Socket files share the stack's handle; the others (clone,
	 * sockets) get a handle of their own with no socket. */
	fh->h = n->sock ? handle_open_as(n->sock, n->file, who, acts) : calloc(1, sizeof(*fh->h));
	if (fh->h == NULL) {
		free(fh);
		return NULL;
	}
	fh->file = n->file;
	fh->kind = n->kind;
	fh->h->file = n->file;
	list_append(&fs->open_files, &fh->link);
	return fh;
}

void fh_free(struct fsctx *fs, struct fh *fh)
{
	list_remove(&fs->open_files, &fh->link);
	if (fh->h->poll_handle)
		fuse_pollhandle_destroy(fh->h->poll_handle);
	handle_close(fh->h);
	free(fh);
}

void fh_free_all(struct fsctx *fs)
{
	struct link *l;

	while ((l = fs->open_files.head) != NULL)
		fh_free(fs, list_entry(l, struct fh, link));
}
