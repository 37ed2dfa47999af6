/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration file: an INI reader that follows Python ConfigParser's
 * rules as OfflineIMAP 4.0 used them, %(name)s interpolation, typed
 * lookups, -k overrides, and validation against the option schema. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tls.h"
#include "util.h"

/* ConfigParser's MAX_INTERPOLATION_DEPTH. */
#define INTERP_MAX_DEPTH 10
/* A value may refer to itself several times per round; without a cap ten
 * rounds of doubling would exhaust memory long before the depth error. */
#define INTERP_MAX_LEN (1024 * 1024)
/* Widths in "%(x)99999999s" would have us allocate gigabytes. */
#define INTERP_MAX_WIDTH 10000

struct cfg_option {
	char *name;		/* lower-cased */
	char *value;		/* raw, as read (continuations joined) */
	unsigned line;		/* line of the value; 0 = command line */
};

struct cfg_section {
	char *name;
	unsigned line;		/* first header; 0 = made by config_set */
	struct cfg_option *opts;	/* in order of first appearance */
	size_t n_opts, cap_opts;
};

/* Strings handed out by lookups that must outlive later changes: values
 * replaced or removed at start-up, and interpolation results. */
struct cfg_kept {
	struct cfg_kept *next;
	char *s;
};

struct config {
	char *filename;
	struct cfg_section defaults;	/* [DEFAULT] */
	struct cfg_section **sections;	/* file order, never moved */
	size_t n_sections, cap_sections;
	const char **names;		/* NULL-terminated section names */
	pthread_mutex_t lock;		/* guards `kept` during lookups */
	struct cfg_kept *kept;
};

/* ---- small helpers ---------------------------------------------------- */

/* Python 2's str.isspace() in the C locale, which is what ConfigParser's
 * strip(), split() and \s used. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char *lower_dup(const char *s, size_t n)
{
	char *p = xstrndup(s, n);
	for (char *q = p; *q; q++)
		*q = ascii_lower(*q);
	return p;
}

static bool ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

/* Copy of s[0..n) without surrounding white space. */
static char *strip_dup(const char *s, size_t n)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* 'value' for error messages: control characters escaped, long values
 * shortened, so one error stays one readable line. */
static char *quote_value(const char *v)
{
	struct strbuf sb;
	size_t n = 0;

	strbuf_init(&sb);
	strbuf_addch(&sb, '\'');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (++n > 60) {
			strbuf_addstr(&sb, "...");
			break;
		}
		if (*p == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(&sb, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(&sb, "\\x%02x", *p);
		else
			strbuf_addch(&sb, (char)*p);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb);
}

/* "<file>:<line>" for a value, or "command line" for one set there. */
static char *value_where(const struct config *cfg, unsigned line)
{
	if (!line)
		return xstrdup("command line");
	return xasprintf("%s:%u", cfg->filename, line);
}

/* "<file>:<line>" of a section header, or just "<file>". */
static char *section_where(const struct config *cfg, unsigned line)
{
	if (!line)
		return xstrdup(cfg->filename);
	return xasprintf("%s:%u", cfg->filename, line);
}

static char *option_error(const struct config *cfg, unsigned line,
			  const char *section, const char *option,
			  const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static char *option_error(const struct config *cfg, unsigned line,
			  const char *section, const char *option,
			  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *problem = xvasprintf(fmt, ap);
	va_end(ap);
	char *where = value_where(cfg, line);
	char *msg = xasprintf("%s: [%s] %s: %s", where, section, option,
			      problem);
	free(where);
	free(problem);
	return msg;
}

/* Keep a string alive until config_free.  Caller holds the lock when
 * lookups may run concurrently. */
static void keep(struct config *cfg, char *s)
{
	struct cfg_kept *k = xmalloc(sizeof(*k));
	k->s = s;
	k->next = cfg->kept;
	cfg->kept = k;
}

/* ---- sections and options --------------------------------------------- */

static struct cfg_section *find_section(const struct config *cfg,
					const char *name)
{
	for (size_t i = 0; i < cfg->n_sections; i++)
		if (strcmp(cfg->sections[i]->name, name) == 0)
			return cfg->sections[i];
	return NULL;
}

/* The section a lookup means: [DEFAULT] itself, a named one, or NULL. */
static const struct cfg_section *lookup_section(const struct config *cfg,
						const char *name)
{
	if (!name || !*name || strcmp(name, "DEFAULT") == 0)
		return &cfg->defaults;
	return find_section(cfg, name);
}

static struct cfg_section *add_section(struct config *cfg, const char *name,
				       unsigned line)
{
	struct cfg_section *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	s->line = line;
	if (cfg->n_sections == cfg->cap_sections) {
		cfg->cap_sections = cfg->cap_sections ? 2 * cfg->cap_sections
						      : 8;
		cfg->sections = xrealloc(cfg->sections, cfg->cap_sections *
					 sizeof(*cfg->sections));
		cfg->names = xrealloc(cfg->names, (cfg->cap_sections + 1) *
				      sizeof(*cfg->names));
	}
	cfg->sections[cfg->n_sections] = s;
	cfg->names[cfg->n_sections] = s->name;
	cfg->n_sections++;
	cfg->names[cfg->n_sections] = NULL;
	return s;
}

/* `name` must be lower-case already. */
static struct cfg_option *find_option(const struct cfg_section *s,
				      const char *name)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (strcmp(s->opts[i].name, name) == 0)
			return &s->opts[i];
	return NULL;
}

static struct cfg_option *find_option_ci(const struct cfg_section *s,
					 const char *name)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (ascii_caseeq(s->opts[i].name, name))
			return &s->opts[i];
	return NULL;
}

/* Set name (lower-cased by the caller) to value, taking ownership of both.
 * A replaced value is kept, not freed: a lookup may still point at it. */
static size_t set_option(struct config *cfg, struct cfg_section *s,
			 char *name, char *value, unsigned line)
{
	struct cfg_option *o = find_option(s, name);
	if (o) {
		free(name);
		keep(cfg, o->value);
		o->value = value;
		o->line = line;
		return (size_t)(o - s->opts);
	}
	if (s->n_opts == s->cap_opts) {
		s->cap_opts = s->cap_opts ? 2 * s->cap_opts : 8;
		s->opts = xrealloc(s->opts, s->cap_opts * sizeof(*s->opts));
	}
	o = &s->opts[s->n_opts];
	o->name = name;
	o->value = value;
	o->line = line;
	return s->n_opts++;
}

