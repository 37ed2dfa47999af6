// SPDX-License-Identifier: GPL-2.0-or-later
/* The interpreter: evaluates expression trees and pythonfile statements
 * with Python's semantics (operators, truthiness, chained comparisons,
 * closures, comprehensions, lazy generator expressions), counting every
 * step against the limits so no configuration can hang a sync. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

/* Hard cap on the C recursion of the evaluator itself. */
#define NEST_FACTOR 8

struct pyx_gen {
	struct pyx_comp *comp;
	struct pyx_frame *frame;
	const struct pyx_code *code;
	struct pv *globals;
	struct pv *first;		/* the first iterable */
	struct pyx_iter *iters;
	size_t level;
	bool started, done, running;
};

void pyx_eval_init(struct pyx_eval *ev, struct pyexpr_ctx *ctx,
		   struct pyx_arena *arena, struct pv *globals)
{
	memset(ev, 0, sizeof(*ev));
	ev->ctx = ctx;
	ev->arena = arena;
	ev->lim = &ctx->lim;
	ev->globals = globals;
}

struct pv *pyx_raise(struct pyx_eval *ev, const char *exc, const char *fmt,
		     ...)
{
	if (ev->failed)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	ev->failed = true;
	ev->exc = exc;
	ev->msg = pyx_strdup(ev->arena, m);
	free(m);
	ev->err_line = 0;
	ev->err_code = NULL;
	return NULL;
}

void pyx_clear_error(struct pyx_eval *ev)
{
	ev->failed = false;
	ev->exc = NULL;
	ev->msg = NULL;
	ev->err_line = ev->err_col = 0;
	ev->err_code = NULL;
	ev->raised = NULL;
}

bool pyx_step(struct pyx_eval *ev)
{
	if (ev->failed)
		return false;
	if (++ev->steps > ev->lim->max_steps) {
		pyx_raise(ev, EXC_LIMIT, "evaluation takes too long (more "
			  "than %lu steps)", ev->lim->max_steps);
		return false;
	}
	if (ev->arena->exhausted) {
		pyx_raise(ev, EXC_MEMORY, "evaluation uses too much memory "
			  "(more than %zu bytes)", ev->lim->max_memory);
		return false;
	}
	return true;
}

/* Remember where the innermost failing node is. */
static void locate(struct pyx_eval *ev, unsigned line, unsigned col)
{
	if (ev->failed && !ev->err_line) {
		ev->err_line = line;
		ev->err_col = col;
		ev->err_code = ev->code;
	}
}

char *pyx_error_text(struct pyx_eval *ev)
{
	if (!ev->exc)
		return xstrdup("internal error: evaluation failed without a "
			       "reason");
	struct strbuf sb;
	strbuf_init(&sb);
	const struct pyx_code *c = ev->err_code;
	if (c && !c->src->is_file && ev->err_line && c->src->line0 &&
	    ev->err_line > 1)
		strbuf_addf(&sb, "line %u, ", c->src->line0 + ev->err_line -
			    1);
	if (c && !c->src->is_file && ev->err_line)
		strbuf_addf(&sb, "column %u: ", ev->err_col);
	if (!strcmp(ev->exc, EXC_UNAVAILABLE) || !strcmp(ev->exc, EXC_LIMIT))
		strbuf_addstr(&sb, ev->msg);
	else if (ev->msg && *ev->msg)
		strbuf_addf(&sb, "%s: %s", ev->exc, ev->msg);
	else
		strbuf_addstr(&sb, ev->exc);
	if (c && c->src->is_file && ev->err_line)
		strbuf_addf(&sb, " (in %s at %s:%u:%u)", c->name,
			    c->src->name, ev->err_line, ev->err_col);
	return strbuf_detach(&sb);
}

/* ---- names ------------------------------------------------------------ */

static struct pv *unavailable(struct pyx_eval *ev, struct pv *v)
{
	return pyx_raise(ev, EXC_UNAVAILABLE, "'%s' is unavailable: %s",
			 v->unavail.name, v->unavail.reason);
}

static struct pyx_frame *frame_up(struct pyx_frame *f, unsigned depth)
{
	while (depth-- && f)
		f = f->parent;
	return f;
}

static struct pv *load_name(struct pyx_eval *ev, struct ast *n,
			    struct pyx_frame *f)
{
	struct pv *v;
	if (n->name.scope == NS_LOCAL) {
		struct pyx_frame *fr = frame_up(f, n->name.depth);
		v = fr && n->name.slot < fr->n ? fr->slots[n->name.slot] :
			NULL;
		if (!v) {
			if (n->name.depth == 0)
				return pyx_raise(ev, EXC_UNBOUND, "local "
					"variable '%s' referenced before "
					"assignment", n->name.id);
			return pyx_raise(ev, EXC_NAME, "free variable '%s' "
					 "referenced before assignment in "
					 "enclosing scope", n->name.id);
		}
	} else if (n->name.fixed) {
		v = n->name.fixed;
	} else {
		v = ev->globals ? pyx_dict_gets(ev->globals, n->name.id) :
			NULL;
		if (!v)
			v = pyx_builtin_lookup(n->name.id);
		if (!v)
			return pyx_raise(ev, EXC_NAME, "name '%s' is not "
					 "defined", n->name.id);
	}
	if (v->type == PV_UNAVAIL)
		return unavailable(ev, v);
	return v;
}

/* ---- arithmetic --------------------------------------------------------- */

static bool is_int(const struct pv *v)
{
	return v->type == PV_INT || v->type == PV_BOOL;
}

static struct pv *overflow(struct pyx_eval *ev)
{
	return pyx_raise(ev, EXC_OVERFLOW, "integer result too large "
			 "(integers are limited to 64 bits)");
}

static const char *op_symbol(int op)
{
	static const char *const syms[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*",
		[OP_FLOORDIV] = "//", [OP_MOD] = "%", [OP_POW] = "** or pow()",
		[OP_LSHIFT] = "<<", [OP_RSHIFT] = ">>", [OP_BITAND] = "&",
		[OP_BITOR] = "|", [OP_BITXOR] = "^", [OP_TRUEDIV] = "/",
		[OP_MATMUL] = "@",
	};
	return syms[op];
}

static struct pv *seq_repeat(struct pyx_eval *ev, struct pv *s, int64_t k)
{
	if (s->type == PV_STR || s->type == PV_BYTES) {
		struct pv *r = pyx_str_repeat(ev, s, k);
		return r;
	}
	if (k < 0)
		k = 0;
	if (s->seq.n && (uint64_t)k > ev->lim->max_string / s->seq.n) {
		pyx_check_size(ev, SIZE_MAX);
		return NULL;
	}
	size_t n = s->seq.n * (size_t)k;
	struct pv *r = s->type == PV_LIST ? pyx_list(ev, n) : pyx_tuple(ev, n);
	for (int64_t i = 0; i < k; i++)
		memcpy(r->seq.items + (size_t)i * s->seq.n, s->seq.items,
		       s->seq.n * sizeof(struct pv *));
	r->seq.n = n;
	return r;
}

static struct pv *seq_concat(struct pyx_eval *ev, struct pv *a, struct pv *b)
{
	size_t n = a->seq.n + b->seq.n;
	if (!pyx_check_size(ev, n))
		return NULL;
	struct pv *r = a->type == PV_LIST ? pyx_list(ev, n) : pyx_tuple(ev, n);
	memcpy(r->seq.items, a->seq.items, a->seq.n * sizeof(struct pv *));
	memcpy(r->seq.items + a->seq.n, b->seq.items,
	       b->seq.n * sizeof(struct pv *));
	r->seq.n = n;
	return r;
}

