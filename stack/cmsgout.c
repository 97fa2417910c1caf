#include "config.h"

#include "cmsgout.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "callerfs.h"
#include "ident.h"
#include "meta.h"
#include "option.h"

/* Each parser returns 0 or -errno, with a reason in WHY. */
struct parse {
	struct sock *s;
	const struct caller *who;
	struct cmsg_out *c;
	char *why;
	size_t whysize;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parse *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whysize, fmt, ap);
	va_end(ap);
	return err;
}

static int int_field(struct parse *p, json_t *o, const char *key, long long max, long long *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0 || json_integer_value(j) > max)
		return fail(p, -EINVAL, "%s must be a whole number in range", key);
	*v = json_integer_value(j);
	return 0;
}

static int parse_creds(struct parse *p, json_t *j)
{
	long long pid, uid, gid;
	int err;

	if (json_is_string(j) && strcmp(json_string_value(j), "self") == 0)
		return 0;	/* the data writer's own, as every unix send carries */
	if (!json_is_object(j) || json_object_size(j) != 3)
		return fail(p, -EINVAL, "%s must be \"self\" or {\"pid\", \"uid\", \"gid\"}", "credentials");
	if ((err = int_field(p, j, "pid", 0x7fffffff, &pid)) || (err = int_field(p, j, "uid", 0xfffffffe, &uid)) ||
	    (err = int_field(p, j, "gid", 0xfffffffe, &gid)))
		return err;
	/* As the kernel checks a sender: only root claims others' ids. */
	if (p->who->uid != 0 && ((uid_t)uid != p->who->uid || (gid_t)gid != p->who->gid ||
				 !pid_is_callers(p->who, (pid_t)pid)))
		return fail(p, -EPERM, "%s: only root may claim another pid, uid or gid "
			    "(yours: your process or your own shell above it)", "credentials");
	p->c->has_creds = true;
	p->c->creds = (struct ucred){ (pid_t)pid, (uid_t)uid, (gid_t)gid };
	return 0;
}

static int open_mode(const char *m)
{
	return !strcmp(m, "r") ? O_RDONLY : !strcmp(m, "w") ? O_WRONLY : !strcmp(m, "rw") ? O_RDWR : -1;
}

static int right_path(struct parse *p, json_t *r)
{
	const char *path = json_string_value(json_object_get(r, "path"));
	json_t *mode = json_object_get(r, "mode");
	int flags = mode ? (json_is_string(mode) ? open_mode(json_string_value(mode)) : -1) : O_RDONLY;
	char *copy;

	if (flags < 0)
		return fail(p, -EINVAL, "%s: mode must be \"r\", \"w\" or \"rw\"", "rights");
	if (path == NULL || path[0] == '\0')
		return fail(p, -EINVAL, "%s: path must be a path", "rights");
	if ((copy = strdup(path)) == NULL)
		return -ENOMEM;
	p->c->paths[p->c->npaths++] = (struct cmsg_path){ p->c->nfds, flags, copy };
	p->c->fds[p->c->nfds++] = -1;
	return 0;
}

