// SPDX-License-Identifier: GPL-2.0-or-later
/* Strings: the str and bytes methods, printf-style `%` formatting,
 * format() specifications (str.format, f-strings), integer parsing, and
 * the codecs configurations use: utf-8, ascii, latin-1 and OfflineIMAP's
 * 'imap4-utf-7' (IMAP modified UTF-7, core/imap/utf7.c).  Lengths,
 * indexes and slices count code points, as Python 3 does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/utf7.h"
#include "pyexpr/internal.h"
#include "util.h"

#define METHOD(fname) \
	static struct pv *fname(struct pyx_eval *ev, struct pv *self, \
				struct pyx_args *a)

static bool is_bytes(const struct pv *v)
{
	return v->type == PV_BYTES;
}

/* A str or bytes like `like`, from bytes copied into the arena. */
static struct pv *mk(struct pyx_eval *ev, const struct pv *like,
		     const char *s, size_t n)
{
	if (is_bytes(like))
		return pyx_bytes_take(ev, pyx_strndup(ev->arena, s, n), n);
	return pyx_str(ev, s, n);
}

static struct pv *mk_sb(struct pyx_eval *ev, const struct pv *like,
			struct strbuf *sb)
{
	if (!pyx_check_size(ev, sb->len)) {
		strbuf_release(sb);
		return NULL;
	}
	struct pv *r = mk(ev, like, sb->buf ? sb->buf : "", sb->len);
	strbuf_release(sb);
	return r;
}

/* Next code point (str) or byte (bytes). */
static uint32_t next_cp(const struct pv *s, size_t *pos)
{
	if (is_bytes(s) || s->str.ncp == s->str.len)
		return (unsigned char)s->str.s[(*pos)++];
	return pyx_utf8_next(s->str.s, s->str.len, pos);
}

static void put_cp(struct strbuf *sb, const struct pv *like, uint32_t c)
{
	if (is_bytes(like)) {
		strbuf_addch(sb, (char)c);
		return;
	}
	char buf[4];
	strbuf_add(sb, buf, pyx_utf8_put(c, buf));
}

static size_t cp_to_byte(const struct pv *s, int64_t cp)
{
	if (cp <= 0)
		return 0;
	return pyx_utf8_offset(s->str.s, s->str.len, s->str.ncp, (size_t)cp);
}

static int64_t byte_to_cp(const struct pv *s, size_t off)
{
	if (s->str.ncp == s->str.len)
		return (int64_t)off;
	return (int64_t)pyx_utf8_count(s->str.s, off);
}

static bool same_kind(struct pyx_eval *ev, const struct pv *self,
		      const struct pv *arg, const char *what)
{
	if (arg->type == self->type)
		return true;
	if (is_bytes(self))
		pyx_raise(ev, EXC_TYPE, "a bytes-like object is required, "
			  "not '%s'", pyx_typename(arg));
	else
		pyx_raise(ev, EXC_TYPE, "%s must be str, not %s", what,
			  pyx_typename(arg));
	return false;
}

/* Optional start/end arguments (code points, slice semantics) as byte
 * offsets. */
static bool start_end(struct pyx_eval *ev, const struct pv *s,
		      struct pv *startv, struct pv *endv, size_t *b0,
		      size_t *b1, int64_t *cp0_r)
{
	int64_t len = (int64_t)s->str.ncp, lo = 0, hi = len;
	if (startv && startv->type != PV_NONE) {
		if (!pyx_want_int(ev, startv, "slice index", &lo))
			return false;
		if (lo < 0)
			lo = lo + len < 0 ? 0 : lo + len;
	}
	if (endv && endv->type != PV_NONE) {
		if (!pyx_want_int(ev, endv, "slice index", &hi))
			return false;
		if (hi < 0)
			hi = hi + len < 0 ? 0 : hi + len;
		if (hi > len)
			hi = len;
	}
	if (cp0_r)
		*cp0_r = lo;
	if (lo > len) {
		*b0 = s->str.len + 1;	/* empty, and nothing matches */
		*b1 = s->str.len;
		return true;
	}
	*b0 = cp_to_byte(s, lo);
	*b1 = hi < lo ? *b0 : cp_to_byte(s, hi);
	return true;
}

static const char *memfind(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn == 0)
		return h;
	if (nn > hn)
		return NULL;
	return memmem(h, hn, n, nn);
}

static const char *memrfind(const char *h, size_t hn, const char *n,
			    size_t nn)
{
	if (nn > hn)
		return NULL;
	for (size_t i = hn - nn + 1; i-- > 0;)
		if (!memcmp(h + i, n, nn))
			return h + i;
	return NULL;
}

bool pyx_str_find(const struct pv *hay, const struct pv *needle)
{
	return memfind(hay->str.s, hay->str.len, needle->str.s,
		       needle->str.len) != NULL;
}

struct pv *pyx_str_concat(struct pyx_eval *ev, struct pv *a, struct pv *b)
{
	size_t n = a->str.len + b->str.len;
	if (!pyx_check_size(ev, n))
		return NULL;
	char *p = pyx_alloc(ev->arena, n + 1);
	memcpy(p, a->str.s, a->str.len);
	memcpy(p + a->str.len, b->str.s, b->str.len);
	if (is_bytes(a))
		return pyx_bytes_take(ev, p, n);
	struct pv *r = pyx_new(ev, PV_STR);
	r->str.s = p;
	r->str.len = n;
	r->str.ncp = a->str.ncp + b->str.ncp;
	/* an invalid byte at the seam may join a sequence: recount then */
	if ((a->str.ncp != a->str.len || b->str.ncp != b->str.len) &&
	    a->str.len && (unsigned char)b->str.s[0] >= 0x80)
		r->str.ncp = pyx_utf8_count(p, n);
	return r;
}

struct pv *pyx_str_repeat(struct pyx_eval *ev, struct pv *s, int64_t k)
{
	if (k <= 0 || s->str.len == 0)
		return mk(ev, s, "", 0);
	if ((uint64_t)k > ev->lim->max_string / s->str.len) {
		pyx_check_size(ev, SIZE_MAX);
		return NULL;
	}
	size_t n = s->str.len * (size_t)k;
	char *p = pyx_alloc(ev->arena, n + 1);
	for (int64_t i = 0; i < k; i++)
		memcpy(p + (size_t)i * s->str.len, s->str.s, s->str.len);
	if (is_bytes(s))
		return pyx_bytes_take(ev, p, n);
	return pyx_str_take(ev, p, n);
}

struct pv *pyx_str_index(struct pyx_eval *ev, struct pv *s, int64_t i)
{
	size_t b = cp_to_byte(s, i), e = b;
	next_cp(s, &e);
	return pyx_str(ev, s->str.s + b, e - b);
}

struct pv *pyx_str_slice(struct pyx_eval *ev, struct pv *s, int64_t start,
			 int64_t n, int64_t step)
{
	if (n <= 0)
		return mk(ev, s, "", 0);
	if (step == 1) {
		size_t b0 = cp_to_byte(s, start), b1;
		if (s->str.ncp == s->str.len || is_bytes(s)) {
			b1 = b0 + (size_t)n;
		} else {
			b1 = b0;
			for (int64_t k = 0; k < n; k++)
				next_cp(s, &b1);
		}
		return mk(ev, s, s->str.s + b0, b1 - b0);
	}
	/* general step: decode to code points first */
	size_t ncp = is_bytes(s) ? s->str.len : s->str.ncp;
	uint32_t *cps = pyx_alloc(ev->arena, (ncp + 1) * sizeof(*cps));
	size_t pos = 0;
	for (size_t k = 0; k < ncp; k++)
		cps[k] = next_cp(s, &pos);
	struct strbuf sb;
	strbuf_init(&sb);
	for (int64_t k = 0; k < n; k++)
		put_cp(&sb, s, cps[start + k * step]);
	return mk_sb(ev, s, &sb);
}

struct pv *pyx_str_join(struct pyx_eval *ev, struct pv *sep,
			struct pv *iterable)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, iterable, &it))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	struct pv *x;
	size_t i = 0;
	while ((x = pyx_iter_next(ev, &it))) {
		if (x->type != sep->type) {
			strbuf_release(&sb);
			if (is_bytes(sep))
				return pyx_raise(ev, EXC_TYPE, "sequence item "
					"%zu: expected a bytes-like object, %s "
					"found", i, pyx_typename(x));
			return pyx_raise(ev, EXC_TYPE, "sequence item %zu: "
					 "expected str instance, %s found", i,
					 pyx_typename(x));
		}
		if (i)
			strbuf_add(&sb, sep->str.s, sep->str.len);
		strbuf_add(&sb, x->str.s, x->str.len);
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
		i++;
	}
	if (ev->failed) {
		strbuf_release(&sb);
		return NULL;
	}
	return mk_sb(ev, sep, &sb);
}

/* ---- case and predicates --------------------------------------------- */

static bool cased(uint32_t c)
{
	return pyx_uni_isupper(c) || pyx_uni_islower(c) ||
	       pyx_uni_tolower(c) != c || pyx_uni_toupper(c) != c;
}

static void put_upper(struct strbuf *sb, const struct pv *like, uint32_t c);

/* Titlecase differs from uppercase only for the Latin digraphs. */
static void put_title(struct strbuf *sb, const struct pv *like, uint32_t c)
{
	if (!is_bytes(like) && ((c >= 0x1c4 && c <= 0x1cc) ||
				(c >= 0x1f1 && c <= 0x1f3))) {
		uint32_t base = c >= 0x1f1 ? 0x1f1 : 0x1c4 + (c - 0x1c4) / 3 * 3;
		put_cp(sb, like, base + 1);
		return;
	}
	put_upper(sb, like, c);
}

