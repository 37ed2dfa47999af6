/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Incremental IMAP response parser: bytes in, one complete response at a
 * time out, message bodies streamed to a sink in bounded memory. */
#ifndef OI_IMAP_PARSER_H
#define OI_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Model.  The parser splits the input into line segments (ending in CRLF;
 * a bare LF is accepted too) and literals.  A segment ending in "{N}" (or
 * "~{N}", or "{N+}") is followed by N bytes of literal data, and the
 * response then continues with the next segment.  Segments are tokenized
 * only once they are complete, so feeding one byte at a time or everything
 * at once gives identical results.
 *
 * Memory: a segment is at most limits.max_line bytes, a buffered literal at
 * most limits.max_literal bytes, and all the data of one response (the tree
 * below) at most limits.max_response bytes.  Literals that carry a message
 * body (the value of BODY[...], BINARY[...], RFC822, RFC822.HEADER or
 * RFC822.TEXT inside an untagged FETCH) go to the literal sink, when one is
 * set, in chunks of whatever size arrived, and are never held in memory.
 * Exceeding a limit, or any malformed input, puts the parser into a failed
 * state with an error message: the connection cannot be trusted any more.
 */

struct imap_parser;

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* includes numbers, flags (\Seen), BODY[...]<n> */
	IMAP_ARG_STRING,	/* quoted string, unescaped */
	IMAP_ARG_LITERAL,	/* literal; str is NULL when streamed to the sink */
	IMAP_ARG_NIL,
	IMAP_ARG_LIST,
};

/* One parsed argument.  Strings are NUL-terminated, but a literal may
 * contain NUL bytes: use len. */
struct imap_arg {
	enum imap_arg_type type;
	const char *str;		/* ATOM, STRING, LITERAL (NULL if streamed) */
	size_t len;			/* string length; literal size if streamed */
	const struct imap_arg *list;	/* LIST: its elements */
	size_t count;			/* LIST: number of elements */
};

enum imap_resp_type {
	IMAP_RESP_UNTAGGED,	/* "* ..." */
	IMAP_RESP_TAGGED,	/* "<tag> OK|NO|BAD ..." */
	IMAP_RESP_CONTINUATION,	/* "+ ..." */
};

enum imap_status {
	IMAP_STATUS_NONE,	/* a data response (LIST, FETCH, ...) */
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_BYE,
	IMAP_STATUS_PREAUTH,
};

/* Untagged data responses the client understands; others are
 * IMAP_UNTAGGED_OTHER with the name in imap_response.name. */
enum imap_untagged {
	IMAP_UNTAGGED_NONE,	/* status responses, tagged, continuation */
	IMAP_UNTAGGED_CAPABILITY,
	IMAP_UNTAGGED_LIST,
	IMAP_UNTAGGED_LSUB,
	IMAP_UNTAGGED_FLAGS,
	IMAP_UNTAGGED_SEARCH,
	IMAP_UNTAGGED_STATUS,
	IMAP_UNTAGGED_ENABLED,
	IMAP_UNTAGGED_EXISTS,
	IMAP_UNTAGGED_RECENT,
	IMAP_UNTAGGED_EXPUNGE,
	IMAP_UNTAGGED_FETCH,
	IMAP_UNTAGGED_OTHER,
};

/* Response codes ("[...]" after OK/NO/BAD/BYE/PREAUTH). */
enum imap_code {
	IMAP_CODE_NONE,
	IMAP_CODE_ALERT,
	IMAP_CODE_APPENDUID,
	IMAP_CODE_AUTHENTICATIONFAILED,
	IMAP_CODE_CAPABILITY,
	IMAP_CODE_CLOSED,
	IMAP_CODE_COPYUID,
	IMAP_CODE_HIGHESTMODSEQ,
	IMAP_CODE_NOMODSEQ,
	IMAP_CODE_PARSE,
	IMAP_CODE_PERMANENTFLAGS,
	IMAP_CODE_READ_ONLY,
	IMAP_CODE_READ_WRITE,
	IMAP_CODE_TRYCREATE,
	IMAP_CODE_UIDNEXT,
	IMAP_CODE_UIDVALIDITY,
	IMAP_CODE_UNSEEN,
	IMAP_CODE_EXPUNGEISSUE,	/* RFC 5530 */
	IMAP_CODE_OTHER,
};

