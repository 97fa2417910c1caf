#include "config.h"

#include "status.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/mptcp.h>

#include "access.h"
#include "sockname.h"
#include "text.h"
#include "tls.h"
#include "tlsconf.h"
#include "tlsup.h"

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_UNIX: return "unix";
	default: return NULL;
	}
}

static json_t *addr_or_null(const char *text)
{
	return text[0] ? text_json(text) : json_null();
}

static json_t *options_json(struct sock *s)
{
	json_t *o = json_object(), *tls;
	char buf[32];

	for (int i = 0; i < OPT_COUNT; i++) {
		if (!s->opt_set[i])
			continue;
		if (opt_info(i)->type == OPT_BOOL || opt_info(i)->type == OPT_INT)
			json_object_set_new(o, opt_info(i)->name, json_integer(s->opt_val[i]));
		else {
			opt_format(i, s->opt_val[i], buf, sizeof(buf));
			json_object_set_new(o, opt_info(i)->name, text_json(buf));
		}
	}
	tls = tls_conf_json(tlsup_conf(s));
	json_object_update(o, tls);
	json_decref(tls);
	return o;
}

static json_t *counters_json(struct sock *s)
{
	return json_pack("{s:I,s:I,s:I,s:I}",
			 "rx_bytes", (json_int_t)s->ctr.rx_bytes,
			 "tx_bytes", (json_int_t)s->ctr.tx_bytes,
			 "rx_msgs", (json_int_t)s->ctr.rx_msgs,
			 "tx_msgs", (json_int_t)s->ctr.tx_msgs);
}

/* Connections accepted for a reader of listen whose folders nobody has
 * opened yet: they close with the listener. */
static json_t *unclaimed_json(struct sock *s)
{
	json_t *a = json_array();

	for (struct sock *c = sock_child_first(s); c; c = sock_child_next(c))
		json_array_append_new(a, text_json(c->name));
	return a;
}

/* The subflows' address pairs, as the kernel lists them. */
static json_t *subflows_json(int fd)
{
	enum { MAX = 8 };
	struct {
		struct mptcp_subflow_data d;
		struct mptcp_subflow_addrs a[MAX];
	} q = { .d = { .size_subflow_data = sizeof(q.d), .size_user = sizeof(q.a[0]) } };
	socklen_t len = sizeof(q);
	json_t *arr = json_array();
	char l[ADDR_TEXT_MAX], r[ADDR_TEXT_MAX];

	if (getsockopt(fd, SOL_MPTCP, MPTCP_SUBFLOW_ADDRS, &q, &len) < 0)
		return arr;
	for (unsigned i = 0; i < q.d.num_subflows && i < MAX; i++) {
		addr_format(&q.a[i].sa_local, sizeof(q.a[i].ss_local), l, sizeof(l));
		addr_format(&q.a[i].sa_remote, sizeof(q.a[i].ss_remote), r, sizeof(r));
		json_array_append_new(arr, json_pack("{s:o,s:o}", "local", text_json(l),
						      "peer", text_json(r)));
	}
	return arr;
}

/* An mptcp socket: whether the peer spoke MPTCP or the kernel fell back
 * to plain TCP, and the subflows it made. */
static json_t *mptcp_json(struct sock *s)
{
	struct mptcp_info mi = { 0 };
	socklen_t len = sizeof(mi);
	bool fallback;

	if (s->state != SS_CONNECTED)
		return json_null();
	if (getsockopt(s->fd, SOL_MPTCP, MPTCP_INFO, &mi, &len) < 0)
		fallback = errno == EOPNOTSUPP;
	else
		fallback = (mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) != 0;
	return json_pack("{s:b,s:i,s:o}", "fallback", fallback, "subflows",
			 fallback ? 1 : (int)mi.mptcpi_subflows + 1, "addresses",
			 fallback ? json_array() : subflows_json(s->fd));
}

json_t *sock_status_json(struct sock *s)
{
	char local[ADDR_TEXT_MAX], peer[ADDR_TEXT_MAX], dest[ADDR_TEXT_MAX] = "";
	const char *fam = s->fd >= 0 ? family_name(s->family) : NULL;
	json_t *o;

	if (sock_local_text(s, local, sizeof(local)) < 0)
		local[0] = '\0';
	if (sock_peer_text(s, peer, sizeof(peer)) < 0)
		peer[0] = '\0';
	if (s->has_dest)
		sock_addr_text(s, &s->dest, dest, sizeof(dest));
	o = json_object();
	json_object_set_new(o, "name", text_json(s->name));
	json_object_set_new(o, "kind", text_json(kind_info(s->kind)->name));
	json_object_set_new(o, "family", fam ? text_json(fam) : json_null());
	json_object_set_new(o, "state", text_json(sock_state_name(s->state)));
	json_object_set_new(o, "local", addr_or_null(local));
	json_object_set_new(o, "peer", addr_or_null(peer));
	json_object_set_new(o, "destination", addr_or_null(dest));
	if (s->state == SS_LISTENING)
		json_object_set_new(o, "unclaimed", unclaimed_json(s));
	if (s->kind == KIND_MPTCP)
		json_object_set_new(o, "mptcp", mptcp_json(s));
	if (s->kind == KIND_TLS || tlsup_conn(s))
		json_object_set_new(o, "tls", tlsup_conn(s) ? tls_json(tlsup_conn(s)) : json_null());
	json_object_set_new(o, "shutdown", json_pack("{s:b,s:b}", "rd", s->shut_rd, "wr", s->shut_wr));
	json_object_set_new(o, "options", options_json(s));
	json_object_set_new(o, "counters", counters_json(s));
	json_object_set_new(o, "error", text_json(s->err));
	json_object_set_new(o, "uid", json_integer(s->uid));
	json_object_set_new(o, "gid", json_integer(s->gid));
	return o;
}

