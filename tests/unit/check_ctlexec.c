/*
 * The ways back into a waiting ctl write (ctlstep.h): each test parks a
 * write in one wait state, checks it is there, lets the wait end the way
 * it names, and checks where the command went from there.
 *
 *   CS_LOOKUP      lookup done (on to the connect); lookup failed;
 *                  interrupted (the lookup comes back unheeded)
 *   CS_PATH        a unix path's bind done; connect done; connect failed;
 *                  interrupted (the call comes back unheeded)
 *   CS_BACKLOG     the retry timer tries again (and again) until room;
 *                  timed out (set timeout), which stops the sequence
 *   CS_CONNECTING  connected (the next command runs); refused, the last
 *                  address (fails); refused, with an address left (the
 *                  next is tried); joined (a second write waits for a
 *                  connect under way); interrupted (the connect goes on)
 *   CS_CONTEXT     built (on to the handshake); failed; interrupted (the
 *                  context still lands)
 *   CS_HANDSHAKE   done (the next command runs); failed (unconnected);
 *                  interrupted (the handshake is undone)
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlstep.h"
#include "fixture.h"
#include "sockname.h"
#include "suites.h"
#include "tlsup.h"

/* Starts ctl write CMD on H, as this process (whose root and working
 * directory a path's worker enters); the write it parked, or NULL once
 * finished. */
static struct ctl_wait *start(struct handle *h, struct result *r, const char *cmd,
			      bool nonblock)
{
	struct wait_req rq = request(r, 0, nonblock);

	rq.who = root;

	return (struct ctl_wait *)ctl_write(h, &rq, cmd, strlen(cmd));
}

/* Starts CMD, which must park in STATE. */
static struct ctl_wait *parked(struct handle *h, struct result *r, const char *cmd,
			       enum ctl_state state)
{
	struct ctl_wait *w = start(h, r, cmd, false);

	ck_assert_msg(w != NULL, "%s: finished with %zd instead of waiting", cmd, r->res);
	ck_assert_int_eq(w->step.state, state);
	return w;
}

static void run_loop_ms(uint64_t ms)
{
	uint64_t start_ms = loop_now_ms();

	while (loop_now_ms() - start_ms < ms)
		loop_once(&st.loop, 10);
}

/* A kernel TCP listener of the test's on 127.0.0.1. */
static int tcp_listener(unsigned *port)
{
	int lfd = peer_socket(SOCK_STREAM, port);

	ck_assert_int_eq(listen(lfd, 8), 0);
	return lfd;
}

/* --- CS_LOOKUP --- */

START_TEST(lookup_done_goes_on_to_connect)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = tcp_listener(&port);
	struct result r;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "connect localhost:%u", port);
	parked(h, &r, cmd, CS_LOOKUP);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	close(lfd);
}
END_TEST

START_TEST(lookup_failed_fails_the_write)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	struct result r;

	parked(h, &r, "connect no-such-host.invalid:1", CS_LOOKUP);
	ck_assert_int_eq(wait_for(&r), -ENXIO);
	ck_assert_int_eq(h->sock->fd, -1);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "connect no-such-host.invalid:1"));
	ck_assert_int_eq(h->ctl_failed, -ENXIO);
}
END_TEST

START_TEST(lookup_interrupted_comes_back_unheeded)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	struct result r;
	struct ctl_wait *w = parked(h, &r, "connect localhost:9\nset ttl 3", CS_LOOKUP);

	waiter_cancel(&w->w, -EINTR);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, -EINTR);
	run_loop_ms(200);	/* the lookup ends on its worker meanwhile */
	ck_assert_int_eq(r.res, -EINTR);
	ck_assert_int_eq(h->sock->state, SS_NEW);
	ck_assert(!h->sock->opt_set[OPT_TTL]);
	ck_assert_int_eq(h->ctl_failed, 0);	/* EINTR does not stop the sequence */
}
END_TEST

/* --- CS_PATH --- */

