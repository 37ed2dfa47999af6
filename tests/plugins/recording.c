/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test.Recording: a UI plugin for tests that appends one line per callback
 * to the file named by $OI_RECORD_FILE, so a test can assert on exactly
 * what the host delivered.
 *
 * Line format: "<callback>\t<thread>\t<account>\t<text>\n", where text is
 * ev->text with '\\', newline and tab escaped as "\\\\", "\\n" and "\\t".
 * Events without text carry a detail instead: registerthread,
 * unregisterthread and threadexited the thread id; terminate
 * "<status>|<title>|<text>"; getpass "<repository>" or
 * "<repository>: <error text>".  open and close are recorded with empty
 * thread and account; open's detail is "<config option 'mark' of
 * [ui.Test.Recording]>|<accounts joined by ','>".
 *
 * Environment: OI_RECORD_FILE (required, else unusable),
 * OI_RECORD_UNUSABLE (if set: unusable, the reason names it),
 * OI_RECORD_PASSWORD (if set: getpass answers it, else refuses),
 * OI_RECORD_NOANSWER (if set: getpass never answers, so the request waits
 * until the program quits).
 * Verbosity 1, so even OI_UI_VERBOSE messages are recorded.  An info text
 * starting with "LOG-ECHO " makes the plugin call host->log with the rest
 * from inside the callback (tests the host's deferred logging). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oi_ui.h"

struct recording {
	const struct oi_ui_host *host;
	FILE *f;
};

static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
}

static void record_line(struct recording *r, const char *cb,
			const struct oi_ui_event *ev, const char *detail)
{
	fprintf(r->f, "%s\t", cb);
	put_escaped(r->f, ev ? ev->thread : "");
	fputc('\t', r->f);
	put_escaped(r->f, ev ? ev->account : "");
	fputc('\t', r->f);
	put_escaped(r->f, detail);
	fputc('\n', r->f);
	fflush(r->f);
}

static void record(struct recording *r, const char *cb,
		   const struct oi_ui_event *ev)
{
	char detail[32];
	if (ev->text) {
		record_line(r, cb, ev, ev->text);
		return;
	}
	snprintf(detail, sizeof(detail), "%u", ev->thread_id);
	record_line(r, cb, ev, detail);
}

static int rec_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	if (getenv("OI_RECORD_UNUSABLE")) {
		*why_r = "OI_RECORD_UNUSABLE is set";
		return 0;
	}
	if (!getenv("OI_RECORD_FILE")) {
		*why_r = "OI_RECORD_FILE is not set";
		return 0;
	}
	return 1;
}

static int rec_open(const struct oi_ui_host *host, void **ctx_r,
		    const char **err_r)
{
	struct recording *r = calloc(1, sizeof(*r));
	if (!r) {
		*err_r = "out of memory";
		return -1;
	}
	r->host = host;
	r->f = fopen(getenv("OI_RECORD_FILE"), "a");
	if (!r->f) {
		free(r);
		*err_r = "cannot open $OI_RECORD_FILE";
		return -1;
	}
	char detail[1024];
	const char *mark = host->config_get("mark");
	size_t n = (size_t)snprintf(detail, sizeof(detail), "%s|",
				    mark ? mark : "");
	for (const char *const *a = host->accounts(); *a; a++)
		if (n < sizeof(detail))
			n += (size_t)snprintf(detail + n, sizeof(detail) - n,
					      "%s%s", a == host->accounts() ?
					      "" : ",", *a);
	record_line(r, "open", NULL, detail);
	*ctx_r = r;
	return 0;
}

static void rec_close(void *ctx)
{
	struct recording *r = ctx;
	record_line(r, "close", NULL, "");
	fclose(r->f);
	free(r);
}

static void rec_info(void *ctx, const struct oi_ui_event *ev)
{
	struct recording *r = ctx;
	record(r, "info", ev);
	if (ev->text && strncmp(ev->text, "LOG-ECHO ", 9) == 0)
		r->host->log("%s", ev->text + 9);
}

