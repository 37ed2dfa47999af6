/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UI plugin ABI: what a user-interface shared object exports and what the
 * core hands it.  This header is the only thing a plugin includes. */
#ifndef OI_UI_H
#define OI_UI_H

#include <stdarg.h>

#define OI_UI_ABI_MAJOR 1
#define OI_UI_ABI_MINOR 0
#define OI_UI_ABI_MKVERSION(major, minor) (((major) << 16) | (minor))
#define OI_UI_ABI_VERSION OI_UI_ABI_MKVERSION(OI_UI_ABI_MAJOR, OI_UI_ABI_MINOR)
#define OI_UI_ABI_GET_MAJOR(v) ((v) >> 16)
#define OI_UI_ABI_GET_MINOR(v) ((v) & 0xffff)

/* Every plugin exports exactly one data symbol with this name, of type
 * `const struct oi_ui_plugin`. */
#define OI_UI_PLUGIN_SYMBOL "oi_ui_plugin"

#if defined(__GNUC__)
#define OI_UI_EXPORT __attribute__((visibility("default")))
#else
#define OI_UI_EXPORT
#endif

/* Which UIs show a message.  The host filters on the plugin's verbosity
 * before calling it, so a plugin only sees what it must display, and the
 * -l log file gets exactly what the UI displays. */
enum oi_ui_level {
	OI_UI_ALWAYS = -1,	/* shown by every UI, Quiet included */
	OI_UI_NORMAL = 0,	/* shown at verbosity >= 0 (not Quiet) */
	OI_UI_VERBOSE = 1,	/* shown at verbosity > 0 (no stock UI) */
};

/* Debug categories (-d).  Bit values, so a set is an unsigned mask. */
enum oi_debug_type {
	OI_DEBUG_IMAP = 1 << 0,
	OI_DEBUG_MAILDIR = 1 << 1,
	OI_DEBUG_THREAD = 1 << 2,
};

/* One event as the core reports it.  All strings belong to the host and
 * stay valid only for the duration of the callback; copy what you keep.
 * Fields that do not apply to an event are NULL or 0. */
struct oi_ui_event {
	const char *thread;	/* thread name, e.g. "Folder sync Work[INBOX]" */
	int is_main;		/* 1 when reported by the main thread */
	unsigned thread_id;	/* stable small number, reused after the thread ends */
	const char *account;	/* account the thread works for, or "*Control" */
	int level;		/* enum oi_ui_level of this message */
	const char *text;	/* the complete message, already formatted */

	/* Structured details, for UIs that draw more than text. */
	const char *folder;	/* folder name (source side where there are two) */
	const char *dest_folder;
	const char *src_type;	/* "IMAP", "Maildir", "LocalStatus", "MappedIMAP" */
	const char *dest_type;
	const char *host;	/* connecting */
	int port;
	long long uid;		/* copyingmessage; negative UIDs are possible */
	unsigned long count;	/* messages in a list, loaded, deleted, flagged */
	const char *flag;	/* addingflags/deletingflags: one flag letter */
	unsigned debug_type;	/* enum oi_debug_type of a debug message */
	int seconds;		/* sleep: total; sleeping: remaining */
	int status;		/* terminate: exit status */
	const char *title;	/* terminate: error title, may be NULL */
};

/* Services the host offers the plugin.  Every function here is safe to call
 * from any thread at any time between open() and close(), including from a
 * thread the plugin owns (e.g. a keyboard reader). */
struct oi_ui_host {
	unsigned abi_version;	/* the host's OI_UI_ABI_VERSION */
	const char *product;	/* "OfflineIMAP" */
	const char *version;	/* e.g. "4.0.16-c1" */
	const char *copyright;	/* one line */

	/* Log a line through the host (it lands in the -l log file as well). */
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	/* Ask the program to stop soon: current step finished, status saved,
	 * connections logged out, then exit with the given status. */
	void (*request_quit)(int status);
	/* Ask an account that sleeps between syncs to sync now; NULL = all. */
	void (*request_sync_now)(const char *account);
	/* Answer the password request `request` (from getpass()).  `password`
	 * NULL refuses; `reason` then says why (shown to the user).  The host
	 * copies the password and wipes its own copy after use; the plugin
	 * should wipe its buffer after this returns. */
	void (*answer_password)(unsigned request, const char *password,
				const char *reason);
	/* Read an option of the plugin's configuration section
	 * ("ui.<UI NAME>", e.g. "ui.Curses.Blinkenlights"); NULL if unset.  The
	 * string stays valid until close(). */
	const char *(*config_get)(const char *option);
	/* Accounts of this run in configuration order, NULL-terminated; valid
	 * until close(). */
	const char *const *(*accounts)(void);
	/* 1 when -l redirected standard error into the log file.  The host
	 * already writes every event to that file, so a UI that prints
	 * warnings on stderr skips them then, or they would appear twice. */
	int (*stderr_is_logfile)(void);
};

