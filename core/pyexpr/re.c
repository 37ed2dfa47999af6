// SPDX-License-Identifier: GPL-2.0-or-later
/* The `re` module on PCRE2: Python's regex syntax is translated so that
 * it means what it means in Python (escapes, \Z, octal and backreference
 * rules, {,n}, inline flags, Unicode-aware \d \w \s), matching follows
 * Python 3.7+'s rules for empty matches, and re.sub's templates (\1,
 * \g<name>) and function replacements work as in Python.  Every match is
 * bounded by PCRE2's match, depth and heap limits.  Compiled patterns are
 * cached per context under a lock; they are shared read-only by threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pyexpr/internal.h"
#include "util.h"

/* Python's flag values. */
enum {
	RE_I = 2, RE_L = 4, RE_M = 8, RE_S = 16, RE_U = 32, RE_X = 64,
	RE_A = 256,
};

#define RECACHE_MAX 512

struct re_name {
	char *name;
	uint32_t index;
};

struct pyx_pattern {
	pcre2_code *code;
	char *src;		/* the Python pattern */
	size_t srclen;
	int flags;		/* Python flags, with RE_U unless RE_A */
	int keyflags;		/* the flags asked for (cache key) */
	uint32_t ngroups;
	struct re_name *names;
	uint32_t nnames;
};

struct pyx_recache {
	struct pyx_pattern **pats;
	size_t n;
};

struct pyx_match {
	struct pyx_pattern *pat;
	struct pv *string;
	size_t pos, endpos;	/* code points, as given */
	PCRE2_SIZE *ov;		/* 2 * (ngroups + 1) byte offsets */
};

/* ---- translation ---------------------------------------------------------- */

struct xlate {
	const char *p;
	size_t n, i;
	struct strbuf out;
	int flags;		/* may gain RE_A, RE_X from (?ax) */
	int keyflags;		/* as asked */
	char err[160];
	size_t errpos;
};

