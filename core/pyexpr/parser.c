// SPDX-License-Identifier: GPL-2.0-or-later
/* Recursive-descent parser for the Python subset (expressions of Python
 * 3's grammar, and the statements a pythonfile's helpers use), then name
 * resolution: Python's scoping rules (a name assigned in a function is
 * local to it, lambdas and comprehensions see enclosing frames) turned
 * into frame/slot pairs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

#define MAX_NESTING 150

static const char *const keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except",
	"finally", "for", "from", "global", "if", "import", "in", "is",
	"lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
	"while", "with", "yield", NULL
};

static bool tok_is(const struct token *t, const char *s)
{
	return (t->kind == T_NAME || t->kind == T_OP) &&
	       t->len == strlen(s) && memcmp(t->text, s, t->len) == 0;
}

static bool is_keyword(const struct token *t)
{
	if (t->kind != T_NAME)
		return false;
	for (int i = 0; keywords[i]; i++)
		if (tok_is(t, keywords[i]))
			return true;
	return false;
}

static struct token *peek(struct pyx_parser *p)
{
	return &p->toks[p->pos];
}

static struct token *peek2(struct pyx_parser *p)
{
	return p->pos + 1 < p->ntoks ? &p->toks[p->pos + 1] : peek(p);
}

static struct token *next(struct pyx_parser *p)
{
	struct token *t = &p->toks[p->pos];
	if (t->kind != T_EOF)
		p->pos++;
	return t;
}

static bool at(struct pyx_parser *p, const char *s)
{
	return tok_is(peek(p), s);
}

static bool accept(struct pyx_parser *p, const char *s)
{
	if (at(p, s)) {
		next(p);
		return true;
	}
	return false;
}

static void *perror_at(struct pyx_parser *p, enum perr_kind kind,
		       const struct token *t, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void *perror_at(struct pyx_parser *p, enum perr_kind kind,
		       const struct token *t, const char *fmt, ...)
{
	if (p->err)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	p->err = kind;
	p->errmsg = pyx_strdup(p->arena, m);
	free(m);
	p->errline = t->line;
	p->errcol = t->col;
	return NULL;
}

static const char *tok_desc(struct pyx_parser *p, const struct token *t)
{
	switch (t->kind) {
	case T_EOF:
		return "end of input";
	case T_NEWLINE:
		return "end of line";
	case T_INDENT:
		return "indent";
	case T_DEDENT:
		return "unindent";
	case T_STR:
		return "string literal";
	case T_INT:
		return "number";
	default:
		return pyx_printf(p->arena, "'%.*s'", (int)t->len, t->text);
	}
}

static void *unexpected(struct pyx_parser *p)
{
	struct token *t = peek(p);
	if (t->kind == T_BAD)
		return perror_at(p, PERR_UNSUPPORTED, t, "%s", t->text);
	if (tok_is(t, "<>") || tok_is(t, "`"))
		return perror_at(p, PERR_UNSUPPORTED, t, "Python 2 syntax "
				 "%s is not supported", tok_desc(p, t));
	if (tok_is(t, ":=") || tok_is(t, "yield") || tok_is(t, "await") ||
	    tok_is(t, "...") || tok_is(t, "@"))
		return perror_at(p, PERR_UNSUPPORTED, t, "%s is not "
				 "supported", tok_desc(p, t));
	return perror_at(p, PERR_SYNTAX, t, "invalid syntax: unexpected %s",
			 tok_desc(p, t));
}

static bool expect(struct pyx_parser *p, const char *s)
{
	if (accept(p, s))
		return true;
	if (!p->err) {
		struct token *t = peek(p);
		if (t->kind == T_BAD || tok_is(t, "<>") || tok_is(t, "`") ||
		    tok_is(t, ":="))
			unexpected(p);
		else
			perror_at(p, PERR_SYNTAX, t, "invalid syntax: "
				  "expected '%s', found %s", s,
				  tok_desc(p, t));
	}
	return false;
}

static struct ast *node(struct pyx_parser *p, uint8_t kind,
			const struct token *t)
{
	struct ast *n = pyx_alloc(p->arena, sizeof(*n));
	n->kind = kind;
	n->line = t->line;
	n->col = t->col;
	return n;
}

/* Growable pointer vectors in the arena. */
struct vec {
	void **v;
	size_t n, cap;
};

static void vpush(struct pyx_parser *p, struct vec *v, void *x)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4;
		void **nv = pyx_alloc(p->arena, ncap * sizeof(*nv));
		if (v->n)
			memcpy(nv, v->v, v->n * sizeof(*nv));
		v->v = nv;
		v->cap = ncap;
	}
	v->v[v->n++] = x;
}

static const char *name_text(struct pyx_parser *p, const struct token *t)
{
	return pyx_strndup(p->arena, t->text, t->len);
}

static struct ast *test(struct pyx_parser *p);
static struct ast *or_test(struct pyx_parser *p);
static struct ast *bitor(struct pyx_parser *p);
static struct ast *comp_tail(struct pyx_parser *p, uint8_t kind,
			     struct ast *elt, struct ast *val,
			     const struct token *t);

static bool enter(struct pyx_parser *p)
{
	if (++p->depth > p->max_depth) {
		perror_at(p, PERR_SYNTAX, peek(p), "expression too deeply "
			  "nested");
		return false;
	}
	return true;
}

/* ---- f-strings ------------------------------------------------------- */

static struct ast *parse_fstring_body(struct pyx_parser *p, const char *s,
				      size_t n, bool raw, unsigned line,
				      unsigned col, int nest);

/* Line and column of offset `off` in a body starting at line:col. */
static void body_pos(const char *s, size_t off, unsigned line, unsigned col,
		     unsigned *line_r, unsigned *col_r)
{
	size_t ls = 0;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			line++;
			ls = i + 1;
		}
	}
	*line_r = line;
	*col_r = (unsigned)pyx_utf8_count(s + ls, off - ls) +
		 (ls == 0 ? col : 1);
}

static struct ast *sub_expression(struct pyx_parser *p, const char *s,
				  size_t n, unsigned line, unsigned col)
{
	struct pyx_lexer lx;
	memset(&lx, 0, sizeof(lx));
	lx.arena = p->arena;
	lx.src = s;
	lx.len = n;
	lx.line_off = line - 1;
	lx.col_off = col - 1;
	struct token here = { .line = line, .col = col };
	if (memchr(s, '\\', n))
		return perror_at(p, PERR_SYNTAX, &here, "f-string expression "
				 "part cannot include a backslash");
	if (pyx_tokenize(&lx) < 0) {
		struct token et = { .line = lx.errline, .col = lx.errcol };
		return perror_at(p, lx.err, &et, "%s", lx.errmsg);
	}
	struct pyx_parser sub = *p;
	sub.toks = lx.toks;
	sub.ntoks = lx.ntoks;
	sub.pos = 0;
	if (sub.toks[0].kind == T_EOF || sub.toks[0].kind == T_NEWLINE)
		return perror_at(p, PERR_SYNTAX, &here, "f-string: empty "
				 "expression not allowed");
	struct ast *e = test(&sub);
	if (e && accept(&sub, ",")) {
		struct ast *tup = node(&sub, A_TUPLE, &sub.toks[0]);
		struct vec items = { 0 };
		vpush(&sub, &items, e);
		while (peek(&sub)->kind != T_EOF &&
		       peek(&sub)->kind != T_NEWLINE) {
			struct ast *x = test(&sub);
			if (!x)
				break;
			vpush(&sub, &items, x);
			if (!accept(&sub, ","))
				break;
		}
		tup->seq.items = (struct ast **)items.v;
		tup->seq.n = items.n;
		e = tup;
	}
	if (e && peek(&sub)->kind == T_NEWLINE)
		next(&sub);
	if (e && peek(&sub)->kind != T_EOF)
		e = unexpected(&sub);
	p->err = sub.err;
	p->errmsg = sub.errmsg;
	p->errline = sub.errline;
	p->errcol = sub.errcol;
	return e;
}

/* End of the expression part of a replacement field starting at `i`. */
static size_t field_end(const char *s, size_t n, size_t i)
{
	int depth = 0;
	while (i < n) {
		char c = s[i];
		if (c == '\'' || c == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != c)
				j++;
			i = j + 1;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if (c == ')' || c == ']' || (c == '}' && depth > 0))
			depth--;
		else if (depth == 0 && (c == '}' || c == ':' ||
					(c == '!' && !(i + 1 < n &&
						       s[i + 1] == '='))))
			return i;
		else if (depth == 0 && c == '=' && i + 1 < n &&
			 s[i + 1] != '=' && i > 0 &&
			 !strchr("=!<>", s[i - 1]))
			return i;
		i++;
	}
	return n;
}

