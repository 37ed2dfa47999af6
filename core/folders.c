/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Folder structure sync (SPEC 4.2): server folders to local names, local
 * folders created where missing, sync order. */
#include <stdlib.h>
#include <string.h>

#include "folders.h"
#include "ui.h"
#include "util.h"

static int cmp_visible(const void *a, const void *b)
{
	return strcmp(((const struct folder_pair *)a)->visible,
		      ((const struct folder_pair *)b)->visible);
}

/* Replace every `from` by `to` (0 = drop nothing: a flat name). */
static char *translate_sep(const char *name, char from, char to)
{
	char *s = xstrdup(name);
	if (from && to)
		for (char *p = s; *p; p++)
			if (*p == from)
				*p = to;
	return s;
}

/* The folder pairs of this cycle: every selectable server folder, with
 * its local name; local folders that are missing are created. */
int folders_plan(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local,
		 struct folder_pair **pairs_r, size_t *n_r)
{
	struct store_folder_info *rv = NULL, *lv = NULL;
	size_t rn = 0, ln = 0, n = 0;
	char *err = NULL;
	int ret = -1;

	(void)cfg;

	ui_syncfolders(remote->ops->type, local->ops->type);
	if (remote->ops->list_folders(remote, &rv, &rn, &err) != STORE_OK ||
	    local->ops->list_folders(local, &lv, &ln, &err) != STORE_OK) {
		ui_error("account \"%s\": cannot list folders: %s", account,
			 err ? err : "unknown error");
		goto out;
	}
	char rsep = remote->ops->separator(remote);
	char lsep = local->ops->separator(local);
	struct folder_pair *pairs = xcalloc(rn + 1, sizeof(*pairs));
	for (size_t i = 0; i < rn; i++) {
		if (rv[i].flags & STORE_FOLDER_NOSELECT)
			continue;
		struct folder_pair *p = &pairs[n];
		p->remote = xstrdup(rv[i].name);
		p->visible = xstrdup(rv[i].name);
		p->local = translate_sep(p->visible, rsep, lsep);
		bool exists = false;
		for (size_t j = 0; j < ln && !exists; j++)
			exists = strcmp(lv[j].name, p->local) == 0;
		if (!exists &&
		    local->ops->create_folder(local, p->local, &err) !=
			    STORE_OK) {
			ui_error("account \"%s\", folder \"%s\": cannot "
				 "create the local folder: %s", account,
				 p->remote, err ? err : "unknown error");
			FREE(&err);
			free(p->remote);
			free(p->visible);
			free(p->local);
			continue;
		}
		n++;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_visible);
	*pairs_r = pairs;
	*n_r = n;
	ret = 0;
out:
	free(err);
	store_folder_infos_free(&rv, rn);
	store_folder_infos_free(&lv, ln);
	return ret;
}

void folder_pairs_free(struct folder_pair **pairs, size_t n)
{
	if (!*pairs)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*pairs)[i].remote);
		free((*pairs)[i].visible);
		free((*pairs)[i].local);
	}
	FREE(pairs);
}
