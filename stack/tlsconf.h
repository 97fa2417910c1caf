/*
 * A socket's TLS settings, as `set NAME VALUE` gives them before connect,
 * listen or starttls: text kept as written, checked here for form only.
 * Paths are opened later, as the caller and in the caller's world, when
 * the context is built; a relative one from the caller's working directory.
 */
#ifndef SOCKFS_TLSCONF_H
#define SOCKFS_TLSCONF_H

#include <jansson.h>
#include <stdbool.h>

enum tls_opt {
	TLS_VERIFY,		/* 0|1: check the peer's certificate (client: on) */
	TLS_CAFILE,		/* PEM file of trusted CAs, instead of the system's */
	TLS_CAPATH,		/* folder of trusted CA files, instead of the system's */
	TLS_SNI,		/* the server name sent, or none */
	TLS_HOSTNAME,		/* the name the certificate must carry */
	TLS_ALPN,		/* protocols offered or accepted: h2,http/1.1 */
	TLS_CERT,		/* our certificate chain (PEM) */
	TLS_KEY,		/* its private key (PEM) */
	TLS_MINVERSION,		/* 1.2|1.3 */
	TLS_CIPHERS,		/* OpenSSL's cipher list for TLS 1.2 */
	TLS_CLIENTCA,		/* server: ask for client certificates, checked against it */
	TLS_KTLS,		/* 0|1: leave the records to the kernel's TLS when it can (on) */
	TLS_OPT_COUNT
};

/* The longest value a TLS option takes. */
#define TLS_VALUE_MAX 255

struct tls_conf {
	char *val[TLS_OPT_COUNT];	/* NULL: not set */
	char *host;			/* the name connect was given, if any */
	/* Where a path option's file is opened instead of its value (a
	 * descriptor's name that tlsup pinned in the caller's world), not
	 * owned; NULL: the value itself. */
	const char *open_name[TLS_OPT_COUNT];
};

/* Returns the option called NAME, or -1. */
int tls_opt_by_name(const char *name);
/* The name `set` knows option ID by. */
const char *tls_opt_name(enum tls_opt id);
/* Checks VALUE's form for option ID: 0, or -EINVAL with a reason. */
int tls_opt_check(enum tls_opt id, const char *value, const char **why);
/* Sets option ID in *C (allocated on first use): 0 or -ENOMEM. */
int tls_conf_set(struct tls_conf **c, enum tls_opt id, const char *value);
/* Keeps HOST, the name a connect was given: 0 or -ENOMEM. */
int tls_conf_set_host(struct tls_conf **c, const char *host);
/* A copy of C (NULL stays NULL); -ENOMEM as NULL with *ERR set. */
struct tls_conf *tls_conf_dup(const struct tls_conf *c, int *err);
void tls_conf_free(struct tls_conf *c);
/* Option ID's value, or NULL when C is NULL or the option unset. */
const char *tls_conf_get(const struct tls_conf *c, enum tls_opt id);
/* Whether option ID names a file or folder. */
bool tls_opt_is_path(enum tls_opt id);
/* The name to open path option ID's file by (see open_name). */
const char *tls_conf_file(const struct tls_conf *c, enum tls_opt id);
/* A 0|1 option's value in C, or DEFAULT when it is not set. */
bool tls_conf_on(const struct tls_conf *c, enum tls_opt id, bool dflt);
/* The options set, as a JSON object of strings. */
json_t *tls_conf_json(const struct tls_conf *c);

#endif
