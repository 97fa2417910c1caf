#include "config.h"

#include "ident.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GROUPS_MAX 256

/* The supplementary groups of PID, from /proc; -1 when unknown. */
static int groups_of(pid_t pid, gid_t *groups, int max)
{
	char path[64], line[4096];
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;
			n = 0;
			for (long g = strtol(p, &end, 10); end != p && n < max; g = strtol(p, &end, 10)) {
				groups[n++] = (gid_t)g;
				p = end;
			}
			break;
		}
	fclose(f);
	return n;
}

/* setgroups for this thread only: glibc's wrapper changes every thread. */
static int thread_setgroups(int n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, n, groups);
}

int open_as(const struct caller *who, const char *path, int flags)
{
	gid_t groups[GROUPS_MAX], mine[GROUPS_MAX];
	int ng, nmine, fd, err;

	if (path[0] != '/')
		return -EINVAL;
	if (who->uid == geteuid()) {
		fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
		return fd < 0 ? -errno : fd;
	}
	/* Without the caller's groups, fail closed: act with none. */
	ng = groups_of(who->pid, groups, GROUPS_MAX);
	nmine = getgroups(GROUPS_MAX, mine);
	if (thread_setgroups(ng > 0 ? ng : 0, groups) < 0)
		return -EPERM;
	setfsgid(who->gid);
	setfsuid(who->uid);
	/* setfsuid answers with the fsuid before the call: asking again tells
	 * whether the switch took (it does not without CAP_SETUID). */
	if ((uid_t)setfsuid(who->uid) != who->uid || (gid_t)setfsgid(who->gid) != who->gid) {
		fd = -1;
		err = EPERM;
	} else {
		fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
		err = errno;
	}
	setfsuid(geteuid());
	setfsgid(getegid());
	thread_setgroups(nmine > 0 ? nmine : 0, mine);
	return fd < 0 ? -err : fd;
}

bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp)
{
	return a == b || (ap > 1 && ap == b) || (bp > 1 && bp == a) || (ap > 1 && ap == bp);
}
