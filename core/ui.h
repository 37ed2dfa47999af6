/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The core's side of the UI: loads one plugin, names threads, and turns sync
 * events into serialised plugin callbacks (plus the -l log file and the
 * per-thread debug ring).  Every function here is thread-safe. */
#ifndef OI_CORE_UI_H
#define OI_CORE_UI_H

#include <stdbool.h>
#include <stddef.h>
#include "oi_ui.h"

struct config;

/* Try the UI names in order (SPEC 7.1).  Accepts the canonical names
 * (Curses.Blinkenlights, TTY.TTYUI, Noninteractive.Basic,
 * Noninteractive.Quiet), the lower-case aliases (blinkenlights, ttyui,
 * basic, quiet) and, for tests, any other [A-Za-z0-9_.-] name, loaded as
 * "<lower-cased name>.so" or, failing that, "<lower-cased part after the
 * last dot>.so" (Test.Recording: test.recording.so, then recording.so).
 * The Tk names are "not available".  Plugins are searched in
 * $OFFLINEIMAP_UI_PATH (colon-separated), then next to the running binary
 * (<exedir>/ui, then <exedir>/../lib/offlineimap/ui), then the install
 * directory (OI_UIDIR); a name uses the
 * first file found.  A UI that cannot be loaded or is not usable is
 * reported on stderr with the reason ("offlineimap: UI <name>: <reason>;
 * trying the next one"; with `forced` (-u): "offlineimap: UI <name> cannot
 * be used: <reason>"; Tk names are skipped silently unless forced) and the
 * next is tried.  Returns 0 when one is open; -1 after printing "ERROR: No
 * UIs were found usable!" (the caller exits 200).  `cfg` may be NULL; it
 * serves the plugin's config_get and must outlive the plugin (until
 * uihost_close or ui_terminate).  A plugin already open is closed first. */
int uihost_select(const char *const *names, size_t n_names, bool forced,
		  const struct config *cfg, const char *const *accounts);

/* The loaded plugin's canonical name, or NULL. */
const char *uihost_name(void);

/* Print one line per UI plugin file found on the search path that loads
 * and has this program's ABI major, as "  <name> (<path>)", to `out`.
 * Used by --version. */
void uihost_list_plugins(void *out_FILE);

/* -l: open `path` (truncating), write the four header lines (product and
 * version, compiler, platform, argument vector), and from then on copy every
 * displayed message to it as "<THREADNAME>: <MESSAGE>".  Returns 0 or -1
 * with *err_r (malloc'd). */
int uihost_open_logfile(const char *path, int argc, char **argv, char **err_r);
/* After the instance lock is taken: make stderr the log file (SPEC 1). */
void uihost_redirect_stderr(void);

/* Close the plugin (restoring the terminal), unload it, and close the log
 * file; later messages go to a built-in stderr logger.  Safe to call twice
 * and from the signal thread; if a callback is stuck (a password prompt)
 * for 3 seconds, the plugin's close() is called without the lock and the
 * library stays loaded. */
void uihost_close(void);

/* Never show `secret` anywhere: every text passing through the host has
 * each occurrence replaced by "<password hidden>".  The host keeps a
 * copy, wiped at exit.  Empty strings are ignored. */
void ui_register_secret(const char *secret);

/* Thread identity.  The main thread is "MainThread" without a call.  A
 * worker calls ui_thread_begin first thing (name copied; account NULL =
 * "*Control"; the plugin's registerthread) and ui_thread_end before it
 * returns (threadexited, then unregisterthread).  Thread ids are small and
 * reused; other threads are "Thread-<id>" until they call begin. */
void ui_thread_begin(const char *name, const char *account);
void ui_thread_end(void);
const char *ui_thread_name(void);

/* Messages.  All take printf formats.  Each text is masked, filtered by
 * the plugin's verbosity, written to the -l file (when the plugin has
 * the callback; one file line per text line) and passed to the plugin.
 * Warnings and errors are OI_UI_ALWAYS with "WARNING: "/"warning: "/
 * "ERROR: " prepended.  ui_debug keeps the last 50 messages of each thread
 * (every type, enabled or not, at most 4096 bytes each) for the reports;
 * an enabled type goes to the -l file only when open, else to the plugin
 * as "DEBUG[<type>]: <text>".  A plugin's host->log line is an
 * OI_UI_ALWAYS info; logged from inside a callback it is delivered right
 * after that callback returns. */
