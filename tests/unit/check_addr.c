#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "text.h"
#include "suites.h"

static struct saddr a;
static struct hostport hp;
static const char *why;

static const char *roundtrip(enum kind k, const char *text)
{
	static char buf[ADDR_TEXT_MAX];

	ck_assert_int_eq(addr_parse(k, text, &a, &hp, &why), ADDR_NUMERIC);
	addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf));
	return buf;
}

START_TEST(ipv4)
{
	ck_assert_str_eq(roundtrip(KIND_UDP, "127.0.0.1:80"), "127.0.0.1:80");
	ck_assert_int_eq(a.ss.ss_family, AF_INET);
	ck_assert_str_eq(roundtrip(KIND_TCP, "*:8080"), "0.0.0.0:8080");
	ck_assert_str_eq(roundtrip(KIND_TCP, "10.1.2.3:65535"), "10.1.2.3:65535");
}
END_TEST

START_TEST(ipv6)
{
	ck_assert_str_eq(roundtrip(KIND_TCP, "[::1]:80"), "[::1]:80");
	ck_assert_int_eq(a.ss.ss_family, AF_INET6);
	ck_assert_str_eq(roundtrip(KIND_UDP, "[::]:0"), "[::]:0");
	ck_assert_str_eq(roundtrip(KIND_UDP, "[fe80::1%lo]:5"), "[fe80::1%lo]:5");
}
END_TEST

START_TEST(no_port_kinds)
{
	ck_assert_str_eq(roundtrip(KIND_ICMP, "127.0.0.1"), "127.0.0.1:0");
	ck_assert_str_eq(roundtrip(KIND_ICMP, "::1"), "[::1]:0");
	ck_assert_str_eq(roundtrip(KIND_RAW, "[::1]"), "[::1]:0");
}
END_TEST

START_TEST(host_names)
{
	ck_assert_int_eq(addr_parse(KIND_TCP, "localhost:80", &a, &hp, &why), ADDR_NAME);
	ck_assert_str_eq(hp.host, "localhost");
	ck_assert_uint_eq(hp.port, 80);
	ck_assert_int_eq(addr_parse(KIND_UDP, "my-host.example:53", &a, &hp, &why), ADDR_NAME);
	ck_assert_str_eq(hp.host, "my-host.example");
}
END_TEST