struct imap_resp_code {
	enum imap_code code;
	const char *name;		/* upper-case code name, NULL if none */
	const struct imap_arg *args;	/* arguments after the name */
	size_t n_args;
	/* Decoded values (validated by the parser for the known codes):
	 * UIDVALIDITY, APPENDUID, COPYUID: uidvalidity;
	 * UIDNEXT, UNSEEN: number; APPENDUID: number = the new UID (the
	 * first one if a set was given) and dst_uids = the set as sent;
	 * COPYUID: src_uids and dst_uids as sent (UID sets);
	 * HIGHESTMODSEQ: modseq; PERMANENTFLAGS, CAPABILITY: args. */
	uint32_t uidvalidity;
	uint32_t number;
	uint64_t modseq;
	const char *src_uids, *dst_uids;
};

/* A complete response.  Everything it points to belongs to the parser and
 * stays valid until the next imap_parser_feed() or imap_parser_free(). */
struct imap_response {
	enum imap_resp_type type;
	const char *tag;		/* TAGGED only */
	enum imap_status status;	/* IMAP_STATUS_NONE for data */
	enum imap_untagged kind;
	const char *name;		/* upper-case word: "OK", "FETCH", ... */
	bool has_number;		/* "* <n> EXISTS/EXPUNGE/FETCH/..." */
	uint32_t number;
	struct imap_resp_code code;	/* status responses, continuations */
	/* Status responses: the text after the code.  Continuations: the
	 * whole text after "+ " (a base64 challenge stays intact). */
	const char *text;
	const struct imap_arg *args;	/* data responses: after the name */
	size_t n_args;
};

struct imap_parser_limits {
	size_t max_line;	/* one line segment, CRLF excluded */
	size_t max_literal;	/* one literal kept in memory */
	size_t max_response;	/* all buffered data of one response */
	uint64_t max_stream;	/* one literal streamed to the sink */
	unsigned max_depth;	/* nested parentheses */
};

/* Defaults: 8 MiB lines (a SEARCH answer for a million messages fits),
 * 8 MiB buffered literals, 64 MiB per response, 16 GiB streamed, depth 32. */
extern const struct imap_parser_limits imap_parser_default_limits;

/* What the sink learns about a streamed literal. */
struct imap_literal_info {
	uint32_t seq;		/* FETCH message sequence number */
	uint32_t uid;		/* UID if it preceded the body, else 0 */
	const char *item;	/* item name as sent, e.g. "BODY[]" */
	uint64_t size;		/* literal size */
};

enum imap_literal_event {
	IMAP_LITERAL_BEGIN,	/* before any data (data NULL, len 0) */
	IMAP_LITERAL_DATA,	/* a chunk, len > 0 */
	IMAP_LITERAL_END,	/* all size bytes were delivered */
};

/* Receives body literals.  It cannot fail the parse: a sink that cannot
 * store the data (disk full) remembers that itself and keeps returning, so
 * the connection stays in step. */
typedef void imap_literal_sink_fn(void *arg, enum imap_literal_event ev,
				  const struct imap_literal_info *info,
				  const void *data, size_t len);

/* Receives each complete line segment (without CRLF), or, for a literal,
 * line == NULL and len == its size.  For protocol tracing. */
typedef void imap_parser_trace_fn(void *arg, const char *line, size_t len);

/* New parser; `limits` NULL means the defaults.  Never fails. */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits);
void imap_parser_free(struct imap_parser **p);

/* Route body literals to `sink` (NULL: buffer them like any literal). */
void imap_parser_set_sink(struct imap_parser *p, imap_literal_sink_fn *sink,
			  void *arg);
void imap_parser_set_trace(struct imap_parser *p, imap_parser_trace_fn *fn,
			   void *arg);

