/*
 * The one doubly linked list: a struct link embedded in each member, a
 * struct list (first and last) where they hang.  Both are valid zeroed,
 * so a calloc'ed owner needs no init.  A member is in at most one list
 * through a given link; list_remove needs the list it is in.
 */
#ifndef SOCKFS_LIST_H
#define SOCKFS_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct link {
	struct link *next, *prev;
};

struct list {
	struct link *head, *tail;
};

/* The struct of TYPE whose MEMBER is the link L (L not NULL). */
#define list_entry(l, type, member) \
	((type *)(void *)((char *)(l) - offsetof(type, member)))
/* The same, or NULL for a NULL link: for head, tail, next and prev. */
#define list_item(l, type, member) \
	((l) ? list_entry((l), type, member) : (type *)NULL)

/* Every link of LIST; IT and NEXT are struct link pointers, and IT may
 * be removed (NEXT was read before the body runs). */
#define list_each(it, next, list) \
	for ((it) = (list)->head, (next) = (it) ? (it)->next : NULL; (it); \
	     (it) = (next), (next) = (it) ? (it)->next : NULL)

static inline bool list_empty(const struct list *l)
{
	return l->head == NULL;
}

static inline void list_append(struct list *l, struct link *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

static inline void list_prepend(struct list *l, struct link *n)
{
	n->prev = NULL;
	n->next = l->head;
	if (l->head)
		l->head->prev = n;
	else
		l->tail = n;
	l->head = n;
}

static inline void list_remove(struct list *l, struct link *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->next = n->prev = NULL;
}

/* Takes the first member off L; NULL when L is empty. */
static inline struct link *list_pop(struct list *l)
{
	struct link *n = l->head;

	if (n)
		list_remove(l, n);
	return n;
}

#endif