static struct pv *set_op(struct pyx_eval *ev, int op, struct pv *a,
			 struct pv *b)
{
	struct pv *r = pyx_set(ev);
	for (size_t i = 0; i < a->dict->n; i++) {
		struct pv *k = a->dict->e[i].key;
		if (!k)
			continue;
		int in = pyx_contains(ev, b, k);
		if (in < 0)
			return NULL;
		bool keep = op == OP_BITOR || (op == OP_BITAND && in) ||
			    ((op == OP_SUB || op == OP_BITXOR) && !in);
		if (keep && !pyx_dict_set(ev, r, k, NULL))
			return NULL;
	}
	if (op == OP_BITOR || op == OP_BITXOR) {
		for (size_t i = 0; i < b->dict->n; i++) {
			struct pv *k = b->dict->e[i].key;
			if (!k)
				continue;
			int in = pyx_contains(ev, a, k);
			if (in < 0)
				return NULL;
			if (!in && !pyx_dict_set(ev, r, k, NULL))
				return NULL;
		}
	}
	return r;
}

static struct pv *binop(struct pyx_eval *ev, int op, struct pv *a,
			struct pv *b)
{
	if (is_int(a) && is_int(b)) {
		int64_t x = a->i, y = b->i, r;
		switch (op) {
		case OP_ADD:
			if (__builtin_add_overflow(x, y, &r))
				return overflow(ev);
			return pyx_int(ev, r);
		case OP_SUB:
			if (__builtin_sub_overflow(x, y, &r))
				return overflow(ev);
			return pyx_int(ev, r);
		case OP_MUL:
			if (__builtin_mul_overflow(x, y, &r))
				return overflow(ev);
			return pyx_int(ev, r);
		case OP_FLOORDIV:
		case OP_MOD:
			if (y == 0)
				return pyx_raise(ev, EXC_ZERO, "integer "
					"division or modulo by zero");
			if (x == INT64_MIN && y == -1)
				return op == OP_MOD ? pyx_int(ev, 0) :
					overflow(ev);
			r = op == OP_FLOORDIV ? x / y : x % y;
			if (op == OP_FLOORDIV) {
				if ((x % y != 0) && ((x < 0) != (y < 0)))
					r--;
			} else if (r != 0 && ((r < 0) != (y < 0))) {
				r += y;
			}
			return pyx_int(ev, r);
		case OP_POW: {
			if (y < 0)
				return pyx_raise(ev, EXC_VALUE, "negative "
					"exponents give floating-point "
					"numbers, which are not supported");
			int64_t acc = 1, base = x;
			while (y) {
				if (y & 1 && __builtin_mul_overflow(acc, base,
								    &acc))
					return overflow(ev);
				y >>= 1;
				if (y && __builtin_mul_overflow(base, base,
								&base))
					return overflow(ev);
			}
			return pyx_int(ev, acc);
		}
		case OP_LSHIFT:
			if (y < 0)
				return pyx_raise(ev, EXC_VALUE, "negative "
						 "shift count");
			if (x == 0)
				return pyx_int(ev, 0);
			if (y >= 63 || (x > 0 ? x > (INT64_MAX >> y) :
					x < (INT64_MIN >> y)))
				return overflow(ev);
			return pyx_int(ev, (int64_t)((uint64_t)x << y));
		case OP_RSHIFT:
			if (y < 0)
				return pyx_raise(ev, EXC_VALUE, "negative "
						 "shift count");
			return pyx_int(ev, y >= 63 ? (x < 0 ? -1 : 0) :
				       x >> y);
		case OP_BITAND:
		case OP_BITOR:
		case OP_BITXOR:
			r = op == OP_BITAND ? (x & y) : op == OP_BITOR ?
				(x | y) : (x ^ y);
			if (a->type == PV_BOOL && b->type == PV_BOOL)
				return PV_BOOLV(r);
			return pyx_int(ev, r);
		case OP_TRUEDIV:
			goto truediv;
		}
	}
	switch (op) {
	case OP_ADD:
		if (a->type == PV_STR && b->type == PV_STR)
			return pyx_str_concat(ev, a, b);
		if (a->type == PV_BYTES && b->type == PV_BYTES)
			return pyx_str_concat(ev, a, b);
		if ((a->type == PV_LIST && b->type == PV_LIST) ||
		    (a->type == PV_TUPLE && b->type == PV_TUPLE))
			return seq_concat(ev, a, b);
		if (a->type == PV_STR || a->type == PV_LIST ||
		    a->type == PV_TUPLE || a->type == PV_BYTES) {
			if (a->type == PV_BYTES)
				return pyx_raise(ev, EXC_TYPE, "can't concat "
					"%s to bytes", pyx_typename(b));
			return pyx_raise(ev, EXC_TYPE, "can only concatenate "
				"%s (not \"%s\") to %s", pyx_typename(a),
				pyx_typename(b), pyx_typename(a));
		}
		break;
	case OP_MUL:
		if (is_int(b) && (a->type == PV_STR || a->type == PV_LIST ||
				  a->type == PV_TUPLE || a->type == PV_BYTES))
			return seq_repeat(ev, a, b->i);
		if (is_int(a) && (b->type == PV_STR || b->type == PV_LIST ||
				  b->type == PV_TUPLE || b->type == PV_BYTES))
			return seq_repeat(ev, b, a->i);
		if (a->type == PV_STR || a->type == PV_LIST ||
		    a->type == PV_TUPLE)
			return pyx_raise(ev, EXC_TYPE, "can't multiply "
				"sequence by non-int of type '%s'",
				pyx_typename(b));
		break;
	case OP_MOD:
		if (a->type == PV_STR)
			return pyx_str_mod(ev, a, b);
		break;
	case OP_SUB:
	case OP_BITAND:
	case OP_BITOR:
	case OP_BITXOR:
		if (a->type == PV_SET && b->type == PV_SET)
			return set_op(ev, op, a, b);
		if (op == OP_BITOR && a->type == PV_DICT &&
		    b->type == PV_DICT) {
			struct pv *r = pyx_dict(ev);
			for (int k = 0; k < 2; k++) {
				struct pv *d = k ? b : a;
				for (size_t i = 0; i < d->dict->n; i++)
					if (d->dict->e[i].key &&
					    !pyx_dict_set(ev, r,
							  d->dict->e[i].key,
							  d->dict->e[i].value))
						return NULL;
			}
			return r;
		}
		break;
	case OP_TRUEDIV:
	truediv:
		if (is_int(a) && is_int(b))
			return pyx_raise(ev, EXC_TYPE, "'/' gives a "
				"floating-point number, which is not "
				"supported; use '//' for integer division");
		break;
	default:
		break;
	}
	return pyx_raise(ev, EXC_TYPE, "unsupported operand type(s) for %s: "
			 "'%s' and '%s'", op_symbol(op), pyx_typename(a),
			 pyx_typename(b));
}

/* ---- subscripts ------------------------------------------------------------ */

static bool want_index(struct pyx_eval *ev, struct pv *container,
		       struct pv *idx, int64_t len, int64_t *i_r)
{
	if (!is_int(idx)) {
		pyx_raise(ev, EXC_TYPE, "%s indices must be integers or "
			  "slices, not %s", container->type == PV_STR ?
			  "string" : pyx_typename(container),
			  pyx_typename(idx));
		return false;
	}
	int64_t i = idx->i;
	if (i < 0)
		i += len;
	if (i < 0 || i >= len) {
		pyx_raise(ev, EXC_INDEX, "%s index out of range",
			  container->type == PV_STR ? "string" :
			  pyx_typename(container));
		return false;
	}
	*i_r = i;
	return true;
}

