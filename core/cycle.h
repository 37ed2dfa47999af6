/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One account's stores, and one sync cycle of that account: folder
 * structure, then every folder pair on its own "Folder sync" thread. */
#ifndef OI_CYCLE_H
#define OI_CYCLE_H

#include <stdbool.h>

#include "sync.h"

struct config;
struct account_ctx;

/* What one cycle did, for the end-of-cycle summary. */
struct cycle_stats {
	struct sync_stats sync;		/* summed over the folders */
	unsigned long folders_synced;	/* done, perhaps skipping messages */
	unsigned long folders_failed;	/* skipped, failed or not reached
					 * because the account failed */
	unsigned long errors;		/* errors reported (messages count
					 * one each) */
	bool account_failed;		/* the cycle ended early */
};

/* An account's options and its two stores, made once and reused by every
 * cycle (SPEC 3.1); no connection is made yet.  `single` is -1.  Errors
 * (bad repository settings) are reported through the UI, naming the
 * account; returns NULL then.  The config and `metadata` must outlive the
 * context. */
struct account_ctx *account_open(const struct config *cfg,
				 const char *account, const char *metadata,
				 bool single);

/* One cycle (SPEC 4.1 with 9 row 13: folder lists are read anew): run the
 * presynchook (its failure skips the cycle), create the metadata
 * directories, list and mirror the folders, then sync each pair on a
 * "Folder sync <ACCOUNT>[<FOLDER>]" thread, at most as many at
 * once as the remote repository's maxconnections (1 with -1); the limit
 * is per repository name, shared with every other account using it.
 * Folder-level errors are reported once each, naming account and folder,
 * and the other folders go on; the first account-level error (a dead
 * connection, a failed login) is reported and no further folder starts.
 * A quit request (ui_quit_requested) lets running folders stop between
 * messages and starts no more.  Every folder started is recorded for
 * mbnames, whose file is written once the folders are done (SPEC 5.12).
 * At the end, connections are logged out unless the repository holds them
 * open, and the postsynchook runs.  Fills *stats.  Returns 0 when
 * everything synced, -1 when anything failed. */
int account_cycle(struct account_ctx *a, struct cycle_stats *stats);

/* Seconds between keep-alive rounds while the account sleeps: the
 * smallest `keepalive` of the account's repositories that keep their
 * connections open (holdconnectionopen); 0 = none. */
int account_keepalive_interval(const struct account_ctx *a);
/* One keep-alive round: NOOP on every idle pooled connection of the
 * account's stores (dead ones are dropped and reopened on demand). */
void account_keepalive(struct account_ctx *a);
/* The remote repository's name (thread names, messages). */
const char *account_remote_repository(const struct account_ctx *a);

/* Free the stores, logging out any connection still open; *a = NULL. */
void account_close(struct account_ctx **a);

#endif
