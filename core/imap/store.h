/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An IMAP repository as a store (store.h), on the client and its pool. */
#ifndef OI_IMAP_STORE_H
#define OI_IMAP_STORE_H

#include "../store.h"

struct config;

/* [Repository <repo>] of type IMAP, used by account `account`: connection
 * settings (remote.h), maxconnections, holdconnectionopen, keepalive,
 * expunge, reference.  No connection is made until the first folder
 * operation.  Returns the store, or NULL with *err_r. */
struct store *imap_store_new(const struct config *cfg, const char *account,
			     const char *repo, char **err_r);

#endif
