/* TLS contexts: client contexts kept and shared while their settings and
 * files stay the same, and every file still opened for each build. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "ktls.h"
#include "suites.h"
#include "tlsconf.h"
#include "tlsctx.h"

#if HAVE_TLS
#include <openssl/ssl.h>

static char dir[64], cafile[96], certfile[96], keyfile[96];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void files_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sockfs-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cafile, sizeof(cafile), "%s/ca.pem", dir);
	snprintf(certfile, sizeof(certfile), "%s/cert.pem", dir);
	snprintf(keyfile, sizeof(keyfile), "%s/key.pem", dir);
	write_file(cafile, unit_cert_pem);
	write_file(certfile, unit_cert_pem);
	write_file(keyfile, unit_key_pem);
}

static void files_teardown(void)
{
	unlink(cafile);
	unlink(certfile);
	unlink(keyfile);
	rmdir(dir);
	tls_ctx_forget();
}

/* A client's settings: a CA file and one more option. */
static struct tls_conf *client_conf(enum tls_opt id, const char *value)
{
	struct tls_conf *c = NULL;

	ck_assert_int_eq(tls_conf_set(&c, TLS_CAFILE, cafile), 0);
	if (value)
		ck_assert_int_eq(tls_conf_set(&c, id, value), 0);
	return c;
}

static struct tls_ctx *build_ok(const struct tls_conf *c, bool server)
{
	struct tls_ctx *x = NULL;
	char why[200] = "";

	ck_assert_msg(tls_ctx_build(c, server, &x, why, sizeof(why)) == 0, "build: %s", why);
	ck_assert_ptr_nonnull(x);
	return x;
}

START_TEST(same_settings_share_a_context)
{
	struct tls_conf *c = client_conf(TLS_ALPN, "h2"), *d = client_conf(TLS_ALPN, "h2");
	struct tls_conf *other = client_conf(TLS_ALPN, "http/1.1");
	struct tls_ctx *x = build_ok(c, false), *y = build_ok(d, false), *z = build_ok(other, false);
	struct tls_ctx *none = build_ok(NULL, false);	/* the system's store, nothing set */

	ck_assert_ptr_eq(x, y);
	ck_assert_ptr_ne(x, z);
	ck_assert_ptr_ne(none, z);
	ck_assert_ptr_eq(build_ok(NULL, false), none);
	tls_ctx_unref(none);
	tls_ctx_unref(none);
	tls_ctx_unref(x);
	tls_ctx_unref(y);
	tls_ctx_unref(z);
	tls_conf_free(c);
	tls_conf_free(d);
	tls_conf_free(other);
}
END_TEST

START_TEST(a_changed_file_gives_a_new_context)
{
	struct tls_conf *c = client_conf(TLS_VERIFY, NULL);
	struct tls_ctx *x = build_ok(c, false), *y;
	char moved[128];

	/* Replaced by a copy: the same bytes, but another file. */
	snprintf(moved, sizeof(moved), "%s.old", cafile);
	ck_assert_int_eq(rename(cafile, moved), 0);
	write_file(cafile, unit_cert_pem);
	y = build_ok(c, false);
	ck_assert_ptr_ne(x, y);
	unlink(moved);
	tls_ctx_unref(x);
	tls_ctx_unref(y);
	tls_conf_free(c);
}
END_TEST