void ui_init_banner(void);
/* -d: one item, already stripped.  Returns true if it was a valid type. */
bool ui_add_debug(const char *type);
bool ui_debug_enabled(unsigned type);
void ui_debug(unsigned type, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ui_warn(bool minor, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warnings reported by threads of `account` since the last call (the
 * count restarts at 0), for the end-of-cycle summary. */
unsigned long ui_warnings_take(const char *account);
void ui_info(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sync events (SPEC 7.2); the host formats the standard text. */
void ui_connecting(const char *host, int port);
void ui_acct(const char *account);
void ui_acctdone(const char *account);
void ui_syncfolders(const char *src_type, const char *dest_type);
void ui_syncingfolder(const char *src_type, const char *src_folder,
		      const char *dest_type, const char *dest_folder);
void ui_validityproblem(const char *folder, unsigned long long saved,
			unsigned long long got);
void ui_loadmessagelist(const char *type, const char *folder);
void ui_messagelistloaded(const char *type, const char *folder,
			  unsigned long count);
void ui_syncingmessages(const char *src_type, const char *src_folder,
			const char *dest_type, const char *dest_folder);
/* targets: "<TYPE>[<NAME>], <TYPE>[<NAME>]" as the caller built it. */
void ui_copyingmessage(long long uid, const char *src_type,
		       const char *src_folder, const char *targets);
void ui_deletingmessages(const long long *uids, size_t n,
			 const char *targets);
void ui_addingflags(unsigned long count, const char *flag, const char *target);
void ui_deletingflags(unsigned long count, const char *flag,
		      const char *target);
/* Read-only warnings (SPEC 4.7): folder is "<TYPE>[<NAME>]". */
void ui_msgtoreadonly(const char *folder, long long uid);
void ui_flagstoreadonly(const char *folder, unsigned long count,
			const char *flags);
void ui_deletereadonly(const char *folder, unsigned long count);

/* Ask the UI for a password for `repo`.  `errtext` is the server's complaint
 * about the previous attempt, or NULL.  Returns 0 with *password_r
 * (malloc'd; the caller wipes and frees it), or -1 with *err_r (malloc'd)
 * when the UI refuses (noninteractive) or the program is quitting.  The
 * answered password is registered as a secret (ui_register_secret). */
int ui_getpass(const char *repo, const char *errtext, char **password_r,
	       char **err_r);

/* Autorefresh countdown through the UI: plugin sleep ("Sleeping for
 * <M>:<SS>", total), then sleeping ("Next refresh in <N> seconds") for N =
 * seconds ... 1 one second apart, and always a final sleeping(0); the
 * countdown is not written to the -l file.  Returns 0 when the time is up,
 * 1 when a sync-now request for `account` (or all) arrived (hotkey,
 * SIGUSR1), 2 when a quit was requested (at once if it already was). */
int ui_sleep(const char *account, int seconds);
/* Wake every ui_sleep with result 1 (account NULL = all) or 2 (quit).  A
 * quit also cancels waiting ui_getpass calls and is final; the first
 * requested status is kept. */
void ui_request_sync_now(const char *account);
void ui_request_quit(int status);
/* True once a quit was requested; *status_r gets the requested status. */
bool ui_quit_requested(int *status_r);

/* Reports (SPEC 8.3): the thread's debug ring is appended, masked. */
void ui_threadexception(const char *what);
void ui_mainexception(const char *what);

/* End the program: tell the UI (error text on the normal terminal), close
 * everything, exit with `status`.  `title` and `text` may be NULL.  The
 * text is not written to the -l file as a message: after
 * uihost_redirect_stderr it reaches the file through stderr. */
void ui_terminate(int status, const char *title, const char *text)
	__attribute__((noreturn));

#endif