static char dir[64];

static void dir_setup(void)
{
	setup();
	snprintf(dir, sizeof(dir), "/tmp/sockfs-ctlexec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void)
{
	char cmd[128];

	teardown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A kernel unix listener of the test's at DIR/NAME; its path in PATH. */
static int unix_listener(const char *name, char *path, size_t size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(path, size, "%s/%s", dir, name);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	return lfd;
}

START_TEST(path_bind_done_binds)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	struct stat sb;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "bind %s/mine", dir);
	parked(h, &r, cmd, CS_PATH);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert(h->sock->bound);
	ck_assert_int_eq(h->sock->state, SS_BOUND);
	ck_assert_int_eq(stat(cmd + strlen("bind "), &sb), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
}
END_TEST

START_TEST(path_connect_done_connects_and_goes_on)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	char path[96], cmd[160];
	int lfd = unix_listener("srv", path, sizeof(path));

	snprintf(cmd, sizeof(cmd), "connect %s\nset passcred 1", path);
	parked(h, &r, cmd, CS_PATH);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	ck_assert(h->sock->opt_set[OPT_PASSCRED]);
	close(lfd);
}
END_TEST

START_TEST(path_connect_failed_fails_the_write)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "connect %s/nobody", dir);
	parked(h, &r, cmd, CS_PATH);
	ck_assert_int_eq(wait_for(&r), -ENOENT);
	ck_assert_int_ne(h->sock->state, SS_CONNECTED);
	ck_assert_int_eq(h->ctl_failed, -ENOENT);
}
END_TEST

START_TEST(path_interrupted_comes_back_unheeded)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	char cmd[128];
	struct ctl_wait *w;

	snprintf(cmd, sizeof(cmd), "bind %s/mine\nset passcred 1", dir);
	w = parked(h, &r, cmd, CS_PATH);
	waiter_cancel(&w->w, -EINTR);
	ck_assert_int_eq(r.res, -EINTR);
	run_loop_ms(200);	/* the call ends on its worker meanwhile */
	ck_assert_int_eq(r.res, -EINTR);
	ck_assert(!h->sock->bound);
	ck_assert(!h->sock->opt_set[OPT_PASSCRED]);
}
END_TEST

/* --- CS_BACKLOG --- */

/* A unix listener on an abstract name with its backlog (listen(0): one
 * connection) full already; CMD gets the connect to it. */
static int full_listener(char *cmd, size_t size)
{
	struct handle *first = new_sock(KIND_UNIX, NULL);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	char name[32];
	int n = snprintf(name, sizeof(name), "sockfs-ctlexec-%d", getpid());

	memcpy(sun.sun_path + 1, name, (size_t)n);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	snprintf(cmd, size, "connect @%s", name);
	ck_assert_int_ge(ctl(first, cmd), 0);
	return lfd;
}

START_TEST(backlog_retries_until_room)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	char cmd[80];
	int lfd = full_listener(cmd, sizeof(cmd)), c;
	struct ctl_wait *w = parked(h, &r, cmd, CS_BACKLOG);

	run_loop_ms(100);	/* 5, 10, 20, 40 ms: tried and waiting again */
	ck_assert(!r.done);
	ck_assert_int_eq(w->step.state, CS_BACKLOG);
	ck_assert_uint_ge(w->step.retries, 3);
	c = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	close(c);
	close(lfd);
}
END_TEST

START_TEST(backlog_timed_out_stops_the_sequence)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	char cmd[80];
	int lfd = full_listener(cmd, sizeof(cmd)), c;

	ck_assert_int_ge(ctl(h, "set timeout 0.1"), 0);
	parked(h, &r, cmd, CS_BACKLOG);
	ck_assert_int_eq(wait_for(&r), -ETIMEDOUT);
	ck_assert_int_eq(h->ctl_failed, -ETIMEDOUT);
	c = accept(lfd, NULL, NULL);	/* room now: no retry may take it */
	run_loop_ms(150);
	ck_assert_int_ne(h->sock->state, SS_CONNECTED);
	ck_assert_int_eq(ctl(h, "set passcred 1"), -ETIMEDOUT);	/* the sequence stopped */
	close(c);
	close(lfd);
}
END_TEST

