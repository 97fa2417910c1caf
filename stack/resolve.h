/*
 * Host names resolved off the loop thread, so a slow name server stalls only
 * the command that asked.  One worker thread, started on first use; results
 * come back to the loop through an eventfd.
 */
#ifndef SOCKFS_RESOLVE_H
#define SOCKFS_RESOLVE_H

#include <pthread.h>
#include <stdbool.h>

#include "addr.h"
#include "loop.h"

#define RESOLVE_MAX 8

struct resolve_job {
	struct resolve_job *next;
	struct hostport name;
	int socktype;
	/* results, filled by the worker */
	struct saddr addrs[RESOLVE_MAX];
	int naddrs;
	int err;		/* negative errno */
	char why[96];
	/* loop side: a cancelled job is freed when it comes back */
	bool cancelled;
	void (*done)(struct resolve_job *j);
	void *arg;
};

struct resolver {
	struct loop *loop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct resolve_job *todo, *finished;
	bool started, stopping;
	int efd;
	struct loop_watch watch;
};

int resolver_init(struct resolver *r, struct loop *l);
void resolver_fini(struct resolver *r);
/* Queues J; J->done runs later on the loop thread unless J was cancelled. */
int resolver_submit(struct resolver *r, struct resolve_job *j);

#endif
