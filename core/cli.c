/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line parsing: POSIX getopt semantics over our own loop, so the
 * parser is reentrant and testable (getopt's globals are not). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

/* Options that take an argument. */
static const char with_arg[] = "Pacdluk";
static const char no_arg[] = "1oh";

static void push(const char ***v, size_t *n, const char *item)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = item;
	(*v)[*n] = NULL;
}

int cli_parse(int argc, char **argv, struct cli_options *opts, char **err_r)
{
	size_t n_debug = 0, n_over = 0;

	memset(opts, 0, sizeof(*opts));
	opts->action = CLI_RUN;
	opts->debug = xcalloc(1, sizeof(*opts->debug));
	opts->overrides = xcalloc(1, sizeof(*opts->overrides));

	/* --help and --version are honoured anywhere in argv, before option
	 * parsing, as 4.0 does for --help. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			opts->action = CLI_HELP;
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			opts->action = CLI_VERSION;
			return 0;
		}
	}

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0 || arg[0] != '-' || arg[1] == '\0')
			break;
		if (arg[1] == '-') {
			if (strcmp(arg, "--info") == 0) {
				opts->info = true;
				continue;
			}
			*err_r = xasprintf("unrecognized option '%s'", arg);
			return -1;
		}
		for (const char *p = arg + 1; *p; p++) {
			char c = *p;
			if (strchr(no_arg, c)) {
				if (c == '1')
					opts->single = true;
				else if (c == 'o')
					opts->once = true;
				else
					opts->action = CLI_HELP;
				continue;
			}
			if (!strchr(with_arg, c)) {
				*err_r = xasprintf("invalid option -- '%c'", c);
				return -1;
			}
			const char *val;
			if (p[1]) {
				val = p + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				*err_r = xasprintf(
					"option requires an argument -- '%c'",
					c);
				return -1;
			}
			switch (c) {
			case 'P': opts->profiledir = val; break;
			case 'a': opts->accounts = val; break;
			case 'c': opts->configfile = val; break;
			case 'l': opts->logfile = val; break;
			case 'u': opts->ui = val; break;
			case 'd': push(&opts->debug, &n_debug, val); break;
			case 'k': push(&opts->overrides, &n_over, val); break;
			}
			break;	/* the argument ends this cluster */
		}
	}
	return 0;
}

void cli_options_release(struct cli_options *opts)
{
	free(opts->debug);
	free(opts->overrides);
	opts->debug = opts->overrides = NULL;
}

void cli_usage(FILE *out)
{
	fputs("usage: offlineimap [-1] [-P profiledir] [-a accountlist] "
	      "[-c configfile]\n"
	      "                   [-d debugtype[,...]] [-k [section:]option=value]"
	      "\n"
	      "                   [-l logfile] [-o] [-u interface]\n"
	      "       offlineimap --info [-c configfile] [-a accountlist]\n"
	      "       offlineimap -h | --help | --version\n", out);
}

void cli_help(FILE *out)
{
	cli_usage(out);
	fputs("\n"
"Synchronize a local Maildir tree (or a second IMAP server) with an IMAP\n"
"account in both directions: new messages, deletions and flags.\n"
"\n"
"Options:\n"
"  -1                 Use one thread of each kind: one account at a time,\n"
"                     one folder and one message copy per repository.\n"
"  -P DIR             Profile mode (requires -1): create DIR and write one\n"
"                     <THREADID>_<THREADNAME>.prof timing file per thread.\n"
"  -a LIST            Sync only these accounts (comma-separated) instead of\n"
"                     [general] accounts.\n"
"  -c FILE            Read FILE instead of ~/.offlineimaprc.\n"
"  -d TYPES           Debug output for TYPES, comma-separated: imap,\n"
"                     maildir, thread.  Passwords are always hidden.\n"
"  -k [SECTION:]OPTION=VALUE\n"
"                     Override a configuration option (SECTION defaults to\n"
"                     general; e.g. -k 'Repository R:ssl=yes').  Repeatable.\n"
"  -l FILE            Also log every message to FILE; debug output then\n"
"                     goes only to FILE, and so do warnings and errors.\n"
"  -o                 Run once: ignore autorefresh everywhere.\n"
"  -u UI              Use this user interface instead of the [general] ui\n"
"                     list: Curses.Blinkenlights, TTY.TTYUI,\n"
"                     Noninteractive.Basic, Noninteractive.Quiet (or\n"
"                     blinkenlights, ttyui, basic, quiet).\n"
"  --info             For each account, connect and print every server\n"
"                     folder in sync order: server name, include or\n"
"                     exclude, local name (after nametrans); then the\n"
"                     mbnames text.  Changes nothing anywhere.\n"
"  -h, --help         Show this help and exit.\n"
"  --version          Show the version and the UI plugins found, and exit.\n"
"\n"
"Exit status:\n"
"  0    everything synced\n"
"  1    an account or folder failed, another instance holds the lock, the\n"
"       configuration file does not exist, an account is unknown, or the\n"
"       run was interrupted\n"
"  2    bad command line\n"
"  3    error in the configuration file (the message names file and line)\n"
"  100  -P given without -1\n"
"  200  no usable user interface\n"
"\n"
"Environment:\n"
"  OFFLINEIMAP_UI_PATH  colon-separated directories searched first for UI\n"
"                       plugins.\n", out);
}
