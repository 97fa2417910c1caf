/*
 * The socket layer as a whole: the one header the fs layer needs beside
 * the operations it calls.  stack_init ties the layers together: the
 * socket table's hooks are filled with the operations above it.
 */
#ifndef SOCKFS_STACK_H
#define SOCKFS_STACK_H

#include "sock.h"

int stack_init(struct stack *st);
/* Closes every socket, failing whatever still waits. */
void stack_fini(struct stack *st);

#endif
