/* The status file and the top-level sockets file, as JSON. */
#ifndef SOCKFS_STATUS_H
#define SOCKFS_STATUS_H

#include <jansson.h>

#include "sock.h"

json_t *sock_status_json(struct sock *s);
/* Every socket WHO may see (its own; all of them for root). */
json_t *stack_sockets_json(struct stack *st, const struct caller *who);
/* True when WHO may use S. */
bool sock_visible_to(const struct sock *s, const struct caller *who);

#endif
