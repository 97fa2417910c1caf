/* Received files (fileN): reads and writes of regular files at offsets and
 * of pipes that wait, and how a waiting request ends: data, EOF, an
 * interrupt, the socket's timeout (which does not apply), O_NONBLOCK, and
 * rm fileN.  The stack is driven alone, the test playing the fs layer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "rfile.h"
#include "rights.h"
#include "suites.h"

/* Gives FD to H's socket as a received file, as a message's SCM_RIGHTS
 * would; returns its slot (N of fileN), or -1 when it was refused. */
/* The stack closes what it drops on a worker (a close on FUSE waits for
 * a FLUSH): wait up to two seconds for FD to be gone. */
static bool gone_soon(int fd)
{
	for (int i = 0; i < 200; i++) {
		if (fcntl(fd, F_GETFD) < 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* ... and for a write on a pipe whose other end it held to fail. */
static int epipe_soon(int fd)
{
	for (int i = 0; i < 200; i++) {
		if (write(fd, "x", 1) < 0)
			return errno;
		usleep(10000);
	}
	return 0;
}

static int give_file(struct handle *h, int fd)
{
	struct meta_fds fds = { 1, { fd } };
	struct msg_meta m;

	memset(&m, 0, sizeof(m));
	rights_home(h->sock, &fds, &m);
	if (m.nrights != 1)
		return -1;
	ck_assert_int_eq(strncmp(m.rights[0], "file", 4), 0);
	return atoi(m.rights[0] + 4);
}

/* A received pipe, read end (RECEIVED_READS) or write end: returns its
 * slot; *OTHER is the test's end. */
static int give_pipe(struct handle *h, bool received_reads, int *other)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	*other = received_reads ? p[1] : p[0];
	return give_file(h, received_reads ? p[0] : p[1]);
}

static bool file_read(struct handle *h, int slot, off_t off, size_t len, bool nonblock,
		      struct result *r, struct waiter **wp)
{
	struct wait_req rq = request(r, len, nonblock);
	struct waiter *w = rfile_read(h, slot, &rq, off);

	if (wp)
		*wp = w;
	return w != NULL;
}

static bool file_write(struct handle *h, int slot, off_t off, const char *data, size_t len,
		       bool nonblock, struct result *r, struct waiter **wp)
{
	struct wait_req rq = request(r, 0, nonblock);
	struct waiter *w = rfile_write(h, slot, &rq, data, len, off);

	if (wp)
		*wp = w;
	return w != NULL;
}

/* Runs the loop for MS milliseconds. */
static void run_loop_for(unsigned ms)
{
	uint64_t start = loop_now_ms();

	while (loop_now_ms() - start < ms)
		loop_once(&st.loop, 10);
}

/* A received pipe's write end with no room left (one page, full);
 * *READER is the test's end. */
static int give_full_pipe(struct handle *h, int *reader)
{
	static char junk[65536];
	int p[2];

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	while (write(p[1], junk, sizeof(junk)) > 0)
		;
	ck_assert_int_eq(errno, EAGAIN);
	*reader = p[0];
	return give_file(h, p[1]);
}

/* Reads what waits in pipe end FD. */
static void drain(int fd)
{
	static char junk[65536];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

START_TEST(regular_file_reads_and_writes_at_offsets)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	char path[] = "/tmp/sockfs-rfile.XXXXXX", back[16] = { 0 };
	int fd = mkstemp(path), check = open(path, O_RDONLY);
	struct result r;
	int slot;

	unlink(path);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	slot = give_file(h, fd);
	ck_assert_int_ge(slot, 0);

	ck_assert(file_read(h, slot, 3, 4, false, &r, NULL));	/* on a worker */
	ck_assert_int_eq(wait_for(&r), 4);
	ck_assert_int_eq(memcmp(r.data, "3456", 4), 0);
	ck_assert(file_read(h, slot, 8, 100, false, &r, NULL));	/* on a worker */
	ck_assert_int_eq(wait_for(&r), 2);
	ck_assert(file_read(h, slot, 10, 100, false, &r, NULL));	/* on a worker */
	ck_assert_int_eq(wait_for(&r), 0);	/* end of file */

	ck_assert(file_write(h, slot, 2, "XY", 2, false, &r, NULL));	/* on a worker */
	ck_assert_int_eq(wait_for(&r), 2);
	ck_assert(file_write(h, slot, 12, "end", 3, false, &r, NULL));	/* on a worker */
	ck_assert_int_eq(wait_for(&r), 3);
	ck_assert_int_eq(pread(check, back, sizeof(back), 0), 15);
	ck_assert_int_eq(memcmp(back, "01XY456789\0\0end", 15), 0);
	close(check);
}
END_TEST

START_TEST(pipe_read_waits_for_data_and_sees_eof)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct result r;
	int other, slot = give_pipe(h, true, &other);

	ck_assert(!file_read(h, slot, 0, 100, true, &r, NULL));
	ck_assert_int_eq(r.res, -EAGAIN);	/* O_NONBLOCK, empty */
	ck_assert(file_read(h, slot, 0, 100, false, &r, NULL));
	run_loop_for(50);
	ck_assert(!r.done);
	ck_assert_int_eq(write(other, "hello", 5), 5);
	ck_assert_int_eq(wait_for(&r), 5);
	ck_assert_int_eq(memcmp(r.data, "hello", 5), 0);

	ck_assert(file_read(h, slot, 5, 100, false, &r, NULL));
	close(other);
	ck_assert_int_eq(wait_for(&r), 0);	/* the writer's end closed */
}
END_TEST

/* The bug this suite was written for: a write parked at file offset 4096
 * and then interrupted reported 4096 bytes written. */
START_TEST(interrupted_pipe_write_reports_eintr_not_its_offset)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct result r;
	struct waiter *w;
	int reader, slot = give_full_pipe(h, &reader);

	ck_assert(!file_write(h, slot, 4096, "more", 4, true, &r, NULL));
	ck_assert_int_eq(r.res, -EAGAIN);	/* O_NONBLOCK, full */
	ck_assert(file_write(h, slot, 4096, "more", 4, false, &r, &w));
	run_loop_for(30);
	ck_assert(!r.done);
	waiter_cancel(w, -EINTR);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, -EINTR);	/* nothing was written */
	/* And nothing is: the pipe, drained, holds none of it. */
	drain(reader);
	run_loop_for(30);
	ck_assert_int_eq(read(reader, r.data, sizeof(r.data)), -1);
	close(reader);
}
END_TEST