START_TEST(a_kept_context_still_opens_its_files)
{
	struct tls_conf *c = client_conf(TLS_VERIFY, NULL);
	struct tls_ctx *x = build_ok(c, false), *y = NULL;
	char why[200] = "";

	/* The caller must open the file on every build, kept or not. */
	ck_assert_int_eq(unlink(cafile), 0);
	ck_assert_int_eq(tls_ctx_build(c, false, &y, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_null(y);
	ck_assert_msg(strstr(why, "cafile") != NULL, "why: %s", why);
	tls_ctx_unref(x);
	tls_conf_free(c);
}
END_TEST

/* Two builds from C give two contexts: the first was not kept. */
static void assert_not_kept(const struct tls_conf *c, bool server)
{
	struct tls_ctx *x = build_ok(c, server), *y = build_ok(c, server);

	ck_assert_ptr_ne(x, y);
	tls_ctx_unref(x);
	tls_ctx_unref(y);
}

START_TEST(servers_and_capath_are_not_kept)
{
	struct tls_conf *s = NULL, *p = NULL;

	ck_assert_int_eq(tls_conf_set(&s, TLS_CERT, certfile), 0);
	ck_assert_int_eq(tls_conf_set(&s, TLS_KEY, keyfile), 0);
	assert_not_kept(s, true);
	ck_assert_int_eq(tls_conf_set(&p, TLS_CAPATH, dir), 0);
	assert_not_kept(p, false);
	tls_conf_free(s);
	tls_conf_free(p);
}
END_TEST

START_TEST(the_least_used_context_goes_first)
{
	struct tls_conf *first = client_conf(TLS_ALPN, "p0");
	struct tls_ctx *x = build_ok(first, false), *y;
	char name[16];

	/* Held here, so a new build cannot reuse its address. */
	for (int i = 1; i <= 16; i++) {
		struct tls_conf *c;
		snprintf(name, sizeof(name), "p%d", i);
		c = client_conf(TLS_ALPN, name);
		tls_ctx_unref(build_ok(c, false));
		tls_conf_free(c);
	}
	y = build_ok(first, false);
	ck_assert_ptr_ne(x, y);
	tls_ctx_unref(x);
	tls_ctx_unref(y);
	tls_conf_free(first);
}
END_TEST

/* A 0|1 option reads as set (on and off included), or as its default. */
START_TEST(a_bool_option_reads_as_set_or_its_default)
{
	struct tls_conf *c = NULL;

	ck_assert(tls_conf_on(c, TLS_KTLS, true));
	ck_assert(!tls_conf_on(c, TLS_KTLS, false));
	ck_assert_int_eq(tls_conf_set(&c, TLS_KTLS, "off"), 0);
	ck_assert(!tls_conf_on(c, TLS_KTLS, true));
	ck_assert(tls_conf_on(c, TLS_VERIFY, true));
	ck_assert_int_eq(tls_conf_set(&c, TLS_VERIFY, "on"), 0);
	ck_assert(tls_conf_on(c, TLS_VERIFY, false));
	tls_conf_free(c);
}
END_TEST

/* The probe agrees with the kernel's own list, which names tls once the
 * module is in (the probe loads it where it may). */
START_TEST(the_probe_agrees_with_the_kernel)
{
	char ulp[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
	bool has = ktls_kernel_has();

	if (f) {
		ck_assert_ptr_nonnull(fgets(ulp, sizeof(ulp), f));
		fclose(f);
	}
	ck_assert_msg(has == (strstr(ulp, "tls") != NULL), "probe %d, tcp_available_ulp: %s",
		      has, ulp);
}
END_TEST

/* Contexts ask for kernel TLS where the kernel has it, unless ktls 0. */
START_TEST(ktls_is_asked_for_where_the_kernel_has_it)
{
	struct tls_conf *c = client_conf(TLS_KTLS, NULL), *off = client_conf(TLS_KTLS, "0");
	struct tls_ctx *x = build_ok(c, false), *y = build_ok(off, false);

	ck_assert_int_eq((SSL_CTX_get_options(x->ctx) & SSL_OP_ENABLE_KTLS) != 0,
			 ktls_kernel_has());
	ck_assert_int_eq(SSL_CTX_get_options(y->ctx) & SSL_OP_ENABLE_KTLS, 0);
	tls_ctx_unref(x);
	tls_ctx_unref(y);
	tls_conf_free(c);
	tls_conf_free(off);
}
END_TEST

Suite *tlsctx_suite(void)
{
	Suite *s = suite_create("tlsctx");
	TCase *tc = tcase_create("kept");
	TCase *k = tcase_create("ktls");

	tcase_add_checked_fixture(tc, files_setup, files_teardown);
	tcase_add_test(tc, same_settings_share_a_context);
	tcase_add_test(tc, a_changed_file_gives_a_new_context);
	tcase_add_test(tc, a_kept_context_still_opens_its_files);
	tcase_add_test(tc, servers_and_capath_are_not_kept);
	tcase_add_test(tc, the_least_used_context_goes_first);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(k, files_setup, files_teardown);
	tcase_add_test(k, a_bool_option_reads_as_set_or_its_default);
	tcase_add_test(k, the_probe_agrees_with_the_kernel);
	tcase_add_test(k, ktls_is_asked_for_where_the_kernel_has_it);
	suite_add_tcase(s, k);
	return s;
}

#else /* !HAVE_TLS */

START_TEST(without_tls_nothing_is_built)
{
	struct tls_ctx *x = NULL;
	char why[200] = "";

	ck_assert_int_eq(tls_ctx_build(NULL, false, &x, why, sizeof(why)), -ENOPROTOOPT);
	ck_assert_ptr_null(x);
	ck_assert_str_eq(why, "sockfs was built without TLS");
}
END_TEST

Suite *tlsctx_suite(void)
{
	Suite *s = suite_create("tlsctx");
	TCase *tc = tcase_create("without");

	tcase_add_test(tc, without_tls_nothing_is_built);
	suite_add_tcase(s, tc);
	return s;
}

#endif
