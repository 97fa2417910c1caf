#include "config.h"

#include "fh.h"

#include <stdlib.h>

#include "access.h"

struct fh *fh_open(struct fsctx *fs, const struct node *n, struct caller who, bool acts)
{
	struct fh *fh = calloc(1, sizeof(*fh));

	if (fh == NULL)
		return NULL;
	/* Only a socket's files have a handle in the stack. */
	if (n->sock && (fh->h = handle_open_as(n->sock, n->file, who, acts)) == NULL) {
		free(fh);
		return NULL;
	}
	fh->file = n->file;
	fh->kind = n->kind;
	if (fh->h)
		fh->h->file = n->file;
	list_append(&fs->open_files, &fh->link);
	return fh;
}

void fh_free(struct fsctx *fs, struct fh *fh)
{
	list_remove(&fs->open_files, &fh->link);
	if (fh->h) {
		if (fh->h->poll_handle)
			fuse_pollhandle_destroy(fh->h->poll_handle);
		handle_close(fh->h);
	}
	free(fh->snap);
	free(fh);
}

void fh_free_all(struct fsctx *fs)
{
	struct link *l;

	while ((l = fs->open_files.head) != NULL)
		fh_free(fs, list_entry(l, struct fh, link));
}
