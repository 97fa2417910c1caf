/* bench/kernel.c - plain TCP sockets on loopback for bench/run.sh, with
 * no FUSE and no interpreter in the way: the kernel ceiling, and the
 * peers every sender and receiver is measured against.
 *   kernel send PORT FILE     connect, send FILE 1 MiB at a time, close
 *   kernel recv PORT          connect, read(2) 1 MiB at a time to EOF
 *   kernel sink PORTFILE      for each connection: read to EOF, then
 *                             print "BYTES SECONDS" (the time of EOF)
 *   kernel source PORTFILE N  send N bytes to each connection, close
 * The servers write their port to PORTFILE once they listen.  Python
 * could do the same, but its start-up alone (about 0.3 s here) would be
 * charged to the kernel, and its sink capped what the senders reached. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static int dial(const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("kernel: connect");
		exit(1);
	}
	return s;
}

/* All of LEN bytes, or -1. */
static int send_all(int s, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t m = send(s, p, len, MSG_NOSIGNAL);
		if (m <= 0)
			return -1;
		p += m;
		len -= (size_t)m;
	}
	return 0;
}

/* read(2) and send(2) 1 MiB at a time, as the receiver reads: sendfile(2)
 * from /tmp was the slower of the two here (1400 against 3000 MB/s). */
static int send_file(const char *port, const char *path)
{
	int s = dial(port), f = open(path, O_RDONLY);
	ssize_t n;

	if (f < 0) {
		perror(path);
		return 1;
	}
	while ((n = read(f, buf, sizeof(buf))) > 0)
		if (send_all(s, buf, (size_t)n) < 0) {
			perror("kernel: send");
			return 1;
		}
	if (n < 0)
		perror(path);
	close(f);
	return close(s) < 0 || n < 0;
}

static int recv_all(const char *port)
{
	int s = dial(port);
	ssize_t n;

	while ((n = read(s, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		perror("kernel: read");
	close(s);
	return n < 0;
}

/* A listener on an ephemeral loopback port, announced in PORTFILE. */
static int listener(const char *portfile)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char tmp[4096];
	FILE *f;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror("kernel: listen");
		exit(1);
	}
	/* Written whole, then renamed: a reader never sees half a number. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(sin.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, portfile) < 0) {
		perror(portfile);
		exit(1);
	}
	return s;
}

static _Noreturn void sink(const char *portfile)
{
	int l = listener(portfile);

	for (;;) {
		int c = accept(l, NULL, NULL);
		long long total = 0;
		struct timespec t;
		ssize_t n;

		if (c < 0)
			continue;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += n;
		clock_gettime(CLOCK_REALTIME, &t);
		printf("%lld %lld.%09ld\n", total, (long long)t.tv_sec, t.tv_nsec);
		fflush(stdout);
		close(c);
	}
}

static _Noreturn void source(const char *portfile, const char *count)
{
	int l = listener(portfile);
	long long want = atoll(count);

	memset(buf, 'x', sizeof(buf));
	for (;;) {
		int c = accept(l, NULL, NULL);
		long long left = want;

		if (c < 0)
			continue;
		while (left > 0) {
			size_t len = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
			if (send_all(c, buf, len) < 0)
				break;
			left -= (long long)len;
		}
		close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return send_file(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "recv") == 0)
		return recv_all(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sink") == 0)
		sink(argv[2]);
	if (argc == 4 && strcmp(argv[1], "source") == 0)
		source(argv[2], argv[3]);
	fprintf(stderr, "usage: kernel send PORT FILE | recv PORT | sink PORTFILE | source PORTFILE N\n");
	return 2;
}
