#include "config.h"

#include "p9text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "sockname.h"
#include "status.h"

/* S and a newline, malloc'ed. */
static int line(const char *s, char **text, size_t *len)
{
	size_t n = strlen(s);

	if ((*text = malloc(n + 2)) == NULL)
		return ENOMEM;
	memcpy(*text, s, n);
	(*text)[n] = '\n';
	(*text)[n + 1] = '\0';
	*len = n + 1;
	return 0;
}

/* J, indented, and a newline (J is released). */
static int json(json_t *j, char **text, size_t *len)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int err;

	json_decref(j);
	err = s ? line(s, text, len) : ENOMEM;
	free(s);
	return err;
}

/* clone and pair: reading makes the socket(s) and names them. */
static int make(struct fsctx *fs, const struct node *n, const struct caller *who, char **text,
		size_t *len)
{
	char buf[2 * SOCK_NAME_MAX + 2];
	struct sock *a, *b;
	int err;

	if (n->file == F_CLONE) {
		err = -sock_create_as(&fs->st, (enum kind)n->kind, NULL, who, &a);
		return err ? err : line(a->name, text, len);
	}
	err = -sock_pair_as(&fs->st, (enum kind)n->kind, who, &a, &b);
	if (err)
		return err;
	snprintf(buf, sizeof(buf), "%s %s", a->name, b->name);
	return line(buf, text, len);
}

int p9_text(struct fsctx *fs, const struct node *n, const struct caller *who, char **text,
	    size_t *len)
{
	char buf[2 * ADDR_TEXT_MAX + 64];
	struct sock *s = n->sock;
	int err = 0;

	if (n->file == F_SOCKETS)
		return json(stack_sockets_json(&fs->st, who), text, len);
	if (n->file == F_USAGE)
		return json(stack_usage_json(&fs->st, who), text, len);
	if (n->file == F_CLONE || n->file == F_PAIR)
		return make(fs, n, who, text, len);
	if (s == NULL)
		return ENOENT;
	switch (n->file) {
	case F_CTL:
		sock_summary(s, buf, sizeof(buf));
		buf[strcspn(buf, "\n")] = '\0';
		break;
	case F_PEER:
		if ((err = -sock_peer_text(s, buf, sizeof(buf))) != 0)
			sock_set_err(s, "peer", strerror(err));
		break;
	case F_LOCAL:
		err = -sock_local_text(s, buf, sizeof(buf));
		break;
	case F_ERR:
		snprintf(buf, sizeof(buf), "%s", s->err);
		break;
	case F_STATUS:
		return json(sock_status_json(s), text, len);
	case F_CMSG:
		return json(msg_meta_json(s, reader_log_find(s->log, who->pid)), text, len);
	default:
		return EINVAL;
	}
	return err ? err : line(buf, text, len);
}
