#include "config.h"

#include "meta.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pktinfo4(struct cmsghdr *c, struct msg_meta *m)
{
	struct in_pktinfo pi;
	struct sockaddr_in *to = (struct sockaddr_in *)&m->dst.ss;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr = pi.ipi_addr;	/* the header's destination */
	m->dst.len = sizeof(*to);
	m->ifindex = pi.ipi_ifindex;
	m->has_pktinfo = true;
}

static void pktinfo6(struct cmsghdr *c, struct msg_meta *m)
{
	struct in6_pktinfo pi;
	struct sockaddr_in6 *to = (struct sockaddr_in6 *)&m->dst.ss;

	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	memset(to, 0, sizeof(*to));
	to->sin6_family = AF_INET6;
	to->sin6_addr = pi.ipi6_addr;
	m->dst.len = sizeof(*to);
	m->ifindex = (int)pi.ipi6_ifindex;
	m->has_pktinfo = true;
}

void meta_parse(struct msghdr *mh, size_t len, struct msg_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (mh->msg_namelen <= sizeof(m->from.ss)) {
		memcpy(&m->from.ss, mh->msg_name, mh->msg_namelen);
		m->from.len = mh->msg_namelen;
	}
	m->len = len;
	m->flags = mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC | MSG_EOR | MSG_OOB);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo)))
			pktinfo4(c, m);
		else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			 c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo)))
			pktinfo6(c, m);
	}
}

pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	size_t n;
	char *p;
	int ppid = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, even ")". */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

int reader_log_add(struct reader_log **log, pid_t pid, const struct msg_meta *m)
{
	struct reader_entry *e;

	if (*log == NULL && (*log = calloc(1, sizeof(**log))) == NULL)
		return -ENOMEM;
	e = &(*log)->e[(*log)->seq % READER_LOG_SIZE];
	e->seq = ++(*log)->seq;
	e->pid = pid;
	e->ppid = proc_ppid(pid);
	e->m = *m;
	return 0;
}

/* The newest entry that MATCH accepts for PID (whose parent is PPID). */
static const struct reader_entry *newest(const struct reader_log *log, pid_t pid, pid_t ppid,
					 bool (*match)(const struct reader_entry *, pid_t, pid_t))
{
	const struct reader_entry *best = NULL;

	for (int i = 0; i < READER_LOG_SIZE; i++) {
		const struct reader_entry *e = &log->e[i];
		if (e->seq && match(e, pid, ppid) && (best == NULL || e->seq > best->seq))
			best = e;
	}
	return best;
}

static bool same_process(const struct reader_entry *e, pid_t pid, pid_t ppid)
{
	return e->pid == pid;
}

static bool family(const struct reader_entry *e, pid_t pid, pid_t ppid)
{
	return e->ppid == pid || (ppid > 1 && (e->pid == ppid || e->ppid == ppid));
}

static bool anyone(const struct reader_entry *e, pid_t pid, pid_t ppid)
{
	return true;
}

const struct msg_meta *reader_log_find(const struct reader_log *log, pid_t pid)
{
	const struct reader_entry *e;
	pid_t ppid;

	if (log == NULL)
		return NULL;
	if ((e = newest(log, pid, 0, same_process)) != NULL)
		return &e->m;
	ppid = proc_ppid(pid);
	if ((e = newest(log, pid, ppid, family)) != NULL)
		return &e->m;
	e = newest(log, pid, ppid, anyone);
	return e ? &e->m : NULL;
}
