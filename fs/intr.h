/*
 * Which signals end a waiting request.  The kernel sends FUSE_INTERRUPT
 * for any signal its caller is sent while a request waits, the ones a
 * process takes for itself included: a shell's SIGCHLD when a background
 * job ends would otherwise fail `echo connect ... > ctl` with EINTR.  A
 * request whose process has only such signals pending goes on, and since
 * the kernel interrupts a request only once, the process's pending
 * signals are looked at again every 100 ms until the request ends: a
 * Ctrl-C after the SIGCHLD still ends it.
 */
#ifndef SOCKFS_INTR_H
#define SOCKFS_INTR_H

#include <stdbool.h>
#include <sys/types.h>

#include "list.h"
#include "loop.h"
#include "wait.h"

struct intr {
	struct loop *loop;
	struct list watched;	/* requests going on past an interrupt */
	struct timer timer;	/* armed while any are */
};

void intr_init(struct intr *in, struct loop *loop);
/* Forgets every watched request (the loop is ending). */
void intr_fini(struct intr *in);

/* The interrupt of W, a request of process PID: W ends with EINTR now
 * (also when memory runs out), or goes on, watched. */
void intr_request(struct intr *in, struct waiter *w, pid_t pid);
/* W ends: no longer watched (if it was). */
void intr_forget(struct intr *in, struct waiter *w);

/* Whether PID's pending signals are all ones a process takes for itself
 * (SIGCHLD, SIGWINCH, SIGURG, SIGCONT), and there is one: /proc's
 * SigPnd and ShdPnd.  False when unknown. */
bool intr_only_benign(pid_t pid);

#endif
