/*
 * 9P2000.L on the wire: little-endian integers, strings with a 2-byte
 * length, a 13-byte qid.  A message is size[4] type[1] tag[2] then its
 * fields.  Reading past the end sets bad and yields zeros, so a handler
 * reads every field and checks once.
 */
#ifndef SOCKFS_P9_H
#define SOCKFS_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	P9_RLERROR = 7,
	P9_TSTATFS = 8, P9_TLOPEN = 12, P9_TLCREATE = 14,
	P9_TGETATTR = 24, P9_TSETATTR = 26, P9_TXATTRWALK = 30,
	P9_TREADDIR = 40, P9_TFSYNC = 50, P9_TMKDIR = 72, P9_TUNLINKAT = 76,
	P9_TVERSION = 100, P9_TAUTH = 102, P9_TATTACH = 104, P9_TFLUSH = 108,
	P9_TWALK = 110, P9_TREAD = 116, P9_TWRITE = 118, P9_TCLUNK = 120,
	P9_TREMOVE = 122,
};

#define P9_HDR 7		/* size[4] type[1] tag[2] */
#define P9_IOHDR 24		/* what Rread/Twrite add to their data (the kernel's) */
#define P9_NOFID 0xffffffffu
#define P9_NONUNAME 0xffffffffu
#define P9_QTDIR 0x80
#define P9_DOTL_NONBLOCK 04000	/* Tlopen's flags are Linux's open flags */
#define P9_AT_REMOVEDIR 0x200

struct p9qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A message being read (in) or built (out). */
struct p9msg {
	uint8_t *p;
	size_t len, off, cap;
	bool bad;
};

uint8_t p9_u8(struct p9msg *m);
uint16_t p9_u16(struct p9msg *m);
uint32_t p9_u32(struct p9msg *m);
uint64_t p9_u64(struct p9msg *m);
/* A string, copied NUL-terminated into BUF (SIZE bytes); too long or
 * holding a NUL: bad. */
void p9_str(struct p9msg *m, char *buf, size_t size);
/* COUNT bytes in place (not copied); NULL and bad when short. */
const uint8_t *p9_bytes(struct p9msg *m, size_t count);

/* Building: a reply starts with p9_begin and ends with p9_end, which
 * writes its size.  Out of room sets bad. */
void p9_begin(struct p9msg *m, uint8_t type, uint16_t tag);
void p9_put8(struct p9msg *m, uint8_t v);
void p9_put16(struct p9msg *m, uint16_t v);
void p9_put32(struct p9msg *m, uint32_t v);
void p9_put64(struct p9msg *m, uint64_t v);
void p9_putstr(struct p9msg *m, const char *s);
void p9_putqid(struct p9msg *m, const struct p9qid *q);
void p9_putbytes(struct p9msg *m, const void *data, size_t count);
void p9_end(struct p9msg *m);

#endif
