// SPDX-License-Identifier: GPL-2.0-or-later
/* Values of the evaluator: construction, Python's equality, ordering and
 * hashing, insertion-ordered dicts and sets, repr()/str(), iteration, a
 * stable sort, and freezing of values shared between threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

struct pv pyx_none = { .type = PV_NONE, .frozen = true };
struct pv pyx_true = { .type = PV_BOOL, .frozen = true, .i = 1 };
struct pv pyx_false = { .type = PV_BOOL, .frozen = true, .i = 0 };

struct pv *pyx_new(struct pyx_eval *ev, uint8_t type)
{
	struct pv *v = pyx_alloc(ev->arena, sizeof(*v));
	v->type = type;
	return v;
}

/* Small integers are shared, immutable values (as in CPython), which
 * keeps loops over ranges from filling the arena. */
#define SMALL_MIN (-5)
#define SMALL_MAX 1024
static struct pv small_ints[SMALL_MAX - SMALL_MIN + 1];
static pthread_once_t small_once = PTHREAD_ONCE_INIT;

static void small_init(void)
{
	for (int i = SMALL_MIN; i <= SMALL_MAX; i++) {
		small_ints[i - SMALL_MIN].type = PV_INT;
		small_ints[i - SMALL_MIN].frozen = true;
		small_ints[i - SMALL_MIN].i = i;
	}
}

struct pv *pyx_int(struct pyx_eval *ev, int64_t i)
{
	if (i >= SMALL_MIN && i <= SMALL_MAX) {
		pthread_once(&small_once, small_init);
		return &small_ints[i - SMALL_MIN];
	}
	struct pv *v = pyx_new(ev, PV_INT);
	v->i = i;
	return v;
}

struct pv *pyx_str_take(struct pyx_eval *ev, const char *s, size_t len)
{
	struct pv *v = pyx_new(ev, PV_STR);
	v->str.s = s;
	v->str.len = len;
	v->str.ncp = pyx_utf8_count(s, len);
	return v;
}

struct pv *pyx_str(struct pyx_eval *ev, const char *s, size_t len)
{
	return pyx_str_take(ev, pyx_strndup(ev->arena, s, len), len);
}

struct pv *pyx_cstr(struct pyx_eval *ev, const char *s)
{
	return pyx_str(ev, s, strlen(s));
}

struct pv *pyx_bytes_take(struct pyx_eval *ev, const char *s, size_t len)
{
	struct pv *v = pyx_new(ev, PV_BYTES);
	v->str.s = s;
	v->str.len = len;
	v->str.ncp = len;
	return v;
}

struct pv *pyx_list(struct pyx_eval *ev, size_t cap)
{
	struct pv *v = pyx_new(ev, PV_LIST);
	v->seq.cap = cap ? cap : 4;
	v->seq.items = pyx_alloc(ev->arena, v->seq.cap * sizeof(struct pv *));
	return v;
}

struct pv *pyx_tuple(struct pyx_eval *ev, size_t n)
{
	struct pv *v = pyx_new(ev, PV_TUPLE);
	v->seq.n = v->seq.cap = n;
	v->seq.items = pyx_alloc(ev->arena, (n ? n : 1) * sizeof(struct pv *));
	return v;
}

struct pv *pyx_tuple2(struct pyx_eval *ev, struct pv *a, struct pv *b)
{
	struct pv *t = pyx_tuple(ev, 2);
	t->seq.items[0] = a;
	t->seq.items[1] = b;
	return t;
}

struct pv *pyx_dict(struct pyx_eval *ev)
{
	struct pv *v = pyx_new(ev, PV_DICT);
	v->dict = pyx_alloc(ev->arena, sizeof(*v->dict));
	return v;
}

struct pv *pyx_set(struct pyx_eval *ev)
{
	struct pv *v = pyx_dict(ev);
	v->type = PV_SET;
	return v;
}

struct pv *pyx_method(struct pyx_eval *ev, struct pv *self,
		      const struct pyx_builtin *fn)
{
	struct pv *v = pyx_new(ev, PV_METHOD);
	v->method.self = self;
	v->method.fn = fn;
	return v;
}

