/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Start-up compilation of the configuration's Python expressions. */
#include <stdlib.h>
#include <string.h>

#include "cfgexpr.h"
#include "config.h"
#include "util.h"

struct compiled {
	char *section, *option;
	struct pyexpr *expr;
};

/* Written once by cfgexpr_init before any thread starts, then only read. */
static struct pyexpr_ctx *ctx;
static struct compiled *exprs;
static size_t n_exprs;

/* What each expression option must be: a value, or a callable taking this
 * many arguments (SPEC 2.3's table). */
static const struct {
	const char *option;
	int nargs;		/* -1: a plain value */
} repo_options[] = {
	{ "nametrans", 1 }, { "folderfilter", 1 }, { "folderincludes", -1 },
	{ "foldersort", -2 },	/* cmp (2) or key (1) function */
	{ "remotehosteval", -1 }, { "remoteusereval", -1 },
	{ "remotepasseval", -1 }, { "remoteporteval", -1 },
}, mbnames_options[] = {
	{ "header", -1 }, { "sep", -1 }, { "footer", -1 },
	{ "folderfilter", 2 },
};

static bool already(const char *section, const char *option)
{
	for (size_t i = 0; i < n_exprs; i++)
		if (strcmp(exprs[i].section, section) == 0 &&
		    strcmp(exprs[i].option, option) == 0)
			return true;
	return false;
}

static int compile_one(const struct config *cfg, const char *section,
		       const char *option, int nargs, char **err_r)
{
	const char *text;
	int r = config_get(cfg, section, option, &text, err_r);
	if (r <= 0 || already(section, option))
		return r < 0 ? -1 : 0;

	struct pyexpr_origin origin = {
		.file = config_filename(cfg),
		.line = config_line(cfg, section, option),
		.section = section,
		.option = option,
	};
	struct pyexpr *e = pyexpr_compile(ctx, text, &origin, err_r);
	if (!e)
		return -1;
	bool ok = true;
	if (nargs >= 0)
		ok = pyexpr_is_callable(e) && pyexpr_accepts(e, (size_t)nargs);
	else if (nargs == -2)
		ok = pyexpr_is_callable(e) &&
		     (pyexpr_accepts(e, 2) || pyexpr_accepts(e, 1));
	if (!ok) {
		*err_r = xasprintf("%s:%u: [%s] %s: must be a function taking "
				   "%s", origin.file, origin.line, section,
				   option,
				   nargs == 1 ? "one argument (a folder name)"
				   : nargs == 2 ? "two arguments (account and "
						  "folder name)"
				   : "two folder names (cmp) or one (key)");
		pyexpr_free(&e);
		return -1;
	}
	exprs = xrealloc(exprs, (n_exprs + 1) * sizeof(*exprs));
	exprs[n_exprs++] = (struct compiled){
		.section = xstrdup(section), .option = xstrdup(option),
		.expr = e,
	};
	return 0;
}

static int compile_repo(const struct config *cfg, const char *repo,
			char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	int r = 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(repo_options); i++)
		r = compile_one(cfg, sec, repo_options[i].option,
				repo_options[i].nargs, err_r);
	free(sec);
	return r;
}

int cfgexpr_init(const struct config *cfg, const char *const *accounts,
		 void (*warn)(const char *msg), char **err_r)
{
	struct pyexpr_limits limits;
	char *pyfile = NULL;

	pyexpr_default_limits(&limits);
	ctx = pyexpr_ctx_new(&limits);
	if (config_get_path(cfg, "general", "pythonfile", &pyfile, err_r) < 0)
		return -1;
	if (pyfile) {
		/* Loaded once for the whole run (SPEC 9 row 22). */
		int r = pyexpr_ctx_load_file(ctx, pyfile, pyfile, err_r);
		free(pyfile);
		if (r < 0)
			return -1;
		const char *const *w = pyexpr_ctx_warnings(ctx);
		for (; warn && w && *w; w++)
			warn(*w);
	}
	for (const char *const *a = accounts; *a; a++) {
		char *sec = xasprintf("Account %s", *a);
		const char *l = NULL, *rr = NULL;
		int r = config_get(cfg, sec, "localrepository", &l, err_r);
		if (r >= 0)
			r = config_get(cfg, sec, "remoterepository", &rr, err_r);
		free(sec);
		if (r < 0 || (l && compile_repo(cfg, l, err_r) < 0) ||
		    (rr && compile_repo(cfg, rr, err_r) < 0))
			return -1;
	}
	bool mb = false;
	if (config_get_bool(cfg, "mbnames", "enabled", &mb, err_r) < 0)
		return -1;
	for (size_t i = 0; mb && i < ARRAY_SIZE(mbnames_options); i++)
		if (compile_one(cfg, "mbnames", mbnames_options[i].option,
				mbnames_options[i].nargs, err_r) < 0)
			return -1;
	return 0;
}

const struct pyexpr *cfgexpr_get(const char *section, const char *option)
{
	for (size_t i = 0; i < n_exprs; i++)
		if (strcmp(exprs[i].section, section) == 0 &&
		    strcmp(exprs[i].option, option) == 0)
			return exprs[i].expr;
	return NULL;
}

void cfgexpr_free(void)
{
	for (size_t i = 0; i < n_exprs; i++) {
		free(exprs[i].section);
		free(exprs[i].option);
		pyexpr_free(&exprs[i].expr);
	}
	FREE(&exprs);
	n_exprs = 0;
	pyexpr_ctx_unref(&ctx);
}
