/*
 * Socket objects and the table that holds them.  A socket is created by
 * name (mkdir, clone) before the kernel socket exists: the address family
 * is only known from the first address given, and options set before then
 * are applied when the kernel socket is made.
 */
#ifndef SOCKFS_SOCK_H
#define SOCKFS_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "actor.h"
#include "caller.h"
#include "kind.h"
#include "list.h"
#include "loop.h"
#include "meta.h"
#include "option.h"
#include "quota.h"
#include "resolve.h"
#include "wait.h"
#include "worker.h"

#define SOCK_NAME_MAX 64
#define SOCK_ERR_MAX 256

struct sock;
/* What higher layers attach to a socket; sock.c only holds the pointers
 * and leaves them to the close hook. */
struct rfiles;
struct cmsg_out;
struct tls_state;

/* Files (not sockets) that arrived by SCM_RIGHTS, kept per socket. */
#define SOCK_FILES_MAX 64
/* A tls listener accepts no more while this many handshakes go on. */
#define SOCK_HANDSHAKES_MAX 64

/* An open file on a socket (one per open(2) of data, ctl, ...). */
struct handle {
	struct sock *sock;		/* NULL once the socket is closed */
	struct link link;		/* in sock->handles */
	void *owner;			/* the front end's open file (handle_open) */
	/* Message kinds: the rest of a message a short read left, and
	 * whether the next read owes the caller an end-of-message 0. */
	char *rem;
	size_t rem_off, rem_len;
	bool eom;
	/* ctl: an open ctl is one sequence of commands that stops at its
	 * first failure.  Once a write on it fails, later writes on the same
	 * open file fail with this (negative) errno, running nothing. */
	int ctl_failed;
	/* Who opened it; for ctl and cmsg also all the opener was then (its
	 * ids, groups, capabilities), which every write on it acts as: a
	 * set-user-ID program handed the descriptor lends it nothing. */
	struct caller opener;
	struct actor *actor;
	/* Poll: somebody waits for this open file to be ready for
	 * poll_events; the socket is watched for it, and poll_notify runs
	 * once, when it may be, and ends the wait (sock_poll). */
	bool polled;
	uint32_t poll_events;
};

enum sock_state {
	SS_NEW,			/* no kernel socket yet */
	SS_OPEN,		/* kernel socket, neither bound nor connected */
	SS_BOUND,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_LISTENING,
};

struct counters {
	uint64_t rx_bytes, tx_bytes, rx_msgs, tx_msgs;
};

struct sock {
	struct stack *st;
	uint64_t id;
	enum kind kind;
	char name[SOCK_NAME_MAX + 1];
	uid_t uid;
	gid_t gid;
	struct timespec ctime;

	int fd;			/* -1 until the kernel socket exists */
	int family;
	enum sock_state state;
	bool bound;		/* bind given: what a failed connect falls back to */
	bool connect_failed;	/* a stream connect failed on this descriptor:
				 * the kernel socket is not fit for another */
	bool shut_rd, shut_wr;
	bool has_dest;		/* `to` given */
	struct saddr dest;
	struct saddr connected_to;	/* what connect reached: icmp and raw
					 * have no port, so getpeername fails */

	bool opt_set[OPT_COUNT];
	long long opt_val[OPT_COUNT];

	char err[SOCK_ERR_MAX];
	struct counters ctr;
	/* The last messages read, and who read them: the socket's own
	 * history (meta.h's), written by reads, shown by its cmsg file. */
	struct reader_log *log;

	struct loop_watch watch;
	/* Waiting: readers and writers of data, ctl writes waiting for a
	 * connect to finish (ctls) or for something the descriptor does not
	 * report (held: a host name, room in a unix listener's backlog),
	 * readers of listen (accepts). */
	struct wqueue readers, writers, ctls, held, accepts;
	struct list handles;	/* newest first */

	/* A connection accepted for a reader of listen stays tied to its
	 * listener until one of its files is opened ("claimed"): closing
	 * the listener closes it.  A name that could not be handed to its
	 * reader goes back to the listener for the next one. */
	struct sock *listener;
	struct link tie;		/* in listener->children */
	struct list children;		/* oldest first */
	bool delivered;			/* accept's: its name is with a reader */

	/* What higher floors attach, one pointer each, NULL until needed,
	 * made and freed by their own code (the last through on_close):
	 * received files (rfile), the cmsg written for the next data write
	 * (cmsgout), TLS (tlsup; the floors above read it through tlsup.h). */
	struct rfiles *rfiles;
	struct cmsg_out *pending;
	struct tls_state *tlsstate;

	struct link id_link, name_link;	/* in st->id_tab, st->name_tab */
	struct link klink;		/* in st->kinds[kind], in id order */
};

/* S's handles, newest first: for (h = handle_first(s); h; h = handle_next(h)). */
static inline struct handle *handle_first(const struct sock *s)
{
	return list_item(s->handles.head, struct handle, link);
}

static inline struct handle *handle_next(const struct handle *h)
{
	return list_item(h->link.next, struct handle, link);
}

/* How the stack calls the front end above it (stack_configure); either
 * may be NULL.  Each gets ARG first. */
struct stack_upcalls {
	/* Polled handle H may have become ready, or its socket closed; it
	 * is polled no more.  h->owner is the front end's open file. */
	void (*poll_notify)(void *arg, struct handle *h);
	/* S closes, before its waiters are answered: the front end may make
	 * their answers wait until it has taken S's name back. */
	void (*gone_notify)(void *arg, struct sock *s);
	void *arg;
};

