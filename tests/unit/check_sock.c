/* The socket state machine on real loopback sockets, without FUSE: the
 * test plays the fs layer, driving the loop until each waiter is done. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmsgout.h"
#include "fixture.h"
#include "sockname.h"
#include "status.h"
#include "suites.h"
#include "tlsup.h"

START_TEST(udp_to_sends_with_sendto_and_autobinds)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);
	char cmd[64], buf[64], text[ADDR_TEXT_MAX];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);

	snprintf(cmd, sizeof(cmd), "to 127.0.0.1:%u\n", port);
	ck_assert_int_eq(ctl(h, cmd), (ssize_t)strlen(cmd));
	ck_assert_int_eq(put(h, "aaaaa\n"), 6);
	ck_assert_int_eq(recvfrom(peer, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 6);
	ck_assert_uint_ne(local_port(h->sock), 0);
	ck_assert_uint_eq(ntohs(from.sin_port), local_port(h->sock));
	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), -ENOTCONN);
	close(peer);
}
END_TEST

START_TEST(udp_peer_follows_connect_and_disconnect)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);
	char cmd[64], text[ADDR_TEXT_MAX], want[64];

	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), -ENOTCONN);
	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", port);
	ck_assert_int_ge(ctl(h, cmd), 0);
	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	ck_assert_str_eq(text, want);
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	ck_assert_int_ge(ctl(h, "disconnect"), 0);
	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), -ENOTCONN);
	close(peer);
}
END_TEST

START_TEST(udp_connected_to_closed_port_reports_refused)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	struct result r;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", closed_port(SOCK_DGRAM));
	ck_assert_int_ge(ctl(h, cmd), 0);
	ck_assert_int_eq(put(h, "x"), 1);
	ck_assert_int_eq(get(h, 100, &r), -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "refused"));
}
END_TEST

START_TEST(messages_keep_boundaries)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	unsigned port, dummy;
	int peer = peer_socket(SOCK_DGRAM, &dummy);
	struct result r;

	ck_assert_int_ge(ctl(h, "bind 127.0.0.1:0"), 0);
	port = local_port(h->sock);
	send_to_port(peer, port, "hello world");
	send_to_port(peer, port, "x");
	ck_assert_int_eq(get(h, 5, &r), 5);
	ck_assert_int_eq(memcmp(r.data, "hello", 5), 0);
	ck_assert_int_eq(get(h, 100, &r), 6);
	ck_assert_int_eq(memcmp(r.data, " world", 6), 0);
	ck_assert_int_eq(get(h, 100, &r), 0);	/* end of message */
	ck_assert_int_eq(get(h, 100, &r), 1);
	ck_assert_int_eq(r.data[0], 'x');
	ck_assert_int_eq(get(h, 100, &r), 0);
	ck_assert_int_eq(h->sock->ctr.rx_msgs, 2);
	close(peer);
}
END_TEST

START_TEST(tcp_refused_connect_fails_with_errno)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "connect 127.0.0.1:%u", closed_port(SOCK_STREAM));
	ck_assert_int_eq(ctl(h, cmd), -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "Connection refused"));
	ck_assert_int_ne(h->sock->state, SS_CONNECTING);
}
END_TEST

START_TEST(tcp_streams_both_ways_to_eof)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	unsigned port;
	int lfd = peer_socket(SOCK_STREAM, &port), c;
	char cmd[64], buf[16];
	struct result r;

	ck_assert_int_eq(listen(lfd, 1), 0);
	snprintf(cmd, sizeof(cmd), "set nodelay 1\nconnect 127.0.0.1:%u\n", port);
	ck_assert_int_eq(ctl(h, cmd), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	c = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(put(h, "abc"), 3);
	ck_assert_int_eq(recv(c, buf, sizeof(buf), 0), 3);
	ck_assert_int_eq(send(c, "xyz", 3, 0), 3);
	shutdown(c, SHUT_WR);
	ck_assert_int_eq(get(h, 100, &r), 3);
	ck_assert_int_eq(memcmp(r.data, "xyz", 3), 0);
	ck_assert_int_eq(get(h, 100, &r), 0);
	close(c);
	close(lfd);
}
END_TEST

START_TEST(bad_ctl_write_changes_nothing)
{
	struct handle *h = new_sock(KIND_UDP, NULL);

	ck_assert_int_eq(ctl(h, "bind 127.0.0.1:0\nbogus 1\n"), -EINVAL);
	ck_assert_int_eq(h->sock->state, SS_NEW);
	ck_assert_int_eq(h->sock->fd, -1);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "unknown control request"));
}
END_TEST

