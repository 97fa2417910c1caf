/* One Check runner for every suite of the socket layer. */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_add_suite(sr, ctl_suite());
	srunner_add_suite(sr, ctlexec_suite());
	srunner_add_suite(sr, list_suite());
	srunner_add_suite(sr, names_suite());
	srunner_add_suite(sr, loop_suite());
	srunner_add_suite(sr, sock_suite());
	srunner_add_suite(sr, accept_suite());
	srunner_add_suite(sr, meta_suite());
	srunner_add_suite(sr, cmsg_suite());
	srunner_add_suite(sr, rfile_suite());
	srunner_add_suite(sr, tlsctx_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
