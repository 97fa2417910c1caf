/*
 * The files sockfs serves, as any front end would: a socket folder's files
 * one row each (name, mode, text or stream, and the stack calls that read,
 * write and poll them), and the texts of the files above sockets.  Adding
 * a file to every socket folder is one row in files.c and its handlers.
 * No FUSE here: inode numbers and replies are tree.c's and ops.c's.
 */
#ifndef SOCKFS_FILES_H
#define SOCKFS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stack.h"

/* What a text is made for: the reader, the socket (NULL above sockets)
 * and the kind of the folder the file is in. */
struct text_req {
	struct stack *st;
	struct sock *s;
	int kind;
	struct caller who;
};

/* Makes the text: 0 with *TEXT (malloc'ed) and *LEN, or an errno. */
typedef int (*text_fn)(const struct text_req *t, char **text, size_t *len);

struct sock_file {
	const char *name;
	mode_t mode;		/* permission bits; a regular file */
	bool listens;		/* only in the folders of kinds that listen */
	bool acts;		/* writes act as all the opener was (handle_open_as) */
	/* Text (TEXT set): made at an open's first read, served in order
	 * after, never blocks.  Stream (READ set): each read is a stack call
	 * that may wait, and POLL says what the file is ready for. */
	text_fn text;
	struct waiter *(*read)(struct handle *h, const struct wait_req *rq);
	uint32_t (*poll)(struct handle *h, uint32_t events, bool watch);
	/* Writable files: each write is a stack call that may wait. */
	struct waiter *(*write)(struct handle *h, const struct wait_req *rq, const char *buf,
				size_t len);
};

/* In listing order. */
extern const struct sock_file sock_files[];
extern const size_t sock_files_count;

/* Whether a folder of KIND has row I. */
bool sock_file_in(int kind, size_t i);

/* The files above sockets: sockets and usage (JSON), and a kind folder's
 * clone and pair, whose first read makes a socket (two). */
int text_sockets(const struct text_req *t, char **text, size_t *len);
int text_usage(const struct text_req *t, char **text, size_t *len);
int text_clone(const struct text_req *t, char **text, size_t *len);
int text_pair(const struct text_req *t, char **text, size_t *len);

#endif