static struct ast *parse_fstring_body(struct pyx_parser *p, const char *s,
				      size_t n, bool raw, unsigned line,
				      unsigned col, int nest)
{
	struct token here = { .line = line, .col = col };
	struct ast *f = node(p, A_FSTRING, &here);
	struct vec parts = { 0 };
	struct strbuf lit;
	strbuf_init(&lit);
	size_t i = 0;
	while (i <= n) {
		bool flush = i == n;
		if (!flush && s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
			strbuf_addch(&lit, '{');
			i += 2;
			continue;
		}
		if (!flush && s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
			strbuf_addch(&lit, '}');
			i += 2;
			continue;
		}
		if (!flush && s[i] == '}') {
			unsigned l, c;
			body_pos(s, i, line, col, &l, &c);
			struct token t = { .line = l, .col = c };
			strbuf_release(&lit);
			return perror_at(p, PERR_SYNTAX, &t, "f-string: single "
					 "'}' is not allowed");
		}
		if (!flush && s[i] != '{') {
			strbuf_addch(&lit, s[i]);
			i++;
			continue;
		}
		if (lit.len) {
			struct pyx_lexer lx;
			memset(&lx, 0, sizeof(lx));
			lx.arena = p->arena;
			struct token t = { .flags = raw ? SF_RAW : 0 };
			if (pyx_lex_decode(&lx, &t, lit.buf, lit.len, line,
					   col) < 0) {
				strbuf_release(&lit);
				return perror_at(p, lx.err, &here, "%s",
						 lx.errmsg);
			}
			struct ast *c = node(p, A_CONST, &here);
			struct pyx_eval ev;
			memset(&ev, 0, sizeof(ev));
			ev.arena = p->arena;
			c->cval = pyx_str_take(&ev, t.text, t.len);
			vpush(p, &parts, c);
			strbuf_reset(&lit);
		}
		if (flush)
			break;
		/* a replacement field */
		if (nest >= 2) {
			strbuf_release(&lit);
			return perror_at(p, PERR_SYNTAX, &here, "f-string: "
					 "expressions nested too deeply");
		}
		size_t estart = i + 1;
		size_t eend = field_end(s, n, estart);
		unsigned l, c;
		body_pos(s, estart, line, col, &l, &c);
		struct token ft = { .line = l, .col = c };
		if (eend >= n) {
			strbuf_release(&lit);
			return perror_at(p, PERR_SYNTAX, &ft, "f-string: "
					 "expecting '}'");
		}
		if (s[eend] == '=') {
			strbuf_release(&lit);
			return perror_at(p, PERR_UNSUPPORTED, &ft, "f-string "
					 "self-documenting '=' is not "
					 "supported");
		}
		struct ast *fld = node(p, A_FIELD, &ft);
		fld->field.value = sub_expression(p, s + estart,
						  eend - estart, l, c);
		if (!fld->field.value) {
			strbuf_release(&lit);
			return NULL;
		}
		i = eend;
		if (s[i] == '!') {
			if (i + 2 >= n || !strchr("sra", s[i + 1]) ||
			    (s[i + 2] != ':' && s[i + 2] != '}')) {
				strbuf_release(&lit);
				return perror_at(p, PERR_SYNTAX, &ft,
					"f-string: invalid conversion "
					"character: expected 's', 'r', or "
					"'a'");
			}
			fld->field.conv = s[i + 1];
			i += 2;
		}
		if (s[i] == ':') {
			size_t sstart = i + 1, j = sstart;
			int depth = 0;
			while (j < n && (depth > 0 || s[j] != '}')) {
				if (s[j] == '{')
					depth++;
				else if (s[j] == '}')
					depth--;
				j++;
			}
			if (j >= n) {
				strbuf_release(&lit);
				return perror_at(p, PERR_SYNTAX, &ft,
					"f-string: expecting '}'");
			}
			unsigned sl, sc;
			body_pos(s, sstart, line, col, &sl, &sc);
			fld->field.spec = parse_fstring_body(p, s + sstart,
				j - sstart, raw, sl, sc, nest + 1);
			if (!fld->field.spec) {
				strbuf_release(&lit);
				return NULL;
			}
			i = j;
		}
		if (i >= n || s[i] != '}') {
			strbuf_release(&lit);
			return perror_at(p, PERR_SYNTAX, &ft, "f-string: "
					 "expecting '}'");
		}
		i++;
		vpush(p, &parts, fld);
	}
	strbuf_release(&lit);
	f->seq.items = (struct ast **)parts.v;
	f->seq.n = parts.n;
	return f;
}

/* ---- atoms ----------------------------------------------------------- */

static struct ast *strings(struct pyx_parser *p)
{
	struct token *first = peek(p);
	bool bytes = first->flags & SF_BYTES, fstr = false;
	struct vec parts = { 0 };
	struct strbuf sb;
	strbuf_init(&sb);
	struct pyx_eval ev;
	memset(&ev, 0, sizeof(ev));
	ev.arena = p->arena;
	while (peek(p)->kind == T_STR) {
		struct token *t = next(p);
		if (((t->flags & SF_BYTES) != 0) != bytes) {
			strbuf_release(&sb);
			return perror_at(p, PERR_SYNTAX, t, "cannot mix bytes "
					 "and nonbytes literals");
		}
		if (t->flags & SF_FSTRING) {
			fstr = true;
			if (sb.len) {
				struct ast *c = node(p, A_CONST, first);
				c->cval = pyx_str(&ev, sb.buf, sb.len);
				vpush(p, &parts, c);
				strbuf_reset(&sb);
			}
			struct ast *f = parse_fstring_body(p, t->text, t->len,
				t->flags & SF_RAW, t->body_line, t->body_col,
				0);
			if (!f) {
				strbuf_release(&sb);
				return NULL;
			}
			for (size_t i = 0; i < f->seq.n; i++)
				vpush(p, &parts, f->seq.items[i]);
		} else {
			strbuf_add(&sb, t->text, t->len);
		}
	}
	struct ast *n;
	if (!fstr) {
		n = node(p, A_CONST, first);
		if (bytes)
			n->cval = pyx_bytes_take(&ev, pyx_strndup(p->arena,
				sb.buf ? sb.buf : "", sb.len), sb.len);
		else
			n->cval = pyx_str(&ev, sb.buf ? sb.buf : "", sb.len);
	} else {
		if (sb.len) {
			struct ast *c = node(p, A_CONST, first);
			c->cval = pyx_str(&ev, sb.buf, sb.len);
			vpush(p, &parts, c);
		}
		n = node(p, A_FSTRING, first);
		n->seq.items = (struct ast **)parts.v;
		n->seq.n = parts.n;
	}
	strbuf_release(&sb);
	return n;
}

static struct ast *star_or_test(struct pyx_parser *p)
{
	if (at(p, "*")) {
		struct ast *n = node(p, A_STARRED, next(p));
		n->operand = bitor(p);
		return n->operand ? n : NULL;
	}
	return test(p);
}

/* After '(' '[' or '{' (already consumed): a display or comprehension. */
static struct ast *display(struct pyx_parser *p, const struct token *open,
			   uint8_t kind, const char *close)
{
	struct vec items = { 0 };
	if (accept(p, close)) {
		struct ast *n = node(p, kind, open);
		return n;
	}
	if (kind == A_DICT) {
		/* dict or set */
		struct ast *k;
		if (at(p, "**"))
			return unexpected(p);
		k = star_or_test(p);
		if (!k)
			return NULL;
		if (accept(p, ":")) {
			struct ast *v = test(p);
			if (!v)
				return NULL;
			if (at(p, "for") || at(p, "async")) {
				struct ast *c = comp_tail(p, COMP_DICT, k, v,
							  open);
				return c && expect(p, close) ? c : NULL;
			}
			vpush(p, &items, k);
			vpush(p, &items, v);
			while (accept(p, ",")) {
				if (at(p, close))
					break;
				if (at(p, "**"))
					return unexpected(p);
				k = test(p);
				if (!k || !expect(p, ":"))
					return NULL;
				v = test(p);
				if (!v)
					return NULL;
				vpush(p, &items, k);
				vpush(p, &items, v);
			}
			if (!expect(p, close))
				return NULL;
			struct ast *n = node(p, A_DICT, open);
			n->seq.items = (struct ast **)items.v;
			n->seq.n = items.n;
			return n;
		}
		kind = A_SET;
		if (at(p, "for") || at(p, "async")) {
			struct ast *c = comp_tail(p, COMP_SET, k, NULL, open);
			return c && expect(p, close) ? c : NULL;
		}
		vpush(p, &items, k);
	} else {
		struct ast *first = star_or_test(p);
		if (!first)
			return NULL;
		if (at(p, "for") || at(p, "async")) {
			struct ast *c = comp_tail(p, kind == A_LIST ? COMP_LIST
						  : COMP_GEN, first, NULL,
						  open);
			return c && expect(p, close) ? c : NULL;
		}
		if (kind == A_TUPLE && at(p, close) &&
		    first->kind != A_STARRED) {
			next(p);
			return first;	/* parenthesised expression */
		}
		vpush(p, &items, first);
	}
	while (accept(p, ",")) {
		if (at(p, close))
			break;
		struct ast *x = star_or_test(p);
		if (!x)
			return NULL;
		vpush(p, &items, x);
	}
	if (!expect(p, close))
		return NULL;
	struct ast *n = node(p, kind, open);
	n->seq.items = (struct ast **)items.v;
	n->seq.n = items.n;
	return n;
}