bool pyx_check_size(struct pyx_eval *ev, size_t n)
{
	if (n > ev->lim->max_string) {
		pyx_raise(ev, EXC_MEMORY, "result too large (the limit is %zu "
			  "bytes in a string, items in a list)",
			  ev->lim->max_string);
		return false;
	}
	return true;
}

bool pyx_check_mutable(struct pyx_eval *ev, struct pv *v)
{
	if (v->frozen) {
		pyx_raise(ev, EXC_TYPE, "this %s belongs to the pythonfile or "
			  "the option's value and cannot be modified while "
			  "folders are synced", pyx_typename(v));
		return false;
	}
	return true;
}

bool pyx_list_append(struct pyx_eval *ev, struct pv *list, struct pv *v)
{
	if (list->seq.n == list->seq.cap) {
		if (!pyx_check_size(ev, list->seq.n + 1))
			return false;
		size_t ncap = list->seq.cap * 2 + 4;
		struct pv **items = pyx_alloc(ev->arena,
					      ncap * sizeof(*items));
		if (list->seq.n)
			memcpy(items, list->seq.items,
			       list->seq.n * sizeof(*items));
		list->seq.items = items;
		list->seq.cap = ncap;
	}
	list->seq.items[list->seq.n++] = v;
	return true;
}

static const char *const type_names[PV_NTYPES] = {
	[PV_NONE] = "NoneType", [PV_BOOL] = "bool", [PV_INT] = "int",
	[PV_STR] = "str", [PV_BYTES] = "bytes", [PV_LIST] = "list",
	[PV_TUPLE] = "tuple", [PV_DICT] = "dict", [PV_SET] = "set",
	[PV_RANGE] = "range", [PV_FUNC] = "function",
	[PV_BUILTIN] = "builtin_function_or_method",
	[PV_METHOD] = "builtin_function_or_method", [PV_TYPE] = "type",
	[PV_MODULE] = "module", [PV_PATTERN] = "re.Pattern",
	[PV_MATCH] = "re.Match", [PV_GEN] = "generator",
	[PV_EXC] = "exception", [PV_UNAVAIL] = "unavailable",
};

const char *pyx_typename(const struct pv *v)
{
	if (v->type == PV_EXC)
		return v->exc.type;
	return type_names[v->type];
}

int64_t pyx_range_len(const struct pv *r)
{
	int64_t lo = r->range.start, hi = r->range.stop, st = r->range.step;
	if (st > 0 && lo < hi)
		return (int64_t)(((uint64_t)hi - (uint64_t)lo - 1) /
				 (uint64_t)st + 1);
	if (st < 0 && lo > hi)
		return (int64_t)(((uint64_t)lo - (uint64_t)hi - 1) /
				 (uint64_t)(-(st + 1) + 1) + 1);
	return 0;
}

bool pyx_truth(const struct pv *v)
{
	switch (v->type) {
	case PV_NONE:
		return false;
	case PV_BOOL:
	case PV_INT:
		return v->i != 0;
	case PV_STR:
	case PV_BYTES:
		return v->str.len != 0;
	case PV_LIST:
	case PV_TUPLE:
		return v->seq.n != 0;
	case PV_DICT:
	case PV_SET:
		return v->dict->live != 0;
	case PV_RANGE:
		return pyx_range_len(v) != 0;
	default:
		return true;
	}
}

/* ---- equality, ordering, hashing ------------------------------------ */

static bool is_num(const struct pv *v)
{
	return v->type == PV_INT || v->type == PV_BOOL;
}

