/*
 * Acting as the caller.  The daemon may run as root, but what a caller
 * asks for is done with the caller's rights: a path named in cmsg is
 * opened with the caller's fsuid, fsgid and groups (the loop's thread
 * only, and only for that open).
 */
#ifndef SOCKFS_IDENT_H
#define SOCKFS_IDENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "caller.h"

/* Switches the loop thread's fsuid, fsgid and groups to WHO's (nothing
 * when WHO is the daemon's own user).  0, or -EPERM when the switch is
 * not possible (an unprivileged daemon serving another user): fail closed. */
struct as_caller {
	bool switched;
	int ngroups;
	gid_t groups[256];
};
int as_caller_enter(const struct caller *who, struct as_caller *saved);
void as_caller_leave(struct as_caller *saved);

/* open(2) of PATH (absolute) with FLAGS as WHO; returns an fd or -errno. */
int open_as(const struct caller *who, const char *path, int flags);

/* Whether WHO has capability CAP in its effective set (from /proc; a
 * caller the daemon cannot see, pid 0, has none). */
bool caller_has_cap(const struct caller *who, int cap);

/* Whether WHO's gid or one of its groups is in net.ipv4.ping_group_range. */
bool caller_may_ping(const struct caller *who);

/* net.ipv4.ip_unprivileged_port_start (1024 when it cannot be read). */
unsigned unprivileged_port_start(void);

/* True when pids A and B are one process or parent and child or siblings
 * (AP and BP their parents, 0 when unknown). */
bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp);

#endif