static struct pv *do_slice(struct pyx_eval *ev, struct pv *v, struct pv *lo,
			   struct pv *hi, struct pv *stepv)
{
	int64_t step = 1;
	if (stepv && stepv->type != PV_NONE) {
		if (!is_int(stepv))
			return pyx_raise(ev, EXC_TYPE, "slice indices must be "
				"integers or None");
		step = stepv->i;
		if (step == 0)
			return pyx_raise(ev, EXC_VALUE, "slice step cannot "
					 "be zero");
		if (step == INT64_MIN)
			step = -INT64_MAX;
	}
	if ((lo && lo->type != PV_NONE && !is_int(lo)) ||
	    (hi && hi->type != PV_NONE && !is_int(hi)))
		return pyx_raise(ev, EXC_TYPE, "slice indices must be "
				 "integers or None");
	int64_t len;
	switch (v->type) {
	case PV_STR:
		len = (int64_t)v->str.ncp;
		break;
	case PV_BYTES:
		len = (int64_t)v->str.len;
		break;
	case PV_LIST:
	case PV_TUPLE:
		len = (int64_t)v->seq.n;
		break;
	case PV_RANGE:
		v = pyx_to_list(ev, v);
		if (!v)
			return NULL;
		len = (int64_t)v->seq.n;
		break;
	default:
		return pyx_raise(ev, EXC_TYPE, "'%s' object is not "
				 "subscriptable", pyx_typename(v));
	}
	int64_t start, stop, n;
	pyx_slice_indices(len, lo, hi, step, &start, &stop, &n);
	if (v->type == PV_STR || v->type == PV_BYTES)
		return pyx_str_slice(ev, v, start, n, step);
	struct pv *r = v->type == PV_TUPLE ? pyx_tuple(ev, (size_t)n) :
		pyx_list(ev, (size_t)n);
	for (int64_t k = 0; k < n; k++)
		r->seq.items[k] = v->seq.items[start + k * step];
	r->seq.n = (size_t)n;
	return r;
}

static struct pv *subscript(struct pyx_eval *ev, struct pv *v, struct pv *idx)
{
	int64_t i;
	switch (v->type) {
	case PV_LIST:
	case PV_TUPLE:
		if (!want_index(ev, v, idx, (int64_t)v->seq.n, &i))
			return NULL;
		return v->seq.items[i];
	case PV_STR:
		if (!want_index(ev, v, idx, (int64_t)v->str.ncp, &i))
			return NULL;
		return pyx_str_index(ev, v, i);
	case PV_BYTES:
		if (!want_index(ev, v, idx, (int64_t)v->str.len, &i))
			return NULL;
		return pyx_int(ev, (unsigned char)v->str.s[i]);
	case PV_RANGE:
		if (!want_index(ev, v, idx, pyx_range_len(v), &i))
			return NULL;
		return pyx_int(ev, v->range.start + i * v->range.step);
	case PV_DICT: {
		struct pv *r = pyx_dict_get(ev, v, idx);
		if (r || ev->failed)
			return r;
		if (pyx_contains(ev, v, idx) == 1)
			return PV_NONE_V;
		struct pv *rep = pyx_repr(ev, idx);
		return rep ? pyx_raise(ev, EXC_KEY, "%s", rep->str.s) : NULL;
	}
	case PV_MATCH:
		return pyx_match_group(ev, v, idx);
	case PV_TYPE:
		/* list[str] and friends: typing generics */
		return pyx_raise(ev, EXC_TYPE, "type annotations are not "
				 "supported");
	default:
		return pyx_raise(ev, EXC_TYPE, "'%s' object is not "
				 "subscriptable", pyx_typename(v));
	}
}

/* ---- calls ----------------------------------------------------------------- */

bool pyx_accepts(struct pv *fn, size_t n)
{
	switch (fn->type) {
	case PV_FUNC: {
		const struct pyx_code *c = fn->func->code;
		if (n > c->nparams)
			return c->vararg >= 0;
		return n >= c->nparams - c->ndefaults;
	}
	case PV_BUILTIN:
	case PV_TYPE:
		return (long)n >= fn->builtin->min &&
		       (fn->builtin->max < 0 || (long)n <= fn->builtin->max);
	case PV_METHOD: {
		const struct pyx_builtin *b = fn->method.fn;
		size_t k = fn->method.self ? n : n - 1;
		if (!fn->method.self && n == 0)
			return false;
		return (long)k >= b->min && (b->max < 0 || (long)k <= b->max);
	}
	default:
		return false;
	}
}

static struct pv *exec_body(struct pyx_eval *ev, const struct pyx_code *code,
			    struct pyx_frame *f);

static struct pv *call_func(struct pyx_eval *ev, struct pv *fv,
			    struct pyx_args *a)
{
	struct pyx_func *fn = fv->func;
	const struct pyx_code *c = fn->code;
	struct pyx_frame *f = pyx_alloc(ev->arena, sizeof(*f));
	f->parent = fn->env;
	f->n = c->nslots;
	f->slots = pyx_alloc(ev->arena, (c->nslots + 1) * sizeof(*f->slots));
	struct pv *varargs = NULL, *kwargs = NULL;
	if (a->n > c->nparams) {
		if (c->vararg < 0) {
			unsigned lo = c->nparams - c->ndefaults;
			if (c->ndefaults)
				return pyx_raise(ev, EXC_TYPE, "%s() takes "
					"from %u to %u positional arguments "
					"but %zu were given", c->name, lo,
					c->nparams, a->n);
			return pyx_raise(ev, EXC_TYPE, "%s() takes %u "
				"positional argument%s but %zu %s given",
				c->name, c->nparams, c->nparams == 1 ? "" :
				"s", a->n, a->n == 1 ? "was" : "were");
		}
		varargs = pyx_tuple(ev, a->n - c->nparams);
		for (size_t i = c->nparams; i < a->n; i++)
			varargs->seq.items[i - c->nparams] = a->pos[i];
	}
	for (size_t i = 0; i < a->n && i < c->nparams; i++)
		f->slots[i] = a->pos[i];
	for (size_t k = 0; k < a->nkw; k++) {
		int slot = -1;
		for (unsigned i = 0; i < c->nparams; i++)
			if (!strcmp(c->slotnames[i], a->kwn[k]))
				slot = (int)i;
		if (slot < 0) {
			if (c->kwarg < 0)
				return pyx_raise(ev, EXC_TYPE, "%s() got an "
					"unexpected keyword argument '%s'",
					c->name, a->kwn[k]);
			if (!kwargs)
				kwargs = pyx_dict(ev);
			if (!pyx_dict_set(ev, kwargs, pyx_cstr(ev, a->kwn[k]),
					  a->kwv[k]))
				return NULL;
			continue;
		}
		if (f->slots[slot])
			return pyx_raise(ev, EXC_TYPE, "%s() got multiple "
					 "values for argument '%s'", c->name,
					 a->kwn[k]);
		f->slots[slot] = a->kwv[k];
	}
	unsigned first_default = c->nparams - c->ndefaults;
	for (unsigned i = 0; i < c->nparams; i++) {
		if (f->slots[i])
			continue;
		if (i >= first_default) {
			f->slots[i] = fn->defaults[i - first_default];
			continue;
		}
		return pyx_raise(ev, EXC_TYPE, "%s() missing required "
				 "positional argument: '%s'", c->name,
				 c->slotnames[i]);
	}
	if (c->vararg >= 0)
		f->slots[c->vararg] = varargs ? varargs : pyx_tuple(ev, 0);
	if (c->kwarg >= 0)
		f->slots[c->kwarg] = kwargs ? kwargs : pyx_dict(ev);
	const struct pyx_code *saved_code = ev->code;
	struct pv *saved_globals = ev->globals;
	ev->code = c;
	ev->globals = fn->globals;
	struct pv *r;
	if (c->expr)
		r = pyx_eval_expr(ev, c->expr, f);
	else
		r = exec_body(ev, c, f);
	ev->code = saved_code;
	ev->globals = saved_globals;
	return r;
}

