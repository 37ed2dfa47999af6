/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the configuration reader: every INI rule of SPEC 2.1,
 * interpolation, typed lookups, -k overrides, validation messages, and
 * random input that must never crash. */
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "util.h"

static struct config *parse_ok(const char *text)
{
	char *err = NULL;
	struct config *cfg = config_parse("t.conf", text, &err);
	if (!cfg) {
		fprintf(stderr, "unexpected parse error for \"%s\": %s\n",
			text, err);
		free(err);
	}
	return cfg;
}

/* ---- the reader ------------------------------------------------------- */

/* One lookup after parsing: expect NULL means "not set". */
static const struct value_case {
	const char *text, *section, *option, *expect;
} value_cases[] = {
	/* Comments: '#' and ';' in column 0, "rem" as the first word. */
	{ "# comment\n[s]\na = 1\n", "s", "a", "1" },
	{ "; comment\n[s]\n;a = 2\na=1\n", "s", "a", "1" },
	{ "[s]\n#a = 1\n", "s", "a", NULL },
	{ "rem a remark\n[s]\na = 1\n", "s", "a", "1" },
	{ "REM shouting\n[s]\nRem\tx\nrEm\na = 1\n", "s", "a", "1" },
	{ "[s]\nrem = 5\n", "s", "rem", NULL },
	{ "[s]\nrem=5\n", "s", "rem", "5" },
	{ "[s]\nremotehost = h\n", "s", "remotehost", "h" },
	{ "[s]\nremark = 3\n", "s", "remark", "3" },
	/* Continuation lines: stripped, joined with "\n". */
	{ "[s]\na = 1\n  2\n\t3  \n", "s", "a", "1\n2\n3" },
	{ "[s]\na = x\n  # kept\n", "s", "a", "x\n# kept" },
	{ "[s]\na = x\n   \n\t\n  y\n", "s", "a", "x\ny" },
	{ "[s]\na = x\n\n  y\n", "s", "a", "x\ny" },
	{ "[s]\na = x\n# comment\n  y\n", "s", "a", "x\ny" },
	{ "[s]\na = x\n  y ;not a comment\n", "s", "a", "x\ny ;not a comment" },
	{ "[s]\na =\n  lambda f:\n    f\n", "s", "a", "\nlambda f:\nf" },
	{ "[s]\na = 1\nb = 2\n  more\n", "s", "a", "1" },
	{ "[s]\na = 1\nb = 2\n  more\n", "s", "b", "2\nmore" },
	/* Inline ';' comments only after white space, first ';' only. */
	{ "[s]\na = abc ;def\n", "s", "a", "abc" },
	{ "[s]\na = abc\t; def\n", "s", "a", "abc" },
	{ "[s]\na = a;b\n", "s", "a", "a;b" },
	{ "[s]\na = x;y ;z\n", "s", "a", "x;y ;z" },
	{ "[s]\na = x ; y ; z\n", "s", "a", "x" },
	{ "[s]\na = #no inline hash comments\n", "s", "a",
	  "#no inline hash comments" },
	{ "[s]\na = x # y\n", "s", "a", "x # y" },
	/* A ';' opening the value: ConfigParser looks at the last
	 * character, so trailing white space turns it into a comment. */
	{ "[s]\na=;foo\n", "s", "a", ";foo" },
	{ "[s]\na = ;foo\n", "s", "a", ";foo" },
	{ "[s]\na = ;foo \n", "s", "a", "" },
	/* "" is the empty string; other quotes stay. */
	{ "[s]\na = \"\"\n", "s", "a", "" },
	{ "[s]\na = \"\"  \n", "s", "a", "" },
	{ "[s]\na = \"x\"\n", "s", "a", "\"x\"" },
	{ "[s]\na = \"\"\"\n", "s", "a", "\"\"\"" },
	{ "[s]\na =\n", "s", "a", "" },
	{ "[s]\na =    \n", "s", "a", "" },
	/* Separators: the first ':' or '='; values keep later ones. */
	{ "[s]\na: b\n", "s", "a", "b" },
	{ "[s]\na : b=c\n", "s", "a", "b=c" },
	{ "[s]\na = b:c\n", "s", "a", "b:c" },
	{ "[s]\nurl = http://x/?q=1\n", "s", "url", "http://x/?q=1" },
	{ "[s]\na:b=c\n", "s", "a", "b=c" },
	{ "[s]\nmy option  \t= v\n", "s", "my option", "v" },
	/* Case: option names folded, section names not. */
	{ "[S]\nFoO = 1\n", "S", "foo", "1" },
	{ "[S]\nFoO = 1\n", "S", "FOO", "1" },
	{ "[S]\nFoO = 1\n", "s", "foo", NULL },
	{ "[Account Work]\na = 1\n", "Account Work", "a", "1" },
	{ "[Account Work]\na = 1\n", "account work", "a", NULL },
	{ "[ spaced ]\na = 1\n", " spaced ", "a", "1" },
	{ "[s] trailing junk ; here\na = 1\n", "s", "a", "1" },
	{ "[s]]\na = 1\n", "s", "a", "1" },
	/* Duplicates and reopened sections. */
	{ "[s]\na = 1\na = 2\n", "s", "a", "2" },
	{ "[s]\na=1\n[t]\nb=2\n[s]\nc=3\na=4\n", "s", "a", "4" },
	{ "[s]\na=1\n[t]\nb=2\n[s]\nc=3\na=4\n", "s", "c", "3" },
	{ "[s]\na=1\n[t]\nb=2\n[s]\nc=3\na=4\n", "t", "b", "2" },
	/* Continuation does not cross a section header. */
	{ "[s]\na = 1\n[t]\nb = 2\n", "s", "a", "1" },
	/* [DEFAULT] is visible everywhere; sections override it. */
	{ "[DEFAULT]\nx = 1\n[s]\ny = 2\n", "s", "x", "1" },
	{ "[DEFAULT]\nx = 1\n[s]\nx = 2\n", "s", "x", "2" },
	{ "[s]\nx = 2\n[DEFAULT]\nx = 1\n", "s", "x", "2" },
	{ "[DEFAULT]\nx = 1\n[s]\nx = 2\n", "DEFAULT", "x", "1" },
	{ "[DEFAULT]\nx = 1\n", "nosuch", "x", NULL },
	/* CRLF files. */
	{ "[s]\r\na = b\r\n  c\r\n", "s", "a", "b\nc" },
	{ "[s]\na = b", "s", "a", "b" },
	/* Interpolation. */
	{ "[s]\na = x\nb = %(a)s/y\n", "s", "b", "x/y" },
	{ "[DEFAULT]\nhome = /h\n[s]\np = %(home)s/m\n", "s", "p", "/h/m" },
	{ "[DEFAULT]\nn = d\nv = <%(n)s>\n[s]\nn = s\n", "s", "v", "<s>" },
	{ "[DEFAULT]\nn = d\nv = <%(n)s>\n[s]\nn = s\n", "DEFAULT", "v",
	  "<d>" },
	{ "[DEFAULT]\nf = ~/Mail/%(__name__)s\n[Repository L]\nt = 1\n",
	  "Repository L", "f", "~/Mail/Repository L" },
	{ "[s]\n__name__ = mine\nf = %(__name__)s\n", "s", "f", "mine" },
	{ "[s]\nFoo = 1\nb = %(FOO)s%(fOo)s\n", "s", "b", "11" },
	{ "[s]\na = x\nb = %(a)s 100%%\n", "s", "b", "x 100%" },
	{ "[s]\np = a%b\n", "s", "p", "a%b" },
	{ "[s]\np = 100%\n", "s", "p", "100%" },
	{ "[s]\np = a%%b\n", "s", "p", "a%%b" },
	{ "[s]\na = 5%\nb = %(a)s\n", "s", "b", "5%" },
	{ "[s]\na = %(b)s\nb = %(c)s\nc = end\n", "s", "a", "end" },
	{ "[s]\na=ab\nb=[%(a)5s][%(a)-4s][%(a).1s]\n", "s", "b",
	  "[   ab][ab  ][a]" },
	/* "%%(a)s" becomes "%(a)s" in round one and is substituted in round
	 * two, as in ConfigParser. */
	{ "[s]\na=x\nb=%%(a)s\n", "s", "b", "x" },
	{ "[s]\nx = 1\ny = %(x)s\n", "s", "y", "1" },
	{ "[s]\na=ab\nb=%(a)ls\n", "s", "b", "ab" },
	/* Python's format counts nested parentheses in a key. */
	{ "[s]\na(b)c = v\nx = %(a(b)c)s\n", "s", "x", "v" },
	{ NULL, NULL, NULL, NULL },
};

