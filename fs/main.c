/* sockfs: network sockets as files.  Options and the event loop. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "fh.h"
#include "intr.h"
#include "inval.h"
#include "nine.h"
#include "notify.h"
#include "ops.h"
#include "run.h"
#include "stream.h"
#include "tree.h"

/* Requests taken from /dev/fuse per wake-up before sockets get a turn. */
#define FUSE_BATCH 64

struct daemon {
	struct fsctx fs;
	struct fuse_buf buf;
	struct loop_watch fuse_watch, sig_watch;
	struct nine *nine;	/* --export: the tree over 9P (nine/) */
	int sigfd;
	bool done;
	bool draining;		/* done, but FUSE requests are still answered */
};

/* Every option sockfs takes, its own and those of libfuse's that apply
 * (libfuse's own lists name thread and fd options its single loop has no
 * use for, so they are not printed). */
static void usage(const char *prog)
{
	printf("usage: %s [options] [SOURCE] MOUNTPOINT\n"
	       "       %s run [--mount DIR] [--root] [--] CMD [ARGS...]\n\n"
	       "Shows network sockets as files: MOUNTPOINT/tcp/clone makes a socket,\n"
	       "its ctl file takes commands (connect, bind, listen, to, set, ...),\n"
	       "its data file sends and receives.  See sockfs(1).\n\n"
	       "options:\n"
	       "    -h   --help            print this help\n"
	       "    -V   --version         print the version\n"
	       "    -f                     stay in the foreground\n"
	       "    -d   -o debug          print every FUSE request (implies -f)\n"
	       "    --netns=PATH, -o netns=PATH\n"
	       "                           make sockets in the network namespace PATH\n"
	       "                           (/run/netns/NAME, /proc/PID/ns/net)\n"
	       "    -o netns=caller        make each socket in the network namespace of\n"
	       "                           the process that makes it (a host mount given\n"
	       "                           to containers: each keeps its own network)\n"
	       "    -o allow_other         let other users in (each to their own sockets;\n"
	       "                           default_permissions is turned on with it)\n"
	       "    -o auto_unmount        unmount when the daemon dies\n"
	       "    --export=unix:PATH     also serve the tree over 9P2000.L on the unix\n"
	       "                           socket PATH (mount -t 9p); with no MOUNTPOINT,\n"
	       "                           only there: docs/remote.md\n"
	       "    -o user_sockets=N      sockets one user may hold (0: no limit)\n"
	       "    -o user_fds=N          descriptors for one user's sockets and files\n"
	       "    -o user_files=N        received files one user may hold\n"
	       "    -o user_waits=N        reads and writes one user may have waiting\n"
	       "    -o user_bytes=N        bytes of those reads and writes\n"
	       "                           (defaults and errors: LIMITS in sockfs(1))\n\n"
	       "mount(8) runs it as: sockfs SOURCE MOUNTPOINT -o OPTIONS (fstab type\n"
	       "fuse.sockfs); SOURCE names the mount, and fstab-only options such as\n"
	       "nofail, _netdev, noauto, user and x-* are ignored.\n\n"
	       "sockfs run runs CMD in a private network with a sockfs of its own\n"
	       "(its path in $SOCKFS_MNT), then unmounts it: SOCKFS RUN in sockfs(1).\n\n"
	       "Unmount with: fusermount3 -u MOUNTPOINT (or umount)\n", prog, prog);
}

/* sockfs's own options, beside libfuse's. */
struct sockfs_opts {
	char *netns;
	char *export;		/* --export=unix:PATH */
	bool allow_other;
	/* The words that are not options: MOUNTPOINT, or SOURCE MOUNTPOINT
	 * as mount.fuse3 passes them (`mount -t fuse.sockfs sockfs /net`). */
	char *word[2];
	int nwords;
	/* Per-user limits (user_sockets=N, ...); -1: the default. */
	long long limit[Q_COUNT];
};

enum { KEY_ALLOW_OTHER };

