#include "config.h"

#include "actor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What the daemon is, read once before other threads start. */
static struct {
	bool root;		/* euid 0 (in its own user namespace) */
	uid_t euid;
	gid_t egid;
	int ngroups;
	gid_t groups[ACTOR_GROUPS_MAX];
	int userns;		/* its user namespace, for the walk up */
	struct stat userns_st;
	int netns;		/* its network namespace, to come back to */
	struct stat netns_st;
} self = { .userns = -1, .netns = -1 };

/* The thread's state: how deep in actor_enter, and the caller's caps. */
static __thread int depth;
static __thread uid_t acting_uid;
static __thread uint64_t acting_caps;

int actor_init(void)
{
	self.euid = geteuid();
	self.egid = getegid();
	self.root = self.euid == 0;
	self.ngroups = getgroups(ACTOR_GROUPS_MAX, self.groups);
	if (self.ngroups < 0)
		self.ngroups = 0;
	if (self.userns < 0) {
		self.userns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		if (self.userns >= 0 && fstat(self.userns, &self.userns_st) < 0) {
			close(self.userns);
			self.userns = -1;
		}
	}
	if (self.netns < 0) {
		self.netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self.netns >= 0 && fstat(self.netns, &self.netns_st) < 0) {
			close(self.netns);
			self.netns = -1;
		}
	}
	return 0;
}

/* The Groups, Umask and CapEff lines of /proc/PID/status. */
static bool read_status(struct actor *a, uint64_t *capeff)
{
	char path[64], line[4096];
	bool uid_differs = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)a->pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;
			for (long g = strtol(p, &end, 10); end != p && a->ngroups < ACTOR_GROUPS_MAX;
			     g = strtol(p, &end, 10)) {
				a->groups[a->ngroups++] = (gid_t)g;
				p = end;
			}
		} else if (strncmp(line, "Uid:", 4) == 0) {
			unsigned long r, e, s, fs;
			if (sscanf(line + 4, "%lu %lu %lu %lu", &r, &e, &s, &fs) != 4 || fs != a->uid)
				uid_differs = true;
		} else if (strncmp(line, "Umask:", 6) == 0)
			a->umask = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
		else if (strncmp(line, "CapEff:", 7) == 0)
			*capeff = strtoull(line + 7, NULL, 16);
	}
	fclose(f);
	/* Not the caller any more (it ran a set-user-ID program, or the pid
	 * is another process's now): nothing of it counts. */
	if (uid_differs) {
		a->ngroups = 0;
		*capeff = 0;
		return false;
	}
	return true;
}

static bool same_ns(int fd, const struct stat *want)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_ino == want->st_ino && st.st_dev == want->st_dev;
}

/* The capabilities the kernel would grant a caller in the daemon's user
 * namespace: its effective set where it lives in that namespace; all of
 * them where it lives in an ancestor and owns the namespace below it on
 * the way down; none from a namespace below the daemon's (unshare -r
 * grants nothing here).  The kernel's cap_capable walks the same way. */
static uint64_t caps_here(const struct actor *a, uint64_t capeff)
{
	char path[64];
	struct stat callers;
	uint64_t caps = 0;
	int ns;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)a->pid);
	if (self.userns < 0 || stat(path, &callers) < 0)
		return 0;
	if (callers.st_ino == self.userns_st.st_ino && callers.st_dev == self.userns_st.st_dev)
		return capeff;
	if ((ns = fcntl(self.userns, F_DUPFD_CLOEXEC, 0)) < 0)
		return 0;
	for (int hops = 0; hops < 33; hops++) {
		int parent = ioctl(ns, NS_GET_PARENT);
		uid_t owner;
		if (parent < 0)
			break;		/* the top: the caller is not above us */
		if (same_ns(parent, &callers)) {
			if (ioctl(ns, NS_GET_OWNER_UID, &owner) == 0 && owner == a->uid)
				caps = ~(uint64_t)0;
			else
				caps = capeff;
			close(parent);
			break;
		}
		close(ns);
		ns = parent;
	}
	close(ns);
	return caps;
}

