/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for Maildir file-name parsing and flag renames: no
 * input may crash them, and renaming keeps a message's UID and FMD5, shows
 * the new flags and is stable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maildir/names.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	/* The first 8 bytes choose a flag set; the rest is the name. */
	uint64_t flags = 0;
	memcpy(&flags, data, 8);
	flags &= MAILDIR_FLAGS_ALL;
	char *name = xstrndup((const char *)data + 8, size - 8);
	for (int s = 0; s < 2; s++) {
		char sep = s ? '!' : ':';
		struct maildir_name a, b;
		maildir_name_parse(name, sep, &a);
		if (a.base_len > strlen(name) ||
		    (a.ours && a.host_off + a.host_len > a.base_len) ||
		    (a.has_uid && a.uid == 0) ||
		    (a.flags & ~MAILDIR_FLAGS_ALL))
			abort();
		for (int in_new = 0; in_new < 2; in_new++) {
			bool to_new;
			char *renamed = maildir_name_set_flags(name, sep, flags,
							       in_new, &to_new);
			maildir_name_parse(renamed, sep, &b);
			if (b.has_uid != a.has_uid || b.uid != a.uid ||
			    b.has_fmd5 != a.has_fmd5 ||
			    (a.has_fmd5 && strcmp(a.fmd5, b.fmd5) != 0))
				abort();
			/* The new flags show; with no separator in the
			 * unique part (every name this program writes),
			 * exactly them. */
			if ((b.flags & flags) != flags)
				abort();
			if (!memchr(name, sep, a.base_len) && b.flags != flags)
				abort();
			if (to_new && (!in_new || flags))
				abort();
			bool again_new;
			char *again = maildir_name_set_flags(renamed, sep,
							     flags, to_new,
							     &again_new);
			if (strcmp(again, renamed) != 0 || again_new != to_new)
				abort();
			free(again);
			free(renamed);
		}
	}
	char letters[MAILDIR_FLAGS_BUFSIZE];
	size_t n = maildir_flags_format(flags, letters);
	uint64_t back = 0;
	if (maildir_flags_parse(letters, n, &back) < 0 || back != flags)
		abort();
	free(name);
	return 0;
}
