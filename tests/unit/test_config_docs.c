/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeps the sample offlineimap.conf and the option schema in step: every
 * option the sample names is known, every known option is documented with
 * its type and default, and the sample (with and without its examples
 * switched on) and offlineimap.conf.minimal parse and validate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "util.h"

#define SAMPLE "offlineimap.conf"
#define MINIMAL "offlineimap.conf.minimal"

/* One option named in the sample: set, shown as an example, or described
 * by a "# name (type, default ...)" heading. */
struct mention {
	char *section;
	char *name;
	unsigned line;
	char *heading;		/* NULL for set lines and examples */
};

static struct mention *mentions;
static size_t n_mentions;

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb;
	char buf[4096];
	size_t n;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static char **split_lines(const char *text, size_t *n_r)
{
	size_t cap = 16, n = 0;
	char **v = xmalloc(cap * sizeof(*v));
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		if (n + 1 >= cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = xstrndup(p, len);
		p += len;
		if (*p)
			p++;
	}
	v[n] = NULL;
	*n_r = n;
	return v;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* The option name of "name = value" or "# name = value" (one optional
 * space after '#'), or NULL. */
static char *option_of(const char *line, bool commented)
{
	const char *p = line;
	if (commented) {
		if (*p++ != '#')
			return NULL;
		if (*p == ' ')
			p++;
	}
	const char *start = p;
	while (is_name_char(*p))
		p++;
	if (p == start)
		return NULL;
	const char *end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=')
		return NULL;
	char *name = xstrndup(start, (size_t)(end - start));
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return name;
}

/* "# name (..." possibly continued on "#     ..." lines until the
 * parenthesis closes; returns the heading on one line. */
static char *heading_of(char **lines, size_t i, char **name_r)
{
	const char *p = lines[i];
	if (strncmp(p, "# ", 2) != 0)
		return NULL;
	p += 2;
	const char *start = p;
	while (is_name_char(*p))
		p++;
	if (p == start || strncmp(p, " (", 2) != 0)
		return NULL;
	*name_r = xstrndup(start, (size_t)(p - start));
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, p + 1);
	while (!strchr(sb.buf, ')') && lines[i + 1] &&
	       strncmp(lines[i + 1], "#    ", 5) == 0) {
		i++;
		char *copy = strip(xstrdup(lines[i] + 1));
		strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, copy);
		free(copy);
	}
	return strbuf_detach(&sb);
}

static void add_mention(const char *section, char *name, unsigned line,
			char *heading)
{
	mentions = xrealloc(mentions, (n_mentions + 1) * sizeof(*mentions));
	mentions[n_mentions].section = xstrdup(section);
	mentions[n_mentions].name = name;
	mentions[n_mentions].line = line;
	mentions[n_mentions].heading = heading;
	n_mentions++;
}

static void free_mentions(void)
{
	for (size_t i = 0; i < n_mentions; i++) {
		free(mentions[i].section);
		free(mentions[i].name);
		free(mentions[i].heading);
	}
	FREE(&mentions);
	n_mentions = 0;
}

static void scan_sample(char **lines)
{
	char *section = xstrdup("");
	for (size_t i = 0; lines[i]; i++) {
		const char *l = lines[i];
		char *name;
		if (l[0] == '[' && strchr(l, ']')) {
			free(section);
			section = xstrndup(l + 1, strcspn(l + 1, "]"));
			continue;
		}
		if ((name = option_of(l, false)) ||
		    (name = option_of(l, true))) {
			add_mention(section, name, (unsigned)i + 1, NULL);
			continue;
		}
		char *heading = heading_of(lines, i, &name);
		if (heading)
			add_mention(section, name, (unsigned)i + 1, heading);
	}
	free(section);
}

/* The schema kinds a section of the sample accepts (-1 = none). */
static void kinds_of(const struct config *cfg, const char *section,
		     int kinds[2])
{
	kinds[0] = kinds[1] = -1;
	if (strcmp(section, "general") == 0) {
		kinds[0] = CONFIG_SEC_GENERAL;
	} else if (strcmp(section, "mbnames") == 0) {
		kinds[0] = CONFIG_SEC_MBNAMES;
	} else if (strncmp(section, "Account ", 8) == 0) {
		kinds[0] = CONFIG_SEC_ACCOUNT;
	} else if (strncmp(section, "ui.", 3) == 0) {
		kinds[0] = CONFIG_SEC_UI;
	} else if (strncmp(section, "Repository ", 11) == 0) {
		const char *type = NULL;
		char *err = NULL;
		kinds[0] = CONFIG_SEC_REPOSITORY;
		if (config_get(cfg, section, "type", &type, &err) == 1)
			kinds[1] = strcmp(type, "IMAP") == 0
				? CONFIG_SEC_REPO_IMAP
				: CONFIG_SEC_REPO_MAILDIR;
		free(err);
	}
}

