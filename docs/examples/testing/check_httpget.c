/*
 * A Check suite for httpget.c whose fixtures are fake servers scripted
 * through sockfs files: each test makes a listener by writing ctl, runs
 * the server's script in a thread (accept by reading listen, read and
 * write data), calls the client, and asserts on what the client sent and
 * what it made of the server's misbehaviour.  Run it in its own network:
 *     sockfs run -- ./check_httpget
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpget.h"

static const char *mnt;

/* A socket's folder: the mount's path and tcp/N. */
#define SOCK_PATH 512

/* --- sockfs files ------------------------------------------------------ */

/* Writes one or more ctl lines; returns 0 or the write's errno. */
static int ctl(const char *sock, const char *fmt, ...)
{
	char path[PATH_MAX], line[512];
	va_list ap;
	int fd, err = 0;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/ctl", sock);
	fd = open(path, O_WRONLY);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	if (write(fd, line, strlen(line)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Reads a small file (clone, listen, local) into buf, without the \n. */
static void read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	ck_assert_msg(n > 0, "read %s: %s", path, strerror(errno));
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* A new tcp socket: its folder in out. */
static void new_socket(char *out, size_t size)
{
	char path[PATH_MAX], name[64];

	snprintf(path, sizeof(path), "%s/tcp/clone", mnt);
	read_small(path, name, sizeof(name));
	snprintf(out, size, "%s/tcp/%s", mnt, name);
}

static int port_of(const char *sock)
{
	char path[PATH_MAX], addr[128];

	snprintf(path, sizeof(path), "%s/local", sock);
	read_small(path, addr, sizeof(addr));
	return atoi(strrchr(addr, ':') + 1);
}

static int open_data(const char *sock, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/data", sock);
	fd = open(path, flags);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static void close_socket(const char *sock)
{
	ck_assert_msg(rmdir(sock) == 0, "rmdir %s: %s", sock, strerror(errno));
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* --- the fake server ---------------------------------------------------- */

struct peer {
	char listener[SOCK_PATH];
	char conn[SOCK_PATH];
	int port;
	void (*script)(struct peer *);
	const char *answer;
	char request[4096];	/* what the client sent, up to its blank line */
	ssize_t after;		/* bytes the client sent after that, -1: unknown */
	pthread_t thread;
};

/* A listener on a free port, with CTL_LINES (may be "") before bind. */
static void peer_listen(struct peer *p, const char *ctl_lines, int backlog)
{
	new_socket(p->listener, sizeof(p->listener));
	ck_assert_int_eq(ctl(p->listener, "%sbind 127.0.0.1:0\nlisten %d\n", ctl_lines, backlog), 0);
	p->port = port_of(p->listener);
	p->after = -1;
}

static void peer_accept(struct peer *p)
{
	char path[PATH_MAX], name[64];

	snprintf(path, sizeof(path), "%s/listen", p->listener);
	read_small(path, name, sizeof(name));
	snprintf(p->conn, sizeof(p->conn), "%s/tcp/%s", mnt, name);
}

/* Reads the request head a byte at a time, so not a byte more. */
static void peer_read_request(struct peer *p)
{
	int fd = open_data(p->conn, O_RDONLY);
	size_t len = 0;

	while (len < sizeof(p->request) - 1 && read(fd, p->request + len, 1) == 1) {
		len++;
		p->request[len] = '\0';
		if (len >= 4 && strcmp(p->request + len - 4, "\r\n\r\n") == 0)
			break;
	}
	close(fd);
}

/* Writes the answer in writes of CHUNK bytes, PAUSE_MS apart. */
static void peer_write(struct peer *p, size_t chunk, long pause)
{
	int fd = open_data(p->conn, O_WRONLY);
	size_t len = strlen(p->answer);

	if (chunk < len)
		ck_assert_int_eq(ctl(p->conn, "set nodelay 1\n"), 0);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		ck_assert_int_eq(write(fd, p->answer + off, n), (ssize_t)n);
		if (pause)
			pause_ms(pause);
	}
	close(fd);
}

/* Half-closes, then reads what the client still sends, to its end. */
static void peer_half_close_and_drain(struct peer *p)
{
	char buf[256];
	int fd;
	ssize_t n;

	ck_assert_int_eq(ctl(p->conn, "shutdown wr\n"), 0);
	fd = open_data(p->conn, O_RDONLY);
	p->after = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		p->after += n;
	close(fd);
}

static void script_whole(struct peer *p)
{
	peer_accept(p);
	peer_read_request(p);
	peer_write(p, SIZE_MAX, 0);
	peer_half_close_and_drain(p);
	close_socket(p->conn);
}

static void script_bytewise(struct peer *p)
{
	peer_accept(p);
	peer_read_request(p);
	peer_write(p, 1, 2);
	peer_half_close_and_drain(p);
	close_socket(p->conn);
}

static void script_chunks(struct peer *p)
{
	peer_accept(p);
	peer_read_request(p);
	peer_write(p, 5, 2);
	peer_half_close_and_drain(p);
	close_socket(p->conn);
}

/* SO_LINGER 0 and close: an RST. */
static void script_reset(struct peer *p)
{
	peer_accept(p);
	peer_read_request(p);
	ck_assert_int_eq(ctl(p->conn, "set linger 0\nclose\n"), 0);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	p->script(p);
	return NULL;
}

static void peer_start(struct peer *p, void (*script)(struct peer *), const char *answer)
{
	p->script = script;
	p->answer = answer;
	ck_assert_int_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

static void peer_join(struct peer *p)
{
	pthread_join(p->thread, NULL);
	close_socket(p->listener);
}

static void expect_request(struct peer *p, const char *path)
{
	char want[512];

	snprintf(want, sizeof(want), "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n", path, p->port);
	ck_assert_str_eq(p->request, want);
}

/* --- the tests ---------------------------------------------------------- */

#define OK_ANSWER "HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nhello, world"

START_TEST(sends_exactly_the_request)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_whole, OK_ANSWER);
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/index.html", 5000, &r), 0);
	peer_join(&p);
	expect_request(&p, "/index.html");
	ck_assert_int_eq(p.after, 0);	/* and not a byte more */
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "hello, world");
	http_response_free(&r);
}
END_TEST

START_TEST(answer_byte_by_byte)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_bytewise, OK_ANSWER);
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 5000, &r), 0);
	peer_join(&p);
	expect_request(&p, "/");
	ck_assert_int_eq(p.after, 0);
	ck_assert_str_eq(r.body, "hello, world");
	http_response_free(&r);
}
END_TEST