TEST(test_values)
{
	for (const struct value_case *c = value_cases; c->text; c++) {
		struct config *cfg = parse_ok(c->text);
		CHECK(cfg != NULL);
		if (!cfg)
			continue;
		const char *v = "untouched";
		char *err = NULL;
		int r = config_get(cfg, c->section, c->option, &v, &err);
		if (c->expect) {
			if (r != 1)
				fprintf(stderr, "case \"%s\": %s\n", c->text,
					err ? err : "not set");
			CHECK_INTEQ(r, 1);
			if (r == 1 && strcmp(v, c->expect) != 0)
				fprintf(stderr, "case \"%s\"\n", c->text);
			CHECK_STREQ(v, c->expect);
			CHECK(config_has_option(cfg, c->section, c->option));
		} else {
			if (r != 0)
				fprintf(stderr, "case \"%s\": set\n", c->text);
			CHECK_INTEQ(r, 0);
			CHECK_STREQ(v, "untouched");
			CHECK(!config_has_option(cfg, c->section, c->option));
		}
		free(err);
		config_free(&cfg);
		CHECK(cfg == NULL);
	}
}

/* Parse failures: the whole error text. */
static const struct error_case {
	const char *text, *error;
} parse_errors[] = {
	{ "a = 1\n",
	  "t.conf:1: missing section header: 'a = 1' must come after a "
	  "header such as [general]" },
	{ "# c\n\n  indented = 1\n[s]\n",
	  "t.conf:3: missing section header: '  indented = 1' must come "
	  "after a header such as [general]" },
	{ "junk\n[s]\n",
	  "t.conf:1: missing section header: 'junk' must come after a "
	  "header such as [general]" },
	{ "[]\n",
	  "t.conf:1: missing section header: '[]' must come after a header "
	  "such as [general]" },
	{ "[s]\njunk\na = 1\n  \n=x\n:y\n",
	  "t.conf:2: cannot parse line (expected option = value): 'junk'\n"
	  "t.conf:5: cannot parse line: '=x'\n"
	  "t.conf:6: cannot parse line: ':y'" },
	{ "[s]\n  indented = 1\n",
	  "t.conf:2: cannot parse line: '  indented = 1'" },
	{ "[t]\nok = 1\n[s]\n\tx\n",
	  "t.conf:4: cannot parse line: '\\tx'" },
	{ "[s]\n[]\n[x\n",
	  "t.conf:2: cannot parse line (expected option = value): '[]'\n"
	  "t.conf:3: cannot parse line (expected option = value): '[x'" },
	{ NULL, NULL },
};

TEST(test_parse_errors)
{
	for (const struct error_case *c = parse_errors; c->text; c++) {
		char *err = NULL;
		struct config *cfg = config_parse("t.conf", c->text, &err);
		CHECK(cfg == NULL);
		CHECK_STREQ(err, c->error);
		free(err);
		config_free(&cfg);
	}
}

TEST(test_load)
{
	char *err = NULL;
	struct config *cfg = config_load("/nonexistent/offlineimaprc", &err);
	CHECK(cfg == NULL);
	CHECK_STREQ(err, "/nonexistent/offlineimaprc: cannot read: No such "
		    "file or directory");
	free(err);
	err = NULL;

	char path[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	static const char text[] = "[s]\na = 1\nb = x\0y\n# ok\0\n";
	CHECK(write_full(fd, text, sizeof(text) - 1) == 0);
	close(fd);
	cfg = config_load(path, &err);
	CHECK(cfg == NULL);
	char *want = xasprintf("%s:3: NUL byte in line: 'b = x'", path);
	CHECK_STREQ(err, want);
	free(want);
	free(err);
	err = NULL;

	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write_full(fd, "[s]\na = 1\n", 10) == 0);
	close(fd);
	cfg = config_load(path, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STREQ(config_filename(cfg), path);
		CHECK_INTEQ(config_line(cfg, "s", "a"), 2);
		config_free(&cfg);
	}
	unlink(path);

	cfg = config_load("/", &err);
	CHECK(cfg == NULL);
	CHECK_STREQ(err, "/: cannot read: Is a directory");
	free(err);
}

TEST(test_sections)
{
	struct config *cfg = parse_ok(
		"[DEFAULT]\nd = 1\n[b]\nx = 1\n[a]\n[b]\ny = 2\n"
		"[DEFAULT]\ne = 2\n[c]\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	const char *const *s = config_sections(cfg);
	CHECK_STREQ(s[0], "b");
	CHECK_STREQ(s[1], "a");
	CHECK_STREQ(s[2], "c");
	CHECK(s[3] == NULL);
	CHECK(config_has_section(cfg, "a"));
	CHECK(!config_has_section(cfg, "DEFAULT"));
	CHECK(!config_has_section(cfg, "A"));
	CHECK(config_has_option(cfg, "a", "d"));
	CHECK(config_has_option(cfg, "c", "E"));
	CHECK(config_has_option(cfg, "DEFAULT", "e"));
	CHECK(config_has_option(cfg, NULL, "e"));
	CHECK(!config_has_option(cfg, "DEFAULT", "x"));
	CHECK(!config_has_option(cfg, "nosuch", "d"));
	CHECK(!config_has_option(cfg, "a", "x"));
	CHECK_INTEQ(config_line(cfg, "b", "y"), 7);
	CHECK_INTEQ(config_line(cfg, "b", "x"), 4);
	CHECK_INTEQ(config_line(cfg, "a", "e"), 9);
	CHECK_INTEQ(config_line(cfg, "a", "zz"), 0);

	config_set(cfg, "new", "Opt", "v");
	s = config_sections(cfg);
	CHECK_STREQ(s[3], "new");
	CHECK(s[4] == NULL);
	CHECK_INTEQ(config_line(cfg, "new", "opt"), 0);
	config_free(&cfg);

	cfg = parse_ok("");
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK(config_sections(cfg)[0] == NULL);
		config_free(&cfg);
	}
	cfg = parse_ok("\n# only comments\n\n");
	CHECK(cfg != NULL);
	config_free(&cfg);
}

