/*
 * Received files: a file (not a socket) that arrived by SCM_RIGHTS is
 * fileN in the receiving socket's folder.  Regular files are read and
 * written at the caller's offset; anything else (a pipe, say) without
 * blocking the loop, which waits for it.  These waits are the file's, not
 * the socket's: its `set timeout` does not time them.
 */
#ifndef SOCKFS_RFILE_H
#define SOCKFS_RFILE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "loop.h"
#include "sock.h"
#include "wait.h"

struct rfile {
	struct sock *s;
	int slot;
	int fd;
	bool regular;
	int accmode;			/* O_RDONLY, O_WRONLY or O_RDWR */
	struct loop_watch watch;
	struct wqueue readers, writers;
};

/* Keeps FD as the next free fileN of S and writes that name into NAME
 * (META_RIGHT_NAME bytes).  0, or -EMFILE (all SOCK_FILES_MAX taken),
 * -ENOMEM; FD is the caller's to close on failure. */
int rfile_add(struct sock *s, int fd, char *name);

/* Received file SLOT of S (fileN), or NULL when there is none. */
struct rfile *rfile_get(const struct sock *s, int slot);

/* Reads or writes received file SLOT of H's socket (OFF: the caller's
 * offset, used for regular files).  Each returns W when it was parked
 * (for waiter_cancel), or NULL when rq->done has already run. */
struct waiter *rfile_read(struct handle *h, int slot, const struct wait_req *rq, off_t off);
struct waiter *rfile_write(struct handle *h, int slot, const struct wait_req *rq,
			   const char *data, size_t len, off_t off);

/* fstat(2) of received file SLOT of S; -ENOENT when there is none. */
int rfile_stat(struct sock *s, int slot, struct stat *st);

/* Closes received file SLOT (rm fileN); -ENOENT when there is none. */
int rfile_close(struct sock *s, int slot);
/* S closes: every received file goes, and the slots with them. */
void rfile_close_all(struct sock *s);

#endif
