// SPDX-License-Identifier: GPL-2.0-or-later
/* The builtins (len, sorted, cmp, map, ...), the type objects (str, int,
 * list, ...), the exception classes, the methods of lists, tuples, dicts
 * and sets, and attribute lookup for every kind of value.  Python 2
 * spellings that Python 3 dropped (cmp, unicode, basestring, xrange,
 * reduce, dict.has_key, sort(cmp)) are accepted so old configurations
 * keep working. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

/* ---- argument helpers ------------------------------------------------- */

bool pyx_args_check(struct pyx_eval *ev, struct pyx_args *a,
		    const char *fname, size_t min, size_t max,
		    const char *const *kw)
{
	size_t kwmatched = 0;
	bool any_kw = kw && kw[0] && !strcmp(kw[0], "*");
	for (size_t i = 0; i < a->nkw; i++) {
		bool ok = any_kw;
		for (size_t k = 0; kw && kw[k]; k++)
			if (!strcmp(kw[k], a->kwn[i]))
				ok = true;
		if (!ok) {
			pyx_raise(ev, EXC_TYPE, "%s() got an unexpected "
				  "keyword argument '%s'", fname, a->kwn[i]);
			return false;
		}
		kwmatched++;
	}
	if (a->n > max) {
		if (max == 0)
			pyx_raise(ev, EXC_TYPE, "%s() takes no arguments (%zu "
				  "given)", fname, a->n);
		else if (min == max)
			pyx_raise(ev, EXC_TYPE, "%s() takes exactly %zu "
				  "argument%s (%zu given)", fname, max,
				  max == 1 ? "" : "s", a->n);
		else
			pyx_raise(ev, EXC_TYPE, "%s() takes at most %zu "
				  "argument%s (%zu given)", fname, max,
				  max == 1 ? "" : "s", a->n);
		return false;
	}
	if (a->n + kwmatched < min) {
		if (min == max)
			pyx_raise(ev, EXC_TYPE, "%s() takes exactly %zu "
				  "argument%s (%zu given)", fname, min,
				  min == 1 ? "" : "s", a->n);
		else
			pyx_raise(ev, EXC_TYPE, "%s() takes at least %zu "
				  "argument%s (%zu given)", fname, min,
				  min == 1 ? "" : "s", a->n);
		return false;
	}
	return true;
}

struct pv *pyx_arg_kw(struct pyx_args *a, const char *name)
{
	for (size_t i = 0; i < a->nkw; i++)
		if (!strcmp(a->kwn[i], name))
			return a->kwv[i];
	return NULL;
}

struct pv *pyx_arg(struct pyx_args *a, size_t i, const char *name)
{
	if (i < a->n)
		return a->pos[i];
	return name ? pyx_arg_kw(a, name) : NULL;
}

bool pyx_want_int(struct pyx_eval *ev, struct pv *v, const char *what,
		  int64_t *i_r)
{
	if (v->type != PV_INT && v->type != PV_BOOL) {
		pyx_raise(ev, EXC_TYPE, "%s must be an integer, not %s", what,
			  pyx_typename(v));
		return false;
	}
	*i_r = v->i;
	return true;
}

bool pyx_want_str(struct pyx_eval *ev, struct pv *v, const char *what)
{
	if (v->type != PV_STR) {
		pyx_raise(ev, EXC_TYPE, "%s must be str, not %s", what,
			  pyx_typename(v));
		return false;
	}
	return true;
}

void pyx_slice_indices(int64_t len, struct pv *lo, struct pv *hi,
		       int64_t step, int64_t *start_r, int64_t *stop_r,
		       int64_t *n_r)
{
	int64_t start, stop;
	if (!lo || lo->type == PV_NONE) {
		start = step < 0 ? len - 1 : 0;
	} else {
		start = lo->i;
		if (start < 0) {
			start += len;
			if (start < 0)
				start = step < 0 ? -1 : 0;
		} else if (start >= len) {
			start = step < 0 ? len - 1 : len;
		}
	}
	if (!hi || hi->type == PV_NONE) {
		stop = step < 0 ? -1 : len;
	} else {
		stop = hi->i;
		if (stop < 0) {
			stop += len;
			if (stop < 0)
				stop = step < 0 ? -1 : 0;
		} else if (stop >= len) {
			stop = step < 0 ? len - 1 : len;
		}
	}
	int64_t n;
	if (step < 0)
		n = stop < start ? (start - stop - 1) / (-step) + 1 : 0;
	else
		n = start < stop ? (stop - start - 1) / step + 1 : 0;
	*start_r = start;
	*stop_r = stop;
	*n_r = n;
}

static const char *const kw_key_reverse[] = { "key", "reverse", "cmp", NULL };
static const char *const kw_key_default[] = { "key", "default", NULL };
static const char *const kw_start[] = { "start", NULL };
static const char *const kw_any[] = { "*", NULL };

/* ---- type objects ------------------------------------------------------ */

static struct pv *b_str(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a);
static struct pv *b_int(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a);
static struct pv *b_bool(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a);
static struct pv *b_list(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a);
static struct pv *b_tuple(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a);
static struct pv *b_dict(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a);
static struct pv *b_set(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a);
static struct pv *b_bytes(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a);
static struct pv *b_range(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a);
static struct pv *b_type(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a);
static struct pv *b_notcallable(struct pyx_eval *ev, struct pv *self,
				struct pyx_args *a);
static struct pv *b_exception(struct pyx_eval *ev, struct pv *self,
			      struct pyx_args *a);

static const char *const kw_str[] = { "object", "encoding", "errors", NULL };
static const char *const kw_int[] = { "base", NULL };

static const struct pyx_builtin t_str = { "str", b_str, 0, 3, PV_STR, kw_str };
static const struct pyx_builtin t_int = { "int", b_int, 0, 2, PV_INT, kw_int };
static const struct pyx_builtin t_bool = { "bool", b_bool, 0, 1, PV_BOOL,
					   NULL };
static const struct pyx_builtin t_list = { "list", b_list, 0, 1, PV_LIST,
					   NULL };
static const struct pyx_builtin t_tuple = { "tuple", b_tuple, 0, 1, PV_TUPLE,
					    NULL };
static const struct pyx_builtin t_dict = { "dict", b_dict, 0, 1, PV_DICT,
					   kw_any };
static const struct pyx_builtin t_set = { "set", b_set, 0, 1, PV_SET, NULL };
static const struct pyx_builtin t_frozenset = { "frozenset", b_set, 0, 1,
						PV_SET, NULL };
static const struct pyx_builtin t_bytes = { "bytes", b_bytes, 0, 3, PV_BYTES,
					    kw_str };
static const struct pyx_builtin t_range = { "range", b_range, 1, 3, PV_RANGE,
					    NULL };
static const struct pyx_builtin t_type = { "type", b_type, 1, 1, PV_TYPE,
					   NULL };
static const struct pyx_builtin t_none = { "NoneType", b_notcallable, 0, -1,
					   PV_NONE, NULL };
static const struct pyx_builtin t_function = { "function", b_notcallable, 0,
					       -1, PV_FUNC, NULL };
static const struct pyx_builtin t_builtin = { "builtin_function_or_method",
					      b_notcallable, 0, -1,
					      PV_BUILTIN, NULL };
static const struct pyx_builtin t_generator = { "generator", b_notcallable,
						0, -1, PV_GEN, NULL };
static const struct pyx_builtin t_pattern = { "re.Pattern", b_notcallable,
					      0, -1, PV_PATTERN, NULL };
static const struct pyx_builtin t_match = { "re.Match", b_notcallable, 0, -1,
					    PV_MATCH, NULL };