static struct ast *atom(struct pyx_parser *p)
{
	struct token *t = peek(p);
	switch (t->kind) {
	case T_STR:
		return strings(p);
	case T_INT: {
		next(p);
		struct ast *n = node(p, A_CONST, t);
		struct pyx_eval ev;
		memset(&ev, 0, sizeof(ev));
		ev.arena = p->arena;
		n->cval = pyx_int(&ev, t->ival);
		return n;
	}
	case T_NAME:
		if (tok_is(t, "None") || tok_is(t, "True") ||
		    tok_is(t, "False")) {
			next(p);
			struct ast *n = node(p, A_CONST, t);
			n->cval = tok_is(t, "None") ? PV_NONE_V :
				  PV_BOOLV(tok_is(t, "True"));
			return n;
		}
		if (is_keyword(t))
			return unexpected(p);
		next(p);
		struct ast *n = node(p, A_NAME, t);
		n->name.id = name_text(p, t);
		return n;
	case T_OP:
		if (tok_is(t, "(")) {
			next(p);
			return display(p, t, A_TUPLE, ")");
		}
		if (tok_is(t, "[")) {
			next(p);
			return display(p, t, A_LIST, "]");
		}
		if (tok_is(t, "{")) {
			next(p);
			return display(p, t, A_DICT, "}");
		}
		return unexpected(p);
	default:
		return unexpected(p);
	}
}

static struct ast *subscript(struct pyx_parser *p)
{
	struct token *t = peek(p);
	struct ast *lo = NULL, *hi = NULL, *step = NULL;
	if (!at(p, ":")) {
		lo = test(p);
		if (!lo)
			return NULL;
		if (!at(p, ":"))
			return lo;
	}
	next(p);
	if (!at(p, "]") && !at(p, ":") && !at(p, ",")) {
		hi = test(p);
		if (!hi)
			return NULL;
	}
	if (accept(p, ":")) {
		if (!at(p, "]") && !at(p, ",")) {
			step = test(p);
			if (!step)
				return NULL;
		}
	}
	struct ast *n = node(p, A_SLICE, t);
	n->slice.lo = lo;
	n->slice.hi = hi;
	n->slice.step = step;
	return n;
}

static struct ast *call_args(struct pyx_parser *p, struct ast *fn,
			     const struct token *open)
{
	struct vec args = { 0 }, kws = { 0 };
	bool seen_kw = false;
	while (!at(p, ")")) {
		struct token *t = peek(p);
		const char *kw = NULL;
		struct ast *a;
		if (accept(p, "*")) {
			kw = "*";
			a = test(p);
		} else if (accept(p, "**")) {
			kw = "**";
			a = test(p);
		} else if (t->kind == T_NAME && tok_is(peek2(p), "=") &&
			   !is_keyword(t)) {
			next(p);
			next(p);
			kw = name_text(p, t);
			a = test(p);
		} else {
			if (seen_kw)
				return perror_at(p, PERR_SYNTAX, t,
					"positional argument follows "
					"keyword argument");
			a = test(p);
			if (a && (at(p, "for") || at(p, "async"))) {
				a = comp_tail(p, COMP_GEN, a, NULL, t);
				if (a && args.n == 0 && !at(p, ")"))
					return perror_at(p, PERR_SYNTAX, t,
						"generator expression must be "
						"parenthesized");
			}
		}
		if (!a)
			return NULL;
		if (kw && strcmp(kw, "*"))
			seen_kw = true;
		vpush(p, &args, a);
		vpush(p, &kws, (void *)kw);
		if (!accept(p, ","))
			break;
	}
	if (!expect(p, ")"))
		return NULL;
	struct ast *n = node(p, A_CALL, open);
	n->call.fn = fn;
	n->call.args = (struct ast **)args.v;
	n->call.kw = (const char **)kws.v;
	n->call.n = args.n;
	return n;
}

static struct ast *atom_expr(struct pyx_parser *p)
{
	if (at(p, "await"))
		return unexpected(p);
	struct ast *e = atom(p);
	while (e) {
		struct token *t = peek(p);
		if (tok_is(t, "(")) {
			next(p);
			e = call_args(p, e, t);
		} else if (tok_is(t, "[")) {
			next(p);
			struct ast *idx = subscript(p);
			if (idx && at(p, ",")) {
				struct ast *tup = node(p, A_TUPLE, t);
				struct vec items = { 0 };
				vpush(p, &items, idx);
				while (accept(p, ",")) {
					if (at(p, "]"))
						break;
					struct ast *x = subscript(p);
					if (!x)
						return NULL;
					vpush(p, &items, x);
				}
				tup->seq.items = (struct ast **)items.v;
				tup->seq.n = items.n;
				idx = tup;
			}
			if (!idx || !expect(p, "]"))
				return NULL;
			struct ast *n = node(p, A_SUBSCRIPT, t);
			n->bin.a = e;
			n->bin.b = idx;
			e = n;
		} else if (tok_is(t, ".")) {
			next(p);
			struct token *nt = peek(p);
			if (nt->kind != T_NAME || is_keyword(nt))
				return perror_at(p, PERR_SYNTAX, nt,
					"invalid syntax: expected an "
					"attribute name");
			next(p);
			struct ast *n = node(p, A_ATTR, nt);
			n->attr.obj = e;
			n->attr.attr = name_text(p, nt);
			e = n;
		} else {
			break;
		}
	}
	return e;
}

static struct ast *factor(struct pyx_parser *p);

static struct ast *power(struct pyx_parser *p)
{
	struct ast *e = atom_expr(p);
	if (e && at(p, "**")) {
		struct ast *n = node(p, A_BINOP, next(p));
		n->op = OP_POW;
		n->bin.a = e;
		n->bin.b = factor(p);
		return n->bin.b ? n : NULL;
	}
	return e;
}

static struct ast *factor(struct pyx_parser *p)
{
	struct token *t = peek(p);
	if (tok_is(t, "-") || tok_is(t, "+") || tok_is(t, "~")) {
		if (!enter(p))
			return NULL;
		next(p);
		struct ast *n = node(p, A_UNARY, t);
		n->op = tok_is(t, "-") ? OP_NEG : tok_is(t, "+") ? OP_POS :
			OP_INVERT;
		n->operand = factor(p);
		p->depth--;
		if (!n->operand)
			return NULL;
		/* fold -<int literal> so that -9223372036854775808 and
		 * negative constants are plain constants */
		if (n->op == OP_NEG && n->operand->kind == A_CONST &&
		    n->operand->cval->type == PV_INT &&
		    n->operand->cval->i > INT64_MIN) {
			struct pyx_eval ev;
			memset(&ev, 0, sizeof(ev));
			ev.arena = p->arena;
			n->kind = A_CONST;
			n->cval = pyx_int(&ev, -n->operand->cval->i);
		}
		return n;
	}
	return power(p);
}

struct binlevel {
	const char *ops[5];
	uint8_t codes[5];
};

static const struct binlevel levels[] = {
	{ { "|" }, { OP_BITOR } },
	{ { "^" }, { OP_BITXOR } },
	{ { "&" }, { OP_BITAND } },
	{ { "<<", ">>" }, { OP_LSHIFT, OP_RSHIFT } },
	{ { "+", "-" }, { OP_ADD, OP_SUB } },
	{ { "*", "//", "%", "/", "@" },
	  { OP_MUL, OP_FLOORDIV, OP_MOD, OP_TRUEDIV, OP_MATMUL } },
};

static struct ast *binary(struct pyx_parser *p, size_t level)
{
	if (level >= ARRAY_SIZE(levels))
		return factor(p);
	struct ast *e = binary(p, level + 1);
	while (e) {
		struct token *t = peek(p);
		int found = -1;
		for (int i = 0; i < 5 && levels[level].ops[i]; i++)
			if (tok_is(t, levels[level].ops[i]))
				found = i;
		if (found < 0)
			break;
		next(p);
		if (levels[level].codes[found] == OP_MATMUL)
			return perror_at(p, PERR_UNSUPPORTED, t, "the '@' "
					 "operator is not supported");
		struct ast *n = node(p, A_BINOP, t);
		n->op = levels[level].codes[found];
		n->bin.a = e;
		n->bin.b = binary(p, level + 1);
		e = n->bin.b ? n : NULL;
	}
	return e;
}

