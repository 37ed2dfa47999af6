/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mbnames writer: collects (account, local folder) pairs and writes the
 * file a mail reader sources, atomically. */
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cfgexpr.h"
#include "config.h"
#include "fsutil.h"
#include "mbnames.h"
#include "ui.h"
#include "util.h"

struct mb_account {
	char *name;
	char **folders;		/* in first-seen order */
	size_t n;
};

static pthread_mutex_t mb_lock = PTHREAD_MUTEX_INITIALIZER;
static bool enabled;
static char *filename, *peritem;
static struct mb_account *accts;
static size_t n_accts;

int mbnames_init(const struct config *cfg, const char *const *accounts,
		 char **err_r)
{
	const char *item = NULL;

	if (config_get_bool(cfg, "mbnames", "enabled", &enabled, err_r) < 0)
		return -1;
	if (!enabled)
		return 0;
	if (config_get_path(cfg, "mbnames", "filename", &filename, err_r) < 0)
		return -1;
	/* peritem is a raw %-format: no interpolation (SPEC 2.2). */
	if (config_get_raw(cfg, "mbnames", "peritem", &item) <= 0 ||
	    !filename) {
		*err_r = xasprintf("%s: [mbnames] enabled needs filename and "
				   "peritem", config_filename(cfg));
		return -1;
	}
	peritem = xstrdup(item);
	for (const char *const *a = accounts; *a; a++) {
		accts = xrealloc(accts, (n_accts + 1) * sizeof(*accts));
		accts[n_accts++] = (struct mb_account){ .name = xstrdup(*a) };
	}
	return 0;
}

void mbnames_add(const char *account, const char *folder)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&mb_lock);
	for (size_t i = 0; i < n_accts; i++) {
		struct mb_account *a = &accts[i];
		if (strcmp(a->name, account) != 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < a->n && !seen; j++)
			seen = strcmp(a->folders[j], folder) == 0;
		if (!seen) {
			a->folders = xrealloc(a->folders,
					      (a->n + 1) * sizeof(char *));
			a->folders[a->n++] = xstrdup(folder);
		}
	}
	pthread_mutex_unlock(&mb_lock);
}

static int eval_string(const char *option, char **out_r, char **err_r)
{
	const struct pyexpr *e = cfgexpr_get("mbnames", option);
	if (!e) {
		*err_r = xasprintf("[mbnames] %s is not set", option);
		return -1;
	}
	return pyexpr_get_string(e, out_r, err_r);
}

/* Called with mb_lock held.  Returns the text, or NULL with *err_r. */
static char *build_text(char **err_r)
{
	char *header = NULL, *sep = NULL, *footer = NULL;
	const struct pyexpr *filter = cfgexpr_get("mbnames", "folderfilter");
	struct strbuf sb;
	bool first = true;

	strbuf_init(&sb);
	if (eval_string("header", &header, err_r) < 0 ||
	    eval_string("sep", &sep, err_r) < 0 ||
	    eval_string("footer", &footer, err_r) < 0)
		goto fail;
	strbuf_addstr(&sb, header);
	for (size_t i = 0; i < n_accts; i++) {
		for (size_t j = 0; j < accts[i].n; j++) {
			const char *args[2] = { accts[i].name,
						accts[i].folders[j] };
			bool keep = true;
			if (filter &&
			    pyexpr_call_bool(filter, accts[i].folders[j], 2,
					     args, &keep, err_r) < 0)
				goto fail;
			if (!keep)
				continue;
			static const char *const keys[2] = { "accountname",
							     "foldername" };
			char *item = NULL;
			if (pyexpr_format_mapping(peritem, 2, keys, args, &item,
						  err_r) < 0)
				goto fail;
			if (!first)
				strbuf_addstr(&sb, sep);
			strbuf_addstr(&sb, item);
			free(item);
			first = false;
		}
	}
	strbuf_addstr(&sb, footer);
	free(header);
	free(sep);
	free(footer);
	return strbuf_detach(&sb);
fail:
	free(header);
	free(sep);
	free(footer);
	strbuf_release(&sb);
	return NULL;
}

char *mbnames_text(void)
{
	char *err = NULL, *text = NULL;
	if (!enabled)
		return NULL;
	pthread_mutex_lock(&mb_lock);
	text = build_text(&err);
	pthread_mutex_unlock(&mb_lock);
	if (!text) {
		ui_error("mbnames: %s", err);
		free(err);
	}
	return text;
}

int mbnames_write(void)
{
	char *err = NULL;
	int ret = 0;

	if (!enabled)
		return 0;
	pthread_mutex_lock(&mb_lock);
	/* Only when every account contributed (SPEC 5.12): a partial list
	 * would make the mail reader forget mailboxes. */
	for (size_t i = 0; i < n_accts; i++)
		if (!accts[i].n)
			goto out;
	char *text = build_text(&err);
	if (!text) {
		ui_error("mbnames: %s", err);
		ret = -1;
		goto out;
	}
	char *dcopy = xstrdup(filename), *bcopy = xstrdup(filename);
	if (fsutil_write_file_atomic(dirname(dcopy), basename(bcopy), text,
				     strlen(text), &err) < 0) {
		ui_error("mbnames: %s", err);
		ret = -1;
	}
	free(dcopy);
	free(bcopy);
	free(text);
out:
	pthread_mutex_unlock(&mb_lock);
	free(err);
	return ret;
}

void mbnames_free(void)
{
	for (size_t i = 0; i < n_accts; i++) {
		free(accts[i].name);
		for (size_t j = 0; j < accts[i].n; j++)
			free(accts[i].folders[j]);
		free(accts[i].folders);
	}
	FREE(&accts);
	n_accts = 0;
	FREE(&filename);
	FREE(&peritem);
	enabled = false;
}
