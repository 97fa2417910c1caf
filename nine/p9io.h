/*
 * Tlopen, Tread and Twrite on the export: the same stack calls the FUSE
 * side makes.  A read or write that has to wait parks in the stack with
 * a done callback that sends its reply from the loop; Tflush cancels it
 * as FUSE_INTERRUPT does.
 */
#ifndef SOCKFS_P9IO_H
#define SOCKFS_P9IO_H

#include "p9conn.h"

void p9_lopen(struct session *ss, struct p9msg *m, uint16_t tag);
void p9_read(struct session *ss, struct p9msg *m, uint16_t tag);
void p9_write(struct session *ss, struct p9msg *m, uint16_t tag);

/* A fid's node now (its socket looked up again): 0 or a positive errno. */
int p9_fid_node(struct session *ss, struct fid *f, struct node *n);
/* An offset from the wire as off_t: false when OFF + COUNT would not fit
 * one (EINVAL, as the kernel's own reads and writes say). */
bool p9_offset(uint64_t off, uint64_t count, off_t *out);
/* Only a socket's owner (and root) may use it: 0 or EACCES. */
int p9_check_owner(const struct node *n, const struct caller *who);

#endif