static const struct pyx_builtin t_module = { "module", b_notcallable, 0, -1,
					     PV_MODULE, NULL };
/* basestring: isinstance() only */
static const struct pyx_builtin t_basestring = { "basestring", b_notcallable,
						 0, -1, PV_NTYPES, NULL };

#define TYPEV(var, b) \
	static struct pv var = { .type = PV_TYPE, .frozen = true, .builtin = &b }
TYPEV(tv_str, t_str);
TYPEV(tv_int, t_int);
TYPEV(tv_bool, t_bool);
TYPEV(tv_list, t_list);
TYPEV(tv_tuple, t_tuple);
TYPEV(tv_dict, t_dict);
TYPEV(tv_set, t_set);
TYPEV(tv_frozenset, t_frozenset);
TYPEV(tv_bytes, t_bytes);
TYPEV(tv_range, t_range);
TYPEV(tv_type, t_type);
TYPEV(tv_none, t_none);
TYPEV(tv_function, t_function);
TYPEV(tv_builtin, t_builtin);
TYPEV(tv_generator, t_generator);
TYPEV(tv_pattern, t_pattern);
TYPEV(tv_match, t_match);
TYPEV(tv_module, t_module);
TYPEV(tv_basestring, t_basestring);

struct pv *pyx_type_of(const struct pv *v)
{
	switch (v->type) {
	case PV_NONE: return &tv_none;
	case PV_BOOL: return &tv_bool;
	case PV_INT: return &tv_int;
	case PV_STR: return &tv_str;
	case PV_BYTES: return &tv_bytes;
	case PV_LIST: return &tv_list;
	case PV_TUPLE: return &tv_tuple;
	case PV_DICT: return &tv_dict;
	case PV_SET: return &tv_set;
	case PV_RANGE: return &tv_range;
	case PV_FUNC: return &tv_function;
	case PV_TYPE: return &tv_type;
	case PV_MODULE: return &tv_module;
	case PV_PATTERN: return &tv_pattern;
	case PV_MATCH: return &tv_match;
	case PV_GEN: return &tv_generator;
	default: return &tv_builtin;
	}
}

static struct pv *b_notcallable(struct pyx_eval *ev, struct pv *self,
				struct pyx_args *a)
{
	(void)self;
	(void)a;
	return pyx_raise(ev, EXC_TYPE, "this type cannot be called");
}

static struct pv *b_type(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a)
{
	(void)ev;
	(void)self;
	return pyx_type_of(a->pos[0]);
}

static struct pv *b_str(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a)
{
	(void)self;
	struct pv *x = pyx_arg(a, 0, "object");
	struct pv *enc = pyx_arg(a, 1, "encoding");
	struct pv *errs = pyx_arg(a, 2, "errors");
	if (!x)
		return pyx_str(ev, "", 0);
	if (enc || errs) {
		if (x->type != PV_BYTES)
			return pyx_raise(ev, EXC_TYPE, "decoding to str: need "
					 "a bytes-like object, %s found",
					 pyx_typename(x));
		struct pv *m = pyx_bytes_getattr(ev, x, "decode");
		if (!m)
			return NULL;
		struct pv *argv[2] = { enc ? enc : pyx_cstr(ev, "utf-8"),
				       errs };
		struct pyx_args sub = { .pos = argv, .n = errs ? 2 : 1 };
		return pyx_call(ev, m, &sub);
	}
	return pyx_tostr(ev, x);
}

static struct pv *b_int(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a)
{
	(void)self;
	struct pv *x = pyx_arg(a, 0, NULL);
	struct pv *base = pyx_arg(a, 1, "base");
	if (!x)
		return pyx_int(ev, 0);
	if (base) {
		int64_t b;
		if (!pyx_want_int(ev, base, "base", &b))
			return NULL;
		if (x->type != PV_STR && x->type != PV_BYTES)
			return pyx_raise(ev, EXC_TYPE, "int() can't convert "
					 "non-string with explicit base");
		if (b != 0 && (b < 2 || b > 36))
			return pyx_raise(ev, EXC_VALUE, "int() base must be "
					 ">= 2 and <= 36, or 0");
		return pyx_int_parse(ev, x, b);
	}
	switch (x->type) {
	case PV_INT:
		return x;
	case PV_BOOL:
		return pyx_int(ev, x->i);
	case PV_STR:
	case PV_BYTES:
		return pyx_int_parse(ev, x, 10);
	default:
		return pyx_raise(ev, EXC_TYPE, "int() argument must be a "
				 "string, a bytes-like object or a real "
				 "number, not '%s'", pyx_typename(x));
	}
}

static struct pv *b_bool(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a)
{
	(void)ev;
	(void)self;
	return PV_BOOLV(a->n && pyx_truth(a->pos[0]));
}

static struct pv *b_list(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a)
{
	(void)self;
	return a->n ? pyx_to_list(ev, a->pos[0]) : pyx_list(ev, 0);
}

static struct pv *b_tuple(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a)
{
	(void)self;
	if (a->n && a->pos[0]->type == PV_TUPLE)
		return a->pos[0];
	struct pv *l = a->n ? pyx_to_list(ev, a->pos[0]) : pyx_list(ev, 0);
	if (l)
		l->type = PV_TUPLE;
	return l;
}

static bool dict_update(struct pyx_eval *ev, struct pv *d, struct pv *src)
{
	if (src->type == PV_DICT) {
		for (size_t i = 0; i < src->dict->n; i++)
			if (src->dict->e[i].key &&
			    !pyx_dict_set(ev, d, src->dict->e[i].key,
					  src->dict->e[i].value))
				return false;
		return true;
	}
	struct pyx_iter it;
	if (!pyx_iter_init(ev, src, &it))
		return false;
	struct pv *x;
	size_t idx = 0;
	while ((x = pyx_iter_next(ev, &it))) {
		struct pv *pair = pyx_to_list(ev, x);
		if (!pair) {
			pyx_clear_error(ev);
			pyx_raise(ev, EXC_TYPE, "cannot convert dictionary "
				  "update sequence element #%zu to a "
				  "sequence", idx);
			return false;
		}
		if (pair->seq.n != 2) {
			pyx_raise(ev, EXC_VALUE, "dictionary update sequence "
				  "element #%zu has length %zu; 2 is "
				  "required", idx, pair->seq.n);
			return false;
		}
		if (!pyx_dict_set(ev, d, pair->seq.items[0],
				  pair->seq.items[1]))
			return false;
		idx++;
	}
	return !ev->failed;
}

static struct pv *b_dict(struct pyx_eval *ev, struct pv *self,
			 struct pyx_args *a)
{
	(void)self;
	struct pv *d = pyx_dict(ev);
	if (a->n && !dict_update(ev, d, a->pos[0]))
		return NULL;
	for (size_t i = 0; i < a->nkw; i++)
		if (!pyx_dict_set(ev, d, pyx_cstr(ev, a->kwn[i]), a->kwv[i]))
			return NULL;
	return d;
}

static bool set_add_all(struct pyx_eval *ev, struct pv *s, struct pv *src)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, src, &it))
		return false;
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it)))
		if (!pyx_dict_set(ev, s, x, NULL))
			return false;
	return !ev->failed;
}

static struct pv *b_set(struct pyx_eval *ev, struct pv *self,
			struct pyx_args *a)
{
	(void)self;
	struct pv *s = pyx_set(ev);
	if (a->n && !set_add_all(ev, s, a->pos[0]))
		return NULL;
	return s;
}