static struct ast *bitor(struct pyx_parser *p)
{
	return binary(p, 0);
}

static int comp_op(struct pyx_parser *p)
{
	struct token *t = peek(p);
	static const struct {
		const char *s;
		int op;
	} ops[] = {
		{ "==", CMP_EQ }, { "!=", CMP_NE }, { "<", CMP_LT },
		{ "<=", CMP_LE }, { ">", CMP_GT }, { ">=", CMP_GE },
		{ "in", CMP_IN },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (tok_is(t, ops[i].s)) {
			next(p);
			return ops[i].op;
		}
	}
	if (tok_is(t, "not") && tok_is(peek2(p), "in")) {
		next(p);
		next(p);
		return CMP_NOTIN;
	}
	if (tok_is(t, "is")) {
		next(p);
		return accept(p, "not") ? CMP_ISNOT : CMP_IS;
	}
	if (tok_is(t, "<>")) {
		unexpected(p);
		return -2;
	}
	return -1;
}

static struct ast *comparison(struct pyx_parser *p)
{
	struct token *t = peek(p);
	struct ast *first = bitor(p);
	if (!first)
		return NULL;
	struct vec rest = { 0 };
	uint8_t ops[64];
	int op;
	while ((op = comp_op(p)) >= 0) {
		if (rest.n >= ARRAY_SIZE(ops))
			return perror_at(p, PERR_SYNTAX, t, "too many chained "
					 "comparisons");
		ops[rest.n] = (uint8_t)op;
		struct ast *x = bitor(p);
		if (!x)
			return NULL;
		vpush(p, &rest, x);
	}
	if (op == -2)
		return NULL;
	if (rest.n == 0)
		return first;
	struct ast *n = node(p, A_COMPARE, t);
	n->cmp.first = first;
	n->cmp.rest = (struct ast **)rest.v;
	n->cmp.n = rest.n;
	n->cmp.ops = pyx_alloc(p->arena, rest.n);
	memcpy(n->cmp.ops, ops, rest.n);
	return n;
}

static struct ast *not_test(struct pyx_parser *p)
{
	if (at(p, "not")) {
		if (!enter(p))
			return NULL;
		struct ast *n = node(p, A_NOT, next(p));
		n->operand = not_test(p);
		p->depth--;
		return n->operand ? n : NULL;
	}
	return comparison(p);
}

static struct ast *boolop(struct pyx_parser *p, const char *op,
			  uint8_t kind)
{
	struct token *t = peek(p);
	struct ast *e = kind == A_OR ? boolop(p, "and", A_AND) : not_test(p);
	if (!e || !at(p, op))
		return e;
	struct vec items = { 0 };
	vpush(p, &items, e);
	while (accept(p, op)) {
		struct ast *x = kind == A_OR ? boolop(p, "and", A_AND) :
			not_test(p);
		if (!x)
			return NULL;
		vpush(p, &items, x);
	}
	struct ast *n = node(p, kind, t);
	n->seq.items = (struct ast **)items.v;
	n->seq.n = items.n;
	return n;
}

static struct ast *or_test(struct pyx_parser *p)
{
	return boolop(p, "or", A_OR);
}

/* Parameters of a lambda (up to ':') or a def (up to ')'). */
static bool params(struct pyx_parser *p, struct pyx_code *code,
		   const char *close)
{
	struct vec names = { 0 }, defaults = { 0 };
	code->vararg = code->kwarg = -1;
	while (!at(p, close)) {
		struct token *t = peek(p);
		bool star = false, dstar = false;
		if (accept(p, "**"))
			dstar = true;
		else if (accept(p, "*"))
			star = true;
		t = peek(p);
		if (star && (at(p, ",") || at(p, close)))
			return perror_at(p, PERR_UNSUPPORTED, t,
				"keyword-only parameters are not supported");
		if (t->kind != T_NAME || is_keyword(t)) {
			perror_at(p, PERR_SYNTAX, t, "invalid syntax: "
				  "expected a parameter name");
			return false;
		}
		next(p);
		const char *name = name_text(p, t);
		for (size_t i = 0; i < names.n; i++)
			if (!strcmp(names.v[i], name)) {
				perror_at(p, PERR_SYNTAX, t, "duplicate "
					  "argument '%s' in function "
					  "definition", name);
				return false;
			}
		if (code->kwarg >= 0) {
			perror_at(p, PERR_SYNTAX, t, "arguments cannot follow "
				  "var-keyword argument");
			return false;
		}
		if (code->vararg >= 0 && !dstar) {
			perror_at(p, PERR_UNSUPPORTED, t, "keyword-only "
				  "parameters are not supported");
			return false;
		}
		if (!strcmp(close, ")") && at(p, ":")) {
			perror_at(p, PERR_UNSUPPORTED, peek(p), "annotations "
				  "are not supported");
			return false;
		}
		vpush(p, &names, (void *)name);
		if (star) {
			code->vararg = (int)names.n - 1;
		} else if (dstar) {
			code->kwarg = (int)names.n - 1;
		} else {
			code->nparams++;
			if (accept(p, "=")) {
				struct ast *d = test(p);
				if (!d)
					return false;
				vpush(p, &defaults, d);
			} else if (defaults.n) {
				perror_at(p, PERR_SYNTAX, t, "non-default "
					  "argument follows default argument");
				return false;
			}
		}
		if (!accept(p, ","))
			break;
	}
	code->slotnames = (const char **)names.v;
	code->nslots = (unsigned)names.n;
	code->defaults = (struct ast **)defaults.v;
	code->ndefaults = (unsigned)defaults.n;
	return true;
}

static struct ast *lambda(struct pyx_parser *p)
{
	struct token *t = next(p);
	struct pyx_code *code = pyx_alloc(p->arena, sizeof(*code));
	code->name = "<lambda>";
	code->src = p->src;
	code->line = t->line;
	code->col = t->col;
	if (!params(p, code, ":") || !expect(p, ":"))
		return NULL;
	code->expr = test(p);
	if (!code->expr)
		return NULL;
	struct ast *n = node(p, A_LAMBDA, t);
	n->lambda = code;
	return n;
}

static struct ast *test(struct pyx_parser *p)
{
	if (!enter(p))
		return NULL;
	struct ast *r;
	if (at(p, "lambda")) {
		r = lambda(p);
	} else {
		struct ast *e = or_test(p);
		if (e && at(p, "if")) {
			struct ast *n = node(p, A_IFEXP, next(p));
			n->ifexp.a = e;
			n->ifexp.cond = or_test(p);
			if (n->ifexp.cond && expect(p, "else"))
				n->ifexp.b = test(p);
			e = n->ifexp.b ? n : NULL;
		}
		r = e;
	}
	if (r && at(p, ":="))
		r = unexpected(p);
	p->depth--;
	return r;
}

/* Targets of `for` (exprlist): bitor-level expressions, comma tuples. */
static struct ast *target_list(struct pyx_parser *p, const char *stop)
{
	struct token *t = peek(p);
	struct ast *first = at(p, "*") ? star_or_test(p) : bitor(p);
	if (!first || !at(p, ","))
		return first;
	struct vec items = { 0 };
	vpush(p, &items, first);
	while (accept(p, ",")) {
		if (at(p, stop))
			break;
		struct ast *x = at(p, "*") ? star_or_test(p) : bitor(p);
		if (!x)
			return NULL;
		vpush(p, &items, x);
	}
	struct ast *n = node(p, A_TUPLE, t);
	n->seq.items = (struct ast **)items.v;
	n->seq.n = items.n;
	return n;
}

static bool check_target(struct pyx_parser *p, struct ast *t, bool del)
{
	switch (t->kind) {
	case A_NAME:
		return true;
	case A_SUBSCRIPT:
		if (t->bin.b->kind == A_SLICE)
			return perror_at(p, PERR_UNSUPPORTED,
				&(struct token){ .line = t->line,
						 .col = t->col },
				"slice assignment is not supported") != NULL;
		return true;
	case A_TUPLE:
	case A_LIST:
		for (size_t i = 0; i < t->seq.n; i++)
			if (!check_target(p, t->seq.items[i], del))
				return false;
		return true;
	case A_STARRED:
		perror_at(p, PERR_UNSUPPORTED, &(struct token){
			.line = t->line, .col = t->col },
			"starred assignment targets are not supported");
		return false;
	case A_ATTR:
		perror_at(p, PERR_UNSUPPORTED, &(struct token){
			.line = t->line, .col = t->col },
			"attribute assignment is not supported");
		return false;
	default:
		perror_at(p, PERR_SYNTAX, &(struct token){
			.line = t->line, .col = t->col },
			del ? "cannot delete expression" :
			"cannot assign to expression");
		return false;
	}
}