/* ---- interpolation ---------------------------------------------------- */

static const struct interp_error {
	const char *text, *section, *option, *error;
} interp_errors[] = {
	{ "[s]\nb = %(nope)s\n", "s", "b",
	  "t.conf:2: [s] b: cannot interpolate %(nope)s: no option 'nope' "
	  "in this section or [DEFAULT]" },
	{ "[s]\nb = x\n  %(Nope)s\n", "s", "b",
	  "t.conf:2: [s] b: cannot interpolate %(nope)s: no option 'nope' "
	  "in this section or [DEFAULT]" },
	{ "[s]\na = %(b)s\nb = %(a)s\n", "s", "a",
	  "t.conf:2: [s] a: interpolation nested deeper than 10 levels (is "
	  "there a loop?)" },
	{ "[s]\na = %(a)s\n", "s", "a",
	  "t.conf:2: [s] a: interpolation nested deeper than 10 levels (is "
	  "there a loop?)" },
	{ "[s]\na=1\nb = %(a)s %\n", "s", "b",
	  "t.conf:3: [s] b: incomplete format: a lone '%' at the end (write "
	  "%% for a '%')" },
	{ "[s]\np = a%(b\n", "s", "p",
	  "t.conf:2: [s] p: incomplete %(name) key" },
	{ "[s]\na=1\np = %(a)s 5% off\n", "s", "p",
	  "t.conf:3: [s] p: unsupported format character 'o' (write %% for a "
	  "'%')" },
	{ "[s]\na=1\np = %(a)d\n", "s", "p",
	  "t.conf:3: [s] p: unsupported format character 'd' (write %% for a "
	  "'%')" },
	{ "[s]\na=1\np = %(A)d\n", "s", "p",
	  "t.conf:3: [s] p: cannot interpolate %(A)s: no option 'A' in this "
	  "section or [DEFAULT]" },
	{ "[s]\na=1\np = %s%(a)s\n", "s", "p",
	  "t.conf:3: [s] p: '%s' without a name; write %(name)s, or %% for a "
	  "'%'" },
	{ "[s]\na=1\np = %(a)*s\n", "s", "p",
	  "t.conf:3: [s] p: '*' width needs a tuple, not options" },
	{ "[s]\na=1\np = %(a).*s\n", "s", "p",
	  "t.conf:3: [s] p: '*' precision needs a tuple, not options" },
	{ "[s]\na=1\np = %(a).99999s\n", "s", "p",
	  "t.conf:3: [s] p: format precision too large" },
	{ "[s]\na=1\np = %(a)99999999999s\n", "s", "p",
	  "t.conf:3: [s] p: format width too large" },
	{ "[DEFAULT]\nf = %(__name__)s\n", "DEFAULT", "f",
	  "t.conf:2: [DEFAULT] f: cannot interpolate %(__name__)s: no option "
	  "'__name__' in this section or [DEFAULT]" },
	{ "[DEFAULT]\nf = %(x)s\n[s]\ny = 1\n", "s", "f",
	  "t.conf:2: [s] f: cannot interpolate %(x)s: no option 'x' in this "
	  "section or [DEFAULT]" },
	{ "[s]\na = %(a)s%(a)s%(a)s%(a)s%(a)s%(a)s%(a)s%(a)s\n", "s", "a",
	  "t.conf:2: [s] a: interpolated value too long (is there a loop?)" },
	{ NULL, NULL, NULL, NULL },
};

TEST(test_interpolation_errors)
{
	for (const struct interp_error *c = interp_errors; c->text; c++) {
		struct config *cfg = parse_ok(c->text);
		CHECK(cfg != NULL);
		if (!cfg)
			continue;
		const char *v = "untouched";
		char *err = NULL;
		CHECK_INTEQ(config_get(cfg, c->section, c->option, &v, &err),
			    -1);
		CHECK_STREQ(err, c->error);
		CHECK_STREQ(v, "untouched");
		free(err);
		/* The raw value is still there. */
		CHECK_INTEQ(config_get_raw(cfg, c->section, c->option, &v), 1);
		config_free(&cfg);
	}
}

/* A chain a1 -> a2 -> ... needs one round per link; ten rounds are
 * allowed, the eleventh is the depth error. */
static char *chain(int links)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "[s]\n");
	for (int i = 1; i <= links; i++)
		strbuf_addf(&sb, "a%d = %%(a%d)s\n", i, i + 1);
	strbuf_addf(&sb, "a%d = end\n", links + 1);
	return strbuf_detach(&sb);
}

TEST(test_interpolation_depth)
{
	char *text = chain(10);
	struct config *cfg = parse_ok(text);
	const char *v = NULL;
	char *err = NULL;
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_INTEQ(config_get(cfg, "s", "a1", &v, &err), 1);
		CHECK_STREQ(v, "end");
		config_free(&cfg);
	}
	free(text);
	text = chain(11);
	cfg = parse_ok(text);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_INTEQ(config_get(cfg, "s", "a1", &v, &err), -1);
		CHECK_STREQ(err, "t.conf:2: [s] a1: interpolation nested "
			    "deeper than 10 levels (is there a loop?)");
		free(err);
		CHECK_INTEQ(config_get(cfg, "s", "a2", &v, &err), 1);
		CHECK_STREQ(v, "end");
		config_free(&cfg);
	}
	free(text);
}

