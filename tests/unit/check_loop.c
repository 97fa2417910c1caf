#include "config.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "suites.h"

static struct loop l;
static int order[8], norder;

static void setup(void)
{
	ck_assert_int_eq(loop_init(&l), 0);
	norder = 0;
}

static void teardown(void)
{
	loop_fini(&l);
}

struct tagged {
	struct timer t;
	int tag;
};

static void record(struct timer *t)
{
	order[norder++] = ((struct tagged *)t)->tag;
}

START_TEST(timers_fire_in_deadline_order)
{
	struct tagged a = { .tag = 1 }, b = { .tag = 2 }, c = { .tag = 3 }, d = { .tag = 4 };
	uint64_t start = loop_now_ms();

	timer_init(&a.t, record);
	timer_init(&b.t, record);
	timer_init(&c.t, record);
	timer_init(&d.t, record);
	timer_arm(&l, &a.t, 30);
	timer_arm(&l, &b.t, 10);
	timer_arm(&l, &c.t, 20);
	timer_arm(&l, &d.t, 15);
	timer_cancel(&l, &d.t);
	ck_assert(!timer_armed(&d.t));
	while (norder < 3 && loop_now_ms() - start < 2000)
		loop_once(&l, 100);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 3);
	ck_assert_int_eq(order[2], 1);
	ck_assert_uint_ge(loop_now_ms() - start, 30);
}
END_TEST

static int fired;
static void on_readable(void *arg, uint32_t ev)
{
	char c;
	fired++;
	ck_assert(ev & EPOLLIN);
	ck_assert_int_eq(read(*(int *)arg, &c, 1), 1);
}

START_TEST(watch_dispatches_and_unwatches)
{
	int p[2];
	struct loop_watch w;

	ck_assert_int_eq(pipe(p), 0);
	loop_watch_init(&w, p[0], on_readable, &p[0]);
	ck_assert_int_eq(loop_set(&l, &w, EPOLLIN), 0);
	fired = 0;
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	loop_once(&l, 1000);
	ck_assert_int_eq(fired, 1);
	loop_unwatch(&l, &w);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	loop_once(&l, 50);
	ck_assert_int_eq(fired, 1);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timers_fire_in_deadline_order);
	tcase_add_test(tc, watch_dispatches_and_unwatches);
	suite_add_tcase(s, tc);
	return s;
}