static struct ast *comp_tail(struct pyx_parser *p, uint8_t kind,
			     struct ast *elt, struct ast *val,
			     const struct token *t)
{
	struct pyx_comp *c = pyx_alloc(p->arena, sizeof(*c));
	c->kind = kind;
	c->elt = elt;
	c->val = val;
	struct vec fors = { 0 };
	while (at(p, "for") || at(p, "async")) {
		if (at(p, "async"))
			return perror_at(p, PERR_UNSUPPORTED, peek(p),
					 "async comprehensions are not "
					 "supported");
		next(p);
		struct pyx_compfor *f = pyx_alloc(p->arena, sizeof(*f));
		f->target = target_list(p, "in");
		if (!f->target || !check_target(p, f->target, false) ||
		    !expect(p, "in"))
			return NULL;
		f->iter = or_test(p);
		if (!f->iter)
			return NULL;
		struct vec conds = { 0 };
		while (at(p, "if")) {
			next(p);
			struct ast *cnd = or_test(p);
			if (!cnd)
				return NULL;
			vpush(p, &conds, cnd);
		}
		f->conds = (struct ast **)conds.v;
		f->nconds = conds.n;
		vpush(p, &fors, f);
	}
	c->fors = (struct pyx_compfor *)pyx_alloc(p->arena,
		fors.n * sizeof(*c->fors));
	for (size_t i = 0; i < fors.n; i++)
		c->fors[i] = *(struct pyx_compfor *)fors.v[i];
	c->nfors = fors.n;
	struct ast *n = node(p, A_COMP, t);
	n->comp = c;
	return n;
}

/* testlist: test (',' test)* [','] as a tuple when there is a comma. */
static struct ast *testlist(struct pyx_parser *p, bool star)
{
	struct token *t = peek(p);
	struct ast *first = star ? star_or_test(p) : test(p);
	if (!first || !at(p, ","))
		return first;
	struct vec items = { 0 };
	vpush(p, &items, first);
	while (accept(p, ",")) {
		struct token *nt = peek(p);
		if (nt->kind == T_NEWLINE || nt->kind == T_EOF ||
		    tok_is(nt, "=") || tok_is(nt, ")") || tok_is(nt, ";") ||
		    tok_is(nt, ":"))
			break;
		struct ast *x = star ? star_or_test(p) : test(p);
		if (!x)
			return NULL;
		vpush(p, &items, x);
	}
	struct ast *n = node(p, A_TUPLE, t);
	n->seq.items = (struct ast **)items.v;
	n->seq.n = items.n;
	return n;
}

/* ---- statements ------------------------------------------------------ */

static struct stmt *statement(struct pyx_parser *p, bool top);

static struct stmt *new_stmt(struct pyx_parser *p, uint8_t kind,
			     const struct token *t)
{
	struct stmt *s = pyx_alloc(p->arena, sizeof(*s));
	s->kind = kind;
	s->line = t->line;
	s->col = t->col;
	return s;
}

/* A block after ':' : a simple statement list on the same line, or an
 * indented block. */
static struct stmt *suite(struct pyx_parser *p)
{
	if (!expect(p, ":"))
		return NULL;
	if (peek(p)->kind != T_NEWLINE)
		return statement(p, false);
	next(p);
	if (peek(p)->kind != T_INDENT)
		return perror_at(p, PERR_SYNTAX, peek(p), "expected an "
				 "indented block");
	next(p);
	struct stmt *head = NULL, **tail = &head;
	while (peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF) {
		struct stmt *s = statement(p, false);
		if (!s)
			return NULL;
		*tail = s;
		while (s->next)
			s = s->next;
		tail = &s->next;
	}
	next(p);
	return head;
}

static const char *dotted_name(struct pyx_parser *p)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (;;) {
		struct token *t = peek(p);
		if (t->kind != T_NAME || is_keyword(t)) {
			strbuf_release(&sb);
			return perror_at(p, PERR_SYNTAX, t, "invalid syntax: "
					 "expected a module name");
		}
		next(p);
		strbuf_add(&sb, t->text, t->len);
		if (!at(p, "."))
			break;
		next(p);
		strbuf_addch(&sb, '.');
	}
	const char *r = pyx_strdup(p->arena, sb.buf);
	strbuf_release(&sb);
	return r;
}

static struct ast *name_node(struct pyx_parser *p, const struct token *t,
			     const char *id)
{
	struct ast *n = node(p, A_NAME, t);
	n->name.id = id;
	return n;
}

/* import a.b as c, d / from m import x as y, z */
static struct stmt *import_stmt(struct pyx_parser *p, bool top)
{
	struct token *t = peek(p);
	struct stmt *head = NULL, **tail = &head;
	if (accept(p, "import")) {
		do {
			struct token *mt = peek(p);
			const char *mod = dotted_name(p);
			if (!mod)
				return NULL;
			const char *bind = mod;
			struct token *bt = mt;
			if (accept(p, "as")) {
				bt = peek(p);
				if (bt->kind != T_NAME || is_keyword(bt))
					return perror_at(p, PERR_SYNTAX, bt,
						"invalid syntax: expected a "
						"name");
				next(p);
				bind = name_text(p, bt);
			} else if (strchr(mod, '.')) {
				bind = pyx_strndup(p->arena, mod,
						   strcspn(mod, "."));
			}
			if (strcmp(mod, "re") && !top)
				return perror_at(p, PERR_UNSUPPORTED, t,
					"import of module '%s' is not "
					"supported", mod);
			struct stmt *s = new_stmt(p, S_IMPORT, mt);
			s->module = mod;
			s->bind = name_node(p, bt, bind);
			*tail = s;
			tail = &s->next;
		} while (accept(p, ","));
		return head;
	}
	next(p);	/* from */
	struct token *mt = peek(p);
	if (at(p, "."))
		return perror_at(p, PERR_UNSUPPORTED, mt, "relative imports "
				 "are not supported");
	const char *mod = dotted_name(p);
	if (!mod || !expect(p, "import"))
		return NULL;
	bool paren = accept(p, "(");
	if (at(p, "*"))
		return perror_at(p, PERR_UNSUPPORTED, peek(p), "'import *' "
				 "is not supported");
	if (strcmp(mod, "re") && strcmp(mod, "__future__") && !top)
		return perror_at(p, PERR_UNSUPPORTED, t, "import of module "
				 "'%s' is not supported", mod);
	do {
		if (paren && at(p, ")"))
			break;
		struct token *at_ = peek(p);
		if (at_->kind != T_NAME || is_keyword(at_))
			return perror_at(p, PERR_SYNTAX, at_, "invalid "
					 "syntax: expected a name");
		next(p);
		const char *attr = name_text(p, at_);
		const char *bind = attr;
		struct token *bt = at_;
		if (accept(p, "as")) {
			bt = peek(p);
			if (bt->kind != T_NAME || is_keyword(bt))
				return perror_at(p, PERR_SYNTAX, bt, "invalid "
						 "syntax: expected a name");
			next(p);
			bind = name_text(p, bt);
		}
		if (!strcmp(mod, "__future__"))
			continue;
		struct stmt *s = new_stmt(p, S_IMPORT, mt);
		s->module = mod;
		s->attr = attr;
		s->bind = name_node(p, bt, bind);
		*tail = s;
		tail = &s->next;
	} while (accept(p, ","));
	if (paren && !expect(p, ")"))
		return NULL;
	if (!head)
		head = new_stmt(p, S_PASS, t);
	return head;
}

static const struct {
	const char *op;
	uint8_t code;
} augops[] = {
	{ "+=", OP_ADD }, { "-=", OP_SUB }, { "*=", OP_MUL },
	{ "//=", OP_FLOORDIV }, { "%=", OP_MOD }, { "**=", OP_POW },
	{ "<<=", OP_LSHIFT }, { ">>=", OP_RSHIFT }, { "&=", OP_BITAND },
	{ "|=", OP_BITOR }, { "^=", OP_BITXOR }, { "/=", OP_TRUEDIV },
	{ "@=", OP_MATMUL },
};

