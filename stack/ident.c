#include "config.h"

#include "ident.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta.h"

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

unsigned unprivileged_port_start(void)
{
	unsigned long v = 1024, unused;

	return read_numbers("/proc/sys/net/ipv4/ip_unprivileged_port_start", &v, &unused) ? (unsigned)v : 1024;
}

bool pids_related(pid_t a, pid_t ap, pid_t b, pid_t bp)
{
	return a == b || (ap > 1 && ap == b) || (bp > 1 && bp == a) || (ap > 1 && ap == bp);
}

/* The real uid of PID, from /proc; -1 when unknown. */
static long proc_uid(pid_t pid)
{
	char path[64], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Uid:", 4) == 0) {
			uid = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return uid;
}

bool pid_is_callers(const struct caller *who, pid_t pid)
{
	pid_t p = who->pid;

	if (pid <= 0 || who->pid <= 0)
		return false;
	for (int up = 0; up < 64 && p > 1; up++) {
		if (p == pid)
			return true;
		if ((p = proc_ppid(p)) <= 1 || proc_uid(p) != (long)who->uid)
			return false;
	}
	return false;
}

/* Whether FD is the user namespace described by WANT. */
static bool is_ns(int fd, const struct stat *want)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_ino == want->st_ino && st.st_dev == want->st_dev;
}

uid_t person_of(uid_t uid, pid_t pid)
{
	static struct stat ours;
	char path[64];
	uid_t owner = uid;
	int ns;

	if (ours.st_ino == 0 && stat("/proc/self/ns/user", &ours) < 0)
		return uid;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if ((ns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return uid;
	/* Up from the caller's namespace to the one just below ours: its
	 * owner is the person (a namespace not below ours: the uid itself). */
	for (int hops = 0; hops < 33 && !is_ns(ns, &ours); hops++) {
		int parent = ioctl(ns, NS_GET_PARENT);
		if (parent < 0)
			break;
		if (is_ns(parent, &ours) && ioctl(ns, NS_GET_OWNER_UID, &owner) < 0)
			owner = uid;
		close(ns);
		ns = parent;
	}
	close(ns);
	/* A namespace root made (a rootful container's) is not root's
	 * share: its uids count each for itself. */
	return owner == 0 ? uid : owner;
}
