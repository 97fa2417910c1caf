#include "config.h"

#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "callerfs.h"

/* How many jobs of UID run now (P->mu held). */
static int *running_slot(struct workers *p, uid_t uid, bool make)
{
	for (int i = 0; i < WORKER_THREADS; i++)
		if (p->running[i].n > 0 && p->running[i].uid == uid)
			return &p->running[i].n;
	if (!make)
		return NULL;
	for (int i = 0; i < WORKER_THREADS; i++)
		if (p->running[i].n == 0) {
			p->running[i].uid = uid;
			return &p->running[i].n;
		}
	return NULL;	/* cannot happen: no more running jobs than threads */
}

/* The first queued job whose user may run one more (P->mu held). */
static struct job *take_runnable(struct workers *p)
{
	for (struct link *l = p->todo.head; l; l = l->next) {
		struct job *j = list_entry(l, struct job, link);
		int *n = running_slot(p, j->payer, false);
		if (n == NULL || *n < WORKER_PER_USER) {
			list_remove(&p->todo, l);
			(*running_slot(p, j->payer, true))++;
			return j;
		}
	}
	return NULL;
}

static void close_pinned(struct job *j)
{
	if (j->root_fd >= 0)
		close(j->root_fd);
	if (j->cwd_fd >= 0)
		close(j->cwd_fd);
	j->root_fd = j->cwd_fd = -1;
}