static struct stmt *small_stmt(struct pyx_parser *p, bool top)
{
	struct token *t = peek(p);
	struct stmt *s;
	if (tok_is(t, "pass")) {
		next(p);
		return new_stmt(p, S_PASS, t);
	}
	if (tok_is(t, "break") || tok_is(t, "continue")) {
		next(p);
		return new_stmt(p, tok_is(t, "break") ? S_BREAK : S_CONTINUE,
				t);
	}
	if (tok_is(t, "return")) {
		next(p);
		s = new_stmt(p, S_RETURN, t);
		if (peek(p)->kind != T_NEWLINE && !at(p, ";") &&
		    peek(p)->kind != T_EOF) {
			s->value = testlist(p, true);
			if (!s->value)
				return NULL;
		}
		return s;
	}
	if (tok_is(t, "raise")) {
		next(p);
		s = new_stmt(p, S_RAISE, t);
		if (peek(p)->kind != T_NEWLINE && !at(p, ";")) {
			s->value = test(p);
			if (!s->value)
				return NULL;
			if (at(p, ","))
				return perror_at(p, PERR_UNSUPPORTED, peek(p),
					"Python 2 raise syntax is not "
					"supported");
			if (at(p, "from"))
				return perror_at(p, PERR_UNSUPPORTED, peek(p),
					"'raise ... from' is not supported");
		}
		return s;
	}
	if (tok_is(t, "assert")) {
		next(p);
		s = new_stmt(p, S_ASSERT, t);
		s->cond = test(p);
		if (s->cond && accept(p, ","))
			s->msg = test(p);
		return s->cond && (!s->msg || !p->err) ? s : NULL;
	}
	if (tok_is(t, "del")) {
		next(p);
		s = new_stmt(p, S_DEL, t);
		struct ast *tl = target_list(p, ";");
		if (!tl || !check_target(p, tl, true))
			return NULL;
		s->targets = pyx_alloc(p->arena, sizeof(*s->targets));
		s->targets[0] = tl;
		s->ntargets = 1;
		return s;
	}
	if (tok_is(t, "import") || tok_is(t, "from"))
		return import_stmt(p, top);
	if (tok_is(t, "global") || tok_is(t, "nonlocal"))
		return perror_at(p, PERR_UNSUPPORTED, t, "'%.*s' statements "
				 "are not supported (pythonfile state is "
				 "read-only)", (int)t->len, t->text);
	if (tok_is(t, "yield"))
		return perror_at(p, PERR_UNSUPPORTED, t, "generators "
				 "(yield) are not supported");
	if ((tok_is(t, "print") || tok_is(t, "exec")) &&
	    peek2(p)->kind != T_NEWLINE && peek2(p)->kind != T_EOF &&
	    !tok_is(peek2(p), "(") && !tok_is(peek2(p), "=") &&
	    !tok_is(peek2(p), ".") && !tok_is(peek2(p), "[") &&
	    !tok_is(peek2(p), ",") && !tok_is(peek2(p), ")") &&
	    !tok_is(peek2(p), ";") && peek2(p)->kind != T_OP)
		return perror_at(p, PERR_UNSUPPORTED, t, "the Python 2 '%.*s' "
				 "statement is not supported", (int)t->len,
				 t->text);
	/* expression statement or assignment */
	struct ast *e = testlist(p, true);
	if (!e)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(augops); i++) {
		if (at(p, augops[i].op)) {
			struct token *ot = next(p);
			if (augops[i].code == OP_MATMUL)
				return perror_at(p, PERR_UNSUPPORTED, ot,
					"the '@' operator is not supported");
			if (e->kind != A_NAME && e->kind != A_SUBSCRIPT) {
				if (e->kind == A_ATTR)
					return perror_at(p, PERR_UNSUPPORTED,
						t, "attribute assignment is "
						"not supported");
				return perror_at(p, PERR_SYNTAX, t,
					"illegal expression for augmented "
					"assignment");
			}
			if (!check_target(p, e, false))
				return NULL;
			s = new_stmt(p, S_AUGASSIGN, t);
			s->op = augops[i].code;
			s->targets = pyx_alloc(p->arena, sizeof(*s->targets));
			s->targets[0] = e;
			s->ntargets = 1;
			s->value = testlist(p, false);
			return s->value ? s : NULL;
		}
	}
	if (at(p, ":"))
		return perror_at(p, PERR_UNSUPPORTED, peek(p), "variable "
				 "annotations are not supported");
	if (!at(p, "=")) {
		s = new_stmt(p, S_EXPR, t);
		s->value = e;
		return s;
	}
	struct vec targets = { 0 };
	while (accept(p, "=")) {
		if (!check_target(p, e, false))
			return NULL;
		vpush(p, &targets, e);
		e = testlist(p, true);
		if (!e)
			return NULL;
	}
	s = new_stmt(p, S_ASSIGN, t);
	s->targets = (struct ast **)targets.v;
	s->ntargets = targets.n;
	s->value = e;
	return s;
}

static struct stmt *simple_stmt(struct pyx_parser *p, bool top)
{
	struct stmt *head = NULL, **tail = &head;
	for (;;) {
		struct stmt *s = small_stmt(p, top);
		if (!s)
			return NULL;
		*tail = s;
		while (s->next)
			s = s->next;
		tail = &s->next;
		if (!accept(p, ";"))
			break;
		if (peek(p)->kind == T_NEWLINE)
			break;
	}
	if (peek(p)->kind == T_NEWLINE) {
		next(p);
	} else if (peek(p)->kind != T_EOF) {
		return unexpected(p);
	}
	return head;
}

static struct stmt *if_stmt(struct pyx_parser *p, bool top)
{
	struct token *t = next(p);	/* if / elif */
	struct stmt *s = new_stmt(p, S_IF, t);
	s->cond = test(p);
	if (!s->cond)
		return NULL;
	s->body = suite(p);
	if (!s->body)
		return NULL;
	if (at(p, "elif")) {
		s->orelse = if_stmt(p, top);
		if (!s->orelse)
			return NULL;
	} else if (accept(p, "else")) {
		s->orelse = suite(p);
		if (!s->orelse)
			return NULL;
	}
	return s;
}

static struct stmt *def_stmt(struct pyx_parser *p)
{
	struct token *t = next(p);
	struct token *nt = peek(p);
	if (nt->kind != T_NAME || is_keyword(nt))
		return perror_at(p, PERR_SYNTAX, nt, "invalid syntax: "
				 "expected a function name");
	next(p);
	struct pyx_code *code = pyx_alloc(p->arena, sizeof(*code));
	code->name = name_text(p, nt);
	code->src = p->src;
	code->line = t->line;
	code->col = t->col;
	code->is_def = true;
	if (!expect(p, "(") || !params(p, code, ")") || !expect(p, ")"))
		return NULL;
	if (at(p, "->"))
		return perror_at(p, PERR_UNSUPPORTED, peek(p), "annotations "
				 "are not supported");
	code->body = suite(p);
	if (!code->body)
		return NULL;
	struct stmt *s = new_stmt(p, S_DEF, t);
	s->def = code;
	s->bind = name_node(p, nt, code->name);
	return s;
}

static struct stmt *statement(struct pyx_parser *p, bool top)
{
	struct token *t = peek(p);
	if (!enter(p))
		return NULL;
	struct stmt *s = NULL;
	if (t->kind == T_INDENT) {
		s = perror_at(p, PERR_SYNTAX, t, "unexpected indent");
	} else if (tok_is(t, "if")) {
		s = if_stmt(p, top);
	} else if (tok_is(t, "for")) {
		next(p);
		s = new_stmt(p, S_FOR, t);
		struct ast *tl = target_list(p, "in");
		if (tl && check_target(p, tl, false) && expect(p, "in")) {
			s->targets = pyx_alloc(p->arena, sizeof(*s->targets));
			s->targets[0] = tl;
			s->ntargets = 1;
			s->value = testlist(p, true);
			if (s->value)
				s->body = suite(p);
			if (s->body && accept(p, "else"))
				s->orelse = suite(p);
		}
		if (p->err)
			s = NULL;
	} else if (tok_is(t, "while")) {
		next(p);
		s = new_stmt(p, S_WHILE, t);
		s->cond = test(p);
		if (s->cond)
			s->body = suite(p);
		if (s->body && accept(p, "else"))
			s->orelse = suite(p);
		if (p->err)
			s = NULL;
	} else if (tok_is(t, "def")) {
		s = def_stmt(p);
	} else if (tok_is(t, "class") || tok_is(t, "try") ||
		   tok_is(t, "with") || tok_is(t, "async") ||
		   tok_is(t, "@") || tok_is(t, "match")) {
		if (tok_is(t, "match") && (tok_is(peek2(p), "=") ||
					   tok_is(peek2(p), "(") ||
					   tok_is(peek2(p), ".") ||
					   peek2(p)->kind == T_NEWLINE)) {
			s = simple_stmt(p, top);
		} else {
			const char *what =
				tok_is(t, "class") ? "class definitions" :
				tok_is(t, "try") ? "try statements" :
				tok_is(t, "with") ? "with statements" :
				tok_is(t, "@") ? "decorators" :
				tok_is(t, "match") ? "match statements" :
				"async statements";
			s = perror_at(p, PERR_UNSUPPORTED, t, "%s are not "
				      "supported", what);
		}
	} else if (tok_is(t, "else") || tok_is(t, "elif") ||
		   tok_is(t, "except") || tok_is(t, "finally")) {
		s = perror_at(p, PERR_SYNTAX, t, "invalid syntax: '%.*s' "
			      "without a matching statement", (int)t->len,
			      t->text);
	} else {
		s = simple_stmt(p, top);
	}
	p->depth--;
	return s;
}

