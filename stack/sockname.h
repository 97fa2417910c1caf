/* A socket's addresses and state as text: the local, peer and ctl files,
 * and status. */
#ifndef SOCKFS_SOCKNAME_H
#define SOCKFS_SOCKNAME_H

#include <stddef.h>

#include "sock.h"

/* Address A as S's kind writes it (no port for icmp and raw). */
void sock_addr_text(const struct sock *s, const struct saddr *a, char *buf, size_t size);
/* The socket's addresses as text; -ENOTCONN etc. when there is none. */
int sock_local_text(struct sock *s, char *buf, size_t size);
int sock_peer_text(struct sock *s, char *buf, size_t size);
/* One line describing the socket, for reading ctl. */
size_t sock_summary(struct sock *s, char *buf, size_t size);
const char *sock_state_name(enum sock_state st);

#endif
