#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ctl.h"
#include "suites.h"

static struct ctl_cmd c;
static const char *why;

static int one(enum kind k, const char *line)
{
	why = NULL;
	return ctl_parse_line(k, line, &c, &why);
}

START_TEST(commands)
{
	ck_assert_int_eq(one(KIND_TCP, "connect 127.0.0.1:80"), 1);
	ck_assert_int_eq(c.op, CTL_CONNECT);
	ck_assert_int_eq(c.addr_type, ADDR_NUMERIC);
	ck_assert_int_eq(one(KIND_UDP, "to localhost:9"), 1);
	ck_assert_int_eq(c.op, CTL_TO);
	ck_assert_int_eq(c.addr_type, ADDR_NAME);
	ck_assert_int_eq(one(KIND_UDP, "  bind\t[::1]:0 "), 1);
	ck_assert_int_eq(c.op, CTL_BIND);
	ck_assert_int_eq(one(KIND_UDP, "disconnect"), 1);
	ck_assert_int_eq(c.op, CTL_DISCONNECT);
	ck_assert_int_eq(one(KIND_TCP, "listen"), 1);
	ck_assert_int_eq(c.backlog, 128);
	ck_assert_int_eq(one(KIND_TCP, "listen 5"), 1);
	ck_assert_int_eq(c.backlog, 5);
	ck_assert_int_eq(one(KIND_TCP, "shutdown wr"), 1);
	ck_assert_int_eq(c.how, SHUT_WR);
	ck_assert_int_eq(one(KIND_TCP, "close"), 1);
	ck_assert_int_eq(c.op, CTL_CLOSE);
}
END_TEST

START_TEST(set_options)
{
	ck_assert_int_eq(one(KIND_TCP, "set nodelay 1"), 1);
	ck_assert_int_eq(c.opt, OPT_NODELAY);
	ck_assert_int_eq(c.value, 1);
	ck_assert_int_eq(one(KIND_UDP, "set rcvbuf 65536"), 1);
	ck_assert_int_eq(c.value, 65536);
	ck_assert_int_eq(one(KIND_UDP, "set timeout 1.5"), 1);
	ck_assert_int_eq(c.value, 1500);
	ck_assert_int_eq(one(KIND_TCP, "set linger off"), 1);
	ck_assert_int_eq(c.value, -1);
	ck_assert_int_eq(one(KIND_UNIXGRAM, "set passcred on"), 1);
	ck_assert_int_eq(c.value, 1);
}
END_TEST

START_TEST(datagram_options)
{
	char buf[64];

	ck_assert_int_eq(one(KIND_UDP, "set flags more,confirm"), 1);
	ck_assert_int_eq(c.opt, OPT_FLAGS);
	ck_assert_int_eq(c.value, MSG_MORE | MSG_CONFIRM);
	opt_format(OPT_FLAGS, c.value, buf, sizeof(buf));
	ck_assert_str_eq(buf, "more,confirm");
	ck_assert_int_eq(one(KIND_TCP, "set flags none"), 1);
	ck_assert_int_eq(c.value, 0);
	ck_assert_int_eq(one(KIND_UDP, "set flags more,,bogus"), -EINVAL);
	ck_assert_int_eq(one(KIND_RAW, "set proto udp"), 1);
	ck_assert_int_eq(c.value, IPPROTO_UDP);
	ck_assert_int_eq(one(KIND_RAW, "set proto 253"), 1);
	ck_assert_int_eq(one(KIND_RAW, "set proto 256"), -EINVAL);
	ck_assert_int_eq(one(KIND_UDP, "set proto icmp"), -ENOPROTOOPT);
	ck_assert_int_eq(one(KIND_UDP, "set mcast_if lo"), 1);
	ck_assert_int_eq(c.value, 1);
	ck_assert_int_eq(one(KIND_UDP, "set mcast_if nosuch0"), -ENODEV);
	ck_assert_int_eq(one(KIND_UDP, "set mcast_ttl 300"), -EINVAL);
}
END_TEST

