/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP client: one authenticated connection, its commands (pipelined) and
 * the mailbox state the server reports.  Settings come from the caller;
 * this module never reads the configuration file. */
#ifndef OI_IMAP_CLIENT_H
#define OI_IMAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_ctx;
struct imap_client;

enum imap_starttls {
	IMAP_STARTTLS_AUTO,	/* use it when advertised (default) */
	IMAP_STARTTLS_YES,	/* required: refuse before any credential */
	IMAP_STARTTLS_NO,	/* never */
};

/* How to reach and log in to one server.  The caller (the account code)
 * fills it from the repository's configuration and keeps it, and every
 * string it points to, alive while clients made from it exist. */
struct imap_settings {
	const char *repo;	/* repository name, for messages */
	const char *host;	/* remotehost (not used with a tunnel) */
	int port;		/* 0 = 993 with ssl, else 143 */
	bool ssl;		/* implicit TLS */
	enum imap_starttls starttls;
	const char *cafile;	/* NULL/"OS-DEFAULT" = system store */
	const char *const *fingerprints;	/* NULL-terminated pins or NULL */
	const char *tunnel;	/* preauthtunnel command, or NULL */
	const char *user;	/* remoteuser (NULL: only PREAUTH works) */
	const char *reference;	/* LIST reference, NULL = "" */
	/* Allowed mechanisms in order of preference, NULL-terminated, among
	 * "CRAM-MD5", "PLAIN", "LOGIN" (any case); NULL = all three. */
	const char *const *auth_mechanisms;
	int socktimeout;	/* seconds; 0 = IMAP_CONN_DEFAULT_TIMEOUT */
	unsigned max_inflight;	/* pipelining cap; 0 = 32 */
	/* Supply the password when authentication needs one.  `errtext` is
	 * what the caller passed to imap_client_open (the server's complaint
	 * about the previous attempt) or NULL.  Returns 0 with *password_r
	 * (malloc'd; the client wipes and frees it), or -1 with *err_r
	 * (malloc'd), which aborts the login. */
	int (*get_password)(void *arg, const char *errtext, char **password_r,
			    char **err_r);
	void *password_arg;
	/* Optional TLS context shared by the repository's connections; when
	 * NULL and TLS is needed, the client makes its own from cafile and
	 * fingerprints. */
	struct tls_ctx *tls;
};

/* Results of imap_client_open and commands. */
#define IMAP_OK 0
#define IMAP_ERROR (-1)		/* connection, protocol or server error */
#define IMAP_EAUTH (-2)		/* the server rejected the credentials */

/* Connect, read the greeting (PREAUTH skips authentication), CAPABILITY,
 * STARTTLS when configured/advertised, authenticate (AUTHENTICATE CRAM-MD5
 * when advertised, else AUTHENTICATE PLAIN when advertised, with SASL-IR if
 * possible, else LOGIN; restricted to settings->auth_mechanisms), and
 * refresh the capabilities.  No credential is ever sent over a connection
 * where starttls = yes could not be honoured, and no plaintext credential
 * (PLAIN, LOGIN) when the server advertises LOGINDISABLED.  The password is
 * registered with ui_register_secret and never traced.
 * `auth_errtext` is passed to get_password (NULL on a first attempt).
 * Returns IMAP_OK with *c_r; IMAP_EAUTH with *err_r (malloc'd) holding the
 * server's text when the credentials were rejected (ask again and retry
 * with that text); IMAP_ERROR with *err_r otherwise. */
int imap_client_open(const struct imap_settings *s, const char *auth_errtext,
		     struct imap_client **c_r, char **err_r);

/* LOGOUT (if the connection is alive), close, free; *c = NULL. */
void imap_client_close(struct imap_client **c);
/* Close without LOGOUT (a connection known to be broken). */
void imap_client_abort(struct imap_client **c);

/* False once the connection failed or the server said BYE. */
bool imap_client_alive(const struct imap_client *c);
/* Capability check, case-insensitive ("UIDPLUS", "AUTH=PLAIN"). */
bool imap_client_has_cap(const struct imap_client *c, const char *cap);
/* True when the greeting was PREAUTH. */
bool imap_client_preauth(const struct imap_client *c);
bool imap_client_is_tls(const struct imap_client *c);

