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

#include "addr.h"

struct msg_meta {
	struct saddr from;		/* len 0: the sender has no address */
	size_t len;			/* the message's length in bytes */
	int flags;			/* MSG_TRUNC, MSG_CTRUNC, MSG_EOR, MSG_OOB */
	bool has_pktinfo;		/* IP_PKTINFO / IPV6_PKTINFO came */
	struct saddr dst;		/* the address it was sent to */
	int ifindex;			/* the interface it came in on */
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

/* Fills M from a received message header (its name, control and flags). */
void meta_parse(struct msghdr *mh, size_t len, struct msg_meta *m);

/* Records that process PID read a message described by M. */
int reader_log_add(struct reader_log **log, pid_t pid, const struct msg_meta *m);

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
