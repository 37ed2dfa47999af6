/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Noninteractive.Quiet (SPEC 7.5), and the smallest complete example of a
 * UI plugin: read this file first when writing a new UI.
 *
 * A plugin is one shared object that includes only <oi_ui.h> and exports
 * one data symbol, `oi_ui_plugin` (see the end of this file).  It is built
 * with -fvisibility=hidden, so everything else here stays private, and it
 * never calls a function of the program: what it needs from the host comes
 * in through the `struct oi_ui_host` pointer handed to isusable() and
 * open().
 *
 * The host does the work common to every UI before calling us: it formats
 * each message (ev->text), masks passwords, filters by our `verbosity`
 * (here -1: only OI_UI_ALWAYS messages reach us), writes what we show to
 * the -l log file, and holds one mutex around every callback, so no
 * callback here needs a lock. */
#include <stdio.h>
#include <stdlib.h>

#include "oi_ui.h"

/* Per-instance state, allocated in open() and given back to every
 * callback as `ctx`.  Quiet only needs the host's services. */
struct quiet {
	const struct oi_ui_host *host;
};

/* Mandatory.  Quiet works everywhere, even without a terminal. */
static int quiet_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	(void)why_r;
	return 1;
}

/* Mandatory.  Errors are static strings: the host does not free them. */
static int quiet_open(const struct oi_ui_host *host, void **ctx_r,
		      const char **err_r)
{
	struct quiet *q = calloc(1, sizeof(*q));
	if (!q) {
		*err_r = "out of memory";
		return -1;
	}
	q->host = host;
	*ctx_r = q;
	return 0;
}

/* Mandatory.  Called exactly once, also on error exits; after it the
 * host unloads the library, so nothing of ours may keep running. */
static void quiet_close(void *ctx)
{
	fflush(stdout);
	free(ctx);
}

/* Standard output gets what the user asked to see: "Now debugging"
 * lines, debug output (when no -l file takes it) and exception
 * reports. */
static void quiet_stdout(void *ctx, const struct oi_ui_event *ev)
{
	(void)ctx;
	if (!ev->text)
		return;
	fprintf(stdout, "%s\n", ev->text);
	fflush(stdout);
}

/* Warnings and errors go to standard error.  With -l the host has made
 * standard error the log file and already wrote the line there, so
 * printing it again would show it twice. */
static void quiet_stderr(void *ctx, const struct oi_ui_event *ev)
{
	struct quiet *q = ctx;
	if (!ev->text || q->host->stderr_is_logfile())
		return;
	fprintf(stderr, "%s\n", ev->text);
}

/* A noninteractive UI cannot ask; it answers the request at once with a
 * refusal, and the host turns the reason into the requesting thread's
 * error.  ev->folder is the repository name. */
static void quiet_getpass(void *ctx, const struct oi_ui_event *ev,
			  unsigned request)
{
	struct quiet *q = ctx;
	char reason[512];
	snprintf(reason, sizeof(reason),
		 "Prompting for a password is not supported in "
		 "noninteractive mode. Set remotepass, remotepassfile or "
		 "remotepasseval in [Repository %s] of your configuration.",
		 ev->folder ? ev->folder : "?");
	q->host->answer_password(request, NULL, reason);
}

/* Mandatory.  The program is ending with ev->status; show the error text
 * if there is one.  Never exit here: the host closes us and exits. */
static void quiet_terminate(void *ctx, const struct oi_ui_event *ev)
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

/* The one exported symbol.  abi_version must be the header's
 * OI_UI_ABI_VERSION so the host can refuse a plugin built for another
 * major version.  Callbacks left out (NULL) mean "show nothing": Quiet has
 * no banner, no progress messages and no countdown.  The NORMAL-level
 * callbacks could be set as well, since verbosity -1 already keeps those
 * messages away, but leaving them out says what Quiet shows. */
OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_VERSION,
	.name = "Noninteractive.Quiet",
	.verbosity = -1,

	.isusable = quiet_isusable,
	.open = quiet_open,
	.close = quiet_close,

	.debugging = quiet_stdout,
	.invaliddebug = quiet_stderr,
	.debug = quiet_stdout,
	.warn = quiet_stderr,
	.error = quiet_stderr,
	.info = quiet_stdout,
	.getpass = quiet_getpass,
	.validityproblem = quiet_stderr,
	.msgtoreadonly = quiet_stderr,
	.flagstoreadonly = quiet_stderr,
	.deletereadonly = quiet_stderr,
	.threadexception = quiet_stdout,
	.mainexception = quiet_stdout,
	.terminate = quiet_terminate,
};