int pyx_eq(struct pyx_eval *ev, struct pv *a, struct pv *b)
{
	if (a == b)
		return 1;
	if (!pyx_step(ev))
		return -1;
	if (is_num(a) && is_num(b))
		return a->i == b->i;
	if (a->type != b->type) {
		if ((a->type == PV_LIST && b->type == PV_TUPLE) ||
		    (a->type == PV_TUPLE && b->type == PV_LIST))
			return 0;
		return 0;
	}
	switch (a->type) {
	case PV_NONE:
		return 1;
	case PV_STR:
	case PV_BYTES:
		return a->str.len == b->str.len &&
		       !memcmp(a->str.s, b->str.s, a->str.len);
	case PV_LIST:
	case PV_TUPLE:
		if (a->seq.n != b->seq.n)
			return 0;
		for (size_t i = 0; i < a->seq.n; i++) {
			int r = pyx_eq(ev, a->seq.items[i], b->seq.items[i]);
			if (r != 1)
				return r;
		}
		return 1;
	case PV_DICT:
	case PV_SET: {
		if (a->dict->live != b->dict->live)
			return 0;
		for (size_t i = 0; i < a->dict->n; i++) {
			struct pyx_dentry *e = &a->dict->e[i];
			if (!e->key)
				continue;
			struct pv *o = pyx_dict_get(ev, b, e->key);
			if (ev->failed)
				return -1;
			if (!o)
				return 0;
			if (a->type == PV_DICT) {
				int r = pyx_eq(ev, e->value, o);
				if (r != 1)
					return r;
			}
		}
		return 1;
	}
	case PV_RANGE: {
		int64_t la = pyx_range_len(a), lb = pyx_range_len(b);
		if (la != lb)
			return 0;
		if (la == 0)
			return 1;
		if (a->range.start != b->range.start)
			return 0;
		return la == 1 || a->range.step == b->range.step;
	}
	case PV_METHOD:
		return a->method.fn == b->method.fn &&
		       a->method.self == b->method.self;
	case PV_BUILTIN:
	case PV_TYPE:
		return a->builtin == b->builtin;
	case PV_MODULE:
		return a->module == b->module;
	default:
		return 0;
	}
}

static int bytes_cmp(const struct pv *a, const struct pv *b)
{
	size_t n = a->str.len < b->str.len ? a->str.len : b->str.len;
	int r = memcmp(a->str.s, b->str.s, n);
	if (r == 0)
		r = a->str.len < b->str.len ? -1 : a->str.len > b->str.len;
	return r < 0 ? -1 : r > 0;
}

int pyx_order(struct pyx_eval *ev, struct pv *a, struct pv *b,
	      const char *opname)
{
	if (!pyx_step(ev))
		return -2;
	if (is_num(a) && is_num(b))
		return a->i < b->i ? -1 : a->i > b->i;
	if (a->type == b->type) {
		switch (a->type) {
		case PV_STR:
		case PV_BYTES:
			/* UTF-8 byte order is code point order */
			return bytes_cmp(a, b);
		case PV_LIST:
		case PV_TUPLE:
			for (size_t i = 0; i < a->seq.n && i < b->seq.n; i++) {
				int e = pyx_eq(ev, a->seq.items[i],
					       b->seq.items[i]);
				if (e < 0)
					return -2;
				if (!e)
					return pyx_order(ev, a->seq.items[i],
							 b->seq.items[i],
							 opname);
			}
			return a->seq.n < b->seq.n ? -1 : a->seq.n > b->seq.n;
		default:
			break;
		}
	}
	pyx_raise(ev, EXC_TYPE, "'%s' not supported between instances of "
		  "'%s' and '%s'", opname, pyx_typename(a), pyx_typename(b));
	return -2;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

bool pyx_hash(struct pyx_eval *ev, struct pv *v, uint64_t *h_r)
{
	switch (v->type) {
	case PV_NONE:
		*h_r = 0x9e3779b97f4a7c15ULL;
		return true;
	case PV_BOOL:
	case PV_INT:
		*h_r = (uint64_t)v->i * 0x9e3779b97f4a7c15ULL;
		return true;
	case PV_STR:
		*h_r = hash_bytes(v->str.s, v->str.len);
		return true;
	case PV_BYTES:
		*h_r = hash_bytes(v->str.s, v->str.len) ^ 0x5bd1e995;
		return true;
	case PV_TUPLE: {
		uint64_t h = 0x345678;
		for (size_t i = 0; i < v->seq.n; i++) {
			uint64_t x;
			if (!pyx_hash(ev, v->seq.items[i], &x))
				return false;
			h = (h ^ x) * 1000003ULL + i;
		}
		*h_r = h;
		return true;
	}
	case PV_LIST:
	case PV_DICT:
	case PV_SET:
	case PV_MATCH:
		pyx_raise(ev, EXC_TYPE, "unhashable type: '%s'",
			  pyx_typename(v));
		return false;
	default:
		*h_r = (uint64_t)(uintptr_t)v->builtin * 31 + v->type;
		if (v->type == PV_METHOD)
			*h_r = (uint64_t)(uintptr_t)v->method.fn * 31 +
			       (uint64_t)(uintptr_t)v->method.self;
		if (v->type == PV_RANGE)
			*h_r = (uint64_t)v->range.start * 7 +
			       (uint64_t)v->range.stop * 13 +
			       (uint64_t)v->range.step;
		return true;
	}
}

/* ---- dicts and sets ---------------------------------------------------- */

static void dict_reindex(struct pyx_eval *ev, struct pyx_dict *d)
{
	size_t icap = 8;
	while (icap < d->n * 2 + 2)
		icap *= 2;
	d->index = pyx_alloc(ev->arena, icap * sizeof(*d->index));
	d->icap = icap;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->e[i].key)
			continue;
		size_t k = d->e[i].hash & (icap - 1);
		while (d->index[k])
			k = (k + 1) & (icap - 1);
		d->index[k] = (uint32_t)(i + 1);
	}
}

