#include "config.h"

#include "tlsup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "callerfs.h"
#include "tls.h"
#include "tlsconf.h"

/* A server handshake that nobody times is given this long, in ms. */
#define SERVER_HANDSHAKE_MS 30000

/* What S is waiting for: a context from a worker, or its handshake. */
struct tlsup {
	tlsup_fn done;
	void *arg;
	struct build_job *job;		/* the context, being built */
	struct timer timer;		/* a server's handshake */
	struct sock *s;
	uint64_t listener;		/* a server child's listener, by id */
	bool server;
};

struct build_job {
	struct job j;
	struct tls_conf *conf;		/* a copy: the socket's may change meanwhile */
	bool server;
	struct tls_ctx *built;
	int err;
	char why[TLS_WHY_MAX];
	struct sock *s;
	int fds[TLS_OPT_COUNT];		/* the files, opened in the caller's world */
	char names[TLS_OPT_COUNT][16];	/* ... and named by their descriptors */
};

/* S's TLS state, made on first use; NULL when out of memory. */
static struct tls_state *state(struct sock *s)
{
	if (s->tlsstate == NULL)
		s->tlsstate = calloc(1, sizeof(*s->tlsstate));
	return s->tlsstate;
}

/* Ends S's wait: the callback runs last, since it may close S. */
static void finish(struct sock *s, int err, const char *why)
{
	struct tlsup *up = s->tlsstate->up;
	struct sock *l;
	tlsup_fn done = up->done;
	void *arg = up->arg;

	timer_cancel(&s->st->loop, &up->timer);
	if (up->listener && (l = sock_by_id(s->st, up->listener)) != NULL &&
	    tlsup_handshakes(l) > 0) {
		l->tlsstate->handshaking--;
		sock_update_interest(l);
	}
	s->tlsstate->up = NULL;
	free(up);
	if (done)
		done(s, arg, err, why);
}

static struct tlsup *new_up(struct sock *s, tlsup_fn done, void *arg)
{
	struct tlsup *up;

	if (state(s) == NULL || (up = calloc(1, sizeof(*up))) == NULL)
		return NULL;
	up->done = done;
	up->arg = arg;
	up->s = s;
	timer_init(&up->timer, NULL);
	s->tlsstate->up = up;
	return up;
}

/* Opens option ID's file or folder in the caller's world (callerfs.h:
 * the caller's root and cwd, no magic link, a FIFO not waited for) and
 * has OpenSSL read it by its descriptor's name. */
static int pin_file(struct build_job *b, enum tls_opt id)
{
	const char *path = tls_conf_get(b->conf, id);
	bool dir = id == TLS_CAPATH;
	struct stat sb;
	int fd = callerfs_open(path, O_RDONLY | O_NONBLOCK | (dir ? O_DIRECTORY : 0));

	if (fd < 0) {
		snprintf(b->why, sizeof(b->why), "%s %s: %s", tls_opt_name(id), path, strerror(-fd));
		return fd;
	}
	b->fds[id] = fd;
	if (fstat(fd, &sb) < 0 || (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))) {
		snprintf(b->why, sizeof(b->why), "%s %s: not a regular file", tls_opt_name(id), path);
		return -EINVAL;
	}
	snprintf(b->names[id], sizeof(b->names[id]), "%d", fd);
	b->conf->open_name[id] = b->names[id];
	return 0;
}

/* Whether C names a file: only then is the caller's root needed (a
 * caller the daemon cannot see may still use TLS without files). */
static bool names_paths(const struct tls_conf *c)
{
	for (int id = 0; id < TLS_OPT_COUNT; id++)
		if (tls_opt_is_path(id) && tls_conf_get(c, id))
			return true;
	return false;
}