static bool xerr(struct xlate *x, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool xerr(struct xlate *x, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->errpos = pos;
	return false;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_oct(char c)
{
	return c >= '0' && c <= '7';
}

static void put_char(struct xlate *x, uint32_t c)
{
	strbuf_addf(&x->out, "\\x{%" PRIx32 "}", c);
}

/* \x \u \U: fixed number of hex digits. */
static bool hex_escape(struct xlate *x, size_t start, int digits)
{
	uint32_t v = 0;
	for (int k = 0; k < digits; k++) {
		if (x->i >= x->n || hexv(x->p[x->i]) < 0)
			return xerr(x, start, "incomplete escape \\%c",
				    x->p[start + 1]);
		v = v * 16 + (uint32_t)hexv(x->p[x->i++]);
	}
	if (v > 0x10ffff)
		return xerr(x, start, "bad escape \\%c", x->p[start + 1]);
	put_char(x, v);
	return true;
}

/* After a backslash at x->i - 1; in_class selects the class rules. */
static bool escape(struct xlate *x, bool in_class)
{
	size_t start = x->i - 1;
	if (x->i >= x->n)
		return xerr(x, start, "bad escape (end of pattern)");
	size_t cstart = x->i;
	uint32_t c = pyx_utf8_next(x->p, x->n, &x->i);
	switch (c) {
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
	case 'n': case 'r': case 't': case 'f':
		strbuf_addch(&x->out, '\\');
		strbuf_addch(&x->out, (char)c);
		return true;
	case 'a':
		put_char(x, 7);
		return true;
	case 'v':
		put_char(x, 11);
		return true;
	case 'b':
		if (in_class)
			put_char(x, 8);
		else
			strbuf_addstr(&x->out, "\\b");
		return true;
	case 'A': case 'B': case 'Z': case 'z':
		if (in_class)
			return xerr(x, start, "bad escape \\%c", (char)c);
		strbuf_addstr(&x->out, c == 'A' ? "\\A" : c == 'B' ? "\\B" :
			      "\\z");
		return true;
	case 'x':
		return hex_escape(x, start, 2);
	case 'u':
		return hex_escape(x, start, 4);
	case 'U':
		return hex_escape(x, start, 8);
	case 'N':
		return xerr(x, start, "\\N{...} escapes are not supported");
	case '0': {
		uint32_t v = 0;
		for (int k = 0; k < 2 && x->i < x->n && is_oct(x->p[x->i]);
		     k++)
			v = v * 8 + (uint32_t)(x->p[x->i++] - '0');
		put_char(x, v);
		return true;
	}
	default:
		break;
	}
	if (c >= '1' && c <= '9') {
		if (in_class) {
			if (!is_oct((char)c))
				return xerr(x, start, "bad escape \\%c",
					    (char)c);
			uint32_t v = c - '0';
			for (int k = 0; k < 2 && x->i < x->n &&
			     is_oct(x->p[x->i]); k++)
				v = v * 8 + (uint32_t)(x->p[x->i++] - '0');
			if (v > 0377)
				return xerr(x, start, "octal escape value "
					    "\\%o outside of range 0-0o377", v);
			put_char(x, v);
			return true;
		}
		uint32_t group = c - '0';
		if (x->i < x->n && x->p[x->i] >= '0' && x->p[x->i] <= '9') {
			if (is_oct((char)c) && is_oct(x->p[x->i]) &&
			    x->i + 1 < x->n && is_oct(x->p[x->i + 1])) {
				uint32_t v = (c - '0') * 64 +
					(uint32_t)(x->p[x->i] - '0') * 8 +
					(uint32_t)(x->p[x->i + 1] - '0');
				x->i += 2;
				if (v > 0377)
					return xerr(x, start, "octal escape "
						"value \\%o outside of range "
						"0-0o377", v);
				put_char(x, v);
				return true;
			}
			group = group * 10 + (uint32_t)(x->p[x->i++] - '0');
		}
		strbuf_addf(&x->out, "(?:\\g{%" PRIu32 "})", group);
		return true;
	}
	if (c < 0x80 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return xerr(x, start, "bad escape \\%c", (char)c);
	/* punctuation and anything else: the character itself */
	strbuf_addch(&x->out, '\\');
	strbuf_add(&x->out, x->p + cstart, x->i - cstart);
	return true;
}

/* A '{' outside a class: Python's quantifier forms, else a literal. */
static void brace(struct xlate *x)
{
	size_t j = x->i;
	size_t lo0 = j;
	while (j < x->n && x->p[j] >= '0' && x->p[j] <= '9')
		j++;
	size_t lo1 = j;
	bool comma = false;
	size_t hi0 = j, hi1 = j;
	if (j < x->n && x->p[j] == ',') {
		comma = true;
		j++;
		hi0 = j;
		while (j < x->n && x->p[j] >= '0' && x->p[j] <= '9')
			j++;
		hi1 = j;
	}
	if (j < x->n && x->p[j] == '}') {
		strbuf_addch(&x->out, '{');
		if (lo1 > lo0)
			strbuf_add(&x->out, x->p + lo0, lo1 - lo0);
		else
			strbuf_addch(&x->out, '0');
		if (comma || lo1 == lo0) {
			strbuf_addch(&x->out, ',');
			strbuf_add(&x->out, x->p + hi0, hi1 - hi0);
		}
		strbuf_addch(&x->out, '}');
		x->i = j + 1;
		return;
	}
	strbuf_addstr(&x->out, "\\{");
}

/* "(?" at x->i - 2. */
static bool group_ext(struct xlate *x)
{
	size_t start = x->i - 2;
	if (x->i >= x->n)
		return xerr(x, start, "unexpected end of pattern");
	char c = x->p[x->i];
	if (c == ':' || c == '=' || c == '!' || c == '>' || c == '(') {
		strbuf_addstr(&x->out, "(?");
		return true;
	}
	if (c == '#') {
		/* comment: copy verbatim up to ')' */
		size_t j = x->i;
		while (j < x->n && x->p[j] != ')')
			j++;
		if (j >= x->n)
			return xerr(x, start, "missing ), unterminated "
				    "comment");
		x->i = j + 1;
		return true;
	}
	if (c == '<') {
		if (x->i + 1 < x->n && (x->p[x->i + 1] == '=' ||
					x->p[x->i + 1] == '!')) {
			strbuf_addstr(&x->out, "(?");
			return true;
		}
		return xerr(x, start, "unknown extension ?<%c",
			    x->i + 1 < x->n ? x->p[x->i + 1] : ' ');
	}
	if (c == 'P') {
		if (x->i + 1 < x->n && (x->p[x->i + 1] == '<' ||
					x->p[x->i + 1] == '=')) {
			strbuf_addstr(&x->out, "(?");
			return true;
		}
		return xerr(x, start, "unknown extension ?P%c",
			    x->i + 1 < x->n ? x->p[x->i + 1] : ' ');
	}
	/* flags: (?aiLmsux) or (?aiLmsux-imsx:...) */
	size_t j = x->i;
	struct strbuf fl;
	strbuf_init(&fl);
	bool minus = false, any = false;
	int global_add = 0;
	while (j < x->n && strchr("aiLmsux-", x->p[j])) {
		char f = x->p[j++];
		if (f == '-') {
			if (minus) {
				strbuf_release(&fl);
				return xerr(x, start, "bad inline flags");
			}
			minus = true;
			strbuf_addch(&fl, '-');
			continue;
		}
		any = true;
		if (f == 'L') {
			strbuf_release(&fl);
			return xerr(x, start, "bad inline flags: cannot use 'L' "
				    "flag with a str pattern");
		}
		if (f == 'a') {
			global_add |= RE_A;
			continue;
		}
		if (f == 'u')
			continue;
		if (f == 'x' && !minus)
			global_add |= RE_X;
		strbuf_addch(&fl, f);
	}
	if (!any && !minus) {
		strbuf_release(&fl);
		return xerr(x, start, "unknown extension ?%c", c);
	}
	if (j >= x->n || (x->p[j] != ')' && x->p[j] != ':')) {
		strbuf_release(&fl);
		return xerr(x, start, "missing -, : or )");
	}
	bool scoped = x->p[j] == ':';
	if (!scoped) {
		/* global flags: only at the start (Python 3.11) */
		if (start != 0) {
			strbuf_release(&fl);
			return xerr(x, start, "global flags not at the start "
				    "of the expression");
		}
		x->flags |= global_add;
		if (fl.len)
			strbuf_addf(&x->out, "(?%s)", fl.buf);
	} else {
		if (global_add & RE_A) {
			strbuf_release(&fl);
			return xerr(x, start, "the 'a' flag in a scoped group "
				    "is not supported");
		}
		strbuf_addf(&x->out, "(?%s:", fl.len ? fl.buf : "");
	}
	strbuf_release(&fl);
	x->i = j + 1;
	return true;
}

static bool translate(struct xlate *x)
{
	bool in_class = false;
	size_t class_pos = 0;	/* index just after '[' or '[^' */
	/* a leading (?x) applies verbose mode to the whole pattern */
	if (x->n >= 3 && x->p[0] == '(' && x->p[1] == '?') {
		for (size_t j = 2; j < x->n && strchr("aiLmsux", x->p[j]); j++)
			if (x->p[j] == 'x')
				x->flags |= RE_X;
	}
	while (x->i < x->n) {
		size_t at = x->i;
		char c = x->p[x->i++];
		if (in_class) {
			if (c == '\\') {
				if (!escape(x, true))
					return false;
			} else if (c == ']' && at != class_pos) {
				in_class = false;
				strbuf_addch(&x->out, ']');
			} else if (c == ']' || c == '[') {
				strbuf_addch(&x->out, '\\');
				strbuf_addch(&x->out, c);
			} else {
				strbuf_addch(&x->out, c);
			}
			continue;
		}
		switch (c) {
		case '\\':
			if (!escape(x, false))
				return false;
			break;
		case '[':
			in_class = true;
			strbuf_addch(&x->out, '[');
			if (x->i < x->n && x->p[x->i] == '^') {
				strbuf_addch(&x->out, '^');
				x->i++;
			}
			class_pos = x->i;
			break;
		case '(':
			if (x->i < x->n && x->p[x->i] == '?') {
				x->i++;
				if (!group_ext(x))
					return false;
			} else if (x->i < x->n && x->p[x->i] == '*') {
				return xerr(x, x->i, "nothing to repeat");
			} else {
				strbuf_addch(&x->out, '(');
			}
			break;
		case '{':
			brace(x);
			break;
		case '#':
			if (x->flags & RE_X) {
				while (x->i < x->n && x->p[x->i] != '\n')
					x->i++;
				break;
			}
			strbuf_addch(&x->out, c);
			break;
		default:
			strbuf_addch(&x->out, c);
			break;
		}
	}
	if (in_class)
		return xerr(x, class_pos, "unterminated character set");
	return true;
}

/* ---- compiling and the cache ------------------------------------------- */

static void pattern_free(struct pyx_pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	for (uint32_t i = 0; i < p->nnames; i++)
		free(p->names[i].name);
	free(p->names);
	free(p->src);
	free(p);
}

static void pattern_free_cb(void *p)
{
	pattern_free(p);
}

void pyx_recache_free(struct pyexpr_ctx *ctx)
{
	struct pyx_recache *c = ctx->recache;
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		pattern_free(c->pats[i]);
	free(c->pats);
	free(c);
	ctx->recache = NULL;
}

static struct pyx_pattern *compile_new(struct pyx_eval *ev, const char *src,
				       size_t len, int flags)
{
	if (flags & RE_L) {
		pyx_raise(ev, EXC_VALUE, "cannot use LOCALE flag with a str "
			  "pattern");
		return NULL;
	}
	if ((flags & RE_A) && (flags & RE_U)) {
		pyx_raise(ev, EXC_VALUE, "ASCII and UNICODE flags are "
			  "incompatible");
		return NULL;
	}
	struct xlate x = { .p = src, .n = len, .flags = flags,
			   .keyflags = flags };
	strbuf_init(&x.out);
	if (!translate(&x)) {
		strbuf_release(&x.out);
		pyx_raise(ev, EXC_RE, "%s at position %zu", x.err,
			  pyx_utf8_count(src, x.errpos));
		return NULL;
	}
	flags = x.flags;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			PCRE2_NEVER_BACKSLASH_C;
	if (!(flags & RE_A))
		opts |= PCRE2_UCP;
	if (flags & RE_I)
		opts |= PCRE2_CASELESS;
	if (flags & RE_M)
		opts |= PCRE2_MULTILINE;
	if (flags & RE_S)
		opts |= PCRE2_DOTALL;
	if (flags & RE_X)
		opts |= PCRE2_EXTENDED;
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(cc, 200);
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)(x.out.buf ? x.out.buf :
						      ""),
					 x.out.len, opts, &errcode, &erroff,
					 cc);
	pcre2_compile_context_free(cc);
	strbuf_release(&x.out);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		pyx_raise(ev, EXC_RE, "%s (in pattern %.*s)", (char *)msg,
			  (int)(len > 200 ? 200 : len), src);
		return NULL;
	}
	struct pyx_pattern *p = xcalloc(1, sizeof(*p));
	p->code = code;
	/* the pattern may hold NUL characters: copy by length */
	p->src = xmalloc(len + 1);
	memcpy(p->src, src, len);
	p->src[len] = '\0';
	p->srclen = len;
	p->keyflags = x.keyflags;
	p->flags = flags | ((flags & RE_A) ? 0 : RE_U);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &p->ngroups);
	uint32_t count = 0, esize = 0;
	PCRE2_SPTR table = NULL;
	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
	if (count) {
		p->names = xcalloc(count, sizeof(*p->names));
		for (uint32_t i = 0; i < count; i++) {
			PCRE2_SPTR e = table + (size_t)i * esize;
			p->names[i].index = ((uint32_t)e[0] << 8) | e[1];
			p->names[i].name = xstrdup((const char *)e + 2);
		}
		p->nnames = count;
	}
	return p;
}

