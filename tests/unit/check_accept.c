/* Serving: accepting through listen reads, the listener's ties to what it
 * accepted, socketpairs, and connects that finish with nobody waiting. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "sockname.h"
#include "suites.h"

/* A sockfs TCP listener on a free loopback port. */
static struct handle *listener(unsigned *port)
{
	struct handle *h = new_sock(KIND_TCP, NULL);

	ck_assert_int_ge(ctl(h, "bind 127.0.0.1:0\nlisten 8\n"), 0);
	*port = local_port(h->sock);
	return h;
}

/* A kernel client connected to PORT on 127.0.0.1 (the handshake completes
 * in the kernel, before anything accepts). */
static int client(unsigned port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	return fd;
}

static bool start_accept(struct handle *h, size_t len, bool nonblock, struct result *r,
			 waiter_done_fn done)
{
	struct wait_req rq = request(r, len, nonblock);

	rq.done = done;
	return accept_read(h, &rq) != NULL;
}

/* Accepts one connection (reading its name and the 0 that ends it);
 * returns the new socket. */
static struct sock *accept_one(struct handle *l)
{
	struct result r, end;
	struct sock *c;

	start_accept(l, 100, false, &r, on_done);
	ck_assert_int_gt(wait_for(&r), 1);
	ck_assert_int_eq(r.data[r.res - 1], '\n');
	r.data[r.res - 1] = '\0';
	c = sock_by_name(&st, KIND_TCP, r.data);
	ck_assert_ptr_nonnull(c);
	start_accept(l, 100, false, &end, on_done);
	ck_assert_int_eq(wait_for(&end), 0);
	return c;
}

START_TEST(listen_read_accepts_into_a_tied_socket)
{
	unsigned port;
	struct handle *l = listener(&port);
	struct result r;
	struct sock *c;
	char peer[ADDR_TEXT_MAX], mine[ADDR_TEXT_MAX];
	struct sockaddr_in in;
	socklen_t len = sizeof(in);
	int fd;

	ck_assert(start_accept(l, 100, false, &r, on_done));	/* nobody calling: waits */
	fd = client(port);
	ck_assert_int_gt(wait_for(&r), 0);
	r.data[r.res - 1] = '\0';
	c = sock_by_name(&st, KIND_TCP, r.data);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->state, SS_CONNECTED);
	ck_assert_ptr_eq(c->listener, l->sock);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	snprintf(mine, sizeof(mine), "127.0.0.1:%u", ntohs(in.sin_port));
	ck_assert_int_eq(sock_peer_text(c, peer, sizeof(peer)), 0);
	ck_assert_str_eq(peer, mine);

	/* The name is one message: the next read on that handle is its end. */
	start_accept(l, 100, false, &r, on_done);
	ck_assert_int_eq(wait_for(&r), 0);

	open_on(c);	/* opening a file claims it */
	ck_assert_ptr_null(c->listener);
	ck_assert(list_empty(&l->sock->children));
	close(fd);
}
END_TEST

START_TEST(short_reads_get_the_whole_name)
{
	unsigned port;
	struct handle *l = listener(&port);
	struct result r;
	char name[80] = "";
	int fd = client(port);
	size_t n = 0;

	for (;;) {
		start_accept(l, 1, false, &r, on_done);
		if (wait_for(&r) == 0)
			break;
		ck_assert_int_eq(r.res, 1);
		name[n++] = r.data[0];
	}
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(name[n - 1], '\n');
	name[n - 1] = '\0';
	ck_assert_ptr_nonnull(sock_by_name(&st, KIND_TCP, name));
	close(fd);
}
END_TEST

static void reply_lost(struct waiter *w, ssize_t res)
{
	on_done(w, res);
	w->undelivered = true;	/* as the fs layer says when the caller is gone */
}

START_TEST(undelivered_name_goes_to_the_next_reader)
{
	unsigned port;
	struct handle *l = listener(&port);
	struct handle *l2 = open_on(l->sock);
	struct result r;
	char first[80];
	int fd = client(port);

	start_accept(l, 100, false, &r, reply_lost);
	ck_assert_int_gt(wait_for(&r), 0);
	memcpy(first, r.data, (size_t)r.res);
	first[r.res] = '\0';
	/* Another reader, and nobody new calling: it gets the same name. */
	ck_assert(!start_accept(l2, 100, true, &r, on_done));
	ck_assert_int_eq(r.res, (ssize_t)strlen(first));
	ck_assert(memcmp(r.data, first, strlen(first)) == 0);
	/* The first handle owes no end-of-message 0 for a name it never got. */
	ck_assert(!start_accept(l, 100, true, &r, on_done));
	ck_assert_int_eq(r.res, -EAGAIN);
	close(fd);
}
END_TEST

