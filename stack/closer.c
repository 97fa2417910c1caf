#include "config.h"

#include "closer.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* Lingering closes under way on threads of their own. */
#define CLOSERS_MAX 32
static int closers;

static void *linger_close(void *arg)
{
	close((int)(intptr_t)arg);
	__atomic_sub_fetch(&closers, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * With SO_LINGER on for N > 0 seconds and data unsent, close(2) waits up
 * to N seconds, O_NONBLOCK or not: never on the loop.  Such a close runs on
 * a thread of its own (the descriptor is the daemon's until it ends); past
 * CLOSERS_MAX of them, linger is turned off first, and Linux then sends
 * what is left in the background just the same (docs/sockfs.1, linger).
 * Linger 0 resets the connection at once and stays on the loop.
 */
void closer_close(int fd)
{
	struct linger lg = { 0 };
	socklen_t len = sizeof(lg);
	pthread_attr_t attr;
	pthread_t t;
	int started = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len) < 0 || !lg.l_onoff || !lg.l_linger) {
		close(fd);
		return;
	}
	if (__atomic_add_fetch(&closers, 1, __ATOMIC_RELAXED) <= CLOSERS_MAX &&
	    pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		started = pthread_create(&t, &attr, linger_close, (void *)(intptr_t)fd);
		pthread_attr_destroy(&attr);
	}
	if (started == 0)
		return;
	__atomic_sub_fetch(&closers, 1, __ATOMIC_RELAXED);
	lg.l_onoff = 0;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}