START_TEST(answer_in_chunks)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_chunks, "HTTP/1.0 404 Not Found\r\nContent-Length: 4\r\n\r\ngone");
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/missing", 5000, &r), 0);
	peer_join(&p);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, "gone");
	http_response_free(&r);
}
END_TEST

/* No Content-Length: the body is what comes before the server's FIN. */
START_TEST(body_ends_at_half_close)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_whole, "HTTP/1.0 200 OK\r\n\r\nto the end");
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 5000, &r), 0);
	peer_join(&p);
	ck_assert_str_eq(r.body, "to the end");
	ck_assert_int_eq(p.after, 0);	/* the client closed without more */
	http_response_free(&r);
}
END_TEST

START_TEST(short_body_is_an_error)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_whole, "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\ncut");
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 5000, &r), -EPROTO);
	peer_join(&p);
}
END_TEST

START_TEST(reset_is_econnreset)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_reset, NULL);
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 5000, &r), -ECONNRESET);
	peer_join(&p);
	expect_request(&p, "/");
}
END_TEST

/* A server that never reads, with the smallest receive buffer: a large
 * upload fills it and the client's send buffer, and the send times out. */
START_TEST(stalled_server_times_out_the_send)
{
	struct peer p;
	struct http_response r;
	size_t len = 32u << 20;
	char *body = calloc(1, len);

	peer_listen(&p, "set rcvbuf 1\n", 8);
	ck_assert_int_eq(http_request("POST", "127.0.0.1", p.port, "/upload", body, len, 500, &r),
			 -ETIMEDOUT);
	close_socket(p.listener);
	free(body);
}
END_TEST