/* The option a lookup in `section` sees: its own, else [DEFAULT]'s. */
static const struct cfg_option *
effective(const struct config *cfg, const char *section, const char *option,
	  const struct cfg_section **sec_r)
{
	const struct cfg_section *s = lookup_section(cfg, section);
	if (!s)
		return NULL;
	if (sec_r)
		*sec_r = s;
	const struct cfg_option *o = find_option_ci(s, option);
	if (!o && s != &cfg->defaults)
		o = find_option_ci(&cfg->defaults, option);
	return o;
}

static void free_section(struct cfg_section *s)
{
	for (size_t i = 0; i < s->n_opts; i++) {
		free(s->opts[i].name);
		free(s->opts[i].value);
	}
	free(s->opts);
	free(s->name);
}

static struct config *config_new(const char *name)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->filename = xstrdup(name);
	cfg->defaults.name = xstrdup("DEFAULT");
	cfg->names = xcalloc(1, sizeof(*cfg->names));
	pthread_mutex_init(&cfg->lock, NULL);
	return cfg;
}

void config_free(struct config **cfgp)
{
	struct config *cfg = *cfgp;
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_sections; i++) {
		free_section(cfg->sections[i]);
		free(cfg->sections[i]);
	}
	free(cfg->sections);
	free(cfg->names);
	free_section(&cfg->defaults);
	while (cfg->kept) {
		struct cfg_kept *k = cfg->kept;
		cfg->kept = k->next;
		free(k->s);
		free(k);
	}
	pthread_mutex_destroy(&cfg->lock);
	free(cfg->filename);
	free(cfg);
	*cfgp = NULL;
}

const char *config_filename(const struct config *cfg)
{
	return cfg->filename;
}

/* ---- the reader (SPEC 2.1) -------------------------------------------- */

struct parser {
	struct config *cfg;
	struct cfg_section *cur;	/* NULL before the first header */
	size_t cur_opt;			/* SIZE_MAX: nothing to continue */
	struct strbuf errors;		/* unparsable lines */
};

static void parse_error(struct parser *p, unsigned lineno, const char *line,
			const char *why)
{
	char *q = quote_value(line);
	if (p->errors.len)
		strbuf_addch(&p->errors, '\n');
	strbuf_addf(&p->errors, "%s:%u: %s: %s", p->cfg->filename, lineno,
		    why, q);
	free(q);
}

/* One line without its '\n'.  Returns -1 with *err_r only for the fatal
 * missing section header; other bad lines are collected in p->errors. */
static int parse_line(struct parser *p, const char *l, size_t n, bool has_nul,
		      unsigned lineno, char **err_r)
{
	size_t i;

	/* Rule 1: blank lines, '#' or ';' in column 0, and "rem" comments. */
	for (i = 0; i < n && is_space(l[i]); i++)
		;
	if (i == n || l[0] == '#' || l[0] == ';')
		return 0;
	if ((l[0] == 'r' || l[0] == 'R') && n >= 3 &&
	    ascii_lower(l[1]) == 'e' && ascii_lower(l[2]) == 'm' &&
	    (n == 3 || is_space(l[3])))
		return 0;

	if (has_nul) {
		parse_error(p, lineno, l, "NUL byte in line");
		return 0;
	}

	/* Rule 2: continuation of the last option of this section.  Empty
	 * indented lines were skipped above as blank. */
	if (is_space(l[0]) && p->cur && p->cur_opt != SIZE_MAX) {
		char *add = strip_dup(l, n);
		struct cfg_option *o = &p->cur->opts[p->cur_opt];
		char *joined = xasprintf("%s\n%s", o->value, add);
		free(add);
		free(o->value);
		o->value = joined;
		return 0;
	}

	/* Rule 3: "[name]" at column 0; the rest of the line is ignored. */
	if (l[0] == '[') {
		const char *close = memchr(l + 1, ']', n - 1);
		if (close && close > l + 1) {
			char *name = xstrndup(l + 1, (size_t)(close - l - 1));
			if (strcmp(name, "DEFAULT") == 0) {
				p->cur = &p->cfg->defaults;
				if (!p->cur->line)
					p->cur->line = lineno;
			} else {
				p->cur = find_section(p->cfg, name);
				if (!p->cur)
					p->cur = add_section(p->cfg, name,
							     lineno);
			}
			free(name);
			p->cur_opt = SIZE_MAX;
			return 0;
		}
	}

	/* Rule 6: anything else before the first header is fatal. */
	if (!p->cur) {
		char *q = quote_value(l);
		*err_r = xasprintf("%s:%u: missing section header: %s must "
				   "come after a header such as [general]",
				   p->cfg->filename, lineno, q);
		free(q);
		return -1;
	}

	/* Rule 4: name, '=' or ':', value. */
	if (l[0] == ':' || l[0] == '=' || is_space(l[0])) {
		parse_error(p, lineno, l, "cannot parse line");
		return 0;
	}
	size_t sep = strcspn(l, ":=");
	if (sep >= n) {
		parse_error(p, lineno, l, "cannot parse line "
			    "(expected option = value)");
		return 0;
	}
	size_t name_len = sep;
	while (name_len && is_space(l[name_len - 1]))
		name_len--;
	const char *val = l + sep + 1;
	size_t val_len = n - sep - 1;
	while (val_len && is_space(*val)) {
		val++;
		val_len--;
	}

	/* Rule 5: the first ';' starts a comment when white space precedes
	 * it.  At the very start of the value ConfigParser's optval[pos-1]
	 * wraps round to the last character; we look at the same one so a
	 * file reads exactly as 4.0 read it. */
	const char *semi = memchr(val, ';', val_len);
	if (semi) {
		char before = semi > val ? semi[-1] : val[val_len - 1];
		if (is_space(before))
			val_len = (size_t)(semi - val);
	}
	char *value = strip_dup(val, val_len);
	if (strcmp(value, "\"\"") == 0)
		value[0] = '\0';

	/* Rule 7: a later duplicate replaces the earlier value. */
	p->cur_opt = set_option(p->cfg, p->cur, lower_dup(l, name_len), value,
				lineno);
	return 0;
}

