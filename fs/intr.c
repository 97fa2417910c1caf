#include "config.h"

#include "intr.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INTR_RECHECK_MS 100

struct watched {
	struct link link;	/* in intr->watched */
	struct waiter *w;
	pid_t pid;
};

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* PID's pending signals (its thread's and its process's); false when
 * /proc cannot tell. */
static bool pending(pid_t pid, uint64_t *mask)
{
	char path[64], buf[4096], *p;
	unsigned long long thread, shared;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nSigPnd:")) == NULL || sscanf(p, "\nSigPnd: %llx", &thread) != 1 ||
	    (p = strstr(buf, "\nShdPnd:")) == NULL || sscanf(p, "\nShdPnd: %llx", &shared) != 1)
		return false;
	*mask = (uint64_t)(thread | shared);
	return true;
}

bool intr_only_benign(pid_t pid)
{
	const uint64_t benign = bit(SIGCHLD) | bit(SIGWINCH) | bit(SIGURG) | bit(SIGCONT);
	uint64_t mask;

	return pid > 0 && pending(pid, &mask) && mask != 0 && (mask & ~benign) == 0;
}

static struct watched *find(struct intr *in, const struct waiter *w)
{
	struct link *it, *next;

	list_each(it, next, &in->watched) {
		struct watched *x = list_entry(it, struct watched, link);
		if (x->w == w)
			return x;
	}
	return NULL;
}

/* The first watched request whose process has another signal pending
 * now (or is gone); NULL when none. */
static struct watched *due(struct intr *in)
{
	struct link *it, *next;

	list_each(it, next, &in->watched) {
		struct watched *x = list_entry(it, struct watched, link);
		if (!intr_only_benign(x->pid))
			return x;
	}
	return NULL;
}

/* Every 100 ms while any request is watched: those due end with EINTR.
 * Each is forgotten before it is cancelled, and the list is looked at
 * anew after each cancel, whatever that cancel ended besides. */
static void recheck(struct timer *t)
{
	struct intr *in = container_of(t, struct intr, timer);
	struct watched *x;

	while ((x = due(in)) != NULL) {
		struct waiter *w = x->w;
		list_remove(&in->watched, &x->link);
		free(x);
		waiter_cancel(w, -EINTR);
	}
	if (!list_empty(&in->watched))
		timer_arm(in->loop, &in->timer, INTR_RECHECK_MS);
}

void intr_init(struct intr *in, struct loop *loop)
{
	in->loop = loop;
	in->watched = (struct list){ 0 };
	timer_init(&in->timer, recheck);
}

void intr_fini(struct intr *in)
{
	struct link *l;

	timer_cancel(in->loop, &in->timer);
	while ((l = list_pop(&in->watched)) != NULL)
		free(list_entry(l, struct watched, link));
}

void intr_request(struct intr *in, struct waiter *w, pid_t pid)
{
	struct watched *x;

	if (!intr_only_benign(pid) || find(in, w) || (x = calloc(1, sizeof(*x))) == NULL) {
		waiter_cancel(w, -EINTR);
		return;
	}
	x->w = w;
	x->pid = pid;
	list_append(&in->watched, &x->link);
	if (!timer_armed(&in->timer))
		timer_arm(in->loop, &in->timer, INTR_RECHECK_MS);
}

void intr_forget(struct intr *in, struct waiter *w)
{
	struct watched *x;

	if (list_empty(&in->watched) || (x = find(in, w)) == NULL)
		return;
	list_remove(&in->watched, &x->link);
	free(x);
	if (list_empty(&in->watched))
		timer_cancel(in->loop, &in->timer);
}