struct pv *pyx_call(struct pyx_eval *ev, struct pv *fn, struct pyx_args *a)
{
	if (!pyx_step(ev))
		return NULL;
	if (++ev->calls > ev->lim->max_depth) {
		ev->calls--;
		return pyx_raise(ev, EXC_RECURSION, "maximum recursion depth "
				 "exceeded (%u)", ev->lim->max_depth);
	}
	struct pv *r = NULL;
	const struct pyx_builtin *b;
	switch (fn->type) {
	case PV_FUNC:
		r = call_func(ev, fn, a);
		break;
	case PV_BUILTIN:
	case PV_TYPE:
		b = fn->builtin;
		if (b->type == PV_EXC && fn->type == PV_TYPE) {
			if (a->nkw) {
				pyx_raise(ev, EXC_TYPE, "%s() takes no keyword "
					  "arguments", b->name);
				break;
			}
			r = pyx_new(ev, PV_EXC);
			r->exc.type = b->name;
			r->exc.args = pyx_tuple(ev, a->n);
			memcpy(r->exc.args->seq.items, a->pos,
			       a->n * sizeof(*a->pos));
			break;
		}
		if (!pyx_args_check(ev, a, b->name, (size_t)b->min,
				    b->max < 0 ? SIZE_MAX : (size_t)b->max,
				    b->kw))
			break;
		r = b->fn(ev, NULL, a);
		break;
	case PV_METHOD: {
		b = fn->method.fn;
		struct pv *self = fn->method.self;
		struct pyx_args sub = *a;
		if (!self) {
			if (a->n == 0) {
				pyx_raise(ev, EXC_TYPE, "unbound method %s() "
					  "needs an argument", b->name);
				break;
			}
			self = a->pos[0];
			if (self->type != PV_STR) {
				pyx_raise(ev, EXC_TYPE, "descriptor '%s' for "
					  "'str' objects doesn't apply to a "
					  "'%s' object", b->name,
					  pyx_typename(self));
				break;
			}
			sub.pos++;
			sub.n--;
		}
		if (!pyx_args_check(ev, &sub, b->name, (size_t)b->min,
				    b->max < 0 ? SIZE_MAX : (size_t)b->max,
				    b->kw))
			break;
		r = b->fn(ev, self, &sub);
		break;
	}
	case PV_UNAVAIL:
		r = unavailable(ev, fn);
		break;
	default:
		pyx_raise(ev, EXC_TYPE, "'%s' object is not callable",
			  pyx_typename(fn));
		break;
	}
	assert(r || ev->failed);
	ev->calls--;
	return r;
}

struct pv *pyx_call1(struct pyx_eval *ev, struct pv *fn, struct pv *x)
{
	struct pv *argv[1] = { x };
	struct pyx_args a = { .pos = argv, .n = 1 };
	return pyx_call(ev, fn, &a);
}

struct pv *pyx_call2(struct pyx_eval *ev, struct pv *fn, struct pv *x,
		     struct pv *y)
{
	struct pv *argv[2] = { x, y };
	struct pyx_args a = { .pos = argv, .n = 2 };
	return pyx_call(ev, fn, &a);
}

static struct pv *eval_call(struct pyx_eval *ev, struct ast *n,
			    struct pyx_frame *f)
{
	struct pv *fn = pyx_eval_expr(ev, n->call.fn, f);
	if (!fn)
		return NULL;
	size_t cap = n->call.n + 1;
	struct pv **pos = pyx_alloc(ev->arena, cap * sizeof(*pos));
	const char **kwn = pyx_alloc(ev->arena, cap * sizeof(*kwn));
	struct pv **kwv = pyx_alloc(ev->arena, cap * sizeof(*kwv));
	size_t np = 0, nk = 0;
	for (size_t i = 0; i < n->call.n; i++) {
		struct pv *v = pyx_eval_expr(ev, n->call.args[i], f);
		if (!v)
			return NULL;
		const char *kw = n->call.kw[i];
		if (!kw) {
			pos[np++] = v;
		} else if (!strcmp(kw, "*")) {
			struct pv *l = pyx_to_list(ev, v);
			if (!l)
				return NULL;
			size_t ncap = cap + l->seq.n;
			struct pv **np2 = pyx_alloc(ev->arena,
						    ncap * sizeof(*np2));
			memcpy(np2, pos, np * sizeof(*pos));
			memcpy(np2 + np, l->seq.items,
			       l->seq.n * sizeof(*pos));
			np += l->seq.n;
			pos = np2;
			/* keep keyword arrays large enough too */
			const char **nk2 = pyx_alloc(ev->arena,
						     ncap * sizeof(*nk2));
			struct pv **nv2 = pyx_alloc(ev->arena,
						    ncap * sizeof(*nv2));
			memcpy(nk2, kwn, nk * sizeof(*kwn));
			memcpy(nv2, kwv, nk * sizeof(*kwv));
			kwn = nk2;
			kwv = nv2;
			cap = ncap;
		} else if (!strcmp(kw, "**")) {
			if (v->type != PV_DICT)
				return pyx_raise(ev, EXC_TYPE, "argument after "
					"** must be a mapping, not %s",
					pyx_typename(v));
			size_t ncap = cap + v->dict->live;
			const char **nk2 = pyx_alloc(ev->arena,
						     ncap * sizeof(*nk2));
			struct pv **nv2 = pyx_alloc(ev->arena,
						    ncap * sizeof(*nv2));
			struct pv **np2 = pyx_alloc(ev->arena,
						    ncap * sizeof(*np2));
			memcpy(nk2, kwn, nk * sizeof(*kwn));
			memcpy(nv2, kwv, nk * sizeof(*kwv));
			memcpy(np2, pos, np * sizeof(*pos));
			kwn = nk2;
			kwv = nv2;
			pos = np2;
			cap = ncap;
			for (size_t k = 0; k < v->dict->n; k++) {
				struct pyx_dentry *e = &v->dict->e[k];
				if (!e->key)
					continue;
				if (e->key->type != PV_STR)
					return pyx_raise(ev, EXC_TYPE,
						"keywords must be strings");
				kwn[nk] = e->key->str.s;
				kwv[nk++] = e->value;
			}
		} else {
			kwn[nk] = kw;
			kwv[nk++] = v;
		}
	}
	for (size_t i = 0; i < nk; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(kwn[i], kwn[j]))
				return pyx_raise(ev, EXC_TYPE, "got multiple "
					"values for keyword argument '%s'",
					kwn[i]);
	struct pyx_args a = { .pos = pos, .n = np, .kwn = kwn, .kwv = kwv,
			      .nkw = nk };
	return pyx_call(ev, fn, &a);
}

/* ---- assignment targets ---------------------------------------------------- */

static bool store(struct pyx_eval *ev, struct ast *t, struct pv *v,
		  struct pyx_frame *f);