static struct pyx_pattern *compile_cached(struct pyx_eval *ev,
					  struct pv *src, int flags)
{
	struct pyexpr_ctx *ctx = ev->ctx;
	pthread_mutex_lock(&ctx->re_lock);
	struct pyx_recache *c = ctx->recache;
	if (c) {
		for (size_t i = 0; i < c->n; i++) {
			struct pyx_pattern *p = c->pats[i];
			if (p->srclen == src->str.len &&
			    p->keyflags == flags &&
			    !memcmp(p->src, src->str.s, src->str.len)) {
				pthread_mutex_unlock(&ctx->re_lock);
				return p;
			}
		}
	}
	pthread_mutex_unlock(&ctx->re_lock);
	/* Compile outside the lock; a racing thread may compile the same
	 * pattern, which only costs a duplicate entry. */
	struct pyx_pattern *p = compile_new(ev, src->str.s, src->str.len,
					    flags);
	if (!p)
		return NULL;
	pthread_mutex_lock(&ctx->re_lock);
	if (!ctx->recache)
		ctx->recache = xcalloc(1, sizeof(*ctx->recache));
	c = ctx->recache;
	bool cached = false;
	if (c->n < RECACHE_MAX) {
		if (c->n == 0)
			c->pats = xcalloc(RECACHE_MAX, sizeof(*c->pats));
		c->pats[c->n++] = p;
		cached = true;
	}
	pthread_mutex_unlock(&ctx->re_lock);
	if (!cached)
		pyx_arena_on_free(ev->arena, pattern_free_cb, p);
	return p;
}

static struct pv *pattern_value(struct pyx_eval *ev, struct pyx_pattern *p)
{
	struct pv *v = pyx_new(ev, PV_PATTERN);
	v->pat = p;
	return v;
}

/* A pattern argument: a str, or a compiled pattern (flags must be 0). */
static struct pyx_pattern *get_pattern(struct pyx_eval *ev, struct pv *p,
				       struct pv *flagsv)
{
	int64_t flags = 0;
	if (flagsv && !pyx_want_int(ev, flagsv, "flags", &flags))
		return NULL;
	if (p->type == PV_PATTERN) {
		if (flags) {
			pyx_raise(ev, EXC_VALUE, "cannot process flags argument "
				  "with a compiled pattern");
			return NULL;
		}
		return p->pat;
	}
	if (p->type == PV_BYTES) {
		pyx_raise(ev, EXC_TYPE, "bytes patterns are not supported");
		return NULL;
	}
	if (p->type != PV_STR) {
		pyx_raise(ev, EXC_TYPE, "first argument must be string or "
			  "compiled pattern");
		return NULL;
	}
	return compile_cached(ev, p, (int)flags);
}

/* ---- matching ------------------------------------------------------------------- */

static void md_free(void *p)
{
	pcre2_match_data_free(p);
}

static void mc_free(void *p)
{
	pcre2_match_context_free(p);
}

struct matcher {
	struct pyx_pattern *pat;
	struct pv *subject;
	size_t endbyte;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static void matcher_init(struct pyx_eval *ev, struct matcher *m,
			 struct pyx_pattern *pat, struct pv *subject,
			 size_t endbyte)
{
	m->pat = pat;
	m->subject = subject;
	m->endbyte = endbyte;
	m->md = pcre2_match_data_create_from_pattern(pat->code, NULL);
	pyx_arena_on_free(ev->arena, md_free, m->md);
	m->mc = pcre2_match_context_create(NULL);
	pyx_arena_on_free(ev->arena, mc_free, m->mc);
	pcre2_set_match_limit(m->mc, (uint32_t)ev->lim->regex_match_limit);
	pcre2_set_depth_limit(m->mc, (uint32_t)ev->lim->regex_depth_limit);
	pcre2_set_heap_limit(m->mc, (uint32_t)ev->lim->regex_heap_kib);
}

/* 1 match, 0 none, -1 error. */
static int run(struct pyx_eval *ev, struct matcher *m, size_t startbyte,
	       uint32_t opts)
{
	if (!pyx_step(ev))
		return -1;
	if (startbyte > m->endbyte)
		return 0;
	int rc = pcre2_match(m->pat->code, (PCRE2_SPTR)m->subject->str.s,
			     m->endbyte, startbyte, opts, m->md, m->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT) {
		pyx_raise(ev, EXC_LIMIT, "regular expression %.*s is too "
			  "complex for this text (PCRE2 %s limit reached)",
			  (int)(m->pat->srclen > 100 ? 100 : m->pat->srclen),
			  m->pat->src, rc == PCRE2_ERROR_MATCHLIMIT ? "match"
			  : rc == PCRE2_ERROR_DEPTHLIMIT ? "depth" : "heap");
		return -1;
	}
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		pyx_raise(ev, EXC_RE, "matching failed: %s", (char *)msg);
		return -1;
	}
	return 1;
}

