/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Python-expression options (nametrans, folderfilter, folderincludes,
 * foldersort, mbnames header/sep/footer/folderfilter, remote*eval): a safe
 * evaluator for the subset of Python that configuration files use, with
 * Python-compatible regular expressions (PCRE2) and the pythonfile loader.
 *
 * The evaluator never opens files, runs processes or reaches the network;
 * only pyexpr_ctx_load_file() reads the one file it is given.  Every
 * evaluation is bounded (steps, nesting, memory, string size, regex match
 * and depth limits) and ends with a clear error when a bound is hit.
 *
 * Threads: create one context per process and load the pythonfile into it
 * before anything else.  After that, compiling and evaluating may happen
 * in any number of threads at once: each evaluation allocates its values
 * in a private arena, and the compiled values and the pythonfile's
 * definitions are frozen (a pythonfile function that tries to modify a
 * global list or dict gets an error).  The only shared mutable state, the
 * regex cache of the context, is locked.  An evaluation at the default
 * limits needs less than 256 KiB of stack.
 *
 * Errors are malloc'd strings (caller frees).  Compile errors read
 *   "<file>:<line>: [<section>] <option>: column <n>: <problem>"
 * and evaluation errors
 *   "<file>:<line>: [<section>] <option>: folder "<name>": <problem>"
 * where the folder part appears when the call names one, and <problem>
 * starts with the Python exception name ("TypeError: ...") and, for
 * errors inside a pythonfile function, ends with its location. */
#ifndef OI_PYEXPR_H
#define OI_PYEXPR_H

#include <stdbool.h>
#include <stddef.h>

struct pyexpr_ctx;
struct pyexpr;

/* Bounds on one evaluation (one call of a compiled value, or the initial
 * evaluation at compile time, or the execution of a pythonfile). */
struct pyexpr_limits {
	unsigned long max_steps;	/* expression nodes + loop iterations */
	unsigned max_depth;		/* nested calls and nested expressions */
	size_t max_memory;		/* bytes of values allocated */
	size_t max_string;		/* bytes in a string, items in a list */
	unsigned long regex_match_limit;	/* PCRE2 match limit */
	unsigned long regex_depth_limit;	/* PCRE2 depth limit */
	unsigned long regex_heap_kib;		/* PCRE2 heap limit */
};

/* The defaults: 5 million steps, depth 200, 64 MiB, 4 MiB strings,
 * PCRE2 match limit 1 million, depth limit 10000, heap 16 MiB. */
void pyexpr_default_limits(struct pyexpr_limits *limits_r);

/* A new context with the `re` module and the builtins; `limits` may be
 * NULL for the defaults.  Reference-counted: every compiled expression
 * holds a reference, so the caller may drop its own at any time. */
struct pyexpr_ctx *pyexpr_ctx_new(const struct pyexpr_limits *limits);
void pyexpr_ctx_unref(struct pyexpr_ctx **ctx);

/* Load the pythonfile (SPEC 2.3, section 9 row 22: once per process)
 * into the context's global names.  Call at most once, before compiling.
 * Statements outside the supported subset (imports other than `re`,
 * class, try, with, ...) are skipped by their indentation: the names they
 * would bind become unavailable (using one is an error naming the file,
 * line and column) and a warning is recorded.  A file that is not Python
 * at all (unbalanced brackets, bad indentation, unterminated strings, a
 * syntax error in a supported statement) fails with
 * "<path>:<line>:<column>: <problem>".  `display` is the name used in
 * messages (the path as the user wrote it); NULL means `path`. */
int pyexpr_ctx_load_file(struct pyexpr_ctx *ctx, const char *path,
			 const char *display, char **err_r);
/* Same for source text in memory; `name` is used in messages. */
int pyexpr_ctx_load_source(struct pyexpr_ctx *ctx, const char *name,
			   const char *text, char **err_r);
/* Warnings recorded while loading: NULL-terminated, owned by ctx. */
const char *const *pyexpr_ctx_warnings(const struct pyexpr_ctx *ctx);

