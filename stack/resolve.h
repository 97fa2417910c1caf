/*
 * Host names resolved off the loop thread, so a slow name server stalls
 * only the command that asked.  A lookup is a job for the worker pool
 * (worker.h): lookups run side by side, and one user's slow names take at
 * most that user's share of the workers.
 */
#ifndef SOCKFS_RESOLVE_H
#define SOCKFS_RESOLVE_H

#include "addr.h"
#include "worker.h"

#define RESOLVE_MAX 8

struct resolve_job {
	struct job j;		/* j.who: the caller, whose share it uses */
	struct hostport name;
	int socktype;
	/* results, filled by the worker */
	struct saddr addrs[RESOLVE_MAX];
	int naddrs;
	int err;		/* negative errno */
	char why[96];
	/* loop side: a cancelled job (j.cancelled) is freed when it comes
	 * back, and done is not called */
	void (*done)(struct resolve_job *j);
	void *arg;
};

/* Looks J->name up; J->done runs later on the loop thread unless J was
 * cancelled.  0, or -errno when no worker could take it. */
int resolve_submit(struct workers *p, struct resolve_job *j);

#endif