/* Index slot of key, or the free slot where it would go (*found false);
 * -1 on error. */
static long dict_find(struct pyx_eval *ev, struct pyx_dict *d,
		      struct pv *key, uint64_t h, bool *found)
{
	*found = false;
	if (!d->icap)
		return 0;
	size_t k = h & (d->icap - 1);
	long tomb = -1;
	while (d->index[k]) {
		struct pyx_dentry *e = &d->e[d->index[k] - 1];
		if (!e->key) {
			if (tomb < 0)
				tomb = (long)k;
		} else if (e->hash == h) {
			int r = pyx_eq(ev, e->key, key);
			if (r < 0)
				return -1;
			if (r) {
				*found = true;
				return (long)k;
			}
		}
		k = (k + 1) & (d->icap - 1);
	}
	return tomb >= 0 ? tomb : (long)k;
}

struct pv *pyx_dict_get(struct pyx_eval *ev, struct pv *dv, struct pv *key)
{
	uint64_t h;
	if (!pyx_hash(ev, key, &h))
		return NULL;
	bool found;
	long k = dict_find(ev, dv->dict, key, h, &found);
	if (k < 0 || !found)
		return NULL;
	struct pyx_dentry *e = &dv->dict->e[dv->dict->index[k] - 1];
	return dv->type == PV_SET ? e->key : e->value;
}

bool pyx_dict_set(struct pyx_eval *ev, struct pv *dv, struct pv *key,
		  struct pv *value)
{
	struct pyx_dict *d = dv->dict;
	uint64_t h;
	if (!pyx_hash(ev, key, &h))
		return false;
	bool found;
	long k = dict_find(ev, d, key, h, &found);
	if (k < 0)
		return false;
	if (found) {
		if (dv->type == PV_DICT)
			d->e[d->index[k] - 1].value = value;
		return true;
	}
	if (d->n == d->cap) {
		if (!pyx_check_size(ev, d->n + 1))
			return false;
		size_t ncap = d->cap * 2 + 4;
		struct pyx_dentry *e = pyx_alloc(ev->arena, ncap * sizeof(*e));
		if (d->n)
			memcpy(e, d->e, d->n * sizeof(*e));
		d->e = e;
		d->cap = ncap;
	}
	d->e[d->n].key = key;
	d->e[d->n].value = value;
	d->e[d->n].hash = h;
	d->n++;
	d->live++;
	if (d->n * 2 >= d->icap) {
		dict_reindex(ev, d);
	} else {
		/* reuse the probe result: a free or tombstone slot */
		d->index[k] = (uint32_t)d->n;
	}
	return true;
}

int pyx_dict_del(struct pyx_eval *ev, struct pv *dv, struct pv *key)
{
	struct pyx_dict *d = dv->dict;
	uint64_t h;
	if (!pyx_hash(ev, key, &h))
		return -1;
	bool found;
	long k = dict_find(ev, d, key, h, &found);
	if (k < 0)
		return -1;
	if (!found)
		return 0;
	d->e[d->index[k] - 1].key = NULL;
	d->e[d->index[k] - 1].value = NULL;
	d->live--;
	return 1;
}

