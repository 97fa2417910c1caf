/* The status file and the top-level sockets file, as JSON. */
#ifndef SOCKFS_STATUS_H
#define SOCKFS_STATUS_H

#include <jansson.h>

#include "sock.h"

json_t *sock_status_json(struct sock *s);
/* cmsg: what came with message M (NULL: nothing read yet gives {}).
 * Keys are only ever added, so scripts written today keep working:
 *   from     the sender's address, or null when it has none
 *   length   the message's size in bytes
 *   pktinfo  {to, ifindex, interface}: where it was sent (inet kinds)
 *   flags    names from recvmsg: trunc, ctrunc, eor, oob */
json_t *msg_meta_json(const struct sock *s, const struct msg_meta *m);
/* usage: each user's holdings against its limits, as
 *   [{"uid": N, "sockets": {"used": N, "limit": N}, "fds": ..., "files": ...,
 *     "waits": ..., "bytes": ...}, ...]
 * (limit 0: none).  WHO sees its own line; root sees every user's. */
json_t *stack_usage_json(struct stack *st, const struct caller *who);
/* Every socket WHO may see (its own; all of them for root). */
json_t *stack_sockets_json(struct stack *st, const struct caller *who);

#endif
