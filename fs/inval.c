#include "config.h"

#include "inval.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A name to drop (req NULL) or a reply to send. */
struct item {
	struct item *next;
	fuse_ino_t parent, ino;
	fuse_req_t req;
	bool write;
	ssize_t res;
	char name[];
};

struct inval {
	struct fuse_session *se;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct item *head, *tail;
	_Atomic size_t names;	/* queued or being dropped; changed under lock */
	bool busy;		/* the thread is sending an item */
	bool stopping;
};

static void send_reply(fuse_req_t req, bool write, ssize_t res)
{
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else if (write)
		fuse_reply_write(req, (size_t)res);
	else
		fuse_reply_buf(req, NULL, 0);
}

/* Drops one name, or sends one reply.  ENOENT from the kernel only means
 * it held nothing of the name. */
static void run_item(struct inval *iv, struct item *it)
{
	if (it->req) {
		send_reply(it->req, it->write, it->res);
		return;
	}
	fuse_lowlevel_notify_inval_entry(iv->se, it->parent, it->name, strlen(it->name));
	fuse_lowlevel_notify_inval_inode(iv->se, it->ino, -1, 0);
}

static void *inval_thread(void *arg)
{
	struct inval *iv = arg;

	pthread_mutex_lock(&iv->lock);
	for (;;) {
		struct item *it = iv->head;
		if (it == NULL) {
			if (iv->stopping)
				break;
			pthread_cond_wait(&iv->more, &iv->lock);
			continue;
		}
		iv->head = it->next;
		if (iv->head == NULL)
			iv->tail = NULL;
		iv->busy = true;
		pthread_mutex_unlock(&iv->lock);
		run_item(iv, it);
		pthread_mutex_lock(&iv->lock);
		iv->busy = false;
		if (it->req == NULL)
			iv->names--;
		free(it);
	}
	pthread_mutex_unlock(&iv->lock);
	return NULL;
}

struct inval *inval_start(struct fuse_session *se)
{
	struct inval *iv = calloc(1, sizeof(*iv));
	sigset_t all, old;
	int err;

	if (iv == NULL)
		return NULL;
	iv->se = se;
	pthread_mutex_init(&iv->lock, NULL);
	pthread_cond_init(&iv->more, NULL);
	/* Signals are the loop's (a signalfd): the thread starts with them
	 * blocked, or SIGTERM could end the daemon through it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&iv->thread, NULL, inval_thread, iv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		pthread_cond_destroy(&iv->more);
		pthread_mutex_destroy(&iv->lock);
		free(iv);
		return NULL;
	}
	return iv;
}

bool inval_names_pending(struct inval *iv)
{
	return iv && iv->names > 0;
}

bool inval_idle(struct inval *iv)
{
	bool idle = true;

	if (iv) {
		pthread_mutex_lock(&iv->lock);
		idle = iv->head == NULL && !iv->busy;
		pthread_mutex_unlock(&iv->lock);
	}
	return idle;
}

void inval_stop(struct inval *iv)
{
	struct timespec until;

	if (iv == NULL)
		return;
	pthread_mutex_lock(&iv->lock);
	iv->stopping = true;
	pthread_cond_signal(&iv->more);
	pthread_mutex_unlock(&iv->lock);
	/* Not idle (the caller gave up waiting): a drop may be stuck for
	 * good, waiting for a folder's lock that a request holds until the
	 * daemon answers it.  The process is ending; the thread is left. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	if (pthread_timedjoin_np(iv->thread, NULL, &until) != 0)
		return;
	pthread_cond_destroy(&iv->more);
	pthread_mutex_destroy(&iv->lock);
	free(iv);
}

static void enqueue(struct inval *iv, struct item *it)
{
	it->next = NULL;
	if (iv->tail)
		iv->tail->next = it;
	else
		iv->head = it;
	iv->tail = it;
	pthread_cond_signal(&iv->more);
}

void inval_name(struct inval *iv, fuse_ino_t parent, const char *name, fuse_ino_t ino)
{
	size_t len = strlen(name);
	struct item *it;

	if (iv == NULL || (it = calloc(1, sizeof(*it) + len + 1)) == NULL)
		return;		/* the name expires with its timeout */
	it->parent = parent;
	it->ino = ino;
	memcpy(it->name, name, len + 1);
	pthread_mutex_lock(&iv->lock);
	iv->names++;
	enqueue(iv, it);
	pthread_mutex_unlock(&iv->lock);
}

void inval_reply(struct inval *iv, fuse_req_t req, bool write, ssize_t res)
{
	struct item *it = NULL;

	/* Every write's reply comes here: no lock when no name waits. */
	if (inval_names_pending(iv)) {
		pthread_mutex_lock(&iv->lock);
		if (iv->names > 0 && (it = calloc(1, sizeof(*it))) != NULL) {
			it->req = req;
			it->write = write;
			it->res = res;
			enqueue(iv, it);
		}
		pthread_mutex_unlock(&iv->lock);
	}
	if (it == NULL)
		send_reply(req, write, res);
}
