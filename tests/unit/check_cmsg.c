/* Writing cmsg: the JSON checked as its writer, and who it rides with. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmsgout.h"
#include "fixture.h"
#include "suites.h"

static char why[200];

static int parse(struct sock *s, const struct caller *who, const char *json, struct cmsg_out **c)
{
	why[0] = '\0';
	return cmsg_out_parse(s, json, strlen(json), who, c, why, sizeof(why));
}

START_TEST(good_cmsg_parses)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct cmsg_out *c;

	ck_assert_int_eq(parse(h->sock, &root, "{\"credentials\": {\"pid\": 5, \"uid\": 6, \"gid\": 7},"
			       " \"rights\": [{\"path\": \"/dev/null\", \"mode\": \"rw\"}],"
			       " \"flags\": [\"more\"]}", &c), 0);
	ck_assert(c->has_creds);
	ck_assert_int_eq(c->creds.uid, 6);
	ck_assert_int_eq(c->nfds, 1);
	ck_assert_int_eq(c->flags, MSG_MORE);
	cmsg_out_free(c);
	ck_assert_int_eq(parse(h->sock, &root, "{\"credentials\": \"self\"}", &c), 0);
	ck_assert(!c->has_creds);
	cmsg_out_free(c);
}
END_TEST

START_TEST(bad_cmsg_is_refused_with_a_reason)
{
	struct handle *u = new_sock(KIND_UNIXGRAM, NULL);
	struct handle *i = new_sock(KIND_UDP, NULL);
	struct cmsg_out *c = NULL;

	ck_assert_int_eq(parse(u->sock, &root, "{", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "bad JSON"));
	ck_assert_int_eq(parse(u->sock, &root, "{\"a\": 1, \"a\": 2}", &c), -EINVAL);
	ck_assert_int_eq(parse(u->sock, &root, "{\"rights\": \"/etc/passwd\"}", &c), -EINVAL);
	ck_assert_int_eq(parse(u->sock, &root, "{\"rights\": [{\"path\": \"/dev/null\", \"socket\": \"x/y\"}]}", &c), -EINVAL);
	ck_assert_int_eq(parse(u->sock, &root, "{\"ttl\": 300}", &c), -EINVAL);
	ck_assert_int_eq(parse(i->sock, &root, "{\"credentials\": \"self\"}", &c), -ENOPROTOOPT);
	ck_assert_int_eq(parse(i->sock, &root, "{\"pktinfo\": {\"from\": \"example.com\"}}", &c), -EINVAL);
	ck_assert_int_eq(parse(i->sock, &root, "{\"flags\": \"sideways\"}", &c), -EINVAL);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(others_credentials_need_root)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct caller user = { 1000, 1000, getpid() };
	struct cmsg_out *c;
	char json[128];

	snprintf(json, sizeof(json), "{\"credentials\": {\"pid\": %d, \"uid\": 1000, \"gid\": 1000}}", (int)getpid());
	ck_assert_int_eq(parse(h->sock, &user, json, &c), 0);
	cmsg_out_free(c);
	snprintf(json, sizeof(json), "{\"credentials\": {\"pid\": %d, \"uid\": 0, \"gid\": 1000}}", (int)getpid());
	ck_assert_int_eq(parse(h->sock, &user, json, &c), -EPERM);
	ck_assert_int_eq(parse(h->sock, &user, "{\"credentials\": {\"pid\": 1, \"uid\": 1000, \"gid\": 1000}}", &c), -EPERM);
}
END_TEST

START_TEST(pending_rides_with_the_writers_family_only)
{
	struct handle *h = new_sock(KIND_UNIXGRAM, NULL);
	struct caller me = { 0, 0, getpid() }, stranger = { 0, 0, 999999 };

	ck_assert_int_eq(cmsg_put(h, "{\"flags\": \"more\"}", 17, &me), 17);
	ck_assert_ptr_null(cmsg_out_take(h->sock, &stranger));
	ck_assert_ptr_nonnull(h->sock->pending);
	/* A second write replaces the first. */
	ck_assert_int_eq(cmsg_put(h, "{\"flags\": \"eor\"}", 16, &me), 16);
	struct cmsg_out *c = cmsg_out_take(h->sock, &me);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->flags, MSG_EOR);
	ck_assert_ptr_null(h->sock->pending);
	cmsg_out_free(c);
	ck_assert_int_eq(cmsg_put(h, "nope", 4, &me), -EINVAL);
	ck_assert_ptr_nonnull(strstr(h->sock->err, "cmsg: bad JSON"));
}
END_TEST

Suite *cmsg_suite(void)
{
	Suite *s = suite_create("cmsg");
	TCase *tc = tcase_create("write");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_cmsg_parses);
	tcase_add_test(tc, bad_cmsg_is_refused_with_a_reason);
	tcase_add_test(tc, others_credentials_need_root);
	tcase_add_test(tc, pending_rides_with_the_writers_family_only);
	suite_add_tcase(s, tc);
	return s;
}