struct pv *pyx_dict_gets(struct pv *d, const char *key)
{
	size_t n = strlen(key);
	uint64_t h = hash_bytes(key, n);
	if (!d->dict->icap)
		return NULL;
	size_t k = h & (d->dict->icap - 1);
	while (d->dict->index[k]) {
		struct pyx_dentry *e = &d->dict->e[d->dict->index[k] - 1];
		if (e->key && e->hash == h && e->key->type == PV_STR &&
		    e->key->str.len == n && !memcmp(e->key->str.s, key, n))
			return e->value;
		k = (k + 1) & (d->dict->icap - 1);
	}
	return NULL;
}

void pyx_dict_sets(struct pyx_eval *ev, struct pv *d, const char *key,
		   struct pv *value)
{
	pyx_dict_set(ev, d, pyx_cstr(ev, key), value);
}

int pyx_contains(struct pyx_eval *ev, struct pv *c, struct pv *x)
{
	switch (c->type) {
	case PV_STR:
	case PV_BYTES:
		if (x->type != c->type) {
			pyx_raise(ev, EXC_TYPE, "'in <%s>' requires %s as left "
				  "operand, not %s", pyx_typename(c),
				  c->type == PV_STR ? "string" :
				  "a bytes-like object", pyx_typename(x));
			return -1;
		}
		return pyx_str_find(c, x);
	case PV_DICT:
	case PV_SET: {
		struct pv *v = pyx_dict_get(ev, c, x);
		if (ev->failed)
			return -1;
		if (v)
			return 1;
		/* a key that exists with value None */
		if (c->type == PV_DICT) {
			uint64_t h;
			bool found;
			pyx_hash(ev, x, &h);
			dict_find(ev, c->dict, x, h, &found);
			return ev->failed ? -1 : found;
		}
		return 0;
	}
	case PV_RANGE: {
		if (!is_num(x))
			return 0;
		int64_t len = pyx_range_len(c);
		if (len == 0)
			return 0;
		int64_t d = x->i - c->range.start;
		if (c->range.step > 0 ? (x->i < c->range.start ||
					 x->i >= c->range.stop)
				      : (x->i > c->range.start ||
					 x->i <= c->range.stop))
			return 0;
		return d % c->range.step == 0;
	}
	default: {
		struct pyx_iter it;
		if (!pyx_iter_init(ev, c, &it))
			return -1;
		struct pv *v;
		while ((v = pyx_iter_next(ev, &it))) {
			int r = pyx_eq(ev, v, x);
			if (r)
				return r;
		}
		return ev->failed ? -1 : 0;
	}
	}
}

/* ---- iteration ------------------------------------------------------- */

bool pyx_iter_init(struct pyx_eval *ev, struct pv *v, struct pyx_iter *it)
{
	memset(it, 0, sizeof(*it));
	it->src = v;
	switch (v->type) {
	case PV_STR:
	case PV_BYTES:
	case PV_LIST:
	case PV_TUPLE:
	case PV_DICT:
	case PV_SET:
	case PV_GEN:
		return true;
	case PV_RANGE:
		it->cur = v->range.start;
		return true;
	default:
		pyx_raise(ev, EXC_TYPE, "'%s' object is not iterable",
			  pyx_typename(v));
		return false;
	}
}

struct pv *pyx_iter_next(struct pyx_eval *ev, struct pyx_iter *it)
{
	struct pv *v = it->src;
	if (!pyx_step(ev))
		return NULL;
	switch (v->type) {
	case PV_STR:
		if (it->i >= v->str.len)
			return NULL;
		if (v->str.ncp == v->str.len) {
			return pyx_str_take(ev, pyx_strndup(ev->arena,
				v->str.s + it->i++, 1), 1);
		} else {
			size_t start = it->i;
			pyx_utf8_next(v->str.s, v->str.len, &it->i);
			return pyx_str(ev, v->str.s + start, it->i - start);
		}
	case PV_BYTES:
		if (it->i >= v->str.len)
			return NULL;
		return pyx_int(ev, (unsigned char)v->str.s[it->i++]);
	case PV_LIST:
	case PV_TUPLE:
		if (it->i >= v->seq.n)
			return NULL;
		return v->seq.items[it->i++];
	case PV_DICT:
	case PV_SET:
		while (it->i < v->dict->n && !v->dict->e[it->i].key)
			it->i++;
		if (it->i >= v->dict->n)
			return NULL;
		return v->dict->e[it->i++].key;
	case PV_RANGE:
		if (v->range.step > 0 ? it->cur >= v->range.stop :
		    it->cur <= v->range.stop)
			return NULL;
		{
			struct pv *r = pyx_int(ev, it->cur);
			if (__builtin_add_overflow(it->cur, v->range.step,
						   &it->cur))
				it->cur = v->range.stop;
			return r;
		}
	case PV_GEN:
		return pyx_gen_next(ev, v);
	default:
		return NULL;
	}
}