static void put_upper(struct strbuf *sb, const struct pv *like, uint32_t c)
{
	if (is_bytes(like)) {
		strbuf_addch(sb, (char)(c >= 'a' && c <= 'z' ? c - 32 : c));
		return;
	}
	/* full case mappings that expand */
	switch (c) {
	case 0xdf: strbuf_addstr(sb, "SS"); return;
	case 0xfb00: strbuf_addstr(sb, "FF"); return;
	case 0xfb01: strbuf_addstr(sb, "FI"); return;
	case 0xfb02: strbuf_addstr(sb, "FL"); return;
	case 0xfb03: strbuf_addstr(sb, "FFI"); return;
	case 0xfb04: strbuf_addstr(sb, "FFL"); return;
	case 0xfb05: case 0xfb06: strbuf_addstr(sb, "ST"); return;
	default: break;
	}
	put_cp(sb, like, pyx_uni_toupper(c));
}

static void put_lower(struct strbuf *sb, const struct pv *like, uint32_t c,
		      bool final_sigma)
{
	if (is_bytes(like)) {
		strbuf_addch(sb, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
		return;
	}
	if (c == 0x130) {
		strbuf_addstr(sb, "i\xcc\x87");
		return;
	}
	if (c == 0x3a3 && final_sigma) {
		put_cp(sb, like, 0x3c2);
		return;
	}
	put_cp(sb, like, pyx_uni_tolower(c));
}

static uint32_t *decode_all(struct pyx_eval *ev, const struct pv *s,
			    size_t *n_r)
{
	size_t n = is_bytes(s) ? s->str.len : s->str.ncp;
	uint32_t *cps = pyx_alloc(ev->arena, (n + 1) * sizeof(*cps));
	size_t pos = 0;
	for (size_t k = 0; k < n; k++)
		cps[k] = next_cp(s, &pos);
	*n_r = n;
	return cps;
}

/* mode: 0 lower, 1 upper, 2 swapcase, 3 title, 4 capitalize, 5 casefold */
static struct pv *change_case(struct pyx_eval *ev, struct pv *s, int mode)
{
	size_t n;
	uint32_t *cps = decode_all(ev, s, &n);
	struct strbuf sb;
	strbuf_init(&sb);
	bool prev_cased = false;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cps[i];
		bool fs = false;
		if (c == 0x3a3) {
			/* Greek final sigma: after a cased letter and not
			 * before one */
			bool before = i > 0 && cased(cps[i - 1]);
			bool after = i + 1 < n && cased(cps[i + 1]);
			fs = before && !after;
		}
		bool lower = pyx_uni_islower(c) || (is_bytes(s) && c >= 'a' &&
						    c <= 'z');
		bool upper = pyx_uni_isupper(c) || (is_bytes(s) && c >= 'A' &&
						    c <= 'Z');
		switch (mode) {
		case 0:
			put_lower(&sb, s, c, fs);
			break;
		case 5:
			if (c == 0xdf && !is_bytes(s))
				strbuf_addstr(&sb, "ss");
			else
				put_lower(&sb, s, c, false);
			break;
		case 1:
			put_upper(&sb, s, c);
			break;
		case 2:
			if (upper)
				put_lower(&sb, s, c, fs);
			else if (lower)
				put_upper(&sb, s, c);
			else
				put_cp(&sb, s, c);
			break;
		case 3:
			if (prev_cased)
				put_lower(&sb, s, c, fs);
			else
				put_title(&sb, s, c);
			break;
		case 4:
			if (i == 0)
				put_title(&sb, s, c);
			else
				put_lower(&sb, s, c, fs);
			break;
		}
		if (mode == 3)
			prev_cased = is_bytes(s) ?
				((c | 0x20) >= 'a' && (c | 0x20) <= 'z') :
				cased(c);
	}
	return mk_sb(ev, s, &sb);
}

METHOD(m_lower)
{
	(void)a;
	return change_case(ev, self, 0);
}

METHOD(m_upper)
{
	(void)a;
	return change_case(ev, self, 1);
}

METHOD(m_swapcase)
{
	(void)a;
	return change_case(ev, self, 2);
}

METHOD(m_title)
{
	(void)a;
	return change_case(ev, self, 3);
}

METHOD(m_capitalize)
{
	(void)a;
	return change_case(ev, self, 4);
}

METHOD(m_casefold)
{
	(void)a;
	return change_case(ev, self, 5);
}

typedef bool (*cp_pred)(uint32_t);

static bool ascii_pred(const struct pv *s, cp_pred p, uint32_t c)
{
	if (is_bytes(s) && c >= 0x80)
		return false;
	return p(c);
}

static struct pv *all_pred(struct pyx_eval *ev, struct pv *s, cp_pred p)
{
	(void)ev;
	if (s->str.len == 0)
		return PV_BOOLV(false);
	size_t pos = 0;
	while (pos < s->str.len)
		if (!ascii_pred(s, p, next_cp(s, &pos)))
			return PV_BOOLV(false);
	return PV_BOOLV(true);
}

METHOD(m_isdigit)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isdigit);
}

METHOD(m_isdecimal)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isdecimal);
}

METHOD(m_isnumeric)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isnumeric);
}

METHOD(m_isalpha)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isalpha);
}

METHOD(m_isalnum)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isalnum);
}

METHOD(m_isspace)
{
	(void)a;
	return all_pred(ev, self, pyx_uni_isspace);
}

static bool is_ascii_cp(uint32_t c)
{
	return c < 0x80;
}

METHOD(m_isascii)
{
	(void)a;
	if (self->str.len == 0)
		return PV_BOOLV(true);
	return all_pred(ev, self, is_ascii_cp);
}

METHOD(m_isprintable)
{
	(void)a;
	if (self->str.len == 0)
		return PV_BOOLV(true);
	return all_pred(ev, self, pyx_uni_isprintable);
}

static struct pv *case_pred(struct pyx_eval *ev, struct pv *s, bool upper)
{
	(void)ev;
	bool any = false;
	size_t pos = 0;
	while (pos < s->str.len) {
		uint32_t c = next_cp(s, &pos);
		if (is_bytes(s) && c >= 0x80)
			continue;
		bool u = pyx_uni_isupper(c), l = pyx_uni_islower(c);
		if (upper ? l : u)
			return PV_BOOLV(false);
		if (upper ? u : l)
			any = true;
		else if (!u && !l && cased(c))
			return PV_BOOLV(false);	/* titlecase letters */
	}
	return PV_BOOLV(any);
}

METHOD(m_isupper)
{
	(void)a;
	return case_pred(ev, self, true);
}

METHOD(m_islower)
{
	(void)a;
	return case_pred(ev, self, false);
}

METHOD(m_istitle)
{
	(void)a;
	(void)ev;
	bool prev = false, any = false;
	size_t pos = 0;
	while (pos < self->str.len) {
		uint32_t c = next_cp(self, &pos);
		bool u = pyx_uni_isupper(c) || pyx_uni_istitle(c);
		bool l = pyx_uni_islower(c);
		if (u) {
			if (prev)
				return PV_BOOLV(false);
			prev = any = true;
		} else if (l) {
			if (!prev)
				return PV_BOOLV(false);
			prev = true;
		} else {
			prev = false;
		}
	}
	return PV_BOOLV(any);
}

METHOD(m_isidentifier)
{
	(void)a;
	(void)ev;
	if (self->str.len == 0)
		return PV_BOOLV(false);
	size_t pos = 0;
	if (!pyx_uni_isidstart(next_cp(self, &pos)))
		return PV_BOOLV(false);
	while (pos < self->str.len)
		if (!pyx_uni_isidcont(next_cp(self, &pos)))
			return PV_BOOLV(false);
	return PV_BOOLV(true);
}

/* ---- searching -------------------------------------------------------- */

static struct pv *prefix_suffix(struct pyx_eval *ev, struct pv *self,
				struct pyx_args *a, bool suffix)
{
	struct pv *what = a->pos[0];
	size_t b0, b1;
	if (!start_end(ev, self, a->n > 1 ? a->pos[1] : NULL,
		       a->n > 2 ? a->pos[2] : NULL, &b0, &b1, NULL))
		return NULL;
	struct pv **cands = &what;
	size_t nc = 1;
	if (what->type == PV_TUPLE) {
		cands = what->seq.items;
		nc = what->seq.n;
	}
	for (size_t i = 0; i < nc; i++) {
		struct pv *c = cands[i];
		if (c->type != self->type) {
			if (is_bytes(self))
				return pyx_raise(ev, EXC_TYPE, "a bytes-like "
					"object is required, not '%s'",
					pyx_typename(c));
			return pyx_raise(ev, EXC_TYPE, "%s first arg must be "
				"str or a tuple of str, not %s",
				suffix ? "endswith" : "startswith",
				pyx_typename(c));
		}
		if (b0 > b1)
			continue;
		size_t span = b1 - b0;
		if (c->str.len > span)
			continue;
		const char *p = suffix ? self->str.s + b1 - c->str.len :
			self->str.s + b0;
		if (!memcmp(p, c->str.s, c->str.len))
			return PV_BOOLV(true);
	}
	return PV_BOOLV(false);
}

METHOD(m_startswith)
{
	return prefix_suffix(ev, self, a, false);
}

METHOD(m_endswith)
{
	return prefix_suffix(ev, self, a, true);
}