enum imap_parse_result {
	IMAP_PARSE_ERROR = -1,	/* malformed input or a limit: see error() */
	IMAP_PARSE_MORE = 0,	/* all input consumed, response incomplete */
	IMAP_PARSE_DONE = 1,	/* *resp_r is complete */
};

/* Consume up to `len` bytes.  *used_r gets the number of bytes consumed
 * (all of them unless a response was completed earlier); feed the rest in
 * the next call.  On IMAP_PARSE_DONE, *resp_r is valid until the next
 * call.  After an error every call returns IMAP_PARSE_ERROR again. */
enum imap_parse_result imap_parser_feed(struct imap_parser *p,
					const void *data, size_t len,
					size_t *used_r,
					const struct imap_response **resp_r);

/* The reason for the failure (owned by the parser), or NULL. */
const char *imap_parser_error(const struct imap_parser *p);

/* True when nothing of a response has been received yet (between
 * responses).  Used to check that STARTTLS left nothing behind. */
bool imap_parser_idle(const struct imap_parser *p);

/* Forget any partial response and the failed state. */
void imap_parser_reset(struct imap_parser *p);

/* ---- Helpers for reading arguments ---- */

/* Case-insensitive: is `a` the atom `s`? */
bool imap_arg_atom_is(const struct imap_arg *a, const char *s);
/* Atom, string or buffered literal text, else NULL (NIL, lists). */
const char *imap_arg_astring(const struct imap_arg *a);
/* Like astring but quoted string or literal only (NIL and atoms: NULL). */
const char *imap_arg_string(const struct imap_arg *a);
/* Decimal number that fits 32 bits (leading zeros allowed).  0 or -1. */
int imap_arg_number(const struct imap_arg *a, uint32_t *n_r);
int imap_arg_number64(const struct imap_arg *a, uint64_t *n_r);
/* Parse a decimal string of `len` bytes (no sign, at least one digit, no
 * overflow of `max`).  0 or -1. */
int imap_parse_number(const char *s, size_t len, uint64_t max,
		      uint64_t *n_r);

/* LIST/LSUB: "(flags) delimiter name".  name points into the response;
 * delimiter is 0 for NIL (a flat namespace).  0, or -1 if malformed. */
struct imap_list_info {
	const struct imap_arg *flags;
	size_t n_flags;
	char delimiter;
	const char *name;
	size_t name_len;
};
int imap_response_list(const struct imap_response *r,
		       struct imap_list_info *info_r);
/* True if the LIST flags contain `flag` (case-insensitive, e.g.
 * "\\Noselect"). */
bool imap_list_has_flag(const struct imap_list_info *info, const char *flag);

/* STATUS: "mailbox (NAME value ...)".  Unset items keep the value ~0. */
struct imap_status_info {
	const char *mailbox;
	uint32_t messages, recent, uidnext, uidvalidity, unseen;
	uint64_t highestmodseq;
};
int imap_response_status(const struct imap_response *r,
			 struct imap_status_info *info_r);

/* SEARCH: numbers into *nums_r (malloc'd, caller frees; NULL when none),
 * and "(MODSEQ n)" into *modseq_r (0 if absent; may be NULL). */
int imap_response_search(const struct imap_response *r, uint32_t **nums_r,
			 size_t *n_r, uint64_t *modseq_r);

/* FETCH "* seq FETCH (...)": the value following item `name`
 * (case-insensitive), or NULL. */
const struct imap_arg *imap_fetch_item(const struct imap_response *r,
				       const char *name);
/* The common items; absent ones are 0/NULL.  -1 if malformed. */
struct imap_fetch_info {
	uint32_t seq, uid;
	bool has_flags;
	const struct imap_arg *flags;
	size_t n_flags;
	const char *internaldate;
	bool has_size;
	uint64_t size;		/* RFC822.SIZE */
	uint64_t modseq;
	const struct imap_arg *body;	/* BODY[] / BINARY[] / RFC822 value */
};
int imap_response_fetch(const struct imap_response *r,
			struct imap_fetch_info *info_r);

#endif
