/* libFuzzer: addresses as users write them, for every kind, and back. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512], out[ADDR_TEXT_MAX];
	struct saddr a;
	struct hostport hp;
	const char *why;

	if (size < 1 || size >= sizeof(text))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&a, 0, sizeof(a));
	if (addr_parse((enum kind)(data[0] % KIND_COUNT), text, &a, &hp, &why) == ADDR_NUMERIC) {
		if (a.len == 0 || a.len > sizeof(a.ss))
			abort();
		addr_format((struct sockaddr *)&a.ss, a.len, out, sizeof(out));
		addr_format_host((struct sockaddr *)&a.ss, a.len, out, sizeof(out));
	}
	return 0;
}
