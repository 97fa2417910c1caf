#include "config.h"

#include "tlsconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

enum form { F_BOOL, F_PATH, F_NAME, F_NAME_OR_NONE, F_ALPN, F_VERSION, F_TEXT };

static const struct {
	const char *name;
	enum form form;
} opts[TLS_OPT_COUNT] = {
	[TLS_VERIFY] = { "verify", F_BOOL },
	[TLS_CAFILE] = { "cafile", F_PATH },
	[TLS_CAPATH] = { "capath", F_PATH },
	[TLS_SNI] = { "sni", F_NAME_OR_NONE },
	[TLS_HOSTNAME] = { "hostname", F_NAME },
	[TLS_ALPN] = { "alpn", F_ALPN },
	[TLS_CERT] = { "cert", F_PATH },
	[TLS_KEY] = { "key", F_PATH },
	[TLS_MINVERSION] = { "minversion", F_VERSION },
	[TLS_CIPHERS] = { "ciphers", F_TEXT },
	[TLS_CLIENTCA] = { "clientca", F_PATH },
	[TLS_KTLS] = { "ktls", F_BOOL },
};

int tls_opt_by_name(const char *name)
{
	for (int i = 0; i < TLS_OPT_COUNT; i++)
		if (strcmp(opts[i].name, name) == 0)
			return i;
	return -1;
}

const char *tls_opt_name(enum tls_opt id)
{
	return opts[id].name;
}

/* A host name or address as a certificate may carry it: letters, digits
 * and . - _ : * (IPv6 literals, wildcards are the certificate's business). */
static bool is_name(const char *v)
{
	return v[0] && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789.-_:") == strlen(v);
}

/* Protocol names joined by commas, each 1 to 255 bytes, none empty. */
static bool is_alpn(const char *v)
{
	size_t n = 0;

	for (const char *p = v;; p++) {
		if (*p == ',' || *p == '\0') {
			if (n == 0 || n > 255)
				return false;
			if (*p == '\0')
				return true;
			n = 0;
		} else
			n++;
	}
}

int tls_opt_check(enum tls_opt id, const char *v, const char **why)
{
	bool good = true;

	if (strlen(v) > TLS_VALUE_MAX) {
		*why = "value longer than 255 bytes";
		return -EINVAL;
	}
	switch (opts[id].form) {
	case F_BOOL:
		good = !strcmp(v, "0") || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "off");
		*why = "expected 0, 1, on or off";
		break;
	case F_PATH:
		good = v[0] != '\0';
		*why = "expected a path";
		break;
	case F_NAME_OR_NONE:
	case F_NAME:
		good = is_name(v);
		*why = "expected a host name";
		break;
	case F_ALPN:
		good = is_alpn(v);
		*why = "expected protocol names joined by commas, such as h2,http/1.1";
		break;
	case F_VERSION:
		good = !strcmp(v, "1.2") || !strcmp(v, "1.3");
		*why = "expected 1.2 or 1.3";
		break;
	case F_TEXT:
		break;
	}
	return good ? 0 : -EINVAL;
}

/* Puts a copy of V in option ID's slot of *C, or the host's for -1; *C
 * is made on first use. */
static int put(struct tls_conf **c, int id, const char *v)
{
	char *copy, **slot;

	if (*c == NULL && (*c = calloc(1, sizeof(**c))) == NULL)
		return -ENOMEM;
	if ((copy = strdup(v)) == NULL)
		return -ENOMEM;
	slot = id < 0 ? &(*c)->host : &(*c)->val[id];
	free(*slot);
	*slot = copy;
	return 0;
}

int tls_conf_set(struct tls_conf **c, enum tls_opt id, const char *value)
{
	/* on and off are kept as 1 and 0, so readers compare one way. */
	if (opts[id].form == F_BOOL)
		value = strcmp(value, "on") == 0 || strcmp(value, "1") == 0 ? "1" : "0";
	return put(c, (int)id, value);
}

int tls_conf_set_host(struct tls_conf **c, const char *host)
{
	return put(c, -1, host);
}

struct tls_conf *tls_conf_dup(const struct tls_conf *c, int *err)
{
	struct tls_conf *d;

	*err = 0;
	if (c == NULL)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto nomem;
	for (int i = 0; i < TLS_OPT_COUNT; i++)
		if (c->val[i] && (d->val[i] = strdup(c->val[i])) == NULL)
			goto nomem;
	if (c->host && (d->host = strdup(c->host)) == NULL)
		goto nomem;
	return d;
nomem:
	tls_conf_free(d);
	*err = -ENOMEM;
	return NULL;
}

bool tls_opt_is_path(enum tls_opt id)
{
	return opts[id].form == F_PATH;
}

const char *tls_conf_file(const struct tls_conf *c, enum tls_opt id)
{
	return c && c->open_name[id] ? c->open_name[id] : tls_conf_get(c, id);
}

void tls_conf_free(struct tls_conf *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < TLS_OPT_COUNT; i++)
		free(c->val[i]);
	free(c->host);
	free(c);
}

const char *tls_conf_get(const struct tls_conf *c, enum tls_opt id)
{
	return c ? c->val[id] : NULL;
}

bool tls_conf_on(const struct tls_conf *c, enum tls_opt id, bool dflt)
{
	const char *v = tls_conf_get(c, id);

	return v ? v[0] == '1' : dflt;	/* kept as 1 or 0 (tls_conf_set) */
}

json_t *tls_conf_json(const struct tls_conf *c)
{
	json_t *o = json_object();

	for (int i = 0; c && i < TLS_OPT_COUNT; i++)
		if (c->val[i])
			json_object_set_new(o, opts[i].name, text_json(c->val[i]));
	return o;
}
