/* Who asked: the FUSE request's caller, or a test acting as one. */
#ifndef SOCKFS_CALLER_H
#define SOCKFS_CALLER_H

#include <sys/types.h>

struct caller {
	uid_t uid;
	gid_t gid;
	pid_t pid;		/* 0 when the caller's namespace hides it */
};

#endif
