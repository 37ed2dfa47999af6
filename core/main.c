/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Program start-up in the order of SPEC 1: options, configuration, UI, log
 * file, debug types, -o, instance lock, then the accounts. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "cfgexpr.h"
#include "cli.h"
#include "config.h"
#include "fsutil.h"
#include "info.h"
#include "lock.h"
#include "mbnames.h"
#include "profile.h"
#include "remote.h"
#include "signals.h"
#include "ui.h"
#include "util.h"

/* The default UI list of SPEC 7.1; the Tk names are tried and skipped
 * silently, as in 4.0, so a config written for 4.0 gets the same UI. */
static const char *const default_uis[] = {
	"Tk.Blinkenlights", "Tk.VerboseUI", "Curses.Blinkenlights",
	"TTY.TTYUI", "Noninteractive.Basic", "Noninteractive.Quiet",
};

static void print_version(void)
{
	printf("offlineimap %s (C implementation, compatible with "
	       "OfflineIMAP 4.0 configurations)\n", OI_VERSION);
	printf("UI plugins found:\n");
	uihost_list_plugins(stdout);
}

static void warn_config(const char *msg)
{
	fprintf(stderr, "warning: %s\n", msg);
}

/* Start-up errors before a UI exists: one line on stderr. */
static void __attribute__((noreturn)) die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

static char *default_config_path(void)
{
	char *p = expand_tilde("~/.offlineimaprc");
	if (!p)
		die(OI_EXIT_CONFIG, "cannot find your home directory for "
		    "~/.offlineimaprc; use -c FILE");
	return p;
}

/* The accounts of this run: -a, else [general] accounts.  Unknown names
 * end the program with 4.0's text (SPEC 8.2), status 1. */
static char **resolve_accounts(const struct config *cfg, const char *arg)
{
	char **names = NULL;
	char *err = NULL;

	if (arg) {
		names = split_commalist(arg, NULL);
	} else {
		int r = config_get_list(cfg, "general", "accounts", &names,
					&err);
		if (r < 0)
			die(OI_EXIT_CONFIG, "%s", err);
		if (r == 0)
			die(OI_EXIT_CONFIG, "%s: [general] accounts: option "
			    "missing; name the accounts to sync",
			    config_filename(cfg));
	}
	if (!names[0])
		die(OI_EXIT_CONFIG, "no accounts to sync (empty account list)");

	for (char **n = names; *n; n++) {
		char *sec = xasprintf("Account %s", *n);
		bool ok = config_has_section(cfg, sec);
		free(sec);
		if (ok)
			continue;
		struct strbuf sb;
		strbuf_init(&sb);
		size_t known = 0;
		for (const char *const *s = config_sections(cfg); *s; s++)
			if (strncmp(*s, "Account ", 8) == 0)
				known++;
		strbuf_addf(&sb, "ERROR: Unknown Account \"%s\"\n\n", *n);
		if (!known) {
			strbuf_addf(&sb, "The account \"%s\" does not exist "
				    "because no accounts are defined!\n", *n);
		} else {
			strbuf_addf(&sb, "The account \"%s\" does not exist.  "
				    "Valid accounts are:\n", *n);
			for (const char *const *s = config_sections(cfg); *s;
			     s++)
				if (strncmp(*s, "Account ", 8) == 0)
					strbuf_addf(&sb, "%s\n", *s + 8);
		}
		fputs(sb.buf, stderr);
		strbuf_release(&sb);
		exit(OI_EXIT_ERROR);
	}
	return names;
}

/* -o: autorefresh disappears everywhere, [DEFAULT] included (SPEC 9 row
 * 19). */
static void apply_once(struct config *cfg)
{
	config_remove_option(cfg, "DEFAULT", "autorefresh");
	for (const char *const *s = config_sections(cfg); *s; s++)
		config_remove_option(cfg, *s, "autorefresh");
}

