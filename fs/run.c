/*
 * sockfs run [--mount DIR] [--root] [--] CMD [ARGS...]
 *
 * CMD runs in new user, mount and network namespaces (as `unshare -mn`
 * with a user namespace, no root needed) with loopback up and a private
 * sockfs mounted; its path is in $SOCKFS_MNT.  When CMD ends, what it left
 * running is killed, the mount goes and the exit status is CMD's.
 *
 * The process run starts as (P) sets the namespaces up, waits and cleans
 * up; a child serves the mount with the daemon's own main(); another
 * makes a pid namespace whose pid 1 runs CMD, so that whatever CMD leaves
 * running ends with it.  Children die with P (PR_SET_PDEATHSIG), so even
 * a killed run leaves no process, and without processes the namespaces
 * and the mount are gone.  P and the daemon never exec: they keep the
 * namespaces' capabilities (to mount, to bring lo up, to unmount); CMD
 * loses them at exec unless --root maps it to uid 0.
 */
#include "config.h"

#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status when run itself fails, as env(1) and timeout(1) use. */
#define RUN_FAILED 125

struct run {
	const char *mount;	/* --mount DIR, or NULL for a temporary one */
	bool root;		/* --root: map the caller to uid 0, as unshare -r */
	char **cmd;
	char dir[PATH_MAX];	/* the mount point in use */
	bool made_dir;		/* dir is ours to remove */
	int notify_fd, sig_fd;
	pid_t daemon, child;
	sigset_t old_mask;
};

static void run_usage(FILE *f)
{
	fprintf(f, "usage: sockfs run [--mount DIR] [--root] [--] CMD [ARGS...]\n\n"
		"Runs CMD in a private network (new user, mount and network namespaces,\n"
		"loopback up, no root needed) with a private sockfs mounted at DIR (a\n"
		"fresh temporary folder unless told) and named in $SOCKFS_MNT.  When CMD\n"
		"ends, what it left running is killed, sockfs is unmounted and run exits\n"
		"with CMD's status (128 + N when signal N killed it; 125 when run failed).\n"
		"    --mount DIR   mount sockfs at DIR (it must exist; it is kept)\n"
		"    --root        CMD runs as uid 0 of the new namespace (unshare -r),\n"
		"                  with its capabilities there (ports below 1024, raw)\n");
}

static int parse_args(struct run *r, int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			run_usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--root") == 0)
			r->root = true;
		else if (strcmp(a, "--mount") == 0 && i + 1 < argc)
			r->mount = argv[++i];
		else if (strncmp(a, "--mount=", 8) == 0)
			r->mount = a + 8;
		else if (a[0] == '-') {
			fprintf(stderr, "sockfs run: unknown option %s (try sockfs run --help)\n", a);
			return -1;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "sockfs run: no command given (try sockfs run --help)\n");
		return -1;
	}
	r->cmd = argv + i;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The caller becomes itself (or root with --root) in a new user namespace
 * that owns new mount and network namespaces.  setgroups is denied first:
 * the kernel asks it of an unprivileged gid_map. */
