/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One sync cycle of one account (SPEC 4.1-4.2): make the stores, mirror
 * the folder structure from the server, then sync every folder pair. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cycle.h"
#include "folders.h"
#include "fsutil.h"
#include "imap/store.h"
#include "maildir/store.h"
#include "pathname.h"
#include "sync.h"
#include "ui.h"
#include "util.h"

static struct store *make_store(const struct config *cfg, const char *account,
				const char *repo, bool local, char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	const char *type = NULL;
	struct store *st = NULL;

	if (config_get(cfg, sec, "type", &type, err_r) < 0)
		goto out;
	if (type && strcmp(type, "Maildir") == 0 && local)
		st = maildir_store_new(cfg, repo, err_r);
	else if (type && strcmp(type, "IMAP") == 0 && !local)
		st = imap_store_new(cfg, account, repo, err_r);
	else
		*err_r = xasprintf("[%s] type = %s cannot be the %s side in "
				   "this version", sec, type ? type : "",
				   local ? "local" : "remote");
out:
	free(sec);
	return st;
}

static int ensure_dir(const char *path)
{
	char *err = NULL;
	if (fsutil_mkdir_0700(path, NULL, &err) == 0)
		return 0;
	ui_error("%s", err);
	free(err);
	return -1;
}

static char *sep_string(char sep, char buf[2])
{
	buf[0] = sep;
	buf[1] = '\0';
	return sep ? buf : NULL;
}

int account_cycle(const struct config *cfg, const char *account,
		  const char *metadata, struct sync_stats *stats)
{
	char *sec = xasprintf("Account %s", account);
	const char *lrepo = NULL, *rrepo = NULL;
	struct store *local = NULL, *remote = NULL;
	struct folder_pair *pairs = NULL;
	size_t n = 0;
	char *err = NULL;
	char *statusdir = NULL, *lvdir = NULL, *rvdir = NULL;
	int failed = 0;
	bool ignore_ro = false, mass = false;

	if (config_get(cfg, sec, "localrepository", &lrepo, &err) <= 0 ||
	    config_get(cfg, sec, "remoterepository", &rrepo, &err) <= 0 ||
	    config_get_bool(cfg, "general", "ignore-readonly", &ignore_ro,
			    &err) < 0 ||
	    config_get_bool(cfg, sec, "allow_mass_delete", &mass, &err) < 0) {
		ui_error("account \"%s\": %s", account,
			 err ? err : "repositories not configured");
		failed = 1;
		goto out;
	}
	if (!(remote = make_store(cfg, account, rrepo, false, &err)) ||
	    !(local = make_store(cfg, account, lrepo, true, &err))) {
		ui_error("account \"%s\": %s", account, err);
		failed = 1;
		goto out;
	}

	/* Metadata layout of SPEC 5.1, each level created 0700. */
	char *acctdir = xasprintf("%s/Account-%s", metadata, account);
	char *lrdir = xasprintf("%s/Repository-%s", metadata, lrepo);
	char *rrdir = xasprintf("%s/Repository-%s", metadata, rrepo);
	statusdir = xasprintf("%s/LocalStatus", acctdir);
	lvdir = xasprintf("%s/FolderValidity", lrdir);
	rvdir = xasprintf("%s/FolderValidity", rrdir);
	int dirs = ensure_dir(acctdir) | ensure_dir(statusdir) |
		   ensure_dir(lrdir) | ensure_dir(lvdir) | ensure_dir(rrdir) |
		   ensure_dir(rvdir);
	free(acctdir);
	free(lrdir);
	free(rrdir);
	if (dirs) {
		failed = 1;
		goto out;
	}

	if (folders_plan(cfg, account, remote, local, &pairs, &n) < 0) {
		failed = 1;
		goto out;
	}
	char rsepbuf[2], lsepbuf[2];
	const char *rsep = sep_string(remote->ops->separator(remote), rsepbuf);
	const char *lsep = sep_string(local->ops->separator(local), lsepbuf);
	for (size_t i = 0; i < n && !ui_quit_requested(NULL); i++) {
		char *sname = NULL, *lbase = NULL, *rbase = NULL;
		if (pathname_metadata_name(pairs[i].visible, rsep, &sname,
					   &err) < 0 ||
		    pathname_metadata_name(pairs[i].local, lsep, &lbase,
					   &err) < 0 ||
		    pathname_metadata_name(pairs[i].remote, rsep, &rbase,
					   &err) < 0) {
			ui_error("account \"%s\", folder \"%s\": %s", account,
				 pairs[i].remote, err);
			FREE(&err);
			failed = 1;
		} else {
			struct sync_folder_job job = {
				.account = account,
				.local = local, .remote = remote,
				.local_name = pairs[i].local,
				.remote_name = pairs[i].remote,
				.status_dir = statusdir,
				.status_name = sname,
				.local_validity_dir = lvdir,
				.local_validity_name = lbase,
				.remote_validity_dir = rvdir,
				.remote_validity_name = rbase,
				.ignore_readonly = ignore_ro,
				.allow_mass_delete = mass,
			};
			int r = sync_folder(&job, stats, &err);
			if (r != STORE_OK) {
				failed = 1;
				if (err)
					ui_error("account \"%s\", folder "
						 "\"%s\": %s", account,
						 pairs[i].remote, err);
				FREE(&err);
			}
		}
		free(sname);
		free(lbase);
		free(rbase);
	}
out:
	folder_pairs_free(&pairs, n);
	if (local) {
		local->ops->end_cycle(local);
		local->ops->free(&local);
	}
	if (remote) {
		remote->ops->end_cycle(remote);
		remote->ops->free(&remote);
	}
	free(statusdir);
	free(lvdir);
	free(rvdir);
	free(err);
	free(sec);
	return failed ? -1 : 0;
}
