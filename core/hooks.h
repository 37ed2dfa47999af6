/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The account hooks presynchook and postsynchook: shell commands run
 * around each sync cycle of an account, their output sent to the log. */
#ifndef OI_HOOKS_H
#define OI_HOOKS_H

struct config;

/* Run `command` through /bin/sh -c with standard input from /dev/null and
 * standard output and error (merged, in the order written) reported line
 * by line as informational messages "<what>: <line>" (lines longer than
 * 4096 bytes are split).  The child starts with default signal
 * dispositions and an empty signal mask.  Waits for the command to end.
 * Returns its exit status (0..255), HOOKS_KILLED + n when it was killed
 * by signal n, or -1 with *err_r (malloc'd) when it could not be
 * started.
 * Thread-safe: several accounts may run hooks at once. */
#define HOOKS_KILLED 256
int hooks_run(const char *what, const char *command, char **err_r);

/* [Account <account>] presynchook, run before a sync cycle.  Returns 0
 * when it is unset or succeeded; -1 when it failed or could not be run,
 * after reporting an error naming the account, the hook and the exit
 * status: the caller skips this cycle. */
int hooks_presync(const struct config *cfg, const char *account);

/* [Account <account>] postsynchook, run after a sync cycle (also a failed
 * one).  Returns 0 when it is unset or succeeded, -1 after reporting an
 * error otherwise (the caller counts the cycle as failed). */
int hooks_postsync(const struct config *cfg, const char *account);

#endif