/* How the socket layer calls up without naming what is above it: the
 * stack (stack.c) fills these in. */
struct sock_hooks {
	/* S's descriptor is ready for EVENTS (EPOLLIN, EPOLLOUT, ...). */
	void (*on_event)(struct sock *s, uint32_t events);
	/* S is closing, its waiters already ended: drop what was attached
	 * to it (received files, a pending cmsg, its TLS). */
	void (*on_close)(struct sock *s);
};

struct stack {
	struct loop loop;
	struct workers workers;
	struct quotas quotas;
	uint64_t next_id;
	size_t nsocks;
	struct list *id_tab, *name_tab;		/* hash chains */
	size_t tab_size;			/* buckets, a power of two */
	struct list kinds[KIND_COUNT];		/* every socket, by kind */
	struct sock_hooks hooks;
	struct stack_upcalls up;
	struct timer trim;	/* gives freed memory back, a while after closes */
	bool caller_netns;	/* each socket in its maker's network namespace */
};

/* The table, empty; and closing every socket in it, then the table. */
int sock_table_init(struct stack *st);
void sock_table_fini(struct stack *st);

/*
 * Creates a socket of kind K called NAME (NULL: a fresh number, as clone
 * does).  Returns 0 with *out, or -EEXIST, -EINVAL (bad name), -EMFILE, ...
 */
int sock_create(struct stack *st, enum kind k, const char *name,
		const struct caller *who, struct sock **out);
void sock_close(struct sock *s);
/* Wraps FD, a connected socket of kind K, in a new socket named by its id. */
int sock_adopt(struct stack *st, enum kind k, int fd, const struct caller *who,
	       struct sock **out);
/* socketpair(2) as two new sockets of kind K (a unix kind). */
int sock_pair(struct stack *st, enum kind k, const struct caller *who,
	      struct sock **a, struct sock **b);
/* Ties accepted socket C to listener L; undoes the tie. */
void sock_tie(struct sock *l, struct sock *c);
void sock_untie(struct sock *c);
/* L's unclaimed connections, oldest first: sock_child_first, then
 * sock_child_next until NULL. */
static inline struct sock *sock_child_first(const struct sock *l)
{
	return list_item(l->children.head, struct sock, tie);
}

static inline struct sock *sock_child_next(const struct sock *c)
{
	return list_item(c->tie.next, struct sock, tie);
}

struct sock *sock_by_id(struct stack *st, uint64_t id);
struct sock *sock_by_name(struct stack *st, enum kind k, const char *name);
/* The first socket of kind K with id > AFTER, for directory listings. */
struct sock *sock_next_of_kind(struct stack *st, enum kind k, uint64_t after);
/* The socket after S in its kind's list (ids rising), or NULL. */
static inline struct sock *sock_kind_next(const struct sock *s)
{
	return list_item(s->klink.next, struct sock, klink);
}

/* Option ID's value as set with ctl; 0 when it was never set. */
static inline long long sock_opt(const struct sock *s, enum opt_id id)
{
	return s->opt_set[id] ? s->opt_val[id] : 0;
}

/* Records the last error as "WHAT: REASON" for the err file. */
void sock_set_err(struct sock *s, const char *what, const char *reason);

/* Makes sure the kernel socket exists, in FAMILY (0: the kind's default).
 * A refusal of the owner's limits (EMFILE, ENFILE) says why in *WHY. */
int sock_ensure_fd(struct sock *s, int family, const char **why);
/* Closes S's descriptor (S is then SS_NEW): the next command that needs
 * one makes a new one, with the options set so far. */
void sock_drop_fd(struct sock *s);

/* Handles */
/* OWNER is the front end's own open file, for it to find again from H. */
struct handle *handle_open(struct sock *s, void *owner);
void handle_close(struct handle *h);

/* Recomputes what epoll should watch for S (after waiters or polls change). */
void sock_update_interest(struct sock *s);

/* Waits on a socket.  sock_park queues W on Q of S, timed by S's `set
 * timeout`, and updates S's interest.  sock_cancel is the usual end of a
 * cancelled wait on S (NULL once it closed): a timeout is noted in err
 * as "WHAT: timed out", W finishes with REPLY, and S's interest follows. */
void sock_park(struct sock *s, struct waiter *w, struct wqueue *q);
/* waiter_new for a request on H, charged to its caller while it lasts:
 * over the caller's user_waits or user_bytes, rq->done runs with ENOBUFS,
 * the reason goes to err, and NULL is returned. */
void *sock_wait_new(struct handle *h, size_t size, const struct wait_ops *ops,
		    const struct wait_req *rq);
/* A read's start: W waits behind earlier ones on Q when BEHIND (keeping
 * arrival order) and it may wait; else one TRY, and W parks on -EAGAIN
 * or ends (END, then finished).  Returns W when parked, else NULL.  S is
 * NULL when the socket is closed: TRY then gives the end. */
struct waiter *sock_start(struct sock *s, struct waiter *w, struct wqueue *q, bool behind,
			  wait_try_fn try, wait_end_fn end);
void sock_cancel(struct sock *s, struct waiter *w, int res, ssize_t reply, const char *what);

#endif