static struct config *parse_buffer(const char *name, const char *text,
				   size_t len, char **err_r)
{
	struct parser p = { .cfg = config_new(name), .cur = NULL,
			    .cur_opt = SIZE_MAX };
	unsigned lineno = 0;
	size_t pos = 0;

	strbuf_init(&p.errors);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		char *line = xmalloc(n + 1);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		bool has_nul = memchr(line, '\0', n) != NULL;
		lineno++;
		int r = parse_line(&p, line, n, has_nul, lineno, err_r);
		free(line);
		if (r < 0) {
			strbuf_release(&p.errors);
			config_free(&p.cfg);
			return NULL;
		}
		pos += n + 1;
	}
	if (p.errors.len) {
		*err_r = strbuf_detach(&p.errors);
		config_free(&p.cfg);
		return NULL;
	}
	strbuf_release(&p.errors);
	return p.cfg;
}

struct config *config_parse(const char *name, const char *text, char **err_r)
{
	return parse_buffer(name, text, strlen(text), err_r);
}

struct config *config_load(const char *path, char **err_r)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*err_r = sys_errmsg("%s: cannot read", path);
		return NULL;
	}
	struct strbuf sb;
	char buf[8192];
	size_t n;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f)) {
		*err_r = sys_errmsg("%s: cannot read", path);
		fclose(f);
		strbuf_release(&sb);
		return NULL;
	}
	fclose(f);
	struct config *cfg = parse_buffer(path, sb.buf ? sb.buf : "", sb.len,
					  err_r);
	strbuf_release(&sb);
	return cfg;
}

/* ---- changes at start-up ---------------------------------------------- */

void config_set(struct config *cfg, const char *section, const char *option,
		const char *value)
{
	struct cfg_section *s;
	if (!section || !*section || strcmp(section, "DEFAULT") == 0) {
		s = &cfg->defaults;
	} else {
		s = find_section(cfg, section);
		if (!s)
			s = add_section(cfg, section, 0);
	}
	set_option(cfg, s, lower_dup(option, strlen(option)), xstrdup(value),
		   0);
}

void config_remove_option(struct config *cfg, const char *section,
			  const char *option)
{
	struct cfg_section *s = (struct cfg_section *)
		lookup_section(cfg, section);
	if (!s)
		return;
	struct cfg_option *o = find_option_ci(s, option);
	if (!o)
		return;
	size_t i = (size_t)(o - s->opts);
	free(o->name);
	keep(cfg, o->value);
	memmove(&s->opts[i], &s->opts[i + 1],
		(s->n_opts - i - 1) * sizeof(*s->opts));
	s->n_opts--;
}

int config_apply_override(struct config *cfg, const char *spec, char **err_r)
{
	const char *eq = strchr(spec, '=');
	if (!eq) {
		*err_r = xstrdup("expected [section:]option=value "
				 "(no '=' found)");
		return -1;
	}
	/* Only a ':' before the '=' separates the section, so values may
	 * hold both characters. */
	const char *colon = memchr(spec, ':', (size_t)(eq - spec));
	char *section = colon ? strip_dup(spec, (size_t)(colon - spec))
			      : xstrdup("general");
	const char *opt = colon ? colon + 1 : spec;
	char *option = strip_dup(opt, (size_t)(eq - opt));
	char *value = strip_dup(eq + 1, strlen(eq + 1));
	int ret = -1;

	if (!*section) {
		*err_r = xstrdup("empty section name before ':'");
		goto out;
	}
	if (!*option) {
		*err_r = xstrdup("empty option name before '='");
		goto out;
	}
	/* Later versions spell spaces in section names as '_' so that
	 * "-k Account_Work:autorefresh=0" needs no quoting; honour that when
	 * only the spaced name exists. */
	if (!find_section(cfg, section) && strchr(section, '_')) {
		char *spaced = xstrdup(section);
		for (char *c = spaced; *c; c++)
			if (*c == '_')
				*c = ' ';
		if (find_section(cfg, spaced)) {
			free(section);
			section = spaced;
		} else {
			free(spaced);
		}
	}
	if (strcmp(value, "\"\"") == 0)
		value[0] = '\0';
	config_set(cfg, section, option, value);
	ret = 0;
out:
	free(section);
	free(option);
	free(value);
	return ret;
}

/* ---- plain lookups ---------------------------------------------------- */

const char *const *config_sections(const struct config *cfg)
{
	return cfg->names;
}

bool config_has_section(const struct config *cfg, const char *section)
{
	return find_section(cfg, section) != NULL;
}

bool config_has_option(const struct config *cfg, const char *section,
		       const char *option)
{
	return effective(cfg, section, option, NULL) != NULL;
}

unsigned config_line(const struct config *cfg, const char *section,
		     const char *option)
{
	const struct cfg_option *o = effective(cfg, section, option, NULL);
	return o ? o->line : 0;
}

int config_get_raw(const struct config *cfg, const char *section,
		   const char *option, const char **value_r)
{
	const struct cfg_option *o = effective(cfg, section, option, NULL);
	if (!o)
		return 0;
	*value_r = o->value;
	return 1;
}

/* ---- interpolation ---------------------------------------------------- */

/* What %(key)s means in section s: the section's own options, then the
 * pseudo-option __name__, then [DEFAULT] (ConfigParser builds the same
 * dictionary in that order of precedence). */
static const char *interp_lookup(const struct config *cfg,
				 const struct cfg_section *s, const char *key)
{
	const struct cfg_option *o;
	if (s != &cfg->defaults) {
		if ((o = find_option(s, key)))
			return o->value;
		if (strcmp(key, "__name__") == 0)
			return s->name;
	}
	o = find_option(&cfg->defaults, key);
	return o ? o->value : NULL;
}

/* First half of a round: ConfigParser lower-cases the key of every match
 * of %\(([^)]*)\)s, scanning left to right. */
static char *lower_keys(const char *v)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (const char *p = v; *p;) {
		if (p[0] == '%' && p[1] == '(') {
			const char *close = strchr(p + 2, ')');
			if (close && close[1] == 's') {
				strbuf_add(&sb, "%(", 2);
				for (const char *k = p + 2; k < close; k++)
					strbuf_addch(&sb, ascii_lower(*k));
				strbuf_add(&sb, ")s", 2);
				p = close + 2;
				continue;
			}
		}
		strbuf_addch(&sb, *p++);
	}
	return strbuf_detach(&sb);
}