TEST(test_raw_and_interning)
{
	struct config *cfg = parse_ok(
		"[mbnames]\nperitem = \"+%(accountname)s/%(foldername)s\"\n"
		"[s]\na = x\nb = %(a)s/y\nc = plain\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	const char *v = NULL, *w = NULL;
	char *err = NULL;
	CHECK_INTEQ(config_get_raw(cfg, "mbnames", "peritem", &v), 1);
	CHECK_STREQ(v, "\"+%(accountname)s/%(foldername)s\"");
	CHECK_INTEQ(config_get_raw(cfg, "s", "b", &v), 1);
	CHECK_STREQ(v, "%(a)s/y");
	CHECK_INTEQ(config_get_raw(cfg, "s", "nope", &v), 0);
	CHECK_INTEQ(config_get(cfg, "mbnames", "peritem", &v, &err), -1);
	free(err);
	err = NULL;
	/* The same interpolated string every time. */
	CHECK_INTEQ(config_get(cfg, "s", "b", &v, &err), 1);
	CHECK_INTEQ(config_get(cfg, "s", "b", &w, &err), 1);
	CHECK(v == w);
	CHECK_STREQ(v, "x/y");
	/* Values handed out survive replacement and removal. */
	CHECK_INTEQ(config_get(cfg, "s", "c", &w, &err), 1);
	config_set(cfg, "s", "c", "other");
	config_set(cfg, "s", "a", "z");
	CHECK_STREQ(w, "plain");
	CHECK_STREQ(v, "x/y");
	CHECK_INTEQ(config_get(cfg, "s", "b", &v, &err), 1);
	CHECK_STREQ(v, "z/y");
	config_remove_option(cfg, "s", "C");
	CHECK_STREQ(w, "plain");
	CHECK(!config_has_option(cfg, "s", "c"));
	config_free(&cfg);
}

/* Lookups are documented thread-safe; hammer interpolation from a few
 * threads (ASan/TSan-style checks catch misuse of the shared cache). */
static void *lookup_thread(void *arg)
{
	const struct config *cfg = arg;
	for (int i = 0; i < 2000; i++) {
		const char *v = NULL;
		char *err = NULL;
		char name[16];
		snprintf(name, sizeof(name), "v%d", i % 8);
		if (config_get(cfg, "s", name, &v, &err) != 1 ||
		    strncmp(v, "base/", 5) != 0)
			return (void *)1;
	}
	return NULL;
}

TEST(test_threads)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "[s]\nb = base\n");
	for (int i = 0; i < 8; i++)
		strbuf_addf(&sb, "v%d = %%(b)s/%d\n", i, i);
	struct config *cfg = parse_ok(sb.buf);
	strbuf_release(&sb);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, lookup_thread, cfg);
	for (int i = 0; i < 4; i++) {
		void *res;
		pthread_join(t[i], &res);
		CHECK(res == NULL);
	}
	config_free(&cfg);
}

/* ---- typed lookups ---------------------------------------------------- */

static const struct bool_case {
	const char *value;
	int ret;
	bool expect;
} bool_cases[] = {
	{ "1", 1, true }, { "yes", 1, true }, { "true", 1, true },
	{ "on", 1, true }, { "YES", 1, true }, { "True", 1, true },
	{ "oN", 1, true }, { "0", 1, false }, { "no", 1, false },
	{ "false", 1, false }, { "off", 1, false }, { "NO", 1, false },
	{ "Off", 1, false }, { "FALSE", 1, false }, { "  yes ", 1, true },
	{ "maybe", -1, false }, { "", -1, false }, { "y", -1, false },
	{ "2", -1, false }, { "yes please", -1, false }, { "01", -1, false },
	{ NULL, 0, false },
};