/* --- CS_CONNECTING (Linux answers a loopback connect with EINPROGRESS) --- */

START_TEST(connected_runs_the_next_command)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = tcp_listener(&port), c;
	struct result r;
	char cmd[80], b;

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u\nshutdown wr", port);
	parked(h, &r, cmd, CS_CONNECTING);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	ck_assert(h->sock->shut_wr);
	c = accept(lfd, NULL, NULL);
	ck_assert_int_eq(read(c, &b, 1), 0);	/* the shutdown's FIN */
	close(c);
	close(lfd);
}
END_TEST

START_TEST(refused_last_address_fails)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	struct result r;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", closed_port(SOCK_STREAM));
	parked(h, &r, cmd, CS_CONNECTING);
	ck_assert_int_eq(wait_for(&r), -ECONNREFUSED);
	ck_assert_int_eq(h->sock->state, SS_OPEN);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "refused"));
}
END_TEST

/* A name that gave two addresses, the first refusing: the refused one is
 * made by hand while the write waits for it. */
START_TEST(refused_tries_the_next_address)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = tcp_listener(&port);
	struct result r;
	char cmd[64], peer[ADDR_TEXT_MAX], want[32];
	struct ctl_wait *w;
	struct sockaddr_in *in;

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", closed_port(SOCK_STREAM));
	w = parked(h, &r, cmd, CS_CONNECTING);
	w->step.addrs[1] = w->step.addrs[0];
	in = (struct sockaddr_in *)&w->step.addrs[1].ss;
	in->sin_port = htons((uint16_t)port);
	w->step.naddrs = 2;
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	ck_assert_int_eq(sock_peer_text(h->sock, peer, sizeof(peer)), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	ck_assert_str_eq(peer, want);
	close(lfd);
}
END_TEST

START_TEST(joined_connect_waits_for_the_one_under_way)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = tcp_listener(&port);
	struct result r;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", port);
	ck_assert_ptr_null(start(h, &r, cmd, true));
	ck_assert_int_eq(r.res, -EINPROGRESS);
	ck_assert_int_eq(h->sock->state, SS_CONNECTING);
	parked(h, &r, cmd, CS_CONNECTING);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	close(lfd);
}
END_TEST

START_TEST(connecting_interrupted_goes_on_alone)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = tcp_listener(&port);
	struct result r;
	char cmd[64];
	struct ctl_wait *w;
	uint64_t start_ms = loop_now_ms();

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u\nset ttl 3", port);
	w = parked(h, &r, cmd, CS_CONNECTING);
	waiter_cancel(&w->w, -EINTR);
	ck_assert_int_eq(r.res, -EINTR);
	while (h->sock->state == SS_CONNECTING && loop_now_ms() - start_ms < 3000)
		loop_once(&st.loop, 10);
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	ck_assert(!h->sock->opt_set[OPT_TTL]);	/* the rest of that write never ran */
	close(lfd);
}
END_TEST

/* --- CS_CONTEXT and CS_HANDSHAKE: starttls between two sockfs sockets --- */

#if HAVE_TLS
/* Runs the loop while W waits, until it waits in STATE. */
static void run_until_state(struct ctl_wait *w, struct result *r, enum ctl_state state)
{
	uint64_t start_ms = loop_now_ms();

	while (!r->done && w->step.state != state && loop_now_ms() - start_ms < 3000)
		loop_once(&st.loop, 10);
	ck_assert_msg(!r->done, "finished with %zd before waiting in %d", r->res, state);
	ck_assert_int_eq(w->step.state, state);
}

