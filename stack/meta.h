/*
 * What came with a message besides its bytes: where it came from, where it
 * was sent to, and the flags recvmsg(2) gave.  Each socket keeps the last
 * few messages read with who read them, so that `cmsg` can tell every
 * reader (and the process family around it) about its own message.
 */
#ifndef SOCKFS_META_H
#define SOCKFS_META_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/errqueue.h>
#include <time.h>

#include "addr.h"

/* Descriptors one message may bring that sockfs keeps; more are closed
 * and counted. */
#define META_RIGHTS_MAX 64
/* What one message can carry (the kernel's SCM_MAX_FD): every one is kept
 * here, so that the socket layer closes those it drops off the loop. */
#define META_FDS_MAX 253
#define META_RIGHT_NAME 80

struct msg_meta {
	struct saddr from;		/* len 0: the sender has no address */
	size_t len;			/* the message's length in bytes */
	int flags;			/* MSG_TRUNC, MSG_CTRUNC, MSG_EOR, MSG_OOB */
	bool has_pktinfo;		/* IP_PKTINFO / IPV6_PKTINFO came */
	struct saddr dst;		/* the address it was sent to */
	int ifindex;			/* the interface it came in on */
	bool has_ttl, has_tos, has_time, has_creds, has_error;
	int ttl, tos;			/* TTL or hop limit; TOS or traffic class */
	struct timespec stamp;		/* SO_TIMESTAMPNS */
	struct ucred creds;		/* SCM_CREDENTIALS */
	struct sock_extended_err ee;	/* IP_RECVERR: what the error queue said */
	struct saddr offender;
	/* SCM_RIGHTS: what each received descriptor became ("tcp/12" for a
	 * socket folder, "file3" for a file in the receiving folder). */
	int nrights, rights_dropped;
	char rights[META_RIGHTS_MAX][META_RIGHT_NAME];
};

/* Received descriptors, before the socket layer gives them a home. */
struct meta_fds {
	int n;
	int fd[META_FDS_MAX];
};

#define READER_LOG_SIZE 16

struct reader_log {
	struct reader_entry {
		pid_t pid, ppid;	/* who read it, and that process's parent */
		unsigned long seq;	/* 0: unused */
		struct msg_meta m;
	} e[READER_LOG_SIZE];
	unsigned long seq;
};

/* Fills M from a received message header (its name, control and flags),
 * and FDS with the descriptors that came (the caller must home or close
 * them, off the loop: rights_home). */
void meta_parse(struct msghdr *mh, size_t len, struct msg_meta *m, struct meta_fds *fds);

/* The entry for a message process PID has just read, made the newest of
 * *LOG (made when NULL): the caller fills it with meta_parse.  NULL when
 * out of memory. */
struct msg_meta *reader_log_next(struct reader_log **log, pid_t pid);

/*
 * The message that matters to process PID: the last one it read itself;
 * else the last one read by its parent, a child or a sibling (a script's
 * `msg=$(cat data); jq .from cmsg` runs cat and jq as siblings); else the
 * last one read by anyone.  NULL when nothing was read.
 */
const struct msg_meta *reader_log_find(const struct reader_log *log, pid_t pid);

/* The parent of PID, from /proc; 0 when unknown. */
pid_t proc_ppid(pid_t pid);

#endif
