/*
 * sd_notify(3)'s protocol without libsystemd: one datagram of
 * newline-separated KEY=VALUE lines to the AF_UNIX socket whose path is in
 * $NOTIFY_SOCKET ("@name" for the abstract namespace).  sockfs is a socket
 * tool; a library for one sendto(2) is not worth its weight.
 */
#include "config.h"

#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int notify_ready(const char *mountpoint)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t plen = path ? strlen(path) : 0;
	socklen_t len;
	char msg[512];
	int fd, n, err = 0;

	if (plen == 0)
		return 0;
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	n = snprintf(msg, sizeof(msg), "READY=1\nSTATUS=mounted at %s\n", mountpoint);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1, MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, len) < 0)
		err = -errno;
	close(fd);
	/* Once: nothing the daemon starts later should claim to be it. */
	unsetenv("NOTIFY_SOCKET");
	return err;
}
