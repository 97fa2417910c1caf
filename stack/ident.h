/*
 * Acting as the caller.  The daemon may run as root, but what a caller
 * asks for is done with the caller's rights: a path named in cmsg is
 * opened with the caller's fsuid, fsgid and groups (the loop's thread
 * only, and only for that open).
 */
#ifndef SOCKFS_IDENT_H
#define SOCKFS_IDENT_H

#include "sock.h"

/* open(2) of PATH (absolute) with FLAGS as WHO; returns an fd or -errno. */
int open_as(const struct caller *who, const char *path, int flags);

/* True when pids A and B are one process or parent and child or siblings
 * (AP and BP their parents, 0 when unknown). */
bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp);

#endif
