/*
 * Bytes a user chose (unix paths, TLS names, error texts) as text that is
 * always valid UTF-8: jansson refuses a string that is not, and a field
 * that fails to build drops out of status.  Every string sockfs puts into
 * JSON goes through text_json/text_json_n.
 *
 * The rule (docs/sockfs.1, ODD BYTES): a byte that does not belong to a
 * valid UTF-8 sequence is shown as the four characters \xNN (lowercase
 * hex); valid UTF-8 is kept.  Addresses (TEXT_ADDR) escape control bytes,
 * DEL and the backslash itself (\x5c) too: they go into text files, where
 * a newline would start a line of its own, and they read back without
 * doubt.  An address is escaped once, where it is made into text, and
 * passes through the JSON helpers unchanged (it is ASCII and UTF-8 by
 * then); JSON escapes control bytes itself.
 */
#ifndef SOCKFS_TEXT_H
#define SOCKFS_TEXT_H

#include <jansson.h>
#include <stddef.h>

enum { TEXT_ADDR = 1 };	/* escape control bytes and the backslash too */

/* Writes the N bytes at P escaped into BUF (always NUL-terminated when
 * SIZE > 0).  An escape never is cut in two: what does not fit is left
 * out.  Returns the length written. */
size_t text_escape(const char *p, size_t n, char *buf, size_t size, int flags);

/* A JSON string for N bytes at P (NUL bytes included), escaped as above;
 * never NULL (json_null() only if memory runs out). */
json_t *text_json_n(const char *p, size_t n);
/* The same for a NUL-terminated string; NULL gives JSON null. */
json_t *text_json(const char *s);

#endif