static const struct fuse_opt sockfs_opt_spec[] = {
	{ "--netns=%s", offsetof(struct sockfs_opts, netns), 0 },
	{ "netns=%s", offsetof(struct sockfs_opts, netns), 0 },
	/* fuse_opt matches "--export=X" to both and keeps the last: the
	 * space form also takes it, as "=X", so it comes first. */
	{ "--export %s", offsetof(struct sockfs_opts, export), 0 },
	{ "--export=%s", offsetof(struct sockfs_opts, export), 0 },
	{ "export=%s", offsetof(struct sockfs_opts, export), 0 },
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	{ "user_sockets=%lld", offsetof(struct sockfs_opts, limit[Q_SOCKETS]), 0 },
	{ "user_fds=%lld", offsetof(struct sockfs_opts, limit[Q_FDS]), 0 },
	{ "user_files=%lld", offsetof(struct sockfs_opts, limit[Q_FILES]), 0 },
	{ "user_waits=%lld", offsetof(struct sockfs_opts, limit[Q_WAITS]), 0 },
	{ "user_bytes=%lld", offsetof(struct sockfs_opts, limit[Q_BYTES]), 0 },
	/* fstab options that are for mount(8), systemd or the admin, not for
	 * the file system: mount(8) drops most, but mount.fuse3 run by hand
	 * or by another tool passes them on, and libfuse refuses them.  x-*
	 * is dropped in sockfs_opt_proc. */
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("comment=%s", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static int sockfs_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct sockfs_opts *o = data;

	if (key == FUSE_OPT_KEY_NONOPT) {
		if (o->nwords == 2) {
			fprintf(stderr, "sockfs: too many arguments: %s\n", arg);
			return -1;
		}
		o->word[o->nwords++] = strdup(arg);
		return 0;	/* given back to libfuse once all are seen */
	}
	if (key == KEY_ALLOW_OTHER)
		o->allow_other = true;
	/* x-systemd.automount and the like: for systemd, not for us (a
	 * fuse_opt template cannot match a prefix without '='). */
	if (key == FUSE_OPT_KEY_OPT && strncmp(arg, "x-", 2) == 0)
		return 0;
	return 1;	/* keep it for libfuse */
}

/* The mount point goes back to libfuse; a SOURCE before it names the file
 * system in /proc/mounts (fsname), as the fstab line's first field does. */
static void words_to_args(struct sockfs_opts *o, struct fuse_args *args)
{
	char fsname[256];

	snprintf(fsname, sizeof(fsname), "-ofsname=%s", o->nwords == 2 ? o->word[0] : "sockfs");
	/* libfuse takes ',' and '\\' in an option as separators and escapes. */
	fsname[strcspn(fsname, ",\\")] = '\0';
	fuse_opt_add_arg(args, fsname);
	/* Type fuse.sockfs in /proc/mounts, as in fstab: findmnt -t and
	 * mount -a's check for what is mounted already go by it. */
	fuse_opt_add_arg(args, "-osubtype=sockfs");
	if (o->nwords > 0)
		fuse_opt_add_arg(args, o->word[o->nwords - 1]);
}

/* Sockets are made in the namespace at PATH; the mount stays where it is
 * (the mount namespace is another).  Threads made later inherit it. */
static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "sockfs: --netns %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void on_fuse(void *arg, uint32_t events)
{
	struct daemon *d = arg;

	for (int i = 0; i < FUSE_BATCH && (!d->done || d->draining); i++) {
		int res = fuse_session_receive_buf(d->fs.se, &d->buf);
		if (res == -EAGAIN)
			return;
		if (res == -EINTR)
			continue;
		if (res <= 0) {
			/* 0: unmounted (ENODEV); otherwise the device failed. */
			d->done = true;
			d->draining = false;
			return;
		}
		fuse_session_process_buf(d->fs.se, &d->buf);
	}
}

static void on_signal(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		d->done = true;
}

/* SIGINT, SIGTERM and SIGHUP end the loop through a signalfd, so a signal
 * can never slip in between a check and epoll_wait. */
static int watch_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	loop_watch_init(&d->sig_watch, d->sigfd, on_signal, d);
	return loop_set(&d->fs.st.loop, &d->sig_watch, EPOLLIN);
}

static int run(struct daemon *d)
{
	/* Export only (no mount): the loop serves 9P and sockets. */
	if (d->fs.se) {
		loop_watch_init(&d->fuse_watch, fuse_session_fd(d->fs.se), on_fuse, d);
		if (loop_set(&d->fs.st.loop, &d->fuse_watch, EPOLLIN) < 0)
			return 1;
	}
	while (!d->done && !(d->fs.se && fuse_session_exited(d->fs.se)))
		if (loop_once(&d->fs.st.loop, -1) < 0)
			return 1;
	return 0;
}

/* Names still waiting to be dropped from the kernel's cache (inval.c) are
 * dropped while the loop goes on answering: a drop may wait for a folder's
 * lock held by a request only the loop answers.  At most two seconds. */
static void drain_invals(struct daemon *d)
{
	d->fs.ending = true;
	if (d->fs.inval == NULL)
		return;
	d->draining = true;
	for (int i = 0; i < 200 && d->draining && !inval_idle(d->fs.inval); i++)
		loop_once(&d->fs.st.loop, 10);
	d->draining = false;
	inval_stop(d->fs.inval);
	d->fs.inval = NULL;
}