static bool unpack(struct pyx_eval *ev, struct ast *t, struct pv *v,
		   struct pyx_frame *f)
{
	struct pv *l = pyx_to_list(ev, v);
	if (!l) {
		if (ev->failed && !strcmp(ev->exc, EXC_TYPE) &&
		    !(v->type == PV_LIST || v->type == PV_TUPLE)) {
			pyx_clear_error(ev);
			pyx_raise(ev, EXC_TYPE, "cannot unpack non-iterable "
				  "%s object", pyx_typename(v));
		}
		return false;
	}
	if (l->seq.n != t->seq.n) {
		if (l->seq.n > t->seq.n)
			pyx_raise(ev, EXC_VALUE, "too many values to unpack "
				  "(expected %zu)", t->seq.n);
		else
			pyx_raise(ev, EXC_VALUE, "not enough values to unpack "
				  "(expected %zu, got %zu)", t->seq.n,
				  l->seq.n);
		return false;
	}
	for (size_t i = 0; i < t->seq.n; i++)
		if (!store(ev, t->seq.items[i], l->seq.items[i], f))
			return false;
	return true;
}

static bool store(struct pyx_eval *ev, struct ast *t, struct pv *v,
		  struct pyx_frame *f)
{
	switch (t->kind) {
	case A_NAME:
		if (t->name.scope == NS_LOCAL) {
			struct pyx_frame *fr = frame_up(f, t->name.depth);
			if (!fr || fr->frozen) {
				pyx_raise(ev, EXC_RUNTIME, "cannot assign to "
					  "'%s' here", t->name.id);
				return false;
			}
			fr->slots[t->name.slot] = v;
			return true;
		}
		if (!ev->globals || ev->globals->frozen) {
			pyx_raise(ev, EXC_RUNTIME, "cannot assign to global "
				  "'%s' while folders are synced", t->name.id);
			return false;
		}
		return pyx_dict_set(ev, ev->globals, pyx_cstr(ev, t->name.id),
				    v);
	case A_TUPLE:
	case A_LIST:
		return unpack(ev, t, v, f);
	case A_SUBSCRIPT: {
		struct pv *obj = pyx_eval_expr(ev, t->bin.a, f);
		if (!obj)
			return false;
		struct pv *key = pyx_eval_expr(ev, t->bin.b, f);
		if (!key)
			return false;
		if (obj->type == PV_DICT) {
			return pyx_check_mutable(ev, obj) &&
			       pyx_dict_set(ev, obj, key, v);
		}
		if (obj->type == PV_LIST) {
			int64_t i;
			if (!pyx_check_mutable(ev, obj) ||
			    !want_index(ev, obj, key, (int64_t)obj->seq.n, &i))
				return false;
			obj->seq.items[i] = v;
			return true;
		}
		pyx_raise(ev, EXC_TYPE, "'%s' object does not support item "
			  "assignment", pyx_typename(obj));
		return false;
	}
	default:
		pyx_raise(ev, EXC_RUNTIME, "cannot assign to this target");
		return false;
	}
}

/* ---- comprehensions and generators ------------------------------------ */

static bool comp_loop(struct pyx_eval *ev, struct pyx_comp *c, size_t level,
		      struct pv *iterable, struct pyx_frame *cf,
		      struct pv *out)
{
	struct pyx_iter it;
	if (!pyx_iter_init(ev, iterable, &it))
		return false;
	struct pv *x;
	while ((x = pyx_iter_next(ev, &it))) {
		if (!store(ev, c->fors[level].target, x, cf))
			return false;
		bool ok = true;
		for (size_t k = 0; k < c->fors[level].nconds && ok; k++) {
			struct pv *cv = pyx_eval_expr(ev,
				c->fors[level].conds[k], cf);
			if (!cv)
				return false;
			ok = pyx_truth(cv);
		}
		if (!ok)
			continue;
		if (level + 1 < c->nfors) {
			struct pv *next = pyx_eval_expr(ev,
				c->fors[level + 1].iter, cf);
			if (!next || !comp_loop(ev, c, level + 1, next, cf,
						out))
				return false;
			continue;
		}
		struct pv *e = pyx_eval_expr(ev, c->elt, cf);
		if (!e)
			return false;
		if (c->kind == COMP_LIST) {
			if (!pyx_list_append(ev, out, e))
				return false;
		} else if (c->kind == COMP_SET) {
			if (!pyx_dict_set(ev, out, e, NULL))
				return false;
		} else {
			struct pv *val = pyx_eval_expr(ev, c->val, cf);
			if (!val || !pyx_dict_set(ev, out, e, val))
				return false;
		}
	}
	return !ev->failed;
}

static struct pyx_frame *new_frame(struct pyx_eval *ev,
				   struct pyx_frame *parent, unsigned n)
{
	struct pyx_frame *f = pyx_alloc(ev->arena, sizeof(*f));
	f->parent = parent;
	f->n = n;
	f->slots = pyx_alloc(ev->arena, (n + 1) * sizeof(*f->slots));
	return f;
}

static struct pv *eval_comp(struct pyx_eval *ev, struct ast *n,
			    struct pyx_frame *f)
{
	struct pyx_comp *c = n->comp;
	struct pv *first = pyx_eval_expr(ev, c->fors[0].iter, f);
	if (!first)
		return NULL;
	struct pyx_frame *cf = new_frame(ev, f, c->nslots);
	if (c->kind == COMP_GEN) {
		struct pyx_iter probe;
		if (!pyx_iter_init(ev, first, &probe))
			return NULL;
		struct pv *g = pyx_new(ev, PV_GEN);
		g->gen = pyx_alloc(ev->arena, sizeof(*g->gen));
		g->gen->comp = c;
		g->gen->frame = cf;
		g->gen->code = ev->code;
		g->gen->globals = ev->globals;
		g->gen->first = first;
		g->gen->iters = pyx_alloc(ev->arena,
					  c->nfors * sizeof(struct pyx_iter));
		return g;
	}
	struct pv *out = c->kind == COMP_LIST ? pyx_list(ev, 0) :
		c->kind == COMP_SET ? pyx_set(ev) : pyx_dict(ev);
	return comp_loop(ev, c, 0, first, cf, out) ? out : NULL;
}

static struct pv *gen_step(struct pyx_eval *ev, struct pyx_gen *g)
{
	struct pyx_comp *c = g->comp;
	size_t level;
	if (!g->started) {
		g->started = true;
		if (!pyx_iter_init(ev, g->first, &g->iters[0]))
			return NULL;
		level = 0;
	} else {
		level = c->nfors - 1;
	}
	for (;;) {
		struct pv *x = pyx_iter_next(ev, &g->iters[level]);
		if (!x) {
			if (ev->failed)
				return NULL;
			if (level == 0) {
				g->done = true;
				return NULL;
			}
			level--;
			continue;
		}
		if (!store(ev, c->fors[level].target, x, g->frame))
			return NULL;
		bool ok = true;
		for (size_t k = 0; k < c->fors[level].nconds && ok; k++) {
			struct pv *cv = pyx_eval_expr(ev,
				c->fors[level].conds[k], g->frame);
			if (!cv)
				return NULL;
			ok = pyx_truth(cv);
		}
		if (!ok)
			continue;
		if (level + 1 == c->nfors)
			return pyx_eval_expr(ev, c->elt, g->frame);
		level++;
		struct pv *it = pyx_eval_expr(ev, c->fors[level].iter,
					      g->frame);
		if (!it || !pyx_iter_init(ev, it, &g->iters[level]))
			return NULL;
	}
}

