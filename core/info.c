/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --info: the folder plan of every account, printed, nothing changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "folders.h"
#include "imap/mapped.h"
#include "imap/store.h"
#include "info.h"
#include "maildir/store.h"
#include "mbnames.h"
#include "ui.h"
#include "util.h"

static struct store *open_side(const struct config *cfg, const char *account,
			       const char *repo, bool local,
			       const char *metadata, char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	const char *type = "";
	struct store *st = NULL;

	if (config_get(cfg, sec, "type", &type, err_r) >= 0) {
		if (!local && strcmp(type, "IMAP") == 0)
			st = imap_store_new(cfg, account, repo, err_r);
		else if (local && strcmp(type, "Maildir") == 0)
			st = maildir_store_new(cfg, repo, err_r);
		else if (local && strcmp(type, "IMAP") == 0)
			st = mapped_imap_store_new(cfg, account, repo,
						   metadata, err_r);
		else
			*err_r = xasprintf("[%s] type = %s cannot be the %s "
					   "side", sec, type,
					   local ? "local" : "remote");
	}
	free(sec);
	return st;
}

int info_run(const struct config *cfg, const char *const *accounts,
	     const char *metadata)
{
	int failed = 0;

	for (const char *const *a = accounts; *a; a++) {
		char *sec = xasprintf("Account %s", *a);
		const char *lrepo = NULL, *rrepo = NULL;
		struct store *local = NULL, *remote = NULL;
		char *err = NULL;

		printf("[Account %s]\n", *a);
		fflush(stdout);
		if (config_get(cfg, sec, "localrepository", &lrepo, &err) <= 0 ||
		    config_get(cfg, sec, "remoterepository", &rrepo,
			       &err) <= 0 ||
		    !(remote = open_side(cfg, *a, rrepo, false, metadata,
					 &err)) ||
		    !(local = open_side(cfg, *a, lrepo, true, metadata,
					&err))) {
			ui_error("account \"%s\": %s", *a,
				 err ? err : "repositories not configured");
			failed = 1;
		} else {
			/* An IMAP local side knows its separator once it has
			 * listed its folders. */
			if (strcmp(local->ops->type, "Maildir") != 0) {
				struct store_folder_info *v = NULL;
				size_t n = 0;
				if (local->ops->list_folders(local, &v, &n,
							     &err) != STORE_OK) {
					ui_error("account \"%s\": %s", *a, err);
					failed = 1;
				}
				store_folder_infos_free(&v, n);
			}
			if (!failed && folders_info(cfg, *a, remote, local,
						    stdout) < 0)
				failed = 1;
		}
		if (local)
			local->ops->free(&local);
		if (remote)
			remote->ops->free(&remote);
		free(err);
		free(sec);
	}
	char *text = mbnames_text();
	if (text) {
		printf("[mbnames]\n%s", text);
		free(text);
	}
	fflush(stdout);
	return failed ? -1 : 0;
}
