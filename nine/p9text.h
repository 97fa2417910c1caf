/*
 * The text files as the export serves them (ctl, peer, local, err,
 * status, cmsg, sockets, usage, and clone and pair, whose first read makes
 * sockets): the same words the FUSE mount's files hold, taken once at a
 * fid's first read and then read in order, as there.
 */
#ifndef SOCKFS_P9TEXT_H
#define SOCKFS_P9TEXT_H

#include <stddef.h>

#include "tree.h"

/* The text of file N (kind, socket) for WHO: 0 with *TEXT (malloc'ed,
 * *LEN bytes), or a positive errno. */
int p9_text(struct fsctx *fs, const struct node *n, const struct caller *who, char **text,
	    size_t *len);

#endif
