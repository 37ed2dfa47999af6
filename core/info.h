/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --info: what a sync would do with the folders, without doing it. */
#ifndef OI_INFO_H
#define OI_INFO_H

struct config;

/* For each account: connect, print the folder plan (folders.h,
 * folders_info) under a "[Account NAME]" line, then the mbnames text when
 * [mbnames] is enabled.  Nothing is created or written.  Returns 0, or -1
 * when anything failed (reported). */
int info_run(const struct config *cfg, const char *const *accounts,
	     const char *metadata);

#endif