TEST(test_bool)
{
	struct config *cfg = parse_ok("[s]\nx = 1\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	for (const struct bool_case *c = bool_cases; c->value; c++) {
		config_set(cfg, "s", "v", c->value);
		bool b = !c->expect;
		char *err = NULL;
		int r = config_get_bool(cfg, "s", "v", &b, &err);
		CHECK_INTEQ(r, c->ret);
		if (r == 1) {
			CHECK(b == c->expect);
		} else {
			char *value = strip(xstrdup(c->value));
			char *want = xasprintf("command line: [s] v: '%s' is "
					       "not a boolean (use yes/no, "
					       "true/false, on/off, 1/0)",
					       value);
			CHECK_STREQ(err, want);
			free(want);
			free(value);
		}
		free(err);
	}
	config_free(&cfg);

	/* The error names file and line of a value from the file. */
	cfg = parse_ok("[Repository R]\ntype = IMAP\n\nssl = maybe\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	bool b = true;
	char *err = NULL;
	CHECK_INTEQ(config_get_bool(cfg, "Repository R", "SSL", &b, &err), -1);
	CHECK_STREQ(err, "t.conf:4: [Repository R] ssl: 'maybe' is not a "
		    "boolean (use yes/no, true/false, on/off, 1/0)");
	CHECK(b);
	free(err);
	err = NULL;
	/* Continuation lines are part of the value, shown escaped. */
	config_free(&cfg);
	cfg = parse_ok("[s]\nv = yes\n  no\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_INTEQ(config_get_bool(cfg, "s", "v", &b, &err), -1);
	CHECK_STREQ(err, "t.conf:2: [s] v: 'yes\\nno' is not a boolean (use "
		    "yes/no, true/false, on/off, 1/0)");
	FREE(&err);
	/* Unset: 0, value untouched. */
	CHECK_INTEQ(config_get_bool(cfg, "Repository R", "expunge", &b, &err),
		    0);
	CHECK(b);
	CHECK_INTEQ(config_get_bool(cfg, "nosuch", "ssl", &b, &err), 0);
	CHECK(err == NULL);
	config_free(&cfg);
}

static const struct int_case {
	const char *value;
	int ret;
	long expect;
	const char *error;	/* after "command line: [s] v: " */
} int_cases[] = {
	{ "42", 1, 42, NULL },
	{ " -7 ", 1, -7, NULL },
	{ "+3", 1, 3, NULL },
	{ "010", 1, 10, NULL },
	{ "0", 1, 0, NULL },
	{ "\t12\n", 1, 12, NULL },
	{ "9223372036854775807", 1, 9223372036854775807L, NULL },
	{ "0x10", -1, 0, "'0x10' is not an integer" },
	{ "1.5", -1, 0, "'1.5' is not an integer" },
	{ "", -1, 0, "'' is not an integer" },
	{ "-", -1, 0, "'-' is not an integer" },
	{ "- 5", -1, 0, "'- 5' is not an integer" },
	{ "1 2", -1, 0, "'1 2' is not an integer" },
	{ "two", -1, 0, "'two' is not an integer" },
	{ "99999999999999999999", -1, 0,
	  "'99999999999999999999' is out of range" },
	{ NULL, 0, 0, NULL },
};

TEST(test_int)
{
	struct config *cfg = parse_ok("[s]\nx = 1\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	for (const struct int_case *c = int_cases; c->value; c++) {
		config_set(cfg, "s", "v", c->value);
		long n = -12345;
		char *err = NULL;
		int r = config_get_int(cfg, "s", "v", &n, &err);
		CHECK_INTEQ(r, c->ret);
		if (r == 1) {
			CHECK_INTEQ(n, c->expect);
		} else {
			char *want = xasprintf("command line: [s] v: %s",
					       c->error);
			CHECK_STREQ(err, want);
			free(want);
			CHECK_INTEQ(n, -12345);
		}
		free(err);
	}
	long n = 5;
	char *err = NULL;
	CHECK_INTEQ(config_get_int(cfg, "s", "unset", &n, &err), 0);
	CHECK_INTEQ(n, 5);
	config_free(&cfg);

	/* Interpolated before conversion. */
	cfg = parse_ok("[DEFAULT]\nbase = 3\n[s]\nv = %(base)s0\n");
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_INTEQ(config_get_int(cfg, "s", "v", &n, &err), 1);
		CHECK_INTEQ(n, 30);
		config_free(&cfg);
	}
}

static const struct float_case {
	const char *value;
	int ret;
	double expect;
} float_cases[] = {
	{ "3.25", 1, 3.25 }, { "5", 1, 5.0 }, { "1e1", 1, 10.0 },
	{ "-2.5e-1", 1, -0.25 }, { ".5", 1, 0.5 }, { "5.", 1, 5.0 },
	{ " +0.125 ", 1, 0.125 }, { "1E+2", 1, 100.0 }, { "0", 1, 0.0 },
	{ "abc", -1, 0 }, { "1e", -1, 0 }, { "0x1p3", -1, 0 }, { "", -1, 0 },
	{ "1.2.3", -1, 0 }, { "e5", -1, 0 }, { ".", -1, 0 }, { "1,5", -1, 0 },
	{ "- 1", -1, 0 },
	{ NULL, 0, 0 },
};

TEST(test_float)
{
	struct config *cfg = parse_ok("[s]\nx = 1\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	for (const struct float_case *c = float_cases; c->value; c++) {
		config_set(cfg, "s", "v", c->value);
		double d = -1.0;
		char *err = NULL;
		int r = config_get_float(cfg, "s", "v", &d, &err);
		CHECK_INTEQ(r, c->ret);
		if (r == 1) {
			CHECK(d == c->expect);
		} else {
			char *value = strip(xstrdup(c->value));
			char *want = xasprintf("command line: [s] v: '%s' is "
					       "not a number", value);
			CHECK_STREQ(err, want);
			free(want);
			free(value);
			CHECK(d == -1.0);
		}
		free(err);
	}
	/* Python's float() also takes inf and nan. */
	double d = 0;
	char *err = NULL;
	config_set(cfg, "s", "v", "-Infinity");
	CHECK_INTEQ(config_get_float(cfg, "s", "v", &d, &err), 1);
	CHECK(d < -1e308);
	config_set(cfg, "s", "v", "nan");
	CHECK_INTEQ(config_get_float(cfg, "s", "v", &d, &err), 1);
	CHECK(d != d);
	CHECK_INTEQ(config_get_float(cfg, "s", "unset", &d, &err), 0);
	config_free(&cfg);
}

TEST(test_path)
{
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", "/tmp/fakehome", 1);
	struct config *cfg = parse_ok(
		"[s]\nm = ~/Mail\na = /abs/~x\nr = ~root/x\n"
		"u = ~nosuchuser4711/x\nt = ~\nq = %(m)s/sub\n");
	CHECK(cfg != NULL);
	if (cfg) {
		char *p = NULL, *err = NULL;
		CHECK_INTEQ(config_get_path(cfg, "s", "m", &p, &err), 1);
		CHECK_STREQ(p, "/tmp/fakehome/Mail");
		FREE(&p);
		CHECK_INTEQ(config_get_path(cfg, "s", "t", &p, &err), 1);
		CHECK_STREQ(p, "/tmp/fakehome");
		FREE(&p);
		CHECK_INTEQ(config_get_path(cfg, "s", "a", &p, &err), 1);
		CHECK_STREQ(p, "/abs/~x");
		FREE(&p);
		CHECK_INTEQ(config_get_path(cfg, "s", "q", &p, &err), 1);
		CHECK_STREQ(p, "/tmp/fakehome/Mail/sub");
		FREE(&p);
		struct passwd *pw = getpwnam("root");
		if (pw) {
			char *want = xasprintf("%s/x", pw->pw_dir);
			CHECK_INTEQ(config_get_path(cfg, "s", "r", &p, &err),
				    1);
			CHECK_STREQ(p, want);
			FREE(&p);
			free(want);
		}
		CHECK_INTEQ(config_get_path(cfg, "s", "u", &p, &err), -1);
		CHECK_STREQ(err, "t.conf:5: [s] u: cannot expand "
			    "'~nosuchuser4711/x': no such user or home "
			    "directory");
		CHECK(p == NULL);
		FREE(&err);
		CHECK_INTEQ(config_get_path(cfg, "s", "unset", &p, &err), 0);
		CHECK(p == NULL);
		config_free(&cfg);
	}
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_home);
}