static struct pv *make_match(struct pyx_eval *ev, struct matcher *m,
			     size_t pos, size_t endpos)
{
	struct pv *v = pyx_new(ev, PV_MATCH);
	struct pyx_match *mt = pyx_alloc(ev->arena, sizeof(*mt));
	mt->pat = m->pat;
	mt->string = m->subject;
	mt->pos = pos;
	mt->endpos = endpos;
	size_t n = 2 * (m->pat->ngroups + 1);
	mt->ov = pyx_alloc(ev->arena, n * sizeof(*mt->ov));
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	uint32_t pairs = pcre2_get_ovector_count(m->md);
	for (size_t i = 0; i < n; i++)
		mt->ov[i] = i / 2 < pairs ? ov[i] : PCRE2_UNSET;
	v->match = mt;
	return v;
}

static size_t cp_to_byte(const struct pv *s, int64_t cp)
{
	if (cp <= 0)
		return 0;
	return pyx_utf8_offset(s->str.s, s->str.len, s->str.ncp, (size_t)cp);
}

static int64_t byte_to_cp(const struct pv *s, size_t b)
{
	if (s->str.ncp == s->str.len)
		return (int64_t)b;
	return (int64_t)pyx_utf8_count(s->str.s, b);
}

static bool want_subject(struct pyx_eval *ev, struct pv *s)
{
	if (s->type == PV_STR)
		return true;
	pyx_raise(ev, EXC_TYPE, "expected string, got '%s'",
		  pyx_typename(s));
	return false;
}

/* search/match/fullmatch with optional pos/endpos (code points). */
static struct pv *do_search(struct pyx_eval *ev, struct pyx_pattern *pat,
			    struct pv *s, struct pv *posv, struct pv *endv,
			    uint32_t opts)
{
	if (!want_subject(ev, s))
		return NULL;
	int64_t len = (int64_t)s->str.ncp, pos = 0, endpos = len;
	if (posv && !pyx_want_int(ev, posv, "pos", &pos))
		return NULL;
	if (endv && !pyx_want_int(ev, endv, "endpos", &endpos))
		return NULL;
	if (pos < 0)
		pos = 0;
	if (pos > len)
		pos = len;
	if (endpos < 0)
		endpos = 0;
	if (endpos > len)
		endpos = len;
	if (endpos < pos)
		return PV_NONE_V;
	struct matcher m;
	matcher_init(ev, &m, pat, s, cp_to_byte(s, endpos));
	int r = run(ev, &m, cp_to_byte(s, pos), opts);
	if (r < 0)
		return NULL;
	if (r == 0)
		return PV_NONE_V;
	return make_match(ev, &m, (size_t)pos, (size_t)endpos);
}

/* ---- templates ---------------------------------------------------------- */

struct tpart {
	const char *lit;	/* NULL: group */
	size_t len;
	uint32_t group;
};

static long group_by_name(struct pyx_pattern *p, const char *name)
{
	for (uint32_t i = 0; i < p->nnames; i++)
		if (!strcmp(p->names[i].name, name))
			return p->names[i].index;
	return -1;
}

static bool template_parse(struct pyx_eval *ev, struct pyx_pattern *pat,
			   struct pv *t, struct tpart **parts_r, size_t *n_r)
{
	const char *s = t->str.s;
	size_t n = t->str.len, i = 0;
	size_t cap = 8, np = 0;
	struct tpart *parts = pyx_alloc(ev->arena, cap * sizeof(*parts));
	struct strbuf lit;
	strbuf_init(&lit);
#define FLUSH() do { \
	if (lit.len) { \
		if (np == cap) { \
			struct tpart *nn = pyx_alloc(ev->arena, \
				2 * cap * sizeof(*nn)); \
			memcpy(nn, parts, np * sizeof(*nn)); \
			parts = nn; cap *= 2; \
		} \
		parts[np].lit = pyx_strndup(ev->arena, lit.buf, lit.len); \
		parts[np++].len = lit.len; \
		strbuf_reset(&lit); \
	} } while (0)
#define GROUP(g) do { \
	FLUSH(); \
	if (np == cap) { \
		struct tpart *nn = pyx_alloc(ev->arena, 2 * cap * sizeof(*nn)); \
		memcpy(nn, parts, np * sizeof(*nn)); \
		parts = nn; cap *= 2; \
	} \
	parts[np].lit = NULL; \
	parts[np++].group = (g); } while (0)
	while (i < n) {
		char c = s[i];
		if (c != '\\') {
			strbuf_addch(&lit, c);
			i++;
			continue;
		}
		size_t at = i;
		if (i + 1 >= n) {
			strbuf_release(&lit);
			pyx_raise(ev, EXC_RE, "bad escape (end of pattern) at "
				  "position %zu", at);
			return false;
		}
		char e = s[i + 1];
		i += 2;
		if (e == 'g') {
			if (i >= n || s[i] != '<') {
				strbuf_release(&lit);
				pyx_raise(ev, EXC_RE, "missing < at position "
					  "%zu", i);
				return false;
			}
			size_t j = i + 1;
			while (j < n && s[j] != '>')
				j++;
			if (j >= n) {
				strbuf_release(&lit);
				pyx_raise(ev, EXC_RE, "missing >, unterminated "
					  "name at position %zu", i + 1);
				return false;
			}
			char *name = pyx_strndup(ev->arena, s + i + 1,
						 j - i - 1);
			long g;
			bool digits = *name != '\0';
			for (char *q = name; *q; q++)
				if (*q < '0' || *q > '9')
					digits = false;
			if (digits) {
				g = strlen(name) > 6 ? 100000 :
					strtol(name, NULL, 10);
			} else {
				if (!*name) {
					strbuf_release(&lit);
					pyx_raise(ev, EXC_RE, "missing group "
						  "name at position %zu",
						  i + 1);
					return false;
				}
				g = group_by_name(pat, name);
				if (g < 0) {
					strbuf_release(&lit);
					pyx_raise(ev, EXC_INDEX, "unknown group "
						  "name '%s'", name);
					return false;
				}
			}
			if ((uint32_t)g > pat->ngroups) {
				strbuf_release(&lit);
				pyx_raise(ev, EXC_RE, "invalid group reference "
					  "%ld at position %zu", g, i + 1);
				return false;
			}
			GROUP((uint32_t)g);
			i = j + 1;
			continue;
		}
		if (e == '0') {
			unsigned v = 0;
			for (int k = 0; k < 2 && i < n && is_oct(s[i]); k++)
				v = v * 8 + (unsigned)(s[i++] - '0');
			char u[4];
			strbuf_add(&lit, u, pyx_utf8_put(v & 0xff, u));
			continue;
		}
		if (e >= '1' && e <= '9') {
			uint32_t g = (uint32_t)(e - '0');
			if (i < n && s[i] >= '0' && s[i] <= '9') {
				if (is_oct(e) && is_oct(s[i]) && i + 1 < n &&
				    is_oct(s[i + 1])) {
					unsigned v = (unsigned)(e - '0') * 64 +
						(unsigned)(s[i] - '0') * 8 +
						(unsigned)(s[i + 1] - '0');
					i += 2;
					if (v > 0377) {
						strbuf_release(&lit);
						pyx_raise(ev, EXC_RE, "octal "
							"escape value \\%o "
							"outside of range "
							"0-0o377 at position "
							"%zu", v, at);
						return false;
					}
					char u[4];
					strbuf_add(&lit, u,
						   pyx_utf8_put(v, u));
					continue;
				}
				g = g * 10 + (uint32_t)(s[i++] - '0');
			}
			if (g > pat->ngroups) {
				strbuf_release(&lit);
				pyx_raise(ev, EXC_RE, "invalid group reference "
					  "%" PRIu32 " at position %zu", g,
					  at + 1);
				return false;
			}
			GROUP(g);
			continue;
		}
		const char *esc = NULL;
		switch (e) {
		case 'a': esc = "\a"; break;
		case 'b': esc = "\b"; break;
		case 'f': esc = "\f"; break;
		case 'n': esc = "\n"; break;
		case 'r': esc = "\r"; break;
		case 't': esc = "\t"; break;
		case 'v': esc = "\v"; break;
		case '\\': esc = "\\"; break;
		default: break;
		}
		if (esc) {
			strbuf_addstr(&lit, esc);
			continue;
		}
		if ((e | 0x20) >= 'a' && (e | 0x20) <= 'z') {
			strbuf_release(&lit);
			pyx_raise(ev, EXC_RE, "bad escape \\%c at position %zu",
				  e, at);
			return false;
		}
		strbuf_addch(&lit, '\\');
		strbuf_addch(&lit, e);
	}
	FLUSH();
