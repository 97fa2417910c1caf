/*
 * Writing cmsg: JSON that rides on the next data write.
 *
 *   {"credentials": "self" | {"pid": N, "uid": N, "gid": N},
 *    "rights": [{"path": "/abs/path", "mode": "r"|"w"|"rw"},
 *               {"socket": "KIND/NAME"}, ...],
 *    "pktinfo": {"from": "ADDR", "interface": "NAME"},
 *    "ttl": N, "tos": N,
 *    "flags": ["more", "oob", ...] or "more,oob",
 *    "to": "ADDR"}			(a numeric address: this message's destination)
 *
 * Everything is checked when cmsg is written, as the writer: paths are
 * opened with the writer's rights, sockets must be the writer's, and only
 * root may claim credentials other than its own.  A bad cmsg fails that
 * write (EINVAL, or the errno of what failed) and nothing is kept.
 *
 * Parsing never opens a path: a path may be a FIFO, a device or a file on
 * a hung file system, and the loop thread must not wait on it.  The paths
 * are opened afterwards on a worker (cmsg_out_open_async), without
 * waiting for a FIFO's other end.
 */
#ifndef SOCKFS_CMSGOUT_H
#define SOCKFS_CMSGOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "quota.h"
#include "sock.h"
#include "worker.h"

#define CMSG_OUT_FDS_MAX 32

struct cmsg_out {
	pid_t pid, ppid;		/* who wrote it, and that one's parent */
	bool has_creds;			/* explicit; otherwise the data writer's */
	struct ucred creds;
	int nfds;
	int fds[CMSG_OUT_FDS_MAX];
	bool has_pktinfo;
	struct saddr src;		/* family 0: only an interface */
	unsigned ifindex;
	bool has_ttl, has_tos;
	int ttl, tos;
	int flags;			/* MSG_* */
	bool has_to;			/* this message's destination */
	struct saddr to;
	/* Rights by path, still to be opened: fds[slot] is -1 until then. */
	int npaths;
	struct cmsg_path { int slot, flags; char *path; } paths[CMSG_OUT_FDS_MAX];
	struct workers *workers;	/* closes its descriptors off the loop */
	uid_t writer;
	/* Its descriptors, charged to a user while it is kept (cmsg_out_charge). */
	struct quotas *quotas;
	uid_t charged_uid;
	int charged;
};

/* Opening C's paths on a worker, as AS (the file's opener; NULL: the
 * writer as /proc has it now, with no capabilities unless root); DONE runs on the loop
 * with ERR (0, or the errno of the first path that failed, the reason in
 * WHY), takes C back and frees the struct. */
struct cmsg_open {
	struct job j;
	struct cmsg_out *c;
	int err;
	char why[SOCK_ERR_MAX - 16];
	void (*done)(struct cmsg_open *o);
	void *arg;
};
int cmsg_out_open_async(struct workers *p, struct cmsg_out *c, const struct caller *who,
			const struct actor *as, void (*done)(struct cmsg_open *o), void *arg,
			struct cmsg_open **out);

/* Parses TEXT for socket S written by WHO; 0 with *out, or -errno with a
 * reason in *why (a static string or one kept in WHYBUF). */
int cmsg_out_parse(struct sock *s, const char *text, size_t len, const struct caller *who,
		   struct cmsg_out **out, char *whybuf, size_t whysize);
void cmsg_out_free(struct cmsg_out *c);

/* Charges UID's user_fds with C's open descriptors until C is freed: 0,
 * or -EMFILE with the reason in *WHY (nothing charged). */
int cmsg_out_charge(struct cmsg_out *c, struct quotas *q, uid_t uid, const char **why);

/* Keeps C for the next data write on S, replacing any kept before. */
void cmsg_out_keep(struct sock *s, struct cmsg_out *c);

/* The cmsg waiting for a data write by WHO, taken off S (NULL: none). */
struct cmsg_out *cmsg_out_take(struct sock *s, const struct caller *who);

/* Builds the control messages for one send by WHO into BUF; returns the
 * length.  C may be NULL.  Unix kinds carry the writer's credentials (or
 * C's explicit ones), so that receivers see the writer, not the daemon;
 * without CREDS the pid in them is the daemon's, the uid and gid still
 * the writer's.  FIRST: the first send of a write (rights go once). */
size_t cmsg_out_control(const struct sock *s, const struct cmsg_out *c,
			const struct caller *who, bool first, bool creds, char *buf, size_t size);
#define CMSG_OUT_ROOM (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(CMSG_OUT_FDS_MAX * sizeof(int)) + 256)

#endif