/* find/rfind/index/rindex: returns code point index or -1 */
static bool do_find(struct pyx_eval *ev, struct pv *self, struct pyx_args *a,
		    bool reverse, int64_t *r)
{
	struct pv *sub = a->pos[0];
	if (!same_kind(ev, self, sub, "substring"))
		return false;
	size_t b0, b1;
	if (!start_end(ev, self, a->n > 1 ? a->pos[1] : NULL,
		       a->n > 2 ? a->pos[2] : NULL, &b0, &b1, NULL))
		return false;
	*r = -1;
	if (b0 > b1)
		return true;
	const char *p = reverse ?
		memrfind(self->str.s + b0, b1 - b0, sub->str.s, sub->str.len) :
		memfind(self->str.s + b0, b1 - b0, sub->str.s, sub->str.len);
	if (p)
		*r = byte_to_cp(self, (size_t)(p - self->str.s));
	return true;
}

METHOD(m_find)
{
	int64_t r;
	return do_find(ev, self, a, false, &r) ? pyx_int(ev, r) : NULL;
}

METHOD(m_rfind)
{
	int64_t r;
	return do_find(ev, self, a, true, &r) ? pyx_int(ev, r) : NULL;
}

METHOD(m_index)
{
	int64_t r;
	if (!do_find(ev, self, a, false, &r))
		return NULL;
	if (r < 0)
		return pyx_raise(ev, EXC_VALUE, "substring not found");
	return pyx_int(ev, r);
}

METHOD(m_rindex)
{
	int64_t r;
	if (!do_find(ev, self, a, true, &r))
		return NULL;
	if (r < 0)
		return pyx_raise(ev, EXC_VALUE, "substring not found");
	return pyx_int(ev, r);
}

METHOD(m_count)
{
	struct pv *sub = a->pos[0];
	if (!same_kind(ev, self, sub, "substring"))
		return NULL;
	size_t b0, b1;
	if (!start_end(ev, self, a->n > 1 ? a->pos[1] : NULL,
		       a->n > 2 ? a->pos[2] : NULL, &b0, &b1, NULL))
		return NULL;
	if (b0 > b1)
		return pyx_int(ev, 0);
	if (sub->str.len == 0) {
		int64_t n = byte_to_cp(self, b1) - byte_to_cp(self, b0) + 1;
		return pyx_int(ev, n);
	}
	int64_t n = 0;
	size_t pos = b0;
	const char *p;
	while ((p = memfind(self->str.s + pos, b1 - pos, sub->str.s,
			    sub->str.len))) {
		n++;
		pos = (size_t)(p - self->str.s) + sub->str.len;
	}
	return pyx_int(ev, n);
}