/* The options for the stack, and how it calls fs. */
static void configure_stack(struct fsctx *fs, const struct sockfs_opts *so)
{
	struct stack_config cfg = {
		.caller_netns = so->netns && strcmp(so->netns, "caller") == 0,
		.up = { .poll_notify = fh_poll_ready, .gone_notify = sockfs_gone_notify, .arg = fs },
	};

	memcpy(cfg.limit, so->limit, sizeof(cfg.limit));
	stack_configure(&fs->st, &cfg);
}

/* Every socket and received file is one of the daemon's descriptors: the
 * soft limit goes up to the hard one, which the per-user limits share. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The FUSE session, mounted at MOUNTPOINT: 0, or -1 said on stderr. */
static int mount_fuse(struct daemon *d, struct fuse_args *args, const char *mountpoint)
{
	d->fs.se = fuse_session_new(args, &sockfs_ops, sizeof(sockfs_ops), &d->fs);
	if (d->fs.se == NULL)
		return -1;
	if (fuse_session_mount(d->fs.se, mountpoint) == 0) {
		if (stream_io_install(d->fs.se) == 0)
			return 0;
		fprintf(stderr, "sockfs: cannot set up the FUSE device\n");
		fuse_session_unmount(d->fs.se);
	}
	fuse_session_destroy(d->fs.se);
	d->fs.se = NULL;
	return -1;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct sockfs_opts so = { .limit = { -1, -1, -1, -1, -1 } };
	struct daemon d = { .sigfd = -1 };
	int ret = 1;

	/* `sockfs run -- CMD`: CMD in a private network and mount (run.c). */
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return sockfs_run(argc - 1, argv + 1, main);
	if (fuse_opt_parse(&args, &so, sockfs_opt_spec, sockfs_opt_proc) != 0) {
		ret = 2;
		goto out_words;
	}
	words_to_args(&so, &args);
	if (fuse_parse_cmdline(&args, &opts) != 0) {
		ret = 2;
		goto out_words;
	}
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("sockfs version %s\n", PACKAGE_VERSION);
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (opts.mountpoint == NULL && so.export == NULL) {
		fprintf(stderr, "usage: %s [options] [SOURCE] MOUNTPOINT (try --help)\n", argv[0]);
		ret = 2;
		goto out_args;
	}
	/* Other users in: the kernel checks modes and owners too. */
	if (so.allow_other)
		fuse_opt_add_arg(&args, "-odefault_permissions");
	/* netns=caller: each socket in its maker's namespace (stack_init
	 * below); any other value names one namespace for all. */
	if (so.netns && strcmp(so.netns, "caller") != 0 && enter_netns(so.netns) != 0)
		goto out_args;
	d.fs.shared = so.allow_other;
	d.fs.uid = getuid();
	d.fs.gid = getgid();
	clock_gettime(CLOCK_REALTIME, &d.fs.start);

	if (so.export && (d.nine = nine_open(so.export)) == NULL)
		goto out_args;
	if (opts.mountpoint && mount_fuse(&d, &args, opts.mountpoint) != 0)
		goto out_mount;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_mount;
	/* After the fork: the loop's descriptors belong to the daemon. */
	raise_nofile();
	if (stack_init(&d.fs.st) != 0) {
		fprintf(stderr, "sockfs: cannot start the socket layer\n");
		goto out_mount;
	}
	configure_stack(&d.fs, &so);
	intr_init(&d.fs.intr, &d.fs.st.loop);
	/* Without the thread, names just expire (inval_name does nothing);
	 * an export alone has no mount and so no names cached. */
	d.fs.inval = d.fs.se ? inval_start(d.fs.se) : NULL;
	if (watch_signals(&d) != 0)
		goto out_stack;
	if (d.nine && nine_start(d.nine, &d.fs) != 0)
		goto out_stack;
	if (notify_ready(opts.mountpoint ? opts.mountpoint : so.export) != 0)
		fprintf(stderr, "sockfs: could not tell NOTIFY_SOCKET that the mount is ready\n");
	ret = run(&d);

out_stack:
	nine_stop(d.nine);
	d.nine = NULL;
	drain_invals(&d);
	/* Every socket closes; whoever still waits gets an answer.  Their
	 * names need not be dropped: the mount goes with the daemon.  The
	 * loop goes with the stack: nothing is watched past an interrupt. */
	intr_fini(&d.fs.intr);
	stack_fini(&d.fs.st);
	fh_free_all(&d.fs);
	names_fini(&d.fs.named);
	if (d.sigfd >= 0)
		close(d.sigfd);
	free(d.buf.mem);
out_mount:
	nine_stop(d.nine);	/* a failure before the loop started */
	if (d.fs.se) {
		fuse_session_unmount(d.fs.se);
		fuse_session_destroy(d.fs.se);
	}
out_args:
	free(opts.mountpoint);
out_words:
	free(so.netns);
	free(so.export);
	free(so.word[0]);
	free(so.word[1]);
	fuse_opt_free_args(&args);
	return ret;
}
