/*
 * Work that may block on something a caller controls (opening a path the
 * caller named, reading a received file on a slow file system), done by a
 * pool of threads so that it never blocks the event loop.  Each worker
 * acts as the job's caller (actor.h: ids, groups, capabilities; for a job
 * that names paths also the caller's root and working directory,
 * callerfs.h) and hands the job back to the loop through an eventfd.
 *
 * One user must not take the pool from the others: at most
 * WORKER_PER_USER jobs of one uid run at once (the rest wait their turn),
 * and threads are started as jobs need them, up to WORKER_MAX (and a spare
 * for each job stuck past WORKER_STUCK_MS).  A job
 * stuck in the kernel (a path on a hung file system) holds its thread
 * until the kernel lets go; the loop and the other users go on.
 */
#ifndef SOCKFS_WORKER_H
#define SOCKFS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "actor.h"
#include "caller.h"
#include "list.h"
#include "loop.h"

#define WORKER_MAX 16
#define WORKER_PER_USER 2	/* per person: a user's subordinate uids are that user */
/* A job running longer than WORKER_STUCK_MS (a path on a file system that
 * hangs, which no signal short of a fatal one ends) keeps its thread and
 * its user's turn, but no longer counts against WORKER_MAX: the pool may
 * start a spare thread for each, up to WORKER_SPARE_MAX, so that no set of
 * users holds every thread forever. */
#define WORKER_STUCK_MS 2000
#define WORKER_SPARE_MAX 48
#define WORKER_THREADS (WORKER_MAX + WORKER_SPARE_MAX)

struct job;
typedef void (*job_fn)(struct job *j);

struct job {
	struct link link;	/* in todo, then in finished */
	struct caller who;	/* run as this caller */
	job_fn run;		/* on a worker thread */
	job_fn done;		/* back on the loop thread, unless cancelled */
	job_fn discard;		/* on the loop instead of done once cancelled:
				 * undoes what run did (closes what it opened)
				 * and frees the job; NULL: free() */
	bool paths;		/* it names paths: run in WHO's root and cwd */
	/* What it acts as, fixed on the loop while WHO's request is still
	 * there: set by whoever has it (a ctl file's opener), else read from
	 * /proc at submit, with no capabilities but root's.  Never read when
	 * the job runs: by then WHO's pid may be another program. */
	struct actor actor;
	bool have_actor;
	int root_fd, cwd_fd;	/* WHO's root and cwd, pinned at submit (paths) */
	uid_t payer;		/* whose turn it takes (workers_submit sets it) */
	bool cancelled;		/* set on the loop thread only */
	int as_err;		/* run sees why it could not act as WHO */
};

struct workers {
	struct loop *loop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct list todo;	/* waiting for a thread, oldest first */
	struct list finished;	/* back from their threads, newest first */
	int nthreads, idle;
	pthread_t threads[WORKER_THREADS];
	uint64_t busy_since[WORKER_THREADS];	/* ms, monotonic; 0: between jobs */
	struct { uid_t uid; int n; } running[WORKER_THREADS];
	struct timer spare;		/* looks for stuck jobs while jobs wait */
	bool spare_armed;
	bool stopping;
	/* The person a uid counts as (quota.h), for fair turns; NULL: itself. */
	uid_t (*person)(const void *ctx, uid_t uid);
	const void *person_ctx;
	int efd;
	struct loop_watch watch;
};

int workers_init(struct workers *p, struct loop *l);
void workers_fini(struct workers *p);
/* Queues J; J->done runs later on the loop thread unless J is cancelled. */
int workers_submit(struct workers *p, struct job *j);

/* The hand-off every job on a loop-owned descriptor makes: *COPY gets the
 * job's own duplicate of FD (so a close on the loop while it runs touches
 * nothing of the job's; FD < 0 and COPY NULL: no descriptor), then J goes
 * to the pool.  0: J's done or discard frees it later.  Else -errno, and J
 * is already undone by its discard (free() when NULL), called with *COPY
 * closed and -1: a discard must cope with a job that never ran. */
int workers_hand_off(struct workers *p, struct job *j, int fd, int *copy);

/* close(2) of FD, a descriptor a user handed the daemon, on a worker
 * charged to UID: closing a file on FUSE (sockfs's own files included)
 * waits for its FLUSH, which the loop must never do. */
void workers_close(struct workers *p, uid_t uid, int fd);

#endif