/* The certificate and key in DIR; a client trusts the certificate. */
static char certfile[96], keyfile[96];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void tls_setup(void)
{
	dir_setup();
	snprintf(certfile, sizeof(certfile), "%s/cert.pem", dir);
	snprintf(keyfile, sizeof(keyfile), "%s/key.pem", dir);
	write_file(certfile, unit_cert_pem);
	write_file(keyfile, unit_key_pem);
}

/* Accepts one connection on listener L: the new socket's handle. */
static struct handle *accept_on(struct handle *l)
{
	struct result r, end;
	struct wait_req rq = request(&r, 100, false);
	struct sock *c;

	accept_read(l, &rq);
	ck_assert_int_gt(wait_for(&r), 1);
	r.data[r.res - 1] = '\0';
	c = sock_by_name(&st, KIND_TCP, r.data);
	ck_assert_ptr_nonnull(c);
	rq = request(&end, 100, false);
	accept_read(l, &rq);
	ck_assert_int_eq(wait_for(&end), 0);
	return open_on(c);
}

/* Two sockfs TCP sockets connected to each other: a client and a server
 * (the server's certificate and key set, not yet used). */
static void tcp_pair(struct handle **client, struct handle **server)
{
	struct handle *l = new_sock(KIND_TCP, NULL);
	char cmd[256];

	ck_assert_int_ge(ctl(l, "bind 127.0.0.1:0\nlisten 4"), 0);
	*client = new_sock(KIND_TCP, NULL);
	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", local_port(l->sock));
	ck_assert_int_ge(ctl(*client, cmd), 0);
	*server = accept_on(l);
	snprintf(cmd, sizeof(cmd), "set cert %s\nset key %s", certfile, keyfile);
	ck_assert_int_ge(ctl(*server, cmd), 0);
}

START_TEST(context_built_then_handshake_done_runs_the_next_command)
{
	struct handle *c, *s;
	struct result rc, rs;
	char cmd[160];
	struct ctl_wait *wc;

	tcp_pair(&c, &s);
	snprintf(cmd, sizeof(cmd), "set cafile %s\nset hostname unit.test", certfile);
	ck_assert_int_ge(ctl(c, cmd), 0);
	parked(s, &rs, "starttls server\nset ttl 7", CS_CONTEXT);
	wc = parked(c, &rc, "starttls\nset ttl 9", CS_CONTEXT);
	run_until_state(wc, &rc, CS_HANDSHAKE);
	ck_assert_ptr_nonnull(tlsup_ctx(c->sock));	/* CS_CONTEXT's way back: built */
	ck_assert_int_gt(wait_for(&rc), 0);
	ck_assert_int_gt(wait_for(&rs), 0);
	ck_assert_ptr_nonnull(tlsup_conn(c->sock));
	ck_assert_ptr_nonnull(tlsup_conn(s->sock));
	ck_assert_int_eq(c->sock->opt_val[OPT_TTL], 9);	/* after the handshake */
	ck_assert_int_eq(s->sock->opt_val[OPT_TTL], 7);
}
END_TEST

START_TEST(context_failed_fails_the_write)
{
	struct handle *c, *s;
	struct result r;
	char cmd[160];

	tcp_pair(&c, &s);
	snprintf(cmd, sizeof(cmd), "set cafile %s/none.pem", dir);
	ck_assert_int_ge(ctl(c, cmd), 0);
	parked(c, &r, "starttls", CS_CONTEXT);
	ck_assert_int_eq(wait_for(&r), -ENOENT);
	ck_assert_ptr_nonnull(strstr(c->sock->err, "none.pem"));
	ck_assert_ptr_null(tlsup_conn(c->sock));
	ck_assert_int_eq(c->sock->state, SS_CONNECTED);	/* plain text still */
}
END_TEST

