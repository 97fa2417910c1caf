/*
 * The tree sockfs shows.  Inode numbers carry everything needed to find a
 * node again, as devip's qids do: (socket id << 16) | (kind+1) << 8 | file.
 * Socket ids are never reused, so a stale inode can never name a new socket
 * and the kernel's lookup counts need no bookkeeping here.
 */
#ifndef SOCKFS_TREE_H
#define SOCKFS_TREE_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "files.h"
#include "intr.h"
#include "list.h"
#include "names.h"
#include "sock.h"

/* The most one read or write request carries (libfuse's limit, 256 pages).
 * Files report it as st_blksize, so cat, cp and dd's defaults move 1 MiB
 * per system call instead of 128 KiB: every request costs the reader and
 * the daemon a round of wake-ups, and on the bench machine that, not
 * copying, is where the time went (docs/benchmarks.md). */
#define SOCKFS_IO_MAX (1 << 20)

/* The size every file without a size of its own reports, as sysfs does.
 * Not 0: a kernel that splices FOPEN_DIRECT_IO files through the page
 * cache (before upstream's copy_splice_read fix) stops at i_size, so with
 * 0 a splice(2) or sendfile(2) read, such as busybox cat's, was a silent
 * empty end of file.  With a size, the kernel asks for the page, the
 * daemon refuses it (ops.c, page_cache_read), and the caller falls back
 * to read(2).  Small, because some programs size a buffer by st_size;
 * the reads themselves never stop at it.  See NOTES in sockfs.1. */
#define SOCKFS_NOMINAL_SIZE 4096

enum file_type {
	F_NONE,
	F_ROOT,		/* must be 1: FUSE_ROOT_ID */
	F_SOCKETS,
	F_USAGE,	/* the caller's usage against its limits (root: everyone's) */
	F_KINDDIR,
	F_CLONE,
	F_PAIR,		/* unix kinds' folders: reads make a socketpair */
	F_SOCKDIR,	/* it and all below are a socket's */
	/* A socket's files: F_SOCKFILE + their row in sock_files (files.c). */
	F_SOCKFILE = 16,
	/* Received files: fileN is F_FILE0 + N (SOCK_FILES_MAX of them). */
	F_FILE0 = 64,
};

static inline bool tree_is_file_slot(int f)
{
	return f >= F_FILE0 && f < F_FILE0 + SOCK_FILES_MAX;
}

/* The row of socket file F, or NULL when F is no such file. */
static inline const struct sock_file *tree_sock_file(int f)
{
	return f >= F_SOCKFILE && (size_t)(f - F_SOCKFILE) < sock_files_count
		       ? &sock_files[f - F_SOCKFILE] : NULL;
}

struct node {
	enum file_type file;
	int kind;		/* -1 above the kind folders */
	struct sock *sock;	/* for F_SOCKDIR and the files in it */
};

struct inval;

struct fsctx {
	struct stack st;
	struct fuse_session *se;
	uid_t uid;		/* the daemon's: owner of the fixed folders */
	gid_t gid;
	struct timespec start;
	/* Every open file, so that shutdown can free those the kernel
	 * will never release. */
	struct list open_files;
	struct inval *inval;	/* drops closed sockets' names (inval.c) */
	struct names named;	/* the sockets whose names it must drop */
	struct intr intr;	/* requests going on past a SIGCHLD (intr.c) */
	bool shared;		/* -o allow_other: other users call too */
	bool ending;		/* closed sockets' names are dropped no more */
};

fuse_ino_t tree_ino(enum file_type file, int kind, uint64_t sock_id);
/* Finds the node for INO; -ENOENT when its socket is gone. */
int tree_node(struct fsctx *fs, fuse_ino_t ino, struct node *n);
/* Looks NAME up in directory PARENT. */
int tree_lookup(struct fsctx *fs, const struct node *parent, const char *name,
		struct node *out);
void tree_stat(struct fsctx *fs, const struct node *n, struct stat *st);
bool tree_is_dir(enum file_type f);
/* Text files hold a snapshot taken at the first read; streams (data,
 * listen, fileN) are live. */
bool tree_is_text(enum file_type f);
bool tree_is_writable(enum file_type f);
/* The text of text file N as WHO reads it now (clone and pair make their
 * sockets here): 0 with *TEXT (malloc'ed) and *LEN, or an errno (ENOENT:
 * N's socket closed while the file was open).  Any front end's. */
int tree_text(struct fsctx *fs, const struct node *n, struct caller who, char **text,
	      size_t *len);

/* Directory listing: entry I of directory N (0-based, past . and ..), as
 * WHO sees it (only their own sockets), returning false at the end.
 * *next is the offset of the entry after. */
bool tree_dirent(struct fsctx *fs, const struct node *dir, const struct caller *who, off_t off,
		 const char **name, struct node *child, off_t *next);

#endif
