/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mailbox-name file for mail readers (SPEC 5.12): one list of every
 * synced folder of every account, rewritten atomically after each account's
 * folders are done. */
#ifndef OI_MBNAMES_H
#define OI_MBNAMES_H

struct config;

/* Read [mbnames] (compiled expressions come from cfgexpr.h) for the run's
 * accounts, in configuration order.  Does nothing when disabled.  Returns 0
 * or -1 with *err_r. */
int mbnames_init(const struct config *cfg, const char *const *accounts,
		 char **err_r);

/* Record that `account` synced (started syncing) local folder `folder`.
 * Each pair is kept once, in first-seen order, for the whole process.
 * Thread-safe. */
void mbnames_add(const char *account, const char *folder);

/* Rewrite the file if enabled and every account has at least one folder
 * (SPEC 5.12): header, items joined by sep, footer, where each item is
 * peritem % {accountname, foldername} and the folderfilter may drop pairs.
 * Written to a temporary file, fsynced and renamed over the old one.
 * Thread-safe (writes are serialised).  Errors are reported through the
 * UI; returns 0 or -1. */
int mbnames_write(void);

/* The text that would be written now (malloc'd), or NULL when disabled;
 * for --info and tests. */
char *mbnames_text(void);

void mbnames_free(void);

#endif
