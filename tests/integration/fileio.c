/*
 * The integration tests' C client: plain open/read/write/poll on sockfs
 * files, printing the outcome so a script can check the exact errno.
 *
 *   fileio write FILE TEXT [nb]   -> "ok N" or "ERRNAME" (nb: O_NONBLOCK)
 *   fileio read FILE SIZE [nb]    -> the bytes read, or "ERRNAME"
 *   fileio poll FILE MS [out]     -> "ready" or "timeout" (POLLIN, or POLLOUT)
 *   fileio interrupt FILE MS      -> reads FILE in a child, SIGINTs it after
 *                                    MS ms, prints how long it took to end
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int say_errno(void)
{
	printf("%s\n", strerrorname_np(errno));
	return 1;
}

static int do_write(const char *path, const char *text, int nonblock)
{
	int fd = open(path, O_WRONLY | (nonblock ? O_NONBLOCK : 0));
	ssize_t n;

	if (fd < 0)
		return say_errno();
	n = write(fd, text, strlen(text));
	if (n < 0)
		return say_errno();
	printf("ok %zd\n", n);
	return close(fd) < 0;
}

static int do_read(const char *path, size_t size, int nonblock)
{
	int fd = open(path, O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	char *buf = malloc(size + 1);
	ssize_t n = -1;

	if (fd >= 0 && buf != NULL)
		n = read(fd, buf, size);
	if (n < 0)
		say_errno();
	else
		fwrite(buf, 1, (size_t)n, stdout);
	free(buf);
	if (fd >= 0)
		close(fd);
	return n < 0;
}

static int do_poll(const char *path, int ms, int out)
{
	struct pollfd p = { .events = out ? POLLOUT : POLLIN };

	p.fd = open(path, out ? O_WRONLY : O_RDONLY);
	if (p.fd < 0)
		return say_errno();
	printf("%s\n", poll(&p, 1, ms) == 1 ? "ready" : "timeout");
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int do_interrupt(const char *path, int ms)
{
	pid_t pid = fork();
	long start;
	int status;

	if (pid == 0) {
		char c;
		int fd;
		signal(SIGINT, SIG_DFL);
		fd = open(path, O_RDONLY);
		_exit(read(fd, &c, 1) < 0 ? 3 : 4);
	}
	usleep((useconds_t)ms * 1000);
	if (waitpid(pid, &status, WNOHANG) != 0) {
		printf("did not wait\n");
		return 1;
	}
	start = now_ms();
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	printf("%s after %ld ms\n", WIFSIGNALED(status) ? "killed" : "exited", now_ms() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], argv[3], argc == 5);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "read") == 0)
		return do_read(argv[2], (size_t)atol(argv[3]), argc == 5);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "poll") == 0)
		return do_poll(argv[2], atoi(argv[3]), argc == 5);
	if (argc == 4 && strcmp(argv[1], "interrupt") == 0)
		return do_interrupt(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: fileio write|read|poll|interrupt FILE ARG\n");
	return 2;
}
