/*
 * Descriptors that arrive with a message (SCM_RIGHTS).  A socket of a
 * kind sockfs knows becomes a socket folder of that kind; any other file
 * becomes fileN in the receiving socket's folder, read and written
 * through sockfs, and closed when that file is removed or the socket
 * closes.
 */
#ifndef SOCKFS_RIGHTS_H
#define SOCKFS_RIGHTS_H

#include <sys/types.h>

#include "io.h"
#include "meta.h"
#include "sock.h"

/* Homes every descriptor in FDS for socket S, naming each in M->rights. */
void rights_home(struct sock *s, struct meta_fds *fds, struct msg_meta *m);

/* Reads or writes received file SLOT of H's socket (OFF: the caller's
 * offset, used for regular files).  As sock_read: true when W was parked. */
bool rfile_read(struct handle *h, int slot, struct waiter *w, off_t off);
bool rfile_write(struct handle *h, int slot, struct waiter *w, const char *data,
		 size_t len, off_t off);
/* Closes received file SLOT (rm fileN); -ENOENT when there is none. */
int rfile_close(struct sock *s, int slot);
void rfile_close_all(struct sock *s);

#endif
