/*
 * The event loop: one epoll set for every descriptor the daemon owns (the
 * FUSE device, each socket, the workers' wake-up) and a heap of timers.
 * Single-threaded: every callback runs on the thread calling loop_once().
 */
#ifndef SOCKFS_LOOP_H
#define SOCKFS_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
typedef void (*loop_fn)(void *arg, uint32_t events);

/* One watched descriptor; embedded in its owner. */
struct loop_watch {
	int fd;
	uint32_t events;	/* what epoll is asked for now; 0 = not in the set */
	loop_fn fn;
	void *arg;
};

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
	uint64_t deadline;	/* CLOCK_MONOTONIC, milliseconds */
	size_t slot;		/* index in the heap, or SIZE_MAX when idle */
	timer_fn fn;
};

/* The TYPE whose MEMBER is P: a timer's callback finds its owner. */
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

struct loop {
	int epfd;
	/* The batch being dispatched, so a watch removed mid-batch is skipped. */
	struct epoll_event *batch;
	int batch_len;
	struct timer **heap;
	size_t heap_len, heap_cap;
};

int loop_init(struct loop *l);
void loop_fini(struct loop *l);

void loop_watch_init(struct loop_watch *w, int fd, loop_fn fn, void *arg);
/* Asks for EVENTS (EPOLLIN/EPOLLOUT); 0 takes the descriptor out of the set,
 * which matters for sockets: epoll reports HUP even to an empty mask. */
int loop_set(struct loop *l, struct loop_watch *w, uint32_t events);
/* Forgets W; call before closing its descriptor. */
void loop_unwatch(struct loop *l, struct loop_watch *w);

/* Waits up to MAX_MS (-1: until something happens) and dispatches. */
int loop_once(struct loop *l, int max_ms);

uint64_t loop_now_ms(void);
void timer_init(struct timer *t, timer_fn fn);
void timer_arm(struct loop *l, struct timer *t, uint64_t after_ms);
void timer_cancel(struct loop *l, struct timer *t);
static inline bool timer_armed(const struct timer *t) { return t->slot != SIZE_MAX; }

#endif