/* Bump OI_UI_ABI_MINOR when you append a member to this struct, and
 * OI_UI_ABI_MAJOR when you change or remove one.  Members are only ever
 * appended.  The host checks the plugin's minor before calling any member
 * added after 1.0.
 *
 * Threading: the host serialises every call into the plugin with one mutex,
 * so callbacks never run concurrently and plugins need no locks of their
 * own for state touched only from callbacks.
 *
 * Every event callback receives the plugin context and the event.  A NULL
 * event callback means "show nothing for this event".  isusable, open,
 * close, warn, error and terminate are mandatory. */
struct oi_ui_plugin {
	unsigned abi_version;	/* OI_UI_ABI_VERSION the plugin was built with */
	const char *name;	/* canonical name, e.g. "TTY.TTYUI" */
	int verbosity;		/* 0 normal, -1 quiet (hides OI_UI_NORMAL) */

	/* Can this UI run here?  Return 1 if so; otherwise 0 with *why_r set
	 * to a static sentence saying why (e.g. "standard output is not a
	 * terminal").  Called before open(). */
	int (*isusable)(const struct oi_ui_host *host, const char **why_r);
	/* Start the UI.  Returns 0 and a context, or -1 with *err_r (static). */
	int (*open)(const struct oi_ui_host *host, void **ctx_r,
		    const char **err_r);
	/* Stop the UI and restore the terminal.  Always called, also on error
	 * exits and fatal signals (then from the signal-handling thread). */
	void (*close)(void *ctx);

	void (*init_banner)(void *ctx, const struct oi_ui_event *ev);
	/* "Now debugging for <TYPE>: <DESCRIPTION>" and its warning twin. */
	void (*debugging)(void *ctx, const struct oi_ui_event *ev);
	void (*invaliddebug)(void *ctx, const struct oi_ui_event *ev);
	/* An enabled debug message when no -l file takes it. */
	void (*debug)(void *ctx, const struct oi_ui_event *ev);
	/* Warning (ev->level says minor via ev->status == 1) and error lines;
	 * ev->text is the full line ("WARNING: ...", "ERROR: ..."). */
	void (*warn)(void *ctx, const struct oi_ui_event *ev);
	void (*error)(void *ctx, const struct oi_ui_event *ev);
	/* Any other informational message (connection notices, summaries). */
	void (*info)(void *ctx, const struct oi_ui_event *ev);

	void (*registerthread)(void *ctx, const struct oi_ui_event *ev);
	void (*unregisterthread)(void *ctx, const struct oi_ui_event *ev);

	/* A connection needs a password.  ev->folder is the repository name
	 * and ev->title the server's error text from a failed attempt (or
	 * NULL).  The plugin must eventually call host->answer_password(
	 * request, ...), from this callback or from another thread; the host
	 * waits for the answer without holding the callback mutex. */
	void (*getpass)(void *ctx, const struct oi_ui_event *ev,
			unsigned request);

	void (*connecting)(void *ctx, const struct oi_ui_event *ev);
	void (*acct)(void *ctx, const struct oi_ui_event *ev);
	void (*acctdone)(void *ctx, const struct oi_ui_event *ev);
	void (*syncfolders)(void *ctx, const struct oi_ui_event *ev);
	void (*syncingfolder)(void *ctx, const struct oi_ui_event *ev);
	void (*validityproblem)(void *ctx, const struct oi_ui_event *ev);
	void (*loadmessagelist)(void *ctx, const struct oi_ui_event *ev);
	void (*messagelistloaded)(void *ctx, const struct oi_ui_event *ev);
	void (*syncingmessages)(void *ctx, const struct oi_ui_event *ev);
	void (*copyingmessage)(void *ctx, const struct oi_ui_event *ev);
	void (*deletingmessages)(void *ctx, const struct oi_ui_event *ev);
	void (*addingflags)(void *ctx, const struct oi_ui_event *ev);
	void (*deletingflags)(void *ctx, const struct oi_ui_event *ev);
	void (*msgtoreadonly)(void *ctx, const struct oi_ui_event *ev);
	void (*flagstoreadonly)(void *ctx, const struct oi_ui_event *ev);
	void (*deletereadonly)(void *ctx, const struct oi_ui_event *ev);

	/* Autorefresh countdown: sleep once with ev->seconds = total, then
	 * sleeping once per second with ev->seconds = remaining (down to 0).
	 * The host does the waiting; "sync now" and "quit" go through the host
	 * requests above. */
	void (*sleep)(void *ctx, const struct oi_ui_event *ev);
	void (*sleeping)(void *ctx, const struct oi_ui_event *ev);

	void (*threadexited)(void *ctx, const struct oi_ui_event *ev);
	/* A worker or the main thread failed: ev->text is the whole report
	 * (already masked), ready to print. */
	void (*threadexception)(void *ctx, const struct oi_ui_event *ev);
	void (*mainexception)(void *ctx, const struct oi_ui_event *ev);
	/* The program ends with ev->status.  If ev->text is set it is the
	 * error text and ev->title its title (or NULL); the UI shows them
	 * after restoring the terminal.  The UI must not exit: the host does. */
	void (*terminate)(void *ctx, const struct oi_ui_event *ev);
};

#endif