static void build_run(struct job *j)
{
	struct build_job *b = (struct build_job *)j;

	if (j->as_err) {
		b->err = j->as_err;
		snprintf(b->why, sizeof(b->why), "%s",
			 j->as_err == -EPERM ? "your files cannot be reached from the daemon "
					       "(another pid namespace)" : strerror(-j->as_err));
		return;
	}
	for (int id = 0; id < TLS_OPT_COUNT && b->err == 0; id++)
		if (tls_opt_is_path(id) && tls_conf_get(b->conf, id))
			b->err = pin_file(b, id);
	/* OpenSSL then works in the daemon's root (its configuration, the
	 * system's CA store) and opens the pinned files by name. */
	callerfs_leave();
	if (b->err == 0 && (b->err = callerfs_fds_here()) == 0) {
		b->err = tls_ctx_build(b->conf, b->server, &b->built, b->why, sizeof(b->why));
		callerfs_fds_done();
	}
	for (int id = 0; id < TLS_OPT_COUNT; id++)
		if (b->fds[id] >= 0) {
			close(b->fds[id]);
			b->fds[id] = -1;
		}
}

static void build_free(struct job *j)
{
	struct build_job *b = (struct build_job *)j;

	tls_ctx_unref(b->built);
	tls_conf_free(b->conf);
	free(b);
}

static void build_done(struct job *j)
{
	struct build_job *b = (struct build_job *)j;
	struct sock *s = b->s;
	struct tls_state *t = s->tlsstate;

	t->up->job = NULL;
	if (b->err == 0) {
		tls_ctx_unref(t->ctx);
		t->ctx = b->built;
		b->built = NULL;
	}
	finish(s, b->err, b->err ? b->why : NULL);
	build_free(j);
}

int tlsup_build(struct sock *s, const struct caller *who, const struct actor *as, bool server,
		tlsup_fn done, void *arg)
{
	struct build_job *b = calloc(1, sizeof(*b));
	int err = 0;

	if (b == NULL)
		return -ENOMEM;
	b->conf = tls_conf_dup(tlsup_conf(s), &err);
	if (err || new_up(s, done, arg) == NULL) {
		build_free(&b->j);
		return -ENOMEM;
	}
	b->j = (struct job){ .who = *who, .run = build_run, .done = build_done,
			     .discard = build_free, .paths = names_paths(b->conf), .actor = *as,
			     .have_actor = true };
	for (int id = 0; id < TLS_OPT_COUNT; id++)
		b->fds[id] = -1;
	b->server = server;
	b->s = s;
	if ((err = workers_hand_off(&s->st->workers, &b->j, -1, NULL)) != 0) {
		free(s->tlsstate->up);
		s->tlsstate->up = NULL;
		return err;
	}
	s->tlsstate->up->job = b;
	return 0;
}

static void handshake_timeout(struct timer *t)
{
	struct tlsup *up = container_of(t, struct tlsup, timer);

	finish(up->s, -ETIMEDOUT, "the handshake timed out");
}

int tlsup_handshake(struct sock *s, struct tls_ctx *x, bool server, const char *host,
		    tlsup_fn done, void *arg, const char **why)
{
	static char reason[TLS_WHY_MAX];
	struct tls_state *t = state(s), *lt = NULL;
	struct tlsup *up;
	long long ms;

	/* A server child's listener counts its handshakes. */
	if (t == NULL || (server && s->listener && (lt = state(s->listener)) == NULL))
		return -ENOMEM;
	tls_free(t->conn);
	if ((t->conn = tls_new(x, s->fd, server, host, reason, sizeof(reason))) == NULL) {
		*why = reason;
		return -EINVAL;
	}
	if ((up = new_up(s, done, arg)) == NULL)
		return -ENOMEM;
	up->server = server;
	timer_init(&up->timer, handshake_timeout);
	if (lt) {
		up->listener = s->listener->id;
		lt->handshaking++;
		ms = sock_opt(s, OPT_TIMEOUT);
		timer_arm(&s->st->loop, &up->timer, ms > 0 ? (uint64_t)ms : SERVER_HANDSHAKE_MS);
	}
	/* The first step waits for the loop (the descriptor is writable at
	 * once), so DONE never runs before this returns. */
	sock_update_interest(s);
	return 1;
}

/* A connection whose handshake did not finish is of no use: undone, so
 * the socket may connect again. */
static void undo(struct sock *s)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	bool in_kernel = tls_in_kernel(s->tlsstate->conn);

	tls_free(s->tlsstate->conn);
	s->tlsstate->conn = NULL;
	/* A descriptor the kernel's TLS holds cannot be disconnected. */
	if (s->fd >= 0 && connect(s->fd, &sa, sizeof(sa)) < 0 && in_kernel)
		sock_drop_fd(s);
}

