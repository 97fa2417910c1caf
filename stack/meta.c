#include "config.h"

#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void rights(struct cmsghdr *c, struct msg_meta *m, struct meta_fds *fds)
{
	size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	for (size_t i = 0; i < n; i++) {
		int fd;
		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		if (fds->n < META_FDS_MAX)
			fds->fd[fds->n++] = fd;
		else {
			close(fd);
			m->rights_dropped++;
		}
	}
}

static void extended_error(struct cmsghdr *c, struct msg_meta *m)
{
	const struct sockaddr *off;

	memcpy(&m->ee, CMSG_DATA(c), sizeof(m->ee));
	off = SO_EE_OFFENDER((struct sock_extended_err *)CMSG_DATA(c));
	if (off->sa_family == AF_INET)
		m->offender.len = sizeof(struct sockaddr_in);
	else if (off->sa_family == AF_INET6)
		m->offender.len = sizeof(struct sockaddr_in6);
	if (m->offender.len && c->cmsg_len >= CMSG_LEN(sizeof(m->ee) + m->offender.len))
		memcpy(&m->offender.ss, off, m->offender.len);
	else
		m->offender.len = 0;
	m->has_error = true;
}

static int int_of(struct cmsghdr *c)
{
	int v = 0;

	/* IP_TOS comes as one byte, the others as an int. */
	if (c->cmsg_len == CMSG_LEN(1))
		return *(unsigned char *)CMSG_DATA(c);
	memcpy(&v, CMSG_DATA(c), sizeof(v));
	return v;
}

/* One control message: true when it was one sockfs knows. */
static bool parse_one(struct cmsghdr *c, struct msg_meta *m, struct meta_fds *fds)
{
	int lv = c->cmsg_level, ty = c->cmsg_type;

	if (lv == SOL_SOCKET && ty == SCM_RIGHTS)
		rights(c, m, fds);
	else if (lv == SOL_SOCKET && ty == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(m->creds))) {
		memcpy(&m->creds, CMSG_DATA(c), sizeof(m->creds));
		m->has_creds = true;
	} else if (lv == SOL_SOCKET && ty == SO_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(m->stamp))) {
		memcpy(&m->stamp, CMSG_DATA(c), sizeof(m->stamp));
		m->has_time = true;
	} else if ((lv == IPPROTO_IP && ty == IP_TTL) || (lv == IPPROTO_IPV6 && ty == IPV6_HOPLIMIT)) {
		m->ttl = int_of(c);
		m->has_ttl = true;
	} else if ((lv == IPPROTO_IP && ty == IP_TOS) || (lv == IPPROTO_IPV6 && ty == IPV6_TCLASS)) {
		m->tos = int_of(c);
		m->has_tos = true;
	} else if (((lv == IPPROTO_IP && ty == IP_RECVERR) || (lv == IPPROTO_IPV6 && ty == IPV6_RECVERR)) &&
		   c->cmsg_len >= CMSG_LEN(sizeof(m->ee)))
		extended_error(c, m);
	else
		return false;
	return true;
}

void meta_parse(struct msghdr *mh, size_t len, struct msg_meta *m, struct meta_fds *fds)
{
	/* The rights' names are read only up to nrights: 5 KB left as they were. */
	memset(m, 0, offsetof(struct msg_meta, rights));
	fds->n = 0;
	if (mh->msg_name && mh->msg_namelen <= sizeof(m->from.ss)) {
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
		else
			parse_one(c, m, fds);
	}
}

pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	char *p;
	int fd, ppid = 0;

	if (pid <= 0)
		return 0;
	/* open, read, close: stdio would add an fstat and a second read. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, even ")". */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

struct msg_meta *reader_log_next(struct reader_log **log, pid_t pid)
{
	struct reader_log *l = *log;
	struct reader_entry *last, *e;

	if (l == NULL && (l = *log = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	last = l->seq ? &l->e[(l->seq - 1) % READER_LOG_SIZE] : NULL;
	e = &l->e[l->seq % READER_LOG_SIZE];
	/* A process reading in a loop costs one /proc read, not one a message. */
	e->ppid = last && last->pid == pid ? last->ppid : proc_ppid(pid);
	e->pid = pid;
	e->seq = ++l->seq;
	return &e->m;
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