/* Connections waiting in the listener's queue: reads of listen until
 * one would wait (O_NONBLOCK: EAGAIN). */
static int queued(struct peer *p)
{
	char path[PATH_MAX], name[64];
	int n = 0, fd;

	snprintf(path, sizeof(path), "%s/listen", p->listener);
	for (;;) {
		fd = open(path, O_RDONLY | O_NONBLOCK);
		ck_assert_int_ge(fd, 0);
		ssize_t len = read(fd, name, sizeof(name));
		int err = errno;
		close(fd);
		if (len < 0) {
			ck_assert_int_eq(err, EAGAIN);
			return n;
		}
		n++;
	}
}

/* listen 0 and one connection never accepted: the backlog is full, the
 * kernel drops the client's SYNs, the connect times out. */
START_TEST(full_backlog_times_out_the_connect)
{
	struct peer p;
	char filler[SOCK_PATH];
	struct http_response r;

	peer_listen(&p, "", 0);
	new_socket(filler, sizeof(filler));
	ck_assert_int_eq(ctl(filler, "connect 127.0.0.1:%d\n", p.port), 0);
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 500, &r), -ETIMEDOUT);
	/* It was the connect that timed out: only the filler is queued. */
	ck_assert_int_eq(queued(&p), 1);
	close_socket(filler);
	close_socket(p.listener);
}
END_TEST

/* Bound and not listening: the port is taken and answers SYNs with RST. */
START_TEST(refused_is_econnrefused)
{
	char s[SOCK_PATH];
	struct http_response r;

	new_socket(s, sizeof(s));
	ck_assert_int_eq(ctl(s, "bind 127.0.0.1:0\n"), 0);
	ck_assert_int_eq(http_get("127.0.0.1", port_of(s), "/", 5000, &r), -ECONNREFUSED);
	close_socket(s);
}
END_TEST

/* A server that accepts, reads and never answers: the receive times out. */
static void script_silent(struct peer *p)
{
	peer_accept(p);
	peer_read_request(p);
}

START_TEST(silent_server_times_out_the_receive)
{
	struct peer p;
	struct http_response r;

	peer_listen(&p, "", 8);
	peer_start(&p, script_silent, NULL);
	ck_assert_int_eq(http_get("127.0.0.1", p.port, "/", 300, &r), -ETIMEDOUT);
	peer_join(&p);
	expect_request(&p, "/");
	close_socket(p.conn);
}
END_TEST

static Suite *httpget_suite(void)
{
	Suite *s = suite_create("httpget");
	TCase *tc = tcase_create("fake servers");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sends_exactly_the_request);
	tcase_add_test(tc, answer_byte_by_byte);
	tcase_add_test(tc, answer_in_chunks);
	tcase_add_test(tc, body_ends_at_half_close);
	tcase_add_test(tc, short_body_is_an_error);
	tcase_add_test(tc, reset_is_econnreset);
	tcase_add_test(tc, stalled_server_times_out_the_send);
	tcase_add_test(tc, full_backlog_times_out_the_connect);
	tcase_add_test(tc, refused_is_econnrefused);
	tcase_add_test(tc, silent_server_times_out_the_receive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	mnt = getenv("SOCKFS_MNT");
	if (mnt == NULL) {
		fprintf(stderr, "check_httpget: run it as: sockfs run -- %s\n", "check_httpget");
		return 2;
	}
	sr = srunner_create(httpget_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
