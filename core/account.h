/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Accounts: one thread per account, at most maxsyncaccounts syncing at
 * once, each looping sync / sleep when it has an autorefresh. */
#ifndef OI_ACCOUNT_H
#define OI_ACCOUNT_H

#include <stdbool.h>

struct config;

struct run_options {
	bool single;		/* -1: one thread of each kind */
	bool once;		/* -o */
	const char *metadata;	/* metadata directory, already created */
};

/* Run every named account (validated config) and wait for them.
 *
 * Each account gets an "Account sync <NAME>" thread, started in the
 * given order.  An account holds one of the maxsyncaccounts slots (1 with
 * -1) only while it syncs: between autorefresh cycles it gives the slot
 * back and queues for it again after its sleep, behind accounts already
 * waiting, so every account gets its turn (SPEC 9 row 14).  Without
 * autorefresh (or with -o) an account syncs once.  The sleep goes through
 * ui_sleep (sync-now and quit requests end it); meanwhile connections kept
 * by holdconnectionopen get a NOOP every `keepalive` seconds.  After each
 * cycle an account reports a one-line summary (ui_info).  A quit request
 * ends every account at its next stop; accounts_request_stop ends them
 * after their current cycle.
 *
 * Returns the number of accounts that reported an error in any cycle. */
int accounts_run(const struct config *cfg, const char *const *accounts,
		 const struct run_options *run);

/* SIGUSR2: every account finishes the cycle it is in (one that has not
 * started runs its first) and then ends instead of sleeping; accounts
 * that sleep, or wait for their next turn, end now.  Thread-safe;
 * callable from any thread. */
void accounts_request_stop(void);

#endif