void actor_load(struct actor *a, const struct caller *who)
{
	uint64_t capeff = 0;

	memset(a, 0, sizeof(*a));
	a->uid = who->uid;
	a->gid = who->gid;
	a->pid = who->pid;
	a->umask = 022;
	/* Without /proc, fail closed: no groups, no capabilities. */
	if (a->pid > 0 && read_status(a, &capeff))
		a->caps = caps_here(a, capeff);
}

bool actor_has_cap(const struct actor *a, int cap)
{
	return (a->caps >> cap) & 1;
}

/* The thread's effective capabilities: CAPS within what it may hold. */
static int set_effective(uint64_t caps)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = (uint32_t)caps & d[0].permitted;
	d[1].effective = (uint32_t)(caps >> 32) & d[1].permitted;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* The daemon again: every capability it may hold first (setresgid and
 * setgroups need CAP_SETGID), then its ids and groups. */
static void back_to_self(void)
{
	set_effective(~(uint64_t)0);
	syscall(SYS_setresuid, -1, self.euid, -1);
	syscall(SYS_setresgid, -1, self.egid, -1);
	syscall(SYS_setgroups, self.ngroups, self.groups);
}

void actor_thread_init(void)
{
	depth = 0;
	if (self.root)
		back_to_self();
}

int actor_enter(const struct actor *a)
{
	if (depth > 0) {
		/* Nested for the same caller: nothing to do. */
		if (a->uid != acting_uid)
			return -EPERM;
		depth++;
		return 0;
	}
	if (!self.root) {
		/* Not root: the daemon is its only possible caller. */
		if (a->uid != self.euid)
			return -EPERM;
		depth = 1;
		acting_uid = a->uid;
		acting_caps = ~(uint64_t)0;
		return 0;
	}
	/* The daemon's own ids (root in a container that may not switch):
	 * only the capabilities change. */
	if (a->uid == self.euid && a->gid == self.egid) {
		if (set_effective(a->caps) != 0)
			return -EPERM;
		depth = 1;
		acting_uid = a->uid;
		acting_caps = a->caps;
		return 0;
	}
	/* Groups and gid while CAP_SETGID is held; the uid last, which
	 * clears the effective set; then exactly the caller's. */
	if (syscall(SYS_setgroups, a->ngroups, a->groups) < 0 ||
	    syscall(SYS_setresgid, -1, a->gid, -1) < 0 ||
	    syscall(SYS_setresuid, -1, a->uid, -1) < 0 || set_effective(a->caps) != 0) {
		back_to_self();
		return -EPERM;
	}
	depth = 1;
	acting_uid = a->uid;
	acting_caps = a->caps;
	return 0;
}

int actor_enter_caller(const struct caller *who)
{
	struct actor a;

	if (depth > 0 && who->uid == acting_uid) {
		depth++;
		return 0;
	}
	actor_load(&a, who);
	return actor_enter(&a);
}

void actor_leave(void)
{
	if (depth == 0 || --depth > 0)
		return;
	if (self.root)
		back_to_self();
}

bool actor_acting(void)
{
	return depth > 0;
}

void actor_raise(void)
{
	if (depth > 0 && self.root)
		set_effective(~(uint64_t)0);
}

void actor_lower(void)
{
	if (depth > 0 && self.root)
		set_effective(acting_caps);
}

static __thread bool in_other_netns;

int actor_enter_netns(pid_t pid)
{
	char path[64];
	int fd, err = 0;

	if (pid <= 0 || self.netns < 0)
		return -EPERM;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -EPERM;
	if (!same_ns(fd, &self.netns_st)) {
		/* setns needs CAP_SYS_ADMIN, the daemon's, not the caller's. */
		actor_raise();
		if (setns(fd, CLONE_NEWNET) < 0)
			err = -EPERM;
		else
			in_other_netns = true;
		actor_lower();
	}
	close(fd);
	return err;
}

void actor_leave_netns(void)
{
	if (!in_other_netns)
		return;
	actor_raise();
	if (setns(self.netns, CLONE_NEWNET) == 0)
		in_other_netns = false;
	actor_lower();
}
