#include "config.h"

#include "quota.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

static const struct {
	const char *name;
	int err;
	const char *why;
} res_info[Q_COUNT] = {
	[Q_SOCKETS] = { "user_sockets", -EMFILE, "over your limit of sockets (user_sockets)" },
	[Q_FDS] = { "user_fds", -EMFILE, "over your limit of descriptors (user_fds)" },
	[Q_FILES] = { "user_files", -EMFILE, "over your limit of received files (user_files)" },
	[Q_WAITS] = { "user_waits", -ENOBUFS, "over your limit of requests in progress (user_waits)" },
	[Q_BYTES] = { "user_bytes", -ENOBUFS, "over your limit of buffered bytes (user_bytes)" },
};

const char *quota_name(enum quota_res r)
{
	return res_info[r].name;
}

void quota_init(struct quotas *q, uint64_t fd_budget)
{
	memset(q, 0, sizeof(*q));
	q->fd_budget = fd_budget;
	/* Root's reserve: a sixteenth, at least 64 (the daemon's own files,
	 * the FUSE device, an admin's way in). */
	q->reserve = fd_budget / 16 > 64 ? fd_budget / 16 : 64;
	if (q->reserve > fd_budget / 2)
		q->reserve = fd_budget / 2;
	/* One user may hold a quarter of what is left to users. */
	q->limit[Q_FDS] = (fd_budget - q->reserve) / 4;
	q->limit[Q_SOCKETS] = q->limit[Q_FDS];
	q->limit[Q_FILES] = q->limit[Q_FDS] / 4;
	q->limit[Q_WAITS] = 4096;
	q->limit[Q_BYTES] = 64ULL << 20;
}

void quota_fini(struct quotas *q)
{
	for (int i = 0; i < QUOTA_BUCKETS; i++)
		while (q->alias[i]) {
			struct alias *a = q->alias[i];
			q->alias[i] = a->next;
			free(a);
		}
	for (int i = 0; i < QUOTA_BUCKETS; i++)
		while (q->tab[i]) {
			struct tenant *t = q->tab[i];
			q->tab[i] = t->next;
			free(t);
		}
}

static const struct alias *alias_of(const struct quotas *q, uid_t uid)
{
	for (const struct alias *a = q->alias[uid % QUOTA_BUCKETS]; a; a = a->next)
		if (a->uid == uid)
			return a;
	return NULL;
}

uid_t quota_person(const struct quotas *q, uid_t uid)
{
	const struct alias *a = alias_of(q, uid);

	return a ? a->person : uid;
}

void quota_learn(struct quotas *q, uid_t uid, pid_t pid)
{
	struct alias *a;

	if (uid == 0 || pid <= 0 || alias_of(q, uid) || (a = malloc(sizeof(*a))) == NULL)
		return;
	a->uid = uid;
	a->person = person_of(uid, pid);
	a->next = q->alias[uid % QUOTA_BUCKETS];
	q->alias[uid % QUOTA_BUCKETS] = a;
}

static struct tenant *find(const struct quotas *q, uid_t uid)
{
	for (struct tenant *t = q->tab[uid % QUOTA_BUCKETS]; t; t = t->next)
		if (t->uid == uid)
			return t;
	return NULL;
}

const struct tenant *quota_of(const struct quotas *q, uid_t uid)
{
	return find(q, quota_person(q, uid));
}

const struct tenant *quota_next(const struct quotas *q, const struct tenant *after)
{
	unsigned i = after ? after->uid % QUOTA_BUCKETS : 0;

	if (after && after->next)
		return after->next;
	for (i = after ? i + 1 : 0; i < QUOTA_BUCKETS; i++)
		if (q->tab[i])
			return q->tab[i];
	return NULL;
}

/* Whether N more of R would put T (NULL: holds nothing yet) over UID's
 * limit; then the errno, with the reason in *WHY. */
static int over(const struct quotas *q, uid_t uid, const struct tenant *t, enum quota_res r,
		uint64_t n, const char **why)
{
	if (uid != 0 && q->limit[r] && (t ? t->used[r] : 0) + n > q->limit[r]) {
		*why = res_info[r].why;
		return res_info[r].err;
	}
	if (r == Q_FDS && uid != 0 && q->fd_budget && q->fds + n + q->reserve > q->fd_budget) {
		*why = "the daemon's descriptors are taken (the rest is kept for root)";
		return -ENFILE;
	}
	return 0;
}

/* UID's line, made on its first charge. */
static struct tenant *line_of(struct quotas *q, uid_t uid, const char **why)
{
	struct tenant *t = find(q, uid);

	if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL) {
		t->uid = uid;
		t->next = q->tab[uid % QUOTA_BUCKETS];
		q->tab[uid % QUOTA_BUCKETS] = t;
	}
	if (t == NULL)
		*why = "out of memory";
	return t;
}

int quota_take(struct quotas *q, uid_t uid, enum quota_res r, uint64_t n, const char **why)
{
	struct tenant *t = find(q, uid = quota_person(q, uid));
	int err = over(q, uid, t, r, n, why);

	if (err)
		return err;
	if (t == NULL && (t = line_of(q, uid, why)) == NULL)
		return -ENOMEM;
	t->used[r] += n;
	if (r == Q_FDS)
		q->fds += n;
	return 0;
}

int quota_take_as(struct quotas *q, const struct caller *who, enum quota_res r, uint64_t n,
		  const char **why)
{
	quota_learn(q, who->uid, who->pid);
	return quota_take(q, who->uid, r, n, why);
}

struct tenant *quota_take_request(struct quotas *q, const struct caller *who, uint64_t bytes,
				  int *err, const char **why)
{
	uid_t uid;
	struct tenant *t;

	quota_learn(q, who->uid, who->pid);
	t = find(q, uid = quota_person(q, who->uid));

	if ((*err = over(q, uid, t, Q_WAITS, 1, why)) != 0 ||
	    (*err = over(q, uid, t, Q_BYTES, bytes, why)) != 0)
		return NULL;
	if (t == NULL && (t = line_of(q, uid, why)) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	t->used[Q_WAITS]++;
	t->used[Q_BYTES] += bytes;
	return t;
}

void quota_give_request(struct tenant *t, uint64_t bytes)
{
	t->used[Q_WAITS]--;
	t->used[Q_BYTES] -= bytes;
}

void quota_give(struct quotas *q, uid_t uid, enum quota_res r, uint64_t n)
{
	struct tenant *t = find(q, quota_person(q, uid));

	if (t == NULL)
		return;
	t->used[r] -= n < t->used[r] ? n : t->used[r];
	if (r == Q_FDS)
		q->fds -= n < q->fds ? n : q->fds;
}