struct pv *pyx_to_list(struct pyx_eval *ev, struct pv *v)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, v, &it))
		return NULL;
	size_t cap = 4;
	if (v->type == PV_LIST || v->type == PV_TUPLE)
		cap = v->seq.n;
	struct pv *l = pyx_list(ev, cap);
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it)))
		if (!pyx_list_append(ev, l, x))
			return NULL;
	return ev->failed ? NULL : l;
}

/* ---- sorting --------------------------------------------------------- */

struct sortctx {
	struct pyx_eval *ev;
	struct pv *cmpfn;
	bool reverse;
};

/* <0, 0, >0 or -2 (INT_MIN) on error. */
static int sort_cmp(struct sortctx *sc, struct pv *a, struct pv *b)
{
	int r;
	if (sc->cmpfn) {
		struct pv *x = pyx_call2(sc->ev, sc->cmpfn, a, b);
		if (!x)
			return INT32_MIN;
		if (!is_num(x)) {
			pyx_raise(sc->ev, EXC_TYPE, "comparison function "
				  "must return int, not %s", pyx_typename(x));
			return INT32_MIN;
		}
		r = x->i < 0 ? -1 : x->i > 0;
	} else {
		r = pyx_order(sc->ev, a, b, "<");
		if (r == -2)
			return INT32_MIN;
	}
	return sc->reverse ? -r : r;
}

static bool merge_sort(struct sortctx *sc, struct pv **a, struct pv **keys,
		       struct pv **tmp, struct pv **tmpk, size_t n)
{
	if (n < 2)
		return true;
	size_t h = n / 2;
	if (!merge_sort(sc, a, keys, tmp, tmpk, h) ||
	    !merge_sort(sc, a + h, keys + h, tmp, tmpk, n - h))
		return false;
	memcpy(tmp, a, h * sizeof(*a));
	memcpy(tmpk, keys, h * sizeof(*keys));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		/* stable: take from the right only when strictly smaller */
		int c = sort_cmp(sc, keys[j], tmpk[i]);
		if (c == INT32_MIN)
			return false;
		if (c < 0) {
			a[k] = a[j];
			keys[k++] = keys[j++];
		} else {
			a[k] = tmp[i];
			keys[k++] = tmpk[i++];
		}
	}
	while (i < h) {
		a[k] = tmp[i];
		keys[k++] = tmpk[i++];
	}
	return true;
}

bool pyx_sort(struct pyx_eval *ev, struct pv **items, size_t n,
	      struct pv *key, struct pv *cmpfn, bool reverse)
{
	struct sortctx sc = { .ev = ev, .cmpfn = cmpfn, .reverse = reverse };
	struct pv **keys = pyx_alloc(ev->arena, (n + 1) * sizeof(*keys));
	struct pv **work = pyx_alloc(ev->arena, (n + 1) * sizeof(*work));
	memcpy(work, items, n * sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		keys[i] = key ? pyx_call1(ev, key, items[i]) : items[i];
		if (!keys[i])
			return false;
	}
	struct pv **tmp = pyx_alloc(ev->arena, (n / 2 + 1) * sizeof(*tmp));
	struct pv **tmpk = pyx_alloc(ev->arena, (n / 2 + 1) * sizeof(*tmpk));
	if (!merge_sort(&sc, work, keys, tmp, tmpk, n))
		return false;
	memcpy(items, work, n * sizeof(*items));
	return true;
}

