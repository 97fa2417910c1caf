#include "config.h"

#include "sock.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "closer.h"
#include "tls.h"

#define INITIAL_BUCKETS 256

/* --- the table: two hashes (by id, by kind+name) and a list per kind --- */

static size_t hash_id(uint64_t id, size_t size)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & (size - 1);
}

static size_t hash_name(enum kind k, const char *name, size_t size)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)k;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)h & (size - 1);
}

static void table_link(struct stack *st, struct sock *s)
{
	list_prepend(&st->id_tab[hash_id(s->id, st->tab_size)], &s->id_link);
	list_prepend(&st->name_tab[hash_name(s->kind, s->name, st->tab_size)], &s->name_link);
}

static int table_grow(struct stack *st)
{
	size_t size = st->tab_size ? st->tab_size * 2 : INITIAL_BUCKETS;
	struct list *ids = calloc(size, sizeof(*ids));
	struct list *names = calloc(size, sizeof(*names));

	if (ids == NULL || names == NULL) {
		free(ids);
		free(names);
		return -ENOMEM;
	}
	free(st->id_tab);
	free(st->name_tab);
	st->id_tab = ids;
	st->name_tab = names;
	st->tab_size = size;
	/* Every socket is on exactly one kind list: relink from there. */
	for (int k = 0; k < KIND_COUNT; k++)
		for (struct sock *s = sock_next_of_kind(st, k, 0); s; s = sock_kind_next(s))
			table_link(st, s);
	return 0;
}

static void table_unlink(struct stack *st, struct sock *s)
{
	list_remove(&st->id_tab[hash_id(s->id, st->tab_size)], &s->id_link);
	list_remove(&st->name_tab[hash_name(s->kind, s->name, st->tab_size)], &s->name_link);
	list_remove(&st->kinds[s->kind], &s->klink);
}

struct sock *sock_by_id(struct stack *st, uint64_t id)
{
	struct link *l = st->id_tab[hash_id(id, st->tab_size)].head;

	for (; l; l = l->next) {
		struct sock *s = list_entry(l, struct sock, id_link);
		if (s->id == id)
			return s;
	}
	return NULL;
}

struct sock *sock_by_name(struct stack *st, enum kind k, const char *name)
{
	struct link *l = st->name_tab[hash_name(k, name, st->tab_size)].head;

