/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The metadata directory and the instance lock inside it (SPEC 3.7). */
#ifndef OI_LOCK_H
#define OI_LOCK_H

/* Create `dir` with mode 0700 when missing (single level: its parent must
 * exist).  An existing directory is left as it is.  Returns 0 or -1 with
 * *err_r. */
int metadata_dir_ensure(const char *dir, char **err_r);

/* Take the instance lock: <dir>/lock, opened for writing and locked with a
 * non-blocking exclusive flock(), held until the process exits.  The kernel
 * drops the lock when its holder dies, so a killed instance never blocks the
 * next run.  Returns 0; 1 when another process holds it; -1 with *err_r on
 * any other error. */
int instance_lock(const char *dir, char **err_r);

#endif
