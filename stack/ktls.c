#include "config.h"

#include "ktls.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool has;

/* The upper layer protocol is set only on a connected socket: a listener
 * on 127.0.0.1 and a connection to it (the kernel completes it in the
 * backlog; nobody accepts it). */
static void probe(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l >= 0 && c >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    listen(l, 1) == 0 && getsockname(l, (struct sockaddr *)&a, &len) == 0 &&
	    connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
		has = setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) == 0;
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
}

bool ktls_kernel_has(void)
{
	pthread_once(&once, probe);
	return has;
}
