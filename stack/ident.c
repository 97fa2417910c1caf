#include "config.h"

#include "ident.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
