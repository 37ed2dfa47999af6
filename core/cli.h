/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line (SPEC 1 plus -k and --version): parsed into plain data
 * before anything else happens. */
#ifndef OI_CLI_H
#define OI_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses; documented in --help, README and offlineimap(1). */
enum oi_exit {
	OI_EXIT_OK = 0,		/* everything synced */
	OI_EXIT_ERROR = 1,	/* sync errors, lock held, missing config file,
				 * unknown account, interrupted */
	OI_EXIT_USAGE = 2,	/* bad command line */
	OI_EXIT_CONFIG = 3,	/* configuration file error */
	OI_EXIT_PROFILE = 100,	/* -P without -1 (as 4.0) */
	OI_EXIT_NOUI = 200,	/* no usable user interface (as 4.0) */
};

enum cli_action {
	CLI_RUN,		/* normal run */
	CLI_HELP,		/* -h / --help: print cli_help(), exit 0 */
	CLI_VERSION,		/* --version */
};

struct cli_options {
	enum cli_action action;
	bool single;		/* -1 */
	bool once;		/* -o */
	bool info;		/* --info: show the folder plan, change nothing */
	const char *profiledir;	/* -P */
	const char *accounts;	/* -a, raw comma list */
	const char *configfile;	/* -c, NULL = default */
	const char *logfile;	/* -l */
	const char *ui;		/* -u */
	const char **debug;	/* -d items, in order, NULL-terminated */
	const char **overrides;	/* -k items, in order, NULL-terminated */
};

/* Parse argv (not modified; strings point into it).  Returns 0, or -1 with
 * *err_r (malloc'd one-line reason, e.g. "option requires an argument --
 * 'c'").  Later options of the same kind override earlier ones; -d and -k
 * accumulate.  Parsing stops at the first non-option or "--". */
int cli_parse(int argc, char **argv, struct cli_options *opts, char **err_r);
void cli_options_release(struct cli_options *opts);

/* Usage text: the short synopsis (usage) or the full help. */
void cli_usage(FILE *out);
void cli_help(FILE *out);

#endif
