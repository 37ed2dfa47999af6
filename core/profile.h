/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -P profile mode: one timing summary file per thread. */
#ifndef OI_PROFILE_H
#define OI_PROFILE_H

/* Create `dir` (single level; it must not exist yet) and print the two-line
 * warning of SPEC 1 on stderr.  Returns 0 or -1 with *err_r. */
int profile_start(const char *dir, char **err_r);

/* Mark the start of the calling thread's work (the main thread is marked
 * by profile_start). */
void profile_thread_start(void);

/* When profiling, write <dir>/<THREADID>_<THREADNAME>.prof with the
 * thread's wall-clock and CPU time.  No-op otherwise. */
void profile_thread_done(const char *thread_name);

#endif
