#include "config.h"

#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define BATCH 128

int loop_init(struct loop *l)
{
	*l = (struct loop){ .epfd = epoll_create1(EPOLL_CLOEXEC) };
	if (l->epfd < 0)
		return -errno;
	return 0;
}

void loop_fini(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	l->heap = NULL;
	l->epfd = -1;
}

void loop_watch_init(struct loop_watch *w, int fd, loop_fn fn, void *arg)
{
	*w = (struct loop_watch){ .fd = fd, .fn = fn, .arg = arg };
}

int loop_set(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	int op;

	if (events == w->events)
		return 0;
	if (events == 0)
		op = EPOLL_CTL_DEL;
	else if (w->events == 0)
		op = EPOLL_CTL_ADD;
	else
		op = EPOLL_CTL_MOD;
	if (epoll_ctl(l->epfd, op, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void loop_unwatch(struct loop *l, struct loop_watch *w)
{
	if (w->events)
		loop_set(l, w, 0);
	for (int i = 0; i < l->batch_len; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
}

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- timers: a binary min-heap on the deadline --- */

static void heap_put(struct loop *l, size_t i, struct timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->deadline <= t->deadline)
			break;
		heap_put(l, i, l->heap[parent]);
		i = parent;
	}
	heap_put(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->heap_len)
			break;
		if (c + 1 < l->heap_len && l->heap[c + 1]->deadline < l->heap[c]->deadline)
			c++;
		if (t->deadline <= l->heap[c]->deadline)
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, t);
}

void timer_init(struct timer *t, timer_fn fn)
{
	t->deadline = 0;
	t->slot = SIZE_MAX;
	t->fn = fn;
}

void timer_cancel(struct loop *l, struct timer *t)
{
	size_t i = t->slot;

	if (i == SIZE_MAX)
		return;
	t->slot = SIZE_MAX;
	if (--l->heap_len == i)
		return;
	struct timer *last = l->heap[l->heap_len];
	heap_put(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot);
}

void timer_arm(struct loop *l, struct timer *t, uint64_t after_ms)
{
	timer_cancel(l, t);
	if (l->heap_len == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
		struct timer **h = realloc(l->heap, cap * sizeof(*h));
		if (h == NULL)
			abort();	/* a timer we cannot keep would strand a waiter */
		l->heap = h;
		l->heap_cap = cap;
	}
	t->deadline = loop_now_ms() + after_ms;
	heap_put(l, l->heap_len++, t);
	heap_up(l, t->slot);
}

static int next_timeout(struct loop *l, int max_ms)
{
	uint64_t now, due;

	if (l->heap_len == 0)
		return max_ms;
	now = loop_now_ms();
	due = l->heap[0]->deadline;
	if (due <= now)
		return 0;
	if (max_ms >= 0 && due - now > (uint64_t)max_ms)
		return max_ms;
	return due - now > 1000000 ? 1000000 : (int)(due - now);
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();

	while (l->heap_len > 0 && l->heap[0]->deadline <= now) {
		struct timer *t = l->heap[0];
		timer_cancel(l, t);
		t->fn(t);
	}
}

int loop_once(struct loop *l, int max_ms)
{
	struct epoll_event evs[BATCH];
	int n = epoll_wait(l->epfd, evs, BATCH, next_timeout(l, max_ms));

	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	l->batch = evs;
	l->batch_len = n;
	for (int i = 0; i < n; i++) {
		struct loop_watch *w = evs[i].data.ptr;
		uint32_t e = evs[i].events;
		if (w == NULL)
			continue;
		/* Errors and hang-ups wake both directions: the reader and the
		 * writer each find out from their own system call. */
		if (e & (EPOLLERR | EPOLLHUP))
			e |= EPOLLIN | EPOLLOUT;
		w->fn(w->arg, e);
	}
	l->batch = NULL;
	l->batch_len = 0;
	run_timers(l);
	return n;
}