#undef FLUSH
#undef GROUP
	strbuf_release(&lit);
	*parts_r = parts;
	*n_r = np;
	return true;
}

static void template_expand(struct strbuf *sb, const struct tpart *parts,
			    size_t np, const char *subject,
			    const PCRE2_SIZE *ov)
{
	for (size_t k = 0; k < np; k++) {
		if (parts[k].lit) {
			strbuf_add(sb, parts[k].lit, parts[k].len);
		} else {
			PCRE2_SIZE b = ov[2 * parts[k].group];
			PCRE2_SIZE e = ov[2 * parts[k].group + 1];
			if (b != PCRE2_UNSET)
				strbuf_add(sb, subject + b, e - b);
		}
	}
}

/* ---- sub, split, findall ------------------------------------------------------ */

static struct pv *do_sub(struct pyx_eval *ev, struct pyx_pattern *pat,
			 struct pv *repl, struct pv *s, struct pv *countv,
			 bool want_n)
{
	if (!want_subject(ev, s))
		return NULL;
	int64_t count = 0;
	if (countv && !pyx_want_int(ev, countv, "count", &count))
		return NULL;
	struct tpart *parts = NULL;
	size_t np = 0;
	bool callable = repl->type == PV_FUNC || repl->type == PV_BUILTIN ||
			repl->type == PV_METHOD || repl->type == PV_TYPE;
	if (!callable) {
		if (repl->type != PV_STR)
			return pyx_raise(ev, EXC_TYPE, "expected str instance, "
					 "%s found", pyx_typename(repl));
		if (!template_parse(ev, pat, repl, &parts, &np))
			return NULL;
	}
	struct matcher m;
	matcher_init(ev, &m, pat, s, s->str.len);
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0, last = 0;
	int64_t done = 0;
	uint32_t opts = 0;
	while (count <= 0 || done < count) {
		int r = run(ev, &m, pos, opts);
		if (r < 0) {
			strbuf_release(&sb);
			return NULL;
		}
		if (r == 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m.md);
		size_t b = ov[0], e = ov[1];
		strbuf_add(&sb, s->str.s + last, b - last);
		if (callable) {
			struct pv *mv = make_match(ev, &m, 0, s->str.ncp);
			struct pv *x = pyx_call1(ev, repl, mv);
			if (!x) {
				strbuf_release(&sb);
				return NULL;
			}
			if (x->type == PV_STR)
				strbuf_add(&sb, x->str.s, x->str.len);
			else if (x->type != PV_NONE) {
				strbuf_release(&sb);
				return pyx_raise(ev, EXC_TYPE, "expected str "
					"instance, %s found", pyx_typename(x));
			}
		} else {
			template_expand(&sb, parts, np, s->str.s, ov);
		}
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
		last = e;
		pos = e;
		done++;
		opts = b == e ? PCRE2_NOTEMPTY_ATSTART : 0;
	}
	strbuf_add(&sb, s->str.s + last, s->str.len - last);
	struct pv *r = pyx_str(ev, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	if (want_n)
		return pyx_tuple2(ev, r, pyx_int(ev, done));
	return r;
}

static struct pv *group_value(struct pyx_eval *ev, const struct pv *s,
			      const PCRE2_SIZE *ov, uint32_t g,
			      struct pv *dflt)
{
	PCRE2_SIZE b = ov[2 * g], e = ov[2 * g + 1];
	if (b == PCRE2_UNSET)
		return dflt;
	return pyx_str(ev, s->str.s + b, e - b);
}

static struct pv *do_split(struct pyx_eval *ev, struct pyx_pattern *pat,
			   struct pv *s, struct pv *maxv)
{
	if (!want_subject(ev, s))
		return NULL;
	int64_t maxsplit = 0;
	if (maxv && !pyx_want_int(ev, maxv, "maxsplit", &maxsplit))
		return NULL;
	struct pv *out = pyx_list(ev, 0);
	if (maxsplit < 0) {
		if (!pyx_list_append(ev, out, s))
			return NULL;
		return out;
	}
	struct matcher m;
	matcher_init(ev, &m, pat, s, s->str.len);
	size_t pos = 0, last = 0;
	int64_t done = 0;
	uint32_t opts = 0;
	while (maxsplit == 0 || done < maxsplit) {
		int r = run(ev, &m, pos, opts);
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m.md);
		size_t b = ov[0], e = ov[1];
		if (!pyx_list_append(ev, out, pyx_str(ev, s->str.s + last,
						      b - last)))
			return NULL;
		for (uint32_t g = 1; g <= pat->ngroups; g++)
			if (!pyx_list_append(ev, out, group_value(ev, s, ov, g,
								  PV_NONE_V)))
				return NULL;
		last = e;
		pos = e;
		done++;
		opts = b == e ? PCRE2_NOTEMPTY_ATSTART : 0;
	}
	if (!pyx_list_append(ev, out, pyx_str(ev, s->str.s + last,
					      s->str.len - last)))
		return NULL;
	return out;
}