TEST(test_list)
{
	struct config *cfg = parse_ok(
		"[s]\na = x, y ,z\nb = x,,y,\nc =\nd = one\n  , two\n"
		"e = %(a)s,w\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	char **v = NULL, *err = NULL;
	CHECK_INTEQ(config_get_list(cfg, "s", "a", &v, &err), 1);
	CHECK_STREQ(v[0], "x");
	CHECK_STREQ(v[1], "y");
	CHECK_STREQ(v[2], "z");
	CHECK(v[3] == NULL);
	strv_free(&v);
	CHECK_INTEQ(config_get_list(cfg, "s", "b", &v, &err), 1);
	CHECK_STREQ(v[0], "x");
	CHECK_STREQ(v[1], "y");
	CHECK(v[2] == NULL);
	strv_free(&v);
	CHECK_INTEQ(config_get_list(cfg, "s", "c", &v, &err), 1);
	CHECK(v[0] == NULL);
	strv_free(&v);
	CHECK_INTEQ(config_get_list(cfg, "s", "d", &v, &err), 1);
	CHECK_STREQ(v[0], "one");
	CHECK_STREQ(v[1], "two");
	CHECK(v[2] == NULL);
	strv_free(&v);
	CHECK_INTEQ(config_get_list(cfg, "s", "e", &v, &err), 1);
	CHECK_STREQ(v[3], "w");
	strv_free(&v);
	CHECK_INTEQ(config_get_list(cfg, "s", "unset", &v, &err), 0);
	CHECK(v == NULL);
	config_free(&cfg);
}

/* ---- -k and changes --------------------------------------------------- */

static const struct override_case {
	const char *spec, *section, *option, *value, *error;
} override_cases[] = {
	{ "maxage=5", "general", "maxage", "5", NULL },
	{ "Repository R:ssl=yes", "Repository R", "ssl", "yes", NULL },
	{ "general:ui=basic", "general", "ui", "basic", NULL },
	{ "a=b=c", "general", "a", "b=c", NULL },
	{ "s:o=x:y", "s", "o", "x:y", NULL },
	{ "o=http://x:80/", "general", "o", "http://x:80/", NULL },
	{ "  general : Foo = bar ", "general", "foo", "bar", NULL },
	{ "general:accounts=", "general", "accounts", "", NULL },
	{ "general:x=\"\"", "general", "x", "", NULL },
	{ "Account_Work:autorefresh=0", "Account Work", "autorefresh", "0",
	  NULL },
	{ "Foo_Bar:x=1", "Foo_Bar", "x", "1", NULL },
	{ "DEFAULT:d=1", "DEFAULT", "d", "1", NULL },
	{ "DEFAULT:d=1", "Account Work", "d", "1", NULL },
	{ "noequals", NULL, NULL, NULL,
	  "expected [section:]option=value (no '=' found)" },
	{ "s:noequals", NULL, NULL, NULL,
	  "expected [section:]option=value (no '=' found)" },
	{ "=v", NULL, NULL, NULL, "empty option name before '='" },
	{ "s: =v", NULL, NULL, NULL, "empty option name before '='" },
	{ ":o=v", NULL, NULL, NULL, "empty section name before ':'" },
	{ NULL, NULL, NULL, NULL, NULL },
};

TEST(test_overrides)
{
	for (const struct override_case *c = override_cases; c->spec; c++) {
		struct config *cfg = parse_ok(
			"[general]\naccounts = Work\nui = ttyui\n"
			"[Account Work]\nautorefresh = 5\n");
		CHECK(cfg != NULL);
		if (!cfg)
			continue;
		char *err = NULL;
		int r = config_apply_override(cfg, c->spec, &err);
		if (c->error) {
			CHECK_INTEQ(r, -1);
			CHECK_STREQ(err, c->error);
		} else {
			const char *v = NULL;
			CHECK_INTEQ(r, 0);
			CHECK_INTEQ(config_get(cfg, c->section, c->option, &v,
					       &err), 1);
			CHECK_STREQ(v, c->value);
			CHECK_INTEQ(config_line(cfg, c->section, c->option),
				    0);
		}
		if (c->spec[0] == 'F')
			CHECK(config_has_section(cfg, "Foo_Bar"));
		free(err);
		config_free(&cfg);
	}
}

TEST(test_remove_option)
{
	struct config *cfg = parse_ok(
		"[DEFAULT]\nautorefresh = 1\n[Account A]\nautorefresh = 2\n"
		"x = 1\n[Account B]\ny = 1\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	const char *v = NULL;
	CHECK_INTEQ(config_get_raw(cfg, "Account A", "autorefresh", &v), 1);
	CHECK_STREQ(v, "2");
	config_remove_option(cfg, "Account A", "AutoRefresh");
	/* Still inherited from [DEFAULT]; the old value stays readable. */
	CHECK_STREQ(v, "2");
	CHECK_INTEQ(config_get_raw(cfg, "Account A", "autorefresh", &v), 1);
	CHECK_STREQ(v, "1");
	config_remove_option(cfg, "DEFAULT", "autorefresh");
	CHECK(!config_has_option(cfg, "Account A", "autorefresh"));
	CHECK(!config_has_option(cfg, "Account B", "autorefresh"));
	CHECK(config_has_option(cfg, "Account A", "x"));
	config_remove_option(cfg, "Account B", "nosuch");
	config_remove_option(cfg, "nosuch", "y");
	CHECK(config_has_option(cfg, "Account B", "y"));
	config_free(&cfg);
	config_free(&cfg);	/* NULL is fine */
}

/* ---- validation ------------------------------------------------------- */

/* A valid base file; cases replace "@X@" markers with extra lines. */
static const char base_conf[] =
	"[general]\n"			/* 1 */
	"accounts = A\n"		/* 2 */
	"@G@\n"				/* 3 */
	"[Account A]\n"			/* 4 */
	"localrepository = L\n"		/* 5 */
	"remoterepository = R\n"	/* 6 */
	"@A@\n"				/* 7 */
	"[Repository L]\n"		/* 8 */
	"type = Maildir\n"		/* 9 */
	"localfolders = ~/Mail\n"	/* 10 */
	"@L@\n"				/* 11 */
	"[Repository R]\n"		/* 12 */
	"type = IMAP\n"			/* 13 */
	"remotehost = imap.example.org\n"	/* 14 */
	"remoteuser = u\n"		/* 15 */
	"@R@\n";			/* 16 */

static const struct validate_case {
	const char *g, *a, *l, *r;	/* replacement of each marker */
	const char *extra;		/* appended to the file */
	const char *const *accounts;
	const char *error;		/* NULL = valid */
	const char *warning;		/* first warning, or NULL */
} validate_cases[] = {
	{ "", "", "", "", "", NULL, NULL, NULL },
	{ "", "", "", "ssl = maybe", "", NULL,
	  "t.conf:16: [Repository R] ssl: 'maybe' is not a boolean (use "
	  "yes/no, true/false, on/off, 1/0)", NULL },
	{ "", "", "", "maxconnections = two", "", NULL,
	  "t.conf:16: [Repository R] maxconnections: 'two' is not an "
	  "integer", NULL },
	{ "", "", "", "maxconnections = 0", "", NULL,
	  "t.conf:16: [Repository R] maxconnections: 0 is too small (the "
	  "least is 1)", NULL },
	{ "", "", "maxconnections = -2", "", "", NULL,
	  "t.conf:11: [Repository L] maxconnections: -2 is too small (the "
	  "least is 1)", NULL },
	{ "maxsyncaccounts = 0", "", "", "", "", NULL,
	  "t.conf:3: [general] maxsyncaccounts: 0 is too small (the least "
	  "is 1)", NULL },
	{ "maxsyncaccounts = many", "", "", "", "", NULL,
	  "t.conf:3: [general] maxsyncaccounts: 'many' is not an integer",
	  NULL },
	{ "", "", "", "remoteport = 70000", "", NULL,
	  "t.conf:16: [Repository R] remoteport: 70000 is out of range (1 "
	  "to 65535)", NULL },
	{ "", "autorefresh = soon", "", "", "", NULL,
	  "t.conf:7: [Account A] autorefresh: 'soon' is not a number", NULL },
	{ "", "autorefresh = 0.5", "", "", "", NULL, NULL, NULL },
	{ "", "", "", "", "[Repository X]\ntype = imap\n", NULL,
	  "t.conf:18: [Repository X] type: unknown repository type 'imap' "
	  "(use Maildir or IMAP)", NULL },
	{ "", "", "", "", "[Repository X]\nssl = perhaps\n", NULL,
	  "t.conf:18: [Repository X] ssl: 'perhaps' is not a boolean (use "
	  "yes/no, true/false, on/off, 1/0)", NULL },
	/* An unreferenced repository needs no mandatory options. */
	{ "", "", "", "", "[Repository X]\nssl = yes\n", NULL, NULL, NULL },
	{ "", "", "", "", "[Account Old]\nlocalrepository = gone\n", NULL,
	  NULL, NULL },
	{ "", "remoterepository = X", "", "", "", NULL,
	  "t.conf:7: [Account A] remoterepository: no [Repository X] section",
	  NULL },
	{ "", "localrepository = Y", "", "", "", NULL,
	  "t.conf:7: [Account A] localrepository: no [Repository Y] section",
	  NULL },
	{ "accounts = A, B", "", "", "", "", NULL,
	  "t.conf:3: [general] accounts: account 'B' has no [Account B] "
	  "section", NULL },
	{ "accounts = ,", "", "", "", "", NULL,
	  "t.conf:3: [general] accounts: no account names given", NULL },
	{ "", "remoterepository = L", "", "", "", NULL,
	  "t.conf:7: [Account A] remoterepository: [Repository L] is a "
	  "Maildir repository; the remote side must be IMAP", NULL },
	/* IMAP on the local side is fine. */
	{ "", "localrepository = R", "", "", "", NULL, NULL, NULL },
	{ "", "", "localfolders = \"\"", "", "", NULL, NULL, NULL },
	{ "", "", "", "", "[Account A]\nremoterepository = Z\n"
	  "[Repository Z]\nremotehost = h\n", NULL,
	  "t.conf:19: [Repository Z] type: missing required option (Maildir "
	  "or IMAP)", NULL },
	{ "", "", "", "", "[Account A]\nremoterepository = Z\n"
	  "[Repository Z]\ntype = IMAP\nremoteuser = u\n", NULL,
	  "t.conf:19: [Repository Z] remotehost: missing required option (or "
	  "set remotehosteval or preauthtunnel)", NULL },
	{ "", "", "", "", "[Account A]\nremoterepository = Z\n"
	  "[Repository Z]\ntype = IMAP\nremotehosteval = 'h'\n", NULL,
	  "t.conf:19: [Repository Z] remoteuser: missing required option (or "
	  "set remoteusereval or preauthtunnel)", NULL },
	{ "", "", "", "", "[Account A]\nremoterepository = Z\n"
	  "[Repository Z]\ntype = IMAP\nremotehosteval = 'h'\n"
	  "remoteusereval = 'u'\n", NULL, NULL, NULL },
	{ "", "", "", "", "[Account A]\nremoterepository = Z\n"
	  "[Repository Z]\ntype = IMAP\npreauthtunnel = ssh h imapd\n",
	  NULL, NULL, NULL },
	{ "", "", "", "", "[Account A]\nlocalrepository = M\n"
	  "[Repository M]\ntype = Maildir\n", NULL,
	  "t.conf:19: [Repository M] localfolders: missing required option "
	  "(root of the Maildir tree)", NULL },
	{ "", "", "", "", "[Account B]\nremoterepository = R\n",
	  (const char *const[]){ "B", NULL },
	  "t.conf:17: [Account B] localrepository: missing required option "
	  "(name of a [Repository X] section)", NULL },
	/* Only the accounts being synced are checked for completeness. */
	{ "", "", "", "", "[Account B]\nremoterepository = R\n",
	  (const char *const[]){ "A", NULL }, NULL, NULL },
	{ "", "", "", "", "", (const char *const[]){ "A", "Z", NULL },
	  "t.conf: account 'Z' (from -a) has no [Account Z] section", NULL },
	/* Type-specific options of the wrong type of repository. */
	{ "", "", "ssl = yes", "localfolders = ~/x", "", NULL, NULL,
	  "t.conf:11: [Repository L] ssl: unknown option, ignored" },
	{ "", "", "", "frobnicate = 1", "", NULL, NULL,
	  "t.conf:16: [Repository R] frobnicate: unknown option, ignored" },
	{ "Accounts = A", "", "", "", "", NULL, NULL, NULL },
	{ "", "", "", "", "[DEFAULT]\nzzz = 1\nssl = yes\n", NULL, NULL,
	  "t.conf:18: [DEFAULT] zzz: unknown option, ignored" },
	{ "", "", "", "", "[DEFAULT]\nexpunge = sometimes\n", NULL,
	  "t.conf:18: [Repository R] expunge: 'sometimes' is not a boolean "
	  "(use yes/no, true/false, on/off, 1/0)", NULL },
	{ "", "", "", "", "[nonsense]\nfoo = bar\n", NULL, NULL, NULL },
	/* A section's own value hides a bad [DEFAULT] one. */
	{ "", "", "", "ssl = yes", "[DEFAULT]\nssl = maybe\n", NULL, NULL,
	  NULL },
	{ "", "", "", "remotehost = %(host)s", "", NULL,
	  "t.conf:16: [Repository R] remotehost: cannot interpolate "
	  "%(host)s: no option 'host' in this section or [DEFAULT]", NULL },
	/* Helpers for interpolation are not reported as unknown. */
	{ "", "", "", "remotehost = %(host)s", "[DEFAULT]\nhost = h.example\n",
	  NULL, NULL, NULL },
	{ "", "", "", "srv = h\nremotehost = %(SRV)s", "", NULL, NULL, NULL },
	{ "", "", "", "nametrans = lambda f: re.sub('^INBOX', 'in' f",
	  "", NULL, NULL, NULL },
	{ "", "", "", "", "[mbnames]\nenabled = yes\nfilename = ~/m\n"
	  "header = 'x'\nperitem = \"+%(accountname)s/%(foldername)s\"\n"
	  "sep = ' '\nfooter = '\\n'\n", NULL, NULL, NULL },
	{ "", "", "", "", "[mbnames]\nenabled = yes\nfilename = ~/m\n"
	  "header = 'x'\nperitem = x\nsep = ' '\n", NULL,
	  "t.conf:17: [mbnames] footer: missing required option (needed when "
	  "enabled is on)", NULL },
	{ "", "", "", "", "[mbnames]\nenabled = no\n", NULL, NULL, NULL },
	{ "", "", "", "", "[mbnames]\nenabled = 2\n", NULL,
	  "t.conf:18: [mbnames] enabled: '2' is not a boolean (use yes/no, "
	  "true/false, on/off, 1/0)", NULL },
	{ "pythonfile = ~nosuchuser4711/x.py", "", "", "", "", NULL,
	  "t.conf:3: [general] pythonfile: cannot expand "
	  "'~nosuchuser4711/x.py': no such user or home directory", NULL },
	{ "", "", "", "", "[ui.Curses.Blinkenlights]\nloglines = x\n", NULL,
	  "t.conf:18: [ui.Curses.Blinkenlights] loglines: 'x' is not an "
	  "integer", NULL },
	{ "", "", "", "", "[ui.Tk.Blinkenlights]\nshowlog = on\n"
	  "fontfamily = Sans\nfontsize = 9\n", NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static char *replace(const char *s, const char *marker, const char *with)
{
	const char *at = strstr(s, marker);
	if (!at)
		return xstrdup(s);
	return xasprintf("%.*s%s%s", (int)(at - s), s, with,
			 at + strlen(marker));
}

static char *first_warning;
static int n_warnings;

static void record_warning(const char *msg)
{
	if (!first_warning)
		first_warning = xstrdup(msg);
	n_warnings++;
}

static char *build_conf(const struct validate_case *c)
{
	char *t1 = replace(base_conf, "@G@", c->g);
	char *t2 = replace(t1, "@A@", c->a);
	char *t3 = replace(t2, "@L@", c->l);
	char *t4 = replace(t3, "@R@", c->r);
	char *text = xasprintf("%s%s", t4, c->extra);
	free(t1);
	free(t2);
	free(t3);
	free(t4);
	return text;
}

TEST(test_validate)
{
	setenv("HOME", "/tmp/fakehome", 1);
	for (const struct validate_case *c = validate_cases; c->g; c++) {
		char *text = build_conf(c);
		struct config *cfg = parse_ok(text);
		CHECK(cfg != NULL);
		if (!cfg) {
			free(text);
			continue;
		}
		char *err = NULL;
		first_warning = NULL;
		n_warnings = 0;
		int r = config_validate(cfg, c->accounts, record_warning,
					&err);
		if (c->error) {
			CHECK_INTEQ(r, -1);
			CHECK_STREQ(err, c->error);
		} else {
			if (r != 0)
				fprintf(stderr, "unexpected: %s\n", err);
			CHECK_INTEQ(r, 0);
		}
		if (c->warning) {
			CHECK_STREQ(first_warning, c->warning);
		} else {
			if (first_warning)
				fprintf(stderr, "unexpected: %s\n",
					first_warning);
			CHECK(first_warning == NULL);
		}
		/* A NULL warn callback is allowed. */
		char *err2 = NULL;
		CHECK_INTEQ(config_validate(cfg, c->accounts, NULL, &err2), r);
		free(err2);
		FREE(&first_warning);
		free(err);
		free(text);
		config_free(&cfg);
	}
}

TEST(test_validate_missing_accounts)
{
	struct config *cfg = parse_ok(
		"[general]\nui = basic\n[Account A]\nlocalrepository = L\n");
	char *err = NULL;
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_INTEQ(config_validate(cfg, NULL, NULL, &err), -1);
	CHECK_STREQ(err, "t.conf:1: [general] accounts: missing required "
		    "option (the accounts to sync)");
	FREE(&err);
	config_free(&cfg);

	cfg = parse_ok("[Account A]\nlocalrepository = L\n");
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_INTEQ(config_validate(cfg, NULL, NULL, &err), -1);
	CHECK_STREQ(err, "t.conf: [general] accounts: missing required "
		    "option (the file has no [general] section)");
	FREE(&err);
	/* -a replaces [general] accounts. */
	CHECK_INTEQ(config_validate(cfg, (const char *const[]){ "A", NULL },
				    NULL, &err), -1);
	CHECK_STREQ(err, "t.conf:2: [Account A] localrepository: no "
		    "[Repository L] section");
	FREE(&err);
	/* A -k override names the command line. */
	CHECK_INTEQ(config_apply_override(cfg, "maxsyncaccounts=abc", &err),
		    0);
	CHECK_INTEQ(config_validate(cfg, NULL, NULL, &err), -1);
	CHECK_STREQ(err, "command line: [general] maxsyncaccounts: 'abc' is "
		    "not an integer");
	FREE(&err);
	config_free(&cfg);
}

/* ---- robustness ------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic, so failures reproduce. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static const char *const fragments[] = {
	"[general]", "[DEFAULT]", "[Account A]", "[Repository L]",
	"[Repository R]", "[mbnames]", "[ui.Tk.Blinkenlights]", "[",
	"]", "accounts", "localrepository", "remoterepository", "type",
	"Maildir", "IMAP", "localfolders", "remotehost", "remoteuser", "ssl",
	"maxconnections", "enabled", "peritem", "autorefresh", "=", ":", ";",
	" ;", "#", "rem ", "REM", "%(", ")s", "%%", "%", "%(a)s", "%(A)5s",
	"%(__name__)s", "a", "A", "L", "R", "yes", "maybe", "-1", "1e3",
	"~", "~root", "\"\"", " ", "\t", "\n", "\n ", "\r\n", ",", "(", ")",
	"*", ".", "0", "99999999999999999999",
};

static void exercise(struct config *cfg)
{
	static const char *const opts[] = {
		"a", "accounts", "type", "ssl", "maxconnections", "autorefresh",
		"localfolders", "peritem", "enabled", "__name__",
	};
	for (const char *const *s = config_sections(cfg); *s; s++) {
		for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
			const char *v;
			char *err = NULL, *p = NULL, **l = NULL;
			bool b;
			long n;
			double d;
			config_get_raw(cfg, *s, opts[i], &v);
			config_get(cfg, *s, opts[i], &v, &err);
			FREE(&err);
			config_get_bool(cfg, *s, opts[i], &b, &err);
			FREE(&err);
			config_get_int(cfg, *s, opts[i], &n, &err);
			FREE(&err);
			config_get_float(cfg, *s, opts[i], &d, &err);
			FREE(&err);
			config_get_path(cfg, *s, opts[i], &p, &err);
			FREE(&err);
			free(p);
			config_get_list(cfg, *s, opts[i], &l, &err);
			FREE(&err);
			strv_free(&l);
			(void)config_line(cfg, *s, opts[i]);
		}
	}
	char *err = NULL;
	config_validate(cfg, NULL, NULL, &err);
	FREE(&err);
	config_validate(cfg, (const char *const[]){ "A", NULL }, NULL, &err);
	FREE(&err);
}

TEST(test_fuzz)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (int iter = 0; iter < 4000; iter++) {
		strbuf_reset(&sb);
		size_t len = rng() % 60;
		for (size_t i = 0; i < len; i++) {
			uint32_t k = rng() % 4;
			if (k == 0) {
				/* Any byte but NUL. */
				strbuf_addch(&sb, (char)(1 + rng() % 255));
			} else {
				strbuf_addstr(&sb, fragments[rng() %
					ARRAY_SIZE(fragments)]);
			}
		}
		/* Half of the inputs start with a header so the parser gets
		 * past the first line. */
		char *text = iter % 2 ? xasprintf("[Account A]\n%s", sb.buf ?
						  sb.buf : "")
				      : xstrdup(sb.buf ? sb.buf : "");
		char *err = NULL;
		struct config *cfg = config_parse("fuzz", text, &err);
		if (cfg) {
			CHECK(err == NULL);
			exercise(cfg);
			config_apply_override(cfg, text, &err);
			FREE(&err);
			exercise(cfg);
			config_free(&cfg);
		} else {
			CHECK(err != NULL && strncmp(err, "fuzz:", 5) == 0);
			free(err);
		}
		free(text);
	}
	strbuf_release(&sb);
}

RUN_TESTS(test_values, test_parse_errors, test_load, test_sections,
	  test_interpolation_errors, test_interpolation_depth,
	  test_raw_and_interning, test_threads, test_bool, test_int, test_float,
	  test_path, test_list, test_overrides, test_remove_option,
	  test_validate, test_validate_missing_accounts, test_fuzz)
