// SPDX-License-Identifier: GPL-2.0-or-later
/* The public face of the evaluator (pyexpr.h): contexts, compiling an
 * option once, and the typed calls the sync engine makes, each evaluation
 * in its own arena so threads never share mutable state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

struct pyexpr {
	struct pyexpr_ctx *ctx;
	struct pyx_arena arena;		/* tree and value, frozen */
	struct pyx_source src;
	char *file, *section, *option;
	unsigned line;
	struct pv *value;
};

void pyexpr_default_limits(struct pyexpr_limits *l)
{
	l->max_steps = 5000000;
	l->max_depth = 200;
	l->max_memory = 64u * 1024 * 1024;
	l->max_string = 4u * 1024 * 1024;
	l->regex_match_limit = 1000000;
	l->regex_depth_limit = 10000;
	l->regex_heap_kib = 16 * 1024;
}

struct pyexpr_ctx *pyexpr_ctx_new(const struct pyexpr_limits *limits)
{
	struct pyexpr_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->refs = 1;
	if (limits)
		ctx->lim = *limits;
	else
		pyexpr_default_limits(&ctx->lim);
	pyx_arena_init(&ctx->arena, ctx->lim.max_memory);
	pthread_mutex_init(&ctx->re_lock, NULL);
	struct pyx_eval ev;
	pyx_eval_init(&ev, ctx, &ctx->arena, NULL);
	ctx->globals = pyx_dict(&ev);
	/* shared read-only from now on; only the pythonfile loader, which
	 * runs before any evaluation, thaws it */
	pyx_freeze(ctx->globals);
	return ctx;
}

