#include "config.h"

#include "p9.h"

#include <string.h>

/* Takes N bytes from M, or marks it bad and gives NULL. */
static const uint8_t *take(struct p9msg *m, size_t n)
{
	const uint8_t *p;

	if (m->bad || m->len - m->off < n) {
		m->bad = true;
		return NULL;
	}
	p = m->p + m->off;
	m->off += n;
	return p;
}

static uint64_t get_le(struct p9msg *m, size_t n)
{
	const uint8_t *p = take(m, n);
	uint64_t v = 0;

	for (size_t i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t p9_u8(struct p9msg *m) { return (uint8_t)get_le(m, 1); }
uint16_t p9_u16(struct p9msg *m) { return (uint16_t)get_le(m, 2); }
uint32_t p9_u32(struct p9msg *m) { return (uint32_t)get_le(m, 4); }
uint64_t p9_u64(struct p9msg *m) { return get_le(m, 8); }

void p9_str(struct p9msg *m, char *buf, size_t size)
{
	size_t n = p9_u16(m);
	const uint8_t *p = take(m, n);

	buf[0] = '\0';
	if (p == NULL || n >= size || memchr(p, '\0', n)) {
		m->bad = true;
		return;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
}

const uint8_t *p9_bytes(struct p9msg *m, size_t count)
{
	return take(m, count);
}

/* Room for N more bytes at the end of M, or NULL and bad. */
static uint8_t *room(struct p9msg *m, size_t n)
{
	uint8_t *p;

	if (m->bad || m->cap - m->len < n) {
		m->bad = true;
		return NULL;
	}
	p = m->p + m->len;
	m->len += n;
	return p;
}

static void put_le(struct p9msg *m, uint64_t v, size_t n)
{
	uint8_t *p = room(m, n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void p9_put8(struct p9msg *m, uint8_t v) { put_le(m, v, 1); }
void p9_put16(struct p9msg *m, uint16_t v) { put_le(m, v, 2); }
void p9_put32(struct p9msg *m, uint32_t v) { put_le(m, v, 4); }
void p9_put64(struct p9msg *m, uint64_t v) { put_le(m, v, 8); }

void p9_putbytes(struct p9msg *m, const void *data, size_t count)
{
	uint8_t *p = room(m, count);

	if (p && count)
		memcpy(p, data, count);
}

void p9_putstr(struct p9msg *m, const char *s)
{
	size_t n = strlen(s);

	if (n > 0xffff)
		n = 0xffff;
	p9_put16(m, (uint16_t)n);
	p9_putbytes(m, s, n);
}

void p9_putqid(struct p9msg *m, const struct p9qid *q)
{
	p9_put8(m, q->type);
	p9_put32(m, q->version);
	p9_put64(m, q->path);
}

void p9_begin(struct p9msg *m, uint8_t type, uint16_t tag)
{
	m->len = 0;
	m->bad = false;
	p9_put32(m, 0);
	p9_put8(m, type);
	p9_put16(m, tag);
}

void p9_end(struct p9msg *m)
{
	size_t len = m->len;

	m->len = 0;
	p9_put32(m, (uint32_t)len);
	m->len = len;
}