static struct pv *b_bytes(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a)
{
	(void)self;
	struct pv *x = pyx_arg(a, 0, "object");
	struct pv *enc = pyx_arg(a, 1, "encoding");
	if (!x)
		return pyx_bytes_take(ev, "", 0);
	if (x->type == PV_STR) {
		if (!enc)
			return pyx_raise(ev, EXC_TYPE, "string argument "
					 "without an encoding");
		struct pv *m = pyx_str_getattr(ev, x, "encode");
		return m ? pyx_call1(ev, m, enc) : NULL;
	}
	if (x->type == PV_BYTES)
		return x;
	struct pv *l = pyx_to_list(ev, x);
	if (!l)
		return NULL;
	char *buf = pyx_alloc(ev->arena, l->seq.n + 1);
	for (size_t i = 0; i < l->seq.n; i++) {
		int64_t c;
		if (!pyx_want_int(ev, l->seq.items[i], "bytes item", &c))
			return NULL;
		if (c < 0 || c > 255)
			return pyx_raise(ev, EXC_VALUE, "bytes must be in "
					 "range(0, 256)");
		buf[i] = (char)c;
	}
	return pyx_bytes_take(ev, buf, l->seq.n);
}

static struct pv *b_range(struct pyx_eval *ev, struct pv *self,
			  struct pyx_args *a)
{
	(void)self;
	int64_t v[3] = { 0, 0, 1 };
	for (size_t i = 0; i < a->n; i++)
		if (!pyx_want_int(ev, a->pos[i], "range() argument", &v[i]))
			return NULL;
	struct pv *r = pyx_new(ev, PV_RANGE);
	if (a->n == 1) {
		r->range.start = 0;
		r->range.stop = v[0];
		r->range.step = 1;
	} else {
		r->range.start = v[0];
		r->range.stop = v[1];
		r->range.step = v[2];
	}
	if (r->range.step == 0)
		return pyx_raise(ev, EXC_VALUE, "range() arg 3 must not be "
				 "zero");
	return r;
}

/* ---- exceptions ------------------------------------------------------------- */

static struct pv *b_exception(struct pyx_eval *ev, struct pv *self,
			      struct pyx_args *a)
{
	(void)self;
	(void)a;
	return pyx_raise(ev, EXC_RUNTIME, "internal: exception call");
}

#define EXCTYPE(var, name) \
	static const struct pyx_builtin var##_b = { name, b_exception, 0, -1, \
						    PV_EXC, NULL }; \
	static struct pv var = { .type = PV_TYPE, .frozen = true, \
				 .builtin = &var##_b }
EXCTYPE(ex_exception, "Exception");
EXCTYPE(ex_value, "ValueError");
EXCTYPE(ex_type, "TypeError");
EXCTYPE(ex_key, "KeyError");
EXCTYPE(ex_index, "IndexError");
EXCTYPE(ex_runtime, "RuntimeError");
EXCTYPE(ex_name, "NameError");
EXCTYPE(ex_attr, "AttributeError");
EXCTYPE(ex_lookup, "LookupError");
EXCTYPE(ex_zero, "ZeroDivisionError");
EXCTYPE(ex_assert, "AssertionError");
EXCTYPE(ex_notimpl, "NotImplementedError");
EXCTYPE(ex_os, "OSError");

/* ---- functions ---------------------------------------------------------------- */

#define BUILTIN(fname) \
	static struct pv *fname(struct pyx_eval *ev, struct pv *self, \
				struct pyx_args *a)

BUILTIN(b_len)
{
	(void)self;
	struct pv *x = a->pos[0];
	switch (x->type) {
	case PV_STR:
		return pyx_int(ev, (int64_t)x->str.ncp);
	case PV_BYTES:
		return pyx_int(ev, (int64_t)x->str.len);
	case PV_LIST:
	case PV_TUPLE:
		return pyx_int(ev, (int64_t)x->seq.n);
	case PV_DICT:
	case PV_SET:
		return pyx_int(ev, (int64_t)x->dict->live);
	case PV_RANGE:
		return pyx_int(ev, pyx_range_len(x));
	default:
		return pyx_raise(ev, EXC_TYPE, "object of type '%s' has no "
				 "len()", pyx_typename(x));
	}
}

BUILTIN(b_cmp)
{
	(void)self;
	int r = pyx_eq(ev, a->pos[0], a->pos[1]);
	if (r < 0)
		return NULL;
	if (r)
		return pyx_int(ev, 0);
	r = pyx_order(ev, a->pos[0], a->pos[1], "<");
	return r == -2 ? NULL : pyx_int(ev, r < 0 ? -1 : 1);
}

BUILTIN(b_sorted)
{
	(void)self;
	struct pv *key = pyx_arg_kw(a, "key"), *rev = pyx_arg_kw(a, "reverse");
	struct pv *cmpfn = pyx_arg_kw(a, "cmp");
	if (key && key->type == PV_NONE)
		key = NULL;
	if (cmpfn && cmpfn->type == PV_NONE)
		cmpfn = NULL;
	struct pv *l = pyx_to_list(ev, a->pos[0]);
	if (!l)
		return NULL;
	if (!pyx_sort(ev, l->seq.items, l->seq.n, key, cmpfn,
		      rev && pyx_truth(rev)))
		return NULL;
	return l;
}

BUILTIN(b_reversed)
{
	(void)self;
	struct pv *x = a->pos[0];
	if (x->type == PV_DICT || x->type == PV_SET || x->type == PV_GEN)
		return pyx_raise(ev, EXC_TYPE, "'%s' object is not "
				 "reversible", pyx_typename(x));
	struct pv *l = pyx_to_list(ev, x);
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->seq.n / 2; i++) {
		struct pv *t = l->seq.items[i];
		l->seq.items[i] = l->seq.items[l->seq.n - 1 - i];
		l->seq.items[l->seq.n - 1 - i] = t;
	}
	return l;
}

static struct pv *minmax(struct pyx_eval *ev, struct pyx_args *a, bool max)
{
	const char *name = max ? "max" : "min";
	struct pv *key = pyx_arg_kw(a, "key"), *dflt = pyx_arg_kw(a, "default");
	if (key && key->type == PV_NONE)
		key = NULL;
	struct pv *items;
	if (a->n == 1) {
		items = pyx_to_list(ev, a->pos[0]);
		if (!items)
			return NULL;
	} else {
		if (dflt)
			return pyx_raise(ev, EXC_TYPE, "Cannot specify a "
				"default for %s() with multiple positional "
				"arguments", name);
		items = pyx_tuple(ev, a->n);
		memcpy(items->seq.items, a->pos, a->n * sizeof(*a->pos));
	}
	if (items->seq.n == 0) {
		if (dflt)
			return dflt;
		return pyx_raise(ev, EXC_VALUE, "%s() arg is an empty "
				 "sequence", name);
	}
	struct pv *best = items->seq.items[0];
	struct pv *bestk = key ? pyx_call1(ev, key, best) : best;
	if (!bestk)
		return NULL;
	for (size_t i = 1; i < items->seq.n; i++) {
		struct pv *x = items->seq.items[i];
		struct pv *k = key ? pyx_call1(ev, key, x) : x;
		if (!k)
			return NULL;
		int c = pyx_order(ev, k, bestk, max ? ">" : "<");
		if (c == -2)
			return NULL;
		if (max ? c > 0 : c < 0) {
			best = x;
			bestk = k;
		}
	}
	return best;
}

BUILTIN(b_min)
{
	(void)self;
	return minmax(ev, a, false);
}

BUILTIN(b_max)
{
	(void)self;
	return minmax(ev, a, true);
}