struct pv *pyx_gen_next(struct pyx_eval *ev, struct pv *gv)
{
	struct pyx_gen *g = gv->gen;
	if (g->done)
		return NULL;
	if (gv->frozen)
		return pyx_raise(ev, EXC_TYPE, "a generator that belongs to "
				 "the pythonfile cannot be consumed while "
				 "folders are synced");
	if (g->running)
		return pyx_raise(ev, EXC_VALUE, "generator already "
				 "executing");
	g->running = true;
	const struct pyx_code *saved_code = ev->code;
	struct pv *saved_globals = ev->globals;
	ev->code = g->code;
	ev->globals = g->globals;
	struct pv *r = gen_step(ev, g);
	ev->code = saved_code;
	ev->globals = saved_globals;
	g->running = false;
	if (!r)
		g->done = true;
	return r;
}

/* ---- f-strings ------------------------------------------------------------ */

static struct pv *eval_fstring(struct pyx_eval *ev, struct ast *n,
			       struct pyx_frame *f)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n->seq.n; i++) {
		struct ast *part = n->seq.items[i];
		struct pv *v;
		if (part->kind == A_CONST) {
			v = part->cval;
		} else {
			v = pyx_eval_expr(ev, part->field.value, f);
			if (v && part->field.conv == 'r')
				v = pyx_repr(ev, v);
			else if (v && part->field.conv == 's')
				v = pyx_tostr(ev, v);
			else if (v && part->field.conv == 'a')
				v = pyx_ascii(ev, v);
			struct pv *spec = NULL;
			if (v && part->field.spec) {
				spec = eval_fstring(ev, part->field.spec, f);
				if (!spec)
					v = NULL;
			}
			if (v)
				v = pyx_format(ev, v, spec);
		}
		if (!v) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, v->str.s, v->str.len);
		if (!pyx_check_size(ev, sb.len)) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	struct pv *r = pyx_str(ev, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	return r;
}

/* ---- expressions ------------------------------------------------------------ */

static struct pv *eval_seq(struct pyx_eval *ev, struct ast *n,
			   struct pyx_frame *f)
{
	struct pv *out;
	if (n->kind == A_DICT) {
		out = pyx_dict(ev);
		for (size_t i = 0; i + 1 < n->seq.n; i += 2) {
			struct pv *k = pyx_eval_expr(ev, n->seq.items[i], f);
			if (!k)
				return NULL;
			struct pv *v = pyx_eval_expr(ev, n->seq.items[i + 1],
						     f);
			if (!v || !pyx_dict_set(ev, out, k, v))
				return NULL;
		}
		return out;
	}
	out = n->kind == A_SET ? pyx_set(ev) : pyx_list(ev, n->seq.n);
	for (size_t i = 0; i < n->seq.n; i++) {
		struct ast *item = n->seq.items[i];
		bool star = item->kind == A_STARRED;
		struct pv *v = pyx_eval_expr(ev, star ? item->operand : item,
					     f);
		if (!v)
			return NULL;
		struct pv *items = star ? pyx_to_list(ev, v) : NULL;
		if (star && !items)
			return NULL;
		size_t cnt = star ? items->seq.n : 1;
		for (size_t k = 0; k < cnt; k++) {
			struct pv *x = star ? items->seq.items[k] : v;
			if (n->kind == A_SET) {
				if (!pyx_dict_set(ev, out, x, NULL))
					return NULL;
			} else if (!pyx_list_append(ev, out, x)) {
				return NULL;
			}
		}
	}
	if (n->kind == A_TUPLE)
		out->type = PV_TUPLE;
	return out;
}

static struct pv *eval_compare(struct pyx_eval *ev, struct ast *n,
			       struct pyx_frame *f)
{
	struct pv *left = pyx_eval_expr(ev, n->cmp.first, f);
	if (!left)
		return NULL;
	for (size_t i = 0; i < n->cmp.n; i++) {
		struct pv *right = pyx_eval_expr(ev, n->cmp.rest[i], f);
		if (!right)
			return NULL;
		int r;
		switch (n->cmp.ops[i]) {
		case CMP_EQ:
		case CMP_NE:
			r = pyx_eq(ev, left, right);
			if (r < 0)
				return NULL;
			if (n->cmp.ops[i] == CMP_NE)
				r = !r;
			break;
		case CMP_IN:
		case CMP_NOTIN:
			r = pyx_contains(ev, right, left);
			if (r < 0)
				return NULL;
			if (n->cmp.ops[i] == CMP_NOTIN)
				r = !r;
			break;
		case CMP_IS:
		case CMP_ISNOT:
			r = left == right ||
			    (left->type == right->type &&
			     (left->type == PV_NONE ||
			      ((left->type == PV_BOOL) && left->i ==
			       right->i)));
			if (n->cmp.ops[i] == CMP_ISNOT)
				r = !r;
			break;
		default: {
			static const char *const names[] = {
				[CMP_LT] = "<", [CMP_LE] = "<=",
				[CMP_GT] = ">", [CMP_GE] = ">=",
			};
			int o = n->cmp.ops[i];
			if (left->type == PV_SET && right->type == PV_SET) {
				/* subset/superset */
				struct pv *small = (o == CMP_LT || o == CMP_LE)
					? left : right;
				struct pv *big = small == left ? right : left;
				r = 1;
				for (size_t k = 0; k < small->dict->n && r;
				     k++) {
					struct pv *key = small->dict->e[k].key;
					if (!key)
						continue;
					int in = pyx_contains(ev, big, key);
					if (in < 0)
						return NULL;
					r = in;
				}
				if (r && (o == CMP_LT || o == CMP_GT))
					r = small->dict->live <
					    big->dict->live;
				break;
			}
			int c = pyx_order(ev, left, right, names[o]);
			if (c == -2)
				return NULL;
			r = o == CMP_LT ? c < 0 : o == CMP_LE ? c <= 0 :
				o == CMP_GT ? c > 0 : c >= 0;
			break;
		}
		}
		if (!r)
			return PV_BOOLV(false);
		left = right;
	}
	return PV_BOOLV(true);
}

static struct pv *make_func(struct pyx_eval *ev, struct pyx_code *code,
			    struct pyx_frame *f)
{
	if (code->unavailable) {
		struct pv *u = pyx_new(ev, PV_UNAVAIL);
		u->unavail.name = code->name;
		u->unavail.reason = code->unavailable;
		return u;
	}
	struct pv *v = pyx_new(ev, PV_FUNC);
	v->func = pyx_alloc(ev->arena, sizeof(*v->func));
	v->func->code = code;
	v->func->env = f;
	v->func->globals = ev->globals;
	v->func->defaults = pyx_alloc(ev->arena, (code->ndefaults + 1) *
				      sizeof(struct pv *));
	for (unsigned i = 0; i < code->ndefaults; i++) {
		v->func->defaults[i] = pyx_eval_expr(ev, code->defaults[i], f);
		if (!v->func->defaults[i])
			return NULL;
	}
	return v;
}