static bool parse_count(const char **pp, long *n_r)
{
	long n = 0;
	while (**pp >= '0' && **pp <= '9') {
		n = n * 10 + (**pp - '0');
		if (n > INTERP_MAX_WIDTH)
			return false;
		(*pp)++;
	}
	*n_r = n;
	return true;
}

/* Second half of a round: Python's "fmt % dict" for the conversions that
 * make sense on strings: %% and %(key)s with optional flags, width and
 * precision.  On error returns NULL with a problem description in
 * *why_r (malloc'd). */
static char *format_round(const struct config *cfg,
			  const struct cfg_section *s, const char *fmt,
			  char **why_r)
{
	struct strbuf out;
	strbuf_init(&out);
	for (const char *p = fmt; *p;) {
		if (*p != '%') {
			strbuf_addch(&out, *p++);
			continue;
		}
		p++;
		const char *val = NULL;
		bool keyed = false;
		if (*p == '(') {
			/* Python counts nested parentheses in the key. */
			const char *start = ++p;
			int depth = 1;
			while (*p && depth) {
				if (*p == ')')
					depth--;
				else if (*p == '(')
					depth++;
				p++;
			}
			if (depth) {
				*why_r = xstrdup("incomplete %(name) key");
				goto fail;
			}
			char *key = xstrndup(start, (size_t)(p - 1 - start));
			val = interp_lookup(cfg, s, key);
			if (!val) {
				*why_r = xasprintf("cannot interpolate "
						   "%%(%s)s: no option '%s' "
						   "in this section or "
						   "[DEFAULT]", key, key);
				free(key);
				goto fail;
			}
			free(key);
			keyed = true;
		}
		bool left = false;
		while (*p && strchr("-+ #0", *p)) {
			if (*p == '-')
				left = true;
			p++;
		}
		long width = 0, prec = -1;
		if (*p == '*') {
			*why_r = xstrdup("'*' width needs a tuple, not "
					 "options");
			goto fail;
		}
		if (!parse_count(&p, &width)) {
			*why_r = xstrdup("format width too large");
			goto fail;
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				*why_r = xstrdup("'*' precision needs a "
						 "tuple, not options");
				goto fail;
			}
			if (!parse_count(&p, &prec)) {
				*why_r = xstrdup("format precision too "
						 "large");
				goto fail;
			}
		}
		if (*p == 'h' || *p == 'l' || *p == 'L')
			p++;
		const char *text;
		size_t tlen;
		if (*p == '%') {
			text = "%";
			tlen = 1;
		} else if (*p == 's' && keyed) {
			text = val;
			tlen = strlen(val);
			if (prec >= 0 && (size_t)prec < tlen)
				tlen = (size_t)prec;
		} else if (*p == 's') {
			*why_r = xstrdup("'%s' without a name; write "
					 "%(name)s, or %% for a '%'");
			goto fail;
		} else if (!*p) {
			*why_r = xstrdup("incomplete format: a lone '%' at "
					 "the end (write %% for a '%')");
			goto fail;
		} else {
			unsigned char c = (unsigned char)*p;
			*why_r = c >= 0x20 && c < 0x7f
				? xasprintf("unsupported format character "
					    "'%c' (write %%%% for a '%%')", c)
				: xasprintf("unsupported format character "
					    "0x%02x (write %%%% for a '%%')",
					    c);
			goto fail;
		}
		p++;
		size_t pad = (size_t)width > tlen ? (size_t)width - tlen : 0;
		if (!left)
			for (size_t i = 0; i < pad; i++)
				strbuf_addch(&out, ' ');
		strbuf_add(&out, text, tlen);
		if (left)
			for (size_t i = 0; i < pad; i++)
				strbuf_addch(&out, ' ');
		if (out.len > INTERP_MAX_LEN) {
			*why_r = xstrdup("interpolated value too long (is "
					 "there a loop?)");
			goto fail;
		}
	}
	return strbuf_detach(&out);
fail:
	strbuf_release(&out);
	return NULL;
}

/* ConfigParser._interpolate: up to ten rounds while "%(" remains. */
static char *interpolate(const struct config *cfg, const struct cfg_section *s,
			 const char *raw, char **why_r)
{
	char *value = xstrdup(raw);
	for (int depth = 0; depth < INTERP_MAX_DEPTH; depth++) {
		if (!strstr(value, "%("))
			return value;
		char *lowered = lower_keys(value);
		free(value);
		value = format_round(cfg, s, lowered, why_r);
		free(lowered);
		if (!value)
			return NULL;
	}
	if (strstr(value, "%(")) {
		free(value);
		*why_r = xasprintf("interpolation nested deeper than %d "
				   "levels (is there a loop?)",
				   INTERP_MAX_DEPTH);
		return NULL;
	}
	return value;
}

/* Hand out one copy of each interpolated string for the life of cfg, so
 * repeated lookups do not grow memory. */
static const char *intern(const struct config *ccfg, char *s)
{
	struct config *cfg = (struct config *)ccfg;
	const char *res = NULL;
	pthread_mutex_lock(&cfg->lock);
	for (struct cfg_kept *k = cfg->kept; k; k = k->next) {
		if (strcmp(k->s, s) == 0) {
			res = k->s;
			break;
		}
	}
	if (!res) {
		keep(cfg, s);
		res = s;
		s = NULL;
	}
	pthread_mutex_unlock(&cfg->lock);
	free(s);
	return res;
}

int config_get(const struct config *cfg, const char *section,
	       const char *option, const char **value_r, char **err_r)
{
	const struct cfg_section *s = NULL;
	const struct cfg_option *o = effective(cfg, section, option, &s);
	if (!o)
		return 0;
	if (!strstr(o->value, "%(")) {
		*value_r = o->value;
		return 1;
	}
	char *why = NULL;
	char *v = interpolate(cfg, s, o->value, &why);
	if (!v) {
		*err_r = option_error(cfg, o->line, s->name, o->name, "%s",
				      why);
		free(why);
		return -1;
	}
	*value_r = intern(cfg, v);
	return 1;
}