static struct pv *anyall(struct pyx_eval *ev, struct pv *x, bool any)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, x, &it))
		return NULL;
	struct pv *v;
	while ((v = pyx_iter_next(ev, &it)))
		if (pyx_truth(v) == any)
			return PV_BOOLV(any);
	return ev->failed ? NULL : PV_BOOLV(!any);
}

BUILTIN(b_any)
{
	(void)self;
	return anyall(ev, a->pos[0], true);
}

BUILTIN(b_all)
{
	(void)self;
	return anyall(ev, a->pos[0], false);
}

BUILTIN(b_sum)
{
	(void)self;
	struct pv *acc = pyx_arg(a, 1, "start");
	if (!acc)
		acc = pyx_int(ev, 0);
	if (acc->type == PV_STR)
		return pyx_raise(ev, EXC_TYPE, "sum() can't sum strings [use "
				 "''.join(seq) instead]");
	struct pyx_iter it;
	if (!pyx_iter_init(ev, a->pos[0], &it))
		return NULL;
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		if ((acc->type == PV_INT || acc->type == PV_BOOL) &&
		    (x->type == PV_INT || x->type == PV_BOOL)) {
			int64_t r;
			if (__builtin_add_overflow(acc->i, x->i, &r))
				return pyx_raise(ev, EXC_OVERFLOW, "integer "
					"result too large (integers are "
					"limited to 64 bits)");
			acc = pyx_int(ev, r);
		} else if (acc->type == x->type &&
			   (acc->type == PV_LIST || acc->type == PV_TUPLE)) {
			struct pv *n = acc->type == PV_LIST ?
				pyx_list(ev, acc->seq.n + x->seq.n) :
				pyx_tuple(ev, acc->seq.n + x->seq.n);
			if (!pyx_check_size(ev, acc->seq.n + x->seq.n))
				return NULL;
			memcpy(n->seq.items, acc->seq.items,
			       acc->seq.n * sizeof(struct pv *));
			memcpy(n->seq.items + acc->seq.n, x->seq.items,
			       x->seq.n * sizeof(struct pv *));
			n->seq.n = acc->seq.n + x->seq.n;
			acc = n;
		} else {
			return pyx_raise(ev, EXC_TYPE, "unsupported operand "
				"type(s) for +: '%s' and '%s'",
				pyx_typename(acc), pyx_typename(x));
		}
	}
	return ev->failed ? NULL : acc;
}

BUILTIN(b_enumerate)
{
	(void)self;
	struct pv *startv = pyx_arg(a, 1, "start");
	int64_t start = 0;
	if (startv && !pyx_want_int(ev, startv, "start", &start))
		return NULL;
	struct pv *l = pyx_to_list(ev, a->pos[0]);
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->seq.n; i++)
		l->seq.items[i] = pyx_tuple2(ev, pyx_int(ev, start +
			(int64_t)i), l->seq.items[i]);
	return l;
}

BUILTIN(b_zip)
{
	(void)self;
	struct pv *out = pyx_list(ev, 0);
	if (a->n == 0)
		return out;
	struct pyx_iter *its = pyx_alloc(ev->arena, a->n * sizeof(*its));
	for (size_t i = 0; i < a->n; i++)
		if (!pyx_iter_init(ev, a->pos[i], &its[i]))
			return NULL;
	for (;;) {
		struct pv *t = pyx_tuple(ev, a->n);
		for (size_t i = 0; i < a->n; i++) {
			t->seq.items[i] = pyx_iter_next(ev, &its[i]);
			if (!t->seq.items[i])
				return ev->failed ? NULL : out;
		}
		if (!pyx_list_append(ev, out, t))
			return NULL;
	}
}

BUILTIN(b_map)
{
	(void)self;
	size_t n = a->n - 1;
	struct pyx_iter *its = pyx_alloc(ev->arena, n * sizeof(*its));
	for (size_t i = 0; i < n; i++)
		if (!pyx_iter_init(ev, a->pos[i + 1], &its[i]))
			return NULL;
	struct pv *out = pyx_list(ev, 0);
	struct pv **argv = pyx_alloc(ev->arena, n * sizeof(*argv));
	for (;;) {
		for (size_t i = 0; i < n; i++) {
			argv[i] = pyx_iter_next(ev, &its[i]);
			if (!argv[i])
				return ev->failed ? NULL : out;
		}
		struct pyx_args sub = { .pos = argv, .n = n };
		struct pv *r = pyx_call(ev, a->pos[0], &sub);
		if (!r || !pyx_list_append(ev, out, r))
			return NULL;
	}
}

BUILTIN(b_filter)
{
	(void)self;
	struct pv *fn = a->pos[0];
	struct pyx_iter it;
	if (!pyx_iter_init(ev, a->pos[1], &it))
		return NULL;
	struct pv *out = pyx_list(ev, 0);
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		struct pv *r = fn->type == PV_NONE ? x : pyx_call1(ev, fn, x);
		if (!r)
			return NULL;
		if (pyx_truth(r) && !pyx_list_append(ev, out, x))
			return NULL;
	}
	return ev->failed ? NULL : out;
}

BUILTIN(b_reduce)
{
	(void)self;
	struct pyx_iter it;
	if (!pyx_iter_init(ev, a->pos[1], &it))
		return NULL;
	struct pv *acc = a->n > 2 ? a->pos[2] : pyx_iter_next(ev, &it);
	if (!acc)
		return ev->failed ? NULL : pyx_raise(ev, EXC_TYPE,
			"reduce() of empty iterable with no initial value");
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		acc = pyx_call2(ev, a->pos[0], acc, x);
		if (!acc)
			return NULL;
	}
	return ev->failed ? NULL : acc;
}

BUILTIN(b_repr)
{
	(void)self;
	return pyx_repr(ev, a->pos[0]);
}

BUILTIN(b_ascii)
{
	(void)self;
	return pyx_ascii(ev, a->pos[0]);
}

BUILTIN(b_format)
{
	(void)self;
	struct pv *spec = a->n > 1 ? a->pos[1] : NULL;
	if (spec && !pyx_want_str(ev, spec, "format spec"))
		return NULL;
	return pyx_format(ev, a->pos[0], spec);
}

static bool type_matches(const struct pv *x, const struct pv *t)
{
	int want = t->builtin->type;
	if (want == PV_NTYPES)	/* basestring */
		return x->type == PV_STR || x->type == PV_BYTES;
	if (want == PV_EXC)
		return x->type == PV_EXC &&
		       (!strcmp(t->builtin->name, "Exception") ||
			!strcmp(t->builtin->name, x->exc.type));
	if (want == PV_INT)
		return x->type == PV_INT || x->type == PV_BOOL;
	if (want == PV_BUILTIN)
		return x->type == PV_BUILTIN || x->type == PV_METHOD;
	return x->type == want;
}

BUILTIN(b_isinstance)
{
	(void)self;
	struct pv *t = a->pos[1];
	if (t->type == PV_TYPE)
		return PV_BOOLV(type_matches(a->pos[0], t));
	if (t->type == PV_TUPLE) {
		for (size_t i = 0; i < t->seq.n; i++) {
			if (t->seq.items[i]->type != PV_TYPE)
				goto bad;
			if (type_matches(a->pos[0], t->seq.items[i]))
				return PV_BOOLV(true);
		}
		return PV_BOOLV(false);
	}
bad:
	return pyx_raise(ev, EXC_TYPE, "isinstance() arg 2 must be a type, "
			 "a tuple of types, or a union");
}

BUILTIN(b_callable)
{
	(void)ev;
	(void)self;
	uint8_t t = a->pos[0]->type;
	return PV_BOOLV(t == PV_FUNC || t == PV_BUILTIN || t == PV_METHOD ||
			t == PV_TYPE);
}

