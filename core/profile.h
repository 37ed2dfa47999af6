/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -P profile mode: one timing summary file per thread, with the wall and
 * CPU time of each phase the thread went through, the count and wall time
 * of each IMAP command it ran, and its counters.  The
 * format is documented in README.md ("Profile files").
 *
 * Everything is per thread (thread-local), so recording takes no lock;
 * when -P was not given every call returns at once. */
#ifndef OI_PROFILE_H
#define OI_PROFILE_H

#include <stdbool.h>
#include <time.h>

/* Create `dir` (single level; it must not exist yet) and print the two-line
 * warning of SPEC 1 on stderr.  Call before any thread starts.  Returns 0
 * or -1 with *err_r. */
int profile_start(const char *dir, char **err_r);

/* True when -P is on. */
bool profile_enabled(void);

/* Mark the start of the calling thread's work (the main thread is marked
 * by profile_start). */
void profile_thread_start(void);

/* A phase in progress: profile_begin notes the clocks, profile_end adds
 * the elapsed wall and CPU time to the phase called `phase` (copied) of
 * the calling thread and counts one call.  Begin and end must run on the
 * same thread.  Phases may nest; each is timed on its own. */
struct profile_mark {
	struct timespec wall, cpu;
	bool on;
};
void profile_begin(struct profile_mark *m);
void profile_end(const struct profile_mark *m, const char *phase);

/* An IMAP command begun with profile_begin (when it was sent) has
 * completed: count it and add its wall time to the calling thread's
 * command `command` (copied).  Pipelined commands overlap, so their times
 * may add up to more than the phase that ran them. */
void profile_command(const struct profile_mark *m, const char *command);

/* Add `n` to the calling thread's counter `name` (copied). */
void profile_count(const char *name, unsigned long long n);

/* When profiling, write <dir>/<THREADID>_<THREADNAME>.prof with the
 * thread's wall-clock and CPU time, its phases, IMAP commands and
 * counters, and forget them.  No-op otherwise.  A thread that recorded something
 * without calling this has its records freed at thread exit, unwritten. */
void profile_thread_done(const char *thread_name);

#endif