METHOD(m_replace)
{
	struct pv *old = pyx_arg(a, 0, "old"), *new = pyx_arg(a, 1, "new");
	struct pv *countv = pyx_arg(a, 2, "count");
	if (!old || !new)
		return pyx_raise(ev, EXC_TYPE, "replace() takes at least 2 "
				 "arguments");
	if (!same_kind(ev, self, old, "replace() argument 1") ||
	    !same_kind(ev, self, new, "replace() argument 2"))
		return NULL;
	int64_t count = -1;
	if (countv && !pyx_want_int(ev, countv, "count", &count))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0;
	int64_t done = 0;
	if (old->str.len == 0) {
		/* insert between every code point */
		while (count < 0 || done < count) {
			strbuf_add(&sb, new->str.s, new->str.len);
			done++;
			if (pos >= self->str.len)
				break;
			size_t start = pos;
			next_cp(self, &pos);
			strbuf_add(&sb, self->str.s + start, pos - start);
			if (!pyx_check_size(ev, sb.len)) {
				strbuf_release(&sb);
				return NULL;
			}
		}
		strbuf_add(&sb, self->str.s + pos, self->str.len - pos);
		return mk_sb(ev, self, &sb);
	}
	const char *p;
	while ((count < 0 || done < count) &&
	       (p = memfind(self->str.s + pos, self->str.len - pos,
			    old->str.s, old->str.len))) {
		strbuf_add(&sb, self->str.s + pos,
			   (size_t)(p - self->str.s) - pos);
		strbuf_add(&sb, new->str.s, new->str.len);
		pos = (size_t)(p - self->str.s) + old->str.len;
		done++;
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	strbuf_add(&sb, self->str.s + pos, self->str.len - pos);
	return mk_sb(ev, self, &sb);
}

/* ---- strip, split, partition ---------------------------------------- */

static bool in_chars(const struct pv *self, const struct pv *chars, uint32_t c)
{
	if (!chars)
		return is_bytes(self) ? (c == ' ' || (c >= '\t' && c <= '\r'))
			: pyx_uni_isspace(c);
	size_t pos = 0;
	while (pos < chars->str.len)
		if (next_cp(chars, &pos) == c)
			return true;
	return false;
}

static struct pv *do_strip(struct pyx_eval *ev, struct pv *self,
			   struct pyx_args *a, bool left, bool right)
{
	struct pv *chars = a->n ? a->pos[0] : NULL;
	if (chars && chars->type == PV_NONE)
		chars = NULL;
	if (chars && !same_kind(ev, self, chars, "strip arg"))
		return NULL;
	size_t b0 = 0, b1 = self->str.len;
	if (left) {
		while (b0 < b1) {
			size_t p = b0;
			if (!in_chars(self, chars, next_cp(self, &p)))
				break;
			b0 = p;
		}
	}
	if (right) {
		while (b1 > b0) {
			/* step back one code point */
			size_t p = b1 - 1;
			if (!is_bytes(self))
				while (p > b0 && ((unsigned char)self->str.s[p] &
						  0xc0) == 0x80)
					p--;
			size_t q = p;
			uint32_t c = next_cp(self, &q);
			if (q != b1) {
				/* invalid sequence: treat the byte alone */
				p = b1 - 1;
				c = 0xdc00 + (unsigned char)self->str.s[p];
			}
			if (!in_chars(self, chars, c))
				break;
			b1 = p;
		}
	}
	if (b0 == 0 && b1 == self->str.len)
		return self;
	return mk(ev, self, self->str.s + b0, b1 - b0);
}

METHOD(m_strip)
{
	return do_strip(ev, self, a, true, true);
}

METHOD(m_lstrip)
{
	return do_strip(ev, self, a, true, false);
}

METHOD(m_rstrip)
{
	return do_strip(ev, self, a, false, true);
}

static bool split_args(struct pyx_eval *ev, struct pv *self,
		       struct pyx_args *a, struct pv **sep_r, int64_t *max_r)
{
	struct pv *sep = pyx_arg(a, 0, "sep");
	struct pv *maxv = pyx_arg(a, 1, "maxsplit");
	if (sep && sep->type == PV_NONE)
		sep = NULL;
	if (sep && !same_kind(ev, self, sep, "sep"))
		return false;
	if (sep && sep->str.len == 0) {
		pyx_raise(ev, EXC_VALUE, "empty separator");
		return false;
	}
	*max_r = -1;
	if (maxv && !pyx_want_int(ev, maxv, "maxsplit", max_r))
		return false;
	*sep_r = sep;
	return true;
}

static bool ws_at(const struct pv *s, size_t pos, size_t *next)
{
	*next = pos;
	uint32_t c = next_cp(s, next);
	return in_chars(s, NULL, c);
}

METHOD(m_split)
{
	struct pv *sep;
	int64_t maxsplit;
	if (!split_args(ev, self, a, &sep, &maxsplit))
		return NULL;
	struct pv *out = pyx_list(ev, 0);
	const char *s = self->str.s;
	size_t n = self->str.len, pos = 0, nx;
	if (sep) {
		const char *p;
		while ((maxsplit < 0 || (int64_t)out->seq.n < maxsplit) &&
		       (p = memfind(s + pos, n - pos, sep->str.s,
				    sep->str.len))) {
			if (!pyx_list_append(ev, out, mk(ev, self, s + pos,
				(size_t)(p - s) - pos)))
				return NULL;
			pos = (size_t)(p - s) + sep->str.len;
		}
		return pyx_list_append(ev, out, mk(ev, self, s + pos,
						   n - pos)) ? out : NULL;
	}
	for (;;) {
		while (pos < n && ws_at(self, pos, &nx))
			pos = nx;
		if (pos >= n)
			break;
		if (maxsplit >= 0 && (int64_t)out->seq.n >= maxsplit) {
			/* the rest, right-stripped? no: Python keeps the
			 * remainder as is (leading whitespace removed) */
			size_t end = n;
			if (!pyx_list_append(ev, out, mk(ev, self, s + pos,
							 end - pos)))
				return NULL;
			break;
		}
		size_t start = pos;
		while (pos < n && !ws_at(self, pos, &nx))
			next_cp(self, &pos);
		if (!pyx_list_append(ev, out, mk(ev, self, s + start,
						 pos - start)))
			return NULL;
	}
	return out;
}

METHOD(m_rsplit)
{
	struct pv *sep;
	int64_t maxsplit;
	if (!split_args(ev, self, a, &sep, &maxsplit))
		return NULL;
	if (maxsplit < 0)
		return m_split(ev, self, a);
	/* collect from the right, then reverse */
	struct pv *out = pyx_list(ev, 0);
	const char *s = self->str.s;
	size_t end = self->str.len;
	if (sep) {
		const char *p;
		while ((int64_t)out->seq.n < maxsplit &&
		       (p = memrfind(s, end, sep->str.s, sep->str.len))) {
			size_t at = (size_t)(p - s);
			if (!pyx_list_append(ev, out, mk(ev, self,
				s + at + sep->str.len,
				end - at - sep->str.len)))
				return NULL;
			end = at;
		}
		if (!pyx_list_append(ev, out, mk(ev, self, s, end)))
			return NULL;
	} else {
		size_t ncp;
		uint32_t *cps = decode_all(ev, self, &ncp);
		/* byte offsets of each code point */
		size_t *offs = pyx_alloc(ev->arena, (ncp + 1) * sizeof(*offs));
		size_t pos = 0;
		for (size_t k = 0; k < ncp; k++) {
			offs[k] = pos;
			next_cp(self, &pos);
		}
		offs[ncp] = self->str.len;
		size_t k = ncp;
		for (;;) {
			while (k > 0 && in_chars(self, NULL, cps[k - 1]))
				k--;
			if (k == 0)
				break;
			if ((int64_t)out->seq.n >= maxsplit) {
				if (!pyx_list_append(ev, out, mk(ev, self, s,
								 offs[k])))
					return NULL;
				break;
			}
			size_t e = k;
			while (k > 0 && !in_chars(self, NULL, cps[k - 1]))
				k--;
			if (!pyx_list_append(ev, out, mk(ev, self,
				s + offs[k], offs[e] - offs[k])))
				return NULL;
		}
	}
	for (size_t i = 0; i < out->seq.n / 2; i++) {
		struct pv *t = out->seq.items[i];
		out->seq.items[i] = out->seq.items[out->seq.n - 1 - i];
		out->seq.items[out->seq.n - 1 - i] = t;
	}
	return out;
}

METHOD(m_splitlines)
{
	struct pv *kv = pyx_arg(a, 0, "keepends");
	bool keep = kv && pyx_truth(kv);
	struct pv *out = pyx_list(ev, 0);
	size_t pos = 0, start = 0, n = self->str.len;
	while (pos < n) {
		size_t at = pos;
		uint32_t c = next_cp(self, &pos);
		bool nl = c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
			  (c >= 0x1c && c <= 0x1e) ||
			  (!is_bytes(self) && (c == 0x85 || c == 0x2028 ||
					       c == 0x2029));
		if (is_bytes(self))
			nl = c == '\n' || c == '\r';
		if (!nl)
			continue;
		if (c == '\r' && pos < n && self->str.s[pos] == '\n')
			pos++;
		if (!pyx_list_append(ev, out, mk(ev, self, self->str.s + start,
						 (keep ? pos : at) - start)))
			return NULL;
		start = pos;
	}
	if (start < n && !pyx_list_append(ev, out, mk(ev, self,
			self->str.s + start, n - start)))
		return NULL;
	return out;
}

static struct pv *partition(struct pyx_eval *ev, struct pv *self,
			    struct pyx_args *a, bool reverse)
{
	struct pv *sep = a->pos[0];
	if (!same_kind(ev, self, sep, "separator"))
		return NULL;
	if (sep->str.len == 0)
		return pyx_raise(ev, EXC_VALUE, "empty separator");
	const char *p = reverse ?
		memrfind(self->str.s, self->str.len, sep->str.s, sep->str.len) :
		memfind(self->str.s, self->str.len, sep->str.s, sep->str.len);
	struct pv *t = pyx_tuple(ev, 3);
	struct pv *empty = mk(ev, self, "", 0);
	if (!p) {
		t->seq.items[0] = reverse ? empty : self;
		t->seq.items[1] = empty;
		t->seq.items[2] = reverse ? self : empty;
		return t;
	}
	size_t at = (size_t)(p - self->str.s);
	t->seq.items[0] = mk(ev, self, self->str.s, at);
	t->seq.items[1] = sep;
	t->seq.items[2] = mk(ev, self, p + sep->str.len,
			     self->str.len - at - sep->str.len);
	return t;
}

METHOD(m_partition)
{
	return partition(ev, self, a, false);
}

METHOD(m_rpartition)
{
	return partition(ev, self, a, true);
}

METHOD(m_join)
{
	return pyx_str_join(ev, self, a->pos[0]);
}

static struct pv *pad(struct pyx_eval *ev, struct pv *self, struct pyx_args *a,
		      int align)
{
	int64_t width;
	if (!pyx_want_int(ev, a->pos[0], "width", &width))
		return NULL;
	uint32_t fill = ' ';
	if (a->n > 1) {
		struct pv *f = a->pos[1];
		if (f->type != self->type || (is_bytes(f) ? f->str.len :
					      f->str.ncp) != 1)
			return pyx_raise(ev, EXC_TYPE, "The fill character "
				"must be exactly one character long");
		size_t pos = 0;
		fill = next_cp(f, &pos);
	}
	int64_t len = (int64_t)(is_bytes(self) ? self->str.len :
				self->str.ncp);
	if (width <= len)
		return self;
	if (!pyx_check_size(ev, (size_t)width * 4))
		return NULL;
	int64_t total = width - len, left;
	if (align == '<')
		left = 0;
	else if (align == '>')
		left = total;
	else	/* Python's center: the odd space goes left when the
		 * width is odd */
		left = total / 2 + (total & width & 1);
	struct strbuf sb;
	strbuf_init(&sb);
	for (int64_t i = 0; i < left; i++)
		put_cp(&sb, self, fill);
	strbuf_add(&sb, self->str.s, self->str.len);
	for (int64_t i = 0; i < total - left; i++)
		put_cp(&sb, self, fill);
	return mk_sb(ev, self, &sb);
}

METHOD(m_center)
{
	return pad(ev, self, a, '^');
}

METHOD(m_ljust)
{
	return pad(ev, self, a, '<');
}

METHOD(m_rjust)
{
	return pad(ev, self, a, '>');
}

METHOD(m_zfill)
{
	int64_t width;
	if (!pyx_want_int(ev, a->pos[0], "width", &width))
		return NULL;
	int64_t len = (int64_t)self->str.ncp;
	if (width <= len)
		return self;
	if (!pyx_check_size(ev, (size_t)width))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	size_t body = 0;
	if (self->str.len && (self->str.s[0] == '+' || self->str.s[0] == '-')) {
		strbuf_addch(&sb, self->str.s[0]);
		body = 1;
	}
	for (int64_t i = 0; i < width - len; i++)
		strbuf_addch(&sb, '0');
	strbuf_add(&sb, self->str.s + body, self->str.len - body);
	return mk_sb(ev, self, &sb);
}

METHOD(m_removeprefix)
{
	struct pv *p = a->pos[0];
	if (!same_kind(ev, self, p, "removeprefix() argument"))
		return NULL;
	if (p->str.len <= self->str.len &&
	    !memcmp(self->str.s, p->str.s, p->str.len))
		return mk(ev, self, self->str.s + p->str.len,
			  self->str.len - p->str.len);
	return self;
}

METHOD(m_removesuffix)
{
	struct pv *p = a->pos[0];
	if (!same_kind(ev, self, p, "removesuffix() argument"))
		return NULL;
	if (p->str.len && p->str.len <= self->str.len &&
	    !memcmp(self->str.s + self->str.len - p->str.len, p->str.s,
		    p->str.len))
		return mk(ev, self, self->str.s, self->str.len - p->str.len);
	return self;
}

METHOD(m_expandtabs)
{
	int64_t tab = 8;
	struct pv *tv = pyx_arg(a, 0, "tabsize");
	if (tv && !pyx_want_int(ev, tv, "tabsize", &tab))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb);
	int64_t col = 0;
	size_t pos = 0;
	while (pos < self->str.len) {
		size_t start = pos;
		uint32_t c = next_cp(self, &pos);
		if (c == '\t') {
			if (tab > 0) {
				int64_t k = tab - col % tab;
				if (!pyx_check_size(ev, sb.len + (size_t)k)) {
					strbuf_release(&sb);
					return NULL;
				}
				for (int64_t i = 0; i < k; i++)
					strbuf_addch(&sb, ' ');
				col += k;
			}
		} else {
			strbuf_add(&sb, self->str.s + start, pos - start);
			col = (c == '\n' || c == '\r') ? 0 : col + 1;
		}
	}
	return mk_sb(ev, self, &sb);
}

/* ---- codecs ----------------------------------------------------------------- */

enum codec { CODEC_UTF8, CODEC_ASCII, CODEC_LATIN1, CODEC_UTF7IMAP, CODEC_BAD };

static enum codec codec_of(const char *name)
{
	char norm[32];
	size_t n = 0;
	for (; *name && n + 1 < sizeof(norm); name++) {
		char c = *name;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c == '_' || c == ' ')
			c = '-';
		norm[n++] = c;
	}
	norm[n] = '\0';
	if (*name)
		return CODEC_BAD;
	if (!strcmp(norm, "utf-8") || !strcmp(norm, "utf8") ||
	    !strcmp(norm, "u8") || !strcmp(norm, "utf"))
		return CODEC_UTF8;
	if (!strcmp(norm, "ascii") || !strcmp(norm, "us-ascii") ||
	    !strcmp(norm, "646"))
		return CODEC_ASCII;
	if (!strcmp(norm, "latin-1") || !strcmp(norm, "latin1") ||
	    !strcmp(norm, "iso-8859-1") || !strcmp(norm, "iso8859-1") ||
	    !strcmp(norm, "l1"))
		return CODEC_LATIN1;
	if (!strcmp(norm, "imap4-utf-7") || !strcmp(norm, "imap4-utf7") ||
	    !strcmp(norm, "utf-7-imap") || !strcmp(norm, "imap-utf-7"))
		return CODEC_UTF7IMAP;
	return CODEC_BAD;
}

static bool codec_args(struct pyx_eval *ev, struct pyx_args *a,
		       enum codec *c_r, const char **errors_r,
		       const char **name_r)
{
	struct pv *enc = pyx_arg(a, 0, "encoding");
	struct pv *err = pyx_arg(a, 1, "errors");
	if (enc && !pyx_want_str(ev, enc, "encoding"))
		return false;
	if (err && !pyx_want_str(ev, err, "errors"))
		return false;
	*name_r = enc ? enc->str.s : "utf-8";
	*c_r = codec_of(*name_r);
	*errors_r = err ? err->str.s : "strict";
	if (*c_r == CODEC_BAD) {
		pyx_raise(ev, EXC_LOOKUP, "unknown encoding: %s", *name_r);
		return false;
	}
	return true;
}