BUILTIN(b_chr)
{
	(void)self;
	int64_t c;
	if (!pyx_want_int(ev, a->pos[0], "chr() argument", &c))
		return NULL;
	if (c < 0 || c > 0x10ffff)
		return pyx_raise(ev, EXC_VALUE, "chr() arg not in "
				 "range(0x110000)");
	char buf[4];
	return pyx_str(ev, buf, pyx_utf8_put((uint32_t)c, buf));
}

BUILTIN(b_ord)
{
	(void)self;
	struct pv *x = a->pos[0];
	if (x->type == PV_BYTES && x->str.len == 1)
		return pyx_int(ev, (unsigned char)x->str.s[0]);
	if (x->type == PV_STR && x->str.ncp == 1) {
		size_t pos = 0;
		return pyx_int(ev, pyx_utf8_next(x->str.s, x->str.len, &pos));
	}
	if (x->type == PV_STR || x->type == PV_BYTES)
		return pyx_raise(ev, EXC_TYPE, "ord() expected a character, "
				 "but string of length %zu found",
				 x->str.ncp);
	return pyx_raise(ev, EXC_TYPE, "ord() expected string of length 1, "
			 "but %s found", pyx_typename(x));
}

static struct pv *int_base(struct pyx_eval *ev, struct pv *x, int base,
			   const char *prefix)
{
	int64_t v;
	if (!pyx_want_int(ev, x, "argument", &v))
		return NULL;
	char buf[80];
	char *p = buf + sizeof(buf);
	*--p = '\0';
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = "0123456789abcdef"[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	p -= strlen(prefix);
	memcpy(p, prefix, strlen(prefix));
	if (v < 0)
		*--p = '-';
	return pyx_cstr(ev, p);
}

BUILTIN(b_hex)
{
	(void)self;
	return int_base(ev, a->pos[0], 16, "0x");
}

BUILTIN(b_oct)
{
	(void)self;
	return int_base(ev, a->pos[0], 8, "0o");
}

BUILTIN(b_bin)
{
	(void)self;
	return int_base(ev, a->pos[0], 2, "0b");
}

BUILTIN(b_abs)
{
	(void)self;
	int64_t v;
	if (!pyx_want_int(ev, a->pos[0], "abs() argument", &v))
		return NULL;
	if (v == INT64_MIN)
		return pyx_raise(ev, EXC_OVERFLOW, "integer result too large "
				 "(integers are limited to 64 bits)");
	return pyx_int(ev, v < 0 ? -v : v);
}

BUILTIN(b_divmod)
{
	(void)self;
	int64_t x, y;
	if (!pyx_want_int(ev, a->pos[0], "divmod() argument", &x) ||
	    !pyx_want_int(ev, a->pos[1], "divmod() argument", &y))
		return NULL;
	if (y == 0)
		return pyx_raise(ev, EXC_ZERO, "integer division or modulo by "
				 "zero");
	if (x == INT64_MIN && y == -1)
		return pyx_raise(ev, EXC_OVERFLOW, "integer result too large "
				 "(integers are limited to 64 bits)");
	int64_t q = x / y, r = x % y;
	if (r != 0 && ((r < 0) != (y < 0))) {
		q--;
		r += y;
	}
	return pyx_tuple2(ev, pyx_int(ev, q), pyx_int(ev, r));
}

BUILTIN(b_pow)
{
	(void)self;
	int64_t x, y, m = 0;
	if (!pyx_want_int(ev, a->pos[0], "pow() argument", &x) ||
	    !pyx_want_int(ev, a->pos[1], "pow() argument", &y))
		return NULL;
	if (a->n < 3 || a->pos[2]->type == PV_NONE) {
		if (y < 0)
			return pyx_raise(ev, EXC_VALUE, "negative exponents "
				"give floating-point numbers, which are not "
				"supported");
		int64_t acc = 1, base = x;
		while (y) {
			if ((y & 1) && __builtin_mul_overflow(acc, base, &acc))
				goto ovf;
			y >>= 1;
			if (y && __builtin_mul_overflow(base, base, &base))
				goto ovf;
		}
		return pyx_int(ev, acc);
	}
	if (!pyx_want_int(ev, a->pos[2], "pow() argument", &m))
		return NULL;
	if (m == 0)
		return pyx_raise(ev, EXC_VALUE, "pow() 3rd argument cannot be "
				 "0");
	if (y < 0)
		return pyx_raise(ev, EXC_VALUE, "negative exponents with a "
				 "modulus are not supported");
	{
		__int128 acc = 1, base = x % m, mod = m;
		if (base < 0)
			base += mod < 0 ? -mod : mod;
		while (y) {
			if (y & 1)
				acc = acc * base % mod;
			base = base * base % mod;
			y >>= 1;
		}
		int64_t r = (int64_t)acc;
		if (r != 0 && ((r < 0) != (m < 0)))
			r += m;
		return pyx_int(ev, r);
	}
ovf:
	return pyx_raise(ev, EXC_OVERFLOW, "integer result too large "
			 "(integers are limited to 64 bits)");
}

BUILTIN(b_round)
{
	(void)self;
	int64_t v;
	if (!pyx_want_int(ev, a->pos[0], "round() argument", &v))
		return NULL;
	if (a->n < 2 || a->pos[1]->type == PV_NONE)
		return pyx_int(ev, v);
	int64_t nd;
	if (!pyx_want_int(ev, a->pos[1], "ndigits", &nd))
		return NULL;
	if (nd >= 0)
		return pyx_int(ev, v);
	/* round half to even at 10**-nd */
	int64_t p = 1;
	for (int64_t i = 0; i < -nd; i++) {
		if (p > INT64_MAX / 10)
			return pyx_int(ev, 0);
		p *= 10;
	}
	int64_t q = v / p, r = v % p;
	if (r < 0) {
		q--;
		r += p;
	}
	if (r * 2 > p || (r * 2 == p && (q & 1)))
		q++;
	return pyx_int(ev, q * p);
}

BUILTIN(b_next)
{
	(void)self;
	struct pv *g = a->pos[0];
	if (g->type != PV_GEN)
		return pyx_raise(ev, EXC_TYPE, "'%s' object is not an "
				 "iterator", pyx_typename(g));
	struct pv *x = pyx_gen_next(ev, g);
	if (x || ev->failed)
		return x;
	if (a->n > 1)
		return a->pos[1];
	return pyx_raise(ev, EXC_STOP, "%s", "");
}

BUILTIN(b_getattr)
{
	(void)self;
	if (!pyx_want_str(ev, a->pos[1], "attribute name"))
		return NULL;
	struct pv *r = pyx_getattr(ev, a->pos[0], a->pos[1]->str.s);
	if (!r && a->n > 2 && !strcmp(ev->exc, EXC_ATTR)) {
		pyx_clear_error(ev);
		return a->pos[2];
	}
	return r;
}

BUILTIN(b_hasattr)
{
	(void)self;
	if (!pyx_want_str(ev, a->pos[1], "attribute name"))
		return NULL;
	struct pv *r = pyx_getattr(ev, a->pos[0], a->pos[1]->str.s);
	if (!r && !strcmp(ev->exc, EXC_ATTR)) {
		pyx_clear_error(ev);
		return PV_BOOLV(false);
	}
	return r ? PV_BOOLV(true) : NULL;
}

/* print() is accepted so that helper functions with debugging output keep
 * working, but writes nothing: the evaluator has no access to the outside
 * world (and the UI owns the terminal). */
BUILTIN(b_print)
{
	(void)ev;
	(void)self;
	(void)a;
	return PV_NONE_V;
}

static const char *const kw_print[] = { "sep", "end", "file", "flush", NULL };

static const struct pyx_builtin builtins_tab[] = {
	{ "abs", b_abs, 1, 1, -1, NULL },
	{ "all", b_all, 1, 1, -1, NULL },
	{ "any", b_any, 1, 1, -1, NULL },
	{ "ascii", b_ascii, 1, 1, -1, NULL },
	{ "bin", b_bin, 1, 1, -1, NULL },
	{ "callable", b_callable, 1, 1, -1, NULL },
	{ "chr", b_chr, 1, 1, -1, NULL },
	{ "cmp", b_cmp, 2, 2, -1, NULL },
	{ "divmod", b_divmod, 2, 2, -1, NULL },
	{ "enumerate", b_enumerate, 1, 2, -1, kw_start },
	{ "filter", b_filter, 2, 2, -1, NULL },
	{ "format", b_format, 1, 2, -1, NULL },
	{ "getattr", b_getattr, 2, 3, -1, NULL },
	{ "hasattr", b_hasattr, 2, 2, -1, NULL },
	{ "hex", b_hex, 1, 1, -1, NULL },
	{ "isinstance", b_isinstance, 2, 2, -1, NULL },
	{ "len", b_len, 1, 1, -1, NULL },
	{ "map", b_map, 2, -1, -1, NULL },
	{ "max", b_max, 1, -1, -1, kw_key_default },
	{ "min", b_min, 1, -1, -1, kw_key_default },
	{ "next", b_next, 1, 2, -1, NULL },
	{ "oct", b_oct, 1, 1, -1, NULL },
	{ "ord", b_ord, 1, 1, -1, NULL },
	{ "pow", b_pow, 2, 3, -1, NULL },
	{ "print", b_print, 0, -1, -1, kw_print },
	{ "reduce", b_reduce, 2, 3, -1, NULL },
	{ "repr", b_repr, 1, 1, -1, NULL },
	{ "reversed", b_reversed, 1, 1, -1, NULL },
	{ "round", b_round, 1, 2, -1, NULL },
	{ "sorted", b_sorted, 1, 1, -1, kw_key_reverse },
	{ "sum", b_sum, 1, 2, -1, kw_start },
	{ "zip", b_zip, 0, -1, -1, NULL },
};

#define NBUILTINS ARRAY_SIZE(builtins_tab)
static struct pv builtin_values[NBUILTINS];
static struct pv re_module_value = { .type = PV_MODULE, .frozen = true,
				     .module = &pyx_re_module };
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static void builtins_init(void)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		builtin_values[i].type = PV_BUILTIN;
		builtin_values[i].frozen = true;
		builtin_values[i].builtin = &builtins_tab[i];
	}
}

