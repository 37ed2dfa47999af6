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
	const char *pass;	/* remotepass, owned by the config */
	char **fingerprints, **mechanisms;
	int prompts;		/* passwords asked from the UI so far */
};

/* Fill `r` from the configuration (already validated).  Returns 0, or -1
 * with *err_r (malloc'd) for a value that cannot be used, such as a
 * *eval option while Python expressions are not available. */
int remote_repo_init(struct remote_repo *r, const struct config *cfg,
		     const char *account, const char *repo, char **err_r);
void remote_repo_release(struct remote_repo *r);

/* Connect and log in, asking the UI again (with the server's complaint)
 * when the server rejects the password, up to three times.  Returns 0 with
 * *c_r, or -1 with *err_r. */
int remote_repo_connect(struct remote_repo *r, struct imap_client **c_r,
			char **err_r);

#endif
