/*
 * Who may do what: the one place for the rules sockfs keeps for its
 * callers.  A socket belongs to the user who made it, and only that user
 * and root see or use it (the status and sockets files, cmsg's "socket"
 * rights, the fs layer's permission checks).  Where the daemon acts with
 * its own rights, it refuses what the kernel would refuse the caller.
 */
#ifndef SOCKFS_ACCESS_H
#define SOCKFS_ACCESS_H

#include <stdbool.h>

#include "caller.h"
#include "sock.h"

/* True when WHO may see and use S. */
bool sock_visible_to(const struct sock *s, const struct caller *who);

/* sock_ensure_fd for WHO: raw and ping sockets are refused as the kernel
 * would refuse WHO, with the reason in *WHY. */
int sock_ensure_fd_for(struct sock *s, const struct caller *who, int family, const char **why);

/* Binding A: ports below ip_unprivileged_port_start need
 * CAP_NET_BIND_SERVICE.  0, or -EACCES with the reason in *WHY. */
int may_bind(const struct caller *who, const struct saddr *a, const char **why);

#endif
