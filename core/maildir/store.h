/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Maildir repository as a store (store.h). */
#ifndef OI_MAILDIR_STORE_H
#define OI_MAILDIR_STORE_H

#include "../store.h"

struct config;

/* [Repository <repo>] of type Maildir: localfolders (must exist), sep,
 * restoreatime, existsok, maildir-windows-compatible.  Returns the store,
 * or NULL with *err_r. */
struct store *maildir_store_new(const struct config *cfg, const char *repo,
				char **err_r);

#endif