static int right_socket(struct parse *p, json_t *r)
{
	const char *name = json_string_value(json_object_get(r, "socket"));
	char kind[32];
	const char *slash = name ? strchr(name, '/') : NULL;
	struct sock *t;
	int k, fd;

	if (slash == NULL || (size_t)(slash - name) >= sizeof(kind))
		return fail(p, -EINVAL, "%s: socket must be KIND/NAME", "rights");
	memcpy(kind, name, (size_t)(slash - name));
	kind[slash - name] = '\0';
	k = kind_by_name(kind);
	t = k < 0 ? NULL : sock_by_name(p->s->st, (enum kind)k, slash + 1);
	if (t == NULL || !sock_visible_to(t, p->who))
		return fail(p, -ENOENT, "rights: no socket %s of yours", name);
	if (t->fd < 0)
		return fail(p, -ENOTCONN, "rights: %s has no kernel socket yet", name);
	if ((fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return fail(p, -errno, "rights: %s: %s", name, strerror(errno));
	p->c->fds[p->c->nfds++] = fd;
	return 0;
}

static int parse_rights(struct parse *p, json_t *j)
{
	size_t i;
	json_t *r;
	int err;

	if (!json_is_array(j))
		return fail(p, -EINVAL, "%s must be a list", "rights");
	if (json_array_size(j) > CMSG_OUT_FDS_MAX)
		return fail(p, -ETOOMANYREFS, "%s: too many descriptors (at most 32)", "rights");
	json_array_foreach(j, i, r) {
		bool path = json_object_get(r, "path") != NULL, sock = json_object_get(r, "socket") != NULL;
		if (!json_is_object(r) || path == sock || json_object_size(r) > (path ? 2u : 1u))
			return fail(p, -EINVAL, "%s: each is {\"path\", \"mode\"} or {\"socket\"}", "rights");
		if ((err = path ? right_path(p, r) : right_socket(p, r)) != 0)
			return err;
	}
	return 0;
}

static int parse_pktinfo(struct parse *p, json_t *j)
{
	const char *from = json_string_value(json_object_get(j, "from"));
	const char *ifname = json_string_value(json_object_get(j, "interface"));
	struct hostport hp;
	const char *why;

	if (!json_is_object(j) || json_object_size(j) != (size_t)(!!from + !!ifname) || (!from && !ifname))
		return fail(p, -EINVAL, "%s must be {\"from\": ADDR, \"interface\": NAME}", "pktinfo");
	if (!kind_info(p->s->kind)->inet)
		return fail(p, -ENOPROTOOPT, "%s is for inet kinds", "pktinfo");
	if (from && addr_parse(KIND_ICMP, from, &p->c->src, &hp, &why) != ADDR_NUMERIC)
		return fail(p, -EINVAL, "pktinfo: from must be a numeric address: %s", from);
	if (ifname && (p->c->ifindex = if_nametoindex(ifname)) == 0)
		return fail(p, -ENODEV, "pktinfo: no interface %s", ifname);
	p->c->has_pktinfo = true;
	return 0;
}

static int parse_flags_json(struct parse *p, json_t *j)
{
	char text[128] = "";
	size_t i;
	json_t *f;
	long long v;
	const char *why;

	if (json_is_string(j))
		snprintf(text, sizeof(text), "%s", json_string_value(j));
	else if (json_is_array(j))
		json_array_foreach(j, i, f) {
			if (!json_is_string(f))
				return fail(p, -EINVAL, "%s must be names", "flags");
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i ? "," : "",
				 json_string_value(f));
		}
	if (opt_parse(OPT_FLAGS, p->s->kind, text[0] ? text : "none", &v, &why) < 0)
		return fail(p, -EINVAL, "flags: %s", why);
	p->c->flags = (int)v;
	return 0;
}

static int parse_to(struct parse *p, json_t *v)
{
	struct hostport name;
	const char *why = NULL;
	int r;

	if (!json_is_string(v))
		return fail(p, -EINVAL, "%s", "to must be an address string");
	if (kind_info(p->s->kind)->stream)
		return fail(p, -ENOPROTOOPT, "%s", "to is for message kinds (connect a stream)");
	r = addr_parse(p->s->kind, json_string_value(v), &p->c->to, &name, &why);
	if (r < 0)
		return fail(p, r, "to: %s", why ? why : "bad address");
	if (r == ADDR_NAME)
		return fail(p, -EINVAL, "%s", "to needs a numeric address (a host name would block)");
	/* Like sendto(2) on a socket never bound: the socket comes to be. */
	if (p->s->fd < 0 && (r = sock_ensure_fd_for(p->s, p->who, p->c->to.ss.ss_family, &why)) < 0)
		return fail(p, r, "to: %s", why ? why : strerror(-r));
	p->c->has_to = true;
	return 0;
}

static int parse_key(struct parse *p, const char *key, json_t *v)
{
	long long n;
	int err;

	if (!strcmp(key, "credentials"))
		return kind_info(p->s->kind)->inet ? fail(p, -ENOPROTOOPT, "%s are for unix kinds", key)
						   : parse_creds(p, v);
	if (!strcmp(key, "rights"))
		return kind_info(p->s->kind)->inet ? fail(p, -ENOPROTOOPT, "%s are for unix kinds", key)
						   : parse_rights(p, v);
	if (!strcmp(key, "pktinfo"))
		return parse_pktinfo(p, v);
	if (!strcmp(key, "flags"))
		return parse_flags_json(p, v);
	if (!strcmp(key, "to"))
		return parse_to(p, v);
	if (!strcmp(key, "ttl") || !strcmp(key, "tos")) {
		json_t *o = json_pack("{sO}", key, v);
		err = int_field(p, o, key, 255, &n);
		json_decref(o);
		if (err)
			return err;
		if (!kind_info(p->s->kind)->inet)
			return fail(p, -ENOPROTOOPT, "%s is for inet kinds", key);
		if (key[1] == 't') {
			p->c->has_ttl = true;
			p->c->ttl = (int)n;
		} else {
			p->c->has_tos = true;
			p->c->tos = (int)n;
		}
		return 0;
	}
	return fail(p, -EINVAL, "unknown key \"%s\" (credentials, rights, pktinfo, ttl, tos, flags, to)", key);
}

int cmsg_out_parse(struct sock *s, const char *text, size_t len, const struct caller *who,
		   struct cmsg_out **out, char *whybuf, size_t whysize)
{
	struct parse p = { s, who, calloc(1, sizeof(struct cmsg_out)), whybuf, whysize };
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int err = 0;

	if (p.c == NULL)
		return -ENOMEM;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		err = root ? fail(&p, -EINVAL, "%s", "cmsg must be one JSON object")
			   : fail(&p, -EINVAL, "bad JSON: %s", jerr.text);
		goto out;
	}
	json_object_foreach(root, key, v)
		if ((err = parse_key(&p, key, v)) != 0)
			break;
out:
	json_decref(root);
	if (err) {
		cmsg_out_free(p.c);
		return err;
	}
	p.c->pid = who->pid;
	p.c->ppid = proc_ppid(who->pid);
	p.c->workers = &s->st->workers;
	p.c->writer = who->uid;
	*out = p.c;
	return 0;
}

