/* Message metadata: control messages parsed, and which reader's message
 * cmsg describes to whom. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "meta.h"
#include "status.h"
#include "suites.h"

/* Logs that PID read a message of LEN bytes. */
static void add(struct reader_log **log, pid_t pid, size_t len)
{
	struct msg_meta *m = reader_log_next(log, pid);

	ck_assert_ptr_nonnull(m);
	memset(m, 0, sizeof(*m));
	m->len = len;
}

START_TEST(log_prefers_the_reader_itself)
{
	struct reader_log *log = NULL;
	pid_t me = getpid();

	ck_assert_ptr_null(reader_log_find(log, me));
	add(&log, me, 1);
	add(&log, 999999, 2);	/* a stranger, later */
	ck_assert_int_eq(reader_log_find(log, me)->len, 1);
	free(log);
}
END_TEST

START_TEST(log_falls_back_to_family_then_anyone)
{
	struct reader_log *log = NULL;

	/* My parent read it (a shell's `read` builtin, say). */
	add(&log, getppid(), 7);
	add(&log, 999999, 8);
	ck_assert_int_eq(reader_log_find(log, getpid())->len, 7);
	/* Nobody related: the last message of all. */
	ck_assert_int_eq(reader_log_find(log, 1)->len, 8);
	free(log);
}
END_TEST

START_TEST(log_keeps_a_loop_readers_parent)
{
	struct reader_log *log = NULL;

	/* The second message of the same reader takes its parent from the
	 * first entry: my parent, asking, finds my newest message. */
	add(&log, getpid(), 1);
	add(&log, getpid(), 2);
	ck_assert_int_eq(reader_log_find(log, getppid())->len, 2);
	free(log);
}
END_TEST

START_TEST(log_keeps_the_last_sixteen)
{
	struct reader_log *log = NULL;

	for (size_t i = 1; i <= READER_LOG_SIZE + 4; i++)
		add(&log, (pid_t)(100000 + i), i);
	/* Readers 1-4 were pushed out (their pids match nothing now, so
	 * they get the newest message); reader 5 is still there. */
	ck_assert_int_eq(reader_log_find(log, 100004)->len, READER_LOG_SIZE + 4);
	ck_assert_int_eq(reader_log_find(log, 100005)->len, 5);
	free(log);
}
END_TEST

START_TEST(proc_ppid_reads_proc)
{
	ck_assert_int_eq(proc_ppid(getpid()), getppid());
	ck_assert_int_eq(proc_ppid(0), 0);
}
END_TEST

START_TEST(udp_read_records_source_and_pktinfo)
{
	struct handle *h = bound_udp();
	unsigned port, mine = local_port(h->sock);
	int peer = peer_socket(SOCK_DGRAM, &port);
	struct result r;
	const struct msg_meta *m;
	json_t *j;
	char want[32];

	send_to_port(peer, mine, "hello");
	ck_assert_int_eq(get(h, 100, &r), 5);
	m = reader_log_find(h->sock->log, root.pid);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->len, 5);
	ck_assert(m->has_pktinfo);
	ck_assert_int_eq(m->ifindex, 1);
	j = msg_meta_json(h->sock, m);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	ck_assert_str_eq(json_string_value(json_object_get(j, "from")), want);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "pktinfo"), "to")),
			 "127.0.0.1");
	ck_assert_int_eq(json_array_size(json_object_get(j, "flags")), 0);
	json_decref(j);
	j = msg_meta_json(h->sock, NULL);
	ck_assert_int_eq(json_object_size(j), 0);
	json_decref(j);
	close(peer);
}
END_TEST

Suite *meta_suite(void)
{
	Suite *s = suite_create("meta");
	TCase *tc = tcase_create("log");
	TCase *io = tcase_create("loopback");

	tcase_add_test(tc, log_prefers_the_reader_itself);
	tcase_add_test(tc, log_falls_back_to_family_then_anyone);
	tcase_add_test(tc, log_keeps_a_loop_readers_parent);
	tcase_add_test(tc, log_keeps_the_last_sixteen);
	tcase_add_test(tc, proc_ppid_reads_proc);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(io, setup, teardown);
	tcase_add_test(io, udp_read_records_source_and_pktinfo);
	suite_add_tcase(s, io);
	return s;
}
