/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FolderValidity files (SPEC 5.3) and UIDMapping files (5.4): reading them
 * strictly and replacing them crash-safely. */
#ifndef OI_VALIDITY_H
#define OI_VALIDITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* A Maildir folder has no real UID validity and always reports this. */
#define VALIDITY_MAILDIR 42

/* Read the saved UID validity `dir`/`name`: the first line, white space
 * stripped, a decimal number 0..2^32-1 (as 4.0 wrote it: "42\n").
 * Returns 0 with *value_r; 1 when the file does not exist ("no saved
 * value"); -1 with *err_r when it cannot be read or holds anything else
 * (the message names the file). */
int validity_read(const char *dir, const char *name, uint32_t *value_r,
		  char **err_r);

/* Save `value` as "<value>\n" via name.tmp, fsync, rename, directory fsync
 * (core/fsutil.h).  Returns 0 or -1 with *err_r. */
int validity_write(const char *dir, const char *name, uint32_t value,
		   char **err_r);

/* The local UID <-> remote UID pairs of an IMAP-as-local folder (SPEC 4.9,
 * 5.4).  Both directions are looked up in O(1); a UID appears at most once
 * on each side. */
struct uidmap {
	struct uid_table l2r;	/* local -> remote */
	struct uid_table r2l;	/* remote -> local */
};

void uidmap_init(struct uidmap *m);
void uidmap_release(struct uidmap *m);
size_t uidmap_count(const struct uidmap *m);
/* Pair `local` with `remote` (both > 0), replacing any pair either was in. */
void uidmap_set(struct uidmap *m, uint32_t local, uint32_t remote);
/* Look up one side; 0 when unmapped. */
uint32_t uidmap_remote(const struct uidmap *m, uint32_t local);
uint32_t uidmap_local(const struct uidmap *m, uint32_t remote);
/* Remove the pair of a local (or remote) UID; false when unmapped. */
bool uidmap_remove_local(struct uidmap *m, uint32_t local);
bool uidmap_remove_remote(struct uidmap *m, uint32_t remote);

/* Read `dir`/`name` into `m` (which must be empty): lines
 * "<local>:<remote>", stripped, both 1..2^32-1.  A malformed line, or a
 * UID twice on the same side, is an error naming file and line.  Returns
 * 0; 1 when the file does not exist (m stays empty); -1 with *err_r. */
int uidmap_read(const char *dir, const char *name, struct uidmap *m,
		char **err_r);

/* Replace `dir`/`name` with the pairs of `m`, one "<local>:<remote>\n"
 * line each in ascending local order, crash-safely (name.tmp, fsync,
 * rename, directory fsync).  Returns 0 or -1 with *err_r. */
int uidmap_write(const char *dir, const char *name, const struct uidmap *m,
		 char **err_r);

#endif
