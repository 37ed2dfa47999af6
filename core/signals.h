/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signals belong to the core: one thread takes them with sigwait and turns
 * them into requests (SPEC 3.8 with the later versions' signal set of
 * SPEC 10):
 *
 *   SIGUSR1                 sync now: every sleeping account wakes up;
 *   SIGUSR2                 exit after the current sync: each account
 *                           finishes the cycle it is in (or its first, if
 *                           it has not started yet) and does not sleep
 *                           again; the exit status says how the syncs went;
 *   SIGINT, SIGTERM, SIGHUP finish soon: the current message is completed,
 *                           status saved, connections logged out, the UI
 *                           closed; exit status 1;
 *   the second of those     abort at once: the UI is closed (terminal
 *                           restored) and the process exits with status 1;
 *                           every completed step is already journaled, so
 *                           the next run loses nothing;
 *   SIGPIPE                 ignored (a dead tunnel is an EPIPE).
 *
 * SIGINT, SIGTERM or SIGHUP ignored when the program starts (nohup, a
 * background job of a shell without job control) stay ignored.  Every
 * other signal keeps its default (SIGWINCH is the curses UI's). */
#ifndef OI_SIGNALS_H
#define OI_SIGNALS_H

#include <spawn.h>

/* Block the handled signals in the calling thread, ignore SIGPIPE, and
 * start the signal thread.  Call first thing in main, before any other
 * thread exists, so that every later thread inherits the mask and no
 * signal is ever delivered to a worker.  Failing to start the thread is
 * fatal (message on stderr, exit 1). */
void signals_start(void);

/* Children must not inherit the blocked mask and the ignored SIGPIPE (a
 * tunnel that ignores SIGTERM cannot be stopped): initialise `attr` so
 * that posix_spawn gives the child an empty mask and the default action
 * for SIGPIPE and every signal we take (what was ignored when we started
 * stays ignored).  Call after signals_start.  The caller destroys it with
 * posix_spawnattr_destroy. */
void signals_spawnattr_init(posix_spawnattr_t *attr);

#endif
