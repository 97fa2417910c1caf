#include "config.h"

#include "addr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "text.h"

static int parse_port(const char *s, unsigned *port, const char **why)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || !isdigit((unsigned char)*s)) {
		*why = "port must be a number from 0 to 65535";
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > 65535) {
		*why = "port must be a number from 0 to 65535";
		return -EINVAL;
	}
	*port = (unsigned)v;
	return 0;
}

/* Numeric IPv4 or IPv6 (with an optional %scope); no name service is asked. */
static int parse_numeric_ip(const char *host, unsigned port, struct saddr *out)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;

	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return -1;
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	addr_set_port(out, port);
	return 0;
}

static int valid_host_name(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 253 || h[0] == '-' || h[0] == '.')
		return 0;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return 0;
	return 1;
}

/* Splits "host:port", "[v6]:port", "[v6]", "v6" or "host" into its parts. */
static int split_host_port(char *text, int need_port, char **host, char **port,
			   const char **why)
{
	char *colon;

	*port = NULL;
	if (text[0] == '[') {
		char *close = strchr(text, ']');
		if (close == NULL) {
			*why = "missing ] after IPv6 address";
			return -EINVAL;
		}
		*close = '\0';
		*host = text + 1;
		if (close[1] == ':')
			*port = close + 2;
		else if (close[1] != '\0') {
			*why = "expected :PORT after ]";
			return -EINVAL;
		}
	} else {
		*host = text;
		colon = strrchr(text, ':');
		/* More than one colon and no brackets: a bare IPv6 address. */
		if (colon != NULL && strchr(text, ':') == colon) {
			*colon = '\0';
			*port = colon + 1;
		} else if (colon != NULL && need_port) {
			*why = "write an IPv6 address with a port as [ADDR]:PORT";
			return -EINVAL;
		}
	}
	if (need_port && *port == NULL) {
		*why = "address needs a port (HOST:PORT)";
		return -EINVAL;
	}
	return 0;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* A host that only a mistyped address can be: its last label all digits
 * ("300.1.1.1", "10.0.0.256", "1.2.3.4.5", "example.123").  No host name
 * ends in an all-numeric label (RFC 3696, 2), and the resolver, asked,
 * fails only after a DNS query, with ENXIO.  Returns the reason, or NULL. */
static const char *mistyped_address(const char *h)
{
	size_t n = strlen(h);
	const char *last;

	if (n > 0 && h[n - 1] == '.')
		n--;		/* a rooted name, "example." */
	last = memrchr(h, '.', n);
	last = last ? last + 1 : h;
	if (!all_digits(last, (size_t)(h + n - last)))
		return NULL;
	for (const char *p = h; p < last; p += strcspn(p, ".") + 1)
		if (!all_digits(p, strcspn(p, ".")))
			return "not a host name: its last label is all digits";
	return "not an IPv4 address: four numbers from 0 to 255, as 192.0.2.1";
}

static int parse_inet(enum kind k, const char *text, struct saddr *out,
		      struct hostport *name, const char **why)
{
	const struct kind_info *ki = kind_info(k);
	char buf[300];
	char *host, *port;
	unsigned portnum = 0;
	int err;

	if (strlen(text) >= sizeof(buf)) {
		*why = "address too long";
		return -EINVAL;
	}
	strcpy(buf, text);
	err = split_host_port(buf, ki->has_port, &host, &port, why);
	if (err)
		return err;
	if (port != NULL && (err = parse_port(port, &portnum, why)) != 0)
		return err;
	if (strcmp(host, "*") == 0 || *host == '\0')
		host = "0.0.0.0";
	if (parse_numeric_ip(host, portnum, out) == 0)
		return ADDR_NUMERIC;
	if (text[0] == '[' || !valid_host_name(host)) {
		*why = "not an IP address or host name";
		return -EINVAL;
	}
	if ((*why = mistyped_address(host)) != NULL)
		return -EINVAL;
	snprintf(name->host, sizeof(name->host), "%s", host);
	name->port = portnum;
	return ADDR_NAME;
}

/* TEXT ends in ":DIGITS" and has no slash: an inet address, mistyped. */
static bool looks_inet(const char *text)
{
	const char *colon = strrchr(text, ':');

	if (colon == NULL || colon[1] == '\0' || strchr(text, '/'))
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int parse_unix(const char *text, struct saddr *out, const char **why)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
	size_t n = strlen(text);

	memset(out, 0, sizeof(*out));
	sun->sun_family = AF_UNIX;
	if (text[0] == '@') {
		if (n < 2) {
			*why = "empty abstract socket name";
			return -EINVAL;
		}
		if (n > sizeof(sun->sun_path)) {
			*why = "abstract socket name too long (107 bytes at most)";
			return -EINVAL;
		}
		/* The leading NUL marks the abstract namespace. */
		memcpy(sun->sun_path + 1, text + 1, n - 1);
		out->len = offsetof(struct sockaddr_un, sun_path) + n;
		return ADDR_NUMERIC;
	}
	/* A relative path is the caller's working directory's (callerfs.h);
	 * HOST:PORT on a unix socket is a slip, not a file's name. */
	if (text[0] != '/' && looks_inet(text)) {
		*why = "HOST:PORT on a unix socket: give a path (./NAME for a file called so)";
		return -EINVAL;
	}
	if (n >= sizeof(sun->sun_path)) {
		*why = "unix socket path too long (107 bytes at most)";
		return -EINVAL;
	}
	memcpy(sun->sun_path, text, n + 1);
	out->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	return ADDR_NUMERIC;
}

int addr_parse(enum kind k, const char *text, struct saddr *out,
	       struct hostport *name, const char **why)
{
	if (text == NULL || *text == '\0') {
		*why = "missing address";
		return -EINVAL;
	}
	if (kind_info(k)->inet)
		return parse_inet(k, text, out, name, why);
	return parse_unix(text, out, why);
}

bool addr_is_unix_path(const struct saddr *a)
{
	return a->ss.ss_family == AF_UNIX && a->len > sizeof(sa_family_t) &&
	       ((const struct sockaddr_un *)&a->ss)->sun_path[0] != '\0';
}

void addr_set_port(struct saddr *a, unsigned port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

/* A path or an abstract name, escaped (text.h): a newline in a path must
 * not start a line of its own in peer, local or the sockets list. */
static size_t format_unix(const struct sockaddr_un *sun, socklen_t len,
			  char *buf, size_t size)
{
	size_t plen;
	const char *p = sun->sun_path;

	buf[0] = '\0';
	if (len <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	plen = len - offsetof(struct sockaddr_un, sun_path);
	if (plen > sizeof(sun->sun_path))
		plen = sizeof(sun->sun_path);
	if (p[0] != '\0')
		return text_escape(p, strnlen(p, plen), buf, size, TEXT_ADDR);
	/* Abstract: the leading NUL is shown as '@'. */
	if (size < 2)
		return 0;
	buf[0] = '@';
	return 1 + text_escape(p + 1, plen - 1, buf + 1, size - 1, TEXT_ADDR);
}

size_t addr_format_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char full[ADDR_TEXT_MAX];
	size_t n = addr_format(sa, len, full, sizeof(full));
	char *colon = strrchr(full, ':');

	if ((sa->sa_family == AF_INET || sa->sa_family == AF_INET6) && colon) {
		*colon = '\0';
		if (full[0] == '[') {
			full[strlen(full) - 1] = '\0';
			return (size_t)snprintf(buf, size, "%s", full + 1);
		}
		return (size_t)snprintf(buf, size, "%s", full);
	}
	return size ? (size_t)snprintf(buf, size, "%s", full) : n;
}

size_t addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
		   size_t size)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		return (size_t)snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		return (size_t)snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
	if (sa->sa_family == AF_UNIX)
		return format_unix((const struct sockaddr_un *)sa, len, buf, size);
	return (size_t)snprintf(buf, size, "(family %d)", sa->sa_family);
}