static struct pv *eval_node(struct pyx_eval *ev, struct ast *n,
			    struct pyx_frame *f)
{
	struct pv *a, *b;
	switch (n->kind) {
	case A_CONST:
		return n->cval;
	case A_NAME:
		return load_name(ev, n, f);
	case A_ATTR:
		a = pyx_eval_expr(ev, n->attr.obj, f);
		return a ? pyx_getattr(ev, a, n->attr.attr) : NULL;
	case A_CALL:
		return eval_call(ev, n, f);
	case A_SUBSCRIPT:
		a = pyx_eval_expr(ev, n->bin.a, f);
		if (!a)
			return NULL;
		if (n->bin.b->kind == A_SLICE) {
			struct pv *lo = NULL, *hi = NULL, *st = NULL;
			struct ast *s = n->bin.b;
			if (s->slice.lo && !(lo = pyx_eval_expr(ev, s->slice.lo,
								f)))
				return NULL;
			if (s->slice.hi && !(hi = pyx_eval_expr(ev, s->slice.hi,
								f)))
				return NULL;
			if (s->slice.step &&
			    !(st = pyx_eval_expr(ev, s->slice.step, f)))
				return NULL;
			return do_slice(ev, a, lo, hi, st);
		}
		b = pyx_eval_expr(ev, n->bin.b, f);
		return b ? subscript(ev, a, b) : NULL;
	case A_SLICE:
		return pyx_raise(ev, EXC_TYPE, "a slice is only allowed "
				 "inside []");
	case A_BINOP:
		a = pyx_eval_expr(ev, n->bin.a, f);
		if (!a)
			return NULL;
		b = pyx_eval_expr(ev, n->bin.b, f);
		return b ? binop(ev, n->op, a, b) : NULL;
	case A_UNARY:
		a = pyx_eval_expr(ev, n->operand, f);
		if (!a)
			return NULL;
		if (!is_int(a))
			return pyx_raise(ev, EXC_TYPE, "bad operand type for "
				"unary %s: '%s'", n->op == OP_NEG ? "-" :
				n->op == OP_POS ? "+" : "~", pyx_typename(a));
		if (n->op == OP_NEG) {
			if (a->i == INT64_MIN)
				return overflow(ev);
			return pyx_int(ev, -a->i);
		}
		return pyx_int(ev, n->op == OP_POS ? a->i : ~a->i);
	case A_NOT:
		a = pyx_eval_expr(ev, n->operand, f);
		return a ? PV_BOOLV(!pyx_truth(a)) : NULL;
	case A_AND:
	case A_OR:
		a = PV_NONE_V;
		for (size_t i = 0; i < n->seq.n; i++) {
			a = pyx_eval_expr(ev, n->seq.items[i], f);
			if (!a)
				return NULL;
			bool t = pyx_truth(a);
			if (n->kind == A_AND ? !t : t)
				return a;
		}
		return a;
	case A_COMPARE:
		return eval_compare(ev, n, f);
	case A_IFEXP:
		a = pyx_eval_expr(ev, n->ifexp.cond, f);
		if (!a)
			return NULL;
		return pyx_eval_expr(ev, pyx_truth(a) ? n->ifexp.a :
				     n->ifexp.b, f);
	case A_LAMBDA:
		return make_func(ev, n->lambda, f);
	case A_LIST:
	case A_TUPLE:
	case A_SET:
	case A_DICT:
		return eval_seq(ev, n, f);
	case A_COMP:
		return eval_comp(ev, n, f);
	case A_FSTRING:
		return eval_fstring(ev, n, f);
	case A_STARRED:
		return pyx_raise(ev, EXC_TYPE, "can't use starred expression "
				 "here");
	case A_FIELD:
		break;
	}
	return pyx_raise(ev, EXC_RUNTIME, "internal error: bad node");
}

struct pv *pyx_eval_expr(struct pyx_eval *ev, struct ast *n,
			 struct pyx_frame *f)
{
	if (!pyx_step(ev)) {
		locate(ev, n->line, n->col);
		return NULL;
	}
	if (++ev->depth > ev->lim->max_depth * NEST_FACTOR) {
		ev->depth--;
		pyx_raise(ev, EXC_RECURSION, "expression nested too deeply");
		locate(ev, n->line, n->col);
		return NULL;
	}
	struct pv *r = eval_node(ev, n, f);
	/* every NULL carries an error: iteration's "no more" must not leak
	 * out of a node */
	assert(r || ev->failed);
	ev->depth--;
	if (!r)
		locate(ev, n->line, n->col);
	return r;
}

/* ---- statements ------------------------------------------------------------ */

enum flow { F_NORMAL, F_RETURN, F_BREAK, F_CONTINUE, F_ERROR };

static enum flow exec_block(struct pyx_eval *ev, struct stmt *s,
			    struct pyx_frame *f, struct pv **ret);

static bool del_target(struct pyx_eval *ev, struct ast *t,
		       struct pyx_frame *f)
{
	if (t->kind == A_TUPLE || t->kind == A_LIST) {
		for (size_t i = 0; i < t->seq.n; i++)
			if (!del_target(ev, t->seq.items[i], f))
				return false;
		return true;
	}
	if (t->kind == A_NAME) {
		if (t->name.scope == NS_LOCAL) {
			struct pyx_frame *fr = frame_up(f, t->name.depth);
			if (!fr || !fr->slots[t->name.slot]) {
				pyx_raise(ev, EXC_NAME, "name '%s' is not "
					  "defined", t->name.id);
				return false;
			}
			fr->slots[t->name.slot] = NULL;
			return true;
		}
		if (!ev->globals || ev->globals->frozen) {
			pyx_raise(ev, EXC_RUNTIME, "cannot delete global '%s'",
				  t->name.id);
			return false;
		}
		int r = pyx_dict_del(ev, ev->globals,
				     pyx_cstr(ev, t->name.id));
		if (r == 0)
			pyx_raise(ev, EXC_NAME, "name '%s' is not defined",
				  t->name.id);
		return r > 0;
	}
	/* subscript */
	struct pv *obj = pyx_eval_expr(ev, t->bin.a, f);
	struct pv *key = obj ? pyx_eval_expr(ev, t->bin.b, f) : NULL;
	if (!key)
		return false;
	if (!pyx_check_mutable(ev, obj))
		return false;
	if (obj->type == PV_DICT) {
		int r = pyx_dict_del(ev, obj, key);
		if (r == 0) {
			struct pv *rep = pyx_repr(ev, key);
			if (rep)
				pyx_raise(ev, EXC_KEY, "%s", rep->str.s);
		}
		return r > 0;
	}
	if (obj->type == PV_LIST) {
		int64_t i;
		if (!want_index(ev, obj, key, (int64_t)obj->seq.n, &i))
			return false;
		memmove(obj->seq.items + i, obj->seq.items + i + 1,
			(obj->seq.n - (size_t)i - 1) * sizeof(struct pv *));
		obj->seq.n--;
		return true;
	}
	pyx_raise(ev, EXC_TYPE, "'%s' object doesn't support item deletion",
		  pyx_typename(obj));
	return false;
}

static struct pv *load_target(struct pyx_eval *ev, struct ast *t,
			      struct pyx_frame *f)
{
	return pyx_eval_expr(ev, t, f);
}

