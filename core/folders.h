/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The folder structure of one account cycle (SPEC 4.2): which server
 * folders are synced, under which local names, in which order; local
 * folders that are missing are created. */
#ifndef OI_FOLDERS_H
#define OI_FOLDERS_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

struct config;

struct folder_pair {
	char *remote;		/* server name, as the server spells it */
	char *visible;		/* after utf8foldernames and nametrans */
	char *local;		/* local name */
};

/* List both sides, pick the selectable server folders that pass
 * folderfilter plus the folderincludes, derive their visible names
 * (utf8foldernames: modified UTF-7 decoded to UTF-8; then nametrans) and
 * local names (remote separator replaced by the local one), create the
 * missing local folders and sort the pairs (foldersort, default: by
 * visible name).  A server folder that would share its local folder or a
 * metadata file with another one (e.g. "a.b" and "a/b") is not synced,
 * with a warning: the first in server-name order wins.  Errors are
 * reported through the UI.  Returns 0 with *pairs_r (free with
 * folder_pairs_free) and *n_r; 1 likewise when some folders had to be
 * left out (reported); -1 when nothing could be planned (reported). */
int folders_plan(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local,
		 struct folder_pair **pairs_r, size_t *n_r);
void folder_pairs_free(struct folder_pair **pairs, size_t n);

/* --info: print every server folder of the account to `out`, one line
 * each, "<server name>\t<include|exclude>\t<local name>", the included
 * ones in sync order first.  Creates nothing.  Returns 0 or -1 (reported). */
int folders_info(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local, FILE *out);

#endif
