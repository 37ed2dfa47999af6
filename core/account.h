/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Accounts: one thread per account, at most maxsyncaccounts at once. */
#ifndef OI_ACCOUNT_H
#define OI_ACCOUNT_H

#include <stdbool.h>

struct config;

struct run_options {
	bool single;		/* -1: one thread of each kind */
	bool once;		/* -o */
	const char *metadata;	/* metadata directory, already created */
};

/* Run every named account (validated config) and wait for them.  Returns
 * the number of accounts that reported an error. */
int accounts_run(const struct config *cfg, const char *const *accounts,
		 const struct run_options *run);

#endif
