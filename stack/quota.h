/*
 * What each user holds in the daemon, and how much each may hold.  One
 * daemon serves every user of the mount (allow_other), so one user must
 * not take what the others need: sockets, kernel descriptors, received
 * files, requests in progress (parked reads and writes) and the bytes the
 * daemon keeps for them.  Limits are per uid, set by mount options; root
 * has none, and descriptors keep a reserve that only root may use, as the
 * kernel keeps files and memory for root.  A user's uids in user
 * namespaces of their own (unshare --map-auto) count as that user.
 * Going over gives the errno a
 * program expects: EMFILE (a user's sockets, descriptors, files), ENFILE
 * (the daemon's own reserve), ENOBUFS (requests, bytes).
 */
#ifndef SOCKFS_QUOTA_H
#define SOCKFS_QUOTA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "caller.h"

enum quota_res { Q_SOCKETS, Q_FDS, Q_FILES, Q_WAITS, Q_BYTES, Q_COUNT };

struct tenant {
	struct tenant *next;
	uid_t uid;
	uint64_t used[Q_COUNT];
};

#define QUOTA_BUCKETS 64

/* A uid and the person it counts as (itself, or the owner of the user
 * namespace it lives in: a user's subordinate uids are that user). */
struct alias {
	struct alias *next;
	uid_t uid, person;
};

struct quotas {
	uint64_t limit[Q_COUNT];	/* per user; 0: none */
	uint64_t fds, fd_budget;	/* every user's descriptors, and the most */
	uint64_t reserve;		/* of fd_budget, root's alone */
	struct tenant *tab[QUOTA_BUCKETS];
	struct alias *alias[QUOTA_BUCKETS];
};

/* Defaults for a daemon that may hold FD_BUDGET descriptors. */
void quota_init(struct quotas *q, uint64_t fd_budget);
void quota_fini(struct quotas *q);

/* The option names, for mount options and usage: user_sockets, ... */
const char *quota_name(enum quota_res r);

/* Limits count people, not uids: UID, seen acting from process PID, is
 * learned as the person who owns the user namespace it lives in (the
 * daemon's own: itself), once; every charge below is then that person's.
 * Call it before charging a uid (a request's start). */
void quota_learn(struct quotas *q, uid_t uid, pid_t pid);
/* The person UID counts as (UID itself until learned otherwise). */
uid_t quota_person(const struct quotas *q, uid_t uid);

/* Charges N of R to UID: 0, or -EMFILE, -ENFILE, -ENOBUFS with nothing
 * charged, and a reason in *WHY. */
int quota_take(struct quotas *q, uid_t uid, enum quota_res r, uint64_t n, const char **why);
void quota_give(struct quotas *q, uid_t uid, enum quota_res r, uint64_t n);
/* quota_take for WHO's uid, its person learned first. */
int quota_take_as(struct quotas *q, const struct caller *who, enum quota_res r, uint64_t n,
		  const char **why);

/* A request by WHO holding BYTES (user_waits and user_bytes), charged
 * with one lookup of its person's line (learned first), which is returned
 * to give it back with; NULL with the errno in *ERR and the reason in *WHY. */
struct tenant *quota_take_request(struct quotas *q, const struct caller *who, uint64_t bytes,
				  int *err, const char **why);
void quota_give_request(struct tenant *t, uint64_t bytes);

/* UID's usage (NULL when it holds nothing); the first user after AFTER in
 * table order, for listing all (AFTER NULL: the first). */
const struct tenant *quota_of(const struct quotas *q, uid_t uid);
const struct tenant *quota_next(const struct quotas *q, const struct tenant *after);

#endif