static json_t *pktinfo_json(const struct sock *s, const struct msg_meta *m)
{
	char to[ADDR_TEXT_MAX], ifname[IF_NAMESIZE];

	addr_format_host((const struct sockaddr *)&m->dst.ss, m->dst.len, to, sizeof(to));
	return json_pack("{s:o,s:i,s:o}", "to", text_json(to), "ifindex", m->ifindex, "interface",
			 if_indextoname((unsigned)m->ifindex, ifname) ? text_json(ifname)
								       : json_null());
}

static json_t *msg_flags_json(int flags)
{
	static const struct { int flag; const char *name; } names[] = {
		{ MSG_TRUNC, "trunc" }, { MSG_CTRUNC, "ctrunc" },
		{ MSG_EOR, "eor" }, { MSG_OOB, "oob" },
	};
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			json_array_append_new(a, text_json(names[i].name));
	return a;
}

static const char *origin_name(int origin)
{
	switch (origin) {
	case SO_EE_ORIGIN_LOCAL: return "local";
	case SO_EE_ORIGIN_ICMP: return "icmp";
	case SO_EE_ORIGIN_ICMP6: return "icmp6";
	default: return "other";
	}
}

static json_t *error_json(const struct sock *s, const struct msg_meta *m)
{
	char off[ADDR_TEXT_MAX] = "";
	json_t *o;

	if (m->offender.len)
		addr_format_host((const struct sockaddr *)&m->offender.ss, m->offender.len, off, sizeof(off));
	o = json_pack("{s:o,s:i,s:i,s:i,s:o}", "origin", text_json(origin_name(m->ee.ee_origin)),
		      "type", m->ee.ee_type, "code", m->ee.ee_code, "errno", (int)m->ee.ee_errno,
		      "error", text_json(strerror((int)m->ee.ee_errno)));
	json_object_set_new(o, "offender", addr_or_null(off));
	return o;
}

static json_t *rights_json(const struct msg_meta *m)
{
	json_t *a = json_array();

	for (int i = 0; i < m->nrights; i++)
		json_array_append_new(a, text_json(m->rights[i]));
	return a;
}

/* The keys beyond from, length, pktinfo and flags, each when it came. */
static void more_meta_json(json_t *o, const struct sock *s, const struct msg_meta *m)
{
	char stamp[48];

	if (m->has_ttl)
		json_object_set_new(o, "ttl", json_integer(m->ttl));
	if (m->has_tos)
		json_object_set_new(o, "tos", json_integer(m->tos));
	if (m->has_time) {
		snprintf(stamp, sizeof(stamp), "%lld.%09ld", (long long)m->stamp.tv_sec, m->stamp.tv_nsec);
		json_object_set_new(o, "timestamp", text_json(stamp));
	}
	if (m->has_creds)
		json_object_set_new(o, "credentials", json_pack("{s:i,s:I,s:I}", "pid", (int)m->creds.pid,
				    "uid", (json_int_t)m->creds.uid, "gid", (json_int_t)m->creds.gid));
	if (m->nrights || m->rights_dropped)
		json_object_set_new(o, "rights", rights_json(m));
	if (m->rights_dropped)
		json_object_set_new(o, "rights_dropped", json_integer(m->rights_dropped));
	if (m->has_error)
		json_object_set_new(o, "error", error_json(s, m));
}

json_t *msg_meta_json(const struct sock *s, const struct msg_meta *m)
{
	json_t *o = json_object();
	char from[ADDR_TEXT_MAX] = "";

	if (m == NULL)
		return o;
	if (m->from.len > 0)
		sock_addr_text(s, &m->from, from, sizeof(from));
	json_object_set_new(o, "from", addr_or_null(from));
	json_object_set_new(o, "length", json_integer((json_int_t)m->len));
	if (m->has_pktinfo)
		json_object_set_new(o, "pktinfo", pktinfo_json(s, m));
	json_object_set_new(o, "flags", msg_flags_json(m->flags));
	more_meta_json(o, s, m);
	return o;
}

json_t *stack_sockets_json(struct stack *st, const struct caller *who)
{
	json_t *a = json_array();

	for (int k = 0; k < KIND_COUNT; k++)
		for (struct sock *s = sock_next_of_kind(st, k, 0); s; s = sock_kind_next(s))
			if (sock_visible_to(s, who))
				json_array_append_new(a, sock_status_json(s));
	return a;
}

static json_t *tenant_json(const struct quotas *q, uid_t uid, const struct tenant *t)
{
	static const char *keys[Q_COUNT] = { "sockets", "fds", "files", "waits", "bytes" };
	json_t *o = json_pack("{sI}", "uid", (json_int_t)uid);

	for (int r = 0; r < Q_COUNT; r++)
		json_object_set_new(o, keys[r],
				    json_pack("{sIsI}", "used", (json_int_t)(t ? t->used[r] : 0),
					      "limit", (json_int_t)(uid == 0 ? 0 : q->limit[r])));
	return o;
}

json_t *stack_usage_json(struct stack *st, const struct caller *who)
{
	const struct quotas *q = &st->quotas;
	json_t *a = json_array();

	if (who->uid != 0) {
		json_array_append_new(a, tenant_json(q, who->uid, quota_of(q, who->uid)));
		return a;
	}
	for (const struct tenant *t = quota_next(q, NULL); t; t = quota_next(q, t))
		json_array_append_new(a, tenant_json(q, t->uid, t));
	return a;
}
