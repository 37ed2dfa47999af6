/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line parsing: every option, clustering, attached arguments,
 * repeats, stop at non-options, and usage errors. */
#include <stdlib.h>

#include "cli.h"
#include "harness.h"

static int parse(struct cli_options *o, char **err, int argc, ...)
	__attribute__((sentinel));

#include <stdarg.h>
static char *argv_buf[32];
static int parse(struct cli_options *o, char **err, int argc, ...)
{
	va_list ap;
	va_start(ap, argc);
	argv_buf[0] = "offlineimap";
	int n = 1;
	for (char *a = va_arg(ap, char *); a && n < 31; a = va_arg(ap, char *))
		argv_buf[n++] = a;
	argv_buf[n] = NULL;
	va_end(ap);
	(void)argc;
	*err = NULL;
	return cli_parse(n, argv_buf, o, err);
}

TEST(test_no_options)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, (char *)NULL), 0);
	CHECK_INTEQ(o.action, CLI_RUN);
	CHECK(!o.single && !o.once && !o.configfile && !o.ui);
	CHECK(o.debug[0] == NULL && o.overrides[0] == NULL);
	cli_options_release(&o);
}

TEST(test_every_option)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-1", "-P", "prof", "-a", "A,B",
			  "-c", "conf", "-d", "imap", "-l", "log", "-o",
			  "-u", "TTY.TTYUI", "-k", "general:ui=basic",
			  (char *)NULL), 0);
	CHECK(o.single);
	CHECK(o.once);
	CHECK_STREQ(o.profiledir, "prof");
	CHECK_STREQ(o.accounts, "A,B");
	CHECK_STREQ(o.configfile, "conf");
	CHECK_STREQ(o.debug[0], "imap");
	CHECK(o.debug[1] == NULL);
	CHECK_STREQ(o.logfile, "log");
	CHECK_STREQ(o.ui, "TTY.TTYUI");
	CHECK_STREQ(o.overrides[0], "general:ui=basic");
	CHECK_INTEQ(o.action, CLI_RUN);
	cli_options_release(&o);
}

TEST(test_cluster_and_attached)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-1oaWork", "-cfile", (char *)NULL),
		    0);
	CHECK(o.single && o.once);
	CHECK_STREQ(o.accounts, "Work");
	CHECK_STREQ(o.configfile, "file");
	cli_options_release(&o);

	CHECK_INTEQ(parse(&o, &err, 0, "-o1c", "x", (char *)NULL), 0);
	CHECK(o.single && o.once);
	CHECK_STREQ(o.configfile, "x");
	cli_options_release(&o);
}

TEST(test_last_wins_and_accumulate)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-c", "a", "-c", "b", "-d", "imap",
			  "-d", "thread,maildir", "-k", "x=1", "-k", "y=2",
			  (char *)NULL), 0);
	CHECK_STREQ(o.configfile, "b");
	CHECK_STREQ(o.debug[0], "imap");
	CHECK_STREQ(o.debug[1], "thread,maildir");
	CHECK(o.debug[2] == NULL);
	CHECK_STREQ(o.overrides[1], "y=2");
	cli_options_release(&o);
}

TEST(test_stops_at_non_option)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-o", "extra", "-1", (char *)NULL), 0);
	CHECK(o.once);
	CHECK(!o.single);
	cli_options_release(&o);
	CHECK_INTEQ(parse(&o, &err, 0, "--", "-1", (char *)NULL), 0);
	CHECK(!o.single);
	cli_options_release(&o);
}

TEST(test_help_and_version)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-h", (char *)NULL), 0);
	CHECK_INTEQ(o.action, CLI_HELP);
	cli_options_release(&o);
	/* --help wins anywhere, even after a bad option or a non-option. */
	CHECK_INTEQ(parse(&o, &err, 0, "-x", "stop", "--help", (char *)NULL),
		    0);
	CHECK_INTEQ(o.action, CLI_HELP);
	cli_options_release(&o);
	CHECK_INTEQ(parse(&o, &err, 0, "-1", "--version", (char *)NULL), 0);
	CHECK_INTEQ(o.action, CLI_VERSION);
	cli_options_release(&o);
}

TEST(test_errors)
{
	struct cli_options o;
	char *err;
	CHECK_INTEQ(parse(&o, &err, 0, "-x", (char *)NULL), -1);
	CHECK_STREQ(err, "invalid option -- 'x'");
	free(err);
	cli_options_release(&o);
	CHECK_INTEQ(parse(&o, &err, 0, "-c", (char *)NULL), -1);
	CHECK_STREQ(err, "option requires an argument -- 'c'");
	free(err);
	cli_options_release(&o);
	CHECK_INTEQ(parse(&o, &err, 0, "-1k", (char *)NULL), -1);
	CHECK_STREQ(err, "option requires an argument -- 'k'");
	free(err);
	cli_options_release(&o);
	CHECK_INTEQ(parse(&o, &err, 0, "--bogus", (char *)NULL), -1);
	CHECK_STREQ(err, "unrecognized option '--bogus'");
	free(err);
	cli_options_release(&o);
}

RUN_TESTS(test_no_options, test_every_option, test_cluster_and_attached,
	  test_last_wins_and_accumulate, test_stops_at_non_option,
	  test_help_and_version, test_errors)
