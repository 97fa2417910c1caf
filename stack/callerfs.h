/*
 * Paths in the caller's world.  A path a caller names (a unix address, a
 * file in cmsg `rights`, a TLS certificate) is looked up in the caller's
 * root and mount namespace, a relative one from the caller's working
 * directory, and through no magic link: /proc/self/fd/N on a daemon's
 * thread is the daemon's own descriptor.  Each worker thread has a root
 * and working directory of its own (unshare(CLONE_FS) when it starts); a
 * job that names paths enters the caller's (/proc/PID/root and cwd) as the
 * daemon, acts as the caller meanwhile, and comes back.
 */
#ifndef SOCKFS_CALLERFS_H
#define SOCKFS_CALLERFS_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* Once, before another thread starts. */
int callerfs_init(void);

/* On a worker thread when it starts: a root and cwd of its own. */
int callerfs_thread_init(void);

/* PID's root and working directory, opened (O_PATH) on the loop while its
 * request is there: 0, or -EPERM for a caller the daemon cannot see (pid
 * 0): its paths are not served in the daemon's root. */
int callerfs_pin_root(pid_t pid, int *root, int *cwd);

/* The thread enters ROOT and CWD (callerfs_pin_root's; the caller closes
 * them after callerfs_leave) and takes UMASK, as the daemon, before
 * actor_enter. */
int callerfs_enter(int root, int cwd, mode_t umask);

/* Back to the daemon's root and cwd (also in the middle of a job). */
void callerfs_leave(void);

/* open(2) of PATH in the caller's world with no magic link on the way;
 * a descriptor or -errno. */
int callerfs_open(const char *path, int flags);

/* A unix address with a path, pinned: the socket file found in the
 * caller's world, and *VIA a name for it that leads nowhere else (the
 * descriptor in the daemon's /proc/self/fd, relative to the thread's
 * working directory, which this moves there).  Call connect(2) or
 * sendto(2) with VIA, then callerfs_unpin with what this returned. */
int callerfs_pin(const struct sockaddr_un *a, socklen_t len, struct sockaddr_un *via,
		 socklen_t *vialen);
void callerfs_unpin(int pinned);

/* The thread's working directory moves to the daemon's /proc/self/fd,
 * where a descriptor's number, as a relative path, names that very file
 * (for code that takes only paths: OpenSSL); callerfs_fds_done goes back. */
int callerfs_fds_here(void);
void callerfs_fds_done(void);

/* bind(2) of FD to the path in A, in the caller's world: the folder it
 * goes in is found first with no magic link on the way. */
int callerfs_bind(int fd, const struct sockaddr_un *a, socklen_t len);

#endif
