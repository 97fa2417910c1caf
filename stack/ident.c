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

int as_caller_enter(const struct caller *who, struct as_caller *saved)
{
	gid_t groups[GROUPS_MAX];
	int ng;

	saved->switched = false;
	if (who->uid == geteuid() && who->gid == getegid())
		return 0;
	/* Without the caller's groups, fail closed: act with none. */
	ng = groups_of(who->pid, groups, GROUPS_MAX);
	saved->ngroups = getgroups(GROUPS_MAX, saved->groups);
	if (thread_setgroups(ng > 0 ? ng : 0, groups) < 0)
		return -EPERM;
	saved->switched = true;
	setfsgid(who->gid);
	setfsuid(who->uid);
	/* setfsuid answers with the fsuid before the call: asking again tells
	 * whether the switch took (it does not without CAP_SETUID). */
	if ((uid_t)setfsuid(who->uid) != who->uid || (gid_t)setfsgid(who->gid) != who->gid) {
		as_caller_leave(saved);
		return -EPERM;
	}
	return 0;
}

void as_caller_leave(struct as_caller *saved)
{
	if (!saved->switched)
		return;
	setfsuid(geteuid());
	setfsgid(getegid());
	thread_setgroups(saved->ngroups > 0 ? saved->ngroups : 0, saved->groups);
	saved->switched = false;
}

int open_as(const struct caller *who, const char *path, int flags)
{
	struct as_caller saved;
	int fd, err;

	if (path[0] != '/')
		return -EINVAL;
	if ((err = as_caller_enter(who, &saved)) != 0)
		return err;
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	err = errno;
	as_caller_leave(&saved);
	return fd < 0 ? -err : fd;
}

/* The value of the line "KEY:" in /proc/PID/status, or NULL. */
static char *status_line(pid_t pid, const char *key, char *line, size_t size)
{
	char path[64];
	FILE *f;
	char *found = NULL;

	if (pid <= 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	while (fgets(line, (int)size, f))
		if (strncmp(line, key, strlen(key)) == 0) {
			found = line + strlen(key);
			break;
		}
	fclose(f);
	return found;
}

bool caller_has_cap(const struct caller *who, int cap)
{
	char line[256];
	char *v = status_line(who->pid, "CapEff:", line, sizeof(line));

	return v && ((strtoull(v, NULL, 16) >> cap) & 1);
}

static bool read_numbers(const char *path, unsigned long *a, unsigned long *b)
{
	FILE *f = fopen(path, "re");
	int n;

	if (f == NULL)
		return false;
	n = fscanf(f, "%lu %lu", a, b);
	fclose(f);
	return n >= 1;
}

bool caller_may_ping(const struct caller *who)
{
	unsigned long lo = 1, hi = 0;
	gid_t groups[GROUPS_MAX];
	int ng;

	if (!read_numbers("/proc/sys/net/ipv4/ping_group_range", &lo, &hi))
		return false;
	if (who->gid >= lo && who->gid <= hi)
		return true;
	ng = groups_of(who->pid, groups, GROUPS_MAX);
	for (int i = 0; i < ng; i++)
		if (groups[i] >= lo && groups[i] <= hi)
			return true;
	return false;
}

unsigned unprivileged_port_start(void)
{
	unsigned long v = 1024, unused;

	return read_numbers("/proc/sys/net/ipv4/ip_unprivileged_port_start", &v, &unused) ? (unsigned)v : 1024;
}

bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp)
{
	return a == b || (ap > 1 && ap == b) || (bp > 1 && bp == a) || (ap > 1 && ap == bp);
}