START_TEST(names_are_unique_and_checked)
{
	struct sock *s;

	ck_assert_int_eq(sock_create(&st, KIND_TCP, "web", &root, &s), 0);
	ck_assert_ptr_eq(sock_by_name(&st, KIND_TCP, "web"), s);
	ck_assert_ptr_eq(sock_by_id(&st, s->id), s);
	ck_assert_ptr_null(sock_by_name(&st, KIND_UDP, "web"));
	ck_assert_int_eq(sock_create(&st, KIND_TCP, "web", &root, &s), -EEXIST);
	ck_assert_int_eq(sock_create(&st, KIND_UDP, "web", &root, &s), 0);
	ck_assert_int_eq(sock_create(&st, KIND_TCP, "clone", &root, &s), -EINVAL);
	ck_assert_int_eq(sock_create(&st, KIND_TCP, "..", &root, &s), -EINVAL);
	ck_assert_int_eq(sock_create(&st, KIND_TCP, "a/b", &root, &s), -EINVAL);
	ck_assert_int_eq(sock_create(&st, KIND_TCP, "", &root, &s), -EINVAL);
	s = sock_by_name(&st, KIND_TCP, "web");
	sock_close(s);
	ck_assert_ptr_null(sock_by_name(&st, KIND_TCP, "web"));
}
END_TEST

START_TEST(clone_names_skip_taken_ones)
{
	struct sock *a, *b;
	char next[32];

	snprintf(next, sizeof(next), "%llu", (unsigned long long)st.next_id);
	ck_assert_int_eq(sock_create(&st, KIND_UDP, next, &root, &a), 0);
	ck_assert_int_eq(sock_create(&st, KIND_UDP, NULL, &root, &b), 0);
	ck_assert_str_ne(a->name, b->name);
}
END_TEST

START_TEST(many_sockets_grow_the_table)
{
	struct sock *s;

	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(sock_create(&st, KIND_UDP, NULL, &root, &s), 0);
	ck_assert_uint_eq(st.nsocks, 2000);
	ck_assert_ptr_eq(sock_by_name(&st, KIND_UDP, s->name), s);
	ck_assert_ptr_eq(sock_by_id(&st, s->id), s);
}
END_TEST

START_TEST(waiting_read_is_interrupted)
{
	struct handle *h = bound_udp();
	struct result r;

	ck_assert(start_read(h, 100, false, &r));
	loop_once(&st.loop, 10);
	ck_assert(!r.done);
	waiter_cancel(wqueue_first(&h->sock->readers), -EINTR);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, -EINTR);
}
END_TEST

START_TEST(nonblocking_read_gets_eagain)
{
	struct handle *h = bound_udp();
	struct result r;

	ck_assert(!start_read(h, 100, true, &r));
	ck_assert_int_eq(r.res, -EAGAIN);
}
END_TEST

START_TEST(timeout_ends_a_wait)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	struct result r;
	uint64_t t0 = loop_now_ms();

	ck_assert_int_ge(ctl(h, "set timeout 0.1\nbind 127.0.0.1:0"), 0);
	ck_assert_int_eq(get(h, 100, &r), -ETIMEDOUT);
	ck_assert_uint_ge(loop_now_ms() - t0, 90);
}
END_TEST

START_TEST(closing_ends_waiting_reads)
{
	struct handle *h = bound_udp();
	struct result r;

	ck_assert(start_read(h, 100, false, &r));
	ck_assert_int_ge(ctl(h, "close"), 0);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, 0);
	ck_assert_ptr_null(h->sock);
	drop(h);
}
END_TEST

START_TEST(read_of_new_socket_is_enotconn)
{
	struct handle *h = new_sock(KIND_TCP, NULL);
	struct result r;

	ck_assert_int_eq(get(h, 10, &r), -ENOTCONN);
	ck_assert_int_eq(put(h, "x"), -ENOTCONN);
}
END_TEST

