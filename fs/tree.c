#include "config.h"

#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "rfile.h"

/* Kind folders list clone and pair first; sockets follow at offset
 * id + this. */
#define SOCK_OFF_BASE 16

fuse_ino_t tree_ino(enum file_type file, int kind, uint64_t sock_id)
{
	return (fuse_ino_t)((sock_id << 16) | ((uint64_t)(kind + 1) << 8) | (uint64_t)file);
}

int tree_node(struct fsctx *fs, fuse_ino_t ino, struct node *n)
{
	uint64_t id = ino >> 16;

	n->file = (enum file_type)(ino & 0xff);
	n->kind = (int)((ino >> 8) & 0xff) - 1;
	n->sock = NULL;
	if (n->file == F_NONE || (n->file > F_SOCKDIR && !tree_sock_file(n->file) &&
				  !tree_is_file_slot(n->file)) ||
	    n->kind >= KIND_COUNT || (n->kind >= 0 && !kind_available((enum kind)n->kind)))
		return -ENOENT;
	if ((n->file == F_ROOT || n->file == F_SOCKETS || n->file == F_USAGE) != (n->kind < 0))
		return -ENOENT;
	if (n->file == F_PAIR && !kind_info((enum kind)n->kind)->pairs)
		return -ENOENT;
	if (tree_sock_file(n->file) && !sock_file_in(n->kind, (size_t)(n->file - F_SOCKFILE)))
		return -ENOENT;
	if (n->file >= F_SOCKDIR) {
		n->sock = sock_by_id(&fs->st, id);
		if (n->sock == NULL || (int)n->sock->kind != n->kind)
			return -ENOENT;
		if (tree_is_file_slot(n->file) && rfile_get(n->sock, n->file - F_FILE0) == NULL)
			return -ENOENT;
	} else if (id != 0)
		return -ENOENT;
	return 0;
}

bool tree_is_dir(enum file_type f)
{
	return f == F_ROOT || f == F_KINDDIR || f == F_SOCKDIR;
}

bool tree_is_text(enum file_type f)
{
	const struct sock_file *row = tree_sock_file(f);

	return row ? row->text != NULL : f == F_SOCKETS || f == F_USAGE || f == F_CLONE || f == F_PAIR;
}

bool tree_is_writable(enum file_type f)
{
	const struct sock_file *row = tree_sock_file(f);

	return row ? row->write != NULL : tree_is_file_slot(f);
}

/* "fileN" with N a slot holding a received file of S. */
static int file_slot(const struct sock *s, const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "file", 4) != 0 || name[4] < '0' || name[4] > '9')
		return -1;
	n = strtol(name + 4, &end, 10);
	if (*end || n >= SOCK_FILES_MAX || (n > 0 && name[4] == '0') || rfile_get(s, (int)n) == NULL)
		return -1;
	return (int)n;
}

static int lookup_root(const char *name, struct node *out)
{
	int k;

	if (strcmp(name, "sockets") == 0) {
		*out = (struct node){ F_SOCKETS, -1, NULL };
		return 0;
	}
	if (strcmp(name, "usage") == 0) {
		*out = (struct node){ F_USAGE, -1, NULL };
		return 0;
	}
	k = kind_by_name(name);
	if (k < 0)
		return -ENOENT;
	*out = (struct node){ F_KINDDIR, k, NULL };
	return 0;
}

static int lookup_kind(struct fsctx *fs, int kind, const char *name, struct node *out)
{
	struct sock *s;

	if (strcmp(name, "clone") == 0) {
		*out = (struct node){ F_CLONE, kind, NULL };
		return 0;
	}
	if (strcmp(name, "pair") == 0 && kind_info((enum kind)kind)->pairs) {
		*out = (struct node){ F_PAIR, kind, NULL };
		return 0;
	}
	s = sock_by_name(&fs->st, kind, name);
	if (s == NULL)
		return -ENOENT;
	*out = (struct node){ F_SOCKDIR, kind, s };
	return 0;
}

int tree_lookup(struct fsctx *fs, const struct node *parent, const char *name,
		struct node *out)
{
	int slot;

	switch (parent->file) {
	case F_ROOT:
		return lookup_root(name, out);
	case F_KINDDIR:
		return lookup_kind(fs, parent->kind, name, out);
	case F_SOCKDIR:
		for (size_t i = 0; i < sock_files_count; i++)
			if (sock_file_in(parent->kind, i) && strcmp(name, sock_files[i].name) == 0) {
				*out = (struct node){ F_SOCKFILE + (int)i, parent->kind, parent->sock };
				return 0;
			}
		if ((slot = file_slot(parent->sock, name)) >= 0) {
			*out = (struct node){ F_FILE0 + slot, parent->kind, parent->sock };
			return 0;
		}
		return -ENOENT;
	default:
		return -ENOTDIR;
	}
}

static mode_t node_mode(enum file_type f)
{
	if (tree_sock_file(f))
		return S_IFREG | tree_sock_file(f)->mode;
	switch (f) {
	case F_ROOT:
		return S_IFDIR | 0755;
	case F_KINDDIR:
		/* Anyone may make sockets here; only the owner removes one. */
		return S_IFDIR | S_ISVTX | 0777;
	case F_SOCKDIR:
		return S_IFDIR | 0700;
	case F_SOCKETS:
	case F_USAGE:
	case F_CLONE:
	case F_PAIR:
		return S_IFREG | 0444;
	default:
		return S_IFREG | 0400;
	}
}

