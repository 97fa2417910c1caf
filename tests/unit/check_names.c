/* fs's set of named sockets (fs/names.c): ids noted and taken back, growth
 * past many, and removals that must leave every other id findable. */
#include "config.h"

#include <stdlib.h>

#include "names.h"
#include "suites.h"

START_TEST(take_says_whether_noted)
{
	struct names n = { 0 };

	ck_assert(!names_take(&n, 7));	/* empty, never allocated */
	ck_assert(names_add(&n, 7));
	ck_assert(names_add(&n, 7));	/* twice is once */
	ck_assert_uint_eq(n.used, 1);
	ck_assert(!names_take(&n, 8));
	ck_assert(names_take(&n, 7));
	ck_assert(!names_take(&n, 7));
	ck_assert_uint_eq(n.used, 0);
	names_fini(&n);
}
END_TEST

START_TEST(grows_and_keeps_every_id)
{
	struct names n = { 0 };

	for (uint64_t id = 1; id <= 10000; id++)
		ck_assert(names_add(&n, id));
	ck_assert_uint_eq(n.used, 10000);
	ck_assert_uint_ge(n.size, 20000);	/* at most half full */
	/* Every other one goes; the rest must still be found. */
	for (uint64_t id = 2; id <= 10000; id += 2)
		ck_assert(names_take(&n, id));
	for (uint64_t id = 1; id <= 10000; id++)
		ck_assert_int_eq(names_take(&n, id), id % 2 == 1);
	ck_assert_uint_eq(n.used, 0);
	names_fini(&n);
}
END_TEST

/* Random adds and takes in a small range, so that searches collide and
 * removals shift ids back across the end of the table; checked against
 * a plain array. */
START_TEST(matches_a_plain_set)
{
	enum { RANGE = 300 };
	struct names n = { 0 };
	bool in[RANGE + 1] = { false };
	size_t count = 0;

	srand(1);
	for (int i = 0; i < 200000; i++) {
		uint64_t id = 1 + (uint64_t)rand() % RANGE;
		if (rand() % 2) {
			ck_assert(names_add(&n, id));
			count += !in[id];
			in[id] = true;
		} else {
			ck_assert_int_eq(names_take(&n, id), in[id]);
			count -= in[id];
			in[id] = false;
		}
		ck_assert_uint_eq(n.used, count);
	}
	for (uint64_t id = 1; id <= RANGE; id++)
		ck_assert_int_eq(names_take(&n, id), in[id]);
	names_fini(&n);
	ck_assert_ptr_null(n.slot);
}
END_TEST

Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, take_says_whether_noted);
	tcase_add_test(tc, grows_and_keeps_every_id);
	tcase_add_test(tc, matches_a_plain_set);
	suite_add_tcase(s, tc);
	return s;
}