START_TEST(options_before_socket_apply_at_creation)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	int v = 0;
	socklen_t len = sizeof(v);

	ck_assert_int_ge(ctl(h, "set reuseaddr 1\nset v6only 1"), 0);
	ck_assert_int_eq(h->sock->fd, -1);
	ck_assert_int_ge(ctl(h, "bind 127.0.0.1:0"), 0);	/* v6only skipped on IPv4 */
	ck_assert_int_eq(getsockopt(h->sock->fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	ck_assert_int_eq(v, 1);
}
END_TEST

START_TEST(host_names_resolve_off_the_loop)
{
	struct handle *h = new_sock(KIND_UDP, NULL);
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);
	char cmd[64], text[ADDR_TEXT_MAX];

	snprintf(cmd, sizeof(cmd), "connect localhost:%u", port);
	ck_assert_int_ge(ctl(h, cmd), 0);
	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), 0);
	ck_assert_int_eq(ctl(h, "connect no-such-host.invalid:1"), -ENXIO);
	close(peer);
}
END_TEST

/* A unix stream listener on an abstract name (NAME, without the '@'). */
static int abstract_listener(char *name, size_t size, int backlog)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	int n = snprintf(name, size, "sockfs-unit-%d-%d", getpid(), backlog);

	memcpy(sun.sun_path + 1, name, (size_t)n);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)), 0);
	ck_assert_int_eq(listen(lfd, backlog), 0);
	return lfd;
}

START_TEST(unix_abstract_connect)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	char name[64], cmd[80], text[ADDR_TEXT_MAX];
	int lfd = abstract_listener(name, sizeof(name), 1);

	snprintf(cmd, sizeof(cmd), "connect @%s", name);
	ck_assert_int_ge(ctl(h, cmd), 0);
	ck_assert_int_eq(sock_peer_text(h->sock, text, sizeof(text)), 0);
	ck_assert_str_eq(text + 1, name);
	close(lfd);
}
END_TEST

/* A listener whose backlog (listen(0): one connection) is already full. */
static int full_listener(char *cmd, size_t size)
{
	struct handle *first = new_sock(KIND_UNIX, NULL);
	char name[64];
	int lfd = abstract_listener(name, sizeof(name), 0);

	snprintf(cmd, size, "connect @%s", name);
	ck_assert_int_ge(ctl(first, cmd), 0);
	return lfd;
}

static void run_loop_ms(uint64_t ms)
{
	uint64_t start = loop_now_ms();

	while (loop_now_ms() - start < ms)
		loop_once(&st.loop, 10);
}

START_TEST(unix_connect_waits_for_backlog_room)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	struct wait_req rq = request(&r, 0, false);
	char cmd[80];
	int lfd = full_listener(cmd, sizeof(cmd)), c;

	ck_assert_ptr_nonnull(ctl_write(h, &rq, cmd, strlen(cmd)));
	run_loop_ms(150);
	ck_assert(!r.done);
	c = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(wait_for(&r), (ssize_t)strlen(cmd));
	ck_assert_int_eq(h->sock->state, SS_CONNECTED);
	close(c);
	close(lfd);
}
END_TEST

START_TEST(unix_connect_to_full_backlog_nonblocking_or_interrupted)
{
	struct handle *h = new_sock(KIND_UNIX, NULL);
	struct result r;
	struct wait_req rq = request(&r, 0, true);
	struct waiter *w;
	char cmd[80];
	int lfd = full_listener(cmd, sizeof(cmd));

	ck_assert_ptr_null(ctl_write(h, &rq, cmd, strlen(cmd)));
	ck_assert_int_eq(r.res, -EAGAIN);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "backlog is full"));
	rq = request(&r, 0, false);
	w = ctl_write(h, &rq, cmd, strlen(cmd));
	ck_assert_ptr_nonnull(w);
	run_loop_ms(30);
	waiter_cancel(w, -EINTR);
	ck_assert_int_eq(r.res, -EINTR);
	run_loop_ms(150);	/* its retry timer must not fire any more */
	ck_assert_int_ne(h->sock->state, SS_CONNECTED);
	close(lfd);
}
END_TEST

/* A reader holding the rest of its own message is not made to wait behind
 * another reader that waits for the next one (which may never come). */
START_TEST(rest_of_a_message_does_not_wait_behind_other_readers)
{
	struct handle *a = bound_udp(), *b = open_on(a->sock);
	struct result ra, rb;
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);

	ck_assert(start_read(a, 1, false, &ra));
	ck_assert(start_read(b, 1, false, &rb));
	send_to_port(peer, local_port(a->sock), "xyz");
	ck_assert_int_eq(wait_for(&ra), 1);
	ck_assert_int_eq(get(a, 10, &ra), 2);
	ck_assert_str_eq(ra.data, "yz");
	ck_assert_int_eq(get(a, 10, &ra), 0);	/* the message's end */
	ck_assert(!rb.done);
	close(peer);
}
END_TEST

