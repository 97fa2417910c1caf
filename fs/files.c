#include "config.h"

#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "access.h"
#include "cmsgwrite.h"
#include "ctlexec.h"
#include "data.h"
#include "sockname.h"
#include "status.h"

/* A line's room: sock_summary's two addresses and more. */
#define LINE_MAX_TEXT (2 * ADDR_TEXT_MAX + 64)

static int json_text(json_t *j, char **text, size_t *len)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	*text = s ? malloc(strlen(s) + 2) : NULL;
	if (*text)
		*len = (size_t)sprintf(*text, "%s\n", s);
	free(s);
	return *text ? 0 : ENOMEM;
}

static int line_text(const char *s, char **text, size_t *len)
{
	*text = malloc(strlen(s) + 2);
	if (*text)
		*len = (size_t)sprintf(*text, "%s\n", s);
	return *text ? 0 : ENOMEM;
}

/* --- above sockets --- */

int text_sockets(const struct text_req *t, char **text, size_t *len)
{
	return json_text(stack_sockets_json(t->st, &t->who), text, len);
}

int text_usage(const struct text_req *t, char **text, size_t *len)
{
	return json_text(stack_usage_json(t->st, &t->who), text, len);
}

int text_clone(const struct text_req *t, char **text, size_t *len)
{
	struct sock *s;
	int err = -sock_create_as(t->st, t->kind, NULL, &t->who, &s);

	return err ? err : line_text(s->name, text, len);
}

int text_pair(const struct text_req *t, char **text, size_t *len)
{
	char buf[2 * SOCK_NAME_MAX + 2];
	struct sock *a, *b;
	int err = -sock_pair_as(t->st, t->kind, &t->who, &a, &b);

	if (err)
		return err;
	snprintf(buf, sizeof(buf), "%s %s", a->name, b->name);
	return line_text(buf, text, len);
}

/* --- a socket's text files --- */

/* ctl reads as the socket's one-line summary. */
static int ctl_text(const struct text_req *t, char **text, size_t *len)
{
	char buf[LINE_MAX_TEXT];

	sock_summary(t->s, buf, sizeof(buf));
	buf[strcspn(buf, "\n")] = '\0';
	return line_text(buf, text, len);
}

static int peer_text(const struct text_req *t, char **text, size_t *len)
{
	char buf[LINE_MAX_TEXT];
	int err = -sock_peer_text(t->s, buf, sizeof(buf));

	if (err) {
		sock_set_err(t->s, "peer", strerror(err));
		return err;
	}
	return line_text(buf, text, len);
}

static int local_text(const struct text_req *t, char **text, size_t *len)
{
	char buf[LINE_MAX_TEXT];
	int err = -sock_local_text(t->s, buf, sizeof(buf));

	return err ? err : line_text(buf, text, len);
}

static int err_text(const struct text_req *t, char **text, size_t *len)
{
	return line_text(t->s->err, text, len);
}

static int status_text(const struct text_req *t, char **text, size_t *len)
{
	return json_text(sock_status_json(t->s), text, len);
}

/* What came with the last message the reader's process read. */
static int cmsg_text(const struct text_req *t, char **text, size_t *len)
{
	const struct msg_meta *m = reader_log_find(t->s->log, t->who.pid);

	return json_text(msg_meta_json(t->s, m), text, len);
}

/* --- the table --- */

const struct sock_file sock_files[] = {
	{ "cmsg", 0600, .acts = true, .text = cmsg_text, .write = cmsg_write },
	{ "ctl", 0600, .acts = true, .text = ctl_text, .write = ctl_write },
	{ "data", 0600, .read = data_read, .poll = sock_poll, .write = data_write },
	{ "err", 0400, .text = err_text },
	{ "listen", 0400, .listens = true, .read = accept_read, .poll = sock_poll },
	{ "local", 0400, .text = local_text },
	{ "peer", 0400, .text = peer_text },
	{ "status", 0400, .text = status_text },
};
const size_t sock_files_count = sizeof(sock_files) / sizeof(sock_files[0]);

bool sock_file_in(int kind, size_t i)
{
	return !sock_files[i].listens || kind_info((enum kind)kind)->listens;
}