/* ---- typed lookups ---------------------------------------------------- */

/* The interpolated value, stripped, plus what errors need. */
static int get_stripped(const struct config *cfg, const char *section,
			const char *option, char **value_r, unsigned *line_r,
			const char **secname_r, char **err_r)
{
	const char *v;
	int r = config_get(cfg, section, option, &v, err_r);
	if (r <= 0)
		return r;
	const struct cfg_section *s = NULL;
	const struct cfg_option *o = effective(cfg, section, option, &s);
	*line_r = o->line;
	*secname_r = s->name;
	*value_r = strip_dup(v, strlen(v));
	return 1;
}

static char *type_error(const struct config *cfg, unsigned line,
			const char *secname, const char *option,
			const char *value, const char *what)
{
	char *q = quote_value(value);
	char *lopt = lower_dup(option, strlen(option));
	char *msg = option_error(cfg, line, secname, lopt, "%s %s", q, what);
	free(lopt);
	free(q);
	return msg;
}

int config_get_bool(const struct config *cfg, const char *section,
		    const char *option, bool *value_r, char **err_r)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	char *v;
	unsigned line;
	const char *secname;
	int r = get_stripped(cfg, section, option, &v, &line, &secname,
			     err_r);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (ascii_caseeq(v, yes[i])) {
			*value_r = true;
			goto ok;
		}
		if (ascii_caseeq(v, no[i])) {
			*value_r = false;
			goto ok;
		}
	}
	*err_r = type_error(cfg, line, secname, option, v,
			    "is not a boolean (use yes/no, true/false, "
			    "on/off, 1/0)");
	free(v);
	return -1;
ok:
	free(v);
	return 1;
}