START_TEST(headers_frame_messages_both_ways)
{
	struct handle *h = bound_udp();
	struct result r;
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);
	char out[128], got[16], want[64];
	const char *nl;

	ck_assert_int_ge(ctl(h, "set headers 1"), 0);
	send_to_port(peer, local_port(h->sock), "hi");
	ck_assert_int_gt(get(h, sizeof(r.data) - 1, &r), 0);
	nl = strchr(r.data, '\n');
	ck_assert_ptr_nonnull(nl);
	snprintf(want, sizeof(want), "{\"from\":\"127.0.0.1:%u\",\"length\":2,", port);
	ck_assert_int_eq(strncmp(r.data, want, strlen(want)), 0);
	ck_assert_str_eq(nl + 1, "hi");
	/* A header gives this message alone its destination; the write
	 * counts the header's bytes too. */
	snprintf(out, sizeof(out), "{\"to\": \"127.0.0.1:%u\"}\nback", port);
	ck_assert_int_eq(put(h, out), (ssize_t)strlen(out));
	ck_assert_int_eq(recv(peer, got, sizeof(got), 0), 4);
	ck_assert_int_eq(memcmp(got, "back", 4), 0);
	/* Only the first line is the header: a JSON message follows one. */
	snprintf(out, sizeof(out), "{\"to\": \"127.0.0.1:%u\"}\n{\"json\": 1}", port);
	ck_assert_int_eq(put(h, out), (ssize_t)strlen(out));
	ck_assert_int_eq(recv(peer, got, sizeof(got), 0), 11);
	ck_assert_int_eq(memcmp(got, "{\"json\": 1}", 11), 0);
	ck_assert_int_eq(put(h, "{\"bogus\": 1}\nx"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "unknown key"));
	ck_assert_int_eq(put(h, "{\"to\": \"127.0.0.1:1\"}"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "newline"));
	close(peer);
}
END_TEST

/* A destination of its own on a socket with no descriptor yet makes the
 * socket, as sendto(2) on one never bound would: with a header line, and
 * with the cmsg file.  It is refused as the kernel would refuse the
 * caller (a pid with no capabilities here). */
START_TEST(to_makes_a_new_socket_as_sendto_would)
{
	struct handle *h = new_sock(KIND_UDP, NULL), *g = new_sock(KIND_UDP, NULL);
	struct handle *raw = new_sock(KIND_RAW, NULL);
	struct caller me = { 0, 0, getpid() }, powerless = { 0, 0, 999999 };
	struct result r;
	struct wait_req rq;
	unsigned port;
	int peer = peer_socket(SOCK_DGRAM, &port);
	char out[128], got[16];

	ck_assert_int_ge(ctl(h, "set headers 1"), 0);
	ck_assert_int_lt(h->sock->fd, 0);
	snprintf(out, sizeof(out), "{\"to\": \"127.0.0.1:%u\"}\nnew", port);
	ck_assert_int_eq(put(h, out), (ssize_t)strlen(out));
	ck_assert_int_eq(recv(peer, got, sizeof(got), 0), 3);
	ck_assert_int_eq(memcmp(got, "new", 3), 0);
	snprintf(out, sizeof(out), "{\"to\": \"127.0.0.1:%u\"}", port);
	ck_assert_int_eq(cmsg_put(g, out, strlen(out), &me), (ssize_t)strlen(out));
	rq = request(&r, 0, false);
	rq.who = me;		/* the pending cmsg goes with its writer's writes */
	data_write(g, &rq, "too", 3);
	ck_assert_int_eq(wait_for(&r), 3);
	ck_assert_int_eq(recv(peer, got, sizeof(got), 0), 3);
	ck_assert_int_eq(memcmp(got, "too", 3), 0);
	ck_assert_int_eq(cmsg_put(raw, "{\"to\": \"127.0.0.1\"}", 19, &powerless), -EPERM);
	ck_assert_ptr_nonnull(strstr(raw->sock->err, "CAP_NET_RAW"));
	ck_assert_int_lt(raw->sock->fd, 0);
	close(peer);
}
END_TEST

