/* httpget: a tiny HTTP/1.0 client over plain sockets, with a timeout on
 * every wait so that a peer that stalls cannot hang its caller. */
#include "httpget.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits until fd is ready for EVENTS: 0, or -ETIMEDOUT. */
static int wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd pf = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&pf, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int connect_to(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		if (errno != EINPROGRESS)
			err = -errno;
		else if ((err = wait_for(fd, POLLOUT, timeout_ms)) == 0 &&
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0)
			err = -err;
	}
	if (err != 0) {
		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len, int timeout_ms)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int err = wait_for(fd, POLLOUT, timeout_ms);
			if (err != 0)
				return err;
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads to end of file into a malloc'd buffer. */
static int recv_all(int fd, char **out, size_t *out_len, int timeout_ms)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(fd, buf + len, cap - len, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int err = wait_for(fd, POLLIN, timeout_ms);
			if (err != 0) {
				free(buf);
				return err;
			}
			continue;
		}
		if (n < 0) {
			int err = -errno;
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			char *more = realloc(buf, cap * 2 + 1);
			if (more == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = more;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* "HTTP/1.x NNN ...", headers, a blank line, the body; a Content-Length
 * must match what came. */
static int parse(char *raw, size_t len, struct http_response *resp)
{
	char *end = strstr(raw, "\r\n\r\n"), *cl;
	size_t head_len;

	if (strncmp(raw, "HTTP/1.", 7) != 0 || end == NULL ||
	    sscanf(raw + 8, " %3d", &resp->status) != 1)
		return -EPROTO;
	head_len = (size_t)(end - raw) + 4;
	*end = '\0';
	resp->body_len = len - head_len;
	cl = strstr(raw, "\r\nContent-Length:");
	if (cl && strtoul(cl + 17, NULL, 10) != resp->body_len)
		return -EPROTO;
	resp->body = malloc(resp->body_len + 1);
	if (resp->body == NULL)
		return -ENOMEM;
	memcpy(resp->body, raw + head_len, resp->body_len);
	resp->body[resp->body_len] = '\0';
	return 0;
}

int http_request(const char *method, const char *ip, int port, const char *path,
		 const void *body, size_t body_len, int timeout_ms, struct http_response *resp)
{
	char head[1024], *raw = NULL;
	size_t raw_len = 0;
	int fd, n, err;

	memset(resp, 0, sizeof(*resp));
	n = body ? snprintf(head, sizeof(head), "%s %s HTTP/1.0\r\nHost: %s:%d\r\nContent-Length: %zu\r\n\r\n",
			    method, path, ip, port, body_len)
		 : snprintf(head, sizeof(head), "%s %s HTTP/1.0\r\nHost: %s:%d\r\n\r\n",
			    method, path, ip, port);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENAMETOOLONG;
	fd = connect_to(ip, port, timeout_ms);
	if (fd < 0)
		return fd;
	err = send_all(fd, head, (size_t)n, timeout_ms);
	if (err == 0 && body)
		err = send_all(fd, body, body_len, timeout_ms);
	if (err == 0)
		err = recv_all(fd, &raw, &raw_len, timeout_ms);
	close(fd);
	if (err == 0)
		err = parse(raw, raw_len, resp);
	free(raw);
	return err;
}

int http_get(const char *ip, int port, const char *path, int timeout_ms,
	     struct http_response *resp)
{
	return http_request("GET", ip, port, path, NULL, 0, timeout_ms, resp);
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}
