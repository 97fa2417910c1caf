/*
 * Acting as a caller, as the kernel sees it.  The daemon may be root
 * serving many users; what it does for one of them must be that user's
 * own act: the socket's owner (SO_REUSEPORT's same-owner rule, the
 * firewall's owner match), SO_PEERCRED, ping_group_range, and every
 * capability check.  Credentials are per thread on Linux, and glibc's
 * wrappers change every thread at once, so a thread switches with the raw
 * system calls: the caller's effective uid and gid (so fsuid and fsgid),
 * groups, and exactly the capabilities the caller holds in the daemon's
 * user namespace.  The real and saved uid stay the daemon's: the thread
 * can come back, and the caller can neither signal nor trace it meanwhile.
 */
#ifndef SOCKFS_ACTOR_H
#define SOCKFS_ACTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "caller.h"

#define ACTOR_GROUPS_MAX 256

struct actor {
	uid_t uid;
	gid_t gid;
	pid_t pid;		/* 0: the caller's namespace hides it */
	int ngroups;
	gid_t groups[ACTOR_GROUPS_MAX];
	uint64_t caps;		/* effective, in the daemon's user namespace */
	mode_t umask;
};

/* Once, before another thread starts: what the daemon itself is. */
int actor_init(void);

/* A new thread starts with the credentials of the thread that made it,
 * which may have been acting for a caller: it becomes the daemon again. */
void actor_thread_init(void);

/* A's identity for WHO, from /proc (a caller the daemon cannot see has
 * no groups and no capabilities). */
void actor_load(struct actor *a, const struct caller *who);

/* This thread acts as A until actor_leave: 0, or -EPERM where the daemon
 * cannot switch (a daemon that is not root serving another user: fail
 * closed).  A pair inside another for the same caller costs nothing. */
int actor_enter(const struct actor *a);
void actor_leave(void);

/* actor_enter for WHO, read from /proc unless this thread acts for WHO's
 * user already; actor_leave ends it. */
int actor_enter_caller(const struct caller *who);

/* Whether the thread acts for a caller now. */
bool actor_acting(void);

/* The daemon's own capabilities back for a step it takes for itself in
 * the middle (going back to its root), then the caller's again. */
void actor_raise(void);
void actor_lower(void);

/* The thread enters the network namespace of process PID, so that the
 * sockets it makes live there (they stay there for good), until
 * actor_leave_netns: 0, or -EPERM when PID's cannot be found (pid 0).
 * Nothing to do when it is the daemon's own. */
int actor_enter_netns(pid_t pid);
void actor_leave_netns(void);

/* Whether A holds capability CAP, for a reason to give when the kernel
 * refuses (the kernel decides, not this). */
bool actor_has_cap(const struct actor *a, int cap);

#endif