int config_get_int(const struct config *cfg, const char *section,
		   const char *option, long *value_r, char **err_r)
{
	char *v;
	unsigned line;
	const char *secname;
	int r = get_stripped(cfg, section, option, &v, &line, &secname,
			     err_r);
	if (r <= 0)
		return r;
	const char *p = v;
	if (*p == '+' || *p == '-')
		p++;
	bool digits = *p != '\0';
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (!digits) {
		*err_r = type_error(cfg, line, secname, option, v,
				    "is not an integer");
		free(v);
		return -1;
	}
	errno = 0;
	long n = strtol(v, NULL, 10);
	if (errno == ERANGE) {
		*err_r = type_error(cfg, line, secname, option, v,
				    "is out of range");
		free(v);
		return -1;
	}
	free(v);
	*value_r = n;
	return 1;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	/* glibc returns its static C locale object here: nothing to free. */
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Python's float() syntax: decimal digits with optional point and
 * exponent, or inf/infinity/nan; never hexadecimal. */
static bool float_syntax(const char *p)
{
	if (*p == '+' || *p == '-')
		p++;
	if (ascii_caseeq(p, "inf") || ascii_caseeq(p, "infinity") ||
	    ascii_caseeq(p, "nan"))
		return true;
	size_t mant = 0;
	while (*p >= '0' && *p <= '9') {
		p++;
		mant++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			mant++;
		}
	}
	if (!mant)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

int config_get_float(const struct config *cfg, const char *section,
		     const char *option, double *value_r, char **err_r)
{
	char *v;
	unsigned line;
	const char *secname;
	int r = get_stripped(cfg, section, option, &v, &line, &secname,
			     err_r);
	if (r <= 0)
		return r;
	if (!float_syntax(v)) {
		*err_r = type_error(cfg, line, secname, option, v,
				    "is not a number");
		free(v);
		return -1;
	}
	/* The UI may switch to the user's locale; the file's "2.5" must not
	 * depend on it. */
	pthread_once(&c_locale_once, c_locale_init);
	*value_r = strtod_l(v, NULL, c_locale);
	free(v);
	return 1;
}

int config_get_path(const struct config *cfg, const char *section,
		    const char *option, char **value_r, char **err_r)
{
	const char *v;
	int r = config_get(cfg, section, option, &v, err_r);
	if (r <= 0)
		return r;
	char *path = expand_tilde(v);
	if (!path) {
		const struct cfg_section *s = NULL;
		const struct cfg_option *o = effective(cfg, section, option,
						       &s);
		char *q = quote_value(v);
		*err_r = option_error(cfg, o->line, s->name, o->name,
				      "cannot expand %s: no such user or "
				      "home directory", q);
		free(q);
		return -1;
	}
	*value_r = path;
	return 1;
}

int config_get_list(const struct config *cfg, const char *section,
		    const char *option, char ***value_r, char **err_r)
{
	const char *v;
	int r = config_get(cfg, section, option, &v, err_r);
	if (r <= 0)
		return r;
	*value_r = split_commalist(v, NULL);
	return 1;
}

/* ---- validation ------------------------------------------------------- */

enum { KIND_NONE = -1 };

/* The schema kind of a section name, KIND_NONE for sections we do not
 * know (ignored, as 4.0 ignores them). */
static int section_kind(const char *name)
{
	if (strcmp(name, "general") == 0)
		return CONFIG_SEC_GENERAL;
	if (strcmp(name, "mbnames") == 0)
		return CONFIG_SEC_MBNAMES;
	if (strncmp(name, "Account ", 8) == 0 && name[8])
		return CONFIG_SEC_ACCOUNT;
	if (strncmp(name, "Repository ", 11) == 0 && name[11])
		return CONFIG_SEC_REPOSITORY;
	if (strncmp(name, "ui.", 3) == 0 && name[3])
		return CONFIG_SEC_UI;
	return KIND_NONE;
}

/* CONFIG_SEC_REPO_MAILDIR / _IMAP from the type option, KIND_NONE if it
 * is unset, unusable or unknown. */
static int repository_kind(const struct config *cfg, const char *section)
{
	const char *v;
	char *err = NULL;
	int kind = KIND_NONE;
	if (config_get(cfg, section, "type", &v, &err) > 0) {
		char *t = strip_dup(v, strlen(v));
		if (strcmp(t, "Maildir") == 0)
			kind = CONFIG_SEC_REPO_MAILDIR;
		else if (strcmp(t, "IMAP") == 0)
			kind = CONFIG_SEC_REPO_IMAP;
		free(t);
	}
	free(err);
	return kind;
}

static const struct config_option_info *schema_find(int kind,
						    const char *name)
{
	for (const struct config_option_info *i = config_options; i->name;
	     i++)
		if ((int)i->section == kind && strcmp(i->name, name) == 0)
			return i;
	return NULL;
}

/* The schema entry for `name` in a section of `kind`; a repository of
 * unknown type accepts the options of every type. */
static const struct config_option_info *
schema_for(int kind, int repo_kind, const char *name)
{
	const struct config_option_info *i = schema_find(kind, name);
	if (i || kind != CONFIG_SEC_REPOSITORY)
		return i;
	if (repo_kind != KIND_NONE)
		return schema_find(repo_kind, name);
	i = schema_find(CONFIG_SEC_REPO_MAILDIR, name);
	return i ? i : schema_find(CONFIG_SEC_REPO_IMAP, name);
}

static bool schema_knows(const char *name)
{
	for (const struct config_option_info *i = config_options; i->name;
	     i++)
		if (strcmp(i->name, name) == 0)
			return true;
	return false;
}

/* Lower bounds (and the port's upper bound) the types alone cannot
 * express. */
static const struct {
	const char *name;
	long min, max;
} int_ranges[] = {
	{ "maxconnections", 1, LONG_MAX },
	{ "maxsyncaccounts", 1, LONG_MAX },
	{ "remoteport", 1, 65535 },
	{ "keepalive", 0, LONG_MAX },
	{ "socktimeout", 0, LONG_MAX },
	{ "loglines", 0, LONG_MAX },
	{ "bufferlines", 0, LONG_MAX },
};

/* Text options that take one of a few words. */
static int check_choice(const struct config *cfg, const char *section,
			const struct config_option_info *info,
			const char *value, char **err_r)
{
	const char *problem = NULL;
	enum tls_level level;
	enum tls_version version;
	char *v = strip_dup(value, strlen(value));

	if (info->section == CONFIG_SEC_ACCOUNT &&
	    strcmp(info->name, "status_backend") == 0) {
		if (strcmp(v, "sqlite") == 0)
			problem = "the sqlite status backend is not supported "
				  "by this version; use plain (the default)";
		else if (strcmp(v, "plain") != 0)
			problem = "unknown status backend (use plain)";
	} else if (info->section == CONFIG_SEC_REPO_IMAP &&
		   strcmp(info->name, "tls_level") == 0) {
		if (tls_level_parse(v, &level) < 0)
			problem = "unknown level (use tls_secure, tls_no_ssl "
				  "or tls_compat)";
	} else if (info->section == CONFIG_SEC_REPO_IMAP &&
		   strcmp(info->name, "ssl_version") == 0) {
		if (tls_version_parse(v, &version) < 0)
			problem = "unknown version (use tls1, tls1_1, tls1_2 "
				  "or tls1_3; SSLv2 and SSLv3 are never used)";
	}
	if (problem) {
		char *q = quote_value(v);
		*err_r = option_error(cfg, config_line(cfg, section, info->name),
				      section, info->name, "%s: %s", q,
				      problem);
		free(q);
	}
	free(v);
	return problem ? -1 : 0;
}

static int check_value(const struct config *cfg, const char *section,
		       const struct config_option_info *info, char **err_r)
{
	const char *s;
	bool b;
	long n;
	double d;
	char *path = NULL;
	char **list = NULL;
	int r = 0;

	switch (info->type) {
	case CONFIG_RAW:
		return 0;
	case CONFIG_STRING:
	case CONFIG_PYEXPR:
		r = config_get(cfg, section, info->name, &s, err_r);
		if (r > 0 && info->section == CONFIG_SEC_REPOSITORY &&
		    strcmp(info->name, "type") == 0) {
			char *t = strip_dup(s, strlen(s));
			if (strcmp(t, "Maildir") && strcmp(t, "IMAP")) {
				char *q = quote_value(t);
				*err_r = option_error(cfg,
					config_line(cfg, section, "type"),
					section, "type",
					"unknown repository type %s (use "
					"Maildir or IMAP)", q);
				free(q);
				r = -1;
			}
			free(t);
		}
		if (r > 0 && check_choice(cfg, section, info, s, err_r) < 0)
			r = -1;
		break;
	case CONFIG_BOOL:
		r = config_get_bool(cfg, section, info->name, &b, err_r);
		break;
	case CONFIG_INT:
		r = config_get_int(cfg, section, info->name, &n, err_r);
		if (r <= 0)
			break;
		for (size_t i = 0; i < ARRAY_SIZE(int_ranges); i++) {
			if (strcmp(int_ranges[i].name, info->name) ||
			    (n >= int_ranges[i].min && n <= int_ranges[i].max))
				continue;
			unsigned line = config_line(cfg, section, info->name);
			if (int_ranges[i].max == LONG_MAX)
				*err_r = option_error(cfg, line, section,
					info->name, "%ld is too small (the "
					"least is %ld)", n, int_ranges[i].min);
			else
				*err_r = option_error(cfg, line, section,
					info->name, "%ld is out of range "
					"(%ld to %ld)", n, int_ranges[i].min,
					int_ranges[i].max);
			r = -1;
		}
		break;
	case CONFIG_FLOAT:
		r = config_get_float(cfg, section, info->name, &d, err_r);
		break;
	case CONFIG_PATH:
		r = config_get_path(cfg, section, info->name, &path, err_r);
		free(path);
		break;
	case CONFIG_LIST:
		r = config_get_list(cfg, section, info->name, &list, err_r);
		strv_free(&list);
		break;
	}
	return r < 0 ? -1 : 0;
}

/* Whether some value refers to `name` as %(name)s: such an option is a
 * helper for interpolation, not a misspelt setting. */
static bool interpolation_uses(const struct config *cfg, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i <= cfg->n_sections; i++) {
		const struct cfg_section *s = i < cfg->n_sections
			? cfg->sections[i] : &cfg->defaults;
		for (size_t j = 0; j < s->n_opts; j++) {
			const char *v = s->opts[j].value;
			while ((v = strstr(v, "%("))) {
				v += 2;
				size_t k = 0;
				while (k < n && v[k] &&
				       ascii_lower(v[k]) == name[k])
					k++;
				if (k == n && v[k] == ')')
					return true;
			}
		}
	}
	return false;
}

