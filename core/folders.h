/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The folder structure of one account cycle (SPEC 4.2): which server
 * folders are synced, under which local names, in which order; local
 * folders that are missing are created. */
#ifndef OI_FOLDERS_H
#define OI_FOLDERS_H

#include <stddef.h>

#include "store.h"

struct config;

struct folder_pair {
	char *remote;		/* server name */
	char *visible;		/* after nametrans */
	char *local;		/* local name */
};

/* List both sides, pick the selectable server folders, derive their local
 * names, create the missing local folders and sort the pairs (foldersort,
 * default: by visible name).  Errors are reported through the UI; a folder
 * that cannot be created locally is left out.  Returns 0 with *pairs_r
 * (free with folder_pairs_free) and *n_r, or -1. */
int folders_plan(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local,
		 struct folder_pair **pairs_r, size_t *n_r);
void folder_pairs_free(struct folder_pair **pairs, size_t n);

#endif
