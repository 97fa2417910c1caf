#ifndef SOCKFS_SUITES_H
#define SOCKFS_SUITES_H

#include <check.h>

Suite *accept_suite(void);
Suite *addr_suite(void);
Suite *cmsg_suite(void);
Suite *ctl_suite(void);
Suite *ctlexec_suite(void);
Suite *list_suite(void);
Suite *loop_suite(void);
Suite *meta_suite(void);
Suite *names_suite(void);
Suite *rfile_suite(void);
Suite *sock_suite(void);
Suite *tlsctx_suite(void);

#endif