static void apply_debug(const char *const *items)
{
	for (; *items; items++) {
		char **types = split_commalist(*items, NULL);
		for (char **t = types; *t; t++)
			ui_add_debug(*t);
		strv_free(&types);
	}
}

static char **ui_candidates(const struct config *cfg, const char *forced,
			    size_t *n_r)
{
	char **names = NULL;
	char *err = NULL;

	if (forced) {
		names = split_commalist(forced, n_r);
		return names;
	}
	int r = config_get_list(cfg, "general", "ui", &names, &err);
	if (r < 0)
		die(OI_EXIT_CONFIG, "%s", err);
	if (r > 0 && names[0]) {
		for (*n_r = 0; names[*n_r]; (*n_r)++)
			;
		return names;
	}
	strv_free(&names);
	names = xcalloc(ARRAY_SIZE(default_uis) + 1, sizeof(*names));
	for (size_t i = 0; i < ARRAY_SIZE(default_uis); i++)
		names[i] = xstrdup(default_uis[i]);
	*n_r = ARRAY_SIZE(default_uis);
	return names;
}

int main(int argc, char **argv)
{
	struct cli_options opts;
	char *err = NULL;

	/* Before any thread exists: every later thread inherits the blocked
	 * mask, so signals reach only the signal thread (signals.h).  A dead
	 * tunnel or server must not kill us: SIGPIPE is ignored and EPIPE is
	 * handled as a connection error where the write happens. */
	signals_start();

	/* Test-only switches (STYLE section 9): die abruptly after the Nth
	 * durable step, or report the number of steps at exit, so the
	 * crash tests can interrupt a sync at every step. */
	const char *crash = getenv("OFFLINEIMAP_TEST_CRASH_AFTER");
	if (crash && *crash)
		fsutil_crash_after(strtoul(crash, NULL, 10));

	/* 1. Options. */
	if (cli_parse(argc, argv, &opts, &err) < 0) {
		fprintf(stderr, "offlineimap: %s\n", err);
		cli_usage(stderr);
		free(err);
		cli_options_release(&opts);
		return OI_EXIT_USAGE;
	}
	if (opts.action == CLI_HELP) {
		cli_help(stdout);
		cli_options_release(&opts);
		return OI_EXIT_OK;
	}
	if (opts.action == CLI_VERSION) {
		print_version();
		cli_options_release(&opts);
		return OI_EXIT_OK;
	}

	/* 2. Configuration file name; -P's precondition.  The profile
	 * directory itself is created only once the configuration is known
	 * to be good, so a bad file changes nothing on disk. */
	if (opts.profiledir && !opts.single) {
		fputs("FATAL: profile mode REQUIRES -1\n", stderr);
		cli_options_release(&opts);
		return OI_EXIT_PROFILE;
	}
	char *cfgpath = opts.configfile ? xstrdup(opts.configfile)
					: default_config_path();

	/* 3. The file must exist; parse and validate everything before any
	 * network or disk change. */
	struct stat st;
	if (stat(cfgpath, &st) != 0) {
		fprintf(stderr, " *** Config file %s does not exist; "
			"aborting!\n", cfgpath);
		free(cfgpath);
		cli_options_release(&opts);
		return OI_EXIT_ERROR;
	}
	struct config *cfg = config_load(cfgpath, &err);
	if (!cfg)
		die(OI_EXIT_CONFIG, "%s", err);
	for (const char **k = opts.overrides; *k; k++)
		if (config_apply_override(cfg, *k, &err) < 0)
			die(OI_EXIT_USAGE, "-k %s: %s", *k, err);
	if (opts.once)
		apply_once(cfg);

	char **accounts = resolve_accounts(cfg, opts.accounts);
	if (config_validate(cfg, (const char *const *)accounts, warn_config,
			    &err) < 0)
		die(OI_EXIT_CONFIG, "%s", err);
	/* Python expressions too are checked before anything happens. */
	if (cfgexpr_init(cfg, (const char *const *)accounts, warn_config,
			 &err) < 0 ||
	    mbnames_init(cfg, (const char *const *)accounts, &err) < 0 ||
	    remote_preflight(cfg, (const char *const *)accounts, &err) < 0)
		die(OI_EXIT_CONFIG, "%s", err);

	char *metadata = NULL;
	if (config_get_path(cfg, "general", "metadata", &metadata, &err) < 0)
		die(OI_EXIT_CONFIG, "%s", err);
	if (!metadata && !(metadata = expand_tilde("~/.offlineimap")))
		die(OI_EXIT_CONFIG, "cannot find your home directory for the "
		    "default metadata directory; set [general] metadata");

	bool do_fsync = true;
	if (config_get_bool(cfg, "general", "fsync", &do_fsync, &err) < 0)
		die(OI_EXIT_CONFIG, "%s", err);
	fsutil_set_fsync(do_fsync);

	if (opts.profiledir) {
		if (profile_start(opts.profiledir, &err) < 0)
			die(OI_EXIT_ERROR, "%s", err);
	}

	/* 4. The UI, then the log file, then the banner.  --info prints
	 * plain lines: unless -u says otherwise only errors go through the
	 * UI. */
	size_t n_ui = 0;
	char **uis = ui_candidates(cfg, opts.ui ? opts.ui
				   : opts.info ? "Noninteractive.Quiet" : NULL,
				   &n_ui);
	if (uihost_select((const char *const *)uis, n_ui, opts.ui != NULL, cfg,
			  (const char *const *)accounts) < 0) {
		strv_free(&uis);
		strv_free(&accounts);
		free(metadata);
		free(cfgpath);
		config_free(&cfg);
		cli_options_release(&opts);
		return OI_EXIT_NOUI;
	}
	strv_free(&uis);
	if (opts.logfile &&
	    uihost_open_logfile(opts.logfile, argc, argv, &err) < 0) {
		ui_terminate(OI_EXIT_ERROR, NULL, err);
	}
	ui_init_banner();

	/* 5. Debug types; -o was applied with the configuration. */
	apply_debug(opts.debug);

	/* --info reads and changes nothing: no lock, no metadata. */
	if (opts.info) {
		int bad = info_run(cfg, (const char *const *)accounts,
				   metadata) < 0;
		strv_free(&accounts);
		free(metadata);
		free(cfgpath);
		cli_options_release(&opts);
		ui_terminate(bad ? OI_EXIT_ERROR : OI_EXIT_OK, NULL, NULL);
	}

	/* 6. The instance lock. */
	if (metadata_dir_ensure(metadata, &err) < 0)
		ui_terminate(OI_EXIT_ERROR, NULL, err);
	int lr = instance_lock(metadata, &err);
	if (lr < 0)
		ui_terminate(OI_EXIT_ERROR, NULL, err);
	if (lr > 0)
		ui_terminate(OI_EXIT_ERROR, NULL,
			     "Another OfflineIMAP is running with the same "
			     "metadatadir; exiting.");

	/* 7. From now on stderr is the log file, if there is one. */
	if (opts.logfile)
		uihost_redirect_stderr();

	struct run_options run = {
		.single = opts.single,
		.once = opts.once,
		.metadata = metadata,
	};
	int failed = accounts_run(cfg, (const char *const *)accounts, &run);

	int quit_status;
	int status = failed ? OI_EXIT_ERROR : OI_EXIT_OK;
	if (ui_quit_requested(&quit_status) && quit_status > status)
		status = quit_status;
	profile_thread_done("MainThread");
	if (getenv("OFFLINEIMAP_TEST_COUNT_STEPS"))
		fprintf(stderr, "test: %lu durable steps\n",
			fsutil_checkpoints());
	strv_free(&accounts);
	free(metadata);
	free(cfgpath);
	cli_options_release(&opts);
	/* The configuration stays alive: the plugin may read its section
	 * until ui_terminate has closed it. */
	ui_terminate(status, NULL, NULL);
}