static const struct {
	const char *name;
	struct pv *v;
} named_values[] = {
	{ "str", &tv_str }, { "unicode", &tv_str }, { "int", &tv_int },
	{ "long", &tv_int }, { "bool", &tv_bool }, { "list", &tv_list },
	{ "tuple", &tv_tuple }, { "dict", &tv_dict }, { "set", &tv_set },
	{ "frozenset", &tv_frozenset }, { "bytes", &tv_bytes },
	{ "range", &tv_range }, { "xrange", &tv_range }, { "type", &tv_type },
	{ "basestring", &tv_basestring }, { "re", &re_module_value },
	{ "Exception", &ex_exception }, { "ValueError", &ex_value },
	{ "TypeError", &ex_type }, { "KeyError", &ex_key },
	{ "IndexError", &ex_index }, { "RuntimeError", &ex_runtime },
	{ "NameError", &ex_name }, { "AttributeError", &ex_attr },
	{ "LookupError", &ex_lookup }, { "ZeroDivisionError", &ex_zero },
	{ "AssertionError", &ex_assert },
	{ "NotImplementedError", &ex_notimpl }, { "OSError", &ex_os },
	{ "IOError", &ex_os },
};

struct pv *pyx_builtin_lookup(const char *name)
{
	pthread_once(&builtins_once, builtins_init);
	for (size_t i = 0; i < NBUILTINS; i++)
		if (!strcmp(builtins_tab[i].name, name))
			return &builtin_values[i];
	for (size_t i = 0; i < ARRAY_SIZE(named_values); i++)
		if (!strcmp(named_values[i].name, name))
			return named_values[i].v;
	return NULL;
}

/* ---- list methods ------------------------------------------------------- */

BUILTIN(l_append)
{
	if (!pyx_check_mutable(ev, self) ||
	    !pyx_list_append(ev, self, a->pos[0]))
		return NULL;
	return PV_NONE_V;
}

BUILTIN(l_extend)
{
	struct pv *l = pyx_to_list(ev, a->pos[0]);
	if (!l || !pyx_check_mutable(ev, self))
		return NULL;
	for (size_t i = 0; i < l->seq.n; i++)
		if (!pyx_list_append(ev, self, l->seq.items[i]))
			return NULL;
	return PV_NONE_V;
}

BUILTIN(l_insert)
{
	int64_t i;
	if (!pyx_want_int(ev, a->pos[0], "index", &i) ||
	    !pyx_check_mutable(ev, self) ||
	    !pyx_list_append(ev, self, a->pos[1]))
		return NULL;
	int64_t n = (int64_t)self->seq.n - 1;
	if (i < 0)
		i = i + n < 0 ? 0 : i + n;
	if (i > n)
		i = n;
	memmove(self->seq.items + i + 1, self->seq.items + i,
		(size_t)(n - i) * sizeof(struct pv *));
	self->seq.items[i] = a->pos[1];
	return PV_NONE_V;
}

BUILTIN(l_pop)
{
	int64_t i = -1, n = (int64_t)self->seq.n;
	if (a->n && !pyx_want_int(ev, a->pos[0], "index", &i))
		return NULL;
	if (!pyx_check_mutable(ev, self))
		return NULL;
	if (n == 0)
		return pyx_raise(ev, EXC_INDEX, "pop from empty list");
	if (i < 0)
		i += n;
	if (i < 0 || i >= n)
		return pyx_raise(ev, EXC_INDEX, "pop index out of range");
	struct pv *r = self->seq.items[i];
	memmove(self->seq.items + i, self->seq.items + i + 1,
		(size_t)(n - i - 1) * sizeof(struct pv *));
	self->seq.n--;
	return r;
}

static long seq_index(struct pyx_eval *ev, struct pv *self, struct pv *x,
		      int64_t start, int64_t stop)
{
	int64_t n = (int64_t)self->seq.n;
	if (start < 0)
		start = start + n < 0 ? 0 : start + n;
	if (stop < 0)
		stop = stop + n < 0 ? 0 : stop + n;
	for (int64_t i = start; i < stop && i < n; i++) {
		int r = pyx_eq(ev, self->seq.items[i], x);
		if (r < 0)
			return -2;
		if (r)
			return (long)i;
	}
	return -1;
}

BUILTIN(l_remove)
{
	if (!pyx_check_mutable(ev, self))
		return NULL;
	long i = seq_index(ev, self, a->pos[0], 0, INT64_MAX);
	if (i == -2)
		return NULL;
	if (i < 0)
		return pyx_raise(ev, EXC_VALUE, "list.remove(x): x not in "
				 "list");
	memmove(self->seq.items + i, self->seq.items + i + 1,
		(self->seq.n - (size_t)i - 1) * sizeof(struct pv *));
	self->seq.n--;
	return PV_NONE_V;
}

