/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP client: one authenticated connection, its commands (pipelined) and
 * the mailbox state the server reports.  Settings come from the caller;
 * this module never reads the configuration file. */
#ifndef OI_IMAP_CLIENT_H
#define OI_IMAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls.h"

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
	/* Longest command line built from UID sets; 0 =
	 * IMAP_MAX_COMMAND_LINE (tests lower it). */
	size_t max_line;
	/* Supply the password when authentication needs one.  `errtext` is
	 * what the caller passed to imap_client_open (the server's complaint
	 * about the previous attempt) or NULL.  Returns 0 with *password_r
	 * (malloc'd; the client wipes and frees it), or -1 with *err_r
	 * (malloc'd), which aborts the login. */
	int (*get_password)(void *arg, const char *errtext, char **password_r,
			    char **err_r);
	void *password_arg;
	/* Optional TLS context shared by the repository's connections; when
	 * NULL and TLS is needed, the client makes its own from cafile,
	 * fingerprints and the four settings below. */
	struct tls_ctx *tls;
	const char *client_cert;	/* sslclientcert (PEM) or NULL */
	const char *client_key;		/* sslclientkey (PEM) or NULL */
	enum tls_level tls_level;	/* tls_level; 0 = TLS 1.2 or newer */
	enum tls_version tls_version;	/* ssl_version; 0 = any allowed */
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

/* LSUB <reference> <pattern>: the subscribed folders, as
 * imap_client_list (the flags are those LSUB reports: \Noselect there
 * means "not subscribed itself, but has subscribed children"). */
int imap_client_lsub(struct imap_client *c, const char *reference,
		     const char *pattern, struct imap_folder **folders_r,
		     size_t *n_r, char **err_r);

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

/*
 * Every call below works on the mailbox selected with imap_client_select
 * (a NO when none is).  A NO or BAD answer is an error whose *err_r
 * (malloc'd) names the command and carries the server's text; the
 * connection stays usable.  A connection failure is an error too, after
 * which imap_client_alive() is false.  The calls that send several
 * commands keep up to settings->max_inflight of them in flight at once
 * (pipelining), holding back further commands while the server's "+"
 * continuation for a synchronising literal is awaited.
 */

/* The system flags, as a bit set; the name table comes from this list. */
#define IMAP_MSG_FLAGS(X) \
	X(ANSWERED, "\\Answered") \
	X(DELETED, "\\Deleted") \
	X(DRAFT, "\\Draft") \
	X(FLAGGED, "\\Flagged") \
	X(SEEN, "\\Seen") \
	X(RECENT, "\\Recent")

enum imap_msg_flag_bit {
#define IMAP_FLAG_BIT_(id, name) IMAP_MSG_FLAG_BIT_##id,
	IMAP_MSG_FLAGS(IMAP_FLAG_BIT_)
#undef IMAP_FLAG_BIT_
	IMAP_MSG_FLAG_COUNT
};

enum imap_msg_flag {
#define IMAP_FLAG_ENUM_(id, name) IMAP_FLAG_##id = 1 << IMAP_MSG_FLAG_BIT_##id,
	IMAP_MSG_FLAGS(IMAP_FLAG_ENUM_)
#undef IMAP_FLAG_ENUM_
};

/* The IMAP name of one IMAP_FLAG_* bit ("\\Seen"), or NULL. */
const char *imap_flag_name(unsigned flag);
/* The IMAP_FLAG_* bit for a system flag name (case-insensitive), or 0
 * for anything else (keywords, "\\*"). */
unsigned imap_flag_from_name(const char *name);

/* One message of a mailbox listing. */
struct imap_msginfo {
	uint32_t uid;
	unsigned flags;		/* IMAP_FLAG_* */
	char *keywords;		/* other flags, space-separated, or NULL */
	bool has_date;		/* INTERNALDATE present and valid */
	int16_t zone;		/* its zone, minutes east of UTC */
	int64_t date;		/* INTERNALDATE as seconds since the epoch */
	uint64_t size;		/* RFC822.SIZE (0 if not reported) */
	uint64_t modseq;	/* MODSEQ when CONDSTORE is enabled, else 0 */
};

/* UID FETCH <first>:<last> (UID FLAGS INTERNALDATE RFC822.SIZE), with
 * MODSEQ too once CONDSTORE was enabled; last = 0 means "*".  A mailbox
 * whose SELECT reported no EXISTS at all is asked all the same (SPEC 9
 * row 17); one that reported EXISTS 0 is not asked.  Responses outside
 * the range (the server answers "<n>:*" with the highest message even
 * below n) and unsolicited ones are ignored; a FETCH response without a
 * UID is skipped with a minor warning.  Returns 0 with *msgs_r (malloc'd,
 * sorted by UID, no duplicates; free with imap_msginfo_free; NULL when
 * empty) and *n_r, or -1 with *err_r. */
