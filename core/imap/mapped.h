/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An IMAP repository as the local side of an account (SPEC 4.9): a store
 * that shows the local server's messages under the remote server's UIDs,
 * through the UIDMapping file of each folder (SPEC 5.4). */
#ifndef OI_IMAP_MAPPED_H
#define OI_IMAP_MAPPED_H

#include "../store.h"

struct config;

/*
 * What the engine sees (store type "MappedIMAP"):
 *
 *   - a local message whose local UID is paired with a remote UID is
 *     listed under that remote UID;
 *   - an unpaired local message is a new local message: it is listed under
 *     the negative of its local UID, with the key "L<localuid>", so the
 *     engine uploads it; unpaired messages flagged \Deleted are left out
 *     (they are on their way out: a copy that was re-filed, or trash);
 *   - save(remote UID U) APPENDs the message to the local server with an
 *     "X-OfflineIMAP: <token>" header, learns its local UID (APPENDUID, or
 *     UID SEARCH for the token) and pairs the two; a U that is paired
 *     already only gets its flags set.  Failing to learn the UID is a
 *     folder-level error;
 *   - flags, deletions and fetches translate UIDs through the pairs;
 *     deleting a message drops its pair; forget_uid drops a pair and
 *     keeps the message, which becomes a new local message again;
 *   - the UID validity is the local server folder's.
 *
 * Files, in `mapdir` (<metadata>/Repository-<LOCALREPO>/UIDMapping), for
 * a folder whose metadata base name is NAME (pathname_metadata_name() of
 * the local folder name with the local separator):
 *
 *   NAME          the pairs, one "<localuid>:<remoteuid>\n" line each in
 *                 ascending local order (SPEC 5.4; read strictly).
 *   NAME.journal  changes since NAME was written, one line each:
 *                   OFFLINEIMAP-C UIDMapping JOURNAL 1\n   (first line)
 *                   I<remoteuid> <token>\n   about to APPEND remote UID
 *                                            with this token (fsynced
 *                                            before the APPEND is sent)
 *                   +<localuid>:<remoteuid>\n  pair learnt (resolves the
 *                                            intent of that remote UID)
 *                   -<localuid>\n            pair dropped
 *                   X<remoteuid>\n           intent abandoned (the server
 *                                            refused the APPEND)
 *                 A line without its final newline is a torn write and
 *                 ignored; any other malformed line is an error.
 *
 * Crash safety: a pair is recorded only after the local server stored the
 * message and told its UID, so NAME never claims a pair that does not
 * exist.  The intent is on disk before the APPEND, so a message stored by
 * the server just before a crash is found again by its token when the
 * folder is next listed, and is neither downloaded again nor uploaded
 * back as a new local message.  Pair records are idempotent (replaying
 * the journal over a NAME that already holds them changes nothing), so
 * the compaction (NAME.tmp, fsync, rename, directory fsync, then the
 * journal removed) may be cut anywhere.  A lost "-" record leaves a pair
 * whose local message is gone; listing drops such pairs.
 *
 * Listing the folder resolves pending intents, drops pairs whose local UID
 * no longer exists and compacts the journal into NAME.  Closing the folder
 * compacts again when anything changed.
 */

/* [Repository <repo>] of type IMAP used as the local repository of
 * `account`: the IMAP store (imap/store.h) of that repository, mapped
 * with the files under <metadata>/Repository-<repo>/UIDMapping (both
 * directory levels are created, mode 0700, when missing).  Returns the
 * store, or NULL with *err_r. */
struct store *mapped_imap_store_new(const struct config *cfg,
				    const char *account, const char *repo,
				    const char *metadata, char **err_r);

/* The mapping layer over any store `inner` whose save() assigns UIDs and
 * which implements find_token (the IMAP store; tests use a fake).  The new
 * store takes ownership of `inner` and frees it with itself; `mapdir` must
 * exist.  Never fails. */
struct store *mapped_store_new(struct store *inner, const char *mapdir);

#endif