void tree_stat(struct fsctx *fs, const struct node *n, struct stat *st)
{
	uint64_t id = n->sock ? n->sock->id : 0;

	memset(st, 0, sizeof(*st));
	st->st_ino = tree_ino(n->file, n->kind, id);
	st->st_mode = node_mode(n->file);
	st->st_nlink = tree_is_dir(n->file) ? 2 : 1;
	st->st_uid = n->sock ? n->sock->uid : fs->uid;
	st->st_gid = n->sock ? n->sock->gid : fs->gid;
	st->st_blksize = SOCKFS_IO_MAX;
	st->st_atim = st->st_mtim = st->st_ctim = n->sock ? n->sock->ctime : fs->start;
	if (!tree_is_dir(n->file)) {
		st->st_size = SOCKFS_NOMINAL_SIZE;
		/* Blocks to match: a size beyond its blocks looks sparse to GNU
		 * cp, whose SEEK_DATA then fails on a stream file. */
		st->st_blocks = SOCKFS_NOMINAL_SIZE / 512;
	}
	if (tree_is_file_slot(n->file)) {
		/* A received regular file: its own size, so cat and dd see the
		 * end; a received pipe or socket keeps the nominal one. */
		struct stat fst;
		st->st_mode = S_IFREG | 0600;
		if (rfile_stat(n->sock, n->file - F_FILE0, &fst) == 0 && S_ISREG(fst.st_mode)) {
			st->st_size = fst.st_size;
			st->st_blocks = fst.st_blocks;
		}
	}
}

static bool dirent_root(off_t off, const char **name, struct node *child, off_t *next)
{
	/* A kind this build lacks (tls --without-tls) is not listed. */
	while (off < KIND_COUNT && !kind_available((enum kind)off))
		off++;
	*next = off + 1;
	if (off < KIND_COUNT) {
		*name = kind_info((enum kind)off)->name;
		*child = (struct node){ F_KINDDIR, (int)off, NULL };
		return true;
	}
	if (off == KIND_COUNT) {
		*name = "sockets";
		*child = (struct node){ F_SOCKETS, -1, NULL };
		return true;
	}
	if (off == KIND_COUNT + 1) {
		*name = "usage";
		*child = (struct node){ F_USAGE, -1, NULL };
		return true;
	}
	return false;
}

/* Received files follow the fixed files, at offset sock_files_count + slot. */
static bool file_dirent(const struct node *dir, off_t off, const char **name,
			struct node *child, off_t *next)
{
	static char names[SOCK_FILES_MAX][12];
	size_t slot = (size_t)off - sock_files_count;

	while (slot < SOCK_FILES_MAX && rfile_get(dir->sock, (int)slot) == NULL)
		slot++;
	if (slot >= SOCK_FILES_MAX)
		return false;
	snprintf(names[slot], sizeof(names[slot]), "file%zu", slot);
	*name = names[slot];
	*child = (struct node){ F_FILE0 + (int)slot, dir->kind, dir->sock };
	*next = (off_t)(sock_files_count + slot + 1);
	return true;
}

bool tree_dirent(struct fsctx *fs, const struct node *dir, const struct caller *who, off_t off,
		 const char **name, struct node *child, off_t *next)
{
	struct sock *s;

	*next = off + 1;
	switch (dir->file) {
	case F_ROOT:
		return dirent_root(off, name, child, next);
	case F_SOCKDIR:
		while ((size_t)off < sock_files_count && !sock_file_in(dir->kind, (size_t)off))
			off++;
		if ((size_t)off >= sock_files_count)
			return file_dirent(dir, off, name, child, next);
		*name = sock_files[off].name;
		*child = (struct node){ F_SOCKFILE + (int)off, dir->kind, dir->sock };
		*next = off + 1;
		return true;
	case F_KINDDIR:
		if (off == 0) {
			*name = "clone";
			*child = (struct node){ F_CLONE, dir->kind, NULL };
			return true;
		}
		if (off == 1 && kind_info((enum kind)dir->kind)->pairs) {
			*name = "pair";
			*child = (struct node){ F_PAIR, dir->kind, NULL };
			return true;
		}
		s = sock_next_of_kind(&fs->st, dir->kind,
				      off < SOCK_OFF_BASE ? 0 : (uint64_t)(off - SOCK_OFF_BASE));
		/* Like sockets: each user sees only their own (root all). */
		while (s && !sock_visible_to(s, who))
			s = sock_kind_next(s);	/* in the order of their ids */
		if (s == NULL)
			return false;
		*name = s->name;
		*child = (struct node){ F_SOCKDIR, dir->kind, s };
		*next = (off_t)(s->id + SOCK_OFF_BASE);
		return true;
	default:
		return false;
	}
}

int tree_text(struct fsctx *fs, const struct node *n, struct caller who, char **text,
	      size_t *len)
{
	const struct sock_file *row = tree_sock_file(n->file);
	struct text_req t = { &fs->st, n->sock, n->kind, who };

	switch (n->file) {
	case F_SOCKETS:
		return text_sockets(&t, text, len);
	case F_USAGE:
		return text_usage(&t, text, len);
	case F_CLONE:
		return text_clone(&t, text, len);
	case F_PAIR:
		return text_pair(&t, text, len);
	default:
		break;
	}
	if (t.s == NULL)
		return ENOENT;	/* the socket was closed while the file was open */
	return row ? row->text(&t, text, len) : EINVAL;
}