static void run_as_caller(struct job *j)
{
	int err = 0;

	if (j->paths)
		err = callerfs_enter(j->root_fd, j->cwd_fd, j->actor.umask);
	if (err == 0 && (err = actor_enter(&j->actor)) != 0)
		callerfs_leave();
	j->as_err = err;
	j->run(j);
	if (err == 0) {
		actor_leave();
		callerfs_leave();
	}
	close_pinned(j);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* How many threads the pool may have now: WORKER_MAX, and a spare for
 * each job stuck past WORKER_STUCK_MS (P->mu held). */
static int capacity(const struct workers *p)
{
	uint64_t now = now_ms();
	int stuck = 0;

	for (int i = 0; i < p->nthreads; i++)
		stuck += p->busy_since[i] && now - p->busy_since[i] >= WORKER_STUCK_MS;
	return WORKER_MAX + (stuck < WORKER_SPARE_MAX ? stuck : WORKER_SPARE_MAX);
}

struct thread_arg {
	struct workers *p;
	int slot;		/* its place in threads[] and busy_since[] */
};

static void on_spare(struct timer *t);

static void *worker(void *arg)
{
	struct workers *p = ((struct thread_arg *)arg)->p;
	int slot = ((struct thread_arg *)arg)->slot;
	uint64_t one = 1;
	struct job *j = NULL;

	free(arg);

	actor_thread_init();
	/* Without a root of its own, callerfs_enter refuses path jobs. */
	callerfs_thread_init();
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stopping && (j = take_runnable(p)) == NULL) {
			p->idle++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle--;
		}
		if (p->stopping)
			break;
		p->busy_since[slot] = now_ms();
		pthread_mutex_unlock(&p->mu);
		/* One given up while it waited its turn is not run at all. */
		if (!__atomic_load_n(&j->cancelled, __ATOMIC_ACQUIRE))
			run_as_caller(j);
		pthread_mutex_lock(&p->mu);
		p->busy_since[slot] = 0;
		(*running_slot(p, j->payer, false))--;
		list_prepend(&p->finished, &j->link);
		/* A job of this user may have waited for this one's turn. */
		pthread_cond_broadcast(&p->cv);
		if (write(p->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow in practice. */
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void end_job(struct job *j)
{
	close_pinned(j);
	if (!j->cancelled)
		j->done(j);
	else if (j->discard)
		j->discard(j);
	else
		free(j);
}

static void on_wake(void *arg, uint32_t events)
{
	struct workers *p = arg;
	struct list back;
	struct link *l;
	uint64_t n;

	if (read(p->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: a previous wake-up already took the count. */
	}
	pthread_mutex_lock(&p->mu);
	back = p->finished;
	p->finished = (struct list){ NULL, NULL };
	pthread_mutex_unlock(&p->mu);
	while ((l = list_pop(&back)) != NULL)
		end_job(list_entry(l, struct job, link));
}

int workers_init(struct workers *p, struct loop *l)
{
	memset(p, 0, sizeof(*p));
	p->loop = l;
	timer_init(&p->spare, on_spare);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		return -errno;
	loop_watch_init(&p->watch, p->efd, on_wake, p);
	return loop_set(l, &p->watch, EPOLLIN);
}

/* One more thread (P->mu held); it must never take the daemon's signals. */
static int start_thread(struct workers *p)
{
	struct thread_arg *a = malloc(sizeof(*a));
	sigset_t all, old;
	int rc;

	if (a == NULL)
		return -ENOMEM;
	*a = (struct thread_arg){ p, p->nthreads };
	p->busy_since[p->nthreads] = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->threads[p->nthreads], NULL, worker, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(a);
		return -rc;
	}
	p->nthreads++;
	return 0;
}

/* Every thread busy while jobs wait: one more if some job is stuck
 * (P->mu held); while jobs still wait, look again in half a second. */
static void more_if_stuck(struct workers *p)
{
	if (!list_empty(&p->todo) && p->idle == 0 && p->nthreads < capacity(p))
		start_thread(p);
	if (!list_empty(&p->todo) && p->idle == 0 && !p->stopping && !p->spare_armed) {
		p->spare_armed = true;
		timer_arm(p->loop, &p->spare, 500);
	}
}

static void on_spare(struct timer *t)
{
	struct workers *p = container_of(t, struct workers, spare);

	pthread_mutex_lock(&p->mu);
	p->spare_armed = false;
	more_if_stuck(p);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int workers_submit(struct workers *p, struct job *j)
{
	int err = 0;

	j->payer = p->person ? p->person(p->person_ctx, j->who.uid) : j->who.uid;
	/* Who it acts as and where, fixed now, while the request is here. */
	if (!j->have_actor) {
		actor_load(&j->actor, &j->who);
		if (j->who.uid != 0)
			j->actor.caps = 0;
	}
	j->root_fd = j->cwd_fd = -1;
	if (j->paths)
		callerfs_pin_root(j->actor.pid, &j->root_fd, &j->cwd_fd);
	pthread_mutex_lock(&p->mu);
	list_append(&p->todo, &j->link);
	/* A thread for it unless one is idle; with none at all, fail. */
	if (p->idle == 0 && p->nthreads < capacity(p) && (err = start_thread(p)) != 0 &&
	    p->nthreads > 0)
		err = 0;
	if (err) {
		list_remove(&p->todo, &j->link);
		close_pinned(j);
	} else
		more_if_stuck(p);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return err;
}

/* What a job that never ran is undone by. */
static void undo_unsubmitted(struct job *j, int *copy)
{
	if (copy && *copy >= 0) {
		close(*copy);
		*copy = -1;
	}
	if (j->discard)
		j->discard(j);
	else
		free(j);
}

int workers_hand_off(struct workers *p, struct job *j, int fd, int *copy)
{
	int err;

	if (copy && (*copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		err = -errno;
		undo_unsubmitted(j, NULL);
		return err;
	}
	if ((err = workers_submit(p, j)) != 0)
		undo_unsubmitted(j, copy);
	return err;
}

struct close_job {
	struct job j;
	int fd;
};

static void close_run(struct job *j)
{
	close(((struct close_job *)j)->fd);
}

static void close_done(struct job *j)
{
	free(j);
}

static void close_discard(struct job *j)
{
	close_run(j);
	free(j);
}

void workers_close(struct workers *p, uid_t uid, int fd)
{
	struct close_job *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);	/* out of memory: the rare stall beats a leak */
		return;
	}
	c->j = (struct job){ .who = { .uid = uid, .gid = (gid_t)uid }, .run = close_run,
			     .done = close_done, .discard = close_discard };
	c->fd = fd;
	if (workers_submit(p, &c->j) != 0)
		close_discard(&c->j);
}

void workers_fini(struct workers *p)
{
	struct timespec t;
	int stuck = 0;

	timer_cancel(p->loop, &p->spare);
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* A thread stuck in the kernel (a hung file system) is left to the
	 * process's exit; the others are joined. */
	for (int i = 0; i < p->nthreads; i++) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 1;
		if (pthread_timedjoin_np(p->threads[i], NULL, &t) != 0) {
			pthread_detach(p->threads[i]);
			stuck++;
		}
	}
	on_wake(p, EPOLLIN);	/* jobs that came back: all cancelled by now */
	for (struct link *l; (l = list_pop(&p->todo)) != NULL;) {
		struct job *j = list_entry(l, struct job, link);
		j->cancelled = true;
		end_job(j);
	}
	/* A stuck thread writes the eventfd when the kernel lets it go: the
	 * descriptor stays open, so that write cannot land in another. */
	if (p->efd >= 0 && stuck == 0) {
		loop_unwatch(p->loop, &p->watch);
		close(p->efd);
		p->efd = -1;
	}
}