static void warn_unknown(const struct config *cfg, void (*warn)(const char *),
			 const char *section, const struct cfg_option *o)
{
	if (!warn || interpolation_uses(cfg, o->name))
		return;
	char *msg = option_error(cfg, o->line, section, o->name,
				 "unknown option, ignored");
	warn(msg);
	free(msg);
}

/* Every known option of every known section, own or inherited from
 * [DEFAULT], must read as its type. */
static int check_types(const struct config *cfg, void (*warn)(const char *),
		       char **err_r)
{
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct cfg_section *s = cfg->sections[i];
		int kind = section_kind(s->name);
		if (kind == KIND_NONE)
			continue;
		int repo_kind = kind == CONFIG_SEC_REPOSITORY
			? repository_kind(cfg, s->name) : KIND_NONE;
		for (size_t j = 0; j < s->n_opts; j++) {
			const struct config_option_info *info =
				schema_for(kind, repo_kind, s->opts[j].name);
			if (!info)
				warn_unknown(cfg, warn, s->name, &s->opts[j]);
			else if (check_value(cfg, s->name, info, err_r) < 0)
				return -1;
		}
		for (size_t j = 0; j < cfg->defaults.n_opts; j++) {
			const struct cfg_option *d = &cfg->defaults.opts[j];
			const struct config_option_info *info;
			if (find_option(s, d->name))
				continue;
			info = schema_for(kind, repo_kind, d->name);
			if (info && check_value(cfg, s->name, info, err_r) < 0)
				return -1;
		}
	}
	/* A [DEFAULT] option is meant for several kinds of section; it is
	 * unknown only when no section kind has it. */
	for (size_t j = 0; j < cfg->defaults.n_opts; j++)
		if (!schema_knows(cfg->defaults.opts[j].name))
			warn_unknown(cfg, warn, "DEFAULT",
				     &cfg->defaults.opts[j]);
	return 0;
}

/* Options of an IMAP repository that only make sense together:
 * sslclientcert with sslclientkey, ssl_version within tls_level.  (That
 * the certificate files exist and match is remote_preflight's job.) */
static int check_imap_tls(const struct config *cfg, const char *section,
			  char **err_r)
{
	static const char *const pair[] = { "sslclientcert", "sslclientkey" };
	const char *level_s = NULL, *version_s = NULL;
	enum tls_level level = TLS_LEVEL_DEFAULT;
	enum tls_version version = TLS_VERSION_ANY;

	for (size_t i = 0; i < 2; i++) {
		if (config_has_option(cfg, section, pair[i]) &&
		    !config_has_option(cfg, section, pair[1 - i])) {
			*err_r = option_error(cfg,
				config_line(cfg, section, pair[i]), section,
				pair[i], "%s is not set: a client certificate "
				"needs both", pair[1 - i]);
			return -1;
		}
	}
	/* check_types has accepted both values already. */
	if (config_get(cfg, section, "tls_level", &level_s, err_r) < 0 ||
	    config_get(cfg, section, "ssl_version", &version_s, err_r) < 0)
		return -1;
	if (level_s) {
		char *t = strip_dup(level_s, strlen(level_s));
		tls_level_parse(t, &level);
		free(t);
	}
	if (version_s) {
		char *t = strip_dup(version_s, strlen(version_s));
		tls_version_parse(t, &version);
		free(t);
	}
	const char *why = tls_level_version_conflict(level, version);
	if (why) {
		*err_r = option_error(cfg,
				      config_line(cfg, section, "ssl_version"),
				      section, "ssl_version", "conflicts with "
				      "tls_level: %s", why);
		return -1;
	}
	return 0;
}

/* Options accepted for compatibility whose feature this version does not
 * have.  Set to anything but their neutral value (the schema default),
 * they draw a minor warning, so nobody relies on them unknowingly. */
static const struct {
	int kind;
	const char *name;
} unimplemented[] = {
	{ CONFIG_SEC_ACCOUNT, "maxage" },
	{ CONFIG_SEC_ACCOUNT, "quick" },
	{ CONFIG_SEC_REPOSITORY, "readonly" },
	{ CONFIG_SEC_REPOSITORY, "createfolders" },
	{ CONFIG_SEC_REPOSITORY, "sync_deletes" },
	{ CONFIG_SEC_REPO_IMAP, "idlefolders" },
	{ CONFIG_SEC_REPO_IMAP, "subscribedonly" },
};

/* Whether the value of `info` in `section` is its default, i.e. asks for
 * nothing this version lacks.  Values that do not parse count as
 * neutral: check_types reports them. */
static bool neutral_value(const struct config *cfg, const char *section,
			  const struct config_option_info *info)
{
	const char *v = NULL, *d = info->default_value;
	char *err = NULL;
	bool neutral = true;
	bool b;
	long n;

	if (!d)
		return false;
	switch (info->type) {
	case CONFIG_BOOL:
		if (config_get_bool(cfg, section, info->name, &b, &err) > 0)
			neutral = b == (strcmp(d, "yes") == 0);
		break;
	case CONFIG_INT:
		if (config_get_int(cfg, section, info->name, &n, &err) > 0)
			neutral = n == strtol(d, NULL, 10);
		break;
	default:
		if (config_get(cfg, section, info->name, &v, &err) > 0) {
			/* "[ ]" is "[]" for a Python list. */
			struct strbuf sb;
			strbuf_init(&sb);
			for (const char *p = v; *p; p++)
				if (!is_space(*p))
					strbuf_addch(&sb, *p);
			neutral = strcmp(sb.buf ? sb.buf : "", d) == 0;
			strbuf_release(&sb);
		}
		break;
	}
	free(err);
	return neutral;
}

