/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LocalStatus files (SPEC 5.2): 4.0's FORMAT 1 on disk, updated through an
 * append-only journal with upload intents, compacted crash-safely, and
 * locked while in use. */
#ifndef OI_STATUS_H
#define OI_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UID table: a hash map from a UID (> 0) to a 64-bit value, O(1) per
 * operation.  Used for the status records (value: flag set) and the UID
 * mapping (core/validity.h).  Not thread-safe. */
struct uid_table {
	uint32_t *keys;		/* 0 = empty slot */
	uint64_t *vals;
	size_t cap;		/* power of two, or 0 */
	size_t count;
};

void uid_table_init(struct uid_table *t);
void uid_table_release(struct uid_table *t);
/* True with *val_r (may be NULL) when `uid` is present. */
bool uid_table_get(const struct uid_table *t, uint32_t uid, uint64_t *val_r);
/* Insert or replace; uid must be > 0. */
void uid_table_put(struct uid_table *t, uint32_t uid, uint64_t val);
/* Remove; false when absent. */
bool uid_table_remove(struct uid_table *t, uint32_t uid);
/* All keys in ascending order (malloc'd, uid_table.count entries; NULL
 * when empty). */
uint32_t *uid_table_sorted_keys(const struct uid_table *t);

/*
 * Files, all in the LocalStatus directory, for a status named NAME (the
 * <STATUSFOLDER> of core/pathname.h, which never ends in the suffixes
 * below):
 *
 *   NAME          FORMAT 1, exactly as 4.0 writes it (records in ascending
 *                 UID order, which is one of 4.0's "arbitrary" orders):
 *                   STATUS_MAGIC "\n"  (below)
 *                   <uid>:<flags>\n ...     flags in ASCII order
 *   NAME.journal  changes since NAME was written, one line each:
 *                   OFFLINEIMAP-C LocalStatus JOURNAL 1 <base>\n
 *                   +<uid>:<flags>\n   record added
 *                   =<uid>:<flags>\n   flags set
 *                   -<uid>\n           record deleted
 *                   I<token> <data>\n  upload intent ('\\' and newline in
 *                                      data escaped as \\ and \n)
 *                   i<token>\n         intent resolved
 *                   C<md5>\n           compaction about to install a
 *                                      status file with this MD5
 *                 <base> is the MD5 (hex) of the NAME the journal applies
 *                 to, or "-" when there was none.  A journal whose base is
 *                 not the current NAME (another program rewrote or removed
 *                 the status meanwhile) is stale: its records are ignored
 *                 with a warning (losing records only ever makes the next
 *                 sync redo work, see below), its intents are kept.
 *   NAME.tmp      the next NAME while it is written (4.0 used it too).
 *   NAME.lock     holds an fcntl() lock while the status is open, so two
 *                 processes (or threads) never use one status at once.
 *
 * Crash safety: a record is appended (one write(), no fsync) only after
 * the change it describes has been made on both sides; the records are
 * idempotent (set or remove), so replaying them over a status that already
 * contains them changes nothing.  A crash loses at most a tail of
 * records, and a forgotten record makes the next sync see "on both sides,
 * not in the status" (adopted as synced), "in the status only" (dropped)
 * or a flag difference pushed again: never a deletion.  Intents are the
 * exception: they describe an action whose result could not be found
 * again without them (an APPEND whose UID is not learnt yet), so they are
 * fsynced before the action.  A line without its final newline is a torn
 * write and ignored; any other malformed line is an error.
 *
 * Reading is strict: a status file whose first line is not the magic line
 * (FORMAT 1, or later versions' FORMAT 2 "<uid>|<flags>|<mtime>|<labels>",
 * whose extra fields are ignored and which is written back as FORMAT 1),
 * or with a malformed record (not "<uid>:<letters>", UID not in 1..2^32-1,
 * a duplicate UID, an empty line) is a folder-level error naming the file
 * and line; nothing is silently dropped.  Line ends may be "\r\n" and
 * white space around a line is ignored, as in 4.0.
 *
 * A struct status is used by one thread at a time.
 */

#define STATUS_MAGIC \
	"OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - FORMAT 1"

struct status;

struct status_intent {
	char *token;		/* printable ASCII, no space, 1-255 bytes */
	char *data;		/* caller's description, no NUL */
};

/* Open the status NAME in the existing directory `dir`: take the lock,
 * read NAME, replay NAME.journal if present and then compact it (so a
 * torn tail is gone before anything is appended).  Returns 0 with *st_r;
 * -1 with *err_r (lock held by another process, unreadable or corrupt
 * file; the message names the file and line). */
int status_open(const char *dir, const char *name, struct status **st_r,
		char **err_r);

/* Release the lock and free the object.  Records appended since the last
 * compaction stay in the journal and are replayed by the next open; call
 * status_save() first to compact.  NULL is fine. */
void status_close(struct status **st);

/* True when the status existed at open (the file, or a journal with
 * records): "this is not the first sync of the folder" (SPEC 4.3 step 9). */
bool status_existed(const struct status *st);

/* A warning from open (stale journal ignored), or NULL; valid until close. */
const char *status_warning(const struct status *st);

size_t status_count(const struct status *st);
/* True with *flags_r (may be NULL) when `uid` has a record. */
bool status_get(const struct status *st, uint32_t uid, uint64_t *flags_r);
/* All UIDs ascending, malloc'd (NULL when none), count in *n_r. */
uint32_t *status_uids(const struct status *st, size_t *n_r);

/* Record a change (journal line first, then memory).  status_add on a
 * present UID and status_set_flags on an absent one both just store the
 * record; status_delete of an absent UID does nothing.  uid must be > 0;
 * flags are maildir flag sets (letters only).  O(1) amortised: the
 * journal is compacted automatically when it has grown well beyond the
 * number of records.  Returns 0, or -1 with *err_r (the status object
 * then refuses further changes if the journal could not be restored to a
 * clean line boundary). */
int status_add(struct status *st, uint32_t uid, uint64_t flags, char **err_r);
int status_set_flags(struct status *st, uint32_t uid, uint64_t flags,
		     char **err_r);
int status_delete(struct status *st, uint32_t uid, char **err_r);

/* Record, durably (written and fsynced, with the journal's directory entry
 * when it is new), the intent to upload a message identified by `token`
 * (the tracking header value), with `data` for the engine to find the
 * local message again.  Must return before the APPEND is sent.  A token
 * given again replaces its data. */
int status_intent_begin(struct status *st, const char *token,
			const char *data, char **err_r);
/* The intent is resolved (UID learnt and recorded, or given up). */
int status_intent_end(struct status *st, const char *token, char **err_r);
/* Pending intents, in the order they were begun; valid until the next
 * change. */
size_t status_intent_count(const struct status *st);
const struct status_intent *status_intent_at(const struct status *st,
					     size_t i);

/* fsync the journal: every record so far survives a power loss. */
int status_flush(struct status *st, char **err_r);

/* Compact: write NAME.tmp in FORMAT 1, fsync, rename over NAME, fsync the
 * directory, then drop the journal (or replace it by one holding only the
 * pending intents).  Nothing is written when nothing changed since open.
 * A status that did not exist and got no record is not created. */
int status_save(struct status *st, char **err_r);

/* The FORMAT 1 bytes for the current records (malloc'd, length in
 * *len_r). */
char *status_format(const struct status *st, size_t *len_r);

#endif
