/*
 * The export: the tree the FUSE mount shows, served over 9P2000.L on a
 * unix socket (`sockfs --export unix:PATH`), for the Linux kernel's v9fs
 * client (mount -t 9p) in a VM, a sandbox, or another host through a
 * forwarded socket.  It runs in the daemon's loop and makes the same
 * stack calls the FUSE side does.  docs/remote.md says how to use it and
 * whom it trusts.
 */
#ifndef SOCKFS_NINE_H
#define SOCKFS_NINE_H

#include "tree.h"

struct nine;

/* Serves FS's tree on ADDR ("unix:PATH"): NULL, said on stderr, when it
 * cannot. */
struct nine *nine_start(struct fsctx *fs, const char *addr);
/* Ends every session (what waits is cancelled) and removes the socket.
 * Call before stack_fini. */
void nine_stop(struct nine *srv);

#endif