static struct pv *do_findall(struct pyx_eval *ev, struct pyx_pattern *pat,
			     struct pv *s, struct pv *posv, struct pv *endv,
			     bool iter)
{
	if (!want_subject(ev, s))
		return NULL;
	int64_t len = (int64_t)s->str.ncp, pos = 0, endpos = len;
	if (posv && !pyx_want_int(ev, posv, "pos", &pos))
		return NULL;
	if (endv && !pyx_want_int(ev, endv, "endpos", &endpos))
		return NULL;
	if (pos < 0)
		pos = 0;
	if (endpos > len)
		endpos = len;
	struct pv *out = pyx_list(ev, 0);
	if (endpos < pos)
		return out;
	struct matcher m;
	matcher_init(ev, &m, pat, s, cp_to_byte(s, endpos));
	size_t bpos = cp_to_byte(s, pos);
	uint32_t opts = 0;
	struct pv *empty = pyx_str(ev, "", 0);
	for (;;) {
		int r = run(ev, &m, bpos, opts);
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m.md);
		size_t b = ov[0], e = ov[1];
		struct pv *item;
		if (iter) {
			item = make_match(ev, &m, (size_t)pos,
					  (size_t)endpos);
		} else if (pat->ngroups == 0) {
			item = group_value(ev, s, ov, 0, empty);
		} else if (pat->ngroups == 1) {
			item = group_value(ev, s, ov, 1, empty);
		} else {
			item = pyx_tuple(ev, pat->ngroups);
			for (uint32_t g = 1; g <= pat->ngroups; g++)
				item->seq.items[g - 1] =
					group_value(ev, s, ov, g, empty);
		}
		if (!pyx_list_append(ev, out, item))
			return NULL;
		bpos = e;
		opts = b == e ? PCRE2_NOTEMPTY_ATSTART : 0;
	}
	return out;
}

static struct pv *do_escape(struct pyx_eval *ev, struct pv *s)
{
	if (!want_subject(ev, s))
		return NULL;
	static const char special[] = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < s->str.len; i++) {
		char c = s->str.s[i];
		if (c && strchr(special, c))
			strbuf_addch(&sb, '\\');
		strbuf_addch(&sb, c);
	}
	if (!pyx_check_size(ev, sb.len)) {
		strbuf_release(&sb);
		return NULL;
	}
	struct pv *r = pyx_str(ev, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	return r;
}

/* ---- the module ---------------------------------------------------------------- */

#define FN(fname) \
	static struct pv *fname(struct pyx_eval *ev, struct pv *self, \
				struct pyx_args *a)

static const char *const kw_search[] = { "pattern", "string", "flags", NULL };
static const char *const kw_sub[] = { "pattern", "repl", "string", "count",
				      "flags", NULL };
static const char *const kw_split[] = { "pattern", "string", "maxsplit",
					"flags", NULL };
static const char *const kw_compile[] = { "pattern", "flags", NULL };

static struct pv *module_search(struct pyx_eval *ev, struct pyx_args *a,
				uint32_t opts)
{
	struct pv *p = pyx_arg(a, 0, "pattern"), *s = pyx_arg(a, 1, "string");
	if (!p || !s)
		return pyx_raise(ev, EXC_TYPE, "missing required argument "
				 "'%s'", !p ? "pattern" : "string");
	struct pyx_pattern *pat = get_pattern(ev, p, pyx_arg(a, 2, "flags"));
	return pat ? do_search(ev, pat, s, NULL, NULL, opts) : NULL;
}

FN(re_search)
{
	(void)self;
	return module_search(ev, a, 0);
}

FN(re_match)
{
	(void)self;
	return module_search(ev, a, PCRE2_ANCHORED);
}

FN(re_fullmatch)
{
	(void)self;
	return module_search(ev, a, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
}

static struct pv *module_sub(struct pyx_eval *ev, struct pyx_args *a,
			     bool want_n)
{
	struct pv *p = pyx_arg(a, 0, "pattern"), *r = pyx_arg(a, 1, "repl");
	struct pv *s = pyx_arg(a, 2, "string");
	if (!p || !r || !s)
		return pyx_raise(ev, EXC_TYPE, "sub() missing required "
				 "arguments");
	struct pyx_pattern *pat = get_pattern(ev, p, pyx_arg(a, 4, "flags"));
	return pat ? do_sub(ev, pat, r, s, pyx_arg(a, 3, "count"), want_n) :
		NULL;
}

FN(re_sub)
{
	(void)self;
	return module_sub(ev, a, false);
}

FN(re_subn)
{
	(void)self;
	return module_sub(ev, a, true);
}

FN(re_split)
{
	(void)self;
	struct pv *p = pyx_arg(a, 0, "pattern"), *s = pyx_arg(a, 1, "string");
	if (!p || !s)
		return pyx_raise(ev, EXC_TYPE, "split() missing required "
				 "arguments");
	struct pyx_pattern *pat = get_pattern(ev, p, pyx_arg(a, 3, "flags"));
	return pat ? do_split(ev, pat, s, pyx_arg(a, 2, "maxsplit")) : NULL;
}

static struct pv *module_findall(struct pyx_eval *ev, struct pyx_args *a,
				 bool iter)
{
	struct pv *p = pyx_arg(a, 0, "pattern"), *s = pyx_arg(a, 1, "string");
	if (!p || !s)
		return pyx_raise(ev, EXC_TYPE, "findall() missing required "
				 "arguments");
	struct pyx_pattern *pat = get_pattern(ev, p, pyx_arg(a, 2, "flags"));
	return pat ? do_findall(ev, pat, s, NULL, NULL, iter) : NULL;
}

FN(re_findall)
{
	(void)self;
	return module_findall(ev, a, false);
}

FN(re_finditer)
{
	(void)self;
	return module_findall(ev, a, true);
}

FN(re_compile)
{
	(void)self;
	struct pv *p = pyx_arg(a, 0, "pattern");
	if (!p)
		return pyx_raise(ev, EXC_TYPE, "compile() missing required "
				 "argument 'pattern'");
	struct pyx_pattern *pat = get_pattern(ev, p, pyx_arg(a, 1, "flags"));
	if (!pat)
		return NULL;
	return p->type == PV_PATTERN ? p : pattern_value(ev, pat);
}

FN(re_escape)
{
	(void)self;
	return do_escape(ev, a->pos[0]);
}

FN(re_purge)
{
	(void)ev;
	(void)self;
	(void)a;
	return PV_NONE_V;
}

static const struct pyx_builtin re_functions[] = {
	{ "search", re_search, 0, 3, -1, kw_search },
	{ "match", re_match, 0, 3, -1, kw_search },
	{ "fullmatch", re_fullmatch, 0, 3, -1, kw_search },
	{ "sub", re_sub, 0, 5, -1, kw_sub },
	{ "subn", re_subn, 0, 5, -1, kw_sub },
	{ "split", re_split, 0, 4, -1, kw_split },
	{ "findall", re_findall, 0, 3, -1, kw_search },
	{ "finditer", re_finditer, 0, 3, -1, kw_search },
	{ "compile", re_compile, 0, 2, -1, kw_compile },
	{ "escape", re_escape, 1, 1, -1, NULL },
	{ "purge", re_purge, 0, 0, -1, NULL },
};

static struct pv re_function_values[ARRAY_SIZE(re_functions)];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(re_functions); i++) {
		re_function_values[i].type = PV_BUILTIN;
		re_function_values[i].frozen = true;
		re_function_values[i].builtin = &re_functions[i];
	}
}

