// SPDX-License-Identifier: GPL-2.0-or-later
/* The pythonfile loader: runs the file's top-level statements once into
 * the context's globals.  A statement outside the subset, or one that
 * fails (it uses an unsupported module, say), does not stop start-up: the
 * names it would bind become "unavailable" values that carry the reason
 * and location, and a warning is recorded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

static void add_warning(struct pyexpr_ctx *ctx, char *msg)
{
	ctx->warnings = xrealloc(ctx->warnings, (ctx->nwarnings + 2) *
				 sizeof(*ctx->warnings));
	ctx->warnings[ctx->nwarnings++] = msg;
	ctx->warnings[ctx->nwarnings] = NULL;
}

struct names {
	const char **v;
	size_t n;
};

static void names_add(struct pyx_arena *a, struct names *ns, const char *n)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], n))
			return;
	const char **nv = pyx_alloc(a, (ns->n + 1) * sizeof(*nv));
	if (ns->n)
		memcpy(nv, ns->v, ns->n * sizeof(*nv));
	nv[ns->n++] = n;
	ns->v = nv;
}

static void target_names(struct pyx_arena *a, struct names *ns,
			 struct ast *t)
{
	if (t->kind == A_NAME)
		names_add(a, ns, t->name.id);
	else if (t->kind == A_TUPLE || t->kind == A_LIST)
		for (size_t i = 0; i < t->seq.n; i++)
			target_names(a, ns, t->seq.items[i]);
}

/* Names a top-level statement binds (through nested blocks too). */
static void stmt_names(struct pyx_arena *a, struct names *ns, struct stmt *s,
		       bool chain)
{
	for (; s; s = chain ? s->next : NULL) {
		switch (s->kind) {
		case S_ASSIGN:
		case S_AUGASSIGN:
		case S_FOR:
			for (size_t i = 0; i < s->ntargets; i++)
				target_names(a, ns, s->targets[i]);
			break;
		case S_DEF:
		case S_IMPORT:
			names_add(a, ns, s->bind->name.id);
			break;
		case S_SKIPPED:
			for (size_t i = 0; i < s->nnames; i++)
				names_add(a, ns, s->names[i]);
			break;
		default:
			break;
		}
		stmt_names(a, ns, s->body, true);
		stmt_names(a, ns, s->orelse, true);
		if (!chain)
			break;
	}
}

struct loadstate {
	struct pyexpr_ctx *ctx;
	const struct pyx_source *src;
};

static bool mark_unavailable(struct pyx_eval *ev, const char *name,
			     const char *reason)
{
	/* A skipped fallback must not hide a builtin of the same name
	 * (try: unicode / except NameError: unicode = str). */
	if (pyx_builtin_lookup(name))
		return false;
	struct pv *u = pyx_new(ev, PV_UNAVAIL);
	u->unavail.name = pyx_strdup(ev->arena, name);
	u->unavail.reason = reason;
	pyx_dict_sets(ev, ev->globals, name, u);
	return true;
}

static void on_skip(void *arg, struct stmt *s, struct pyx_eval *ev)
{
	struct loadstate *ls = arg;
	struct names ns = { 0 };
	stmt_names(ev->arena, &ns, s, false);
	const char *reason;
	if (s->kind == S_SKIPPED) {
		reason = s->reason;
	} else {
		/* the location is given in front already */
		ev->err_code = NULL;
		char *text = pyx_error_text(ev);
		unsigned line = ev->err_line ? ev->err_line : s->line;
		unsigned col = ev->err_line ? ev->err_col : s->col;
		reason = pyx_printf(ev->arena, "%s:%u:%u: %s", ls->src->name,
				    line, col, text);
		free(text);
	}
	bool failed = ev->failed;
	pyx_clear_error(ev);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s: statement skipped", reason);
	bool first = true;
	for (size_t i = 0; i < ns.n; i++) {
		if (!mark_unavailable(ev, ns.v[i], reason))
			continue;
		strbuf_addstr(&sb, first ? "; unavailable: " : ", ");
		strbuf_addstr(&sb, ns.v[i]);
		first = false;
	}
	(void)failed;
	add_warning(ls->ctx, strbuf_detach(&sb));
}

int pyexpr_ctx_load_source(struct pyexpr_ctx *ctx, const char *name,
			   const char *text, char **err_r)
{
	if (ctx->loaded) {
		*err_r = xasprintf("%s: a pythonfile is already loaded", name);
		return -1;
	}
	ctx->loaded = true;
	struct pyx_arena *a = &ctx->arena;
	/* Python reads source with universal newlines */
	size_t n = strlen(text);
	char *src = pyx_alloc(a, n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\r') {
			src[k++] = '\n';
			if (i + 1 < n && text[i + 1] == '\n')
				i++;
		} else {
			src[k++] = text[i];
		}
	}
	src[k] = '\0';
	/* a UTF-8 byte order mark is allowed */
	if (!strncmp(src, "\xef\xbb\xbf", 3))
		src += 3;
	struct pyx_source *s = pyx_alloc(a, sizeof(*s));
	s->name = pyx_strdup(a, name);
	s->is_file = true;
	struct pyx_parser p;
	struct pyx_code *code = pyx_parse_module(a, s, src, &p);
	if (!code) {
		*err_r = xasprintf("%s:%u:%u: %s%s", name, p.errline,
				   p.errcol, p.err == PERR_UNSUPPORTED ?
				   "unsupported: " : "", p.errmsg);
		return -1;
	}
	pyx_resolve(&p, code, NULL, false);
	ctx->globals->frozen = false;
	struct pyx_eval ev;
	pyx_eval_init(&ev, ctx, a, ctx->globals);
	ev.code = code;
	pyx_dict_sets(&ev, ctx->globals, "__name__",
		      pyx_cstr(&ev, "__offlineimap__"));
	pyx_dict_sets(&ev, ctx->globals, "__file__", pyx_cstr(&ev, name));
	struct stmt *first = code->body;
	pyx_dict_sets(&ev, ctx->globals, "__doc__",
		      first && first->kind == S_EXPR &&
		      first->value->kind == A_CONST &&
		      first->value->cval->type == PV_STR ?
		      first->value->cval : PV_NONE_V);
	struct loadstate ls = { .ctx = ctx, .src = s };
	pyx_exec_module(&ev, code->body, on_skip, &ls);
	pyx_freeze(ctx->globals);
	return 0;
}

int pyexpr_ctx_load_file(struct pyexpr_ctx *ctx, const char *path,
			 const char *display, char **err_r)
{
	const char *name = display ? display : path;
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err_r = sys_errmsg("cannot open pythonfile %s", name);
		return -1;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[8192];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&sb, buf, got);
		if (sb.len > 16 * 1024 * 1024) {
			fclose(f);
			strbuf_release(&sb);
			*err_r = xasprintf("%s: pythonfile too large", name);
			return -1;
		}
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		strbuf_release(&sb);
		errno = EIO;
		*err_r = sys_errmsg("cannot read pythonfile %s", name);
		return -1;
	}
	if (sb.len && memchr(sb.buf, '\0', sb.len)) {
		strbuf_release(&sb);
		*err_r = xasprintf("%s: source code cannot contain null bytes",
				   name);
		return -1;
	}
	int r = pyexpr_ctx_load_source(ctx, name, sb.buf ? sb.buf : "",
				       err_r);
	strbuf_release(&sb);
	return r;
}

const char *const *pyexpr_ctx_warnings(const struct pyexpr_ctx *ctx)
{
	static const char *const none[] = { NULL };
	return ctx->warnings ? (const char *const *)ctx->warnings : none;
}