START_TEST(closing_the_listener_closes_unclaimed)
{
	unsigned port;
	struct handle *l = listener(&port);
	int fd = client(port);
	int fd2 = client(port);
	struct sock *c = accept_one(l);
	struct sock *claimed = accept_one(l);
	uint64_t id = c->id;
	char buf[8];

	open_on(claimed);
	sock_close(l->sock);
	ck_assert_ptr_null(sock_by_id(&st, id));
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 0);	/* the client sees EOF */
	ck_assert_ptr_eq(sock_by_id(&st, claimed->id), claimed);
	ck_assert_ptr_null(claimed->listener);
	close(fd);
	close(fd2);
}
END_TEST

START_TEST(listen_read_errors)
{
	unsigned port;
	struct handle *h = new_sock(KIND_TCP, NULL);
	struct handle *l = listener(&port);
	struct result r;

	ck_assert(!start_accept(h, 100, false, &r, on_done));
	ck_assert_int_eq(r.res, -EINVAL);
	ck_assert(strstr(h->sock->err, "not listening") != NULL);
	ck_assert(!start_accept(l, 100, true, &r, on_done));
	ck_assert_int_eq(r.res, -EAGAIN);
	/* A waiting reader of a listener that closes gets end of file. */
	ck_assert(start_accept(l, 100, false, &r, on_done));
	sock_close(l->sock);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, 0);
}
END_TEST

START_TEST(pairs_in_every_unix_kind)
{
	static const enum kind kinds[] = { KIND_UNIX, KIND_UNIXGRAM, KIND_UNIXPACKET };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct sock *a, *b;
		struct handle *ha, *hb;
		struct result r;

		ck_assert_int_eq(sock_pair(&st, kinds[i], &root, &a, &b), 0);
		ck_assert_str_ne(a->name, b->name);
		ck_assert_int_eq(a->state, SS_CONNECTED);
		ck_assert_int_eq(b->state, SS_CONNECTED);
		ha = open_on(a);
		hb = open_on(b);
		ck_assert_int_eq(put(ha, "ping"), 4);
		ck_assert_int_eq(get(hb, 100, &r), 4);
		ck_assert(memcmp(r.data, "ping", 4) == 0);
		ck_assert_int_eq(put(hb, "pong"), 4);
		ck_assert_int_eq(get(ha, 100, &r), 4);
		ck_assert(memcmp(r.data, "pong", 4) == 0);
	}
}
END_TEST

START_TEST(pair_needs_a_unix_kind)
{
	struct sock *a, *b;

	ck_assert_int_eq(sock_pair(&st, KIND_TCP, &root, &a, &b), -EOPNOTSUPP);
	ck_assert_int_eq(sock_pair(&st, KIND_UDP, &root, &a, &b), -EOPNOTSUPP);
}
END_TEST

START_TEST(nonblocking_connect_settles_unwatched)
{
	unsigned port;
	int lfd = peer_socket(SOCK_STREAM, &port);
	struct handle *h = new_sock(KIND_TCP, NULL);
	struct result r;
	struct wait_req rq = request(&r, 0, true);
	char cmd[64];
	uint64_t start = loop_now_ms();

	ck_assert_int_eq(listen(lfd, 4), 0);
	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", port);
	ctl_write(h, &rq, cmd, strlen(cmd));
	ck_assert(r.done);
	if (r.res == -EINPROGRESS) {
		ck_assert_int_eq(h->sock->state, SS_CONNECTING);
		ck_assert_str_eq(h->sock->err, "");
		while (h->sock->state == SS_CONNECTING && loop_now_ms() - start < 3000)
			loop_once(&st.loop, 20);
	}
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	close(lfd);
}
END_TEST

Suite *accept_suite(void)
{
	Suite *s = suite_create("accept");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, listen_read_accepts_into_a_tied_socket);
	tcase_add_test(tc, short_reads_get_the_whole_name);
	tcase_add_test(tc, undelivered_name_goes_to_the_next_reader);
	tcase_add_test(tc, closing_the_listener_closes_unclaimed);
	tcase_add_test(tc, listen_read_errors);
	tcase_add_test(tc, pairs_in_every_unix_kind);
	tcase_add_test(tc, pair_needs_a_unix_kind);
	tcase_add_test(tc, nonblocking_connect_settles_unwatched);
	suite_add_tcase(s, tc);
	return s;
}