int imap_client_fetch_list(struct imap_client *c, uint32_t first,
			   uint32_t last, struct imap_msginfo **msgs_r,
			   size_t *n_r, char **err_r);
void imap_msginfo_free(struct imap_msginfo **msgs, size_t n);

/* Receives a message body, in chunks, exactly as the server sent it
 * (CRLF line ends). */
typedef void imap_body_sink_fn(void *arg, const void *data, size_t len);

/* UID FETCH <uid> (UID BODY.PEEK[]), body to `sink` in bounded memory.
 * Returns 1 when the body was delivered, 0 when the server has no such
 * message (expunged meanwhile), -1 with *err_r. */
int imap_client_fetch_body(struct imap_client *c, uint32_t uid,
			   imap_body_sink_fn *sink, void *arg, char **err_r);

/* What imap_client_fetch_bodies tells the caller about message i (the
 * index into its uids array).  For each i: begin, data any number of
 * times, then done exactly once; or done alone.  Bodies of different
 * messages never interleave.  `arg` is the call's argument. */
struct imap_body_handler {
	/* The body of uids[i] starts; `size` bytes follow through data.
	 * May be NULL. */
	void (*begin)(void *arg, size_t i, uint64_t size);
	void (*data)(void *arg, size_t i, const void *data, size_t len);
	/* result 1: the whole body was delivered.  0: the server has no
	 * such message (expunged meanwhile: no FETCH answer, BODY[] NIL, or
	 * NO [EXPUNGEISSUE]); nothing was delivered.  -1: failed, `text`
	 * (NULL otherwise) says why: the server's NO or BAD with its text,
	 * a body the server sent under the wrong command, or the connection
	 * error; any data delivered must be discarded. */
	void (*done)(void *arg, size_t i, int result, const char *text);
};

/* UID FETCH <uid> (UID BODY.PEEK[]) for each of the n UIDs, pipelined:
 * fetching n bodies costs about one round trip, and memory stays bounded
 * (bodies are streamed; commands are queued max_inflight at a time).
 * A server that puts the UID after the body is handled; one that answers
 * out of order is caught (done -1), never believed.  UID 0 gets done(-1)
 * without being asked for.  Returns 0 once every message got its done()
 * (each with its own result), or -1 with *err_r when the connection
 * failed (the messages not finished by then got done(-1); answers the
 * server sent before hanging up are still delivered). */
int imap_client_fetch_bodies(struct imap_client *c, const uint32_t *uids,
			     size_t n, const struct imap_body_handler *h,
			     void *arg, char **err_r);

/* UID SEARCH <criteria>: `criteria` is sent verbatim (an ASCII search
 * key the caller built, e.g. "UNDELETED SINCE 1-Feb-2024"; a line break
 * in it is refused).  Returns 0
 * with *uids_r (malloc'd, ascending, no duplicates; NULL when none) and
 * *n_r, or -1 with *err_r. */
int imap_client_search(struct imap_client *c, const char *criteria,
		       uint32_t **uids_r, size_t *n_r, char **err_r);
/* UID SEARCH HEADER <name> <value>, the value quoted as needed (a literal
 * with CHARSET UTF-8 when it has 8-bit bytes).  As imap_client_search. */
int imap_client_search_header(struct imap_client *c, const char *name,
			      const char *value, uint32_t **uids_r,
			      size_t *n_r, char **err_r);

enum imap_store_mode {
	IMAP_STORE_ADD,		/* +FLAGS.SILENT */
	IMAP_STORE_REMOVE,	/* -FLAGS.SILENT */
	IMAP_STORE_REPLACE,	/* FLAGS.SILENT */
};

/* UID STORE <set> <mode> (<flags> <keywords>) for the n UIDs (any order,
 * duplicates allowed): the UIDs are sorted and compressed into sets
 * ("1:5,7,9:12"), split into as many commands as needed to keep each
 * command line within settings->max_line bytes, all pipelined.
 * `keywords` is NULL or a NULL-terminated list of extra flag atoms.
 * Nothing is sent for n = 0 or (except REPLACE) an empty flag set.
 * Returns 0, or -1 with *err_r (the first NO or BAD, after all commands
 * completed; or the connection error). */
int imap_client_store(struct imap_client *c, const uint32_t *uids, size_t n,
		      enum imap_store_mode mode, unsigned flags,
		      const char *const *keywords, char **err_r);

/* The longest command line the client builds from UID sets (RFC 7162
 * section 4 asks clients to stay below 8192 octets). */
#define IMAP_MAX_COMMAND_LINE 8000

/* Reads an APPEND body: up to n bytes into buf.  Returns the number of
 * bytes (> 0), 0 at the end, or -1 with *err_r (malloc'd). */
