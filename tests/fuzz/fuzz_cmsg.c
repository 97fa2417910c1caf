/* libFuzzer: cmsg JSON as written before a data write, by user nobody.
 * Parsing only records the paths in "rights" (workers open them later);
 * sockets named there are duplicated, and whatever parses is freed again
 * (closing those). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmsgout.h"
#include "stack.h"

static struct stack st;
static struct sock *socks[2];

static void setup(void)
{
	struct caller self = { 65534, 65534, getpid() };

	if (stack_init(&st) != 0 || sock_create(&st, KIND_UNIXGRAM, "u", &self, &socks[0]) != 0 ||
	    sock_create(&st, KIND_UDP, "i", &self, &socks[1]) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caller nobody = { 65534, 65534, getpid() };
	struct cmsg_out *c = NULL;
	char why[256];

	if (socks[0] == NULL)
		setup();
	if (size < 1)
		return 0;
	if (cmsg_out_parse(socks[data[0] & 1], (const char *)data + 1, size - 1, &nobody, &c, why,
			   sizeof(why)) == 0) {
		if (c == NULL || c->nfds < 0 || c->nfds > CMSG_OUT_FDS_MAX)
			abort();
		cmsg_out_free(c);
	}
	return 0;
}