static void rec_getpass(void *ctx, const struct oi_ui_event *ev,
			unsigned request)
{
	struct recording *r = ctx;
	char detail[1024];
	if (ev->title)
		snprintf(detail, sizeof(detail), "%s: %s", ev->folder,
			 ev->title);
	else
		snprintf(detail, sizeof(detail), "%s", ev->folder);
	record_line(r, "getpass", ev, detail);
	if (getenv("OI_RECORD_NOANSWER"))
		return;
	const char *pw = getenv("OI_RECORD_PASSWORD");
	if (pw)
		r->host->answer_password(request, pw, NULL);
	else
		r->host->answer_password(request, NULL,
					 "Test.Recording has no password "
					 "(set OI_RECORD_PASSWORD)");
}

static void rec_terminate(void *ctx, const struct oi_ui_event *ev)
{
	struct recording *r = ctx;
	char *detail;
	size_t len = 64 + (ev->title ? strlen(ev->title) : 0) +
		     (ev->text ? strlen(ev->text) : 0);
	detail = malloc(len);
	if (!detail)
		return;
	snprintf(detail, len, "%d|%s|%s", ev->status,
		 ev->title ? ev->title : "", ev->text ? ev->text : "");
	record_line(r, "terminate", ev, detail);
	free(detail);
}

#define RECORDER(name) \
static void rec_##name(void *ctx, const struct oi_ui_event *ev) \
{ \
	record(ctx, #name, ev); \
}
RECORDER(init_banner)
RECORDER(debugging)
RECORDER(invaliddebug)
RECORDER(debug)
RECORDER(warn)
RECORDER(error)
RECORDER(registerthread)
RECORDER(unregisterthread)
RECORDER(connecting)
RECORDER(acct)
RECORDER(acctdone)
RECORDER(syncfolders)
RECORDER(syncingfolder)
RECORDER(validityproblem)
RECORDER(loadmessagelist)
RECORDER(messagelistloaded)
RECORDER(syncingmessages)
RECORDER(copyingmessage)
RECORDER(deletingmessages)
RECORDER(addingflags)
RECORDER(deletingflags)
RECORDER(msgtoreadonly)
RECORDER(flagstoreadonly)
RECORDER(deletereadonly)
RECORDER(sleep)
RECORDER(sleeping)
RECORDER(threadexited)
RECORDER(threadexception)
RECORDER(mainexception)

OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_VERSION,
	.name = "Test.Recording",
	.verbosity = 1,
	.isusable = rec_isusable,
	.open = rec_open,
	.close = rec_close,
	.init_banner = rec_init_banner,
	.debugging = rec_debugging,
	.invaliddebug = rec_invaliddebug,
	.debug = rec_debug,
	.warn = rec_warn,
	.error = rec_error,
	.info = rec_info,
	.registerthread = rec_registerthread,
	.unregisterthread = rec_unregisterthread,
	.getpass = rec_getpass,
	.connecting = rec_connecting,
	.acct = rec_acct,
	.acctdone = rec_acctdone,
	.syncfolders = rec_syncfolders,
	.syncingfolder = rec_syncingfolder,
	.validityproblem = rec_validityproblem,
	.loadmessagelist = rec_loadmessagelist,
	.messagelistloaded = rec_messagelistloaded,
	.syncingmessages = rec_syncingmessages,
	.copyingmessage = rec_copyingmessage,
	.deletingmessages = rec_deletingmessages,
	.addingflags = rec_addingflags,
	.deletingflags = rec_deletingflags,
	.msgtoreadonly = rec_msgtoreadonly,
	.flagstoreadonly = rec_flagstoreadonly,
	.deletereadonly = rec_deletereadonly,
	.sleep = rec_sleep,
	.sleeping = rec_sleeping,
	.threadexited = rec_threadexited,
	.threadexception = rec_threadexception,
	.mainexception = rec_mainexception,
	.terminate = rec_terminate,
};