START_TEST(multicast_groups)
{
	ck_assert_int_eq(one(KIND_UDP, "set join 239.1.2.3"), 1);
	ck_assert_int_eq(c.op, CTL_JOIN);
	ck_assert_int_eq(c.addr.ss.ss_family, AF_INET);
	ck_assert_int_eq(c.ifindex, 0);
	ck_assert_int_eq(one(KIND_UDP, "set leave ff02::1:3 lo"), 1);
	ck_assert_int_eq(c.op, CTL_LEAVE);
	ck_assert_int_eq(c.addr.ss.ss_family, AF_INET6);
	ck_assert_int_eq(c.ifindex, 1);
	ck_assert_int_eq(one(KIND_UDP, "set join 10.1.2.3"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "multicast"));
	ck_assert_int_eq(one(KIND_UDP, "set join 239.1.2.3 nosuch0"), -ENODEV);
	ck_assert_int_eq(one(KIND_UDP, "set join"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "set join 239.1.2.3"), -ENOPROTOOPT);
}
END_TEST

START_TEST(bad_lines)
{
	ck_assert_int_eq(one(KIND_TCP, "frobnicate"), -EINVAL);
	ck_assert_str_eq(why, "unknown control request");
	ck_assert_int_eq(one(KIND_TCP, "connect"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "connect a b"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "connect 1.2.3.4"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "shutdown sideways"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "listen -1"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "listen 10x"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "set nodelay 2"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "set nosuch 1"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "set ttl 256"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "set timeout -1"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "disconnect now"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "to 127.0.0.1:1"), -EINVAL);
	ck_assert_int_eq(one(KIND_TCP, "a b c d e f"), -EINVAL);
}
END_TEST

START_TEST(wrong_kind)
{
	ck_assert_int_eq(one(KIND_UDP, "set nodelay 1"), -ENOPROTOOPT);
	ck_assert_int_eq(one(KIND_UNIX, "set broadcast 1"), -ENOPROTOOPT);
	ck_assert_int_eq(one(KIND_TCP, "set passcred 1"), -ENOPROTOOPT);
	ck_assert_int_eq(one(KIND_UDP, "listen"), -EOPNOTSUPP);
	ck_assert_int_eq(one(KIND_UNIX, "connect 127.0.0.1:80"), -EINVAL);
}
END_TEST

START_TEST(blank_and_comments)
{
	ck_assert_int_eq(one(KIND_TCP, ""), 0);
	ck_assert_int_eq(one(KIND_TCP, "   "), 0);
	ck_assert_int_eq(one(KIND_TCP, "# a comment"), 0);
}
END_TEST

START_TEST(multi_line)
{
	const char *text = "set reuseaddr 1\nbind 127.0.0.1:0\n\n# done\nconnect 127.0.0.1:9";
	struct ctl_cmd *cmds = NULL;
	char why2[128];
	int n = ctl_parse(KIND_UDP, text, strlen(text), &cmds, why2, sizeof(why2));

	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(cmds[0].op, CTL_SET);
	ck_assert_int_eq(cmds[1].op, CTL_BIND);
	ck_assert_int_eq(cmds[2].op, CTL_CONNECT);
	free(cmds);
}
END_TEST

START_TEST(multi_line_bad_rejects_all)
{
	const char *text = "bind 127.0.0.1:0\nbogus\n";
	struct ctl_cmd *cmds = NULL;
	char why2[128];

	ck_assert_int_eq(ctl_parse(KIND_UDP, text, strlen(text), &cmds, why2, sizeof(why2)), -EINVAL);
	ck_assert_ptr_null(cmds);
	ck_assert_ptr_nonnull(strstr(why2, "bogus"));
	ck_assert_int_eq(ctl_parse(KIND_UDP, "bind\0x", 6, &cmds, why2, sizeof(why2)), -EINVAL);
}
END_TEST

START_TEST(too_many_lines)
{
	char text[CTL_MAX_LINES * 8 + 64] = "";
	struct ctl_cmd *cmds = NULL;
	char why2[128];

	for (int i = 0; i <= CTL_MAX_LINES; i++)
		strcat(text, "close\n");
	ck_assert_int_eq(ctl_parse(KIND_UDP, text, strlen(text), &cmds, why2, sizeof(why2)), -EINVAL);
}
END_TEST

Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, commands);
	tcase_add_test(tc, set_options);
	tcase_add_test(tc, datagram_options);
	tcase_add_test(tc, multicast_groups);
	tcase_add_test(tc, bad_lines);
	tcase_add_test(tc, wrong_kind);
	tcase_add_test(tc, blank_and_comments);
	tcase_add_test(tc, multi_line);
	tcase_add_test(tc, multi_line_bad_rejects_all);
	tcase_add_test(tc, too_many_lines);
	suite_add_tcase(s, tc);
	return s;
}