static const struct {
	const char *name;
	int value;
} re_flags[] = {
	{ "I", RE_I }, { "IGNORECASE", RE_I }, { "L", RE_L },
	{ "LOCALE", RE_L }, { "M", RE_M }, { "MULTILINE", RE_M },
	{ "S", RE_S }, { "DOTALL", RE_S }, { "U", RE_U },
	{ "UNICODE", RE_U }, { "X", RE_X }, { "VERBOSE", RE_X },
	{ "A", RE_A }, { "ASCII", RE_A }, { "NOFLAG", 0 },
};

static struct pv *re_getattr(struct pyx_eval *ev, const char *name)
{
	pthread_once(&re_once, re_init);
	for (size_t i = 0; i < ARRAY_SIZE(re_functions); i++)
		if (!strcmp(re_functions[i].name, name))
			return &re_function_values[i];
	for (size_t i = 0; i < ARRAY_SIZE(re_flags); i++)
		if (!strcmp(re_flags[i].name, name))
			return pyx_int(ev, re_flags[i].value);
	if (!strcmp(name, "error"))
		return pyx_builtin_lookup("Exception");
	return NULL;
}

const struct pyx_module pyx_re_module = { "re", re_getattr };

/* ---- pattern objects -------------------------------------------------------------- */

#define PAT(self) ((self)->pat)

static const char *const kw_psearch[] = { "string", "pos", "endpos", NULL };
static const char *const kw_psub[] = { "repl", "string", "count", NULL };
static const char *const kw_psplit[] = { "string", "maxsplit", NULL };

static struct pv *pat_search_opts(struct pyx_eval *ev, struct pv *self,
				  struct pyx_args *a, uint32_t opts)
{
	struct pv *s = pyx_arg(a, 0, "string");
	if (!s)
		return pyx_raise(ev, EXC_TYPE, "missing required argument "
				 "'string'");
	return do_search(ev, PAT(self), s, pyx_arg(a, 1, "pos"),
			 pyx_arg(a, 2, "endpos"), opts);
}

FN(p_search)
{
	return pat_search_opts(ev, self, a, 0);
}

FN(p_match)
{
	return pat_search_opts(ev, self, a, PCRE2_ANCHORED);
}

FN(p_fullmatch)
{
	return pat_search_opts(ev, self, a, PCRE2_ANCHORED |
			       PCRE2_ENDANCHORED);
}

static struct pv *pat_sub(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a, bool want_n)
{
	struct pv *r = pyx_arg(a, 0, "repl"), *s = pyx_arg(a, 1, "string");
	if (!r || !s)
		return pyx_raise(ev, EXC_TYPE, "sub() missing required "
				 "arguments");
	return do_sub(ev, PAT(self), r, s, pyx_arg(a, 2, "count"), want_n);
}

FN(p_sub)
{
	return pat_sub(ev, self, a, false);
}

FN(p_subn)
{
	return pat_sub(ev, self, a, true);
}

FN(p_split)
{
	struct pv *s = pyx_arg(a, 0, "string");
	if (!s)
		return pyx_raise(ev, EXC_TYPE, "split() missing required "
				 "argument 'string'");
	return do_split(ev, PAT(self), s, pyx_arg(a, 1, "maxsplit"));
}

FN(p_findall)
{
	struct pv *s = pyx_arg(a, 0, "string");
	if (!s)
		return pyx_raise(ev, EXC_TYPE, "findall() missing required "
				 "argument 'string'");
	return do_findall(ev, PAT(self), s, pyx_arg(a, 1, "pos"),
			  pyx_arg(a, 2, "endpos"), false);
}

FN(p_finditer)
{
	struct pv *s = pyx_arg(a, 0, "string");
	if (!s)
		return pyx_raise(ev, EXC_TYPE, "finditer() missing required "
				 "argument 'string'");
	return do_findall(ev, PAT(self), s, pyx_arg(a, 1, "pos"),
			  pyx_arg(a, 2, "endpos"), true);
}

static const struct pyx_builtin pattern_methods[] = {
	{ "search", p_search, 0, 3, -1, kw_psearch },
	{ "match", p_match, 0, 3, -1, kw_psearch },
	{ "fullmatch", p_fullmatch, 0, 3, -1, kw_psearch },
	{ "sub", p_sub, 0, 3, -1, kw_psub },
	{ "subn", p_subn, 0, 3, -1, kw_psub },
	{ "split", p_split, 0, 2, -1, kw_psplit },
	{ "findall", p_findall, 0, 3, -1, kw_psearch },
	{ "finditer", p_finditer, 0, 3, -1, kw_psearch },
	{ NULL, NULL, 0, 0, 0, NULL }
};

struct pv *pyx_pattern_getattr(struct pyx_eval *ev, struct pv *p,
			       const char *name)
{
	for (size_t i = 0; pattern_methods[i].name; i++)
		if (!strcmp(pattern_methods[i].name, name))
			return pyx_method(ev, p, &pattern_methods[i]);
	struct pyx_pattern *pat = PAT(p);
	if (!strcmp(name, "pattern"))
		return pyx_str(ev, pat->src, pat->srclen);
	if (!strcmp(name, "flags"))
		return pyx_int(ev, pat->flags);
	if (!strcmp(name, "groups"))
		return pyx_int(ev, pat->ngroups);
	if (!strcmp(name, "groupindex")) {
		struct pv *d = pyx_dict(ev);
		/* Python orders groupindex by group number */
		for (uint32_t g = 1; g <= pat->ngroups; g++)
			for (uint32_t i = 0; i < pat->nnames; i++)
				if (pat->names[i].index == g &&
				    !pyx_dict_set(ev, d, pyx_cstr(ev,
						  pat->names[i].name),
						  pyx_int(ev, g)))
					return NULL;
		return d;
	}
	return NULL;
}