START_TEST(interrupted_pipe_read_reports_eintr)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct result r;
	struct waiter *w;
	int other, slot = give_pipe(h, true, &other);

	ck_assert(file_read(h, slot, 4096, 100, false, &r, &w));
	waiter_cancel(w, -EINTR);
	ck_assert(r.done);
	ck_assert_int_eq(r.res, -EINTR);
	/* Nothing is left waiting: data now stays for the next read. */
	ck_assert_int_eq(write(other, "x", 1), 1);
	run_loop_for(30);
	ck_assert(!file_read(h, slot, 4096, 100, false, &r, NULL));
	ck_assert_int_eq(r.res, 1);
	close(other);
}
END_TEST

/* `set timeout` times the socket's own reads, writes and connects; a
 * received file is another file, whose waits end as a pipe's would: on
 * data or room, end of file, a signal, or rm fileN. */
START_TEST(socket_timeout_does_not_end_file_waits)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct result rr, wr;
	int writer, reader;
	int rslot = give_pipe(h, true, &writer), wslot = give_full_pipe(h, &reader);

	ck_assert_int_eq(ctl(h, "set timeout 0.05"), (ssize_t)strlen("set timeout 0.05"));
	ck_assert(file_read(h, rslot, 0, 100, false, &rr, NULL));
	ck_assert(file_write(h, wslot, 4096, "late", 4, false, &wr, NULL));
	run_loop_for(200);
	ck_assert_msg(!rr.done, "the read ended with %zd", rr.res);
	ck_assert_msg(!wr.done, "the write ended with %zd", wr.res);
	ck_assert_int_eq(write(writer, "data", 4), 4);
	ck_assert_int_eq(wait_for(&rr), 4);
	drain(reader);
	ck_assert_int_eq(wait_for(&wr), 4);
	ck_assert_str_eq(h->sock->err, "");
	close(writer);
	close(reader);
}
END_TEST

