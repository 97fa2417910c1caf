/*
 * The sockets whose names fs handed the kernel to cache (lookup, mkdir),
 * by id: when one of them closes other than by rmdir, its name must be
 * dropped from the kernel's cache (inval.c).  Sockets never named need no
 * drop, and a drop costs the kind folder's lock.  fs's own, beside the
 * stack's table; ids are never 0 and never reused.
 */
#ifndef SOCKFS_NAMES_H
#define SOCKFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Valid zeroed. */
struct names {
	uint64_t *slot;		/* open addressing; 0 is an empty slot */
	size_t size, used;	/* size: 0 or a power of two */
};

/* Notes ID; false when memory ran out (then it is not noted). */
bool names_add(struct names *n, uint64_t id);
/* Forgets ID; true when it was noted. */
bool names_take(struct names *n, uint64_t id);
void names_fini(struct names *n);

#endif