static const struct config_option_info *known(int kinds[2], const char *name)
{
	for (const struct config_option_info *o = config_options; o->name; o++)
		if (strcmp(o->name, name) == 0 &&
		    ((int)o->section == kinds[0] ||
		     (int)o->section == kinds[1]))
			return o;
	return NULL;
}

static char *first_warning;
static unsigned n_warnings;

static void record_warning(const char *msg)
{
	if (!first_warning)
		first_warning = xstrdup(msg);
	n_warnings++;
}

static void check_valid(const struct config *cfg, const char *what)
{
	char *err = NULL;
	first_warning = NULL;
	n_warnings = 0;
	int r = config_validate(cfg, NULL, record_warning, &err);
	if (r != 0)
		fprintf(stderr, "%s: %s\n", what, err);
	CHECK_INTEQ(r, 0);
	if (first_warning)
		fprintf(stderr, "%s: %s\n", what, first_warning);
	CHECK_INTEQ(n_warnings, 0);
	FREE(&first_warning);
	free(err);
}

TEST(test_sample_options_known)
{
	char *err = NULL;
	struct config *cfg = config_load(SAMPLE, &err);
	if (!cfg)
		fprintf(stderr, "%s\n", err);
	CHECK(cfg != NULL);
	free(err);
	char *text = read_text(SAMPLE);
	CHECK(text != NULL);
	if (!cfg || !text) {
		free(text);
		config_free(&cfg);
		return;
	}
	size_t n;
	char **lines = split_lines(text, &n);
	scan_sample(lines);
	CHECK(n_mentions > 0);
	for (size_t i = 0; i < n_mentions; i++) {
		int kinds[2];
		kinds_of(cfg, mentions[i].section, kinds);
		if (!known(kinds, mentions[i].name)) {
			fprintf(stderr, SAMPLE ":%u: [%s] %s is not in "
				"config_options[]\n", mentions[i].line,
				mentions[i].section, mentions[i].name);
			CHECK(!"option of the sample is known");
		}
	}

	/* Every known option is described (heading with type and default)
	 * and shown (set or example) in a section that accepts it. */
	static const char *const type_words[] = {
		[CONFIG_STRING] = "text", [CONFIG_BOOL] = "yes/no",
		[CONFIG_INT] = "integer", [CONFIG_FLOAT] = "number",
		[CONFIG_PATH] = "path", [CONFIG_LIST] = "list",
		[CONFIG_PYEXPR] = "Python", [CONFIG_RAW] = "raw format",
	};
	for (const struct config_option_info *o = config_options; o->name;
	     o++) {
		bool shown = false, described = false;
		char **def = split_commalist(o->default_value ?
					     o->default_value : "", NULL);
		struct strbuf want;
		strbuf_init(&want);
		strbuf_addstr(&want, "default ");
		for (char **d = def; *d; d++)
			strbuf_addf(&want, "%s%s", d == def ? "" : ", ", *d);
		strv_free(&def);
		for (size_t i = 0; i < n_mentions; i++) {
			const struct mention *m = &mentions[i];
			int kinds[2];
			if (strcmp(m->name, o->name) != 0)
				continue;
			kinds_of(cfg, m->section, kinds);
			if ((int)o->section != kinds[0] &&
			    (int)o->section != kinds[1])
				continue;
			if (!m->heading) {
				shown = true;
				continue;
			}
			/* "(type" opens the heading; then the default or
			 * "required". */
			if (strncmp(m->heading + 1, type_words[o->type],
				    strlen(type_words[o->type])) != 0)
				continue;
			if (o->default_value &&
			    !strstr(m->heading, want.buf))
				continue;
			if (o->required && !strstr(m->heading, "required"))
				continue;
			described = true;
		}
		if (!shown)
			fprintf(stderr, "option %s (section kind %d) has no "
				"example or set line in " SAMPLE "\n",
				o->name, o->section);
		if (!described)
			fprintf(stderr, "option %s (section kind %d) has no "
				"heading \"# %s (%s, %s...)\" in " SAMPLE
				"\n", o->name, o->section, o->name,
				type_words[o->type],
				o->default_value ? want.buf :
				o->required ? "required" : "...");
		CHECK(shown);
		CHECK(described);
		strbuf_release(&want);
		CHECK(o->help && o->help[0] &&
		      o->help[strlen(o->help) - 1] == '.');
	}
	free_mentions();
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(text);

	/* As shipped, the sample is a working configuration. */
	setenv("HOME", "/tmp/fakehome", 1);
	check_valid(cfg, SAMPLE);
	config_free(&cfg);
}

