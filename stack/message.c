#include "config.h"

#include "message.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Serves the rest of a message an earlier short read left. */
static ssize_t read_remainder(struct handle *h, struct waiter *w)
{
	size_t n = h->rem_len < w->len ? h->rem_len : w->len;

	memcpy(w->buf, h->rem + h->rem_off, n);
	h->rem_off += n;
	h->rem_len -= n;
	if (h->rem_len == 0) {
		free(h->rem);
		h->rem = NULL;
		h->rem_off = 0;
		h->eom = true;
	}
	return (ssize_t)n;
}

ssize_t message_owed(struct handle *h, struct waiter *w)
{
	if (h->rem_len)
		return read_remainder(h, w);
	if (h->eom) {
		h->eom = false;
		return 0;
	}
	return -EAGAIN;
}

ssize_t message_deliver(struct handle *h, struct waiter *w, char *msg, size_t n)
{
	size_t take = n < w->len ? n : w->len;

	if (msg != w->buf)
		memcpy(w->buf, msg, take);
	if (n > take) {
		if (msg == w->buf)
			return -ENOMEM;	/* cannot happen: w->buf holds w->len */
		memmove(msg, msg + take, n - take);
		h->rem = msg;
		h->rem_off = 0;
		h->rem_len = n - take;
		return (ssize_t)take;
	}
	if (msg != w->buf)
		free(msg);
	/* An empty message is its own end; any other owes a 0 next. */
	h->eom = n > 0;
	return (ssize_t)n;
}