static void warn_unimplemented(const struct config *cfg,
			       void (*warn)(const char *))
{
	bool from_default[ARRAY_SIZE(unimplemented)] = { false };

	if (!warn)
		return;
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct cfg_section *s = cfg->sections[i];
		int kind = section_kind(s->name);
		int repo_kind = kind == CONFIG_SEC_REPOSITORY
			? repository_kind(cfg, s->name) : KIND_NONE;
		for (size_t j = 0; j < ARRAY_SIZE(unimplemented); j++) {
			int want = unimplemented[j].kind;
			const char *name = unimplemented[j].name;
			if (want != kind && (kind != CONFIG_SEC_REPOSITORY ||
					     want != repo_kind))
				continue;
			const struct config_option_info *info =
				schema_find(want, name);
			bool own = find_option(s, name) != NULL;
			if (!info || !config_has_option(cfg, s->name, name) ||
			    neutral_value(cfg, s->name, info))
				continue;
			/* Once for a [DEFAULT] value, not once per section
			 * inheriting it. */
			if (!own && from_default[j])
				continue;
			if (!own)
				from_default[j] = true;
			char *msg = option_error(cfg,
				config_line(cfg, s->name, name),
				own ? s->name : "DEFAULT", name,
				"not implemented in this version; ignored");
			warn(msg);
			free(msg);
		}
	}
}

static char *missing_option(const struct config *cfg, const char *section,
			    const char *option, const char *why)
{
	const struct cfg_section *s = find_section(cfg, section);
	char *where = section_where(cfg, s ? s->line : 0);
	char *msg = xasprintf("%s: [%s] %s: missing required option%s",
			      where, section, option, why);
	free(where);
	return msg;
}

/* Mandatory options of a repository that an account uses. */
static int check_repository(const struct config *cfg, const char *section,
			    int repo_kind, char **err_r)
{
	if (repo_kind == CONFIG_SEC_REPO_MAILDIR) {
		if (!config_has_option(cfg, section, "localfolders")) {
			*err_r = missing_option(cfg, section, "localfolders",
						" (root of the Maildir tree)");
			return -1;
		}
		return 0;
	}
	if (config_has_option(cfg, section, "preauthtunnel"))
		return 0;
	if (!config_has_option(cfg, section, "remotehost") &&
	    !config_has_option(cfg, section, "remotehosteval")) {
		*err_r = missing_option(cfg, section, "remotehost",
					" (or set remotehosteval or "
					"preauthtunnel)");
		return -1;
	}
	if (!config_has_option(cfg, section, "remoteuser") &&
	    !config_has_option(cfg, section, "remoteusereval")) {
		*err_r = missing_option(cfg, section, "remoteuser",
					" (or set remoteusereval or "
					"preauthtunnel)");
		return -1;
	}
	return 0;
}

static int check_account(const struct config *cfg, const char *section,
			 char **err_r)
{
	static const char *const sides[] = { "localrepository",
					     "remoterepository" };
	for (size_t i = 0; i < ARRAY_SIZE(sides); i++) {
		const char *repo;
		int r = config_get(cfg, section, sides[i], &repo, err_r);
		if (r < 0)
			return -1;
		if (r == 0) {
			*err_r = missing_option(cfg, section, sides[i],
						" (name of a [Repository X] "
						"section)");
			return -1;
		}
		char *rsec = xasprintf("Repository %s", repo);
		unsigned line = config_line(cfg, section, sides[i]);
		int ret = -1;
		if (!config_has_section(cfg, rsec)) {
			*err_r = option_error(cfg, line, section, sides[i],
					      "no [%s] section", rsec);
			goto next;
		}
		if (!config_has_option(cfg, rsec, "type")) {
			*err_r = missing_option(cfg, rsec, "type",
						" (Maildir or IMAP)");
			goto next;
		}
		/* check_types has rejected unknown types already. */
		int kind = repository_kind(cfg, rsec);
		if (i == 1 && kind != CONFIG_SEC_REPO_IMAP) {
			*err_r = option_error(cfg, line, section, sides[i],
					      "[%s] is a Maildir repository; "
					      "the remote side must be IMAP",
					      rsec);
			goto next;
		}
		ret = check_repository(cfg, rsec, kind, err_r);
next:
		free(rsec);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int check_mbnames(const struct config *cfg, char **err_r)
{
	static const char *const needed[] = { "filename", "header", "peritem",
					      "sep", "footer" };
	bool enabled = false;
	if (config_get_bool(cfg, "mbnames", "enabled", &enabled, err_r) < 0)
		return -1;
	if (!enabled)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!config_has_option(cfg, "mbnames", needed[i])) {
			*err_r = missing_option(cfg, "mbnames", needed[i],
						" (needed when enabled is on)");
			return -1;
		}
	}
	return 0;
}

int config_validate(const struct config *cfg, const char *const *accounts,
		    void (*warn)(const char *msg), char **err_r)
{
	char **from_file = NULL;
	int ret = -1;

	if (check_types(cfg, warn, err_r) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const char *name = cfg->sections[i]->name;
		if (section_kind(name) == CONFIG_SEC_REPOSITORY &&
		    repository_kind(cfg, name) == CONFIG_SEC_REPO_IMAP &&
		    check_imap_tls(cfg, name, err_r) < 0)
			return -1;
	}
	warn_unimplemented(cfg, warn);

	unsigned acct_line = 0;
	if (!accounts) {
		int r = config_get_list(cfg, "general", "accounts", &from_file,
					err_r);
		if (r < 0)
			return -1;
		if (r == 0) {
			*err_r = missing_option(cfg, "general", "accounts",
				config_has_section(cfg, "general")
				? " (the accounts to sync)"
				: " (the file has no [general] section)");
			return -1;
		}
		acct_line = config_line(cfg, "general", "accounts");
		if (!from_file[0]) {
			*err_r = option_error(cfg, acct_line, "general",
					      "accounts",
					      "no account names given");
			goto out;
		}
		accounts = (const char *const *)from_file;
	}
	for (const char *const *a = accounts; *a; a++) {
		char *sec = xasprintf("Account %s", *a);
		int r = 0;
		if (!config_has_section(cfg, sec)) {
			if (from_file)
				*err_r = option_error(cfg, acct_line,
						      "general", "accounts",
						      "account '%s' has no "
						      "[%s] section", *a, sec);
			else
				*err_r = xasprintf("%s: account '%s' (from "
						   "-a) has no [%s] section",
						   cfg->filename, *a, sec);
			r = -1;
		} else {
			r = check_account(cfg, sec, err_r);
		}
		free(sec);
		if (r < 0)
			goto out;
	}
	if (check_mbnames(cfg, err_r) < 0)
		goto out;
	ret = 0;
out:
	strv_free(&from_file);
	return ret;
}