int cmsg_out_charge(struct cmsg_out *c, struct quotas *q, uid_t uid, const char **why)
{
	int n = 0, err;

	for (int i = 0; i < c->nfds; i++)
		n += c->fds[i] >= 0;
	if (n == 0 || (err = quota_take(q, uid, Q_FDS, (uint64_t)n, why)) != 0)
		return n == 0 ? 0 : err;
	c->quotas = q;
	c->charged_uid = uid;
	c->charged = n;
	return 0;
}

void cmsg_out_free(struct cmsg_out *c)
{
	if (c == NULL)
		return;
	if (c->charged)
		quota_give(c->quotas, c->charged_uid, Q_FDS, (uint64_t)c->charged);
	/* What a writer named may be a file on FUSE, sockfs's own included,
	 * whose close waits for a FLUSH: a worker closes it. */
	for (int i = 0; i < c->nfds; i++)
		if (c->fds[i] >= 0 && c->workers)
			workers_close(c->workers, c->writer, c->fds[i]);
		else if (c->fds[i] >= 0)
			close(c->fds[i]);
	for (int i = 0; i < c->npaths; i++)
		free(c->paths[i].path);
	free(c);
}

/* open(2) of one path, on a worker already acting as the writer.  A FIFO
 * is not waited for: for reading it opens at once, for writing it needs a
 * reader (ENXIO otherwise); the file is then made blocking again, as an
 * open without O_NONBLOCK would have left it. */
