/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Noninteractive.Basic (SPEC 7.4): one line per message on standard output
 * without thread names, warnings and errors on standard error, no
 * password prompts.  Suited to cron jobs and pipes. */
#include <stdio.h>
#include <stdlib.h>

#include "oi_ui.h"

struct basic {
	const struct oi_ui_host *host;
};

static int basic_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	(void)why_r;
	return 1;
}

static int basic_open(const struct oi_ui_host *host, void **ctx_r,
		      const char **err_r)
{
	struct basic *b = calloc(1, sizeof(*b));
	if (!b) {
		*err_r = "out of memory";
		return -1;
	}
	b->host = host;
	*ctx_r = b;
	return 0;
}

static void basic_close(void *ctx)
{
	fflush(stdout);
	free(ctx);
}

/* Every informational event, the banner, debug output and reports. */
static void basic_stdout(void *ctx, const struct oi_ui_event *ev)
{
	(void)ctx;
	if (!ev->text)
		return;
	fprintf(stdout, "%s\n", ev->text);
	fflush(stdout);
}

/* Warnings and errors; with -l the host already wrote them to the log
 * file, which is then also standard error. */
static void basic_stderr(void *ctx, const struct oi_ui_event *ev)
{
	struct basic *b = ctx;
	if (!ev->text || b->host->stderr_is_logfile())
		return;
	fflush(stdout);
	fprintf(stderr, "%s\n", ev->text);
}

static void basic_getpass(void *ctx, const struct oi_ui_event *ev,
			  unsigned request)
{
	struct basic *b = ctx;
	char reason[512];
	snprintf(reason, sizeof(reason),
		 "Prompting for a password is not supported in "
		 "noninteractive mode. Set remotepass, remotepassfile or "
		 "remotepasseval in [Repository %s] of your configuration.",
		 ev->folder ? ev->folder : "?");
	b->host->answer_password(request, NULL, reason);
}

static void basic_terminate(void *ctx, const struct oi_ui_event *ev)
{
	(void)ctx;
	fflush(stdout);
	if (!ev->text)
		return;
	if (ev->title)
		fprintf(stderr, "ERROR: %s\n\n%s\n", ev->title, ev->text);
	else
		fprintf(stderr, "%s\n", ev->text);
}

/* The host's sleep text is "Sleeping for <M>:<SS>", printed once; the
 * per-second countdown (sleeping) stays silent. */
OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_VERSION,
	.name = "Noninteractive.Basic",
	.verbosity = 0,

	.isusable = basic_isusable,
	.open = basic_open,
	.close = basic_close,

	.init_banner = basic_stdout,
	.debugging = basic_stdout,
	.invaliddebug = basic_stderr,
	.debug = basic_stdout,
	.warn = basic_stderr,
	.error = basic_stderr,
	.info = basic_stdout,
	.getpass = basic_getpass,
	.connecting = basic_stdout,
	.acct = basic_stdout,
	.acctdone = basic_stdout,
	.syncfolders = basic_stdout,
	.syncingfolder = basic_stdout,
	.validityproblem = basic_stderr,
	.loadmessagelist = basic_stdout,
	.messagelistloaded = basic_stdout,
	.syncingmessages = basic_stdout,
	.copyingmessage = basic_stdout,
	.deletingmessages = basic_stdout,
	.addingflags = basic_stdout,
	.deletingflags = basic_stdout,
	.msgtoreadonly = basic_stderr,
	.flagstoreadonly = basic_stderr,
	.deletereadonly = basic_stderr,
	.sleep = basic_stdout,
	.threadexception = basic_stdout,
	.mainexception = basic_stdout,
	.terminate = basic_terminate,
};