static void ctx_ref(struct pyexpr_ctx *ctx)
{
	__atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void pyexpr_ctx_unref(struct pyexpr_ctx **ctxp)
{
	struct pyexpr_ctx *ctx = *ctxp;
	*ctxp = NULL;
	if (!ctx || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < ctx->nwarnings; i++)
		free(ctx->warnings[i]);
	free(ctx->warnings);
	pyx_recache_free(ctx);
	pyx_arena_release(&ctx->arena);
	pthread_mutex_destroy(&ctx->re_lock);
	free(ctx);
}

/* "<file>:<line>: [<section>] <option>: " */
static void origin_prefix(struct strbuf *sb, const char *file, unsigned line,
			  const char *section, const char *option)
{
	strbuf_addstr(sb, file ? file : "<config>");
	if (line)
		strbuf_addf(sb, ":%u", line);
	strbuf_addstr(sb, ": ");
	if (section)
		strbuf_addf(sb, "[%s] ", section);
	if (option)
		strbuf_addf(sb, "%s: ", option);
}

static char *runtime_error(const struct pyexpr *e, struct pyx_eval *ev,
			   const char *folder)
{
	struct strbuf sb;
	strbuf_init(&sb);
	origin_prefix(&sb, e->file, e->line, e->section, e->option);
	if (folder)
		strbuf_addf(&sb, "folder \"%s\": ", folder);
	char *t = pyx_error_text(ev);
	strbuf_addstr(&sb, t);
	free(t);
	return strbuf_detach(&sb);
}

struct pyexpr *pyexpr_compile(struct pyexpr_ctx *ctx, const char *text,
			      const struct pyexpr_origin *origin,
			      char **err_r)
{
	struct pyexpr *e = xcalloc(1, sizeof(*e));
	ctx_ref(ctx);
	e->ctx = ctx;
	pyx_arena_init(&e->arena, ctx->lim.max_memory);
	if (origin) {
		e->file = origin->file ? xstrdup(origin->file) : NULL;
		e->section = origin->section ? xstrdup(origin->section) : NULL;
		e->option = origin->option ? xstrdup(origin->option) : NULL;
		e->line = origin->line;
	}
	e->src.name = e->file ? e->file : "<config>";
	e->src.line0 = e->line;
	struct pyx_parser p;
	struct pyx_code *code = pyx_parse_expr(&e->arena, &e->src, text, &p);
	if (code && !pyx_resolve(&p, code, ctx->globals, true))
		code = NULL;
	if (!code) {
		struct strbuf sb;
		strbuf_init(&sb);
		unsigned line = e->line ? e->line + p.errline - 1 :
			(p.errline > 1 ? p.errline : 0);
		origin_prefix(&sb, e->file, line, e->section, e->option);
		strbuf_addf(&sb, "column %u: %s", p.errcol, p.errmsg);
		*err_r = strbuf_detach(&sb);
		pyexpr_free(&e);
		return NULL;
	}
	struct pyx_eval ev;
	pyx_eval_init(&ev, ctx, &e->arena, ctx->globals);
	ev.code = code;
	struct pv *v = pyx_eval_expr(&ev, code->expr, NULL);
	/* A generator is consumed once, at start-up, so that the value
	 * can be shared. */
	if (v && v->type == PV_GEN)
		v = pyx_to_list(&ev, v);
	if (!v) {
		*err_r = runtime_error(e, &ev, NULL);
		pyexpr_free(&e);
		return NULL;
	}
	pyx_freeze(v);
	e->value = v;
	return e;
}

void pyexpr_free(struct pyexpr **ep)
{
	struct pyexpr *e = *ep;
	if (!e)
		return;
	*ep = NULL;
	pyx_arena_release(&e->arena);
	pyexpr_ctx_unref(&e->ctx);
	free(e->file);
	free(e->section);
	free(e->option);
	free(e);
}

bool pyexpr_is_callable(const struct pyexpr *e)
{
	uint8_t t = e->value->type;
	return t == PV_FUNC || t == PV_BUILTIN || t == PV_METHOD ||
	       t == PV_TYPE;
}

bool pyexpr_accepts(const struct pyexpr *e, size_t nargs)
{
	return pyx_accepts(e->value, nargs);
}

/* ---- evaluations ------------------------------------------------------- */

struct run {
	struct pyx_arena arena;
	struct pyx_eval ev;
};

static void run_begin(const struct pyexpr *e, struct run *r)
{
	pyx_arena_init(&r->arena, e->ctx->lim.max_memory);
	pyx_eval_init(&r->ev, e->ctx, &r->arena, e->ctx->globals);
}

static void run_end(struct run *r)
{
	pyx_arena_release(&r->arena);
}

static char *value_error(const struct pyexpr *e, const char *folder,
			 const char *what, const struct pv *v)
{
	struct strbuf sb;
	strbuf_init(&sb);
	origin_prefix(&sb, e->file, e->line, e->section, e->option);
	if (folder)
		strbuf_addf(&sb, "folder \"%s\": ", folder);
	strbuf_addf(&sb, "TypeError: %s, not %s", what, pyx_typename(v));
	return strbuf_detach(&sb);
}

static struct pv *call_strings(struct run *r, const struct pyexpr *e,
			       size_t nargs, const char *const *args)
{
	struct pv **argv = pyx_alloc(&r->arena, (nargs + 1) * sizeof(*argv));
	for (size_t i = 0; i < nargs; i++)
		argv[i] = pyx_cstr(&r->ev, args[i]);
	struct pyx_args a = { .pos = argv, .n = nargs };
	return pyx_call(&r->ev, e->value, &a);
}

int pyexpr_get_string(const struct pyexpr *e, char **value_r, char **err_r)
{
	struct pv *v = e->value;
	if (v->type != PV_STR && v->type != PV_BYTES) {
		*err_r = value_error(e, NULL, "the value must be a string", v);
		return -1;
	}
	*value_r = xstrndup(v->str.s, v->str.len);
	return 0;
}

int pyexpr_get_int(const struct pyexpr *e, long *value_r, char **err_r)
{
	struct pv *v = e->value;
	if (v->type == PV_INT || v->type == PV_BOOL) {
		*value_r = (long)v->i;
		return 0;
	}
	if (v->type == PV_STR) {
		/* remoteporteval = "993" is common: accept a number in a
		 * string as int() would */
		struct run r;
		run_begin(e, &r);
		struct pv *i = pyx_int_parse(&r.ev, v, 10);
		int rc = 0;
		if (i)
			*value_r = (long)i->i;
		else {
			*err_r = runtime_error(e, &r.ev, NULL);
			rc = -1;
		}
		run_end(&r);
		return rc;
	}
	*err_r = value_error(e, NULL, "the value must be an integer", v);
	return -1;
}

int pyexpr_get_strlist(const struct pyexpr *e, char ***list_r, char **err_r)
{
	struct pv *v = e->value;
	if (v->type == PV_STR || v->type == PV_BYTES) {
		*err_r = value_error(e, NULL, "the value must be a list of "
				     "folder names", v);
		return -1;
	}
	struct run r;
	run_begin(e, &r);
	struct pv *l = pyx_to_list(&r.ev, v);
	if (!l) {
		*err_r = runtime_error(e, &r.ev, NULL);
		run_end(&r);
		return -1;
	}
	char **out = xcalloc(l->seq.n + 1, sizeof(*out));
	for (size_t i = 0; i < l->seq.n; i++) {
		struct pv *x = l->seq.items[i];
		if (x->type != PV_STR && x->type != PV_BYTES) {
			char *what = xasprintf("item %zu of the list must be a "
					       "folder name (a string)", i);
			*err_r = value_error(e, NULL, what, x);
			free(what);
			strv_free(&out);
			run_end(&r);
			return -1;
		}
		out[i] = xstrndup(x->str.s, x->str.len);
	}
	run_end(&r);
	*list_r = out;
	return 0;
}

static bool check_callable(const struct pyexpr *e, size_t nargs,
			   const char *folder, char **err_r)
{
	if (pyexpr_is_callable(e))
		return true;
	struct strbuf sb;
	strbuf_init(&sb);
	origin_prefix(&sb, e->file, e->line, e->section, e->option);
	if (folder)
		strbuf_addf(&sb, "folder \"%s\": ", folder);
	strbuf_addf(&sb, "TypeError: the value must be a function of %zu "
		    "argument%s (such as a lambda), not %s", nargs,
		    nargs == 1 ? "" : "s", pyx_typename(e->value));
	*err_r = strbuf_detach(&sb);
	return false;
}

int pyexpr_call_string(const struct pyexpr *e, const char *arg,
		       char **result_r, char **err_r)
{
	if (!check_callable(e, 1, arg, err_r))
		return -1;
	struct run r;
	run_begin(e, &r);
	struct pv *v = call_strings(&r, e, 1, &arg);
	int rc = -1;
	if (!v)
		*err_r = runtime_error(e, &r.ev, arg);
	else if (v->type != PV_STR && v->type != PV_BYTES)
		*err_r = value_error(e, arg, "the function must return a "
				     "string", v);
	else if (memchr(v->str.s, '\0', v->str.len))
		*err_r = value_error(e, arg, "the function must return a "
				     "string without NUL characters", v);
	else {
		*result_r = xstrndup(v->str.s, v->str.len);
		rc = 0;
	}
	run_end(&r);
	return rc;
}

int pyexpr_call_bool(const struct pyexpr *e, const char *folder,
		     size_t nargs, const char *const *args, bool *result_r,
		     char **err_r)
{
	if (!check_callable(e, nargs, folder, err_r))
		return -1;
	struct run r;
	run_begin(e, &r);
	struct pv *v = call_strings(&r, e, nargs, args);
	int rc = -1;
	if (!v) {
		*err_r = runtime_error(e, &r.ev, folder);
	} else {
		*result_r = pyx_truth(v);
		rc = 0;
	}
	run_end(&r);
	return rc;
}

static int cmp_result(const struct pyexpr *e, struct pyx_eval *ev,
		      struct pv *v, const char *label, int *result_r,
		      char **err_r)
{
	if (!v) {
		*err_r = runtime_error(e, ev, label);
		return -1;
	}
	if (v->type != PV_INT && v->type != PV_BOOL) {
		*err_r = value_error(e, label, "the comparison function must "
				     "return an integer", v);
		return -1;
	}
	*result_r = v->i < 0 ? -1 : v->i > 0;
	return 0;
}

int pyexpr_call_cmp(const struct pyexpr *e, const char *x, const char *y,
		    int *result_r, char **err_r)
{
	char *label = xasprintf("%s\" and \"%s", x, y);
	int rc = -1;
	if (check_callable(e, 2, label, err_r)) {
		struct run r;
		run_begin(e, &r);
		const char *args[2] = { x, y };
		struct pv *v = call_strings(&r, e, 2, args);
		rc = cmp_result(e, &r.ev, v, label, result_r, err_r);
		run_end(&r);
	}
	free(label);
	return rc;
}

/* ---- sorting ---------------------------------------------------------------- */

struct sorter {
	const struct pyexpr *e;
	struct run *r;
	char **names;
	struct pv **keys;	/* key mode */
	struct pv **strs;	/* cmp mode: the names as values */
	char *err;
};

/* sign of item[i] compared with item[j]; INT32_MIN on error */
static int sorter_cmp(struct sorter *s, size_t i, size_t j)
{
	struct pyx_eval *ev = &s->r->ev;
	if (s->keys) {
		int c = pyx_order(ev, s->keys[i], s->keys[j], "<");
		if (c == -2) {
			char *label = xasprintf("%s\" and \"%s", s->names[i],
						s->names[j]);
			s->err = runtime_error(s->e, ev, label);
			free(label);
			return INT32_MIN;
		}
		return c;
	}
	struct pyx_mark m;
	pyx_arena_mark(&s->r->arena, &m);
	ev->steps = 0;
	struct pv *v = pyx_call2(ev, s->e->value, s->strs[i], s->strs[j]);
	int res;
	char *label = xasprintf("%s\" and \"%s", s->names[i], s->names[j]);
	int rc = cmp_result(s->e, ev, v, label, &res, &s->err);
	free(label);
	pyx_arena_rewind(&s->r->arena, &m);
	return rc < 0 ? INT32_MIN : res;
}

static bool merge(struct sorter *s, size_t *idx, size_t *tmp, size_t n)
{
	if (n < 2)
		return true;
	size_t h = n / 2;
	if (!merge(s, idx, tmp, h) || !merge(s, idx + h, tmp, n - h))
		return false;
	memcpy(tmp, idx, h * sizeof(*idx));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		int c = sorter_cmp(s, idx[j], tmp[i]);
		if (c == INT32_MIN)
			return false;
		if (c < 0)
			idx[k++] = idx[j++];
		else
			idx[k++] = tmp[i++];
	}
	while (i < h)
		idx[k++] = tmp[i++];
	return true;
}

