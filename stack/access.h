/*
 * Who may do what: the one place for the rules sockfs keeps for its
 * callers.  A socket belongs to the user who made it, and only that user
 * and root see or use it (the status and sockets files, cmsg's "socket"
 * rights, the fs layer's permission checks).  Everything else the kernel
 * decides: the daemon makes its calls as the caller (actor.h); this only
 * puts the kernel's refusals into words.
 */
#ifndef SOCKFS_ACCESS_H
#define SOCKFS_ACCESS_H

#include <stdbool.h>

#include "caller.h"
#include "sock.h"

/* True when WHO may see and use S. */
bool sock_visible_to(const struct sock *s, const struct caller *who);

/* sock_ensure_fd as WHO (socket(2) made by a thread acting as WHO, unless
 * it acts for WHO already): a raw or ping socket the kernel refuses WHO
 * fails with the reason in *WHY. */
int sock_ensure_fd_for(struct sock *s, const struct caller *who, int family, const char **why);

/* sock_create and sock_pair made by a thread acting as WHO: a unix
 * socket is WHO's in the kernel (its owner; SO_PEERCRED of a pair). */
int sock_create_as(struct stack *st, enum kind k, const char *name, const struct caller *who,
		   struct sock **out);
int sock_pair_as(struct stack *st, enum kind k, const struct caller *who, struct sock **a,
		 struct sock **b);

/* handle_open by WHO; with ACTS (ctl, cmsg), all WHO is now (actor.h)
 * is kept for the writes on it. */
struct handle *handle_open_as(struct sock *s, void *owner, struct caller who, bool acts);

/* A write on H by RQ's caller: true, or false with RQ refused (EPERM,
 * the reason in err) when the writer is not the user who opened H (a
 * set-user-ID program writing to a descriptor a user handed it). */
bool writer_is_opener(struct handle *h, const struct wait_req *rq);

/* ERR from binding A, with the reason in *WHY when it is a low port. */
int bind_refused_why(const struct saddr *a, int err, const char **why);

#endif
