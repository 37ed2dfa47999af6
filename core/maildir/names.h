/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maildir message file names (SPEC 5.6, 5.8, 5.9 with the fixes of 9 row
 * 10): flag sets, parsing every name 4.0 wrote or read, building new names,
 * renaming for flag changes, and the FMD5 folder hash. */
#ifndef OI_MAILDIR_NAMES_H
#define OI_MAILDIR_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * Flag sets
 * ---------
 * A set of Maildir flag letters is a uint64_t with one bit per letter:
 * 'A'..'Z' are bits 0..25 and 'a'..'z' (keywords, e.g. Dovecot's) bits
 * 26..51, so ascending bit order is ASCII order, the order the letters are
 * written in.  Upper-case letters other than D F R S T (e.g. P, passed)
 * are kept like the standard ones.  LocalStatus files (core/status.h) use
 * the same sets.
 */
#define MAILDIR_FLAG(c) \
	((c) >= 'A' && (c) <= 'Z' ? UINT64_C(1) << ((c) - 'A') : \
	 (c) >= 'a' && (c) <= 'z' ? UINT64_C(1) << (26 + (c) - 'a') : \
	 UINT64_C(0))
#define MAILDIR_FLAGS_UPPER ((UINT64_C(1) << 26) - 1)
#define MAILDIR_FLAGS_LOWER (MAILDIR_FLAGS_UPPER << 26)
#define MAILDIR_FLAGS_ALL (MAILDIR_FLAGS_UPPER | MAILDIR_FLAGS_LOWER)
/* The letters with an IMAP system flag (SPEC 6.12). */
#define MAILDIR_FLAGS_STANDARD \
	(MAILDIR_FLAG('D') | MAILDIR_FLAG('F') | MAILDIR_FLAG('R') | \
	 MAILDIR_FLAG('S') | MAILDIR_FLAG('T'))
/* Room for every letter plus the NUL. */
#define MAILDIR_FLAGS_BUFSIZE 53

/* Parse `len` letters into a set (order and repeats do not matter).
 * Returns 0, or -1 when a byte is not an ASCII letter. */
int maildir_flags_parse(const char *letters, size_t len, uint64_t *flags_r);

/* The letters of `flags` in ASCII order, NUL-terminated, into `out`.
 * Returns the number of letters. */
size_t maildir_flags_format(uint64_t flags, char out[MAILDIR_FLAGS_BUFSIZE]);

/*
 * Names
 * -----
 * This program writes  <SECONDS>_<SEQ>.<PID>.<HOST>,U=<UID>,FMD5=<MD5>
 * followed, for files in cur/, by the info  <SEP>2,<FLAGS>  where SEP is
 * ':' (or '!' with maildir-windows-compatible) and FLAGS are the letters
 * in ASCII order.  Files in new/ carry no info part (Maildir convention;
 * 4.0 wrote ":2," there too, and such names are read as they always were).
 * HOST is gethostname() with '/', ':', ',', '!', '\\' and control
 * characters written as a backslash and three octal digits (later
 * versions escape '/' as \057 and ':' as \072; the others keep the
 * ",U=" and info searches below unambiguous).
 */

struct maildir_name {
	bool has_uid;		/* ",U=<digits>" found, 1 <= uid <= 2^32-1 */
	uint32_t uid;
	bool has_fmd5;		/* ",FMD5=" + 32 lower-case hex digits found */
	char fmd5[33];
	uint64_t flags;		/* letters, see maildir_name_parse() */
	size_t base_len;	/* length of the name without its info part */
	bool has_info;		/* an info part starts at base_len */
	/* The fields below are valid only when `ours` is set: the whole
	 * base is exactly this program's (and 4.0's) grammar. */
	bool ours;
	unsigned long long seconds, seq, pid;
	size_t host_off, host_len;	/* of the (sanitised) host name */
};

/* Parse a message file name (a basename, not a path) read from a folder
 * whose info separator is `infosep` (':' or '!').  Any string is a name;
 * nothing fails.  The results are exactly those of 4.0's searches (SPEC
 * 5.8) for every name 4.0 wrote:
 *   - uid: the first ",U=" followed by digits, anywhere in the name (a
 *     value of 0 or above 2^32-1 cannot be a server UID and counts as
 *     absent, so such a file is uploaded rather than deleted);
 *   - fmd5: the first ",FMD5=" followed by 32 lower-case hex digits;
 *   - flags: the upper-case run after the last "2," that follows the first
 *     `infosep` of a line and is followed by an upper-case letter; plus,
 *     when the name ends in a standard info part  <infosep>[a-z]*2,[A-Za-z]*
 *     (the "[a-z]*" is where 4.0's renames moved keyword letters), every
 *     letter of that part, so keywords and unsorted letters survive.
 * base_len/has_info locate the info: the trailing run of standard info
 * parts (normally exactly one); without one the whole name is the base. */
void maildir_name_parse(const char *name, char infosep,
			struct maildir_name *out);

/* MD5 of the local folder name in lower-case hex (SPEC 5.6), into out. */
void maildir_fmd5(const char *folder, char out[33]);

/* The host name as written into names (escaping above), malloc'd. */
char *maildir_hostname_sanitise(const char *host);

/* The next (seconds, sequence) pair: seq is 0 for the first name made in a
 * given second and counts up within it (SPEC 5.6).  Thread-safe. */
void maildir_name_next_seq(time_t *secs_r, unsigned long *seq_r);

/* A fresh unique part "<SECONDS>_<SEQ>.<PID>.<HOST>" from the clock, the
 * counter above, getpid() and the sanitised gethostname(), malloc'd.
 * Thread-safe.  Uniqueness against files already present is the caller's
 * business (create with O_EXCL, link without overwriting, retry). */
char *maildir_name_unique(void);

/* A full name: `unique`, then ",U=<uid>,FMD5=<fmd5>" when uid > 0 (uid 0
 * means "no UID": the file is then a new local message), then the info
 * part unless `in_new` and flags == 0.  Returns a malloc'd string. */
char *maildir_name_build(const char *unique, uint32_t uid, const char *fmd5,
			 char infosep, uint64_t flags, bool in_new);

/* Where a new message with `flags` is written: new/ when it has no flag
 * at all, else cur/ (with the flags in its name). */
bool maildir_flags_in_new(uint64_t flags);

/* The name and directory of a message currently called `name` in new/
 * (in_new) or cur/ once its flag set becomes `flags` (SPEC 5.9 with the
 * fixes of 9 row 10): a message in cur/ stays in cur/ (it is never moved
 * back to new/ for losing \Seen); a message in new/ moves to cur/ as soon
 * as it has a flag.  The name keeps its base and gets the info part
 * <infosep>2,<all letters of flags> (none in new/).  *in_new_r gets the
 * target directory.  Returns a malloc'd name, equal to `name` when
 * nothing changes. */
char *maildir_name_set_flags(const char *name, char infosep, uint64_t flags,
			     bool in_new, bool *in_new_r);

#endif
