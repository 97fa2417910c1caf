#include "config.h"

#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

static void lookup(struct resolve_job *j)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = j->socktype,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	int rc;

	/* Raw and ping sockets have no service; ask as for datagrams. */
	if (hints.ai_socktype != SOCK_STREAM)
		hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(j->name.host, NULL, &hints, &res);
	if (rc != 0) {
		j->err = rc == EAI_AGAIN ? -EAGAIN : rc == EAI_MEMORY ? -ENOMEM : -ENXIO;
		snprintf(j->why, sizeof(j->why), "%s", gai_strerror(rc));
		return;
	}
	for (struct addrinfo *a = res; a && j->naddrs < RESOLVE_MAX; a = a->ai_next) {
		struct saddr *s = &j->addrs[j->naddrs];
		if (a->ai_addrlen > sizeof(s->ss))
			continue;
		memcpy(&s->ss, a->ai_addr, a->ai_addrlen);
		s->len = a->ai_addrlen;
		addr_set_port(s, j->name.port);
		j->naddrs++;
	}
	freeaddrinfo(res);
	if (j->naddrs == 0) {
		j->err = -ENXIO;
		snprintf(j->why, sizeof(j->why), "no usable address");
	}
}

static void run(struct job *j)
{
	/* A lookup reads only what every user may read (/etc/hosts, the
	 * resolver's configuration): it goes on even where the worker could
	 * not act as the caller (an unprivileged daemon). */
	lookup((struct resolve_job *)j);
}

static void resolved(struct job *j)
{
	struct resolve_job *r = (struct resolve_job *)j;

	r->done(r);
}

int resolve_submit(struct workers *p, struct resolve_job *j)
{
	j->j.run = run;
	j->j.done = resolved;
	j->j.discard = NULL;	/* a cancelled lookup is just freed */
	return workers_submit(p, &j->j);
}