void tlsup_step(struct sock *s)
{
	struct tls_state *t = s->tlsstate;
	char why[TLS_WHY_MAX];
	int r;

	if (t == NULL || t->up == NULL || t->up->job)
		return;
	if ((r = tls_handshake(t->conn)) == -EAGAIN) {
		sock_update_interest(s);
		return;
	}
	snprintf(why, sizeof(why), "%s", tls_why(t->conn));
	/* A client's failed handshake undoes its connection (a server's
	 * connection is closed by whoever accepted it). */
	if (r && !t->up->server)
		undo(s);
	finish(s, r, r ? why : NULL);
}

int tlsup_set_opt(struct sock *s, enum tls_opt id, const char *value)
{
	struct tls_state *t = state(s);

	if (t == NULL || tls_conf_set(&t->conf, id, value) != 0)
		return -ENOMEM;
	tls_ctx_unref(t->ctx);
	t->ctx = NULL;
	return 0;
}

int tlsup_set_host(struct sock *s, const char *host)
{
	const struct kind_info *ki = kind_info(s->kind);

	if (!ki->inet || ki->socktype != SOCK_STREAM)
		return 0;
	if (state(s) == NULL)
		return -ENOMEM;
	return tls_conf_set_host(&s->tlsstate->conf, host);
}

void tlsup_host(struct sock *s, char *buf, size_t size)
{
	const struct tls_conf *c = tlsup_conf(s);

	if (c && c->host)
		snprintf(buf, size, "%s", c->host);
	else
		addr_format_host((const struct sockaddr *)&s->connected_to.ss, s->connected_to.len,
				 buf, size);
}

int tlsup_check_unread(struct sock *s, bool server, const char **why)
{
	unsigned char first;
	int n = 0;

	if (ioctl(s->fd, FIONREAD, &n) < 0 || n == 0)
		return 0;
	if (!server) {
		*why = "the peer sent bytes after its reply that were not read; they would be "
		       "taken for TLS, so the upgrade is refused (see STARTTLS in sockfs(1))";
		return -EPROTO;
	}
	/* 22 is a TLS handshake record: the client's hello, already here. */
	if (recv(s->fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && first != 22) {
		*why = "the client sent plain text after its STARTTLS command, before its TLS "
		       "hello; the upgrade is refused (see STARTTLS in sockfs(1))";
		return -EPROTO;
	}
	return 0;
}

void tlsup_disconnect(struct sock *s)
{
	if (s->tlsstate == NULL)
		return;
	tls_free(s->tlsstate->conn);
	s->tlsstate->conn = NULL;
}

void tlsup_abandon(struct sock *s)
{
	struct tlsup *up = s->tlsstate ? s->tlsstate->up : NULL;

	if (up == NULL)
		return;
	up->done = NULL;
	if (up->job)
		return;		/* the context still lands in S's state */
	finish(s, 0, NULL);
	undo(s);
	s->state = s->bound ? SS_BOUND : SS_OPEN;
	sock_update_interest(s);
}

void tlsup_close(struct sock *s)
{
	struct tls_state *t = s->tlsstate;

	if (t == NULL)
		return;
	if (t->up) {
		if (t->up->job)
			t->up->job->j.cancelled = true;
		t->up->done = NULL;
		t->up->job = NULL;
		finish(s, 0, NULL);
	}
	tls_free(t->conn);
	tls_ctx_unref(t->ctx);
	tls_conf_free(t->conf);
	free(t);
	s->tlsstate = NULL;
}

/* Until its handshake is done a connection carries no data. */
static ssize_t not_up(const struct sock *s)
{
	return tlsup_busy(s) ? -EAGAIN : -ENOTCONN;
}

ssize_t tlsup_read(struct sock *s, void *buf, size_t len)
{
	struct tls *t = tlsup_conn(s);

	return tls_established(t) ? tls_read(t, buf, len) : not_up(s);
}

ssize_t tlsup_write(struct sock *s, const void *data, size_t len)
{
	struct tls *t = tlsup_conn(s);

	return tls_established(t) ? tls_write(t, data, len) : not_up(s);
}
