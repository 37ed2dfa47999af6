/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One Maildir folder on disk (SPEC 5.5-5.11 with the fixes of 9 row 10):
 * discovery and creation, the message list, writing, flag renames,
 * deletion, streaming reads and restoreatime. */
#ifndef OI_MAILDIR_FOLDER_H
#define OI_MAILDIR_FOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * Paths: a folder name becomes a directory under the root through
 * core/pathname.h, so no name can lead outside the root.  Everything below
 * works relative to descriptors of the folder's directories (openat and
 * friends); nothing changes the process's working directory.  Symbolic
 * links the user placed inside the tree are followed, as 4.0 did.
 *
 * Durability: every file is written in tmp/, fsynced, then linked into
 * new/ or cur/ under its final name (never replacing an existing file),
 * and the directory fsynced, before the call returns; renames and unlinks
 * fsync their directories too (unless [general] fsync = no, see
 * core/fsutil.h).  Each of these steps is a crash-injection checkpoint.
 *
 * Thread-safety: a struct maildir_folder and its messages are used by one
 * thread at a time; different folders are independent.
 */

struct maildir_folder;

/* One message file. */
struct maildir_msg {
	int64_t uid;		/* > 0: server UID from ",U="; < 0: none yet */
	uint64_t flags;		/* maildir flag set (names.h) */
	char *name;		/* file name in new/ or cur/ (malloc'd) */
	bool in_new;		/* in new/ rather than cur/ */
	struct timespec mtime;	/* the message's time (SPEC 4.5) */
	off_t size;		/* bytes on disk */
};

/* Two files of one folder carrying the same UID: the first listed keeps
 * it, the other is treated as a new local message (negative UID) so that
 * it is neither hidden nor lost; the caller should warn. */
struct maildir_dup {
	uint32_t uid;
	char *kept;		/* "new/NAME" or "cur/NAME" */
	char *other;
};

struct maildir_msglist {
	struct maildir_msg *msgs;
	size_t n;
	struct maildir_dup *dups;
	size_t ndups;
};

/* Create folder `name` under the existing directory `root` (SPEC 5.5):
 * its directory and, with sep "/", any missing parents (mode 0700), then
 * cur/, new/ and tmp/ (0700), each new entry fsynced.  An existing folder
 * directory is reused when sep is "/" or `existsok` is set (4.0's rule),
 * and also when it already holds some of cur/new/tmp (a creation cut short
 * by a crash is completed); an already complete Maildir is left alone.
 * Returns 0, or -1 with *err_r (name not storable, existing directory not
 * allowed, I/O error). */
int maildir_folder_create(const char *root, const char *name, const char *sep,
			  bool existsok, char **err_r);

/* Every folder under `root`: "." when the root itself has cur/, new/ and
 * tmp/, every directory with all three (top level only, or recursively
 * when sep is "/"), skipping cur, new, tmp and offlineimap.uidvalidity
 * entries.  Names are decoded (core/pathname.h) and sorted; directories
 * whose names are not a canonical encoding cannot be synced and are put
 * in *ignored_r (relative paths; may be NULL) for the caller to warn
 * about.  Both are NULL-terminated malloc'd lists (strv_free).  Returns 0
 * or -1 with *err_r. */
int maildir_list_folders(const char *root, const char *sep, char ***names_r,
			 char ***ignored_r, char **err_r);

/* Open an existing folder.  `infosep` is ':' or '!' (windows-compatible
 * names).  The folder's FMD5 is MD5(name).  Returns 0 with *f_r, or -1
 * with *err_r (missing, or not a Maildir: cur/, new/ or tmp/ absent). */
int maildir_folder_open(const char *root, const char *name, const char *sep,
			char infosep, struct maildir_folder **f_r,
			char **err_r);
void maildir_folder_close(struct maildir_folder **f);

/* The folder's directory path, name and FMD5; valid until close. */
const char *maildir_folder_path(const struct maildir_folder *f);
const char *maildir_folder_name(const struct maildir_folder *f);
const char *maildir_folder_fmd5(const struct maildir_folder *f);

