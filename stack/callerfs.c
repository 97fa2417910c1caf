#define _GNU_SOURCE
#include "config.h"

#include "callerfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "actor.h"

/* The daemon's root and working directory, to come back to, and its
 * /proc/self/fd, where a descriptor's number names exactly that file. */
static int daemon_root = -1, daemon_cwd = -1, fd_dir = -1;

/* This thread's: whether it has a root of its own, and is in a caller's. */
static __thread bool own_fs;
static __thread int caller_cwd = -1;
static __thread mode_t saved_umask;

int callerfs_init(void)
{
	if (daemon_root < 0)
		daemon_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (daemon_cwd < 0)
		daemon_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0)
		fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return daemon_root < 0 || daemon_cwd < 0 ? -errno : 0;
}

int callerfs_thread_init(void)
{
	if (unshare(CLONE_FS) < 0)
		return -errno;
	own_fs = true;
	return 0;
}

static int open_proc(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The daemon's root and working directory again. */
static void go_home(void)
{
	if (fchdir(daemon_root) < 0 || chroot(".") < 0 || fchdir(daemon_cwd) < 0) {
		/* Root may always come back to descriptors it holds. */
	}
}

int callerfs_pin_root(pid_t pid, int *root, int *cwd)
{
	*root = *cwd = -1;
	if (pid <= 0 || (*root = open_proc(pid, "root")) < 0)
		return -EPERM;
	if ((*cwd = open_proc(pid, "cwd")) < 0) {
		close(*root);
		*root = -1;
		return -EPERM;
	}
	return 0;
}

int callerfs_enter(int root, int cwd, mode_t umask_)
{
	/* A thread that shares its root with the daemon must not move it. */
	if (!own_fs || root < 0 || cwd < 0 || daemon_root < 0)
		return -EPERM;
	if (fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0) {
		go_home();
		return -EPERM;
	}
	caller_cwd = cwd;
	saved_umask = umask(umask_);
	return 0;
}

void callerfs_leave(void)
{
	if (caller_cwd < 0)
		return;
	/* Going back needs CAP_SYS_CHROOT, which the caller may not have. */
	actor_raise();
	go_home();
	actor_lower();
	umask(saved_umask);
	caller_cwd = -1;
}

/* callerfs_open where openat2 is missing (kernels before 5.6, valgrind
 * 3.19): the path is walked a name at a time with O_NOFOLLOW, and each
 * symbolic link followed by its text, which goes through the usual
 * checks; one on procfs, where the magic ones live, is refused (ELOOP). */
static int walk_open(const char *path, int flags)
{
	char buf[2 * PATH_MAX], link[PATH_MAX], *rest = buf, *name;
	int dir = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int links = 0, fd = -1, err = 0;
	struct statfs sfs;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= PATH_MAX)
		err = ENAMETOOLONG;
	while (dir >= 0 && err == 0 && (name = strsep(&rest, "/")) != NULL) {
		ssize_t n;
		if (name[0] == '\0' || strcmp(name, ".") == 0) {
			if (rest == NULL)	/* "dir/": the folder itself */
				fd = openat(dir, ".", flags | O_CLOEXEC);
			continue;
		}
		if ((fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
			err = errno;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > 40 || fstatfs(dir, &sfs) < 0 || sfs.f_type == PROC_SUPER_MAGIC ||
			    (n = readlinkat(fd, "", link, sizeof(link) - 1)) < 0) {
				err = ELOOP;
				break;
			}
			link[n] = '\0';
			close(fd);
			fd = -1;
			/* The link's text, then what was left of the path. */
			if (snprintf(buf + PATH_MAX, PATH_MAX, "%s/%s", link, rest ? rest : "") >= PATH_MAX) {
				err = ENAMETOOLONG;
				break;
			}
			memmove(buf, buf + PATH_MAX, strlen(buf + PATH_MAX) + 1);
			rest = buf;
			if (link[0] == '/') {
				close(dir);
				dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			}
			continue;
		}
		if (rest == NULL || rest[strspn(rest, "/")] == '\0') {
			/* The last name: opened for real, no link now. */
			if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
				err = ENOTDIR;
				break;
			}
			if (!(flags & O_PATH)) {
				close(fd);
				fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
			}
			break;
		}
		close(dir);
		dir = fd;
		fd = -1;
	}
	if (dir >= 0)
		close(dir);
	if (err || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -(err ? err : errno ? errno : ENOENT);
	}
	return fd;
}

int callerfs_open(const char *path, int flags)
{
	struct open_how how = { .resolve = RESOLVE_NO_MAGICLINKS };
	long fd;

	how.flags = (uint64_t)(flags | O_CLOEXEC);
	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return walk_open(path, (int)how.flags & ~O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/* The path of unix address A as a string, or NULL when it has none. */
static const char *sun_path(const struct sockaddr_un *a, socklen_t len, char *buf, size_t size)
{
	size_t n;

	if (len <= offsetof(struct sockaddr_un, sun_path) || a->sun_path[0] == '\0')
		return NULL;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n >= size)
		n = size - 1;
	memcpy(buf, a->sun_path, n);
	buf[n] = '\0';
	return buf;
}

int callerfs_pin(const struct sockaddr_un *a, socklen_t len, struct sockaddr_un *via,
		 socklen_t *vialen)
{
	char buf[sizeof(a->sun_path) + 1];
	const char *path = sun_path(a, len, buf, sizeof(buf));
	int fd, n;

	if (path == NULL)
		return -EINVAL;
	if ((fd = callerfs_open(path, O_PATH)) < 0)
		return fd;
	if (callerfs_fds_here() != 0) {
		close(fd);
		return -ENOSYS;
	}
	memset(via, 0, sizeof(*via));
	via->sun_family = AF_UNIX;
	n = snprintf(via->sun_path, sizeof(via->sun_path), "%d", fd);
	*vialen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return fd;
}

void callerfs_unpin(int pinned)
{
	close(pinned);
	callerfs_fds_done();
}

int callerfs_fds_here(void)
{
	return fd_dir >= 0 && fchdir(fd_dir) == 0 ? 0 : -ENOSYS;
}

void callerfs_fds_done(void)
{
	if (fchdir(caller_cwd >= 0 ? caller_cwd : daemon_cwd) < 0) {
		/* Both were open a moment ago. */
	}
}

int callerfs_bind(int fd, const struct sockaddr_un *a, socklen_t len)
{
	char buf[sizeof(a->sun_path) + 1];
	const char *path = sun_path(a, len, buf, sizeof(buf));
	char *slash;
	int dir;

	if (path == NULL)
		return -EINVAL;
	/* The kernel keeps the address as given, so bind takes the path
	 * itself; its folder is looked up first the safe way. */
	slash = strrchr(buf, '/');
	if (slash == buf)
		dir = callerfs_open("/", O_PATH | O_DIRECTORY);
	else if (slash) {
		*slash = '\0';
		dir = callerfs_open(buf, O_PATH | O_DIRECTORY);
		*slash = '/';
	} else
		dir = callerfs_open(".", O_PATH | O_DIRECTORY);
	if (dir < 0)
		return dir;
	close(dir);
	return bind(fd, (const struct sockaddr *)a, len) < 0 ? -errno : 0;
}
