#include "config.h"

#include "names.h"

#include <stdlib.h>

/* Where ID's search starts: Fibonacci hashing, since ids come in order. */
static size_t home(const struct names *n, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & (n->size - 1);
}

/* The slot holding ID, or the empty one where its search ends. */
static size_t find(const struct names *n, uint64_t id)
{
	size_t i = home(n, id);

	while (n->slot[i] != 0 && n->slot[i] != id)
		i = (i + 1) & (n->size - 1);
	return i;
}

/* Twice the room (16 at first), every id moved to its new place. */
static bool grow(struct names *n)
{
	struct names bigger = { .size = n->size ? 2 * n->size : 16 };

	if ((bigger.slot = calloc(bigger.size, sizeof(*bigger.slot))) == NULL)
		return false;
	for (size_t i = 0; i < n->size; i++)
		if (n->slot[i] != 0)
			bigger.slot[find(&bigger, n->slot[i])] = n->slot[i];
	bigger.used = n->used;
	free(n->slot);
	*n = bigger;
	return true;
}

bool names_add(struct names *n, uint64_t id)
{
	size_t i;

	/* At most half full, so that searches stay short. */
	if (2 * (n->used + 1) > n->size && !grow(n))
		return false;
	i = find(n, id);
	if (n->slot[i] == 0) {
		n->slot[i] = id;
		n->used++;
	}
	return true;
}

/* Whether the id in slot J, whose search starts at H, passes slot I on
 * its way (I is emptied: J may move there only then). */
static bool passes(size_t h, size_t i, size_t j)
{
	return i <= j ? h <= i || h > j : h <= i && h > j;
}

bool names_take(struct names *n, uint64_t id)
{
	size_t i, j;

	if (n->used == 0 || n->slot[i = find(n, id)] == 0)
		return false;
	/* No tombstones: the ids after I that searched past it move back. */
	for (j = (i + 1) & (n->size - 1); n->slot[j] != 0; j = (j + 1) & (n->size - 1))
		if (passes(home(n, n->slot[j]), i, j)) {
			n->slot[i] = n->slot[j];
			i = j;
		}
	n->slot[i] = 0;
	n->used--;
	return true;
}

void names_fini(struct names *n)
{
	free(n->slot);
	*n = (struct names){ 0 };
}