static int enter_namespaces(const struct run *r)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0)
		goto off;
	if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
		goto off;
	snprintf(map, sizeof(map), "%u %u 1\n", r->root ? 0 : (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) != 0)
		goto off;
	snprintf(map, sizeof(map), "%u %u 1\n", r->root ? 0 : (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		goto off;
	return 0;
off:
	/* One line that says what to change: the usual reasons are a sysctl
	 * (Debian's kernel.unprivileged_userns_clone, user.max_user_namespaces)
	 * or a security module (Ubuntu's AppArmor userns restriction). */
	fprintf(stderr, "sockfs run: user namespaces are off here (%s): see sysctl "
		"kernel.unprivileged_userns_clone, user.max_user_namespaces or "
		"kernel.apparmor_restrict_unprivileged_userns\n", strerror(errno));
	return -1;
}

/* Mounts made here must not show outside, nor outside ones come in. */
static int private_mounts(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "sockfs run: cannot make mounts private: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* A new network namespace has only lo, and it is down: 127.0.0.1 does
 * not answer until it is up.  SIOCSIFFLAGS, so no ip(8) is needed. */
static int loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	if (fd < 0)
		goto out;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		goto out;
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "sockfs run: cannot bring lo up: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A new network namespace lets no group use ping sockets (ping_group_range
 * "1 0"), where Debian's own lets every group: the caller's group may, so
 * icmp/ works in the run as outside.  Best effort. */
static void allow_ping(const struct run *r)
{
	char range[64];
	unsigned gid = r->root ? 0 : (unsigned)getgid();

	snprintf(range, sizeof(range), "%u %u\n", gid, gid);
	write_file("/proc/sys/net/ipv4/ping_group_range", range);
}

static int pick_dir(struct run *r)
{
	const char *tmp = getenv("TMPDIR");

	if (r->mount) {
		if (realpath(r->mount, r->dir) == NULL) {
			fprintf(stderr, "sockfs run: --mount %s: %s\n", r->mount, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(r->dir, sizeof(r->dir), "%s/sockfs-run.XXXXXX", tmp);
	if (mkdtemp(r->dir) == NULL) {
		fprintf(stderr, "sockfs run: cannot make a folder in %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	r->made_dir = true;
	return 0;
}

/* The daemon says READY=1 on $NOTIFY_SOCKET once mounted (notify.c).  An
 * abstract name belongs to the new network namespace: nothing to remove. */
static int notify_socket(struct run *r, char *name, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int len = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "sockfs-run-%d", (int)getpid());

	r->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->notify_fd < 0 ||
	    bind(r->notify_fd, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) != 0) {
		fprintf(stderr, "sockfs run: notify socket: %s\n", strerror(errno));
		return -1;
	}
	snprintf(name, size, "@%s", sun.sun_path + 1);
	return 0;
}

/* Signals come through a signalfd, with SIGCHLD, so none is lost
 * between a check and poll(2). */
static int watch_signals(struct run *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &r->old_mask) != 0)
		return -1;
	r->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return r->sig_fd < 0 ? -1 : 0;
}

/* In a child: it dies with P, so a killed `sockfs run` leaves no process
 * (and with none left, the namespaces and the mount go too). */
static void child_setup(struct run *r, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(RUN_FAILED);
	sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
}

static pid_t start_daemon(struct run *r, sockfs_main_fn daemon_main, const char *notify)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	child_setup(r, parent);
	/* Its own process group: Ctrl-C at a terminal is for CMD, and the
	 * mount must outlive CMD's handling of it. */
	setpgid(0, 0);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	setenv("NOTIFY_SOCKET", notify, 1);
	char *args[] = { "sockfs", "-f", r->dir, NULL };
	exit(daemon_main(3, args));
}

/* Waits for READY=1, or for the daemon's end.  A signal meanwhile
 * aborts the run with 128 + its number. */
static int wait_mounted(struct run *r)
{
	struct pollfd pf[2] = { { r->notify_fd, POLLIN, 0 }, { r->sig_fd, POLLIN, 0 } };
	struct signalfd_siginfo si;
	char msg[512];
	int status;

	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return RUN_FAILED;
		if (pf[0].revents & POLLIN) {
			ssize_t n = recv(r->notify_fd, msg, sizeof(msg) - 1, 0);
			if (n > 0) {
				msg[n] = '\0';
				if (strstr(msg, "READY=1"))
					return 0;
			}
		}
		while (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD)
				return 128 + (int)si.ssi_signo;
			if (waitpid(r->daemon, &status, WNOHANG) == r->daemon) {
				r->daemon = 0;
				fprintf(stderr, "sockfs run: sockfs did not mount at %s\n", r->dir);
				return RUN_FAILED;
			}
		}
	}
}

/* In CMD's pid namespace: /proc shows its processes, with its pids
 * (ps, pgrep, kill).  In a mount namespace of its own, since the daemon
 * reads the callers' /proc entries by the pids it sees. */
