/* libFuzzer: the ctl language.  The first byte picks the kind; the rest
 * is one write to ctl.  Parsing must never crash, and must either fail
 * with an errno or give commands that are all well formed. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_cmd *cmds = NULL;
	char why[256];
	int n;

	if (size < 1)
		return 0;
	n = ctl_parse((enum kind)(data[0] % KIND_COUNT), (const char *)data + 1, size - 1, &cmds,
		      why, sizeof(why));
	if (n > CTL_MAX_LINES)
		abort();
	for (int i = 0; i < n; i++)
		if (cmds[i].op > CTL_STARTTLS || (cmds[i].op == CTL_SET && cmds[i].opt >= OPT_COUNT) ||
		    (cmds[i].op == CTL_TLSSET && (cmds[i].tlsopt >= TLS_OPT_COUNT ||
						  strlen(cmds[i].name.host) > TLS_VALUE_MAX)))
			abort();
	if (n >= 0)
		free(cmds);
	return 0;
}