/* ---- skipping unsupported top-level statements ----------------------- */

static void add_name(struct pyx_parser *p, struct vec *names,
		     const struct token *t)
{
	const char *n = name_text(p, t);
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], n))
			return;
	vpush(p, names, (void *)n);
}

/* Index after a block that starts at a NEWLINE token index `i` (the
 * NEWLINE ending a header line): skips NEWLINE INDENT ... DEDENT. */
static size_t skip_block(struct pyx_parser *p, size_t i)
{
	if (i < p->ntoks && p->toks[i].kind == T_NEWLINE)
		i++;
	if (i >= p->ntoks || p->toks[i].kind != T_INDENT)
		return i;
	int depth = 0;
	for (; i < p->ntoks; i++) {
		if (p->toks[i].kind == T_INDENT)
			depth++;
		else if (p->toks[i].kind == T_DEDENT && --depth == 0)
			return i + 1;
		else if (p->toks[i].kind == T_EOF)
			return i;
	}
	return i;
}

/* Skip the statement starting at token `start` (top level) and collect
 * the names it binds; returns the index after it. */
static size_t skip_statement(struct pyx_parser *p, size_t start,
			     struct vec *names)
{
	size_t i = start;
	struct token *tk = p->toks;
	/* decorators first */
	while (tok_is(&tk[i], "@")) {
		while (tk[i].kind != T_NEWLINE && tk[i].kind != T_EOF)
			i++;
		if (tk[i].kind == T_NEWLINE)
			i++;
	}
	bool first = true;
	size_t end = i;
	/* the statement, then any continuation clauses */
	for (;;) {
		struct token *h = &tk[end];
		if (!first && !(tok_is(h, "elif") || tok_is(h, "else") ||
				tok_is(h, "except") || tok_is(h, "finally")))
			break;
		if ((tok_is(h, "def") || tok_is(h, "class")) &&
		    tk[end + 1].kind == T_NAME) {
			add_name(p, names, &tk[end + 1]);
			while (tk[end].kind != T_NEWLINE &&
			       tk[end].kind != T_EOF)
				end++;
			end = skip_block(p, end);
			first = false;
			continue;
		}
		/* header line: scan for bindings */
		size_t line_end = end;
		while (tk[line_end].kind != T_NEWLINE &&
		       tk[line_end].kind != T_EOF)
			line_end++;
		size_t block_end = skip_block(p, line_end);
		/* walk every logical line of header + block */
		size_t j = end;
		bool line_start = true;
		while (j < block_end) {
			struct token *x = &tk[j];
			if (x->kind == T_NEWLINE || x->kind == T_INDENT ||
			    x->kind == T_DEDENT) {
				line_start = true;
				j++;
				continue;
			}
			if (line_start && (tok_is(x, "def") ||
					   tok_is(x, "class")) &&
			    tk[j + 1].kind == T_NAME) {
				add_name(p, names, &tk[j + 1]);
				while (tk[j].kind != T_NEWLINE &&
				       tk[j].kind != T_EOF)
					j++;
				j = skip_block(p, j);
				line_start = true;
				continue;
			}
			if (line_start && tok_is(x, "import")) {
				/* import a.b, c as d */
				j++;
				while (j < block_end && tk[j].kind == T_NAME) {
					size_t nm = j;
					while (tok_is(&tk[j + 1], ".") &&
					       tk[j + 2].kind == T_NAME)
						j += 2;
					j++;
					if (tok_is(&tk[j], "as") &&
					    tk[j + 1].kind == T_NAME) {
						nm = j + 1;
						j += 2;
					}
					add_name(p, names, &tk[nm]);
					if (!tok_is(&tk[j], ","))
						break;
					j++;
				}
				line_start = false;
				continue;
			}
			if (line_start && tok_is(x, "from")) {
				while (j < block_end && !tok_is(&tk[j],
								"import"))
					j++;
				j++;
				if (tok_is(&tk[j], "("))
					j++;
				while (j < block_end && tk[j].kind == T_NAME) {
					size_t nm = j;
					if (tok_is(&tk[j + 1], "as") &&
					    tk[j + 2].kind == T_NAME) {
						nm = j + 2;
						j += 2;
					}
					add_name(p, names, &tk[nm]);
					j++;
					if (!tok_is(&tk[j], ","))
						break;
					j++;
				}
				line_start = false;
				continue;
			}
			if (line_start && (tok_is(x, "for") ||
					   x->kind == T_NAME)) {
				/* NAME [, NAME]* (= | op=)  or  for NAMES in */
				size_t k = tok_is(x, "for") ? j + 1 : j;
				size_t q = k;
				while (tk[q].kind == T_NAME &&
				       !is_keyword(&tk[q]) &&
				       tok_is(&tk[q + 1], ","))
					q += 2;
				if (tk[q].kind == T_NAME &&
				    !is_keyword(&tk[q])) {
					struct token *after = &tk[q + 1];
					bool bind = tok_is(x, "for") ?
						tok_is(after, "in") :
						(tok_is(after, "=") ||
						 (after->kind == T_OP &&
						  after->len >= 2 &&
						  after->text[after->len - 1]
						  == '=' &&
						  !tok_is(after, "==") &&
						  !tok_is(after, "!=") &&
						  !tok_is(after, "<=") &&
						  !tok_is(after, ">=")));
					if (bind)
						for (size_t r = k; r <= q;
						     r += 2)
							add_name(p, names,
								 &tk[r]);
				}
			}
			if (tok_is(x, "as") && tk[j + 1].kind == T_NAME &&
			    !is_keyword(&tk[j + 1]))
				add_name(p, names, &tk[j + 1]);
			line_start = false;
			j++;
		}
		end = block_end;
		first = false;
	}
	return end;
}

/* ---- entry points ---------------------------------------------------- */

static void parser_init(struct pyx_parser *p, struct pyx_arena *arena,
			const struct pyx_source *src)
{
	memset(p, 0, sizeof(*p));
	p->arena = arena;
	p->src = src;
	p->max_depth = MAX_NESTING;
}

static bool lex(struct pyx_parser *p, const char *text, bool file_mode)
{
	struct pyx_lexer lx;
	memset(&lx, 0, sizeof(lx));
	lx.arena = p->arena;
	lx.src = text;
	lx.len = strlen(text);
	lx.file_mode = file_mode;
	if (pyx_tokenize(&lx) < 0) {
		p->err = lx.err;
		p->errmsg = lx.errmsg;
		p->errline = lx.errline;
		p->errcol = lx.errcol;
		return false;
	}
	p->toks = lx.toks;
	p->ntoks = lx.ntoks;
	return true;
}

struct pyx_code *pyx_parse_expr(struct pyx_arena *arena,
				const struct pyx_source *src,
				const char *text, struct pyx_parser *p)
{
	parser_init(p, arena, src);
	if (!lex(p, text, false))
		return NULL;
	struct token *t = peek(p);
	if (t->kind == T_EOF || t->kind == T_NEWLINE)
		return perror_at(p, PERR_SYNTAX, t, "empty expression");
	struct ast *e = testlist(p, true);
	if (!e)
		return NULL;
	while (peek(p)->kind == T_NEWLINE)
		next(p);
	if (peek(p)->kind != T_EOF) {
		if (is_keyword(peek(p)) && tok_is(peek(p), "for"))
			return perror_at(p, PERR_SYNTAX, peek(p), "invalid "
					 "syntax: a generator expression "
					 "needs parentheses");
		return unexpected(p);
	}
	struct pyx_code *code = pyx_alloc(arena, sizeof(*code));
	code->name = "<expression>";
	code->src = src;
	code->line = t->line;
	code->col = t->col;
	code->expr = e;
	code->vararg = code->kwarg = -1;
	return code;
}

