/*
 * Dropping names from the kernel's cache.  The kernel keeps the entries
 * and attributes sockfs hands it (ops.c, CACHE_SECONDS), so a socket that
 * closes other than by rmdir (`close` on ctl, a listener taking its
 * unclaimed connections with it) must have its folder's name dropped, and
 * the request that closed it is answered only after that: once
 * `echo close > ctl` returns, the folder resolves for nobody.
 *
 * The kernel takes the kind folder's lock to drop a name, and a request
 * holding that lock (a lookup, mkdir, rmdir) may be waiting for the loop.
 * So the loop never drops a name itself: one thread does, in order, and
 * replies queued behind it are sent when the names before them are gone.
 * Only a reply to a request that holds no folder's lock (a write) may be
 * queued, and the loop must keep answering while names wait to be dropped.
 */
#ifndef SOCKFS_INVAL_H
#define SOCKFS_INVAL_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <sys/types.h>

struct inval;

/* Starts the thread; NULL when it could not (names then just expire). */
struct inval *inval_start(struct fuse_session *se);
/* True when nothing is queued or being sent. */
bool inval_idle(struct inval *iv);
/* Sends what is queued, then stops the thread and frees IV.  Call once
 * inval_idle, so that no drop is left waiting for the loop. */
void inval_stop(struct inval *iv);

/* Queues dropping NAME in folder PARENT and the attributes of INO. */
void inval_name(struct inval *iv, fuse_ino_t parent, const char *name, fuse_ino_t ino);
/* True while names are queued or being dropped.  Only the loop queues
 * names, so on the loop a false answer stays true until it queues one. */
bool inval_names_pending(struct inval *iv);
/* Answers REQ (an error when RES < 0, else a write of RES bytes, or a
 * read's end of file when not WRITE): at once when no name is waiting to be
 * dropped (or IV is NULL), else from the thread once those are gone. */
void inval_reply(struct inval *iv, fuse_req_t req, bool write, ssize_t res);

#endif
