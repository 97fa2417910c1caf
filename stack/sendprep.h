/*
 * One send, prepared on the loop and made there or by a worker: the
 * destination, the flags, and the control messages twice, with the
 * writer's pid and with the daemon's.  A writer whose pid this namespace
 * cannot see (0), or that is gone (ESRCH), sends with the daemon's pid and
 * its own uid and gid: never root's.
 */
#ifndef SOCKFS_SENDPREP_H
#define SOCKFS_SENDPREP_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cmsgout.h"
#include "sock.h"

struct send_prep {
	struct saddr to;		/* len 0: none (connected) */
	int flags;
	union { char buf[CMSG_OUT_ROOM]; struct cmsghdr align; } control[2];
	size_t controllen[2];
	bool retry;			/* control[1] is the ESRCH retry */
};

/* For a write by WHO on S carrying C (NULL: none); FIRST: the write's
 * first send (rights go once). */
void send_prepare(const struct sock *s, const struct cmsg_out *c, const struct caller *who,
		  bool first, struct send_prep *p);
/* Sends LEN bytes of DATA on FD as P says: bytes sent, or -errno. */
ssize_t send_prepped(int fd, const struct send_prep *p, const char *data, size_t len);

#endif