struct pyx_code *pyx_parse_module(struct pyx_arena *arena,
				  const struct pyx_source *src,
				  const char *text, struct pyx_parser *p)
{
	parser_init(p, arena, src);
	if (!lex(p, text, true))
		return NULL;
	struct stmt *head = NULL, **tail = &head;
	while (peek(p)->kind != T_EOF) {
		if (peek(p)->kind == T_NEWLINE) {
			next(p);
			continue;
		}
		size_t start = p->pos;
		struct token *t = peek(p);
		struct stmt *s = statement(p, true);
		if (!s && p->err == PERR_UNSUPPORTED) {
			struct vec names = { 0 };
			struct stmt *k = new_stmt(p, S_SKIPPED, t);
			k->reason = pyx_printf(arena, "%s:%u:%u: %s",
					       src->name, p->errline,
					       p->errcol, p->errmsg);
			p->pos = skip_statement(p, start, &names);
			if (p->pos <= start)
				p->pos = start + 1;
			k->names = (const char **)names.v;
			k->nnames = names.n;
			p->err = PERR_NONE;
			p->errmsg = NULL;
			p->depth = 0;
			s = k;
		}
		if (!s)
			return NULL;
		*tail = s;
		while (s->next)
			s = s->next;
		tail = &s->next;
	}
	struct pyx_code *code = pyx_alloc(arena, sizeof(*code));
	code->name = "<module>";
	code->src = src;
	code->line = 1;
	code->col = 1;
	code->body = head;
	code->vararg = code->kwarg = -1;
	return code;
}

/* ---- name resolution ------------------------------------------------- */

struct scope {
	struct scope *parent;
	struct vec names;		/* slot names */
	bool is_module;			/* no frame: names are globals */
};

struct resolver {
	struct pyx_parser *p;
	struct pv *globals;
	bool strict;
};

static int scope_find(const struct scope *s, const char *id)
{
	for (size_t i = 0; i < s->names.n; i++)
		if (!strcmp(s->names.v[i], id))
			return (int)i;
	return -1;
}

static void scope_add(struct resolver *r, struct scope *s, const char *id)
{
	if (scope_find(s, id) < 0)
		vpush(r->p, &s->names, (void *)id);
}

static bool resolve_expr(struct resolver *r, struct scope *s,
			 struct ast *n);
static bool resolve_code(struct resolver *r, struct scope *outer,
			 struct pyx_code *code);

static bool resolve_name(struct resolver *r, struct scope *s, struct ast *n)
{
	unsigned depth = 0;
	for (struct scope *x = s; x && !x->is_module; x = x->parent) {
		int slot = scope_find(x, n->name.id);
		if (slot >= 0) {
			n->name.scope = NS_LOCAL;
			n->name.depth = depth;
			n->name.slot = (unsigned)slot;
			return true;
		}
		depth++;
	}
	n->name.scope = NS_GLOBAL;
	if (r->strict) {
		struct pv *v = r->globals ?
			pyx_dict_gets(r->globals, n->name.id) : NULL;
		if (!v)
			v = pyx_builtin_lookup(n->name.id);
		if (!v) {
			struct token t = { .line = n->line, .col = n->col };
			perror_at(r->p, PERR_SYNTAX, &t, "NameError: name "
				  "'%s' is not defined", n->name.id);
			return false;
		}
		n->name.fixed = v;
	}
	return true;
}

/* Names bound by assignment targets go into scope s. */
static void collect_targets(struct resolver *r, struct scope *s,
			    struct ast *t)
{
	if (t->kind == A_NAME)
		scope_add(r, s, t->name.id);
	else if (t->kind == A_TUPLE || t->kind == A_LIST)
		for (size_t i = 0; i < t->seq.n; i++)
			collect_targets(r, s, t->seq.items[i]);
}

static bool resolve_comp(struct resolver *r, struct scope *s,
			 struct pyx_comp *c)
{
	/* The first iterable is evaluated in the enclosing scope. */
	if (!resolve_expr(r, s, c->fors[0].iter))
		return false;
	struct scope cs = { .parent = s };
	for (size_t i = 0; i < c->nfors; i++)
		collect_targets(r, &cs, c->fors[i].target);
	for (size_t i = 0; i < c->nfors; i++) {
		if (!resolve_expr(r, &cs, c->fors[i].target))
			return false;
		if (i > 0 && !resolve_expr(r, &cs, c->fors[i].iter))
			return false;
		for (size_t k = 0; k < c->fors[i].nconds; k++)
			if (!resolve_expr(r, &cs, c->fors[i].conds[k]))
				return false;
	}
	if (!resolve_expr(r, &cs, c->elt))
		return false;
	if (c->val && !resolve_expr(r, &cs, c->val))
		return false;
	c->nslots = (unsigned)cs.names.n;
	c->slotnames = (const char **)cs.names.v;
	return true;
}

static bool resolve_expr(struct resolver *r, struct scope *s, struct ast *n)
{
	if (!n)
		return true;
	switch (n->kind) {
	case A_CONST:
		return true;
	case A_NAME:
		return resolve_name(r, s, n);
	case A_ATTR:
		return resolve_expr(r, s, n->attr.obj);
	case A_CALL:
		if (!resolve_expr(r, s, n->call.fn))
			return false;
		for (size_t i = 0; i < n->call.n; i++)
			if (!resolve_expr(r, s, n->call.args[i]))
				return false;
		return true;
	case A_SUBSCRIPT:
	case A_BINOP:
		return resolve_expr(r, s, n->bin.a) &&
		       resolve_expr(r, s, n->bin.b);
	case A_SLICE:
		return resolve_expr(r, s, n->slice.lo) &&
		       resolve_expr(r, s, n->slice.hi) &&
		       resolve_expr(r, s, n->slice.step);
	case A_UNARY:
	case A_NOT:
	case A_STARRED:
		return resolve_expr(r, s, n->operand);
	case A_AND:
	case A_OR:
	case A_LIST:
	case A_TUPLE:
	case A_SET:
	case A_DICT:
	case A_FSTRING:
		for (size_t i = 0; i < n->seq.n; i++)
			if (!resolve_expr(r, s, n->seq.items[i]))
				return false;
		return true;
	case A_FIELD:
		return resolve_expr(r, s, n->field.value) &&
		       resolve_expr(r, s, n->field.spec);
	case A_COMPARE:
		if (!resolve_expr(r, s, n->cmp.first))
			return false;
		for (size_t i = 0; i < n->cmp.n; i++)
			if (!resolve_expr(r, s, n->cmp.rest[i]))
				return false;
		return true;
	case A_IFEXP:
		return resolve_expr(r, s, n->ifexp.cond) &&
		       resolve_expr(r, s, n->ifexp.a) &&
		       resolve_expr(r, s, n->ifexp.b);
	case A_LAMBDA:
		return resolve_code(r, s, n->lambda);
	case A_COMP:
		return resolve_comp(r, s, n->comp);
	}
	return true;
}

static void collect_stmt_names(struct resolver *r, struct scope *s,
			       struct stmt *st)
{
	for (; st; st = st->next) {
		switch (st->kind) {
		case S_ASSIGN:
		case S_AUGASSIGN:
		case S_FOR:
		case S_DEL:
			for (size_t i = 0; i < st->ntargets; i++)
				collect_targets(r, s, st->targets[i]);
			break;
		case S_DEF:
		case S_IMPORT:
			scope_add(r, s, st->bind->name.id);
			break;
		default:
			break;
		}
		collect_stmt_names(r, s, st->body);
		collect_stmt_names(r, s, st->orelse);
	}
}

static bool resolve_stmts(struct resolver *r, struct scope *s,
			  struct stmt *st)
{
	for (; st; st = st->next) {
		for (size_t i = 0; i < st->ntargets; i++)
			if (!resolve_expr(r, s, st->targets[i]))
				return false;
		if (!resolve_expr(r, s, st->value) ||
		    !resolve_expr(r, s, st->cond) ||
		    !resolve_expr(r, s, st->msg) ||
		    (st->bind && !resolve_expr(r, s, st->bind)))
			return false;
		if (st->kind == S_DEF && !resolve_code(r, s, st->def))
			return false;
		if (!resolve_stmts(r, s, st->body) ||
		    !resolve_stmts(r, s, st->orelse))
			return false;
	}
	return true;
}

static bool resolve_code(struct resolver *r, struct scope *outer,
			 struct pyx_code *code)
{
	/* defaults belong to the defining scope */
	for (unsigned i = 0; i < code->ndefaults; i++)
		if (!resolve_expr(r, outer, code->defaults[i]))
			return false;
	struct scope s = { .parent = outer };
	for (unsigned i = 0; i < code->nslots; i++)
		vpush(r->p, &s.names, (void *)code->slotnames[i]);
	if (code->body)
		collect_stmt_names(r, &s, code->body);
	if (code->expr && !resolve_expr(r, &s, code->expr))
		return false;
	if (code->body && !resolve_stmts(r, &s, code->body))
		return false;
	code->nslots = (unsigned)s.names.n;
	code->slotnames = (const char **)s.names.v;
	return true;
}

bool pyx_resolve(struct pyx_parser *p, struct pyx_code *code,
		 struct pv *globals, bool strict)
{
	struct resolver r = { .p = p, .globals = globals, .strict = strict };
	struct scope mod = { .is_module = true };
	if (code->expr)
		return resolve_expr(&r, &mod, code->expr);
	return resolve_stmts(&r, &mod, code->body);
}
