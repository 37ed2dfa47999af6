/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An IMAP repository's connection settings, read from its configuration
 * section, and the password sources (remotepass, remotepassfile, the UI). */
#ifndef OI_REMOTE_H
#define OI_REMOTE_H

#include "imap/client.h"

struct config;

/* Settings for [Repository <repo>] plus the storage they point into. */
struct remote_repo {
	struct imap_settings settings;
	char *section;
	char *account;
	char *host, *user, *tunnel, *cafile, *reference, *passfile;
	char *client_cert, *client_key;	/* sslclientcert, sslclientkey */
	const char *pass;	/* remotepass, owned by the config */
	char *evalpass;		/* remotepasseval's value (secret) */
	char **fingerprints, **mechanisms;
	int prompts;		/* passwords asked from the UI so far */
};

/* Fill `r` from the configuration (already validated).  Returns 0, or -1
 * with *err_r (malloc'd) for a value that cannot be used, such as a
 * *eval option while Python expressions are not available. */
int remote_repo_init(struct remote_repo *r, const struct config *cfg,
		     const char *account, const char *repo, char **err_r);
void remote_repo_release(struct remote_repo *r);

/* Start-up checks that need more than the configuration text: for every
 * IMAP repository the given accounts use (both sides), the client
 * certificate and key must be readable and belong together.  Run after
 * config_validate, before anything connects.  Returns 0, or -1 with
 * *err_r (malloc'd, "<file>:<line>: [<section>] <option>: ..."). */
int remote_preflight(const struct config *cfg, const char *const *accounts,
		     char **err_r);

/* Connect and log in, asking the UI again (with the server's complaint)
 * when the server rejects the password, up to three times.  Returns 0 with
 * *c_r, or -1 with *err_r. */
int remote_repo_connect(struct remote_repo *r, struct imap_client **c_r,
			char **err_r);

#endif