START_TEST(headers_are_for_message_kinds)
{
	struct handle *h = new_sock(KIND_TCP, NULL);

	ck_assert_int_eq(ctl(h, "set headers 1"), -ENOPROTOOPT);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(create_close_cycles_leak_no_fd)
{
	int before = count_fds();

	for (int i = 0; i < 300; i++) {
		struct handle *h = new_sock(i % 2 ? KIND_UNIXGRAM : KIND_UDP, NULL);
		ck_assert_int_ge(ctl(h, i % 2 ? "set passcred 1" : "bind 127.0.0.1:0"), 0);
		sock_close(h->sock);
		drop(h);
	}
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(status_json_has_the_fields)
{
	struct handle *h = new_sock(KIND_UDP, "st");
	json_t *j;

	ck_assert_int_ge(ctl(h, "set rcvbuf 65536\nbind 127.0.0.1:0"), 0);
	j = sock_status_json(h->sock);
	ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "udp");
	ck_assert_str_eq(json_string_value(json_object_get(j, "family")), "inet");
	ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "bound");
	ck_assert(json_is_null(json_object_get(j, "peer")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "options"), "rcvbuf")), 65536);
	ck_assert(json_is_object(json_object_get(j, "counters")));
	json_decref(j);
}
END_TEST

/* A socket's TLS is tlsup's: nothing until a setting (or a connect by
 * name, kept for starttls) needs it, and gone with tlsup_close. */
START_TEST(tls_state_comes_when_first_needed)
{
	struct handle *h = bound_udp();

	ck_assert_ptr_null(h->sock->tlsstate);
	ck_assert_ptr_null(tlsup_conf(h->sock));
	ck_assert(!tlsup_busy(h->sock));
	ck_assert_str_eq(tlsup_why(h->sock), "");
	h = new_sock(KIND_TCP, NULL);
	ck_assert_int_eq(tlsup_set_opt(h->sock, TLS_ALPN, "h2"), 0);
	ck_assert_ptr_nonnull(h->sock->tlsstate);
	ck_assert_str_eq(tls_conf_get(tlsup_conf(h->sock), TLS_ALPN), "h2");
	ck_assert_ptr_null(tlsup_conn(h->sock));
	ck_assert_ptr_null(tlsup_ctx(h->sock));
	ck_assert_int_eq(tlsup_handshakes(h->sock), 0);
	tlsup_close(h->sock);
	ck_assert_ptr_null(h->sock->tlsstate);
	ck_assert_ptr_null(tlsup_conf(h->sock));
}
END_TEST

Suite *sock_suite(void)
{
	Suite *s = suite_create("sock");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, udp_to_sends_with_sendto_and_autobinds);
	tcase_add_test(tc, udp_peer_follows_connect_and_disconnect);
	tcase_add_test(tc, udp_connected_to_closed_port_reports_refused);
	tcase_add_test(tc, messages_keep_boundaries);
	tcase_add_test(tc, tcp_refused_connect_fails_with_errno);
	tcase_add_test(tc, tcp_streams_both_ways_to_eof);
	tcase_add_test(tc, bad_ctl_write_changes_nothing);
	tcase_add_test(tc, names_are_unique_and_checked);
	tcase_add_test(tc, clone_names_skip_taken_ones);
	tcase_add_test(tc, many_sockets_grow_the_table);
	tcase_add_test(tc, waiting_read_is_interrupted);
	tcase_add_test(tc, nonblocking_read_gets_eagain);
	tcase_add_test(tc, timeout_ends_a_wait);
	tcase_add_test(tc, closing_ends_waiting_reads);
	tcase_add_test(tc, read_of_new_socket_is_enotconn);
	tcase_add_test(tc, options_before_socket_apply_at_creation);
	tcase_add_test(tc, host_names_resolve_off_the_loop);
	tcase_add_test(tc, unix_abstract_connect);
	tcase_add_test(tc, rest_of_a_message_does_not_wait_behind_other_readers);
	tcase_add_test(tc, headers_frame_messages_both_ways);
	tcase_add_test(tc, headers_are_for_message_kinds);
	tcase_add_test(tc, to_makes_a_new_socket_as_sendto_would);
	tcase_add_test(tc, unix_connect_waits_for_backlog_room);
	tcase_add_test(tc, unix_connect_to_full_backlog_nonblocking_or_interrupted);
	tcase_add_test(tc, create_close_cycles_leak_no_fd);
	tcase_add_test(tc, status_json_has_the_fields);
	tcase_add_test(tc, tls_state_comes_when_first_needed);
	suite_add_tcase(s, tc);
	return s;
}