START_TEST(inet_errors)
{
	const char *bad[] = { "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
			      "127.0.0.1:-1", "127.0.0.1:8x", "[::1", "[::1]x",
			      "::1:80", "bad host:1", "-x:1", "[nothost]:1", "a/b:1" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(addr_parse(KIND_TCP, bad[i], &a, &hp, &why) == -EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

/* A dotted quad out of range (and any host whose last label is all digits)
 * is a mistyped address: EINVAL with the reason, never a name to look up. */
START_TEST(mistyped_addresses)
{
	const char *bad[] = { "300.1.1.1:80", "10.0.0.256:1", "1.2.3.4.5:1", "4294967296:1",
			      "example.123:1", "300.1.1.1.:80" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(addr_parse(KIND_TCP, bad[i], &a, &hp, &why) == -EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(addr_parse(KIND_TCP, "300.1.1.1:80", &a, &hp, &why), -EINVAL);
	ck_assert_str_eq(why, "not an IPv4 address: four numbers from 0 to 255, as 192.0.2.1");
	ck_assert_int_eq(addr_parse(KIND_TCP, "host1.example:1", &a, &hp, &why), ADDR_NAME);
	ck_assert_int_eq(addr_parse(KIND_TCP, "1.example.:1", &a, &hp, &why), ADDR_NAME);
	ck_assert_int_eq(addr_parse(KIND_TCP, "123abc:1", &a, &hp, &why), ADDR_NAME);
}
END_TEST

START_TEST(unix_paths)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a.ss;

	ck_assert_str_eq(roundtrip(KIND_UNIX, "/tmp/x.sock"), "/tmp/x.sock");
	ck_assert_str_eq(sun->sun_path, "/tmp/x.sock");
	ck_assert_str_eq(roundtrip(KIND_UNIXGRAM, "@abs"), "@abs");
	ck_assert_int_eq(sun->sun_path[0], '\0');
	ck_assert_int_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 4);
}
END_TEST

START_TEST(unix_errors)
{
	char longpath[200];

	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(addr_parse(KIND_UNIX, "relative/path", &a, &hp, &why), ADDR_NUMERIC);
	ck_assert_str_eq(((struct sockaddr_un *)&a.ss)->sun_path, "relative/path");
	ck_assert_int_eq(addr_parse(KIND_UNIX, "localhost:80", &a, &hp, &why), -EINVAL);
	ck_assert_int_eq(addr_parse(KIND_UNIX, "./localhost:80", &a, &hp, &why), ADDR_NUMERIC);
	ck_assert_int_eq(addr_parse(KIND_UNIX, "@", &a, &hp, &why), -EINVAL);
	ck_assert_int_eq(addr_parse(KIND_UNIX, longpath, &a, &hp, &why), -EINVAL);
	longpath[0] = '@';
	ck_assert_int_eq(addr_parse(KIND_UNIX, longpath, &a, &hp, &why), -EINVAL);
}
END_TEST

START_TEST(format_abstract_escapes)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[64];

	memcpy(sun.sun_path, "\0a\001b", 4);
	addr_format((struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 4, buf,
		    sizeof(buf));
	ck_assert_str_eq(buf, "@a\\x01b");
	addr_format((struct sockaddr *)&sun, sizeof(sa_family_t), buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

/* A path's newline and stray bytes are escaped; its UTF-8 is kept. */
START_TEST(format_path_escapes)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char path[] = "/tmp/a\nb\\c\xff\xc3\xa9";
	char buf[ADDR_TEXT_MAX];

	memcpy(sun.sun_path, path, sizeof(path));
	addr_format((struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + sizeof(path),
		    buf, sizeof(buf));
	ck_assert_str_eq(buf, "/tmp/a\\x0ab\\x5cc\\xff\xc3\xa9");
	/* The longest path, every byte escaped, still fits. */
	memset(sun.sun_path, '\n', sizeof(sun.sun_path));
	sun.sun_path[0] = '/';
	ck_assert_uint_eq(addr_format((struct sockaddr *)&sun, sizeof(sun), buf, sizeof(buf)),
			  1 + 4 * (sizeof(sun.sun_path) - 1));
}
END_TEST

/* Any bytes make a JSON string: bad UTF-8 as \xNN, a NUL kept. */
START_TEST(json_any_bytes)
{
	json_t *j = text_json_n("a\xff\0b\xe2\x82", 6);
	char small[6];

	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_string_length(j), 15);
	ck_assert_mem_eq(json_string_value(j), "a\\xff\0b\\xe2\\x82", 13);
	json_decref(j);
	j = text_json("ok \xc3\xa9\n");
	ck_assert_str_eq(json_string_value(j), "ok \xc3\xa9\n");
	json_decref(j);
	ck_assert(json_is_null(text_json(NULL)));
	/* Overlong forms and surrogates are not UTF-8; an escape is never cut. */
	j = text_json("\xc0\xaf\xed\xa0\x80");
	ck_assert_str_eq(json_string_value(j), "\\xc0\\xaf\\xed\\xa0\\x80");
	json_decref(j);
	ck_assert_uint_eq(text_escape("ab\xff", 3, small, sizeof(small), 0), 2);
	ck_assert_str_eq(small, "ab");
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, ipv4);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, no_port_kinds);
	tcase_add_test(tc, host_names);
	tcase_add_test(tc, inet_errors);
	tcase_add_test(tc, mistyped_addresses);
	tcase_add_test(tc, unix_paths);
	tcase_add_test(tc, unix_errors);
	tcase_add_test(tc, format_abstract_escapes);
	tcase_add_test(tc, format_path_escapes);
	tcase_add_test(tc, json_any_bytes);
	suite_add_tcase(s, tc);
	return s;
}