int pyexpr_sort(const struct pyexpr *e, char **names, size_t n,
		char **err_r)
{
	bool cmp_mode = pyexpr_accepts(e, 2);
	if (!pyexpr_is_callable(e) || (!cmp_mode && !pyexpr_accepts(e, 1))) {
		struct strbuf sb;
		strbuf_init(&sb);
		origin_prefix(&sb, e->file, e->line, e->section, e->option);
		strbuf_addf(&sb, "TypeError: the value must be a comparison "
			    "function of two folder names or a key function "
			    "of one, not %s", pyx_typename(e->value));
		*err_r = strbuf_detach(&sb);
		return -1;
	}
	struct run r;
	run_begin(e, &r);
	struct sorter s = { .e = e, .r = &r, .names = names };
	struct pv **vals = pyx_alloc(&r.arena, (n + 1) * sizeof(*vals));
	for (size_t i = 0; i < n; i++)
		vals[i] = pyx_cstr(&r.ev, names[i]);
	if (cmp_mode) {
		s.strs = vals;
	} else {
		s.keys = pyx_alloc(&r.arena, (n + 1) * sizeof(*s.keys));
		for (size_t i = 0; i < n; i++) {
			r.ev.steps = 0;
			s.keys[i] = pyx_call1(&r.ev, e->value, vals[i]);
			if (!s.keys[i]) {
				*err_r = runtime_error(e, &r.ev, names[i]);
				run_end(&r);
				return -1;
			}
		}
	}
	size_t *idx = xcalloc(n + 1, sizeof(*idx));
	size_t *tmp = xcalloc(n / 2 + 1, sizeof(*tmp));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	int rc = 0;
	if (!merge(&s, idx, tmp, n)) {
		*err_r = s.err;
		rc = -1;
	} else {
		char **sorted = xcalloc(n + 1, sizeof(*sorted));
		for (size_t i = 0; i < n; i++)
			sorted[i] = names[idx[i]];
		memcpy(names, sorted, n * sizeof(*names));
		free(sorted);
	}
	free(idx);
	free(tmp);
	run_end(&r);
	return rc;
}

