/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store interface: one table of operations that every backend (IMAP,
 * Maildir, IMAP-as-local) implements, so one sync engine serves
 * IMAP<->Maildir and IMAP<->IMAP.  The engine includes this header and
 * never a backend's.
 *
 * Ownership: the caller keeps ownership of everything it passes in;
 * strings and arrays returned through *_r parameters are malloc'd and
 * belong to the caller unless a comment says otherwise.  Error strings
 * (*err_r) are malloc'd, name the folder, and the caller frees them.
 *
 * Threads: a struct store may be used by several folder threads at once
 * (backends lock what they share, e.g. the IMAP connection pool); a struct
 * store_folder is used by one thread at a time. */
#ifndef OI_STORE_H
#define OI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msgbody.h"

/* Message flags are sets of Maildir letters: bit (c - 'A') for each
 * upper-case letter c.  D = draft, F = flagged, R = replied (answered),
 * S = seen, T = trashed (deleted); other upper-case letters (P = passed)
 * are kept by stores that can keep them. */
#define STORE_FLAG(c) (1u << ((c) - 'A'))
#define STORE_FLAGS_ALL 0x03ffffffu

/* Write the letters of `flags` in ASCII order into buf (27 bytes). */
void store_flags_format(unsigned flags, char buf[27]);
/* Parse a run of letters; characters other than 'A'..'Z' are ignored. */
unsigned store_flags_parse(const char *letters);

/* Blast radius of a failure, from small to large (STYLE section 5). */
enum store_result {
	STORE_OK = 0,
	STORE_EMSG = -1,	/* this message failed; the folder goes on */
	STORE_EFOLDER = -2,	/* this folder failed; the account goes on */
	STORE_EACCOUNT = -3,	/* the repository is unusable (connection) */
	STORE_ECANCELED = -4,	/* a quit was requested */
};

struct store_msg {
	long long uid;		/* server UID (> 0); < 0: a new local message
				 * the server does not know yet */
	unsigned flags;		/* STORE_FLAG set */
	time_t time;		/* INTERNALDATE or mtime; 0 = unknown */
	uint64_t size;		/* bytes as stored, 0 = unknown */
	char *key;		/* stable identity of a new local message
				 * (Maildir: file name up to ':'), owned by
				 * the list; NULL for messages with a UID */
};

/* A folder's messages, sorted by uid (negative ones first). */
struct store_msglist {
	struct store_msg *v;
	size_t n, cap;
};
/* Append; the list takes ownership of m->key. */
void store_msglist_add(struct store_msglist *l, const struct store_msg *m);
void store_msglist_sort(struct store_msglist *l);
/* bsearch in a sorted list; NULL when absent. */
struct store_msg *store_msglist_find(const struct store_msglist *l,
				     long long uid);
/* Remove the entry for uid, keeping the order; no-op when absent. */
void store_msglist_remove(struct store_msglist *l, long long uid);
void store_msglist_release(struct store_msglist *l);

enum store_folder_flag {
	STORE_FOLDER_NOSELECT = 1 << 0,	/* a name in the hierarchy only */
};

struct store_folder_info {
	char *name;		/* the store's own name for it */
	unsigned flags;		/* enum store_folder_flag */
};
void store_folder_infos_free(struct store_folder_info **v, size_t n);

enum store_cap {
	/* save() returns the server's UID for the message (IMAP); stores
	 * without it hand back the UID they were given. */
	STORE_CAP_ASSIGNS_UIDS = 1 << 0,
};

struct store;
struct store_folder;

struct store_ops {
	const char *type;	/* "IMAP", "Maildir", "MappedIMAP" (messages) */
	unsigned caps;		/* enum store_cap */

	/* ---- repository ---- */

	/* Every folder of the repository, in no particular order. */
	int (*list_folders)(struct store *st, struct store_folder_info **v_r,
			    size_t *n_r, char **err_r);
	/* Hierarchy separator of folder names (IMAP: the server's delimiter,
	 * known after list_folders; Maildir: its `sep`); 0 = flat. */
	char (*separator)(struct store *st);
	/* Create a folder (parents as needed).  An existing folder is an
	 * error only when it cannot be used. */
	int (*create_folder)(struct store *st, const char *name, char **err_r);
	/* Open a folder for one sync.  The folder keeps what it needs from
	 * the store (e.g. a pooled connection) until close_folder. */
	int (*open_folder)(struct store *st, const char *name,
			   struct store_folder **f_r, char **err_r);
	/* Release a folder (NULL is fine); sets *f to NULL. */
	void (*close_folder)(struct store_folder **f);
	/* End of an account cycle: log out or keep connections
	 * (holdconnectionopen), flush caches. */
	void (*end_cycle)(struct store *st);
	/* Free the store; sets *st to NULL. */
	void (*free)(struct store **st);

