/* The one list: appends, prepends, removals anywhere, and walking while
 * removing. */
#include "config.h"

#include "list.h"
#include "suites.h"

struct item {
	int v;
	struct link link;
};

/* The values of L in order, as digits: "123". */
static const char *order(const struct list *l)
{
	static char s[16];
	size_t n = 0;

	for (const struct link *it = l->head; it && n < sizeof(s) - 1; it = it->next)
		s[n++] = (char)('0' + list_entry(it, const struct item, link)->v);
	s[n] = '\0';
	return s;
}

START_TEST(appends_and_prepends_keep_order)
{
	struct list l = { 0 };
	struct item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };

	ck_assert(list_empty(&l));
	list_append(&l, &b.link);
	list_append(&l, &c.link);
	list_prepend(&l, &a.link);
	ck_assert_str_eq(order(&l), "123");
	ck_assert_ptr_eq(list_item(l.tail, struct item, link), &c);
	ck_assert_ptr_null(list_item(a.link.prev, struct item, link));
}
END_TEST

START_TEST(removes_from_head_middle_and_tail)
{
	struct list l = { 0 };
	struct item it[4] = { { .v = 1 }, { .v = 2 }, { .v = 3 }, { .v = 4 } };

	for (int i = 0; i < 4; i++)
		list_append(&l, &it[i].link);
	list_remove(&l, &it[1].link);
	ck_assert_str_eq(order(&l), "134");
	list_remove(&l, &it[0].link);
	ck_assert_str_eq(order(&l), "34");
	list_remove(&l, &it[3].link);
	ck_assert_str_eq(order(&l), "3");
	ck_assert_ptr_eq(list_pop(&l), &it[2].link);
	ck_assert(list_empty(&l));
	ck_assert_ptr_null(l.tail);
	ck_assert_ptr_null(list_pop(&l));
}
END_TEST

START_TEST(walk_survives_removing_the_current)
{
	struct list l = { 0 };
	struct item it[5] = { { .v = 1 }, { .v = 2 }, { .v = 3 }, { .v = 4 }, { .v = 5 } };
	struct link *cur, *next;

	for (int i = 0; i < 5; i++)
		list_append(&l, &it[i].link);
	list_each(cur, next, &l) {
		if (list_entry(cur, struct item, link)->v % 2 == 0)
			list_remove(&l, cur);
	}
	ck_assert_str_eq(order(&l), "135");
}
END_TEST

Suite *list_suite(void)
{
	Suite *s = suite_create("list");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, appends_and_prepends_keep_order);
	tcase_add_test(tc, removes_from_head_middle_and_tail);
	tcase_add_test(tc, walk_survives_removing_the_current);
	suite_add_tcase(s, tc);
	return s;
}