	for (; l; l = l->next) {
		struct sock *s = list_entry(l, struct sock, name_link);
		if (s->kind == k && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

struct sock *sock_next_of_kind(struct stack *st, enum kind k, uint64_t after)
{
	struct sock *s = list_item(st->kinds[k].head, struct sock, klink);

	while (s && s->id <= after)
		s = sock_kind_next(s);
	return s;
}

int sock_table_init(struct stack *st)
{
	st->next_id = 1;
	return table_grow(st);
}

void sock_table_fini(struct stack *st)
{
	for (int k = 0; k < KIND_COUNT; k++)
		while (!list_empty(&st->kinds[k]))
			sock_close(list_entry(st->kinds[k].head, struct sock, klink));
	free(st->id_tab);
	free(st->name_tab);
	st->id_tab = st->name_tab = NULL;
}

/* --- creating and closing --- */

/* Names are one path component a shell can type without quoting. */
static int valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SOCK_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-:@+", *p))
			return 0;
	/* The kind folder's own files. */
	return strcmp(name, "clone") != 0 && strcmp(name, "pair") != 0;
}

/* Every message says where it came from and how (cmsg): the kernel is
 * asked to tell, once, when the socket is made. */
static void enable_meta(enum kind k, int fd, int family)
{
	static const struct { int family, level, name; } inet_opts[] = {
		{ AF_INET, IPPROTO_IP, IP_PKTINFO },
		{ AF_INET, IPPROTO_IP, IP_RECVTTL },
		{ AF_INET, IPPROTO_IP, IP_RECVTOS },
		{ AF_INET6, IPPROTO_IPV6, IPV6_RECVPKTINFO },
		{ AF_INET6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT },
		{ AF_INET6, IPPROTO_IPV6, IPV6_RECVTCLASS },
	};
	const struct kind_info *ki = kind_info(k);
	int on = 1;

	if (ki->stream)
		return;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	for (size_t i = 0; ki->inet && i < sizeof(inet_opts) / sizeof(inet_opts[0]); i++)
		if (inet_opts[i].family == family)
			setsockopt(fd, inet_opts[i].level, inet_opts[i].name, &on, sizeof(on));
}

static int new_fd(struct sock *s, int family)
{
	const struct kind_info *ki = kind_info(s->kind);
	int icmp = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int proto = ki->proto;
	int fd;

	/* Ping sockets speak ICMP; raw ones what `set proto` chose (or ICMP). */
	if (s->kind == KIND_ICMP)
		proto = icmp;
	else if (s->kind == KIND_RAW)
		proto = s->opt_set[OPT_PROTO] ? (int)s->opt_val[OPT_PROTO] : icmp;
	fd = socket(family, ki->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	enable_meta(s->kind, fd, family);
	return fd;
}

/* Charges S's owner one descriptor (before it is made). */
static int take_fd(struct sock *s, const char **why)
{
	return quota_take(&s->st->quotas, s->uid, Q_FDS, 1, why);
}

/* Closes S's kernel socket and gives its descriptor back. */
static void drop_fd(struct sock *s)
{
	loop_unwatch(&s->st->loop, &s->watch);
	closer_close(s->fd);
	s->fd = -1;
	quota_give(&s->st->quotas, s->uid, Q_FDS, 1);
}

void sock_drop_fd(struct sock *s)
{
	if (s->fd >= 0)
		drop_fd(s);
	s->state = SS_NEW;
}

/* Options given before the socket existed; those that have no meaning for
 * the family chosen (v6only on IPv4) are skipped, any other failure fails. */
static int apply_saved_options(struct sock *s)
{
	for (int i = 0; i < OPT_COUNT; i++) {
		int err;
		if (!s->opt_set[i] || opt_info(i)->daemon)
			continue;
		err = opt_apply(i, s->fd, s->family, s->opt_val[i]);
		if (err == -ENOPROTOOPT)
			continue;
		if (err)
			return err;
	}
	return 0;
}

static void on_event(void *arg, uint32_t events)
{
	struct sock *s = arg;

	s->st->hooks.on_event(s, events);
}

/* Makes FD the socket's kernel socket. */
static void set_fd(struct sock *s, int fd, int family)
{
	s->fd = fd;
	s->family = family;
	loop_watch_init(&s->watch, fd, on_event, s);
}

int sock_ensure_fd(struct sock *s, int family, const char **why)
{
	int fd, err;

	if (family == 0)
		family = s->fd >= 0 ? s->family : kind_info(s->kind)->inet ? AF_INET : AF_UNIX;
	if (s->fd >= 0) {
		if (family == s->family)
			return 0;
		/* A socket nobody has bound or connected may change family. */
		if (s->state != SS_OPEN)
			return -EAFNOSUPPORT;
		drop_fd(s);
	}
	if ((err = take_fd(s, why)) != 0)
		return err;
	fd = new_fd(s, family);
	if (fd < 0) {
		quota_give(&s->st->quotas, s->uid, Q_FDS, 1);
		return fd;
	}
	set_fd(s, fd, family);
	s->state = SS_OPEN;
	err = apply_saved_options(s);
	if (err) {
		drop_fd(s);
		s->state = SS_NEW;
	}
	return err;
}

/* A socket object not yet in the table (sock_link puts it there). */
static int sock_new(struct stack *st, enum kind k, const char *name,
		    const struct caller *who, struct sock **out)
{
	const char *why;
	struct sock *s;
	int err;

	if (name && !valid_name(name))
		return -EINVAL;
	if (name && sock_by_name(st, k, name))
		return -EEXIST;
	if (st->nsocks + 2 > st->tab_size && (err = table_grow(st)) != 0)
		return err;
	if ((err = quota_take_as(&st->quotas, who, Q_SOCKETS, 1, &why)) != 0)
		return err;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		quota_give(&st->quotas, who->uid, Q_SOCKETS, 1);
		return -ENOMEM;
	}
	s->st = st;
	s->kind = k;
	s->fd = -1;
	s->uid = who->uid;
	s->gid = who->gid;
	clock_gettime(CLOCK_REALTIME, &s->ctime);
	s->id = st->next_id++;
	if (name)
		snprintf(s->name, sizeof(s->name), "%s", name);
	else {
		/* clone: the id, unless somebody took that name with mkdir. */
		do
			snprintf(s->name, sizeof(s->name), "%llu", (unsigned long long)s->id);
		while (sock_by_name(st, k, s->name) && (s->id = st->next_id++));
	}
	*out = s;
	return 0;
}

static void sock_link(struct sock *s)
{
	struct stack *st = s->st;

	list_append(&st->kinds[s->kind], &s->klink);
	table_link(st, s);
	st->nsocks++;
}

int sock_create(struct stack *st, enum kind k, const char *name,
		const struct caller *who, struct sock **out)
{
	const char *why;
	struct sock *s;
	int err = sock_new(st, k, name, who, &s);

	if (err)
		return err;
	/* Unix kinds know their family now: make the socket, so a failure
	 * (EMFILE) is reported by the mkdir or clone that asked. */
	if (!kind_info(k)->inet && (err = sock_ensure_fd(s, AF_UNIX, &why)) != 0) {
		quota_give(&st->quotas, s->uid, Q_SOCKETS, 1);
		free(s);
		return err;
	}
	sock_link(s);
	*out = s;
	return 0;
}

int sock_adopt(struct stack *st, enum kind k, int fd, const struct caller *who,
	       struct sock **out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *why;
	struct sock *s;
	int err;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if ((err = sock_new(st, k, NULL, who, &s)) != 0)
		return err;
	if ((err = take_fd(s, &why)) != 0) {
		quota_give(&st->quotas, s->uid, Q_SOCKETS, 1);
		free(s);
		return err;
	}
	set_fd(s, fd, ss.ss_family);
	enable_meta(k, fd, ss.ss_family);
	s->state = SS_CONNECTED;
	sock_link(s);
	*out = s;
	return 0;
}

int sock_pair(struct stack *st, enum kind k, const struct caller *who,
	      struct sock **a, struct sock **b)
{
	int fds[2], err;

	if (!kind_info(k)->pairs)
		return -EOPNOTSUPP;
	if (socketpair(AF_UNIX, kind_info(k)->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	if ((err = sock_adopt(st, k, fds[0], who, a)) != 0) {
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if ((err = sock_adopt(st, k, fds[1], who, b)) != 0) {
		sock_close(*a);
		close(fds[1]);
		return err;
	}
	return 0;
}

/* --- accepted sockets and their listener --- */

void sock_tie(struct sock *l, struct sock *c)
{
	c->listener = l;
	list_append(&l->children, &c->tie);
}

void sock_untie(struct sock *c)
{
	if (c->listener == NULL)
		return;
	list_remove(&c->listener->children, &c->tie);
	c->listener = NULL;
}

void sock_close(struct sock *s)
{
	struct stack *st = s->st;

	table_unlink(st, s);
	st->nsocks--;
	/* Before its waiters hear of the close, so that the layer above can
	 * make their answers wait until the name is gone. */
	if (st->up.gone_notify)
		st->up.gone_notify(st->up.arg, s);
	sock_untie(s);
	/* Connections accepted for nobody go with their listener. */
	while (!list_empty(&s->children))
		sock_close(sock_child_first(s));
	/* Readers of a closed socket see its end; writers cannot go on. */
	wqueue_fail(&s->readers, 0);
	wqueue_fail(&s->accepts, 0);
	wqueue_fail(&s->writers, -EPIPE);
	wqueue_fail(&s->ctls, -ECONNABORTED);
	wqueue_fail(&s->held, -ECONNABORTED);
	st->hooks.on_close(s);
	for (struct link *l; (l = list_pop(&s->handles)) != NULL;) {
		struct handle *h = list_entry(l, struct handle, link);
		h->sock = NULL;
		/* A poller must hear that this file will never block again. */
		if (h->polled && st->up.poll_notify)
			st->up.poll_notify(st->up.arg, h);
		h->polled = false;
	}
	if (s->fd >= 0)
		drop_fd(s);
	quota_give(&st->quotas, s->uid, Q_SOCKETS, 1);
	free(s->log);
	free(s);
}

void sock_set_err(struct sock *s, const char *what, const char *reason)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, reason);
}

/* --- handles --- */

struct handle *handle_open(struct sock *s, void *owner)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->sock = s;
	h->owner = owner;
	/* Opening any file of an accepted socket claims it. */
	sock_untie(s);
	list_prepend(&s->handles, &h->link);
	return h;
}

void handle_close(struct handle *h)
{
	struct sock *s = h->sock;

	if (s) {
		list_remove(&s->handles, &h->link);
		sock_update_interest(s);	/* without H's poll */
	}
	free(h->rem);
	free(h->actor);
	free(h);
}

void sock_update_interest(struct sock *s)
{
	/* TLS's state is tlsup's, read here only (tls.h). */
	const struct tls_state *t = s->tlsstate;
	bool up = t && t->up;
	uint32_t ev = 0;

	if (s->fd < 0)
		return;
	if (wqueue_first(&s->readers) ||
	    (wqueue_first(&s->accepts) && (!t || t->handshaking < SOCK_HANDSHAKES_MAX)))
		ev |= EPOLLIN;
	/* A connect in progress is followed to its end even when nobody
	 * waits for it (O_NONBLOCK, or an interrupted ctl write). */
	if (wqueue_first(&s->writers) || wqueue_first(&s->ctls) || s->state == SS_CONNECTING)
		ev |= EPOLLOUT;
	/* Pollers wait on the descriptor, except while TLS is set up on it
	 * (sock_poll): then on the handshake, which asks for its own. */
	if (!up)
		for (struct handle *h = handle_first(s); h; h = handle_next(h))
			if (h->polled)
				ev |= h->poll_events & (EPOLLIN | EPOLLOUT);
	/* TLS may need the other direction: a handshake, or a read that
	 * must first write (and the reverse). */
	if (t && t->conn && (up || wqueue_first(&s->readers) || wqueue_first(&s->writers)))
		ev |= tls_want(t->conn);
	loop_set(&s->st->loop, &s->watch, ev);
}

void sock_park(struct sock *s, struct waiter *w, struct wqueue *q)
{
	long long ms = sock_opt(s, OPT_TIMEOUT);

	waiter_park(w, q, ms > 0 ? (uint64_t)ms : 0);
	sock_update_interest(s);
}

struct waiter *sock_start(struct sock *s, struct waiter *w, struct wqueue *q, bool behind,
			  wait_try_fn try, wait_end_fn end)
{
	ssize_t n;

	if (s && behind && wqueue_first(q) && !w->nonblock) {
		sock_park(s, w, q);
		return w;
	}
	n = try(w);
	if (n == -EAGAIN && !w->nonblock) {
		sock_park(s, w, q);
		return w;
	}
	end(w, n);
	waiter_finish(w, n);
	return NULL;
}

void *sock_wait_new(struct handle *h, size_t size, const struct wait_ops *ops,
		    const struct wait_req *rq)
{
	struct sock *s = h->sock;
	struct tenant *t = NULL;
	struct waiter *w;
	const char *why;
	int err;

	if (s && (t = quota_take_request(&s->st->quotas, &rq->who, rq->len, &err, &why)) == NULL) {
		sock_set_err(s, "request", why);
		waiter_refuse(rq, err);
		return NULL;
	}
	w = waiter_new(size, ops, s ? &s->st->loop : NULL, rq);
	if (w) {
		w->tenant = t;
		w->charged = rq->len;
	} else if (t)
		quota_give_request(t, rq->len);
	return w;
}

void sock_cancel(struct sock *s, struct waiter *w, int res, ssize_t reply, const char *what)
{
	if (s && res == -ETIMEDOUT)
		sock_set_err(s, what, "timed out");
	waiter_finish(w, reply);
	if (s)
		sock_update_interest(s);
}