static enum flow exec_stmt(struct pyx_eval *ev, struct stmt *s,
			   struct pyx_frame *f, struct pv **ret)
{
	struct pv *v;
	if (!pyx_step(ev))
		return F_ERROR;
	switch (s->kind) {
	case S_PASS:
		return F_NORMAL;
	case S_BREAK:
		return F_BREAK;
	case S_CONTINUE:
		return F_CONTINUE;
	case S_EXPR:
		return pyx_eval_expr(ev, s->value, f) ? F_NORMAL : F_ERROR;
	case S_ASSIGN:
		v = pyx_eval_expr(ev, s->value, f);
		if (!v)
			return F_ERROR;
		for (size_t i = 0; i < s->ntargets; i++)
			if (!store(ev, s->targets[i], v, f))
				return F_ERROR;
		return F_NORMAL;
	case S_AUGASSIGN: {
		struct pv *cur = load_target(ev, s->targets[0], f);
		if (!cur)
			return F_ERROR;
		v = pyx_eval_expr(ev, s->value, f);
		if (!v)
			return F_ERROR;
		struct pv *r;
		if (s->op == OP_ADD && cur->type == PV_LIST) {
			/* list += iterable extends in place */
			struct pv *l = pyx_to_list(ev, v);
			if (!l || !pyx_check_mutable(ev, cur))
				return F_ERROR;
			for (size_t i = 0; i < l->seq.n; i++)
				if (!pyx_list_append(ev, cur, l->seq.items[i]))
					return F_ERROR;
			r = cur;
		} else {
			r = binop(ev, s->op, cur, v);
		}
		if (!r || !store(ev, s->targets[0], r, f))
			return F_ERROR;
		return F_NORMAL;
	}
	case S_RETURN:
		*ret = s->value ? pyx_eval_expr(ev, s->value, f) : PV_NONE_V;
		return *ret ? F_RETURN : F_ERROR;
	case S_IF:
		v = pyx_eval_expr(ev, s->cond, f);
		if (!v)
			return F_ERROR;
		if (pyx_truth(v))
			return exec_block(ev, s->body, f, ret);
		return s->orelse ? exec_block(ev, s->orelse, f, ret) : F_NORMAL;
	case S_WHILE:
		for (;;) {
			v = pyx_eval_expr(ev, s->cond, f);
			if (!v)
				return F_ERROR;
			if (!pyx_truth(v))
				break;
			enum flow fl = exec_block(ev, s->body, f, ret);
			if (fl == F_BREAK)
				return F_NORMAL;
			if (fl == F_RETURN || fl == F_ERROR)
				return fl;
		}
		return s->orelse ? exec_block(ev, s->orelse, f, ret) : F_NORMAL;
	case S_FOR: {
		v = pyx_eval_expr(ev, s->value, f);
		if (!v)
			return F_ERROR;
		struct pyx_iter it;
		if (!pyx_iter_init(ev, v, &it))
			return F_ERROR;
		struct pv *x;
		while ((x = pyx_iter_next(ev, &it))) {
			if (!store(ev, s->targets[0], x, f))
				return F_ERROR;
			enum flow fl = exec_block(ev, s->body, f, ret);
			if (fl == F_BREAK)
				return F_NORMAL;
			if (fl == F_RETURN || fl == F_ERROR)
				return fl;
		}
		if (ev->failed)
			return F_ERROR;
		return s->orelse ? exec_block(ev, s->orelse, f, ret) : F_NORMAL;
	}
	case S_DEF:
		v = make_func(ev, s->def, f);
		return v && store(ev, s->bind, v, f) ? F_NORMAL : F_ERROR;
	case S_IMPORT:
		if (!strcmp(s->module, "re")) {
			v = pyx_builtin_lookup("re");
			if (s->attr) {
				v = pyx_getattr(ev, v, s->attr);
				if (!v) {
					pyx_clear_error(ev);
					pyx_raise(ev, "ImportError", "cannot "
						  "import name '%s' from 're'",
						  s->attr);
					return F_ERROR;
				}
			}
		} else {
			v = pyx_new(ev, PV_UNAVAIL);
			v->unavail.name = s->bind->name.id;
			v->unavail.reason = pyx_printf(ev->arena, "%s:%u:%u: "
				"import of module '%s' is not supported",
				ev->code->src->name, s->line, s->col,
				s->module);
		}
		return store(ev, s->bind, v, f) ? F_NORMAL : F_ERROR;
	case S_DEL:
		return del_target(ev, s->targets[0], f) ? F_NORMAL : F_ERROR;
	case S_ASSERT:
		v = pyx_eval_expr(ev, s->cond, f);
		if (!v)
			return F_ERROR;
		if (!pyx_truth(v)) {
			struct pv *m = s->msg ? pyx_eval_expr(ev, s->msg, f) :
				NULL;
			if (s->msg && !m)
				return F_ERROR;
			m = m ? pyx_tostr(ev, m) : NULL;
			if (s->msg && !m)
				return F_ERROR;
			pyx_raise(ev, EXC_ASSERT, "%s", m ? m->str.s : "");
			return F_ERROR;
		}
		return F_NORMAL;
	case S_RAISE: {
		if (!s->value) {
			pyx_raise(ev, EXC_RUNTIME, "No active exception to "
				  "reraise");
			return F_ERROR;
		}
		v = pyx_eval_expr(ev, s->value, f);
		if (!v)
			return F_ERROR;
		if (v->type == PV_TYPE && v->builtin->type == PV_EXC)
			v = pyx_call(ev, v, &(struct pyx_args){ 0 });
		if (!v)
			return F_ERROR;
		if (v->type != PV_EXC) {
			pyx_raise(ev, EXC_TYPE, "exceptions must derive from "
				  "BaseException");
			return F_ERROR;
		}
		struct pv *m = pyx_tostr(ev, v);
		if (!m)
			return F_ERROR;
		pyx_raise(ev, v->exc.type, "%s", m->str.s);
		ev->raised = v;
		return F_ERROR;
	}
	case S_SKIPPED:
		return F_NORMAL;
	}
	return F_NORMAL;
}

static enum flow exec_block(struct pyx_eval *ev, struct stmt *s,
			    struct pyx_frame *f, struct pv **ret)
{
	if (++ev->depth > ev->lim->max_depth * NEST_FACTOR) {
		ev->depth--;
		pyx_raise(ev, EXC_RECURSION, "statements nested too deeply");
		return F_ERROR;
	}
	enum flow fl = F_NORMAL;
	for (; s; s = s->next) {
		fl = exec_stmt(ev, s, f, ret);
		if (fl == F_ERROR)
			locate(ev, s->line, s->col);
		if (fl != F_NORMAL)
			break;
	}
	ev->depth--;
	return fl;
}

static struct pv *exec_body(struct pyx_eval *ev, const struct pyx_code *code,
			    struct pyx_frame *f)
{
	struct pv *ret = PV_NONE_V;
	enum flow fl = exec_block(ev, code->body, f, &ret);
	if (fl == F_ERROR)
		return NULL;
	if (fl == F_BREAK || fl == F_CONTINUE)
		return pyx_raise(ev, EXC_RUNTIME, "'break' or 'continue' "
				 "outside a loop");
	return fl == F_RETURN ? ret : PV_NONE_V;
}

int pyx_exec_module(struct pyx_eval *ev, struct stmt *body,
		    void (*skip)(void *arg, struct stmt *s,
				 struct pyx_eval *ev),
		    void *arg)
{
	for (struct stmt *s = body; s; s = s->next) {
		struct pv *ret = NULL;
		/* each top-level statement gets the full budget */
		ev->steps = 0;
		enum flow fl = s->kind == S_SKIPPED ? F_ERROR :
			exec_stmt(ev, s, NULL, &ret);
		if (fl == F_ERROR && s->kind != S_SKIPPED)
			locate(ev, s->line, s->col);
		if (fl == F_RETURN || fl == F_BREAK || fl == F_CONTINUE) {
			pyx_raise(ev, EXC_RUNTIME, "'%s' outside a function",
				  fl == F_RETURN ? "return" : "break");
			locate(ev, s->line, s->col);
			fl = F_ERROR;
		}
		if (fl == F_ERROR) {
			skip(arg, s, ev);
			pyx_clear_error(ev);
		}
	}
	return 0;
}