/* ---- repr and str ---------------------------------------------------- */

static void repr_str(struct strbuf *sb, const struct pv *v)
{
	const char *s = v->str.s;
	size_t n = v->str.len;
	bool bytes = v->type == PV_BYTES;
	bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
	char q = sq && !dq ? '"' : '\'';
	if (bytes)
		strbuf_addch(sb, 'b');
	strbuf_addch(sb, q);
	size_t pos = 0;
	while (pos < n) {
		size_t start = pos;
		uint32_t c;
		if (bytes)
			c = (unsigned char)s[pos++];
		else
			c = pyx_utf8_next(s, n, &pos);
		if (c == (uint32_t)q || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
			strbuf_addf(sb, "\\x%02x", c);
		} else if (c < 0x7f) {
			strbuf_addch(sb, (char)c);
		} else if (pyx_uni_isprintable(c)) {
			strbuf_add(sb, s + start, pos - start);
		} else if (c <= 0xff) {
			strbuf_addf(sb, "\\x%02x", c);
		} else if (c <= 0xffff) {
			strbuf_addf(sb, "\\u%04x", c);
		} else {
			strbuf_addf(sb, "\\U%08x", c);
		}
	}
	strbuf_addch(sb, q);
}

static bool repr_into(struct pyx_eval *ev, struct strbuf *sb, struct pv *v,
		      int depth);

static bool repr_seq(struct pyx_eval *ev, struct strbuf *sb, struct pv **items,
		     size_t n, int depth)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		if (!repr_into(ev, sb, items[i], depth + 1))
			return false;
	}
	return true;
}

static bool repr_into(struct pyx_eval *ev, struct strbuf *sb, struct pv *v,
		      int depth)
{
	if (depth > 100) {
		pyx_raise(ev, EXC_RECURSION, "maximum recursion depth "
			  "exceeded while getting the repr of an object");
		return false;
	}
	if (!pyx_step(ev))
		return false;
	if (sb->len > ev->lim->max_string)
		return pyx_check_size(ev, sb->len);
	switch (v->type) {
	case PV_NONE:
		strbuf_addstr(sb, "None");
		return true;
	case PV_BOOL:
		strbuf_addstr(sb, v->i ? "True" : "False");
		return true;
	case PV_INT:
		strbuf_addf(sb, "%" PRId64, v->i);
		return true;
	case PV_STR:
	case PV_BYTES:
		repr_str(sb, v);
		return true;
	case PV_LIST:
		strbuf_addch(sb, '[');
		if (!repr_seq(ev, sb, v->seq.items, v->seq.n, depth))
			return false;
		strbuf_addch(sb, ']');
		return true;
	case PV_TUPLE:
		strbuf_addch(sb, '(');
		if (!repr_seq(ev, sb, v->seq.items, v->seq.n, depth))
			return false;
		if (v->seq.n == 1)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, ')');
		return true;
	case PV_DICT:
	case PV_SET: {
		if (v->type == PV_SET && v->dict->live == 0) {
			strbuf_addstr(sb, "set()");
			return true;
		}
		strbuf_addch(sb, '{');
		bool first = true;
		for (size_t i = 0; i < v->dict->n; i++) {
			struct pyx_dentry *e = &v->dict->e[i];
			if (!e->key)
				continue;
			if (!first)
				strbuf_addstr(sb, ", ");
			first = false;
			if (!repr_into(ev, sb, e->key, depth + 1))
				return false;
			if (v->type == PV_DICT) {
				strbuf_addstr(sb, ": ");
				if (!repr_into(ev, sb, e->value, depth + 1))
					return false;
			}
		}
		strbuf_addch(sb, '}');
		return true;
	}
	case PV_RANGE:
		strbuf_addf(sb, "range(%" PRId64 ", %" PRId64, v->range.start,
			    v->range.stop);
		if (v->range.step != 1)
			strbuf_addf(sb, ", %" PRId64, v->range.step);
		strbuf_addch(sb, ')');
		return true;
	case PV_FUNC:
		strbuf_addf(sb, "<function %s>", v->func->code->name);
		return true;
	case PV_BUILTIN:
		strbuf_addf(sb, "<built-in function %s>", v->builtin->name);
		return true;
	case PV_METHOD:
		if (v->method.self)
			strbuf_addf(sb, "<built-in method %s of %s object>",
				    v->method.fn->name,
				    pyx_typename(v->method.self));
		else
			strbuf_addf(sb, "<method '%s'>", v->method.fn->name);
		return true;
	case PV_TYPE:
		strbuf_addf(sb, "<class '%s'>", v->builtin->name);
		return true;
	case PV_MODULE:
		strbuf_addf(sb, "<module '%s'>", v->module->name);
		return true;
	case PV_PATTERN: {
		struct pv *r = pyx_pattern_repr(ev, v);
		if (!r)
			return false;
		strbuf_add(sb, r->str.s, r->str.len);
		return true;
	}
	case PV_MATCH: {
		struct pv *r = pyx_match_repr(ev, v);
		if (!r)
			return false;
		strbuf_add(sb, r->str.s, r->str.len);
		return true;
	}
	case PV_GEN:
		strbuf_addstr(sb, "<generator object <genexpr>>");
		return true;
	case PV_EXC:
		strbuf_addf(sb, "%s(", v->exc.type);
		if (!repr_seq(ev, sb, v->exc.args->seq.items,
			      v->exc.args->seq.n, depth))
			return false;
		strbuf_addch(sb, ')');
		return true;
	case PV_UNAVAIL:
		strbuf_addf(sb, "<unavailable %s>", v->unavail.name);
		return true;
	}
	return true;
}

