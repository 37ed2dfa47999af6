/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Folder structure sync (SPEC 4.2, 6.5): server folders to local names,
 * local folders created where missing, sync order. */
#include <stdlib.h>
#include <string.h>

#include "cfgexpr.h"
#include "config.h"
#include "folders.h"
#include "imap/utf7.h"
#include "mbnames.h"
#include "pathname.h"
#include "ui.h"
#include "util.h"

/* Replace every `from` by `to` (0 = drop nothing: a flat name). */
static char *translate_sep(const char *name, char from, char to)
{
	char *s = xstrdup(name);
	if (from && to && from != to)
		for (char *p = s; *p; p++)
			if (*p == from)
				*p = to;
	return s;
}

static void pair_release(struct folder_pair *p)
{
	free(p->remote);
	free(p->visible);
	free(p->local);
	memset(p, 0, sizeof(*p));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What one cycle needs to turn server names into local ones. */
struct plan {
	const char *account;
	struct store *remote, *local;
	char rsep, lsep;
	bool utf8;			/* [Account] utf8foldernames */
	const struct pyexpr *nametrans, *filter, *includes, *sort;
};

/* The name folderfilter, nametrans and the local side see for server
 * name `server`: itself, or with utf8foldernames its UTF-8 form.  A name
 * that is not valid modified UTF-7 keeps its bytes (with a warning), so
 * that the folder is still synced under a name of its own. */
static char *decoded_name(const struct plan *pl, const char *server)
{
	char *out = NULL;
	if (!pl->utf8)
		return xstrdup(server);
	if (imap_utf7_to_utf8(server, &out) == 0)
		return out;
	ui_warn(true, "account \"%s\": folder name \"%s\" is not valid "
		"modified UTF-7; it is used as it is", pl->account, server);
	return xstrdup(server);
}

/* The server name for a name written in the configuration
 * (folderincludes): with utf8foldernames the configuration speaks UTF-8,
 * the server modified UTF-7.  NULL (warned) when it cannot be encoded. */
static char *server_name(const struct plan *pl, const char *name)
{
	char *out = NULL;
	if (!pl->utf8)
		return xstrdup(name);
	if (imap_utf8_to_utf7(name, &out) == 0)
		return out;
	ui_warn(false, "account \"%s\": folderincludes name \"%s\" is not "
		"valid UTF-8; ignored", pl->account, name);
	return NULL;
}

/* Fill p for server folder `server` (the remote store's own name).
 * Returns 1 when it is to be synced, 0 when folderfilter drops it, -1
 * after reporting an error in an expression. */
static int make_pair(const struct plan *pl, const char *server,
		     bool filtered, struct folder_pair *p)
{
	char *err = NULL;
	char *name = decoded_name(pl, server);

	if (filtered && pl->filter) {
		bool keep = true;
		const char *args[1] = { name };
		if (pyexpr_call_bool(pl->filter, name, 1, args, &keep,
				     &err) < 0)
			goto fail;
		if (!keep) {
			free(name);
			return 0;
		}
	}
	p->remote = xstrdup(server);
	if (pl->nametrans) {
		if (pyexpr_call_string(pl->nametrans, name, &p->visible,
				       &err) < 0)
			goto fail;
		free(name);
	} else {
		p->visible = name;
	}
	name = NULL;
	if (!*p->visible) {
		ui_error("account \"%s\", folder \"%s\": nametrans gives an "
			 "empty name; the folder is not synced", pl->account,
			 server);
		pair_release(p);
		return -1;
	}
	/* SPEC 4.2: the remote separator becomes the local one. */
	p->local = translate_sep(p->visible, pl->rsep, pl->lsep);
	char *enc = NULL;
	if (pl->utf8 && strcmp(pl->local->ops->type, "IMAP") == 0 &&
	    imap_utf8_to_utf7(p->local, &enc) == 0) {
		/* An IMAP local side (SPEC 4.9) names its folders in
		 * modified UTF-7 like every IMAP server. */
		free(p->local);
		p->local = enc;
	}
	return 1;
fail:
	ui_error("account \"%s\", folder \"%s\": %s", pl->account, server,
		 err ? err : "expression failed");
	free(err);
	free(name);
	pair_release(p);
	return -1;
}

/* The metadata base names a pair uses (cycle.c derives them the same
 * way): two folders must not share any of them, nor a local name. */
static void pair_keys(const struct plan *pl, const struct folder_pair *p,
		      char *keys[3])
{
	char rs[2] = { pl->rsep, 0 }, ls[2] = { pl->lsep, 0 };
	char *err = NULL;
	keys[0] = keys[1] = keys[2] = NULL;
	if (pathname_metadata_name(p->visible, rs, &keys[0], &err) < 0)
		FREE(&err);
	if (pathname_metadata_name(p->local, ls, &keys[1], &err) < 0)
		FREE(&err);
	if (pathname_metadata_name(p->remote, rs, &keys[2], &err) < 0)
		FREE(&err);
}

/* True when p would share its local folder or a metadata file with one
 * of the n pairs before it; warns naming both. */
static bool clashes(const struct plan *pl, const struct folder_pair *pairs,
		    size_t n, const struct folder_pair *p)
{
	char *mine[3];
	bool clash = false;
	pair_keys(pl, p, mine);
	for (size_t i = 0; i < n && !clash; i++) {
		char *theirs[3];
		pair_keys(pl, &pairs[i], theirs);
		clash = strcmp(pairs[i].local, p->local) == 0;
		for (int k = 0; k < 3 && !clash; k++)
			clash = mine[k] && theirs[k] &&
				strcmp(mine[k], theirs[k]) == 0;
		if (clash)
			ui_warn(false, "account \"%s\": server folders \"%s\" "
				"and \"%s\" would share the local folder or "
				"the status \"%s\"; only \"%s\" is synced",
				pl->account, pairs[i].remote, p->remote,
				p->local, pairs[i].remote);
		for (int k = 0; k < 3; k++)
			free(theirs[k]);
	}
	for (int k = 0; k < 3; k++)
		free(mine[k]);
	return clash;
}

/* The server names to sync: selectable listed ones, then folderincludes
 * that are not listed already (SPEC 9 row 15) and that the server lets us
 * open (6.5), each once.  *filtered_r[i] says whether folderfilter
 * applies (not to folderincludes). */
static int server_folders(const struct plan *pl, char ***names_r,
			  bool **filtered_r, size_t *n_r)
{
	struct store_folder_info *rv = NULL;
	size_t rn = 0, n = 0;
	char *err = NULL;

	if (pl->remote->ops->list_folders(pl->remote, &rv, &rn, &err) !=
	    STORE_OK) {
		ui_error("account \"%s\": cannot list the server's folders: "
			 "%s", pl->account, err ? err : "unknown error");
		free(err);
		return -1;
	}
	char **incl = NULL;
	if (pl->includes && pyexpr_get_strlist(pl->includes, &incl,
					       &err) < 0) {
		ui_error("account \"%s\": folderincludes: %s", pl->account,
			 err);
		free(err);
		store_folder_infos_free(&rv, rn);
		return -1;
	}
	size_t ni = 0;
	while (incl && incl[ni])
		ni++;
	char **names = xcalloc(rn + ni + 1, sizeof(*names));
	bool *filtered = xcalloc(rn + ni + 1, sizeof(*filtered));
	for (size_t i = 0; i < rn; i++) {
		if (rv[i].flags & STORE_FOLDER_NOSELECT)
			continue;
		names[n] = xstrdup(rv[i].name);
		filtered[n++] = true;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < ni; i++) {
		char *s = server_name(pl, incl[i]);
		bool dup = !s;
		for (size_t j = 0; j < n && !dup; j++) {
			/* Listed already: synced once, and whatever
			 * folderfilter says (an include is not filtered). */
			dup = strcmp(names[j], s) == 0;
			if (dup)
				filtered[j] = false;
		}
		struct store_folder *f = NULL;
		if (!dup && pl->remote->ops->open_folder(pl->remote, s, &f,
							 &err) != STORE_OK) {
			/* 4.0 skips an include the server refuses. */
			ui_debug(OI_DEBUG_IMAP, "folderincludes \"%s\" "
				 "skipped: %s", s, err ? err : "");
			FREE(&err);
			dup = true;
		}
		pl->remote->ops->close_folder(&f);
		if (dup) {
			free(s);
			continue;
		}
		names[n] = s;
		filtered[n++] = false;
	}
	strv_free(&incl);
	store_folder_infos_free(&rv, rn);
	*names_r = names;
	*filtered_r = filtered;
	*n_r = n;
	return 0;
}

/* Order the pairs by foldersort over their visible names (default:
 * byte-wise ascending).  Visible names are unique (clashes were dropped),
 * so the sorted names map back to their pairs. */
static int sort_pairs(const struct plan *pl, struct folder_pair *pairs,
		      size_t n)
{
	char **names = xcalloc(n + 1, sizeof(*names));
	char *err = NULL;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		names[i] = pairs[i].visible;
	if (pl->sort) {
		if (pyexpr_sort(pl->sort, names, n, &err) < 0) {
			ui_error("account \"%s\": foldersort: %s",
				 pl->account, err);
			free(err);
			ret = -1;
		}
	} else {
		qsort(names, n, sizeof(*names), cmp_str);
	}
	struct folder_pair *sorted = xcalloc(n + 1, sizeof(*sorted));
	bool *used = xcalloc(n + 1, sizeof(*used));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (!used[j] && pairs[j].visible == names[i]) {
				sorted[i] = pairs[j];
				used[j] = true;
				break;
			}
	memcpy(pairs, sorted, n * sizeof(*pairs));
	free(used);
	free(sorted);
	free(names);
	return ret;
}

int folders_plan(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local,
		 struct folder_pair **pairs_r, size_t *n_r)
{
	struct plan pl = {
		.account = account, .remote = remote, .local = local,
	};
	struct store_folder_info *lv = NULL;
	char **names = NULL;
	bool *filtered = NULL;
	size_t ln = 0, nn = 0, n = 0;
	struct folder_pair *pairs = NULL;
	char *err = NULL;
	int ret = -1;

	char *asec = xasprintf("Account %s", account);
	char *rsec = xasprintf("Repository %s", remote->name);
	if (cfg && config_get_bool(cfg, asec, "utf8foldernames", &pl.utf8,
				   &err) < 0) {
		ui_error("account \"%s\": %s", account, err);
		goto out;
	}
	pl.nametrans = cfgexpr_get(rsec, "nametrans");
	pl.filter = cfgexpr_get(rsec, "folderfilter");
	pl.includes = cfgexpr_get(rsec, "folderincludes");
	pl.sort = cfgexpr_get(rsec, "foldersort");

	ui_syncfolders(remote->ops->type, local->ops->type);
	if (server_folders(&pl, &names, &filtered, &nn) < 0)
		goto out;
	if (local->ops->list_folders(local, &lv, &ln, &err) != STORE_OK) {
		ui_error("account \"%s\": cannot list the local folders: %s",
			 account, err ? err : "unknown error");
		goto out;
	}
	pl.rsep = remote->ops->separator(remote);
	pl.lsep = local->ops->separator(local);

	pairs = xcalloc(nn + 1, sizeof(*pairs));
	int failed = 0;
	for (size_t i = 0; i < nn; i++) {
		struct folder_pair *p = &pairs[n];
		int r = make_pair(&pl, names[i], filtered[i], p);
		if (r < 0)
			failed = 1;
		if (r <= 0)
			continue;
		if (clashes(&pl, pairs, n, p)) {
			failed = 1;
			pair_release(p);
			continue;
		}
		bool exists = false;
		for (size_t j = 0; j < ln && !exists; j++)
			exists = strcmp(lv[j].name, p->local) == 0;
		if (!exists && local->ops->create_folder(local, p->local,
							 &err) != STORE_OK) {
			ui_error("account \"%s\", folder \"%s\": cannot "
				 "create the local folder: %s", account,
				 p->remote, err ? err : "unknown error");
			FREE(&err);
			pair_release(p);
			failed = 1;
			continue;
		}
		n++;
	}
	if (sort_pairs(&pl, pairs, n) < 0)
		failed = 1;
	*pairs_r = pairs;
	*n_r = n;
	pairs = NULL;
	ret = failed;
out:
	free(pairs);
	free(err);
	strv_free(&names);
	free(filtered);
	store_folder_infos_free(&lv, ln);
	free(asec);
	free(rsec);
	return ret;
}

int folders_info(const struct config *cfg, const char *account,
		 struct store *remote, struct store *local, FILE *out)
{
	struct plan pl = {
		.account = account, .remote = remote, .local = local,
	};
	char **names = NULL;
	bool *filtered = NULL;
	size_t nn = 0, n = 0;
	char *err = NULL;
	int failed = 0;

	char *asec = xasprintf("Account %s", account);
	char *rsec = xasprintf("Repository %s", remote->name);
	if (cfg && config_get_bool(cfg, asec, "utf8foldernames", &pl.utf8,
				   &err) < 0) {
		ui_error("account \"%s\": %s", account, err);
		free(err);
		free(asec);
		free(rsec);
		return -1;
	}
	free(asec);
	pl.nametrans = cfgexpr_get(rsec, "nametrans");
	pl.filter = cfgexpr_get(rsec, "folderfilter");
	pl.includes = cfgexpr_get(rsec, "folderincludes");
	pl.sort = cfgexpr_get(rsec, "foldersort");
	free(rsec);
	if (server_folders(&pl, &names, &filtered, &nn) < 0)
		return -1;
	pl.rsep = remote->ops->separator(remote);
	pl.lsep = local->ops->separator(local);

	/* Included folders in sync order, then the excluded ones by name,
	 * each with the local name it has or would have. */
	struct folder_pair *pairs = xcalloc(nn + 1, sizeof(*pairs));
	bool *excluded = xcalloc(nn + 1, sizeof(*excluded));
	for (size_t i = 0; i < nn; i++) {
		int r = make_pair(&pl, names[i], filtered[i], &pairs[n]);
		if (r < 0) {
			failed = 1;
			continue;
		}
		if (r == 0) {
			excluded[i] = true;
			continue;
		}
		n++;
	}
	if (sort_pairs(&pl, pairs, n) < 0)
		failed = 1;
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s\tinclude\t%s\n", pairs[i].remote,
			pairs[i].local);
		mbnames_add(account, pairs[i].local);
	}
	for (size_t i = 0; i < nn; i++) {
		struct folder_pair p = { 0 };
		if (!excluded[i] || make_pair(&pl, names[i], false, &p) <= 0)
			continue;
		fprintf(out, "%s\texclude\t%s\n", p.remote, p.local);
		pair_release(&p);
	}
	fflush(out);
	folder_pairs_free(&pairs, n);
	free(excluded);
	strv_free(&names);
	free(filtered);
	return failed ? -1 : 0;
}

void folder_pairs_free(struct folder_pair **pairs, size_t n)
{
	if (!*pairs)
		return;
	for (size_t i = 0; i < n; i++)
		pair_release(&(*pairs)[i]);
	FREE(pairs);
}
