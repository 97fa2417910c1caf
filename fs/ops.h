/* The FUSE low-level operations: each file operation becomes a stack call. */
#ifndef SOCKFS_OPS_H
#define SOCKFS_OPS_H

#include <fuse_lowlevel.h>

#include "stack.h"

extern const struct fuse_lowlevel_ops sockfs_ops;

/* The stack's gone_notify: drops a closed socket's name from the
 * kernel's cache (inval.c), if fs handed it out. */
void sockfs_gone_notify(void *fs, struct sock *s);

#endif