static struct pv *encode_str(struct pyx_eval *ev, struct pv *self,
			     struct pyx_args *a)
{
	enum codec c;
	const char *errors, *name;
	if (!codec_args(ev, a, &c, &errors, &name))
		return NULL;
	bool strict = !strcmp(errors, "strict");
	bool ignore = !strcmp(errors, "ignore");
	bool escape = !strcmp(errors, "surrogateescape");
	if (c == CODEC_UTF7IMAP) {
		char *out;
		char *tmp = xstrndup(self->str.s, self->str.len);
		if (strlen(tmp) != self->str.len ||
		    imap_utf8_to_utf7(tmp, &out) < 0) {
			free(tmp);
			return pyx_raise(ev, EXC_UNICODE_ENC, "'imap4-utf-7' "
				"codec can't encode the string: it is not "
				"valid Unicode text");
		}
		free(tmp);
		struct pv *r = pyx_bytes_take(ev, pyx_strdup(ev->arena, out),
					      strlen(out));
		free(out);
		return r;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0, idx = 0;
	while (pos < self->str.len) {
		size_t start = pos;
		uint32_t cp = pyx_utf8_next(self->str.s, self->str.len, &pos);
		bool surr = cp >= 0xdc80 && cp <= 0xdcff &&
			    pos - start == 1;
		uint32_t limit = c == CODEC_ASCII ? 0x80 :
			c == CODEC_LATIN1 ? 0x100 : 0x110000;
		if (surr || cp >= limit) {
			if (surr && escape) {
				strbuf_addch(&sb, (char)(cp - 0xdc00));
			} else if (ignore) {
				/* dropped */
			} else if (!strict) {
				strbuf_addch(&sb, '?');
			} else {
				strbuf_release(&sb);
				return pyx_raise(ev, EXC_UNICODE_ENC, "'%s' "
					"codec can't encode character '\\u%04x' "
					"in position %zu: %s", name, cp, idx,
					c == CODEC_UTF8 ? "surrogates not "
					"allowed" : "ordinal not in range");
			}
		} else if (c == CODEC_UTF8) {
			strbuf_add(&sb, self->str.s + start, pos - start);
		} else {
			strbuf_addch(&sb, (char)cp);
		}
		idx++;
	}
	struct pv *r = pyx_bytes_take(ev, pyx_strndup(ev->arena,
		sb.buf ? sb.buf : "", sb.len), sb.len);
	strbuf_release(&sb);
	return r;
}

static struct pv *decode_bytes(struct pyx_eval *ev, const char *s, size_t n,
			       struct pyx_args *a)
{
	enum codec c;
	const char *errors, *name;
	if (!codec_args(ev, a, &c, &errors, &name))
		return NULL;
	bool strict = !strcmp(errors, "strict");
	bool ignore = !strcmp(errors, "ignore");
	bool escape = !strcmp(errors, "surrogateescape");
	if (c == CODEC_UTF7IMAP) {
		char *tmp = xstrndup(s, n), *out;
		if (strlen(tmp) != n || imap_utf7_to_utf8(tmp, &out) < 0) {
			free(tmp);
			return pyx_raise(ev, EXC_UNICODE_DEC, "'imap4-utf-7' "
				"codec can't decode bytes: not valid IMAP "
				"modified UTF-7");
		}
		free(tmp);
		struct pv *r = pyx_cstr(ev, out);
		free(out);
		return r;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0;
	while (pos < n) {
		size_t start = pos;
		unsigned char b = (unsigned char)s[pos];
		uint32_t cp;
		bool bad;
		if (c == CODEC_UTF8) {
			cp = pyx_utf8_next(s, n, &pos);
			bad = cp >= 0xdc80 && cp <= 0xdcff && pos - start == 1;
		} else {
			pos++;
			cp = b;
			bad = c == CODEC_ASCII && b >= 0x80;
		}
		if (bad) {
			if (escape) {
				char u[4];
				strbuf_add(&sb, u, pyx_utf8_put(0xdc00 + b, u));
			} else if (ignore) {
				/* dropped */
			} else if (!strict) {
				strbuf_addstr(&sb, "\xef\xbf\xbd");
			} else {
				strbuf_release(&sb);
				return pyx_raise(ev, EXC_UNICODE_DEC, "'%s' "
					"codec can't decode byte 0x%02x in "
					"position %zu: %s", name, b, start,
					c == CODEC_UTF8 ? "invalid start byte"
					: "ordinal not in range(128)");
			}
			continue;
		}
		if (c == CODEC_UTF8) {
			strbuf_add(&sb, s + start, pos - start);
		} else {
			char u[4];
			strbuf_add(&sb, u, pyx_utf8_put(cp, u));
		}
	}
	struct pv *r = pyx_str(ev, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	return r;
}

static const char *const kw_codec[] = { "encoding", "errors", NULL };

METHOD(m_encode)
{
	return encode_str(ev, self, a);
}

/* Python 2 compatibility: str.decode() treats the str as its bytes. */
METHOD(m_str_decode)
{
	return decode_bytes(ev, self->str.s, self->str.len, a);
}

METHOD(m_decode)
{
	return decode_bytes(ev, self->str.s, self->str.len, a);
}

/* ---- integers ----------------------------------------------------------------- */

struct pv *pyx_int_parse(struct pyx_eval *ev, struct pv *s, int64_t base)
{
	const char *p = s->str.s;
	size_t n = s->str.len, b0 = 0, b1 = n, nx;
	while (b0 < b1 && ws_at(s, b0, &nx))
		b0 = nx;
	while (b1 > b0 && (p[b1 - 1] == ' ' || (p[b1 - 1] >= '\t' &&
						p[b1 - 1] <= '\r')))
		b1--;
	size_t i = b0;
	bool neg = false;
	if (i < b1 && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	int64_t b = base;
	if (i + 1 < b1 && p[i] == '0') {
		char x = (char)(p[i + 1] | 0x20);
		int pb = x == 'x' ? 16 : x == 'o' ? 8 : x == 'b' ? 2 : 0;
		if (pb && (b == 0 || b == pb)) {
			b = pb;
			i += 2;
			if (i < b1 && p[i] == '_')
				i++;
		}
	}
	bool leading_zero_ok = true;
	if (b == 0) {
		b = 10;
		leading_zero_ok = false;
	}
	uint64_t v = 0;
	bool any = false, prev_us = false, overflow = false, nonzero = false;
	size_t digits_start = i;
	for (; i < b1; i++) {
		char c = p[i];
		if (c == '_') {
			if (!any || prev_us)
				goto bad;
			prev_us = true;
			continue;
		}
		int d = c >= '0' && c <= '9' ? c - '0' :
			(c | 0x20) >= 'a' && (c | 0x20) <= 'z' ?
			(c | 0x20) - 'a' + 10 : 99;
		if (d >= b)
			goto bad;
		if (d)
			nonzero = true;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)b)
			overflow = true;
		v = v * (uint64_t)b + (uint64_t)d;
		any = true;
		prev_us = false;
	}
	if (!any || prev_us)
		goto bad;
	if (!leading_zero_ok && p[digits_start] == '0' && nonzero)
		goto bad;
	if (overflow || v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return pyx_raise(ev, EXC_OVERFLOW, "integer result too large "
				 "(integers are limited to 64 bits)");
	return pyx_int(ev, neg ? (int64_t)(0 - v) : (int64_t)v);
bad:;
	struct pv *r = pyx_repr(ev, s);
	return r ? pyx_raise(ev, EXC_VALUE, "invalid literal for int() with "
			     "base %" PRId64 ": %s", base, r->str.s) : NULL;
}

/* ---- format specifications ------------------------------------------------ */

struct fspec {
	uint32_t fill;
	char align;	/* 0 < > ^ = */
	char sign;	/* 0 + - space */
	bool alt, zero;
	int64_t width;	/* -1 none */
	char group;	/* 0 , _ */
	int64_t prec;	/* -1 none */
	char type;	/* 0 or letter */
};

static bool parse_spec(struct pyx_eval *ev, const struct pv *spec,
		       struct fspec *f)
{
	memset(f, 0, sizeof(*f));
	f->fill = ' ';
	f->width = f->prec = -1;
	if (!spec || spec->str.len == 0)
		return true;
	const char *s = spec->str.s;
	size_t n = spec->str.len, pos = 0;
	/* fill + align */
	size_t p1 = 0;
	bool fill_given = false;
	uint32_t c0 = pyx_utf8_next(s, n, &p1);
	if (p1 < n && strchr("<>^=", s[p1])) {
		f->fill = c0;
		fill_given = true;
		f->align = s[p1];
		pos = p1 + 1;
	} else if (strchr("<>^=", s[0])) {
		f->align = s[0];
		pos = 1;
	}
	if (pos < n && strchr("+- ", s[pos]))
		f->sign = s[pos++];
	if (pos < n && s[pos] == 'z')
		pos++;
	if (pos < n && s[pos] == '#') {
		f->alt = true;
		pos++;
	}
	if (pos < n && s[pos] == '0') {
		f->zero = true;
		pos++;
	}
	int64_t w = -1;
	while (pos < n && s[pos] >= '0' && s[pos] <= '9') {
		w = (w < 0 ? 0 : w) * 10 + (s[pos++] - '0');
		if (w > 1000000)
			goto toolarge;
	}
	f->width = w;
	if (pos < n && (s[pos] == ',' || s[pos] == '_'))
		f->group = s[pos++];
	if (pos < n && s[pos] == '.') {
		pos++;
		int64_t pr = -1;
		while (pos < n && s[pos] >= '0' && s[pos] <= '9') {
			pr = (pr < 0 ? 0 : pr) * 10 + (s[pos++] - '0');
			if (pr > 1000000)
				goto toolarge;
		}
		if (pr < 0) {
			pyx_raise(ev, EXC_VALUE, "Format specifier missing "
				  "precision");
			return false;
		}
		f->prec = pr;
	}
	if (pos < n)
		f->type = s[pos++];
	if (pos < n) {
		pyx_raise(ev, EXC_VALUE, "Invalid format specifier");
		return false;
	}
	/* '0' before the width: zero padding, sign-aware unless an
	 * alignment is given; an explicit fill character wins */
	if (f->zero) {
		if (!fill_given)
			f->fill = '0';
		if (!f->align)
			f->align = '=';
	}
	return true;
toolarge:
	pyx_raise(ev, EXC_VALUE, "Too many decimal digits in format string");
	return false;
}

static void apply_pad(struct strbuf *out, const char *prefix,
		      const char *body, size_t blen, size_t bcp,
		      const struct fspec *f, char dflt_align)
{
	char align = f->align ? f->align : dflt_align;
	size_t plen = strlen(prefix);
	int64_t total = f->width - (int64_t)(bcp + plen);
	char fb[4];
	size_t fl = pyx_utf8_put(f->fill, fb);
	int64_t left = 0, right = 0;
	if (total > 0) {
		if (align == '<')
			right = total;
		else if (align == '^') {
			left = total / 2;
			right = total - left;
		} else
			left = total;
	}
	if (align != '=')
		for (int64_t i = 0; i < left; i++)
			strbuf_add(out, fb, fl);
	strbuf_addstr(out, prefix);
	if (align == '=')
		for (int64_t i = 0; i < left; i++)
			strbuf_add(out, fb, fl);
	strbuf_add(out, body, blen);
	for (int64_t i = 0; i < right; i++)
		strbuf_add(out, fb, fl);
}

static struct pv *format_int(struct pyx_eval *ev, int64_t v,
			     const struct fspec *f)
{
	char t = f->type ? f->type : 'd';
	struct strbuf out;
	strbuf_init(&out);
	if (strchr("eEfFgG%", t)) {
		double d = (double)v;
		char fmt[16], buf[400];
		int prec = f->prec < 0 ? 6 : (int)(f->prec > 300 ? 300 :
						    f->prec);
		if (t == '%') {
			d *= 100;
			snprintf(fmt, sizeof(fmt), "%%.%df", prec);
		} else if ((t == 'g' || t == 'G') && f->prec < 0) {
			snprintf(fmt, sizeof(fmt), "%%%c", t);
		} else {
			snprintf(fmt, sizeof(fmt), "%%.%d%c", prec, t);
		}
		snprintf(buf, sizeof(buf), fmt, d < 0 ? -d : d);
		if (t == '%')
			strcat(buf, "%");
		const char *sign = v < 0 ? "-" : f->sign == '+' ? "+" :
			f->sign == ' ' ? " " : "";
		apply_pad(&out, sign, buf, strlen(buf), strlen(buf), f, '>');
		return mk_sb(ev, &pyx_none, &out);
	}
	if (t == 'c') {
		if (v < 0 || v > 0x10ffff)
			return pyx_raise(ev, EXC_OVERFLOW, "%%c arg not in "
					 "range(0x110000)");
		char buf[4];
		size_t n = pyx_utf8_put((uint32_t)v, buf);
		apply_pad(&out, "", buf, n, 1, f, '<');
		return mk_sb(ev, &pyx_none, &out);
	}
	int base;
	const char *digits = "0123456789abcdef", *pfx = "";
	switch (t) {
	case 'd':
	case 'n':
		base = 10;
		break;
	case 'x':
		base = 16;
		pfx = "0x";
		break;
	case 'X':
		base = 16;
		digits = "0123456789ABCDEF";
		pfx = "0X";
		break;
	case 'o':
		base = 8;
		pfx = "0o";
		break;
	case 'b':
		base = 2;
		pfx = "0b";
		break;
	default:
		return pyx_raise(ev, EXC_VALUE, "Unknown format code '%c' for "
				 "object of type 'int'", t);
	}
	if (f->prec >= 0)
		return pyx_raise(ev, EXC_VALUE, "Precision not allowed in "
				 "integer format specifier");
	char raw[80], grouped[120];
	char *p = raw + sizeof(raw);
	*--p = '\0';
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = digits[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	size_t nd = strlen(p);
	const char *body = p;
	if (f->group) {
		size_t every = base == 10 ? 3 : 4, k = 0;
		char *q = grouped + sizeof(grouped);
		*--q = '\0';
		for (size_t i = nd; i-- > 0;) {
			if (k && k % every == 0)
				*--q = f->group;
			*--q = p[i];
			k++;
		}
		body = q;
		nd = strlen(q);
	}
	char prefix[8] = "";
	if (v < 0)
		strcat(prefix, "-");
	else if (f->sign == '+')
		strcat(prefix, "+");
	else if (f->sign == ' ')
		strcat(prefix, " ");
	if (f->alt)
		strcat(prefix, pfx);
	apply_pad(&out, prefix, body, nd, nd, f, '>');
	return mk_sb(ev, &pyx_none, &out);
}

struct pv *pyx_format(struct pyx_eval *ev, struct pv *v, struct pv *spec)
{
	bool empty = !spec || spec->str.len == 0;
	if (empty)
		return pyx_tostr(ev, v);
	struct fspec f;
	if (!parse_spec(ev, spec, &f))
		return NULL;
	/* a bool formats as an int unless the spec is empty */
	if (v->type == PV_INT || v->type == PV_BOOL) {
		if (f.type == 's')
			return pyx_raise(ev, EXC_VALUE, "Unknown format code "
					 "'s' for object of type '%s'",
					 pyx_typename(v));
		return format_int(ev, v->i, &f);
	}
	if (v->type == PV_STR) {
		struct pv *s = v;
		if (f.type && f.type != 's')
			return pyx_raise(ev, EXC_VALUE, "Unknown format code "
					 "'%c' for object of type 'str'",
					 f.type);
		if (f.sign)
			return pyx_raise(ev, EXC_VALUE, "Sign not allowed in "
					 "string format specifier");
		if (f.align == '=')
			return pyx_raise(ev, EXC_VALUE, "'=' alignment not "
				"allowed in string format specifier");
		if (f.width > 0 && !pyx_check_size(ev, (size_t)f.width * 4))
			return NULL;
		size_t blen = s->str.len, bcp = s->str.ncp;
		if (f.prec >= 0 && (size_t)f.prec < bcp) {
			blen = pyx_utf8_offset(s->str.s, s->str.len,
					       s->str.ncp, (size_t)f.prec);
			bcp = (size_t)f.prec;
		}
		struct strbuf out;
		strbuf_init(&out);
		apply_pad(&out, "", s->str.s, blen, bcp, &f, '<');
		return mk_sb(ev, &pyx_none, &out);
	}
	return pyx_raise(ev, EXC_TYPE, "unsupported format string passed to "
			 "%s.__format__", pyx_typename(v));
}

struct pv *pyx_ascii(struct pyx_eval *ev, struct pv *v)
{
	struct pv *r = pyx_repr(ev, v);
	if (!r || r->str.ncp == r->str.len)
		return r;
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0;
	while (pos < r->str.len) {
		size_t start = pos;
		uint32_t c = pyx_utf8_next(r->str.s, r->str.len, &pos);
		if (c < 0x80)
			strbuf_add(&sb, r->str.s + start, pos - start);
		else if (c <= 0xff)
			strbuf_addf(&sb, "\\x%02x", c);
		else if (c <= 0xffff)
			strbuf_addf(&sb, "\\u%04x", c);
		else
			strbuf_addf(&sb, "\\U%08x", c);
	}
	return mk_sb(ev, &pyx_none, &sb);
}

/* ---- printf-style % ---------------------------------------------------------- */

struct pv *pyx_str_mod(struct pyx_eval *ev, struct pv *fmt, struct pv *args)
{
	struct pv **argv = &args;
	size_t argc = 1, argi = 0;
	struct pv *mapping = NULL;
	if (args->type == PV_TUPLE) {
		argv = args->seq.items;
		argc = args->seq.n;
	} else if (args->type == PV_DICT) {
		mapping = args;
	}
	/* lists and dicts passed alone count as "mappings": unused is OK */
	bool lenient = args->type == PV_DICT || args->type == PV_LIST;
	const char *s = fmt->str.s;
	size_t n = fmt->str.len, i = 0;
	struct strbuf sb;
	strbuf_init(&sb);
#define FAIL(...) do { strbuf_release(&sb); return pyx_raise(ev, __VA_ARGS__); } while (0)
	while (i < n) {
		const char *pct = memchr(s + i, '%', n - i);
		if (!pct) {
			strbuf_add(&sb, s + i, n - i);
			break;
		}
		strbuf_add(&sb, s + i, (size_t)(pct - s) - i);
		i = (size_t)(pct - s) + 1;
		if (i >= n)
			FAIL(EXC_VALUE, "incomplete format");
		struct pv *arg = NULL;
		if (s[i] == '(') {
			if (!mapping)
				FAIL(EXC_TYPE, "format requires a mapping");
			size_t depth = 1, k = i + 1;
			while (k < n && depth) {
				if (s[k] == '(')
					depth++;
				else if (s[k] == ')')
					depth--;
				k++;
			}
			if (depth)
				FAIL(EXC_VALUE, "incomplete format key");
			struct pv *key = pyx_str(ev, s + i + 1, k - i - 2);
			arg = pyx_dict_get(ev, mapping, key);
			if (!arg) {
				if (ev->failed) {
					strbuf_release(&sb);
					return NULL;
				}
				struct pv *rep = pyx_repr(ev, key);
				FAIL(EXC_KEY, "%s", rep ? rep->str.s : "?");
			}
			i = k;
		}
		struct fspec f;
		memset(&f, 0, sizeof(f));
		f.fill = ' ';
		f.width = f.prec = -1;
		bool left = false;
		for (; i < n && strchr("-+ #0", s[i]); i++) {
			switch (s[i]) {
			case '-': left = true; break;
			case '+': f.sign = '+'; break;
			case ' ': if (f.sign != '+') f.sign = ' '; break;
			case '#': f.alt = true; break;
			case '0': f.zero = true; break;
			}
		}
		if (i < n && s[i] == '*') {
			i++;
			if (argi >= argc || mapping)
				FAIL(EXC_TYPE, "not enough arguments for format "
				     "string");
			if (argv[argi]->type != PV_INT)
				FAIL(EXC_TYPE, "* wants int");
			f.width = argv[argi++]->i;
			if (f.width < 0) {
				left = true;
				f.width = -f.width;
			}
		} else {
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				f.width = (f.width < 0 ? 0 : f.width) * 10 +
					  (s[i++] - '0');
				if (f.width > 1000000)
					FAIL(EXC_VALUE, "width too big");
			}
		}
		if (i < n && s[i] == '.') {
			i++;
			f.prec = 0;
			if (i < n && s[i] == '*') {
				i++;
				if (argi >= argc || mapping)
					FAIL(EXC_TYPE, "not enough arguments "
					     "for format string");
				if (argv[argi]->type != PV_INT)
					FAIL(EXC_TYPE, "* wants int");
				f.prec = argv[argi++]->i;
				if (f.prec < 0)
					f.prec = 0;
			} else {
				while (i < n && s[i] >= '0' && s[i] <= '9') {
					f.prec = f.prec * 10 + (s[i++] - '0');
					if (f.prec > 1000000)
						FAIL(EXC_VALUE, "precision too "
						     "big");
				}
			}
		}
		while (i < n && strchr("hlL", s[i]))
			i++;
		if (i >= n)
			FAIL(EXC_VALUE, "incomplete format");
		char conv = s[i++];
		if (conv == '%') {
			/* "%%" is a percent sign; with a key, flags, width or
			 * precision in between, CPython still takes an
			 * argument for it */
			if (!arg && s[i - 2] != '%') {
				if (!mapping && argi >= argc)
					FAIL(EXC_TYPE, "not enough arguments "
					     "for format string");
				if (!mapping)
					argi++;
			}
			strbuf_addch(&sb, '%');
			continue;
		}
		if (!arg) {
			if (mapping && !lenient)
				FAIL(EXC_TYPE, "format requires a mapping");
			if (mapping) {
				arg = mapping;
			} else {
				if (argi >= argc)
					FAIL(EXC_TYPE, "not enough arguments for "
					     "format string");
				arg = argv[argi++];
			}
		}
		f.align = left ? '<' : '>';
		if (f.zero && !left && conv != 's' && conv != 'r' &&
		    conv != 'a' && conv != 'c') {
			f.fill = '0';
			f.align = '=';
		}
		if (f.width > 0 && !pyx_check_size(ev, sb.len +
						   (size_t)f.width)) {
			strbuf_release(&sb);
			return NULL;
		}
		struct pv *piece;
		switch (conv) {
		case 's':
		case 'r':
		case 'a': {
			struct pv *t = conv == 's' ? pyx_tostr(ev, arg) :
				conv == 'r' ? pyx_repr(ev, arg) :
				pyx_ascii(ev, arg);
			if (!t) {
				strbuf_release(&sb);
				return NULL;
			}
			struct fspec g = f;
			g.sign = 0;
			g.type = 0;
			piece = pyx_format(ev, t, NULL);
			if (piece && (g.prec >= 0 || g.width > 0)) {
				char spec[64];
				if (g.prec >= 0)
					snprintf(spec, sizeof(spec), "%c%" PRId64
						 ".%" PRId64, g.align,
						 g.width < 0 ? 0 : g.width,
						 g.prec);
				else
					snprintf(spec, sizeof(spec), "%c%" PRId64,
						 g.align, g.width);
				piece = pyx_format(ev, t, pyx_cstr(ev, spec));
			}
			break;
		}
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
		case 'c': {
			if (conv == 'c' && arg->type == PV_STR) {
				if (arg->str.ncp != 1)
					FAIL(EXC_TYPE, "%%c requires int or "
					     "char");
				struct fspec g = f;
				g.sign = 0;
				struct strbuf o;
				strbuf_init(&o);
				apply_pad(&o, "", arg->str.s, arg->str.len, 1,
					  &g, '>');
				piece = mk_sb(ev, &pyx_none, &o);
				break;
			}
			if (arg->type != PV_INT && arg->type != PV_BOOL) {
				if (conv == 'c')
					FAIL(EXC_TYPE, "%%c requires int or "
					     "char");
				if (strchr("xXo", conv))
					FAIL(EXC_TYPE, "%%%c format: an integer "
					     "is required, not %s", conv,
					     pyx_typename(arg));
				FAIL(EXC_TYPE, "%%%c format: a real number is "
				     "required, not %s", conv,
				     pyx_typename(arg));
			}
			struct fspec g = f;
			g.type = conv == 'i' || conv == 'u' ? 'd' : conv;
			if (strchr("eEfFgG", conv) && g.prec < 0)
				g.prec = 6;
			if (strchr("dxXoc", g.type))
				g.prec = -1;
			if ((conv == 'd' || conv == 'i' || conv == 'u') &&
			    f.prec > 0) {
				/* %.3d: minimum digits */
				char buf[32];
				int64_t v = arg->i;
				uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v :
					(uint64_t)v;
				snprintf(buf, sizeof(buf), "%0*" PRIu64,
					 (int)(f.prec > 25 ? 25 : f.prec), u);
				struct strbuf o;
				strbuf_init(&o);
				const char *sg = v < 0 ? "-" : f.sign == '+' ?
					"+" : f.sign == ' ' ? " " : "";
				apply_pad(&o, sg, buf, strlen(buf),
					  strlen(buf), &g, '>');
				piece = mk_sb(ev, &pyx_none, &o);
				break;
			}
			piece = format_int(ev, arg->i, &g);
			break;
		}
		default:
			FAIL(EXC_VALUE, "unsupported format character '%c' "
			     "(0x%x) at index %zu", conv >= 0x20 &&
			     conv < 0x7f ? conv : '?', (unsigned char)conv,
			     i - 1);
		}
		if (!piece) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, piece->str.s, piece->str.len);
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	if (!mapping && argi < argc && !lenient)
		FAIL(EXC_TYPE, "not all arguments converted during string "
		     "formatting");
#undef FAIL
	return mk_sb(ev, fmt, &sb);
}

/* ---- str.format ---------------------------------------------------------------- */

static struct pv *format_field_value(struct pyx_eval *ev, const char *name,
				     size_t nlen, struct pyx_args *a,
				     int *autonum)
{
	size_t k = 0;
	while (k < nlen && name[k] != '.' && name[k] != '[')
		k++;
	struct pv *v;
	if (k == 0) {
		if (*autonum < 0)
			return pyx_raise(ev, EXC_VALUE, "cannot switch from "
				"manual field specification to automatic "
				"field numbering");
		if ((size_t)*autonum >= a->n)
			return pyx_raise(ev, EXC_INDEX, "Replacement index %d "
				"out of range for positional args tuple",
				*autonum);
		v = a->pos[(*autonum)++];
	} else if (name[0] >= '0' && name[0] <= '9') {
		if (*autonum > 0)
			return pyx_raise(ev, EXC_VALUE, "cannot switch from "
				"automatic field numbering to manual field "
				"specification");
		*autonum = -1;
		size_t idx = 0;
		for (size_t i = 0; i < k; i++) {
			if (name[i] < '0' || name[i] > '9' || idx > 100000)
				return pyx_raise(ev, EXC_VALUE, "invalid field "
						 "number");
			idx = idx * 10 + (size_t)(name[i] - '0');
		}
		if (idx >= a->n)
			return pyx_raise(ev, EXC_INDEX, "Replacement index %zu "
				"out of range for positional args tuple", idx);
		v = a->pos[idx];
	} else {
		char *key = pyx_strndup(ev->arena, name, k);
		v = pyx_arg_kw(a, key);
		if (!v)
			return pyx_raise(ev, EXC_KEY, "'%s'", key);
	}
	while (k < nlen) {
		if (name[k] == '.') {
			size_t e = ++k;
			while (e < nlen && name[e] != '.' && name[e] != '[')
				e++;
			v = pyx_getattr(ev, v, pyx_strndup(ev->arena, name + k,
							   e - k));
			if (!v)
				return NULL;
			k = e;
		} else {
			size_t e = ++k;
			while (e < nlen && name[e] != ']')
				e++;
			if (e >= nlen)
				return pyx_raise(ev, EXC_VALUE, "Missing ']' "
						 "in format string");
			bool digits = e > k;
			for (size_t i = k; i < e; i++)
				if (name[i] < '0' || name[i] > '9')
					digits = false;
			struct pv *key;
			if (digits)
				key = pyx_int(ev, strtoll(pyx_strndup(ev->arena,
					name + k, e - k), NULL, 10));
			else
				key = pyx_str(ev, name + k, e - k);
			struct pv *x = NULL;
			if (v->type == PV_DICT) {
				x = pyx_dict_get(ev, v, key);
				if (!x && !ev->failed) {
					struct pv *rep = pyx_repr(ev, key);
					return rep ? pyx_raise(ev, EXC_KEY, "%s",
						rep->str.s) : NULL;
				}
			} else if ((v->type == PV_LIST || v->type == PV_TUPLE) &&
				   digits) {
				if (key->i >= (int64_t)v->seq.n)
					return pyx_raise(ev, EXC_INDEX, "%s "
						"index out of range",
						pyx_typename(v));
				x = v->seq.items[key->i];
			} else if (v->type == PV_STR && digits) {
				if (key->i >= (int64_t)v->str.ncp)
					return pyx_raise(ev, EXC_INDEX, "string "
						"index out of range");
				x = pyx_str_index(ev, v, key->i);
			} else {
				return pyx_raise(ev, EXC_TYPE, "'%s' object is "
					"not subscriptable", pyx_typename(v));
			}
			if (!x)
				return NULL;
			v = x;
			k = e + 1;
		}
	}
	return v;
}

static struct pv *do_format(struct pyx_eval *ev, struct pv *self,
			    struct pyx_args *a, int *autonum, int depth)
{
	const char *s = self->str.s;
	size_t n = self->str.len, i = 0;
	struct strbuf sb;
	strbuf_init(&sb);
	while (i < n) {
		char c = s[i];
		if (c == '}') {
			if (i + 1 < n && s[i + 1] == '}') {
				strbuf_addch(&sb, '}');
				i += 2;
				continue;
			}
			strbuf_release(&sb);
			return pyx_raise(ev, EXC_VALUE, "Single '}' encountered "
					 "in format string");
		}
		if (c != '{') {
			strbuf_addch(&sb, c);
			i++;
			continue;
		}
		if (i + 1 < n && s[i + 1] == '{') {
			strbuf_addch(&sb, '{');
			i += 2;
			continue;
		}
		/* find the matching '}' */
		size_t j = i + 1;
		int d = 1;
		while (j < n) {
			if (s[j] == '{')
				d++;
			else if (s[j] == '}' && --d == 0)
				break;
			j++;
		}
		if (j >= n) {
			strbuf_release(&sb);
			return pyx_raise(ev, EXC_VALUE, "Single '{' encountered "
					 "in format string");
		}
		const char *field = s + i + 1;
		size_t flen = j - i - 1;
		size_t nameend = 0;
		while (nameend < flen && field[nameend] != '!' &&
		       field[nameend] != ':')
			nameend++;
		char conv = 0;
		size_t specstart = flen;
		if (nameend < flen && field[nameend] == '!') {
			if (nameend + 1 >= flen ||
			    !strchr("rsa", field[nameend + 1]) ||
			    (nameend + 2 < flen && field[nameend + 2] != ':')) {
				strbuf_release(&sb);
				return pyx_raise(ev, EXC_VALUE, "Unknown "
					"conversion specifier");
			}
			conv = field[nameend + 1];
			if (nameend + 2 < flen)
				specstart = nameend + 3;
		} else if (nameend < flen) {
			specstart = nameend + 1;
		}
		struct pv *v = format_field_value(ev, field, nameend, a,
						  autonum);
		if (v && conv)
			v = conv == 'r' ? pyx_repr(ev, v) : conv == 's' ?
				pyx_tostr(ev, v) : pyx_ascii(ev, v);
		struct pv *spec = NULL;
		if (v && specstart < flen) {
			spec = pyx_str(ev, field + specstart, flen - specstart);
			if (memchr(spec->str.s, '{', spec->str.len)) {
				if (depth >= 2) {
					strbuf_release(&sb);
					return pyx_raise(ev, EXC_VALUE, "Max "
						"string recursion exceeded");
				}
				spec = do_format(ev, spec, a, autonum,
						 depth + 1);
			}
			if (!spec)
				v = NULL;
		}
		if (v)
			v = pyx_format(ev, v, spec);
		if (!v) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, v->str.s, v->str.len);
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
		i = j + 1;
	}
	return mk_sb(ev, self, &sb);
}

METHOD(m_format)
{
	int autonum = 0;
	return do_format(ev, self, a, &autonum, 0);
}

METHOD(m_format_map)
{
	if (a->pos[0]->type != PV_DICT)
		return pyx_raise(ev, EXC_TYPE, "format_map() argument must be "
				 "a dict");
	struct pv *d = a->pos[0];
	struct pyx_args sub = { 0 };
	sub.kwn = pyx_alloc(ev->arena, (d->dict->live + 1) * sizeof(char *));
	sub.kwv = pyx_alloc(ev->arena, (d->dict->live + 1) *
			    sizeof(struct pv *));
	for (size_t i = 0; i < d->dict->n; i++) {
		struct pyx_dentry *e = &d->dict->e[i];
		if (!e->key || e->key->type != PV_STR)
			continue;
		sub.kwn[sub.nkw] = e->key->str.s;
		sub.kwv[sub.nkw++] = e->value;
	}
	int autonum = 0;
	return do_format(ev, self, &sub, &autonum, 0);
}

/* ---- method tables --------------------------------------------------------- */

static const char *const kw_replace[] = { "count", NULL };
static const char *const kw_split[] = { "sep", "maxsplit", NULL };
static const char *const kw_keepends[] = { "keepends", NULL };
static const char *const kw_tabsize[] = { "tabsize", NULL };
static const char *const kw_any[] = { "*", NULL };

#define COMMON_METHODS \
	{ "lower", m_lower, 0, 0, -1, NULL }, \
	{ "upper", m_upper, 0, 0, -1, NULL }, \
	{ "swapcase", m_swapcase, 0, 0, -1, NULL }, \
	{ "title", m_title, 0, 0, -1, NULL }, \
	{ "capitalize", m_capitalize, 0, 0, -1, NULL }, \
	{ "startswith", m_startswith, 1, 3, -1, NULL }, \
	{ "endswith", m_endswith, 1, 3, -1, NULL }, \
	{ "find", m_find, 1, 3, -1, NULL }, \
	{ "rfind", m_rfind, 1, 3, -1, NULL }, \
	{ "index", m_index, 1, 3, -1, NULL }, \
	{ "rindex", m_rindex, 1, 3, -1, NULL }, \
	{ "count", m_count, 1, 3, -1, NULL }, \
	{ "replace", m_replace, 2, 3, -1, kw_replace }, \
	{ "strip", m_strip, 0, 1, -1, NULL }, \
	{ "lstrip", m_lstrip, 0, 1, -1, NULL }, \
	{ "rstrip", m_rstrip, 0, 1, -1, NULL }, \
	{ "split", m_split, 0, 2, -1, kw_split }, \
	{ "rsplit", m_rsplit, 0, 2, -1, kw_split }, \
	{ "splitlines", m_splitlines, 0, 1, -1, kw_keepends }, \
	{ "partition", m_partition, 1, 1, -1, NULL }, \
	{ "rpartition", m_rpartition, 1, 1, -1, NULL }, \
	{ "join", m_join, 1, 1, -1, NULL }, \
	{ "center", m_center, 1, 2, -1, NULL }, \
	{ "ljust", m_ljust, 1, 2, -1, NULL }, \
	{ "rjust", m_rjust, 1, 2, -1, NULL }, \
	{ "zfill", m_zfill, 1, 1, -1, NULL }, \
	{ "removeprefix", m_removeprefix, 1, 1, -1, NULL }, \
	{ "removesuffix", m_removesuffix, 1, 1, -1, NULL }, \
	{ "expandtabs", m_expandtabs, 0, 1, -1, kw_tabsize }, \
	{ "isdigit", m_isdigit, 0, 0, -1, NULL }, \
	{ "isalpha", m_isalpha, 0, 0, -1, NULL }, \
	{ "isalnum", m_isalnum, 0, 0, -1, NULL }, \
	{ "isspace", m_isspace, 0, 0, -1, NULL }, \
	{ "isupper", m_isupper, 0, 0, -1, NULL }, \
	{ "islower", m_islower, 0, 0, -1, NULL }, \
	{ "istitle", m_istitle, 0, 0, -1, NULL }, \
	{ "isascii", m_isascii, 0, 0, -1, NULL }

static const struct pyx_builtin str_methods[] = {
	COMMON_METHODS,
	{ "casefold", m_casefold, 0, 0, -1, NULL },
	{ "isdecimal", m_isdecimal, 0, 0, -1, NULL },
	{ "isnumeric", m_isnumeric, 0, 0, -1, NULL },
	{ "isidentifier", m_isidentifier, 0, 0, -1, NULL },
	{ "isprintable", m_isprintable, 0, 0, -1, NULL },
	{ "encode", m_encode, 0, 2, -1, kw_codec },
	{ "decode", m_str_decode, 0, 2, -1, kw_codec },
	{ "format", m_format, 0, -1, -1, kw_any },
	{ "format_map", m_format_map, 1, 1, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

static const struct pyx_builtin bytes_methods[] = {
	COMMON_METHODS,
	{ "decode", m_decode, 0, 2, -1, kw_codec },
	{ NULL, NULL, 0, 0, 0, NULL }
};

const struct pyx_builtin *pyx_str_method(const char *name)
{
	for (size_t i = 0; str_methods[i].name; i++)
		if (!strcmp(str_methods[i].name, name))
			return &str_methods[i];
	return NULL;
}

struct pv *pyx_str_getattr(struct pyx_eval *ev, struct pv *s,
			   const char *name)
{
	const struct pyx_builtin *m = pyx_str_method(name);
	return m ? pyx_method(ev, s, m) : NULL;
}

struct pv *pyx_bytes_getattr(struct pyx_eval *ev, struct pv *s,
			     const char *name)
{
	for (size_t i = 0; bytes_methods[i].name; i++)
		if (!strcmp(bytes_methods[i].name, name))
			return pyx_method(ev, s, &bytes_methods[i]);
	return NULL;
}
