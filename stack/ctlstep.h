/*
 * A ctl write while it runs (ctlexec.h runs it): its commands, and where
 * the one running stands, as an explicit state.  A command that must wait
 * (a name's lookup, a unix path's call on a worker, a full backlog, a
 * connect in progress, a TLS context or handshake) records the state it
 * waits in and parks the write; the one way back (ctl_wake) moves it on.
 *
 * The files of the ctl commands' steps (ctlstep, ctlpath, ctltls,
 * ctlconnect, ctlcmd) stand below the runner, ctlexec, which fills in
 * w->wake: that is how a wait's end reaches up to run the write on.
 */
#ifndef SOCKFS_CTLSTEP_H
#define SOCKFS_CTLSTEP_H

#include <stdbool.h>

#include "actor.h"
#include "ctl.h"
#include "loop.h"
#include "resolve.h"
#include "sock.h"
#include "wait.h"

/* What running a command gives: <0 is a negative errno (it failed). */
enum {
	CMD_DONE = 0,	/* the command is done: the next one runs */
	CMD_WAIT = 1,	/* the write is parked: a way back will move it on */
	CMD_CLOSED = 2,	/* the command closed the socket: the write is over */
	CMD_AGAIN = 3,	/* (ctl_wake only) run the command on from its state */
};

/*
 * Where the running command stands.  The states before the waits say
 * what the command does next; each wait state has its ways back, which
 * move the command out of it before it runs again (a command done goes to
 * the next one's CS_BEGIN, a failure to CS_FAILED), so a state is a wait
 * exactly while the write is parked in it, and the write's release knows
 * from the state alone what to let go.
 */
enum ctl_state {
	CS_BEGIN = 0,	/* nothing done yet */
	CS_ADDRESSED,	/* its addresses are known (bind, to, connect) */
	CS_TLS_READY,	/* the socket's TLS context is built (connect, listen, starttls) */
	CS_TRY,		/* connect: try addrs[attempt] on */
	CS_CALLED,	/* a path's bind or connect came back, with res */
	CS_CONNECTED,	/* connect: made (a tls socket's handshake is next) */
	CS_FAILED,	/* a wait ended in failure: the write ends */
	/* waits, and where their ways back lead */
	CS_LOOKUP,	/* the name's lookup (worker): CS_ADDRESSED, or fails */
	CS_CONTEXT,	/* the TLS context (worker): CS_TLS_READY, or fails */
	CS_PATH,	/* a unix path's bind or connect (worker): CS_CALLED */
	CS_BACKLOG,	/* a full unix backlog's retry timer: CS_TRY */
	CS_CONNECTING,	/* EPOLLOUT: CS_CONNECTED, the next address (CS_TRY), or fails */
	CS_HANDSHAKE,	/* the TLS handshake: done (the next command), or fails */
};

/* The running command's own part, cleared for each command. */
struct ctl_step {
	enum ctl_state state;
	struct saddr addrs[RESOLVE_MAX];	/* a numeric address, or what a name gave */
	int naddrs, attempt;			/* connect: the one being tried */
	unsigned retries;			/* connect: full backlogs met so far */
	int res;				/* CS_CALLED: the path call's 0 or -errno */
};

struct path_call;

struct ctl_wait {
	struct waiter w;
	struct handle *h;
	struct ctl_cmd *cmds;
	int ncmds, cur;
	const char *why;		/* a failure's reason, when strerror is not enough */
	struct actor actor;		/* who the commands run as */
	struct ctl_step step;
	/* What the wait in progress runs on, for its release to let go. */
	struct resolve_job *job;	/* CS_LOOKUP */
	struct path_call *call;		/* CS_PATH */
	struct timer retry;		/* CS_BACKLOG */
	/* The runner's way back in: R is CMD_AGAIN (run the command on from
	 * its state), CMD_DONE (it is done) or <0 (it failed, for WHY, or
	 * w->why when NULL).  Returns CMD_CLOSED when a later command closed
	 * the socket. */
	int (*wake)(struct ctl_wait *w, int r, const char *why);
};

/* W's wait has ended: unqueued, it goes on through the runner.  The way
 * back has moved w->step.state on when R is not a failure; a failure
 * leaves it CS_FAILED. */
int ctl_wake(struct ctl_wait *w, int r, const char *why);

/* W enters wait state STATE, parked on S's queue Q.  Returns CMD_WAIT. */
int ctl_park(struct ctl_wait *w, struct sock *s, struct wqueue *q, enum ctl_state state);

/* S's descriptor for FAMILY (0: any), made as W's caller would. */
int ctl_ensure_fd(struct ctl_wait *w, struct sock *s, int family);

/* Where a socket stands when a connect fails or is undone. */
enum sock_state ctl_unconnected(const struct sock *s);

/* An address command's addresses: a numeric one at once, a name looked up
 * on a worker (CS_LOOKUP; CMD_WAIT).  CMD_DONE when w->step has them. */
int ctl_addresses(struct ctl_wait *w, struct sock *s, const struct ctl_cmd *c);

/* The first of them in the socket's family, if it has one already. */
struct saddr *ctl_pick_addr(struct ctl_wait *w, const struct sock *s);

/* W is released: a lookup or retry it still waits for is let go. */
void ctl_step_release(struct ctl_wait *w);

#endif
