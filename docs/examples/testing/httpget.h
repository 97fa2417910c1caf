/* httpget: a tiny HTTP/1.0 client, the library under test in
 * check_httpget.c (docs/testing.md). */
#ifndef HTTPGET_H
#define HTTPGET_H

#include <stddef.h>

struct http_response {
	int status;		/* 200, 404, ... */
	char *body;		/* malloc'd, NUL-terminated */
	size_t body_len;
};

/* Sends METHOD PATH to IP:PORT (IPv4 dotted quad) with BODY (NULL for
 * none) and reads the answer to the server's end of file.  timeout_ms
 * bounds each wait: the connect, each send, each receive.  Returns 0 and
 * fills *resp, or a negative errno: -ECONNREFUSED, -ECONNRESET, -ETIMEDOUT,
 * -EPROTO for an answer that is not HTTP or shorter than it says. */
int http_request(const char *method, const char *ip, int port, const char *path,
		 const void *body, size_t body_len, int timeout_ms, struct http_response *resp);

/* http_request with GET and no body. */
int http_get(const char *ip, int port, const char *path, int timeout_ms,
	     struct http_response *resp);

void http_response_free(struct http_response *resp);

#endif
