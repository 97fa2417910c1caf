/* The unit tests' fixture: a stack driven by hand, the test playing the
 * fs layer, and small helpers that run one operation to its end. */
#include "config.h"

#include "fixture.h"

#include "sockname.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct stack st;
struct caller root;

/* A self-signed certificate for unit.test (valid to 2126; its own CA) and
 * its key. */
const char unit_cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfzCCASWgAwIBAgIUDtOiNfkLeazgZQlZ13PCaZ774iowCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJdW5pdC50ZXN0MCAXDTI2MTEyMzE1MTkyOVoYDzIxMjYxMDMw\n"
	"MTUxOTI5WjAUMRIwEAYDVQQDDAl1bml0LnRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAAQ1vmGrzkAg0bttveMKkB6J5LjNVmUP8xbJaVT1K3DQ+l1+/KlftytS\n"
	"R4MMKZZ0XjLx4eUdHbKHe+fJCJIISjF3o1MwUTAdBgNVHQ4EFgQUQ4VFTJL9TX5E\n"
	"PwGWvliw2lOwvNswHwYDVR0jBBgwFoAUQ4VFTJL9TX5EPwGWvliw2lOwvNswDwYD\n"
	"VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEArBddU4DFVUOPJrmpOwIg\n"
	"21T3+5a4uSyi3lSArct8DyUCIGfMqv5azULLRgeIGw79vBaqZ1VhcDAbiN5Smnfb\n"
	"0QuW\n"
	"-----END CERTIFICATE-----\n";
const char unit_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoSvfL1epLiz3GtBi\n"
	"QDai513Gh2mwhEUn9KBwwgith+ehRANCAAQ1vmGrzkAg0bttveMKkB6J5LjNVmUP\n"
	"8xbJaVT1K3DQ+l1+/KlftytSR4MMKZZ0XjLx4eUdHbKHe+fJCJIISjF3\n"
	"-----END PRIVATE KEY-----\n";

void setup(void)
{
	/* Root, as this test process: credentials name a live pid. */
	root = (struct caller){ 0, 0, getpid() };
	ck_assert_int_eq(stack_init(&st), 0);
}

/* Handles the tests open; the fs layer would close them on release. */
static struct handle *opened[512];
static int nopened;

void teardown(void)
{
	stack_fini(&st);
	for (int i = 0; i < nopened; i++)
		if (opened[i])
			handle_close(opened[i]);
	nopened = 0;
}

void drop(struct handle *h)
{
	for (int i = 0; i < nopened; i++)
		if (opened[i] == h)
			opened[i] = NULL;
	handle_close(h);
}

void on_done(struct waiter *w, ssize_t res)
{
	struct result *r = w->cookie;

	r->done = true;
	r->res = res;
	if (w->buf && res > 0 && (size_t)res <= sizeof(r->data))
		memcpy(r->data, w->buf, (size_t)res);
}

struct wait_req request(struct result *r, size_t len, bool nonblock)
{
	memset(r, 0, sizeof(*r));
	return (struct wait_req){ .nonblock = nonblock, .len = len, .done = on_done, .cookie = r };
}

ssize_t wait_for(struct result *r)
{
	uint64_t start = loop_now_ms();

	while (!r->done && loop_now_ms() - start < 3000)
		loop_once(&st.loop, 20);
	ck_assert_msg(r->done, "operation never finished");
	return r->res;
}

ssize_t ctl(struct handle *h, const char *text)
{
	struct result r;
	struct wait_req rq = request(&r, 0, false);

	ctl_write(h, &rq, text, strlen(text));
	return wait_for(&r);
}

ssize_t put(struct handle *h, const char *data)
{
	struct result r;
	struct wait_req rq = request(&r, 0, false);

	data_write(h, &rq, data, strlen(data));
	return wait_for(&r);
}

ssize_t cmsg_put(struct handle *h, const char *text, size_t len, const struct caller *who)
{
	struct result r;
	struct wait_req rq = request(&r, 0, false);

	rq.who = *who;
	cmsg_write(h, &rq, text, len);
	return wait_for(&r);
}

/* Starts a read of up to LEN bytes; returns true when it had to wait. */
bool start_read(struct handle *h, size_t len, bool nonblock, struct result *r)
{
	struct wait_req rq = request(r, len, nonblock);

	return data_read(h, &rq) != NULL;
}

ssize_t get(struct handle *h, size_t len, struct result *r)
{
	start_read(h, len, false, r);
	return wait_for(r);
}

struct handle *open_on(struct sock *s)
{
	ck_assert_int_lt(nopened, 512);
	return opened[nopened++] = handle_open(s, 0);
}

struct handle *new_sock(enum kind k, const char *name)
{
	struct sock *s;

	ck_assert_int_eq(sock_create(&st, k, name, &root, &s), 0);
	return open_on(s);
}

/* A sockfs UDP socket bound to a free loopback port. */
struct handle *bound_udp(void)
{
	struct handle *h = new_sock(KIND_UDP, NULL);

	ck_assert_int_ge(ctl(h, "bind 127.0.0.1:0"), 0);
	return h;
}

/* A kernel socket of the test's own, bound to 127.0.0.1 on a free port. */
int peer_socket(int type, unsigned *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	*port = ntohs(in.sin_port);
	return fd;
}

unsigned closed_port(int type)
{
	unsigned port;
	close(peer_socket(type, &port));
	return port;
}

void send_to_port(int fd, unsigned port, const char *msg)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	ck_assert_int_eq(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&in, sizeof(in)),
			 (ssize_t)strlen(msg));
}

unsigned local_port(struct sock *s)
{
	char text[ADDR_TEXT_MAX];

	ck_assert_int_eq(sock_local_text(s, text, sizeof(text)), 0);
	return (unsigned)atoi(strrchr(text, ':') + 1);
}
