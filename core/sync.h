/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sync engine: one folder pair (local L, remote R) and its LocalStatus
 * S, by the algorithm of SPEC 4.3-4.4 with the fixes of SPEC 9.  It sees
 * the stores only through store.h. */
#ifndef OI_SYNC_H
#define OI_SYNC_H

#include <stdbool.h>

#include "store.h"

struct sync_folder_job {
	const char *account;
	struct store *local, *remote;
	const char *local_name;		/* local folder name */
	const char *remote_name;	/* server folder name */
	/* Metadata files (SPEC 5.1): directory and file name of each. */
	const char *status_dir, *status_name;	/* LocalStatus/<STATUSFOLDER> */
	const char *local_validity_dir, *local_validity_name;
	const char *remote_validity_dir, *remote_validity_name;
	bool ignore_readonly;		/* [general] ignore-readonly */
	/* Propagate the deletion of every message of a folder whose local
	 * copy is missing or emptied (normally refused: SPEC 9 row 7). */
	bool allow_mass_delete;
};

/* What one folder sync did, for the end-of-run summary. */
struct sync_stats {
	unsigned long downloaded, uploaded, deleted_local, deleted_remote;
	unsigned long flags_local, flags_remote;
	unsigned long msg_errors;	/* messages skipped this cycle */
};

/* Sync one folder pair.  Returns STORE_OK, STORE_EMSG (done, but some
 * messages were skipped: reported already), STORE_EFOLDER (the folder was
 * skipped, reported) or worse, with *err_r for failures not yet
 * reported.  Adds to *stats. */
int sync_folder(const struct sync_folder_job *job, struct sync_stats *stats,
		char **err_r);

#endif