START_TEST(short_write_reports_what_the_pipe_took)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	static char big[10000], got[10000];
	struct result r;
	int other, slot = give_pipe(h, false, &other);

	memset(big, 'b', sizeof(big));
	ck_assert_int_eq(fcntl(other, F_SETPIPE_SZ, 4096), 4096);
	ck_assert(!file_write(h, slot, 0, big, sizeof(big), false, &r, NULL));
	ck_assert_int_eq(r.res, 4096);
	ck_assert_int_eq(read(other, got, sizeof(got)), 4096);
	close(other);
}
END_TEST

START_TEST(rm_ends_waiting_requests)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct result rr, wr;
	int writer, reader;
	int rslot = give_pipe(h, true, &writer), wslot = give_full_pipe(h, &reader);

	ck_assert(file_read(h, rslot, 0, 100, false, &rr, NULL));
	ck_assert(file_write(h, wslot, 4096, "late", 4, false, &wr, NULL));
	ck_assert_int_eq(rfile_close(h->sock, rslot), 0);
	ck_assert(rr.done);
	ck_assert_int_eq(rr.res, 0);		/* a waiting read sees the end */
	ck_assert_int_eq(rfile_close(h->sock, wslot), 0);
	ck_assert(wr.done);
	ck_assert_int_eq(wr.res, -EBADF);	/* a waiting write cannot go on */
	ck_assert(!file_read(h, rslot, 0, 100, false, &rr, NULL));
	ck_assert_int_eq(rr.res, -ENOENT);	/* the slot is gone */
	ck_assert_int_eq(rfile_close(h->sock, rslot), -ENOENT);
	/* The stack closed its ends: ours see that. */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(epipe_soon(writer), EPIPE);
	close(writer);
	close(reader);
}
END_TEST

START_TEST(sixty_four_files_at_most)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	int fd;

	for (int i = 0; i < SOCK_FILES_MAX; i++)
		ck_assert_int_eq(give_file(h, open("/dev/null", O_RDONLY)), i);
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(give_file(h, fd), -1);
	ck_assert(gone_soon(fd));	/* refused and closed */
	ck_assert_int_eq(rfile_close(h->sock, 10), 0);
	ck_assert_int_eq(give_file(h, open("/dev/null", O_RDONLY)), 10);
}
END_TEST

/* The slots are rfile's: made with a socket's first received file, gone
 * with them all; a socket that never receives a file carries none. */
START_TEST(slots_come_with_the_first_file)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_ptr_null(h->sock->rfiles);
	ck_assert_ptr_null(rfile_get(h->sock, 0));
	ck_assert_int_eq(give_file(h, fd), 0);
	ck_assert_ptr_nonnull(h->sock->rfiles);
	ck_assert_ptr_nonnull(rfile_get(h->sock, 0));
	ck_assert_ptr_null(rfile_get(h->sock, 1));
	ck_assert_ptr_null(rfile_get(h->sock, -1));
	ck_assert_ptr_null(rfile_get(h->sock, SOCK_FILES_MAX));
	rfile_close_all(h->sock);
	ck_assert_ptr_null(h->sock->rfiles);
	ck_assert_ptr_null(rfile_get(h->sock, 0));
	ck_assert(gone_soon(fd));
}
END_TEST

Suite *rfile_suite(void)
{
	Suite *s = suite_create("rfile");
	TCase *tc = tcase_create("rfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, regular_file_reads_and_writes_at_offsets);
	tcase_add_test(tc, pipe_read_waits_for_data_and_sees_eof);
	tcase_add_test(tc, interrupted_pipe_write_reports_eintr_not_its_offset);
	tcase_add_test(tc, interrupted_pipe_read_reports_eintr);
	tcase_add_test(tc, socket_timeout_does_not_end_file_waits);
	tcase_add_test(tc, short_write_reports_what_the_pipe_took);
	tcase_add_test(tc, rm_ends_waiting_requests);
	tcase_add_test(tc, sixty_four_files_at_most);
	tcase_add_test(tc, slots_come_with_the_first_file);
	suite_add_tcase(s, tc);
	return s;
}