static struct pv *sb_to_str(struct pyx_eval *ev, struct strbuf *sb)
{
	if (!pyx_check_size(ev, sb->len)) {
		strbuf_release(sb);
		return NULL;
	}
	struct pv *r = pyx_str(ev, sb->buf ? sb->buf : "", sb->len);
	strbuf_release(sb);
	return r;
}

struct pv *pyx_repr(struct pyx_eval *ev, struct pv *v)
{
	struct strbuf sb;
	strbuf_init(&sb);
	if (!repr_into(ev, &sb, v, 0)) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb_to_str(ev, &sb);
}

struct pv *pyx_tostr(struct pyx_eval *ev, struct pv *v)
{
	if (v->type == PV_STR)
		return v;
	if (v->type == PV_EXC) {
		if (v->exc.args->seq.n == 1)
			return pyx_tostr(ev, v->exc.args->seq.items[0]);
		if (v->exc.args->seq.n == 0)
			return pyx_str(ev, "", 0);
		return pyx_repr(ev, v->exc.args);
	}
	return pyx_repr(ev, v);
}

/* ---- freezing -------------------------------------------------------- */

void pyx_freeze_frame(struct pyx_frame *f)
{
	for (; f && !f->frozen; f = f->parent) {
		f->frozen = true;
		for (unsigned i = 0; i < f->n; i++)
			if (f->slots[i])
				pyx_freeze(f->slots[i]);
	}
}

void pyx_freeze(struct pv *v)
{
	if (!v || v->frozen)
		return;
	v->frozen = true;
	switch (v->type) {
	case PV_LIST:
	case PV_TUPLE:
		for (size_t i = 0; i < v->seq.n; i++)
			pyx_freeze(v->seq.items[i]);
		break;
	case PV_DICT:
	case PV_SET:
		for (size_t i = 0; i < v->dict->n; i++) {
			pyx_freeze(v->dict->e[i].key);
			pyx_freeze(v->dict->e[i].value);
		}
		break;
	case PV_FUNC:
		pyx_freeze_frame(v->func->env);
		for (unsigned i = 0; i < v->func->code->ndefaults; i++)
			pyx_freeze(v->func->defaults[i]);
		pyx_freeze(v->func->globals);
		break;
	case PV_METHOD:
		pyx_freeze(v->method.self);
		break;
	case PV_EXC:
		pyx_freeze(v->exc.args);
		break;
	case PV_MATCH:
	case PV_GEN:
		/* Their innards are read-only once built, except a
		 * generator's position: keep generators unfrozen so that
		 * advancing one shared value fails (see pyx_gen_next). */
		if (v->type == PV_GEN)
			v->frozen = true;
		break;
	default:
		break;
	}
}
