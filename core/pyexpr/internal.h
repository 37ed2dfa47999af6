/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the Python-subset evaluator shared by its source files:
 * arenas, values, the syntax tree, the evaluation state and the helpers
 * each file offers the others.  Not for use outside core/pyexpr/. */
#ifndef OI_PYEXPR_INTERNAL_H
#define OI_PYEXPR_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyexpr/pyexpr.h"

/* ---- arena.c: bump allocation, freed all at once ------------------- */

struct pyx_chunk;
struct pyx_cleanup;

struct pyx_arena {
	struct pyx_chunk *chunks;	/* newest first */
	struct pyx_cleanup *cleanups;	/* newest first */
	size_t total;			/* bytes handed out */
	size_t limit;			/* 0 = none */
	bool exhausted;			/* total went over limit */
};

struct pyx_mark {
	struct pyx_chunk *chunk;
	struct pyx_chunk *next;		/* chunk->next then */
	size_t used;
	size_t total;
	struct pyx_cleanup *cleanups;
};

void pyx_arena_init(struct pyx_arena *a, size_t limit);
/* Zeroed memory; never NULL (out of memory aborts).  Going over the limit
 * only sets `exhausted`: the evaluator checks it at its next step. */
void *pyx_alloc(struct pyx_arena *a, size_t n);
char *pyx_strndup(struct pyx_arena *a, const char *s, size_t n);
char *pyx_strdup(struct pyx_arena *a, const char *s);
char *pyx_printf(struct pyx_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Run fn(p) when the arena is released or rewound past this point. */
void pyx_arena_on_free(struct pyx_arena *a, void (*fn)(void *), void *p);
void pyx_arena_mark(struct pyx_arena *a, struct pyx_mark *m_r);
void pyx_arena_rewind(struct pyx_arena *a, const struct pyx_mark *m);
void pyx_arena_release(struct pyx_arena *a);

/* ---- unicode.c ------------------------------------------------------ */

/* UTF-8 with invalid bytes kept: a byte that does not start a valid
 * sequence decodes to U+DC80..U+DCFF (Python's surrogateescape) and
 * encodes back to itself. */
uint32_t pyx_utf8_next(const char *s, size_t len, size_t *pos);
size_t pyx_utf8_put(uint32_t cp, char *out);	/* out: 4 bytes */
size_t pyx_utf8_count(const char *s, size_t len);
/* Byte offset of code point index `cp` (clamped to len). */
size_t pyx_utf8_offset(const char *s, size_t len, size_t ncp, size_t cp);
bool pyx_uni_isspace(uint32_t c);
bool pyx_uni_isprintable(uint32_t c);
bool pyx_uni_isalpha(uint32_t c);
bool pyx_uni_isdecimal(uint32_t c);
bool pyx_uni_isdigit(uint32_t c);
bool pyx_uni_isnumeric(uint32_t c);
bool pyx_uni_isalnum(uint32_t c);
bool pyx_uni_isupper(uint32_t c);
bool pyx_uni_islower(uint32_t c);
bool pyx_uni_istitle(uint32_t c);
bool pyx_uni_isidstart(uint32_t c);
bool pyx_uni_isidcont(uint32_t c);
uint32_t pyx_uni_tolower(uint32_t c);
uint32_t pyx_uni_toupper(uint32_t c);

/* ---- values --------------------------------------------------------- */

enum pv_type {
	PV_NONE, PV_BOOL, PV_INT, PV_STR, PV_BYTES, PV_LIST, PV_TUPLE,
	PV_DICT, PV_SET, PV_RANGE, PV_FUNC, PV_BUILTIN, PV_METHOD, PV_TYPE,
	PV_MODULE, PV_PATTERN, PV_MATCH, PV_GEN, PV_EXC, PV_UNAVAIL,
	PV_NTYPES
};

struct pv;
struct pyx_eval;
struct pyx_args;

typedef struct pv *(*pyx_fn)(struct pyx_eval *ev, struct pv *self,
			     struct pyx_args *a);

/* A builtin function, method or type.  For methods, `self` is the bound
 * object; for types, `type` is what isinstance() checks. */
struct pyx_builtin {
	const char *name;
	pyx_fn fn;
	short min, max;		/* positional arguments (max -1: any) */
	short type;		/* enum pv_type of a type object */
	const char *const *kw;	/* keywords accepted (NULL: none) */
};

struct pyx_dentry {
	struct pv *key;		/* NULL: deleted */
	struct pv *value;	/* NULL for sets */
	uint64_t hash;
};

struct pyx_dict {
	struct pyx_dentry *e;
	size_t n, live, cap;	/* n entries used (with deleted ones) */
	uint32_t *index;	/* open addressing: entry + 1, 0 = free */
	size_t icap;		/* power of two */
};

struct pyx_frame {
	struct pyx_frame *parent;
	struct pv **slots;
	unsigned n;
	bool frozen;
};

struct pyx_code;
struct pyx_pattern;
struct pyx_match;
struct pyx_gen;

struct pyx_func {
	const struct pyx_code *code;
	struct pyx_frame *env;		/* enclosing frame (closure) */
	struct pv **defaults;		/* code->ndefaults values */
	struct pv *globals;		/* PV_DICT */
};

struct pyx_module {
	const char *name;
	struct pv *(*getattr)(struct pyx_eval *ev, const char *name);
};

struct pv {
	uint8_t type;
	bool frozen;		/* shared between threads: never modified */
	union {
		int64_t i;				/* BOOL, INT */
		struct {
			const char *s;
			size_t len;		/* bytes */
			size_t ncp;		/* code points (BYTES: len) */
		} str;					/* STR, BYTES */
		struct {
			struct pv **items;
			size_t n, cap;
		} seq;					/* LIST, TUPLE */
		struct pyx_dict *dict;			/* DICT, SET */
		struct {
			int64_t start, stop, step;
		} range;
		struct pyx_func *func;
		const struct pyx_builtin *builtin;	/* BUILTIN, TYPE */
		struct {
			struct pv *self;	/* NULL: unbound (str.lower) */
			const struct pyx_builtin *fn;
		} method;
		const struct pyx_module *module;
		struct pyx_pattern *pat;
		struct pyx_match *match;
		struct pyx_gen *gen;
		struct {
			const char *type;	/* "ValueError" */
			struct pv *args;	/* tuple */
		} exc;
		struct {
			const char *name;
			const char *reason;	/* with file:line:col */
		} unavail;
	};
};

extern struct pv pyx_none, pyx_true, pyx_false;
#define PV_NONE_V (&pyx_none)
#define PV_BOOLV(b) ((b) ? &pyx_true : &pyx_false)

/* ---- syntax tree ---------------------------------------------------- */

enum ast_kind {
	A_CONST, A_NAME, A_ATTR, A_CALL, A_SUBSCRIPT, A_SLICE, A_BINOP,
	A_UNARY, A_NOT, A_AND, A_OR, A_COMPARE, A_IFEXP, A_LAMBDA, A_LIST,
	A_TUPLE, A_DICT, A_SET, A_COMP, A_FSTRING, A_FIELD, A_STARRED,
};

enum binop {
	OP_ADD, OP_SUB, OP_MUL, OP_FLOORDIV, OP_MOD, OP_POW, OP_LSHIFT,
	OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR, OP_TRUEDIV, OP_MATMUL,
};
enum unop { OP_NEG, OP_POS, OP_INVERT };
enum cmpop {
	CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN,
	CMP_IS, CMP_ISNOT,
};
/* Name binding kinds after resolution. */
enum name_scope { NS_UNRESOLVED, NS_LOCAL, NS_GLOBAL };

struct ast;
struct pyx_comp;

struct ast {
	uint8_t kind;
	uint8_t op;
	unsigned line, col;
	union {
		struct pv *cval;			/* CONST */
		struct {
			const char *id;
			uint8_t scope;
			unsigned depth, slot;	/* LOCAL: frames up, index */
			struct pv *fixed;	/* resolved global (exprs) */
		} name;
		struct {
			struct ast *obj;
			const char *attr;
		} attr;
		struct {
			struct ast *fn;
			struct ast **args;
			const char **kw;	/* per arg: NULL, name, "*", "**" */
			size_t n;
		} call;
		struct {
			struct ast *a, *b;
		} bin;					/* BINOP, SUBSCRIPT */
		struct ast *operand;			/* UNARY, NOT, STARRED */
		struct {
			struct ast **items;
			size_t n;
		} seq;	/* LIST TUPLE SET DICT(k,v pairs) AND OR FSTRING */
		struct {
			struct ast *first;
			struct ast **rest;
			uint8_t *ops;
			size_t n;
		} cmp;
		struct {
			struct ast *cond, *a, *b;
		} ifexp;
		struct {
			struct ast *lo, *hi, *step;
		} slice;
		struct pyx_code *lambda;
		struct pyx_comp *comp;
		struct {
			struct ast *value;
			char conv;		/* 0, 's', 'r', 'a' */
			struct ast *spec;	/* FSTRING or NULL */
		} field;
	};
};

enum comp_kind { COMP_LIST, COMP_SET, COMP_DICT, COMP_GEN };

struct pyx_compfor {
	struct ast *target;
	struct ast *iter;
	struct ast **conds;
	size_t nconds;
};

struct pyx_comp {
	uint8_t kind;
	struct ast *elt, *val;		/* val: dict comprehensions */
	struct pyx_compfor *fors;
	size_t nfors;
	unsigned nslots;
	const char **slotnames;
};

enum stmt_kind {
	S_EXPR, S_ASSIGN, S_AUGASSIGN, S_RETURN, S_IF, S_FOR, S_WHILE,
	S_BREAK, S_CONTINUE, S_PASS, S_DEF, S_IMPORT, S_DEL, S_ASSERT,
	S_RAISE, S_SKIPPED,
};

struct stmt {
	uint8_t kind;
	uint8_t op;			/* AUGASSIGN: enum binop */
	unsigned line, col;
	struct stmt *next;
	struct ast **targets;		/* ASSIGN (chained), FOR, DEL */
	size_t ntargets;
	struct ast *value;		/* ASSIGN, AUG, RETURN, FOR iter, ... */
	struct ast *cond;		/* IF, WHILE, ASSERT */
	struct ast *msg;		/* ASSERT */
	struct stmt *body, *orelse;
	struct pyx_code *def;		/* DEF */
	struct ast *bind;		/* DEF, IMPORT: the name bound */
	const char *module;		/* IMPORT: "re", or skipped module */
	const char *attr;		/* IMPORT from: attribute */
	const char *reason;		/* SKIPPED, IMPORT of other modules */
	const char **names;		/* SKIPPED: names it binds */
	size_t nnames;
};

struct pyx_source {
	const char *name;		/* file name for messages */
	bool is_file;			/* pythonfile (line:col) or option */
	unsigned line0;			/* option: its line in the config */
};

/* A lambda, a def or the top level of an expression or module. */
struct pyx_code {
	const char *name;		/* "<lambda>", def name */
	const struct pyx_source *src;
	unsigned line, col;
	unsigned nparams;		/* positional parameters */
	unsigned ndefaults;		/* for the last ndefaults params */
	struct ast **defaults;
	int vararg, kwarg;		/* slot of *args / **kw, or -1 */
	unsigned nslots;		/* params first, then locals */
	const char **slotnames;
	struct ast *expr;		/* lambda body */
	struct stmt *body;		/* def body */
	bool is_def;
	const char *unavailable;	/* def body outside the subset */
};

/* ---- evaluation state ----------------------------------------------- */

struct pyexpr_ctx {
	int refs;			/* atomic */
	struct pyexpr_limits lim;
	struct pyx_arena arena;		/* the pythonfile and its values */
	struct pv *globals;		/* PV_DICT, frozen after load */
	bool loaded;
	char **warnings;
	size_t nwarnings;
	pthread_mutex_t re_lock;	/* guards the regex cache */
	struct pyx_recache *recache;
};

/* Exception kinds (the Python class names) for errors. */
#define EXC_TYPE "TypeError"
#define EXC_VALUE "ValueError"
#define EXC_KEY "KeyError"
#define EXC_INDEX "IndexError"
#define EXC_NAME "NameError"
#define EXC_ATTR "AttributeError"
#define EXC_ZERO "ZeroDivisionError"
#define EXC_OVERFLOW "OverflowError"
#define EXC_RECURSION "RecursionError"
#define EXC_MEMORY "MemoryError"
#define EXC_RUNTIME "RuntimeError"
#define EXC_RE "re.error"
#define EXC_UNICODE_ENC "UnicodeEncodeError"
#define EXC_UNICODE_DEC "UnicodeDecodeError"
#define EXC_LOOKUP "LookupError"
#define EXC_STOP "StopIteration"
#define EXC_ASSERT "AssertionError"
#define EXC_UNBOUND "UnboundLocalError"
#define EXC_UNAVAILABLE "Unavailable"
#define EXC_LIMIT "LimitExceeded"

struct pyx_eval {
	struct pyexpr_ctx *ctx;
	struct pyx_arena *arena;
	const struct pyexpr_limits *lim;
	unsigned long steps;
	unsigned depth;			/* C nesting of the evaluator */
	unsigned calls;			/* nested Python-level calls */
	const struct pyx_code *code;	/* innermost running code */
	struct pv *globals;		/* of the innermost code */
	/* the error, once raised */
	bool failed;
	const char *exc;		/* EXC_* */
	char *msg;			/* arena */
	unsigned err_line, err_col;
	const struct pyx_code *err_code;	/* where it happened */
	const struct pyx_code *err_pyfunc;	/* innermost pythonfile code */
	unsigned pyfunc_line, pyfunc_col;
	struct pv *raised;		/* PV_EXC from raise, or NULL */
};

struct pyx_args {
	struct pv **pos;
	size_t n;
	const char **kwn;
	struct pv **kwv;
	size_t nkw;
};

/* ---- eval.c ---------------------------------------------------------- */

void pyx_eval_init(struct pyx_eval *ev, struct pyexpr_ctx *ctx,
		   struct pyx_arena *arena, struct pv *globals);
/* Record an error (returns NULL so callers can `return pyx_raise(...)`). */
struct pv *pyx_raise(struct pyx_eval *ev, const char *exc, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* One unit of work: counts the step, checks the step and memory limits. */
bool pyx_step(struct pyx_eval *ev);
struct pv *pyx_eval_expr(struct pyx_eval *ev, struct ast *n,
			 struct pyx_frame *f);
struct pv *pyx_call(struct pyx_eval *ev, struct pv *fn, struct pyx_args *a);
struct pv *pyx_call1(struct pyx_eval *ev, struct pv *fn, struct pv *x);
struct pv *pyx_call2(struct pyx_eval *ev, struct pv *fn, struct pv *x,
		     struct pv *y);
/* Run module statements with ev->globals; top-level errors of a
 * statement are reported through `skip` (the loader decides). */
int pyx_exec_module(struct pyx_eval *ev, struct stmt *body,
		    void (*skip)(void *arg, struct stmt *s,
				 struct pyx_eval *ev),
		    void *arg);
/* Message of the current error: "Type: msg (in f at file:l:c)". */
char *pyx_error_text(struct pyx_eval *ev);
void pyx_clear_error(struct pyx_eval *ev);
/* Whether a callable accepts n positional args. */
bool pyx_accepts(struct pv *fn, size_t n);

/* ---- value.c --------------------------------------------------------- */

struct pv *pyx_new(struct pyx_eval *ev, uint8_t type);
struct pv *pyx_int(struct pyx_eval *ev, int64_t i);
/* A str from UTF-8 bytes (copied / taken as is: `s` must live in the
 * arena or be static). */
struct pv *pyx_str(struct pyx_eval *ev, const char *s, size_t len);
struct pv *pyx_str_take(struct pyx_eval *ev, const char *s, size_t len);
struct pv *pyx_cstr(struct pyx_eval *ev, const char *s);
struct pv *pyx_bytes_take(struct pyx_eval *ev, const char *s, size_t len);
struct pv *pyx_list(struct pyx_eval *ev, size_t cap);
struct pv *pyx_tuple(struct pyx_eval *ev, size_t n);	/* n NULL items */
struct pv *pyx_tuple2(struct pyx_eval *ev, struct pv *a, struct pv *b);
struct pv *pyx_dict(struct pyx_eval *ev);
struct pv *pyx_set(struct pyx_eval *ev);
struct pv *pyx_method(struct pyx_eval *ev, struct pv *self,
		      const struct pyx_builtin *fn);
/* A string that stays below the size limit (checks, raises). */
bool pyx_check_size(struct pyx_eval *ev, size_t n);
bool pyx_list_append(struct pyx_eval *ev, struct pv *list, struct pv *v);
bool pyx_check_mutable(struct pyx_eval *ev, struct pv *v);

const char *pyx_typename(const struct pv *v);
bool pyx_truth(const struct pv *v);
/* -1 error, 0 false, 1 true */
int pyx_eq(struct pyx_eval *ev, struct pv *a, struct pv *b);
/* Three-way ordering for <, sorting and cmp(); -2 on error. */
int pyx_order(struct pyx_eval *ev, struct pv *a, struct pv *b,
	      const char *opname);
bool pyx_hash(struct pyx_eval *ev, struct pv *v, uint64_t *h_r);
/* dict/set; lookups return NULL (no error) when missing unless failed */
struct pv *pyx_dict_get(struct pyx_eval *ev, struct pv *d, struct pv *key);
bool pyx_dict_set(struct pyx_eval *ev, struct pv *d, struct pv *key,
		  struct pv *value);
/* 1 deleted, 0 missing, -1 error */
int pyx_dict_del(struct pyx_eval *ev, struct pv *d, struct pv *key);
/* Lookup by C string key (globals). */
struct pv *pyx_dict_gets(struct pv *d, const char *key);
void pyx_dict_sets(struct pyx_eval *ev, struct pv *d, const char *key,
		   struct pv *value);
/* Contains: -1 error */
int pyx_contains(struct pyx_eval *ev, struct pv *container, struct pv *x);

/* repr() and str(), in the arena. */
struct pv *pyx_repr(struct pyx_eval *ev, struct pv *v);
struct pv *pyx_tostr(struct pyx_eval *ev, struct pv *v);
/* Freeze a value graph (shared between threads from now on). */
void pyx_freeze(struct pv *v);
void pyx_freeze_frame(struct pyx_frame *f);

/* Iteration. */
struct pyx_iter {
	struct pv *src;
	size_t i;
	int64_t cur;		/* ranges */
};
bool pyx_iter_init(struct pyx_eval *ev, struct pv *v, struct pyx_iter *it);
/* Next item, or NULL: at the end (ev->failed false) or on error. */
struct pv *pyx_iter_next(struct pyx_eval *ev, struct pyx_iter *it);
/* The whole iterable as a new list. */
struct pv *pyx_to_list(struct pyx_eval *ev, struct pv *v);
/* Stable merge sort of items with an optional key and cmp function. */
bool pyx_sort(struct pyx_eval *ev, struct pv **items, size_t n,
	      struct pv *key, struct pv *cmpfn, bool reverse);
int64_t pyx_range_len(const struct pv *r);

/* Generators (eval.c). */
struct pv *pyx_gen_next(struct pyx_eval *ev, struct pv *gen);

/* ---- builtins.c ------------------------------------------------------ */

/* Builtin by name (NULL if none); the `re` module included. */
struct pv *pyx_builtin_lookup(const char *name);
/* Attribute of a value: bound methods, match/pattern attributes. */
struct pv *pyx_getattr(struct pyx_eval *ev, struct pv *obj,
		       const char *name);
/* Argument checking for builtins: positional counts, allowed keywords
 * (NULL-terminated list, or NULL for none). */
bool pyx_args_check(struct pyx_eval *ev, struct pyx_args *a,
		    const char *fname, size_t min, size_t max,
		    const char *const *kw);
struct pv *pyx_arg_kw(struct pyx_args *a, const char *name);
/* Argument i, positional or by keyword name (may be NULL). */
struct pv *pyx_arg(struct pyx_args *a, size_t i, const char *name);
bool pyx_want_int(struct pyx_eval *ev, struct pv *v, const char *what,
		  int64_t *i_r);
bool pyx_want_str(struct pyx_eval *ev, struct pv *v, const char *what);
/* Index arithmetic: Python's slice.indices(). */
void pyx_slice_indices(int64_t len, struct pv *lo, struct pv *hi,
		       int64_t step, int64_t *start_r, int64_t *stop_r,
		       int64_t *n_r);
struct pv *pyx_type_of(const struct pv *v);

/* ---- strmethods.c ---------------------------------------------------- */

struct pv *pyx_str_getattr(struct pyx_eval *ev, struct pv *s,
			   const char *name);
struct pv *pyx_bytes_getattr(struct pyx_eval *ev, struct pv *s,
			     const char *name);
/* Unbound str methods for `str.lower` etc. */
const struct pyx_builtin *pyx_str_method(const char *name);
/* fmt % args */
struct pv *pyx_str_mod(struct pyx_eval *ev, struct pv *fmt, struct pv *args);
/* ascii() */
struct pv *pyx_ascii(struct pyx_eval *ev, struct pv *v);
/* format(value, spec) */
struct pv *pyx_format(struct pyx_eval *ev, struct pv *v, struct pv *spec);
struct pv *pyx_str_index(struct pyx_eval *ev, struct pv *s, int64_t i);
struct pv *pyx_str_slice(struct pyx_eval *ev, struct pv *s, int64_t start,
			 int64_t n, int64_t step);
struct pv *pyx_str_concat(struct pyx_eval *ev, struct pv *a, struct pv *b);
struct pv *pyx_str_repeat(struct pyx_eval *ev, struct pv *s, int64_t k);
/* Python str.__contains__ */
bool pyx_str_find(const struct pv *hay, const struct pv *needle);
struct pv *pyx_str_join(struct pyx_eval *ev, struct pv *sep,
			struct pv *iterable);
struct pv *pyx_int_parse(struct pyx_eval *ev, struct pv *s, int64_t base);

/* ---- re.c ------------------------------------------------------------ */

extern const struct pyx_module pyx_re_module;
struct pv *pyx_pattern_getattr(struct pyx_eval *ev, struct pv *p,
			       const char *name);
struct pv *pyx_match_getattr(struct pyx_eval *ev, struct pv *m,
			     const char *name);
struct pv *pyx_match_group(struct pyx_eval *ev, struct pv *m, struct pv *g);
struct pv *pyx_pattern_repr(struct pyx_eval *ev, struct pv *p);
struct pv *pyx_match_repr(struct pyx_eval *ev, struct pv *m);
void pyx_recache_free(struct pyexpr_ctx *ctx);

/* ---- lexer.c / parser.c ---------------------------------------------- */

enum tok_kind {
	T_EOF, T_NAME, T_INT, T_STR, T_OP, T_NEWLINE, T_INDENT, T_DEDENT,
	T_BAD,		/* valid Python outside the subset: text says why */
};

enum str_flags {
	SF_BYTES = 1, SF_RAW = 2, SF_FSTRING = 4,
};

struct token {
	uint8_t kind;
	uint8_t flags;		/* T_STR: enum str_flags */
	unsigned line, col;
	const char *text;	/* NAME, OP: the text; STR: decoded value or
				 * the raw body of an f-string */
	size_t len;
	int64_t ival;		/* INT */
	unsigned body_line, body_col;	/* STR: where the body starts */
};

/* Parse errors: SYNTAX (not Python) or UNSUPPORTED (Python outside the
 * subset). */
enum perr_kind { PERR_NONE, PERR_SYNTAX, PERR_UNSUPPORTED };

struct pyx_lexer {
	struct pyx_arena *arena;
	const char *src;
	size_t len, pos;
	unsigned line;
	size_t line_start;
	size_t col_line_start, col_pos;	/* lx_col() cache */
	unsigned col_val;
	bool file_mode;		/* INDENT/DEDENT */
	unsigned line_off, col_off;	/* sub-lexers (f-strings) */
	int depth;		/* bracket nesting */
	char brackets[200];
	unsigned blines[200], bcols[200];
	unsigned indents[100];
	int nindent;
	int pending_dedents;
	bool at_line_start;
	struct token *toks;
	size_t ntoks, cap;
	/* error */
	enum perr_kind err;
	char *errmsg;
	unsigned errline, errcol;
};

int pyx_tokenize(struct pyx_lexer *lx);
/* Decode a string body per t->flags into t->text/t->len. */
int pyx_lex_decode(struct pyx_lexer *lx, struct token *t, const char *body,
		   size_t n, unsigned line, unsigned col);

struct pyx_parser {
	struct pyx_arena *arena;
	const struct pyx_source *src;
	struct token *toks;
	size_t ntoks, pos;
	int depth;		/* nesting, bounded */
	int max_depth;
	enum perr_kind err;
	char *errmsg;
	unsigned errline, errcol;
	unsigned line_off, col_off;
};

/* Parse an option's text into a top-level code (expr set). */
struct pyx_code *pyx_parse_expr(struct pyx_arena *arena,
				const struct pyx_source *src,
				const char *text, struct pyx_parser *p_r);
/* Parse a whole pythonfile into a statement list; NULL on error (p_r).
 * Unsupported top-level statements become S_SKIPPED. */
struct pyx_code *pyx_parse_module(struct pyx_arena *arena,
				  const struct pyx_source *src,
				  const char *text, struct pyx_parser *p_r);
/* Resolve names in `code`; `globals` (frozen, may be NULL) lets config
 * expressions bind their globals now.  Returns false with p_r set on an
 * undefined name (expressions only). */
bool pyx_resolve(struct pyx_parser *p, struct pyx_code *code,
		 struct pv *globals, bool strict);

#endif