/* Turn every "# name = value" example on (with its indented "#   ..."
 * continuation lines): each example value must be valid. */
TEST(test_sample_examples_valid)
{
	char *text = read_text(SAMPLE);
	CHECK(text != NULL);
	if (!text)
		return;
	size_t n;
	char **lines = split_lines(text, &n);
	struct strbuf sb;
	strbuf_init(&sb);
	size_t examples = 0;
	for (size_t i = 0; lines[i]; i++) {
		char *name = option_of(lines[i], true);
		if (!name) {
			strbuf_addstr(&sb, lines[i]);
			strbuf_addch(&sb, '\n');
			continue;
		}
		free(name);
		examples++;
		strbuf_addstr(&sb, lines[i] + 2);
		strbuf_addch(&sb, '\n');
		while (lines[i + 1] && strncmp(lines[i + 1], "#  ", 3) == 0 &&
		       lines[i + 1][3] == ' ') {
			i++;
			strbuf_addstr(&sb, lines[i] + 1);
			strbuf_addch(&sb, '\n');
		}
	}
	CHECK(examples > 60);
	char *err = NULL;
	struct config *cfg = config_parse(SAMPLE " (examples on)", sb.buf,
					  &err);
	if (!cfg)
		fprintf(stderr, "%s\n", err);
	CHECK(cfg != NULL);
	free(err);
	if (cfg) {
		setenv("HOME", "/tmp/fakehome", 1);
		check_valid(cfg, SAMPLE " with examples");
		/* The examples really are in effect. */
		const char *v = NULL;
		bool b = false;
		err = NULL;
		CHECK_INTEQ(config_get_bool(cfg, "mbnames", "enabled", &b,
					    &err), 1);
		CHECK(b);
		CHECK_INTEQ(config_get(cfg, "Repository ExampleRemote",
				       "folderfilter", &v, &err), 1);
		CHECK(strchr(v, '\n') != NULL);
		CHECK_INTEQ(config_get_raw(cfg, "mbnames", "peritem", &v), 1);
		CHECK_STREQ(v, "\"+%(accountname)s/%(foldername)s\"");
		config_free(&cfg);
	}
	strbuf_release(&sb);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(text);
}

TEST(test_minimal)
{
	char *err = NULL;
	struct config *cfg = config_load(MINIMAL, &err);
	if (!cfg)
		fprintf(stderr, "%s\n", err);
	CHECK(cfg != NULL);
	free(err);
	if (!cfg)
		return;
	setenv("HOME", "/tmp/fakehome", 1);
	check_valid(cfg, MINIMAL);

	char **accounts = NULL;
	const char *v = NULL;
	char *path = NULL;
	bool ssl = false;
	err = NULL;
	CHECK_INTEQ(config_get_list(cfg, "general", "accounts", &accounts,
				    &err), 1);
	CHECK(accounts && accounts[0] && !accounts[1]);
	char *acct = xasprintf("Account %s", accounts ? accounts[0] : "");
	CHECK_INTEQ(config_get(cfg, acct, "localrepository", &v, &err), 1);
	char *local = xasprintf("Repository %s", v);
	CHECK_INTEQ(config_get(cfg, acct, "remoterepository", &v, &err), 1);
	char *remote = xasprintf("Repository %s", v);
	CHECK_INTEQ(config_get(cfg, local, "type", &v, &err), 1);
	CHECK_STREQ(v, "Maildir");
	CHECK_INTEQ(config_get_path(cfg, local, "localfolders", &path, &err),
		    1);
	CHECK_STREQ(path, "/tmp/fakehome/Mail");
	CHECK_INTEQ(config_get(cfg, remote, "type", &v, &err), 1);
	CHECK_STREQ(v, "IMAP");
	CHECK_INTEQ(config_get_bool(cfg, remote, "ssl", &ssl, &err), 1);
	CHECK(ssl);
	CHECK(config_has_option(cfg, remote, "remotepass") ||
	      config_has_option(cfg, remote, "remotepassfile"));
	free(path);
	free(acct);
	free(local);
	free(remote);
	strv_free(&accounts);
	config_free(&cfg);
}

RUN_TESTS(test_sample_options_known, test_sample_examples_valid,
	  test_minimal)
