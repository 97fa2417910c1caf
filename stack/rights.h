/*
 * Descriptors that arrive with a message (SCM_RIGHTS).  A socket of a
 * kind sockfs knows becomes a socket folder of that kind; any other file
 * becomes fileN in the receiving socket's folder (rfile.h), read and
 * written through sockfs, and closed when that file is removed or the
 * socket closes.
 */
#ifndef SOCKFS_RIGHTS_H
#define SOCKFS_RIGHTS_H

#include "meta.h"
#include "sock.h"

/* Homes every descriptor in FDS for socket S, naming each in M->rights. */
void rights_home(struct sock *s, struct meta_fds *fds, struct msg_meta *m);

#endif