BUILTIN(l_index)
{
	int64_t start = 0, stop = INT64_MAX;
	if (a->n > 1 && !pyx_want_int(ev, a->pos[1], "start", &start))
		return NULL;
	if (a->n > 2 && !pyx_want_int(ev, a->pos[2], "stop", &stop))
		return NULL;
	long i = seq_index(ev, self, a->pos[0], start, stop);
	if (i == -2)
		return NULL;
	if (i < 0) {
		if (self->type == PV_TUPLE)
			return pyx_raise(ev, EXC_VALUE, "tuple.index(x): x "
					 "not in tuple");
		struct pv *r = pyx_repr(ev, a->pos[0]);
		return r ? pyx_raise(ev, EXC_VALUE, "%s is not in list",
				     r->str.s) : NULL;
	}
	return pyx_int(ev, i);
}

BUILTIN(l_count)
{
	int64_t c = 0;
	for (size_t i = 0; i < self->seq.n; i++) {
		int r = pyx_eq(ev, self->seq.items[i], a->pos[0]);
		if (r < 0)
			return NULL;
		c += r;
	}
	return pyx_int(ev, c);
}

BUILTIN(l_sort)
{
	struct pv *key = pyx_arg_kw(a, "key"), *rev = pyx_arg_kw(a, "reverse");
	struct pv *cmpfn = pyx_arg(a, 0, "cmp");	/* Python 2 */
	if (key && key->type == PV_NONE)
		key = NULL;
	if (cmpfn && cmpfn->type == PV_NONE)
		cmpfn = NULL;
	if (!pyx_check_mutable(ev, self))
		return NULL;
	if (!pyx_sort(ev, self->seq.items, self->seq.n, key, cmpfn,
		      rev && pyx_truth(rev)))
		return NULL;
	return PV_NONE_V;
}

BUILTIN(l_reverse)
{
	(void)a;
	if (!pyx_check_mutable(ev, self))
		return NULL;
	for (size_t i = 0; i < self->seq.n / 2; i++) {
		struct pv *t = self->seq.items[i];
		self->seq.items[i] = self->seq.items[self->seq.n - 1 - i];
		self->seq.items[self->seq.n - 1 - i] = t;
	}
	return PV_NONE_V;
}

BUILTIN(l_copy)
{
	(void)a;
	struct pv *l = pyx_list(ev, self->seq.n);
	memcpy(l->seq.items, self->seq.items,
	       self->seq.n * sizeof(struct pv *));
	l->seq.n = self->seq.n;
	return l;
}

BUILTIN(l_clear)
{
	(void)a;
	if (!pyx_check_mutable(ev, self))
		return NULL;
	self->seq.n = 0;
	return PV_NONE_V;
}

static const struct pyx_builtin list_methods[] = {
	{ "append", l_append, 1, 1, -1, NULL },
	{ "extend", l_extend, 1, 1, -1, NULL },
	{ "insert", l_insert, 2, 2, -1, NULL },
	{ "pop", l_pop, 0, 1, -1, NULL },
	{ "remove", l_remove, 1, 1, -1, NULL },
	{ "index", l_index, 1, 3, -1, NULL },
	{ "count", l_count, 1, 1, -1, NULL },
	{ "sort", l_sort, 0, 1, -1, kw_key_reverse },
	{ "reverse", l_reverse, 0, 0, -1, NULL },
	{ "copy", l_copy, 0, 0, -1, NULL },
	{ "clear", l_clear, 0, 0, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

static const struct pyx_builtin tuple_methods[] = {
	{ "index", l_index, 1, 3, -1, NULL },
	{ "count", l_count, 1, 1, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

/* ---- dict methods -------------------------------------------------------- */

BUILTIN(d_get)
{
	struct pv *v = pyx_dict_get(ev, self, a->pos[0]);
	if (v || ev->failed)
		return v;
	if (pyx_contains(ev, self, a->pos[0]) == 1)
		return PV_NONE_V;
	return a->n > 1 ? a->pos[1] : PV_NONE_V;
}

static struct pv *dict_list(struct pyx_eval *ev, struct pv *self, int what)
{
	struct pv *l = pyx_list(ev, self->dict->live);
	for (size_t i = 0; i < self->dict->n; i++) {
		struct pyx_dentry *e = &self->dict->e[i];
		if (!e->key)
			continue;
		struct pv *x = what == 0 ? e->key : what == 1 ? e->value :
			pyx_tuple2(ev, e->key, e->value);
		if (!pyx_list_append(ev, l, x))
			return NULL;
	}
	return l;
}

BUILTIN(d_keys)
{
	(void)a;
	return dict_list(ev, self, 0);
}

BUILTIN(d_values)
{
	(void)a;
	return dict_list(ev, self, 1);
}

BUILTIN(d_items)
{
	(void)a;
	return dict_list(ev, self, 2);
}

BUILTIN(d_has_key)
{
	int r = pyx_contains(ev, self, a->pos[0]);
	return r < 0 ? NULL : PV_BOOLV(r);
}

BUILTIN(d_setdefault)
{
	int r = pyx_contains(ev, self, a->pos[0]);
	if (r < 0)
		return NULL;
	if (r) {
		struct pv *v = pyx_dict_get(ev, self, a->pos[0]);
		return v ? v : PV_NONE_V;
	}
	struct pv *d = a->n > 1 ? a->pos[1] : PV_NONE_V;
	if (!pyx_check_mutable(ev, self) ||
	    !pyx_dict_set(ev, self, a->pos[0], d))
		return NULL;
	return d;
}

BUILTIN(d_pop)
{
	int r = pyx_contains(ev, self, a->pos[0]);
	if (r < 0)
		return NULL;
	if (!r) {
		if (a->n > 1)
			return a->pos[1];
		struct pv *rep = pyx_repr(ev, a->pos[0]);
		return rep ? pyx_raise(ev, EXC_KEY, "%s", rep->str.s) : NULL;
	}
	if (!pyx_check_mutable(ev, self))
		return NULL;
	struct pv *v = pyx_dict_get(ev, self, a->pos[0]);
	pyx_dict_del(ev, self, a->pos[0]);
	return v ? v : PV_NONE_V;
}

BUILTIN(d_update)
{
	if (!pyx_check_mutable(ev, self))
		return NULL;
	if (a->n && !dict_update(ev, self, a->pos[0]))
		return NULL;
	for (size_t i = 0; i < a->nkw; i++)
		if (!pyx_dict_set(ev, self, pyx_cstr(ev, a->kwn[i]),
				  a->kwv[i]))
			return NULL;
	return PV_NONE_V;
}

BUILTIN(d_copy)
{
	(void)a;
	struct pv *d = self->type == PV_SET ? pyx_set(ev) : pyx_dict(ev);
	for (size_t i = 0; i < self->dict->n; i++)
		if (self->dict->e[i].key &&
		    !pyx_dict_set(ev, d, self->dict->e[i].key,
				  self->dict->e[i].value))
			return NULL;
	return d;
}

BUILTIN(d_clear)
{
	(void)a;
	if (!pyx_check_mutable(ev, self))
		return NULL;
	memset(self->dict, 0, sizeof(*self->dict));
	return PV_NONE_V;
}

static const struct pyx_builtin dict_methods[] = {
	{ "get", d_get, 1, 2, -1, NULL },
	{ "keys", d_keys, 0, 0, -1, NULL },
	{ "values", d_values, 0, 0, -1, NULL },
	{ "items", d_items, 0, 0, -1, NULL },
	{ "iterkeys", d_keys, 0, 0, -1, NULL },
	{ "itervalues", d_values, 0, 0, -1, NULL },
	{ "iteritems", d_items, 0, 0, -1, NULL },
	{ "has_key", d_has_key, 1, 1, -1, NULL },
	{ "setdefault", d_setdefault, 1, 2, -1, NULL },
	{ "pop", d_pop, 1, 2, -1, NULL },
	{ "update", d_update, 0, 1, -1, kw_any },
	{ "copy", d_copy, 0, 0, -1, NULL },
	{ "clear", d_clear, 0, 0, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

/* ---- set methods ------------------------------------------------------------ */

BUILTIN(s_add)
{
	if (!pyx_check_mutable(ev, self) ||
	    !pyx_dict_set(ev, self, a->pos[0], NULL))
		return NULL;
	return PV_NONE_V;
}

BUILTIN(s_discard)
{
	if (!pyx_check_mutable(ev, self))
		return NULL;
	int r = pyx_dict_del(ev, self, a->pos[0]);
	if (r < 0)
		return NULL;
	return PV_NONE_V;
}

BUILTIN(s_remove)
{
	if (!pyx_check_mutable(ev, self))
		return NULL;
	int r = pyx_dict_del(ev, self, a->pos[0]);
	if (r < 0)
		return NULL;
	if (r == 0) {
		struct pv *rep = pyx_repr(ev, a->pos[0]);
		return rep ? pyx_raise(ev, EXC_KEY, "%s", rep->str.s) : NULL;
	}
	return PV_NONE_V;
}

static struct pv *set_combine(struct pyx_eval *ev, struct pv *self,
			      struct pyx_args *a, int op)
{
	struct pv *acc = self;
	for (size_t i = 0; i < a->n; i++) {
		struct pv *other = pyx_set(ev);
		if (!set_add_all(ev, other, a->pos[i]))
			return NULL;
		struct pv *r = pyx_set(ev);
		for (int side = 0; side < 2; side++) {
			struct pv *src = side ? other : acc;
			struct pv *ref = side ? acc : other;
			for (size_t k = 0; k < src->dict->n; k++) {
				struct pv *key = src->dict->e[k].key;
				if (!key)
					continue;
				int in = pyx_contains(ev, ref, key);
				if (in < 0)
					return NULL;
				bool keep = op == 0 ? true :
					op == 1 ? (in && !side) :
					op == 2 ? (!in && !side) : !in;
				if (keep && !pyx_dict_set(ev, r, key, NULL))
					return NULL;
			}
		}
		acc = r;
	}
	if (acc == self)
		return d_copy(ev, self, a);
	return acc;
}

BUILTIN(s_union)
{
	return set_combine(ev, self, a, 0);
}

BUILTIN(s_intersection)
{
	return set_combine(ev, self, a, 1);
}

BUILTIN(s_difference)
{
	return set_combine(ev, self, a, 2);
}

BUILTIN(s_symdiff)
{
	return set_combine(ev, self, a, 3);
}

BUILTIN(s_update)
{
	if (!pyx_check_mutable(ev, self))
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		if (!set_add_all(ev, self, a->pos[i]))
			return NULL;
	return PV_NONE_V;
}

static struct pv *subset(struct pyx_eval *ev, struct pv *small,
			 struct pv *big)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, small, &it))
		return NULL;
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		int in = pyx_contains(ev, big, x);
		if (in < 0)
			return NULL;
		if (!in)
			return PV_BOOLV(false);
	}
	return ev->failed ? NULL : PV_BOOLV(true);
}

BUILTIN(s_issubset)
{
	struct pv *other = pyx_set(ev);
	if (!set_add_all(ev, other, a->pos[0]))
		return NULL;
	return subset(ev, self, other);
}

BUILTIN(s_issuperset)
{
	return subset(ev, a->pos[0], self);
}

BUILTIN(s_isdisjoint)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, a->pos[0], &it))
		return NULL;
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		int in = pyx_contains(ev, self, x);
		if (in < 0)
			return NULL;
		if (in)
			return PV_BOOLV(false);
	}
	return ev->failed ? NULL : PV_BOOLV(true);
}