static int open_right(const struct cmsg_path *cp)
{
	int fd = callerfs_open(cp->path, cp->flags | O_NONBLOCK);

	if (fd < 0)
		return fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static void open_paths(struct job *j)
{
	struct cmsg_open *o = (struct cmsg_open *)j;
	struct cmsg_out *c = o->c;

	for (int i = 0; i < c->npaths && o->err == 0; i++) {
		int fd = j->as_err ? j->as_err : open_right(&c->paths[i]);
		if (fd < 0) {
			o->err = fd;
			snprintf(o->why, sizeof(o->why), "rights: %s: %s", c->paths[i].path,
				 fd == -ENXIO ? "a FIFO opened for writing needs a reader already"
					      : strerror(-fd));
		} else
			c->fds[c->paths[i].slot] = fd;
	}
}

static void opened(struct job *j)
{
	struct cmsg_open *o = (struct cmsg_open *)j;

	o->done(o);
}

static void discard_open(struct job *j)
{
	cmsg_out_free(((struct cmsg_open *)j)->c);
	free(j);
}

int cmsg_out_open_async(struct workers *p, struct cmsg_out *c, const struct caller *who,
			const struct actor *as, void (*done)(struct cmsg_open *o), void *arg,
			struct cmsg_open **out)
{
	struct cmsg_open *o = calloc(1, sizeof(*o));
	int err;

	if (o == NULL)
		return -ENOMEM;
	o->j = (struct job){ .who = *who, .run = open_paths, .done = opened,
			     .discard = discard_open, .paths = true };
	if (as) {
		o->j.actor = *as;
		o->j.have_actor = true;
	}
	o->c = c;
	o->done = done;
	o->arg = arg;
	if ((err = workers_submit(p, &o->j)) != 0) {
		free(o);
		return err;
	}
	*out = o;
	return 0;
}

void cmsg_out_keep(struct sock *s, struct cmsg_out *c)
{
	cmsg_out_free(s->pending);
	s->pending = c;
}

struct cmsg_out *cmsg_out_take(struct sock *s, const struct caller *who)
{
	struct cmsg_out *c = s->pending;

	if (c == NULL || !pids_related(who->pid, proc_ppid(who->pid), c->pid, c->ppid))
		return NULL;
	s->pending = NULL;
	return c;
}

/* Appends one control message; returns the new length. */
static size_t add(char *buf, size_t used, size_t size, int level, int type,
		  const void *data, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(buf + used);

	if (used + CMSG_SPACE(len) > size)
		return used;
	memset(c, 0, CMSG_SPACE(len));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return used + CMSG_SPACE(len);
}

static size_t add_inet(const struct sock *s, const struct cmsg_out *c, char *buf, size_t used,
		       size_t size)
{
	bool v6 = s->family == AF_INET6;

	if (c->has_pktinfo && v6) {
		struct in6_pktinfo pi = { .ipi6_ifindex = c->ifindex };
		if (c->src.ss.ss_family == AF_INET6)
			pi.ipi6_addr = ((const struct sockaddr_in6 *)&c->src.ss)->sin6_addr;
		used = add(buf, used, size, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	} else if (c->has_pktinfo) {
		struct in_pktinfo pi = { .ipi_ifindex = (int)c->ifindex };
		if (c->src.ss.ss_family == AF_INET)
			pi.ipi_spec_dst = ((const struct sockaddr_in *)&c->src.ss)->sin_addr;
		used = add(buf, used, size, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (c->has_ttl)
		used = add(buf, used, size, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_HOPLIMIT : IP_TTL,
			   &c->ttl, sizeof(int));
	if (c->has_tos)
		used = add(buf, used, size, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS,
			   &c->tos, sizeof(int));
	return used;
}

size_t cmsg_out_control(const struct sock *s, const struct cmsg_out *c,
			const struct caller *who, bool first, bool creds, char *buf, size_t size)
{
	size_t used = 0;

	if (!kind_info(s->kind)->inet) {
		/* The writer's credentials, never the daemon's: without a pid
		 * of the writer's (hidden from us, or gone: ESRCH) the daemon's
		 * own pid goes with the writer's uid and gid, not root's. */
		struct ucred cr = { creds ? who->pid : getpid(), who->uid, who->gid };
		if (c && c->has_creds)
			cr = c->creds;
		used = add(buf, used, size, SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof(cr));
	}
	if (c == NULL || !first)
		return used;
	if (c->nfds)
		used = add(buf, used, size, SOL_SOCKET, SCM_RIGHTS, c->fds, (size_t)c->nfds * sizeof(int));
	if (kind_info(s->kind)->inet)
		used = add_inet(s, c, buf, used, size);
	return used;
}
