/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration file: Python ConfigParser's INI dialect (SPEC 2.1) with
 * [DEFAULT], %(name)s interpolation and typed lookups, plus the schema of
 * every option we know (SPEC 2.2 and the later options of SPEC 10 that we
 * support) used to validate a file before anything touches network or
 * disk.
 *
 * Error strings are malloc'd (caller frees) and name the file, line,
 * section and option: "<file>:<line>: [<section>] <option>: <problem>".
 * A loaded config is read-only, so lookups are thread-safe; the mutating
 * calls (config_set, config_remove_option) belong to start-up. */
#ifndef OI_CONFIG_H
#define OI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* Parse `path`.  Returns NULL with *err_r on a read or syntax error
 * (missing section header, unparsable lines: all reported, each with its
 * line number). */
struct config *config_load(const char *path, char **err_r);
/* Same for text in memory; `name` is used as the file name in errors. */
struct config *config_parse(const char *name, const char *text, char **err_r);
void config_free(struct config **cfg);

/* The file name given to config_load/config_parse. */
const char *config_filename(const struct config *cfg);

/* -k [section:]option=value (SPEC 10): set an option, creating the section
 * if needed; section defaults to "general".  Errors (no '=') in *err_r. */
int config_apply_override(struct config *cfg, const char *spec, char **err_r);
/* Set an option directly (line 0 = "command line"). */
void config_set(struct config *cfg, const char *section, const char *option,
		const char *value);
/* Remove an option from a section (DEFAULT included).  -o uses it on
 * every section for "autorefresh". */
void config_remove_option(struct config *cfg, const char *section,
			  const char *option);

/* Sections in file order, DEFAULT excluded; NULL-terminated, owned by cfg. */
const char *const *config_sections(const struct config *cfg);
bool config_has_section(const struct config *cfg, const char *section);
/* True if set in the section or in [DEFAULT].  Option names are
 * case-insensitive. */
bool config_has_option(const struct config *cfg, const char *section,
		       const char *option);
/* Line where the effective value was set (0 = command line or default). */
unsigned config_line(const struct config *cfg, const char *section,
		     const char *option);

/* Lookups.  Each returns 1 when the option is set (value in *value_r),
 * 0 when it is not set anywhere (*value_r untouched, so callers may preset
 * a default), and -1 with *err_r on a bad value or failed interpolation. */
int config_get_raw(const struct config *cfg, const char *section,
		   const char *option, const char **value_r);
/* Interpolated (SPEC 2.1).  *value_r is owned by cfg and stays valid for
 * the life of cfg. */
int config_get(const struct config *cfg, const char *section,
	       const char *option, const char **value_r, char **err_r);
int config_get_bool(const struct config *cfg, const char *section,
		    const char *option, bool *value_r, char **err_r);
int config_get_int(const struct config *cfg, const char *section,
		   const char *option, long *value_r, char **err_r);
int config_get_float(const struct config *cfg, const char *section,
		     const char *option, double *value_r, char **err_r);
/* ~-expanded path, malloc'd into *value_r. */
int config_get_path(const struct config *cfg, const char *section,
		    const char *option, char **value_r, char **err_r);
/* Comma list with white space removed (strv, see util.h) into *value_r. */
int config_get_list(const struct config *cfg, const char *section,
		    const char *option, char ***value_r, char **err_r);

/* Check the whole file against the schema: every known option has a value
 * of its type; [general] accounts present (unless -a gave `accounts`);
 * every account named in `accounts` has its section; each account's
 * localrepository/remoterepository exist; repository types are Maildir or
 * IMAP (remote must be IMAP); mandatory options present; Python-expression
 * options are left to their evaluator.  Unknown options give a minor
 * warning through `warn` (may be NULL).  Returns 0, or -1 with the first
 * error in *err_r. */
int config_validate(const struct config *cfg, const char *const *accounts,
		    void (*warn)(const char *msg), char **err_r);

/* The schema, for documentation checks and the sample file test. */
enum config_type {
	CONFIG_STRING, CONFIG_BOOL, CONFIG_INT, CONFIG_FLOAT, CONFIG_PATH,
	CONFIG_LIST, CONFIG_PYEXPR, CONFIG_RAW,
};
enum config_section_kind {
	CONFIG_SEC_GENERAL, CONFIG_SEC_MBNAMES, CONFIG_SEC_ACCOUNT,
	CONFIG_SEC_REPOSITORY, CONFIG_SEC_REPO_MAILDIR, CONFIG_SEC_REPO_IMAP,
	CONFIG_SEC_UI,
};
struct config_option_info {
	enum config_section_kind section;
	const char *name;
	enum config_type type;
	const char *default_value;	/* NULL = unset/required */
	bool required;
	const char *help;		/* one sentence */
};
/* NULL-name-terminated table of every option we know. */
extern const struct config_option_info config_options[];

#endif