static const struct pyx_builtin set_methods[] = {
	{ "add", s_add, 1, 1, -1, NULL },
	{ "discard", s_discard, 1, 1, -1, NULL },
	{ "remove", s_remove, 1, 1, -1, NULL },
	{ "union", s_union, 0, -1, -1, NULL },
	{ "intersection", s_intersection, 0, -1, -1, NULL },
	{ "difference", s_difference, 0, -1, -1, NULL },
	{ "symmetric_difference", s_symdiff, 1, 1, -1, NULL },
	{ "update", s_update, 0, -1, -1, NULL },
	{ "issubset", s_issubset, 1, 1, -1, NULL },
	{ "issuperset", s_issuperset, 1, 1, -1, NULL },
	{ "isdisjoint", s_isdisjoint, 1, 1, -1, NULL },
	{ "copy", d_copy, 0, 0, -1, NULL },
	{ "clear", d_clear, 0, 0, -1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

/* ---- attribute lookup ------------------------------------------------------- */

static struct pv *method_from(struct pyx_eval *ev, struct pv *self,
			      const struct pyx_builtin *tab, const char *name)
{
	for (size_t i = 0; tab[i].name; i++)
		if (!strcmp(tab[i].name, name))
			return pyx_method(ev, self, &tab[i]);
	return NULL;
}

struct pv *pyx_getattr(struct pyx_eval *ev, struct pv *obj, const char *name)
{
	struct pv *r = NULL;
	switch (obj->type) {
	case PV_STR:
		r = pyx_str_getattr(ev, obj, name);
		break;
	case PV_BYTES:
		r = pyx_bytes_getattr(ev, obj, name);
		break;
	case PV_LIST:
		r = method_from(ev, obj, list_methods, name);
		break;
	case PV_TUPLE:
		r = method_from(ev, obj, tuple_methods, name);
		break;
	case PV_DICT:
		r = method_from(ev, obj, dict_methods, name);
		break;
	case PV_SET:
		r = method_from(ev, obj, set_methods, name);
		break;
	case PV_MODULE:
		r = obj->module->getattr(ev, name);
		break;
	case PV_PATTERN:
		r = pyx_pattern_getattr(ev, obj, name);
		break;
	case PV_MATCH:
		r = pyx_match_getattr(ev, obj, name);
		break;
	case PV_RANGE:
		if (!strcmp(name, "start"))
			r = pyx_int(ev, obj->range.start);
		else if (!strcmp(name, "stop"))
			r = pyx_int(ev, obj->range.stop);
		else if (!strcmp(name, "step"))
			r = pyx_int(ev, obj->range.step);
		break;
	case PV_EXC:
		if (!strcmp(name, "args"))
			r = obj->exc.args;
		break;
	case PV_TYPE:
		if (obj->builtin == &t_str) {
			const struct pyx_builtin *m = pyx_str_method(name);
			if (m)
				r = pyx_method(ev, NULL, m);
		}
		if (!r && !strcmp(name, "__name__"))
			r = pyx_cstr(ev, obj->builtin->name);
		break;
	case PV_FUNC:
		if (!strcmp(name, "__name__"))
			r = pyx_cstr(ev, obj->func->code->name);
		break;
	default:
		break;
	}
	if (r || ev->failed)
		return r;
	if (obj->type == PV_MODULE)
		return pyx_raise(ev, EXC_ATTR, "module '%s' has no attribute "
				 "'%s'", obj->module->name, name);
	if (obj->type == PV_TYPE)
		return pyx_raise(ev, EXC_ATTR, "type object '%s' has no "
				 "attribute '%s'", obj->builtin->name, name);
	return pyx_raise(ev, EXC_ATTR, "'%s' object has no attribute '%s'",
			 pyx_typename(obj), name);
}