	/* ---- folder ---- */

	/* The folder's UID validity (Maildir: always 42). */
	int (*uidvalidity)(struct store_folder *f, uint32_t *uv_r,
			   char **err_r);
	/* True when writes are refused (IMAP [READ-ONLY]). */
	bool (*read_only)(struct store_folder *f);
	/* Load the message list into *out (released first). */
	int (*list_msgs)(struct store_folder *f, struct store_msglist *out,
			 char **err_r);
	/* Read a message's body into `body` (LF line ends).  Returns
	 * STORE_OK, STORE_EMSG when the message vanished meanwhile (and says
	 * so in *err_r), or a larger failure. */
	int (*fetch)(struct store_folder *f, long long uid,
		     struct msgbody *body, char **err_r);
	/* Store a message: body (may be NULL for stores that keep no bodies),
	 * flags and time.  `uid` is the UID the caller knows it by (negative
	 * for a new local message).  *uid_r gets the UID under which it is
	 * now stored: the server's UID for STORE_CAP_ASSIGNS_UIDS stores
	 * (0 = stored but its UID could not be learned), `uid` for others.
	 * A store that already has `uid` only sets the flags.
	 * `token`, when not NULL, is a unique value the store must put into
	 * the message so that find_token finds it again after a crash
	 * (IMAP: an "X-OfflineIMAP: <token>" header line at the end of the
	 * header block). */
	int (*save)(struct store_folder *f, long long uid,
		    struct msgbody *body, unsigned flags, time_t time,
		    const char *token, long long *uid_r, char **err_r);
	/* Look for a message saved with `token` (see save): *uid_r = its UID,
	 * or 0 when there is none.  NULL for stores that never assign UIDs. */
	int (*find_token)(struct store_folder *f, const char *token,
			  long long *uid_r, char **err_r);
	/* Add or remove `flags` on every listed UID (sorted ascending). */
	int (*add_flags)(struct store_folder *f, const long long *uids,
			 size_t n, unsigned flags, char **err_r);
	int (*remove_flags)(struct store_folder *f, const long long *uids,
			    size_t n, unsigned flags, char **err_r);
	/* Delete the listed messages (IMAP: \Deleted, then EXPUNGE when the
	 * repository's expunge option says so). */
	int (*delete_msgs)(struct store_folder *f, const long long *uids,
			   size_t n, char **err_r);
	/* Flags this folder can store (IMAP: the five system flags, more
	 * with keywords; Maildir: all letters).  The engine leaves the other
	 * letters alone when comparing. */
	unsigned (*storable_flags)(struct store_folder *f);

	/* Turn message `uid` into a new local message: it stops carrying
	 * that UID (Maildir: the file is renamed to a fresh name without
	 * ",U="), so that the engine uploads it like mail written by a mail
	 * reader.  Used for a file whose UID neither the status nor the
	 * server knows (SPEC 9 row 11: e.g. copied from another account's
	 * folder of the same name), which must be neither deleted nor taken
	 * for the server message that happens to have that UID.  *uid_r gets
	 * its new negative UID, *key_r (malloc'd) its struct store_msg key.
	 * NULL for stores whose UIDs always come from the server. */
	int (*forget_uid)(struct store_folder *f, long long uid,
			  long long *uid_r, char **key_r, char **err_r);

	/* ---- repository, later addition (NULL = not applicable) ---- */

	/* Keep-alive while the account sleeps between cycles: send a NOOP on
	 * every idle connection the store keeps open (holdconnectionopen),
	 * one at a time and never on a connection another thread uses;
	 * connections that fail are dropped and reopened on demand.  NULL
	 * for stores without connections. */
	void (*keepalive)(struct store *st);
};

/* Every store starts with this header; backends embed it first. */
struct store {
	const struct store_ops *ops;
	char *name;		/* repository name */
};

struct store_folder {
	struct store *store;
	char *name;		/* the store's own name for the folder */
};

#endif
