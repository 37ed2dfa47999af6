/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Folder names to file names: the metadata base names of SPEC 5.1 and the
 * Maildir folder paths of 5.5, escaped so that no folder name a server can
 * send ever leads outside the Maildir root or the metadata directory. */
#ifndef OI_PATHNAME_H
#define OI_PATHNAME_H

/*
 * The escape
 * ----------
 * A byte that cannot appear in a file name component is written as "%XX",
 * two upper-case hex digits (SPEC 9 row 12).  Ordinary names are left
 * exactly as 4.0 maps them, so an existing tree and metadata directory are
 * found again; only names 4.0 could not store (it died or wrote outside
 * the tree) or that are dangerous are escaped:
 *
 *   - "/" inside a component (a single-directory folder name, or an empty
 *     component in sep = / mode: "/a", "a//b", "a/")          -> %2F
 *   - control characters 0x01-0x1f and 0x7f                   -> %XX
 *   - "%" when followed by two upper-case hex digits           -> %25
 *     (any other "%" stays literal, so "100%" maps to itself)
 *   - a component "." or ".." (except the whole name ".", which is the
 *     Maildir root folder and the metadata name "dot")        -> %2E...
 *   - Maildir components named cur, new, tmp or
 *     offlineimap.uidvalidity (they would be mistaken for, or clash
 *     with, a Maildir's own subdirectories)       -> first letter as %XX
 *   - metadata names: exactly "dot" (4.0 maps "." there too, so the two
 *     folders would share one status file)                    -> %64ot
 *   - metadata names ending in ".tmp", ".journal" or ".lock" (the
 *     companion files of another folder's status)      -> that "." as %2E
 *
 * The escape is reversible: a file name is *canonical* when it is what
 * encoding its decoded name gives; the decoders accept only canonical
 * names, so every folder name has exactly one file name and back.
 *
 * A NUL byte cannot occur: names are C strings, and the IMAP layer refuses
 * mailbox names containing NUL before they get here.
 *
 * Length: a Maildir path component longer than 255 bytes after escaping
 * is refused with an error (the file system could not create it either,
 * and a shortened name could not be decoded during folder discovery).  A
 * metadata name longer than PATHNAME_META_MAX (room is kept for the
 * ".journal" suffix) is shortened to its first bytes followed by "%7E"
 * and the SHA-256 of the whole name in hex: such names are looked up,
 * never listed, so they need not decode; "%7E" never appears otherwise.
 */

#define PATHNAME_COMPONENT_MAX 255
#define PATHNAME_META_MAX 247

/* The metadata base name of a folder (SPEC 5.1 <FOLDERBASENAME> and
 * <STATUSFOLDER>): every occurrence of `sep` (the folder's repository
 * separator, or the remote separator for status names; NULL or "" for
 * none, i.e. a NIL delimiter) is replaced by ".", the whole name "." becomes
 * "dot", then the escape above applies.  The result is one path component
 * of at most PATHNAME_META_MAX bytes.  Returns 0 with *out_r (malloc'd), or
 * -1 with *err_r for an empty name. */
int pathname_metadata_name(const char *name, const char *sep, char **out_r,
			   char **err_r);

/* The inverse for a canonical metadata name that was not shortened: the
 * name after the separator replacement.  Returns 0 with *name_r, or -1
 * (nothing stored) when `file` is not a canonical encoding. */
int pathname_metadata_decode(const char *file, char **name_r);

/* The path of Maildir folder `name` relative to the Maildir root (SPEC
 * 5.5), with the escape above.  With `sep` equal to "/" the name is split
 * into nested directories; with any other separator it is a single
 * directory.  The name "." is the root itself and gives ".".  The result
 * always passes fsutil_relpath_is_safe() or is ".".  Returns 0 with
 * *relpath_r (malloc'd), or -1 with *err_r (empty name, component too
 * long). */
int pathname_maildir_encode(const char *name, const char *sep,
			    char **relpath_r, char **err_r);

/* The folder name stored at `relpath` (components joined with "/", as
 * found by folder discovery), or -1 when `relpath` is not the canonical
 * encoding of any name (such a directory is not one of ours to sync). */
int pathname_maildir_decode(const char *relpath, const char *sep,
			    char **name_r);

#endif