/* ---- helpers for callers ----------------------------------------------- */

int pyexpr_format_mapping(const char *fmt, size_t n, const char *const *keys,
			  const char *const *values, char **result_r,
			  char **err_r)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	struct pyx_arena arena;
	pyx_arena_init(&arena, ctx->lim.max_memory);
	struct pyx_eval ev;
	pyx_eval_init(&ev, ctx, &arena, NULL);
	struct pv *d = pyx_dict(&ev);
	for (size_t i = 0; i < n; i++)
		pyx_dict_sets(&ev, d, keys[i], pyx_cstr(&ev, values[i]));
	struct pv *r = pyx_str_mod(&ev, pyx_cstr(&ev, fmt), d);
	int rc = 0;
	if (!r) {
		*err_r = pyx_error_text(&ev);
		rc = -1;
	} else {
		*result_r = xstrndup(r->str.s, r->str.len);
	}
	pyx_arena_release(&arena);
	pyexpr_ctx_unref(&ctx);
	return rc;
}

int pyexpr_eval_repr(const struct pyexpr *e, bool call, size_t nargs,
		     const char *const *args, char **repr_r, char **err_r)
{
	struct run r;
	run_begin(e, &r);
	struct pv *v = e->value;
	if (call)
		v = call_strings(&r, e, nargs, args);
	if (v && v->type == PV_GEN)
		v = pyx_to_list(&r.ev, v);
	struct pv *rep = v ? pyx_repr(&r.ev, v) : NULL;
	int rc = 0;
	if (!rep) {
		*err_r = runtime_error(e, &r.ev, NULL);
		rc = -1;
	} else {
		*repr_r = xstrndup(rep->str.s, rep->str.len);
	}
	run_end(&r);
	return rc;
}
