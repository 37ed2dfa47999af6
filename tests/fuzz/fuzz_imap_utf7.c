// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target for modified UTF-7: decoding arbitrary bytes must not
 * crash, and everything accepted must round-trip exactly in both
 * directions (the decoder only accepts the encoder's canonical form). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/utf7.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xstrndup((const char *)data, size);
	char *out = NULL, *back = NULL;

	/* as modified UTF-7 */
	int r = imap_utf7_to_utf8(in, &out);
	if ((r == 0) != imap_utf7_is_valid(in))
		abort();
	if (r == 0) {
		if (imap_utf8_to_utf7(out, &back) < 0 || strcmp(back, in) != 0)
			abort();
		FREE(&back);
		FREE(&out);
	}

	/* as UTF-8 */
	if (imap_utf8_to_utf7(in, &out) == 0) {
		if (!imap_utf7_is_valid(out) ||
		    imap_utf7_to_utf8(out, &back) < 0 || strcmp(back, in) != 0)
			abort();
		FREE(&back);
		FREE(&out);
	}
	free(in);
	return 0;
}