/* ---- Folders ---- */

enum imap_folder_flag {
	IMAP_FOLDER_NOSELECT = 1 << 0,
	IMAP_FOLDER_NOINFERIORS = 1 << 1,
	IMAP_FOLDER_HASCHILDREN = 1 << 2,
	IMAP_FOLDER_HASNOCHILDREN = 1 << 3,
	IMAP_FOLDER_NONEXISTENT = 1 << 4,
};

struct imap_folder {
	char *name;		/* as the server sent it (unquoted), malloc'd */
	char *utf8;		/* name decoded from modified UTF-7, or NULL
				 * when it is not valid modified UTF-7 */
	char delimiter;		/* 0 = NIL: flat namespace */
	unsigned flags;		/* enum imap_folder_flag */
};

/* LIST <reference> <pattern>; reference NULL = settings->reference (or
 * ""), pattern e.g. "*".  Returns 0 with *folders_r (malloc'd array, free
 * with imap_folders_free) and *n_r, or -1 with *err_r. */
int imap_client_list(struct imap_client *c, const char *reference,
		     const char *pattern, struct imap_folder **folders_r,
		     size_t *n_r, char **err_r);
void imap_folders_free(struct imap_folder **folders, size_t n);

/* The hierarchy delimiter: LIST <reference> "" (0 = flat).  Cached after
 * the first call.  0 or -1 with *err_r. */
int imap_client_delimiter(struct imap_client *c, char *delim_r,
			  char **err_r);

/* CREATE <name>.  0 or -1 with *err_r. */
int imap_client_create(struct imap_client *c, const char *name,
		       char **err_r);

/* What SELECT/EXAMINE reported.  Unreported numbers are 0. */
struct imap_mailbox {
	uint32_t exists, recent, uidvalidity, uidnext;
	uint64_t highestmodseq;
	bool read_only;		/* [READ-ONLY] (always for EXAMINE) */
};

/* SELECT (or EXAMINE with `examine`) `name`; skipped when that mailbox is
 * already selected in the same mode unless `force`.  0 with *mb_r (may be
 * NULL), or -1 with *err_r (a NO answer included). */
int imap_client_select(struct imap_client *c, const char *name, bool examine,
		       bool force, struct imap_mailbox *mb_r, char **err_r);
/* The selected mailbox name or NULL. */
const char *imap_client_selected(const struct imap_client *c);

/* NOOP (keep-alive, and fresh EXISTS).  0 or -1 with *err_r. */
int imap_client_noop(struct imap_client *c, char **err_r);

/* ENABLE the given capabilities (NULL-terminated) when the server has the
 * ENABLE capability; silently nothing otherwise.  0 or -1 with *err_r. */
int imap_client_enable(struct imap_client *c, const char *const *caps,
		       char **err_r);
/* True once the server confirmed ENABLED for `cap`. */
bool imap_client_enabled(const struct imap_client *c, const char *cap);

/* ---- Messages (selected mailbox) ---- */

/* Receives a message body, in chunks, exactly as the server sent it
 * (CRLF line ends). */
typedef void imap_body_sink_fn(void *arg, const void *data, size_t len);

/* UID FETCH <uid> (UID BODY.PEEK[]), body to `sink` in bounded memory.
 * Returns 1 when the body was delivered, 0 when the server has no such
 * message (expunged meanwhile), -1 with *err_r. */
int imap_client_fetch_body(struct imap_client *c, uint32_t uid,
			   imap_body_sink_fn *sink, void *arg, char **err_r);

/* Quote `s` as an IMAP astring for a command (mailbox names, user names):
 * a quoted string with '\' and '"' escaped, or a literal "{n}\r\n<s>" when
 * s has 8-bit bytes, CR or LF.  Appends the wire form to `out`; when a
 * literal is needed `literal_plus` selects "{n+}".  Exposed for tests. */
struct strbuf;
void imap_quote_astring(struct strbuf *out, const char *s, bool literal_plus);

#endif