typedef ssize_t imap_append_read_fn(void *arg, void *buf, size_t n,
				     char **err_r);

/* One message for imap_client_append: input fields, then results. */
struct imap_append_msg {
	unsigned flags;			/* IMAP_FLAG_* (\Recent is ignored) */
	const char *const *keywords;	/* NULL-terminated, or NULL */
	bool has_date;			/* send an INTERNALDATE */
	int64_t date;			/* seconds since the epoch */
	/* the date's zone in minutes east of UTC, or IMAP_ZONE_LOCAL for
	 * the local zone at that time */
	int zone;
	uint64_t size;			/* bytes of the message */
	/* The message: `data` (size bytes, the caller keeps it), or when
	 * data is NULL, `read` is called until size bytes were read.  A
	 * message that ends early or a read error breaks the connection
	 * (the literal length was announced already). */
	const void *data;
	imap_append_read_fn *read;
	void *read_arg;

	/* results */
	int result;		/* 1 appended, -1 refused, 0 not completed */
	uint32_t uidvalidity;	/* from [APPENDUID], else 0 */
	uint32_t uid;		/* from [APPENDUID], else 0 */
};

#define IMAP_ZONE_LOCAL (-100000)

/* APPEND the n messages to `mailbox`, with flags and the INTERNALDATE,
 * as non-synchronising literals when the server has LITERAL+ (else each
 * waits for the continuation), pipelined.  Each message's results are
 * filled in; uid and uidvalidity come from the [APPENDUID] code of that
 * message's own completion (UIDPLUS), else stay 0.  Returns 0 when every
 * message was appended, else -1 with *err_r (the first refusal's text,
 * e.g. "[TRYCREATE] Mailbox doesn't exist", or the connection error). */
int imap_client_append(struct imap_client *c, const char *mailbox,
		       struct imap_append_msg *msgs, size_t n, char **err_r);

/* EXPUNGE.  0 or -1 with *err_r. */
int imap_client_expunge(struct imap_client *c, char **err_r);
/* UID EXPUNGE <set> (UIDPLUS): only the given UIDs, split like STORE.
 * Without UIDPLUS this is an error, never a plain EXPUNGE (which would
 * remove other \Deleted messages too).  0 or -1 with *err_r. */
int imap_client_uid_expunge(struct imap_client *c, const uint32_t *uids,
			    size_t n, char **err_r);
/* CHECK.  0 or -1 with *err_r. */
int imap_client_check(struct imap_client *c, char **err_r);

/* STATUS of any mailbox (not necessarily selected).  Items the server did
 * not report are ~0 (all bits set). */
struct imap_mailbox_status {
	uint32_t messages, recent, uidnext, uidvalidity, unseen;
	uint64_t highestmodseq;	/* asked only when the server has CONDSTORE */
};
int imap_client_status(struct imap_client *c, const char *mailbox,
		       struct imap_mailbox_status *st_r, char **err_r);

/* ---- Helpers, exposed for the tests ---- */

/* Sort and de-duplicate the n UIDs (0 is dropped) and write them as UID
 * sets, ascending runs as "a:b", joined by commas, each set at most
 * max_len bytes (but always at least one number).  Returns a
 * NULL-terminated malloc'd array of malloc'd strings (strv_free); *n_r
 * gets the count when not NULL. */
char **imap_uidset_split(const uint32_t *uids, size_t n, size_t max_len,
			 size_t *n_r);

/* RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" with a space-padded
 * day (" 5-Jan-2026"), fixed English month names and the numeric zone
 * `zone` (minutes east of UTC, e.g. -210 for -0330; IMAP_ZONE_LOCAL for
 * the local zone at that time).  buf holds IMAP_DATE_SIZE bytes.
 * Returns 0, or -1 when the year is outside 1..9999. */
#define IMAP_DATE_SIZE 32
int imap_format_date(int64_t t, int zone, char buf[IMAP_DATE_SIZE]);
/* Parse that form (the day may be 1 or 2 digits or space-padded, month
 * any case) into seconds since the epoch and the zone.  0 or -1. */
int imap_parse_date(const char *s, int64_t *t_r, int *zone_r);
/* The local zone's offset at time t, minutes east of UTC. */
int imap_local_zone(int64_t t);

/* Quote `s` as an IMAP astring for a command (mailbox names, user names):
 * a quoted string with '\' and '"' escaped, or a literal "{n}\r\n<s>" when
 * s has 8-bit bytes, CR or LF.  Appends the wire form to `out`; when a
 * literal is needed `literal_plus` selects "{n+}".  Exposed for tests. */
struct strbuf;
void imap_quote_astring(struct strbuf *out, const char *s, bool literal_plus);

#endif