static void own_proc(void)
{
	if (unshare(CLONE_NEWNS) == 0)
		mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static int status_of(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void exec_cmd(struct run *r)
{
	sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
	setenv("SOCKFS_MNT", r->dir, 1);
	execvp(r->cmd[0], r->cmd);
	fprintf(stderr, "sockfs run: %s: %s\n", r->cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Passes INT, TERM, HUP and QUIT on to CHILD and reaps whatever ends
 * (orphans come to a pid 1); exits with CHILD's status once it ends.  A
 * signal from the terminal (SI_KERNEL) reached CMD's process group
 * already; and a pid 1 must relay, as the kernel drops a signal that pid 1
 * has no handler for. */
static void relay(struct run *r, pid_t child)
{
	struct pollfd pf = { r->sig_fd, POLLIN, 0 };
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	for (;;) {
		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			_exit(RUN_FAILED);
		while (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				if (si.ssi_code != SI_KERNEL)
					kill(child, (int)si.ssi_signo);
				continue;
			}
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (pid == child)
					_exit(status_of(status));
		}
	}
}

/* Pid 1 of the new pid namespace: runs CMD and relays to it.  When it
 * exits, the kernel kills whatever CMD left running in the namespace. */
static void cmd_init(struct run *r, int alive)
{
	struct pollfd pf = { alive, POLLIN, 0 };
	pid_t cmd;

	/* getppid() is 0 across a pid namespace: whether the parent still
	 * lives is told by the pipe, whose write end only the parent holds. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (poll(&pf, 1, 0) != 0)
		_exit(RUN_FAILED);
	close(alive);
	own_proc();
	cmd = fork();
	if (cmd < 0)
		_exit(RUN_FAILED);
	if (cmd == 0)
		exec_cmd(r);
	relay(r, cmd);
}

/* A child of P makes the pid namespace and its pid 1, and relays: after
 * unshare(CLONE_NEWPID) a process's later children are in the new
 * namespace, so P, which the sanitizers' leak checker clones at exit,
 * stays out of it. */
static pid_t start_cmd(struct run *r)
{
	pid_t parent = getpid();
	int alive[2];
	pid_t pid, init;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(RUN_FAILED);
	if (unshare(CLONE_NEWPID) != 0) {
		fprintf(stderr, "sockfs run: cannot make a pid namespace: %s\n", strerror(errno));
		_exit(RUN_FAILED);
	}
	if (pipe2(alive, O_CLOEXEC) != 0)
		_exit(RUN_FAILED);
	init = fork();
	if (init < 0)
		_exit(RUN_FAILED);
	if (init == 0) {
		close(alive[1]);
		cmd_init(r, alive[0]);
	}
	close(alive[0]);
	relay(r, init);
	return -1;
}

/* Reaps the daemon and CMD's init.  Returns true once CMD has ended,
 * its status in *code. */
static bool reap(struct run *r, int *code)
{
	bool cmd_done = false;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == r->child) {
			*code = status_of(status);
			r->child = 0;
			cmd_done = true;
		} else if (pid == r->daemon) {
			r->daemon = 0;
			fprintf(stderr, "sockfs run: the sockfs daemon ended early (status %d)\n",
				status_of(status));
		}
	}
	return cmd_done;
}

/* Passes INT, TERM, HUP and QUIT on until CMD ends.  One the terminal
 * sent (SI_KERNEL) reached CMD's process group already. */
static int wait_cmd(struct run *r)
{
	struct pollfd pf = { r->sig_fd, POLLIN, 0 };
	struct signalfd_siginfo si;
	int code = RUN_FAILED;

	for (;;) {
		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			return RUN_FAILED;
		while (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				if (reap(r, &code))
					return code;
			} else if (si.ssi_code != SI_KERNEL) {
				kill(r->child, (int)si.ssi_signo);
			}
		}
	}
}

static void stop_daemon(struct run *r)
{
	int status;

	if (r->daemon > 0) {
		kill(r->daemon, SIGTERM);
		while (waitpid(r->daemon, &status, 0) < 0 && errno == EINTR)
			;
		r->daemon = 0;
	}
	/* Normally the daemon unmounted; if it could not, detach here. */
	if (umount2(r->dir, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
		fprintf(stderr, "sockfs run: umount %s: %s\n", r->dir, strerror(errno));
	if (r->made_dir && rmdir(r->dir) != 0)
		fprintf(stderr, "sockfs run: rmdir %s: %s\n", r->dir, strerror(errno));
}

int sockfs_run(int argc, char *argv[], sockfs_main_fn daemon_main)
{
	struct run r = { .notify_fd = -1, .sig_fd = -1 };
	char notify[120];
	int code = RUN_FAILED, fd;

	if (parse_args(&r, argc, argv) != 0)
		return RUN_FAILED;
	/* Said now, clearly, rather than by libfuse once the child mounts. */
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "sockfs run: cannot open /dev/fuse: %s (an ordinary user needs "
			"it mode 0666, as Debian ships it)\n", strerror(errno));
		return RUN_FAILED;
	}
	close(fd);
	if (enter_namespaces(&r) != 0 || private_mounts() != 0 || loopback_up() != 0)
		return RUN_FAILED;
	allow_ping(&r);
	if (pick_dir(&r) != 0)
		return RUN_FAILED;
	if (notify_socket(&r, notify, sizeof(notify)) != 0 || watch_signals(&r) != 0)
		goto out;
	fflush(NULL);
	r.daemon = start_daemon(&r, daemon_main, notify);
	if (r.daemon < 0) {
		r.daemon = 0;
		goto out;
	}
	code = wait_mounted(&r);
	if (code != 0)
		goto out;
	close(r.notify_fd);
	r.notify_fd = -1;
	r.child = start_cmd(&r);
	if (r.child < 0) {
		r.child = 0;
		code = RUN_FAILED;
		goto out;
	}
	code = wait_cmd(&r);
out:
	stop_daemon(&r);
	if (r.notify_fd >= 0)
		close(r.notify_fd);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
	return code;
}