struct pv *pyx_pattern_repr(struct pyx_eval *ev, struct pv *p)
{
	struct pyx_pattern *pat = PAT(p);
	struct pv *src = pyx_repr(ev, pyx_str(ev, pat->src, pat->srclen));
	if (!src)
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "re.compile(%s", src->str.s);
	static const struct {
		int v;
		const char *n;
	} names[] = {
		{ RE_I, "re.IGNORECASE" }, { RE_L, "re.LOCALE" },
		{ RE_M, "re.MULTILINE" }, { RE_S, "re.DOTALL" },
		{ RE_X, "re.VERBOSE" }, { RE_A, "re.ASCII" },
	};
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(pat->flags & names[i].v))
			continue;
		strbuf_addstr(&sb, first ? ", " : "|");
		strbuf_addstr(&sb, names[i].n);
		first = false;
	}
	strbuf_addch(&sb, ')');
	struct pv *r = pyx_str(ev, sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

/* ---- match objects ------------------------------------------------------------ */

static bool group_index(struct pyx_eval *ev, struct pyx_match *m,
			struct pv *g, uint32_t *idx_r)
{
	if (g->type == PV_INT || g->type == PV_BOOL) {
		if (g->i < 0 || g->i > (int64_t)m->pat->ngroups) {
			pyx_raise(ev, EXC_INDEX, "no such group");
			return false;
		}
		*idx_r = (uint32_t)g->i;
		return true;
	}
	if (g->type == PV_STR) {
		long i = group_by_name(m->pat, g->str.s);
		if (i >= 0) {
			*idx_r = (uint32_t)i;
			return true;
		}
	}
	pyx_raise(ev, EXC_INDEX, "no such group");
	return false;
}

struct pv *pyx_match_group(struct pyx_eval *ev, struct pv *mv, struct pv *g)
{
	struct pyx_match *m = mv->match;
	uint32_t idx;
	if (!group_index(ev, m, g, &idx))
		return NULL;
	return group_value(ev, m->string, m->ov, idx, PV_NONE_V);
}

FN(m_group)
{
	struct pyx_match *m = self->match;
	if (a->n == 0)
		return group_value(ev, m->string, m->ov, 0, PV_NONE_V);
	if (a->n == 1)
		return pyx_match_group(ev, self, a->pos[0]);
	struct pv *t = pyx_tuple(ev, a->n);
	for (size_t i = 0; i < a->n; i++) {
		t->seq.items[i] = pyx_match_group(ev, self, a->pos[i]);
		if (!t->seq.items[i])
			return NULL;
	}
	return t;
}

static const char *const kw_default[] = { "default", NULL };

FN(m_groups)
{
	struct pyx_match *m = self->match;
	struct pv *dflt = pyx_arg(a, 0, "default");
	if (!dflt)
		dflt = PV_NONE_V;
	struct pv *t = pyx_tuple(ev, m->pat->ngroups);
	for (uint32_t g = 1; g <= m->pat->ngroups; g++)
		t->seq.items[g - 1] = group_value(ev, m->string, m->ov, g,
						  dflt);
	return t;
}

FN(m_groupdict)
{
	struct pyx_match *m = self->match;
	struct pv *dflt = pyx_arg(a, 0, "default");
	if (!dflt)
		dflt = PV_NONE_V;
	struct pv *d = pyx_dict(ev);
	for (uint32_t g = 1; g <= m->pat->ngroups; g++)
		for (uint32_t i = 0; i < m->pat->nnames; i++)
			if (m->pat->names[i].index == g &&
			    !pyx_dict_set(ev, d, pyx_cstr(ev,
					  m->pat->names[i].name),
					  group_value(ev, m->string, m->ov, g,
						      dflt)))
				return NULL;
	return d;
}

static bool span_of(struct pyx_eval *ev, struct pv *self, struct pyx_args *a,
		    int64_t *s_r, int64_t *e_r)
{
	struct pyx_match *m = self->match;
	uint32_t idx = 0;
	if (a->n && !group_index(ev, m, a->pos[0], &idx))
		return false;
	PCRE2_SIZE b = m->ov[2 * idx], e = m->ov[2 * idx + 1];
	if (b == PCRE2_UNSET) {
		*s_r = *e_r = -1;
		return true;
	}
	*s_r = byte_to_cp(m->string, b);
	*e_r = byte_to_cp(m->string, e);
	return true;
}

FN(m_start)
{
	int64_t s, e;
	return span_of(ev, self, a, &s, &e) ? pyx_int(ev, s) : NULL;
}

FN(m_end)
{
	int64_t s, e;
	return span_of(ev, self, a, &s, &e) ? pyx_int(ev, e) : NULL;
}

FN(m_span)
{
	int64_t s, e;
	if (!span_of(ev, self, a, &s, &e))
		return NULL;
	return pyx_tuple2(ev, pyx_int(ev, s), pyx_int(ev, e));
}

FN(m_expand)
{
	struct pyx_match *m = self->match;
	if (!pyx_want_str(ev, a->pos[0], "template"))
		return NULL;
	struct tpart *parts;
	size_t np;
	if (!template_parse(ev, m->pat, a->pos[0], &parts, &np))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	template_expand(&sb, parts, np, m->string->str.s, m->ov);
	struct pv *r = pyx_str(ev, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	return r;
}

static const struct pyx_builtin match_methods[] = {
	{ "group", m_group, 0, -1, -1, NULL },
	{ "groups", m_groups, 0, 1, -1, kw_default },
	{ "groupdict", m_groupdict, 0, 1, -1, kw_default },
	{ "start", m_start, 0, 1, -1, NULL },
	{ "end", m_end, 0, 1, -1, NULL },
	{ "span", m_span, 0, 1, -1, NULL },
	{ "expand", m_expand, 1, 1, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

/* Python's lastindex: the last group to close. */
static long last_index(struct pyx_match *m)
{
	long best = -1;
	for (uint32_t g = 1; g <= m->pat->ngroups; g++) {
		if (m->ov[2 * g] == PCRE2_UNSET)
			continue;
		if (best < 0 || m->ov[2 * g + 1] > m->ov[2 * best + 1] ||
		    (m->ov[2 * g + 1] == m->ov[2 * best + 1] &&
		     m->ov[2 * g] < m->ov[2 * best]))
			best = g;
	}
	return best;
}

struct pv *pyx_match_getattr(struct pyx_eval *ev, struct pv *mv,
			     const char *name)
{
	for (size_t i = 0; match_methods[i].name; i++)
		if (!strcmp(match_methods[i].name, name))
			return pyx_method(ev, mv, &match_methods[i]);
	struct pyx_match *m = mv->match;
	if (!strcmp(name, "string"))
		return m->string;
	if (!strcmp(name, "re"))
		return pattern_value(ev, m->pat);
	if (!strcmp(name, "pos"))
		return pyx_int(ev, (int64_t)m->pos);
	if (!strcmp(name, "endpos"))
		return pyx_int(ev, (int64_t)m->endpos);
	if (!strcmp(name, "lastindex")) {
		long li = last_index(m);
		return li < 0 ? PV_NONE_V : pyx_int(ev, li);
	}
	if (!strcmp(name, "lastgroup")) {
		long li = last_index(m);
		for (uint32_t i = 0; li >= 0 && i < m->pat->nnames; i++)
			if ((long)m->pat->names[i].index == li)
				return pyx_cstr(ev, m->pat->names[i].name);
		return PV_NONE_V;
	}
	return NULL;
}

struct pv *pyx_match_repr(struct pyx_eval *ev, struct pv *mv)
{
	struct pyx_match *m = mv->match;
	struct pv *g = group_value(ev, m->string, m->ov, 0, PV_NONE_V);
	struct pv *r = pyx_repr(ev, g);
	if (!r)
		return NULL;
	int64_t s = byte_to_cp(m->string, m->ov[0]);
	int64_t e = byte_to_cp(m->string, m->ov[1]);
	return pyx_cstr(ev, pyx_printf(ev->arena, "<re.Match object; span=(%"
				       PRId64 ", %" PRId64 "), match=%s>", s,
				       e, r->str.s));
}