/* Where an option's text came from, for messages.  Strings are copied. */
struct pyexpr_origin {
	const char *file;	/* configuration file; NULL = "<config>" */
	unsigned line;		/* line of the option; 0 = unknown */
	const char *section;	/* "Repository Remote"; may be NULL */
	const char *option;	/* "nametrans"; may be NULL */
};

/* Compile an option's text and evaluate it once (as Python's eval()
 * does): the value is kept, frozen, for the calls below.  Names that are
 * neither parameters, pythonfile globals nor builtins are errors here.
 * `text` may span lines (continuation lines joined with "\n"); line
 * numbers in messages then count from origin->line.  Returns NULL with
 * *err_r on a syntax error, an unsupported construct or an error in the
 * initial evaluation. */
struct pyexpr *pyexpr_compile(struct pyexpr_ctx *ctx, const char *text,
			      const struct pyexpr_origin *origin,
			      char **err_r);
/* Free after every evaluation of it has returned; NULL is fine. */
void pyexpr_free(struct pyexpr **e);

/* True when the value is callable. */
bool pyexpr_is_callable(const struct pyexpr *e);
/* Whether the callable accepts `nargs` positional arguments. */
bool pyexpr_accepts(const struct pyexpr *e, size_t nargs);

/* The value as a string (remotehosteval, mbnames header/sep/footer).  A
 * bytes value is taken byte for byte (Python 2 strings); anything else is
 * an error.  *value_r is malloc'd. */
int pyexpr_get_string(const struct pyexpr *e, char **value_r, char **err_r);

/* The value as an integer (remoteporteval); a string holding a decimal
 * number is accepted too. */
int pyexpr_get_int(const struct pyexpr *e, long *value_r, char **err_r);

/* The value as a list of strings (folderincludes): any iterable of
 * strings (a list, tuple, set, generator, ...) but not a single string.
 * *list_r is a NULL-terminated malloc'd strv (util.h strv_free). */
int pyexpr_get_strlist(const struct pyexpr *e, char ***list_r,
		       char **err_r);

/* Call the value with one string (nametrans): the result must be a
 * string (or bytes).  Errors name `arg` as the folder. */
int pyexpr_call_string(const struct pyexpr *e, const char *arg,
		       char **result_r, char **err_r);

/* Call the value with `nargs` strings (folderfilter: the folder name;
 * mbnames folderfilter: account and folder) and take the truth of the
 * result.  `folder` names the folder in errors (NULL = none). */
int pyexpr_call_bool(const struct pyexpr *e, const char *folder,
		     size_t nargs, const char *const *args, bool *result_r,
		     char **err_r);

/* Call a comparison function (foldersort) with two names; *result_r is
 * its sign (-1, 0, 1). */
int pyexpr_call_cmp(const struct pyexpr *e, const char *x, const char *y,
		    int *result_r, char **err_r);

/* Sort `names` in place, stably, with the value (foldersort): a callable
 * taking two arguments is a Python 2 cmp function; one taking a single
 * argument is a key function (Python 3 style) whose results are compared
 * as Python compares them.  On error `names` keeps its original order. */
int pyexpr_sort(const struct pyexpr *e, char **names, size_t n,
		char **err_r);

/* Python's `fmt % mapping` with string keys and values (mbnames peritem:
 * "%(accountname)s/%(foldername)s").  *result_r is malloc'd; errors (a
 * missing key, a bad conversion) in *err_r as "KeyError: 'x'" etc. */
int pyexpr_format_mapping(const char *fmt, size_t n, const char *const *keys,
			  const char *const *values, char **result_r,
			  char **err_r);

/* For tests and debugging: call the value with `nargs` strings (nargs 0
 * with call = false: the value itself) and give Python's repr() of the
 * result. */
int pyexpr_eval_repr(const struct pyexpr *e, bool call, size_t nargs,
		     const char *const *args, char **repr_r, char **err_r);

#endif
