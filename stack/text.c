#include "config.h"

#include "text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at P (at most N bytes), or 0 when the
 * byte there does not start one.  Overlong forms, surrogates and code
 * points past U+10FFFF are not valid (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0], min, cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool needs_escape(unsigned char c, int flags)
{
	return (flags & TEXT_ADDR) && (c < 0x20 || c == 0x7f || c == '\\');
}

size_t text_escape(const char *p, size_t n, char *buf, size_t size, int flags)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t o = 0, i = 0;

	if (size == 0)
		return 0;
	while (i < n) {
		size_t len = utf8_len(u + i, n - i);

		if (len == 0 || (len == 1 && needs_escape(u[i], flags))) {
			if (o + 4 >= size)
				break;
			snprintf(buf + o, size - o, "\\x%02x", u[i]);
			o += 4, i++;
			continue;
		}
		if (o + len >= size)
			break;
		for (size_t k = 0; k < len; k++)
			buf[o++] = (char)u[i++];
	}
	buf[o] = '\0';
	return o;
}

json_t *text_json_n(const char *p, size_t n)
{
	size_t size = 4 * n + 1;	/* every byte escaped, at worst */
	char *buf = malloc(size);
	json_t *j;
	size_t len;

	if (buf == NULL)
		return json_null();
	len = text_escape(p, n, buf, size, 0);
	j = json_stringn_nocheck(buf, len);
	free(buf);
	return j ? j : json_null();
}

json_t *text_json(const char *s)
{
	return s ? text_json_n(s, strlen(s)) : json_null();
}
