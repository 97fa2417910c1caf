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

/* Listens on ADDR ("unix:PATH"): NULL, said on stderr, when it cannot.
 * Before the daemon forks: the socket is there when sockfs returns. */
struct nine *nine_open(const char *addr);
/* Serves FS's tree there from FS's loop (after stack_init): 0 or -1. */
int nine_start(struct nine *srv, struct fsctx *fs);
/* Ends every session (what waits is cancelled) and removes the socket
 * (NULL: nothing).  Call before stack_fini. */
void nine_stop(struct nine *srv);

#endif