/* List the messages (SPEC 5.8): files of new/ then cur/, each directory in
 * name order; names starting with "." and anything but regular files are
 * skipped; tmp/ is never read.  A file has its ",U=" UID only when its
 * ",FMD5=" is this folder's; otherwise it gets the next negative UID (-1,
 * -2, ... in listing order).  Duplicated UIDs are reported in out->dups.
 * Returns 0 with *out filled (release with maildir_msglist_release), or -1
 * with *err_r. */
int maildir_scan(struct maildir_folder *f, struct maildir_msglist *out,
		 char **err_r);
void maildir_msglist_release(struct maildir_msglist *l);
void maildir_msg_release(struct maildir_msg *m);

/* Write a message, streaming (SPEC 5.7 with the fixes): begin creates a
 * fresh file in tmp/ (exclusively, retrying with a new sequence number);
 * data appends to it; commit sets its atime and mtime to *mtime when given
 * (INTERNALDATE; NULL keeps the current time), fsyncs it, links it as
 * cur/NAME:2,FLAGS (new/NAME when flags is empty, see names.h) with ",U=uid
 * ,FMD5=" when uid > 0, never replacing an existing file, fsyncs that
 * directory and removes the temporary name.  *msg_r (may be NULL) gets
 * the new message.  abort removes the temporary file.  commit and abort
 * free the writer (also on error). */
struct maildir_writer;
int maildir_write_begin(struct maildir_folder *f, struct maildir_writer **w_r,
			char **err_r);
int maildir_write_data(struct maildir_writer *w, const void *data, size_t len,
		       char **err_r);
int maildir_write_commit(struct maildir_writer **w, uint32_t uid,
			 uint64_t flags, const struct timespec *mtime,
			 struct maildir_msg *msg_r, char **err_r);
void maildir_write_abort(struct maildir_writer **w);
/* All of the above for a message held in memory. */
int maildir_write_message(struct maildir_folder *f, uint32_t uid,
			  uint64_t flags, const struct timespec *mtime,
			  const void *data, size_t len,
			  struct maildir_msg *msg_r, char **err_r);

/* Give message `m` the flag set `flags` (SPEC 5.9 fixed, names.h):
 * rename within or between new/ and cur/ when the name changes, never
 * replacing another file.  If the file is gone (a mail reader renamed
 * it), it is looked up again by its unique part, then by UID, and the
 * rename retried.  Updates m.  Returns 0, or -1 with *err_r. */
int maildir_set_flags(struct maildir_folder *f, struct maildir_msg *m,
		      uint64_t flags, char **err_r);

/* Delete message `m` (SPEC 5.10): unlink; if the file is gone, look it up
 * again (unique part, then UID) and unlink that; if it is nowhere, it is
 * already deleted.  Returns 0, or -1 with *err_r. */
int maildir_delete(struct maildir_folder *f, struct maildir_msg *m,
		   char **err_r);

/* Read the bytes of `m` (exactly as stored; turning CRLF into LF is the
 * caller's business), handing them to `fn` in chunks of at most 64 KiB,
 * so memory stays bounded.  fn returns 0 to go on, or -1 with *err_r set
 * to stop.  A file renamed meanwhile is looked up again as for
 * maildir_set_flags (m is updated).  Returns 0, or -1 with *err_r. */
typedef int (*maildir_read_fn)(void *ctx, const char *data, size_t len,
			       char **err_r);
int maildir_read(struct maildir_folder *f, struct maildir_msg *m,
		 maildir_read_fn fn, void *ctx, char **err_r);

/* restoreatime (SPEC 5.11, fixed): remembers, per folder path, the atimes
 * of new/ and cur/ (one record per folder: recording again replaces it)
 * and puts them back, keeping the current mtimes.  Thread-safe. */
struct maildir_atimes;
struct maildir_atimes *maildir_atimes_new(void);
void maildir_atimes_free(struct maildir_atimes **a);
/* Record the current atimes of `folder_path`/new and /cur. */
int maildir_atimes_record(struct maildir_atimes *a, const char *folder_path,
			  char **err_r);
/* Restore every recorded folder; folders that vanished are skipped.
 * Returns 0, or -1 with *err_r for the first failure (the rest are still
 * restored). */
int maildir_atimes_restore(struct maildir_atimes *a, char **err_r);
/* Forget every record (start of a new sync cycle). */
void maildir_atimes_clear(struct maildir_atimes *a);
size_t maildir_atimes_count(struct maildir_atimes *a);

#endif
