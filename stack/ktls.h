/*
 * Whether this kernel can carry TLS records itself (kernel TLS, the "tls"
 * upper layer protocol of TCP).  Asked once per daemon, by trying it on a
 * loopback connection of its own: a kernel that loads tls.ko on demand
 * loads it then, as it would for OpenSSL.
 */
#ifndef SOCKFS_KTLS_H
#define SOCKFS_KTLS_H

#include <stdbool.h>

bool ktls_kernel_has(void);

#endif