START_TEST(context_interrupted_still_lands)
{
	struct handle *c, *s;
	struct result r;
	struct ctl_wait *w;
	uint64_t start_ms = loop_now_ms();

	tcp_pair(&c, &s);
	w = parked(s, &r, "starttls server", CS_CONTEXT);
	waiter_cancel(&w->w, -EINTR);
	ck_assert_int_eq(r.res, -EINTR);
	while (tlsup_busy(s->sock) && loop_now_ms() - start_ms < 3000)
		loop_once(&st.loop, 10);
	ck_assert(!tlsup_busy(s->sock));
	ck_assert_ptr_nonnull(tlsup_ctx(s->sock));	/* kept for the next starttls */
	ck_assert_ptr_null(tlsup_conn(s->sock));
	ck_assert_int_eq(r.res, -EINTR);
}
END_TEST

START_TEST(handshake_failed_leaves_it_unconnected)
{
	struct handle *c, *s;
	struct result rc, rs;

	tcp_pair(&c, &s);
	/* The client trusts the system's CAs only: unit.test is nobody's. */
	ck_assert_int_ge(ctl(c, "set hostname unit.test"), 0);
	parked(s, &rs, "starttls server", CS_CONTEXT);
	parked(c, &rc, "starttls", CS_CONTEXT);
	ck_assert_int_lt(wait_for(&rc), 0);
	ck_assert_ptr_nonnull(strstr(c->sock->err, "verify"));
	ck_assert_int_ne(c->sock->state, SS_CONNECTED);
	ck_assert_ptr_null(tlsup_conn(c->sock));
	ck_assert_int_lt(wait_for(&rs), 0);
}
END_TEST

START_TEST(handshake_interrupted_is_undone)
{
	struct handle *c, *s;
	struct result r;
	struct ctl_wait *w;

	tcp_pair(&c, &s);
	/* The client never speaks: the server waits for its hello. */
	w = parked(s, &r, "starttls server", CS_CONTEXT);
	run_until_state(w, &r, CS_HANDSHAKE);
	ck_assert(tlsup_busy(s->sock));
	waiter_cancel(&w->w, -EINTR);
	ck_assert_int_eq(r.res, -EINTR);
	ck_assert(!tlsup_busy(s->sock));
	ck_assert_ptr_null(tlsup_conn(s->sock));
	ck_assert_int_ne(s->sock->state, SS_CONNECTED);
}
END_TEST
#endif

Suite *ctlexec_suite(void)
{
	Suite *s = suite_create("ctlexec");
	TCase *tc = tcase_create("waits");
	TCase *paths = tcase_create("paths");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lookup_done_goes_on_to_connect);
	tcase_add_test(tc, lookup_failed_fails_the_write);
	tcase_add_test(tc, lookup_interrupted_comes_back_unheeded);
	tcase_add_test(tc, backlog_retries_until_room);
	tcase_add_test(tc, backlog_timed_out_stops_the_sequence);
	tcase_add_test(tc, connected_runs_the_next_command);
	tcase_add_test(tc, refused_last_address_fails);
	tcase_add_test(tc, refused_tries_the_next_address);
	tcase_add_test(tc, joined_connect_waits_for_the_one_under_way);
	tcase_add_test(tc, connecting_interrupted_goes_on_alone);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(paths, dir_setup, dir_teardown);
	tcase_add_test(paths, path_bind_done_binds);
	tcase_add_test(paths, path_connect_done_connects_and_goes_on);
	tcase_add_test(paths, path_connect_failed_fails_the_write);
	tcase_add_test(paths, path_interrupted_comes_back_unheeded);
	suite_add_tcase(s, paths);
#if HAVE_TLS
	{
		TCase *tls = tcase_create("tls");

		tcase_add_checked_fixture(tls, tls_setup, dir_teardown);
		tcase_add_test(tls, context_built_then_handshake_done_runs_the_next_command);
		tcase_add_test(tls, context_failed_fails_the_write);
		tcase_add_test(tls, context_interrupted_still_lands);
		tcase_add_test(tls, handshake_failed_leaves_it_unconnected);
		tcase_add_test(tls, handshake_interrupted_is_undone);
		suite_add_tcase(s, tls);
	}
#endif
	return s;
}
