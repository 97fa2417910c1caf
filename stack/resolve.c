#include "config.h"

#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void lookup(struct resolve_job *j)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = j->socktype,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	int rc;

	/* Raw and ping sockets have no service; ask as for datagrams. */
	if (hints.ai_socktype != SOCK_STREAM)
		hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(j->name.host, NULL, &hints, &res);
	if (rc != 0) {
		j->err = rc == EAI_AGAIN ? -EAGAIN : rc == EAI_MEMORY ? -ENOMEM : -ENXIO;
		snprintf(j->why, sizeof(j->why), "%s", gai_strerror(rc));
		return;
	}
	for (struct addrinfo *a = res; a && j->naddrs < RESOLVE_MAX; a = a->ai_next) {
		struct saddr *s = &j->addrs[j->naddrs];
		if (a->ai_addrlen > sizeof(s->ss))
			continue;
		memcpy(&s->ss, a->ai_addr, a->ai_addrlen);
		s->len = a->ai_addrlen;
		addr_set_port(s, j->name.port);
		j->naddrs++;
	}
	freeaddrinfo(res);
	if (j->naddrs == 0) {
		j->err = -ENXIO;
		snprintf(j->why, sizeof(j->why), "no usable address");
	}
}

static void *worker(void *arg)
{
	struct resolver *r = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct resolve_job *j;
		while (r->todo == NULL && !r->stopping)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stopping)
			break;
		j = r->todo;
		r->todo = j->next;
		pthread_mutex_unlock(&r->mu);
		lookup(j);
		pthread_mutex_lock(&r->mu);
		j->next = r->finished;
		r->finished = j;
		if (write(r->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow in practice; nothing to do. */
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void on_wake(void *arg, uint32_t events)
{
	struct resolver *r = arg;
	struct resolve_job *list;
	uint64_t n;

	if (read(r->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: a previous wake-up already took the count. */
	}
	pthread_mutex_lock(&r->mu);
	list = r->finished;
	r->finished = NULL;
	pthread_mutex_unlock(&r->mu);
	while (list) {
		struct resolve_job *j = list;
		list = j->next;
		if (j->cancelled)
			free(j);
		else
			j->done(j);
	}
}

int resolver_init(struct resolver *r, struct loop *l)
{
	memset(r, 0, sizeof(*r));
	r->loop = l;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0)
		return -errno;
	loop_watch_init(&r->watch, r->efd, on_wake, r);
	return loop_set(l, &r->watch, EPOLLIN);
}

static int start(struct resolver *r)
{
	sigset_t all, old;
	int rc;

	/* The worker must never take the daemon's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -rc;
	r->started = true;
	return 0;
}

int resolver_submit(struct resolver *r, struct resolve_job *j)
{
	int err;

	if (!r->started && (err = start(r)) != 0)
		return err;
	pthread_mutex_lock(&r->mu);
	j->next = NULL;
	/* Append, so names resolve in the order they were asked for. */
	struct resolve_job **p = &r->todo;
	while (*p)
		p = &(*p)->next;
	*p = j;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static void free_list(struct resolve_job *j)
{
	while (j) {
		struct resolve_job *next = j->next;
		free(j);
		j = next;
	}
}

void resolver_fini(struct resolver *r)
{
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stopping = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		/* A lookup in progress finishes first; getaddrinfo has no cancel. */
		pthread_join(r->thread, NULL);
	}
	/* Jobs still queued belong to sockets already closed (all cancelled). */
	free_list(r->todo);
	free_list(r->finished);
	r->todo = r->finished = NULL;
	if (r->efd >= 0) {
		loop_unwatch(r->loop, &r->watch);
		close(r->efd);
		r->efd = -1;
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
}
