/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One sync cycle of one account. */
#ifndef OI_CYCLE_H
#define OI_CYCLE_H

#include "sync.h"

struct config;

/* Sync every folder of `account` once: stores from its repositories,
 * folder structure (SPEC 4.2), then each folder pair (sync.h).  Errors are
 * reported through the UI, naming account and folder.  Adds to *stats.
 * Returns 0 when everything synced, -1 when anything failed. */
int account_cycle(const struct config *cfg, const char *account,
		  const char *metadata, struct sync_stats *stats);

#endif
