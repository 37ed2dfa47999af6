// SPDX-License-Identifier: GPL-2.0-or-later
/* IMAP client: connection set-up and authentication, a pipelined command
 * engine (pending queue, in-flight list, continuation holds), and the
 * commands the sync needs, traced for -d imap with credentials hidden. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "crypto.h"
#include "imap/client.h"
#include "imap/conn.h"
#include "imap/parser.h"
#include "imap/utf7.h"
#include "profile.h"
#include "tls.h"
#include "ui.h"
#include "util.h"

/* ---- Commands ---- */

/* One piece of a command on the wire: text we built, or a message body
 * (APPEND) that is written straight from the caller's memory or reader.
 * A piece marked wait_cont ends with a synchronising literal marker: the
 * rest of the command waits for the server's "+". */
enum chunk_kind { CHUNK_TEXT, CHUNK_BODY };

struct chunk {
	enum chunk_kind kind;
	char *data;		/* TEXT: owned */
	size_t len;
	char *trace;		/* TEXT: lines to trace, '\n'-separated */
	const void *body;	/* BODY: the caller's bytes, or NULL */
	imap_append_read_fn *read;	/* BODY: else read from here */
	void *read_arg;
	uint64_t body_len;
	bool wait_cont;
};

struct cmd;
struct batch;
/* Produce the answer to a continuation during AUTHENTICATE: 0 with
 * *line_r (malloc'd, without CRLF; wiped after sending), or -1 to cancel. */
typedef int cont_fn(struct imap_client *c, struct cmd *cmd,
		    const struct imap_response *r, char **line_r);
typedef void untagged_fn(struct imap_client *c, struct cmd *cmd,
			 const struct imap_response *r);
/* Completion of a command the engine owns (submitted by a batch): called
 * once, with cmd->cancelled set when the connection failed before the
 * server answered; the engine frees cmd afterwards. */
typedef void done_fn(struct imap_client *c, struct cmd *cmd);

enum body_state { BODY_NONE, BODY_STREAMING, BODY_DONE };

struct cmd {
	struct cmd *next;
	char tag[16];
	struct chunk *chunks;
	size_t n_chunks, sent;	/* chunks built / already written */
	struct strbuf cur;	/* chunk being built */
	struct strbuf cur_trace;

	cont_fn *cont;		/* SASL exchange, or NULL */
	untagged_fn *untagged;	/* untagged data while in flight */
	void *arg;
	done_fn *done_cb;	/* engine-owned command, or NULL */
	struct batch *batch;
	size_t index;		/* the caller's item number */

	/* body fetch: UID FETCH <fetch_uid> (UID BODY.PEEK[]) */
	uint32_t fetch_uid;
	enum body_state body_state;
	bool body_blind;	/* routed before its UID was seen */
	bool misrouted;		/* a body went to the wrong message */

	struct profile_mark prof;	/* -P: from sending to completion */

	/* result */
	bool done, cancelled;
	enum imap_status status;
	enum imap_code code;
	uint32_t code_uidvalidity, code_number;	/* APPENDUID */
	char *text;		/* the completion's text (code included), or
				 * the connection error when cancelled */
};

/* Several engine-owned commands that one public call keeps in flight:
 * next() submits one more (false when there are none left), each
 * command's done_cb decrements outstanding. */
struct batch {
	bool (*next)(struct imap_client *c, struct batch *b);
	size_t outstanding;
	bool exhausted;
};

struct imap_client {
	const struct imap_settings *s;
	char *host;		/* for messages */
	int port;
	struct imap_conn *conn;
	struct imap_parser *parser;
	struct tls_ctx *tls;
	bool own_tls;

	char inbuf[64 * 1024];
	size_t in_pos, in_len;

	char tagprefix[4];
	unsigned tagnum;
	struct cmd *pending, **pending_tail;
	struct cmd *inflight, **inflight_tail;
	unsigned n_pending, n_inflight, max_inflight;
	struct cmd *cont_wait;	/* the command a "+" belongs to */
	struct cmd *body_cmd;	/* receiving the body being streamed */
	struct cmd *last_body_cmd;	/* got the last body, to check its UID */

	char **caps;		/* upper-case, NULL-terminated */
	unsigned caps_gen;	/* bumped whenever caps are replaced */
	char **enabled;
	bool preauth, dead, bye;
	char *bye_text;
	/* A write failed on a connection that can still be read: nothing
	 * more is sent, but the answers the server sent before it went away
	 * are still read and delivered.  The reason, or NULL. */
	char *write_err;
	char delimiter;
	bool have_delimiter;

	char *selected;
	bool selected_examine;
	struct imap_mailbox mb;
	bool mb_has_exists;	/* the server reported EXISTS */

	/* the mechanism-specific data of an AUTHENTICATE in progress */
	const char *auth_user;
	char *auth_pass;
	int cont_rounds;
};

/* ---- Tracing ---- */

static void stamp(char buf[16])
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	snprintf(buf, 16, "%02d:%02d.%02d", tm.tm_min % 60, tm.tm_sec % 61,
		 (int)(tv.tv_usec / 10000) % 100);
}

static void trace_lines(const char *dir, const char *text)
{
	char ts[16];
	if (!ui_debug_enabled(OI_DEBUG_IMAP))
		return;
	stamp(ts);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		ui_debug(OI_DEBUG_IMAP, "%s %s %.*s", ts, dir, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void parser_trace(void *arg, const char *line, size_t len)
{
	char ts[16];
	(void)arg;
	if (!ui_debug_enabled(OI_DEBUG_IMAP))
		return;
	stamp(ts);
	if (line)
		ui_debug(OI_DEBUG_IMAP, "%s < %.*s", ts, (int)len, line);
	else
		ui_debug(OI_DEBUG_IMAP, "%s < read literal size %zu", ts, len);
}

/* ---- Building commands ---- */

static struct cmd *cmd_new(struct imap_client *c)
{
	struct cmd *cmd = xcalloc(1, sizeof(*cmd));
	snprintf(cmd->tag, sizeof(cmd->tag), "%s%u", c->tagprefix,
		 c->tagnum++);
	strbuf_init(&cmd->cur);
	strbuf_init(&cmd->cur_trace);
	strbuf_addstr(&cmd->cur, cmd->tag);
	strbuf_addstr(&cmd->cur_trace, cmd->tag);
	return cmd;
}

static void cmd_free(struct cmd **pcmd)
{
	struct cmd *cmd = *pcmd;
	if (!cmd)
		return;
	for (size_t i = 0; i < cmd->n_chunks; i++) {
		crypto_wipe(cmd->chunks[i].data, cmd->chunks[i].len);
		free(cmd->chunks[i].data);
		free(cmd->chunks[i].trace);
	}
	free(cmd->chunks);
	crypto_wipe(cmd->cur.buf, cmd->cur.len);
	strbuf_release(&cmd->cur);
	strbuf_release(&cmd->cur_trace);
	free(cmd->text);
	free(cmd);
	*pcmd = NULL;
}

/* Text that goes to the wire and the trace alike. */
static void cmd_add(struct cmd *cmd, const char *text)
{
	strbuf_addstr(&cmd->cur, text);
	strbuf_addstr(&cmd->cur_trace, text);
}

static struct chunk *cmd_new_chunk(struct cmd *cmd)
{
	cmd->chunks = xrealloc(cmd->chunks,
			       (cmd->n_chunks + 1) * sizeof(*cmd->chunks));
	struct chunk *ch = &cmd->chunks[cmd->n_chunks++];
	memset(ch, 0, sizeof(*ch));
	return ch;
}

static void cmd_end_chunk(struct cmd *cmd, bool wait_cont)
{
	struct chunk *ch = cmd_new_chunk(cmd);
	ch->kind = CHUNK_TEXT;
	ch->len = cmd->cur.len;
	ch->data = strbuf_detach(&cmd->cur);
	ch->trace = strbuf_detach(&cmd->cur_trace);
	ch->wait_cont = wait_cont;
}

/* A literal's data that is not ours to copy: end the text built so far
 * (waiting for "+" unless the marker was non-synchronising), then the
 * body as a chunk of its own. */
static void cmd_add_body(struct cmd *cmd, bool wait_cont, const void *body,
			 imap_append_read_fn *read, void *read_arg,
			 uint64_t len)
{
	cmd_end_chunk(cmd, wait_cont);
	struct chunk *ch = cmd_new_chunk(cmd);
	ch->kind = CHUNK_BODY;
	ch->body = body;
	ch->read = read;
	ch->read_arg = read_arg;
	ch->body_len = len;
}

static bool needs_literal(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || *p == '\r' || *p == '\n')
			return true;
	return false;
}

void imap_quote_astring(struct strbuf *out, const char *s, bool literal_plus)
{
	if (needs_literal(s)) {
		strbuf_addf(out, "{%zu%s}\r\n", strlen(s),
			    literal_plus ? "+" : "");
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(out, '\\');
		strbuf_addch(out, *p);
	}
	strbuf_addch(out, '"');
}

static bool literal_plus(const struct imap_client *c, size_t len)
{
	return imap_client_has_cap(c, "LITERAL+") ||
	       (len <= 4096 && imap_client_has_cap(c, "LITERAL-"));
}

/* An astring argument; `secret` hides it in the trace. */
static void cmd_add_astring(struct imap_client *c, struct cmd *cmd,
			    const char *s, const char *secret_trace)
{
	if (!needs_literal(s)) {
		struct strbuf q;
		strbuf_init(&q);
		imap_quote_astring(&q, s, false);
		strbuf_addstr(&cmd->cur, q.buf);
		strbuf_addstr(&cmd->cur_trace, secret_trace ? secret_trace
			      : q.buf);
		crypto_wipe(q.buf, q.len);
		strbuf_release(&q);
		return;
	}
	size_t len = strlen(s);
	bool plus = literal_plus(c, len);
	strbuf_addf(&cmd->cur, "{%zu%s}\r\n", len, plus ? "+" : "");
	strbuf_addf(&cmd->cur_trace, "{%zu%s}\nwrite literal size %zu%s%s\n",
		    len, plus ? "+" : "", len, secret_trace ? " " : "",
		    secret_trace ? secret_trace : "");
	if (!plus)
		cmd_end_chunk(cmd, true);
	strbuf_addstr(&cmd->cur, s);
}

/* Finish the command: CRLF and the last chunk. */
static void cmd_finish(struct cmd *cmd)
{
	strbuf_addstr(&cmd->cur, "\r\n");
	cmd_end_chunk(cmd, false);
}

/* ---- Errors and connection state ---- */

static int client_fail(struct imap_client *c, char **err_r, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

/* The connection is unusable: remember it, describe why. */
static int client_fail(struct imap_client *c, char **err_r, const char *fmt,
		       ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->dead = true;
	*err_r = xasprintf("IMAP server %s:%d: %s", c->host, c->port, msg);
	free(msg);
	return -1;
}

bool imap_client_alive(const struct imap_client *c)
{
	return !c->dead && !c->bye && !c->write_err;
}

bool imap_client_has_cap(const struct imap_client *c, const char *cap)
{
	if (!c->caps)
		return false;
	for (char **p = c->caps; *p; p++)
		if (strcasecmp(*p, cap) == 0)
			return true;
	return false;
}

bool imap_client_preauth(const struct imap_client *c)
{
	return c->preauth;
}

bool imap_client_is_tls(const struct imap_client *c)
{
	return c->conn && imap_conn_is_tls(c->conn);
}

bool imap_client_enabled(const struct imap_client *c, const char *cap)
{
	if (!c->enabled)
		return false;
	for (char **p = c->enabled; *p; p++)
		if (strcasecmp(*p, cap) == 0)
			return true;
	return false;
}

static void set_caps(struct imap_client *c, const struct imap_arg *args,
		     size_t n)
{
	strv_free(&c->caps);
	c->caps_gen++;
	c->caps = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (args[i].type != IMAP_ARG_ATOM)
			continue;
		char *u = xstrdup(args[i].str);
		for (char *p = u; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		c->caps[k++] = u;
	}
}

/* ---- Sending ---- */

static int write_or_fail(struct imap_client *c, const void *data, size_t len,
			 char **err_r)
{
	char *err = NULL;
	if (imap_conn_write(c->conn, data, len, &err) == 0) {
		profile_count("IMAP bytes sent", len);
		return 0;
	}
	/* A server that hangs up in the middle of pipelined commands may
	 * have answered the earlier ones first: keep reading those.  Not
	 * over TLS, where OpenSSL allows no I/O after a fatal error. */
	if (!imap_conn_is_tls(c->conn) && !c->dead) {
		free(c->write_err);
		c->write_err = xasprintf("IMAP server %s:%d: %s", c->host,
					 c->port, err);
		*err_r = xstrdup(c->write_err);
		free(err);
		return -1;
	}
	client_fail(c, err_r, "%s", err);
	free(err);
	return -1;
}

/* A message body: announced with its exact length, so a reader that
 * fails or delivers a different amount leaves the connection unusable. */
static int send_body(struct imap_client *c, const struct chunk *ch,
		     char **err_r)
{
	char trace[64];
	snprintf(trace, sizeof(trace), "write literal size %llu",
		 (unsigned long long)ch->body_len);
	trace_lines(">", trace);
	if (ch->body)
		return write_or_fail(c, ch->body, (size_t)ch->body_len, err_r);

	size_t bufsize = 64 * 1024;
	char *buf = xmalloc(bufsize);
	uint64_t left = ch->body_len;
	int ret = 0;
	while (left > 0) {
		size_t want = left < bufsize ? (size_t)left : bufsize;
		char *err = NULL;
		ssize_t n = ch->read(ch->read_arg, buf, want, &err);
		if (n < 0) {
			ret = client_fail(c, err_r, "reading the message to upload: %s",
					  err ? err : "read error");
			free(err);
			break;
		}
		if (n == 0) {
			ret = client_fail(c, err_r, "the message to upload ended %llu bytes before its announced size of %llu",
					  (unsigned long long)left,
					  (unsigned long long)ch->body_len);
			break;
		}
		if ((size_t)n > want)
			n = (ssize_t)want;
		if (write_or_fail(c, buf, (size_t)n, err_r) < 0) {
			ret = -1;
			break;
		}
		left -= (uint64_t)n;
	}
	free(buf);
	return ret;
}

static int send_chunk(struct imap_client *c, struct chunk *ch, char **err_r)
{
	if (ch->kind == CHUNK_BODY)
		return send_body(c, ch, err_r);
	trace_lines(">", ch->trace);
	if (write_or_fail(c, ch->data, ch->len, err_r) < 0)
		return -1;
	/* The data may hold a password: do not keep it around. */
	crypto_wipe(ch->data, ch->len);
	return 0;
}

/* Send the command's chunks up to the next one that waits for "+". */
static int send_more(struct imap_client *c, struct cmd *cmd, char **err_r)
{
	while (cmd->sent < cmd->n_chunks) {
		struct chunk *ch = &cmd->chunks[cmd->sent++];
		if (send_chunk(c, ch, err_r) < 0)
			return -1;
		if (ch->wait_cont) {
			c->cont_wait = cmd;
			return 0;
		}
	}
	if (cmd->cont)
		c->cont_wait = cmd;
	return 0;
}

/* Send queued commands while the cap allows and no "+" is awaited. */
static int flush_pending(struct imap_client *c, char **err_r)
{
	if (c->write_err)
		return 0;
	while (c->pending && !c->cont_wait && c->n_inflight < c->max_inflight) {
		struct cmd *cmd = c->pending;
		c->pending = cmd->next;
		if (!c->pending)
			c->pending_tail = &c->pending;
		c->n_pending--;
		cmd->next = NULL;
		*c->inflight_tail = cmd;
		c->inflight_tail = &cmd->next;
		c->n_inflight++;
		profile_begin(&cmd->prof);
		if (send_more(c, cmd, err_r) < 0)
			return -1;
	}
	return 0;
}

static void submit(struct imap_client *c, struct cmd *cmd)
{
	cmd->next = NULL;
	*c->pending_tail = cmd;
	c->pending_tail = &cmd->next;
	c->n_pending++;
}

/* Free a command, forgetting any reference the receive path holds. */
static void cmd_release(struct imap_client *c, struct cmd **pcmd)
{
	if (c->body_cmd == *pcmd)
		c->body_cmd = NULL;
	if (c->last_body_cmd == *pcmd)
		c->last_body_cmd = NULL;
	if (c->cont_wait == *pcmd)
		c->cont_wait = NULL;
	cmd_free(pcmd);
}

/* ---- Receiving ---- */

/* The body fetch a streamed "BODY[]" literal belongs to: the command for
 * its UID, or, when the server put the UID after the body, the oldest
 * fetch still waiting for its body (checked against the UID once the
 * response is complete). */
static struct cmd *route_body(struct imap_client *c, uint32_t uid)
{
	for (struct cmd *cmd = c->inflight; cmd; cmd = cmd->next) {
		if (!cmd->fetch_uid || cmd->body_state != BODY_NONE)
			continue;
		if (!uid || cmd->fetch_uid == uid)
			return cmd;
	}
	return NULL;
}

struct fetch_batch {
	struct batch b;
	const uint32_t *uids;
	size_t n, next_i;
	const struct imap_body_handler *h;
	void *arg;
};

/* Parser sink: route a body to the fetch command it belongs to. */
static void body_sink(void *arg, enum imap_literal_event ev,
		      const struct imap_literal_info *info, const void *data,
		      size_t len)
{
	struct imap_client *c = arg;
	struct cmd *cmd;

	if (ev == IMAP_LITERAL_BEGIN) {
		c->body_cmd = NULL;
		c->last_body_cmd = NULL;
		if (strcasecmp(info->item, "BODY[]") != 0)
			return;	/* not something we asked for: dropped */
		cmd = route_body(c, info->uid);
		if (!cmd)
			return;	/* unsolicited or a repeat: dropped */
		cmd->body_state = BODY_STREAMING;
		cmd->body_blind = info->uid == 0;
		c->body_cmd = cmd;
		struct fetch_batch *fb = cmd->arg;
		if (fb->h->begin)
			fb->h->begin(fb->arg, cmd->index, info->size);
		return;
	}
	cmd = c->body_cmd;
	if (!cmd)
		return;
	struct fetch_batch *fb = cmd->arg;
	if (ev == IMAP_LITERAL_DATA) {
		fb->h->data(fb->arg, cmd->index, data, len);
	} else {
		cmd->body_state = BODY_DONE;
		c->body_cmd = NULL;
		c->last_body_cmd = cmd;
	}
}

/* A FETCH response carrying a body is complete: if the body was routed
 * before its UID was known, make sure it went to the right message. */
static void check_body_route(struct imap_client *c,
			     const struct imap_response *r)
{
	struct cmd *cmd = c->last_body_cmd;
	uint32_t uid = 0;

	c->last_body_cmd = NULL;
	if (!cmd || !cmd->body_blind)
		return;
	if (imap_arg_number(imap_fetch_item(r, "UID"), &uid) == 0 &&
	    uid == cmd->fetch_uid)
		return;
	cmd->misrouted = true;
	for (struct cmd *o = c->inflight; o; o = o->next)
		if (uid && o->fetch_uid == uid)
			o->misrouted = true;
}

static int read_response(struct imap_client *c,
			 const struct imap_response **r_r, char **err_r)
{
	for (;;) {
		if (c->in_pos < c->in_len) {
			size_t used;
			enum imap_parse_result res = imap_parser_feed(
				c->parser, c->inbuf + c->in_pos,
				c->in_len - c->in_pos, &used, r_r);
			c->in_pos += used;
			if (res == IMAP_PARSE_DONE)
				return 0;
			if (res == IMAP_PARSE_ERROR)
				return client_fail(c, err_r,
						   "protocol error: %s",
						   imap_parser_error(c->parser));
		}
		char *err = NULL;
		ssize_t n = imap_conn_read(c->conn, c->inbuf,
					   sizeof(c->inbuf), &err);
		if (n < 0) {
			client_fail(c, err_r, "%s", err);
			free(err);
			return -1;
		}
		if (n == 0)
			return client_fail(c, err_r, "connection closed%s%s",
					   c->bye_text ? " after BYE: " : "",
					   c->bye_text ? c->bye_text : "");
		c->in_pos = 0;
		c->in_len = (size_t)n;
		profile_count("IMAP bytes received", (unsigned long long)n);
	}
}

static void note_code(struct imap_client *c, const struct imap_response *r)
{
	const struct imap_resp_code *rc = &r->code;
	switch (rc->code) {
	case IMAP_CODE_CAPABILITY:
		set_caps(c, rc->args, rc->n_args);
		break;
	case IMAP_CODE_UIDVALIDITY:
		c->mb.uidvalidity = rc->uidvalidity;
		break;
	case IMAP_CODE_UIDNEXT:
		c->mb.uidnext = rc->number;
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
		c->mb.highestmodseq = rc->modseq;
		break;
	case IMAP_CODE_READ_ONLY:
		c->mb.read_only = true;
		break;
	case IMAP_CODE_READ_WRITE:
		c->mb.read_only = false;
		break;
	case IMAP_CODE_ALERT:
		ui_warn(false, "IMAP server %s says: %s", c->host, r->text);
		break;
	default:
		break;
	}
}

static void handle_untagged(struct imap_client *c,
			    const struct imap_response *r)
{
	if (r->status != IMAP_STATUS_NONE) {
		note_code(c, r);
		if (r->status == IMAP_STATUS_BYE) {
			c->bye = true;
			free(c->bye_text);
			c->bye_text = xstrdup(r->text);
		}
	}
	switch (r->kind) {
	case IMAP_UNTAGGED_CAPABILITY:
		set_caps(c, r->args, r->n_args);
		break;
	case IMAP_UNTAGGED_EXISTS:
		c->mb.exists = r->number;
		c->mb_has_exists = true;
		break;
	case IMAP_UNTAGGED_RECENT:
		c->mb.recent = r->number;
		break;
	case IMAP_UNTAGGED_EXPUNGE:
		if (c->mb.exists)
			c->mb.exists--;
		break;
	case IMAP_UNTAGGED_ENABLED:
		strv_free(&c->enabled);
		c->enabled = xcalloc(r->n_args + 1, sizeof(char *));
		for (size_t i = 0, k = 0; i < r->n_args; i++)
			if (r->args[i].type == IMAP_ARG_ATOM)
				c->enabled[k++] = xstrdup(r->args[i].str);
		break;
	case IMAP_UNTAGGED_FETCH:
		if (c->last_body_cmd)
			check_body_route(c, r);
		break;
	default:
		break;
	}
	/* Untagged data belongs to the oldest command in flight: servers
	 * answer in order, and our pipelined commands never interleave
	 * data of the same kind. */
	if (c->inflight && c->inflight->untagged)
		c->inflight->untagged(c, c->inflight, r);
}

static int handle_continuation(struct imap_client *c,
			       const struct imap_response *r, char **err_r)
{
	struct cmd *cmd = c->cont_wait;
	char *err = NULL;

	if (!cmd)
		return client_fail(c, err_r, "unexpected continuation request \"+ %s\"",
				   r->text);
	if (cmd->sent < cmd->n_chunks) {
		c->cont_wait = NULL;
		if (send_more(c, cmd, err_r) < 0)
			return -1;
		return flush_pending(c, err_r);
	}
	if (!cmd->cont)
		return client_fail(c, err_r, "unexpected continuation request \"+ %s\"",
				   r->text);
	char *line = NULL;
	if (cmd->cont(c, cmd, r, &line) < 0)
		line = xstrdup("*");	/* cancel the exchange */
	trace_lines(">", "<authentication data hidden>");
	size_t len = strlen(line);
	line = xrealloc(line, len + 3);
	memcpy(line + len, "\r\n", 3);
	int ret = imap_conn_write(c->conn, line, len + 2, &err);
	crypto_wipe(line, len + 2);
	free(line);
	if (ret < 0) {
		client_fail(c, err_r, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* -P: time a completed command under its name, "UID FETCH" for the UID
 * forms, read from the trace of its first line (which keeps the tag and
 * the name however the rest was hidden or sent). */
static void profile_cmd_done(const struct cmd *cmd)
{
	if (!cmd->prof.on || !cmd->n_chunks ||
	    cmd->chunks[0].kind != CHUNK_TEXT || !cmd->chunks[0].trace)
		return;
	const char *p = strchr(cmd->chunks[0].trace, ' ');
	if (!p)
		return;
	p++;
	size_t n = strcspn(p, " \r\n");
	if (n == 3 && strncasecmp(p, "UID", 3) == 0 && p[3] == ' ')
		n = 4 + strcspn(p + 4, " \r\n");
	char name[32];
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, p, n);
	name[n] = 0;
	profile_command(&cmd->prof, name);
}

static int handle_tagged(struct imap_client *c, const struct imap_response *r,
			 char **err_r)
{
	struct cmd **pp = &c->inflight, *cmd;
	for (; (cmd = *pp) != NULL; pp = &cmd->next)
		if (strcmp(cmd->tag, r->tag) == 0)
			break;
	if (!cmd)
		return client_fail(c, err_r, "response with unknown tag \"%s\"",
				   r->tag);
	*pp = cmd->next;
	if (!*pp)
		c->inflight_tail = pp;
	cmd->next = NULL;
	c->n_inflight--;
	if (c->cont_wait == cmd)
		c->cont_wait = NULL;
	note_code(c, r);
	cmd->done = true;
	cmd->status = r->status;
	cmd->code = r->code.code;
	if (r->code.code == IMAP_CODE_APPENDUID) {
		cmd->code_uidvalidity = r->code.uidvalidity;
		cmd->code_number = r->code.number;
	}
	if (r->code.name)
		cmd->text = xasprintf("[%s] %s", r->code.name, r->text);
	else
		cmd->text = xstrdup(r->text);
	if (cmd->prof.on)
		profile_cmd_done(cmd);
	if (cmd->done_cb) {
		cmd->done_cb(c, cmd);
		cmd_release(c, &cmd);
	}
	return 0;
}

/* Take `cmd` off the pending or in-flight list (the connection failed
 * while it was outstanding; the caller frees it). */
static void unlink_cmd(struct imap_client *c, struct cmd *cmd)
{
	struct cmd **pp;
	for (pp = &c->pending; *pp; pp = &(*pp)->next)
		if (*pp == cmd) {
			*pp = cmd->next;
			if (!*pp)
				c->pending_tail = pp;
			c->n_pending--;
			return;
		}
	for (pp = &c->inflight; *pp; pp = &(*pp)->next)
		if (*pp == cmd) {
			*pp = cmd->next;
			if (!*pp)
				c->inflight_tail = pp;
			c->n_inflight--;
			if (c->cont_wait == cmd)
				c->cont_wait = NULL;
			return;
		}
}

/* The connection failed: complete every outstanding command as cancelled
 * (in the order they were submitted), so each caller learns the outcome
 * of each of its commands exactly once.  Commands that a caller owns
 * (run_until) are only taken off the lists. */
static void cancel_all(struct imap_client *c, const char *why)
{
	struct cmd *lists[2] = { c->inflight, c->pending };

	c->inflight = c->pending = NULL;
	c->inflight_tail = &c->inflight;
	c->pending_tail = &c->pending;
	c->n_inflight = c->n_pending = 0;
	c->cont_wait = c->body_cmd = c->last_body_cmd = NULL;
	for (int l = 0; l < 2; l++) {
		for (struct cmd *cmd = lists[l], *next; cmd; cmd = next) {
			next = cmd->next;
			cmd->next = NULL;
			if (!cmd->done_cb)
				continue;
			cmd->cancelled = true;
			free(cmd->text);
			cmd->text = xstrdup(why ? why : "connection failed");
			cmd->done_cb(c, cmd);
			cmd_free(&cmd);
		}
	}
}

/* Send what may be sent, then read and handle one response. */
static int run_step(struct imap_client *c, char **err_r)
{
	const struct imap_response *r;
	int ret = 0;

	if (flush_pending(c, err_r) < 0) {
		if (!c->write_err)
			return -1;
		FREE(err_r);	/* read what was answered; see write_err */
	}
	if (c->write_err && c->n_inflight == 0)
		return client_fail(c, err_r, "%s", c->write_err);
	if (read_response(c, &r, err_r) < 0)
		return -1;
	switch (r->type) {
	case IMAP_RESP_UNTAGGED:
		handle_untagged(c, r);
		break;
	case IMAP_RESP_CONTINUATION:
		ret = handle_continuation(c, r, err_r);
		break;
	case IMAP_RESP_TAGGED:
		ret = handle_tagged(c, r, err_r);
		break;
	}
	if (ret < 0 && c->write_err && !c->dead) {
		FREE(err_r);
		ret = 0;
	}
	return ret;
}

/* Send and read until `cmd` has completed.  The client owns cmd from
 * submit() until this returns; the caller frees it afterwards.  Returns 0
 * (look at cmd->status), or -1 with *err_r when the connection failed. */
static int run_until(struct imap_client *c, struct cmd *cmd, char **err_r)
{
	if (c->dead) {
		unlink_cmd(c, cmd);
		return client_fail(c, err_r, "connection already failed");
	}
	while (!cmd->done) {
		if (run_step(c, err_r) < 0) {
			cancel_all(c, *err_r);
			unlink_cmd(c, cmd);
			return -1;
		}
	}
	return 0;
}

/* Keep the batch's commands flowing (at most max_inflight queued beyond
 * those in flight, so memory stays bounded) until all have completed.
 * Returns 0, or -1 with *err_r when the connection failed (every
 * outstanding command was completed as cancelled). */
static int run_batch(struct imap_client *c, struct batch *b, char **err_r)
{
	if (c->dead)
		return client_fail(c, err_r, "connection already failed");
	for (;;) {
		while (!b->exhausted && c->n_pending < c->max_inflight) {
			if (b->next(c, b))
				b->outstanding++;
			else
				b->exhausted = true;
		}
		if (b->outstanding == 0)
			return 0;
		if (run_step(c, err_r) < 0) {
			cancel_all(c, *err_r);
			return -1;
		}
	}
}

static void submit_batch(struct imap_client *c, struct batch *b,
			 struct cmd *cmd, done_fn *done)
{
	cmd->batch = b;
	cmd->done_cb = done;
	submit(c, cmd);
}

/* The error for a command the server refused, naming the command. */
static char *refused(struct imap_client *c, const char *what,
		     const struct cmd *cmd)
{
	return xasprintf("IMAP server %s:%d: %s failed: %s%s", c->host,
			 c->port, what,
			 cmd->status == IMAP_STATUS_BAD ? "BAD " : "",
			 cmd->text ? cmd->text : "");
}

/* Submit, wait, and turn a NO/BAD into an error naming `what`. */
static int run_simple(struct imap_client *c, struct cmd *cmd,
		      const char *what, char **err_r)
{
	cmd_finish(cmd);
	submit(c, cmd);
	int ret = run_until(c, cmd, err_r);
	if (ret == 0 && cmd->status != IMAP_STATUS_OK) {
		*err_r = refused(c, what, cmd);
		ret = -1;
	}
	cmd_free(&cmd);
	return ret;
}

/* ---- Connection set-up ---- */

static int read_greeting(struct imap_client *c, char **err_r)
{
	const struct imap_response *r;
	if (read_response(c, &r, err_r) < 0)
		return -1;
	if (r->type != IMAP_RESP_UNTAGGED ||
	    (r->status != IMAP_STATUS_OK && r->status != IMAP_STATUS_PREAUTH)) {
		if (r->status == IMAP_STATUS_BYE)
			return client_fail(c, err_r, "server refused the connection: %s",
					   r->text);
		return client_fail(c, err_r, "unexpected greeting (not OK or PREAUTH)");
	}
	note_code(c, r);
	c->preauth = r->status == IMAP_STATUS_PREAUTH;
	return 0;
}

static int do_capability(struct imap_client *c, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " CAPABILITY");
	if (run_simple(c, cmd, "CAPABILITY", err_r) < 0)
		return -1;
	if (!imap_client_has_cap(c, "IMAP4REV1") &&
	    !imap_client_has_cap(c, "IMAP4") &&
	    !imap_client_has_cap(c, "IMAP4REV2"))
		return client_fail(c, err_r, "server is not IMAP4 compliant (no IMAP4rev1 capability)");
	return 0;
}

static int do_starttls(struct imap_client *c, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	char *err = NULL;
	cmd_add(cmd, " STARTTLS");
	if (run_simple(c, cmd, "STARTTLS", err_r) < 0) {
		c->dead = true;
		return -1;
	}
	/* Anything the server sent after its OK arrived in plaintext and
	 * could have been injected by a man in the middle: drop it. */
	if (c->in_pos < c->in_len || !imap_parser_idle(c->parser))
		ui_debug(OI_DEBUG_IMAP, "discarding %zu bytes received in plaintext after STARTTLS",
			 c->in_len - c->in_pos);
	c->in_pos = c->in_len = 0;
	imap_parser_reset(c->parser);
	if (imap_conn_starttls(c->conn, c->tls, c->host, &err) < 0) {
		client_fail(c, err_r, "%s", err);
		free(err);
		return -1;
	}
	strv_free(&c->caps);
	return do_capability(c, err_r);
}

/* ---- Authentication ---- */

enum mech { MECH_CRAM_MD5, MECH_PLAIN, MECH_LOGIN, MECH_COUNT };
static const char *const mech_names[MECH_COUNT] = { "CRAM-MD5", "PLAIN", "LOGIN" };

static int cram_md5_cont(struct imap_client *c, struct cmd *cmd,
			 const struct imap_response *r, char **line_r)
{
	unsigned char *challenge, mac[CRYPTO_MD5_LEN];
	size_t clen;
	(void)cmd;
	if (c->cont_rounds++ > 0 ||
	    crypto_base64_decode(r->text, strlen(r->text), &challenge,
				 &clen) < 0)
		return -1;
	ui_debug(OI_DEBUG_IMAP, "CRAM-MD5 challenge: %s", challenge);
	crypto_hmac_md5(c->auth_pass, strlen(c->auth_pass), challenge, clen,
			mac);
	free(challenge);
	char *hex = crypto_hex(mac, sizeof(mac));
	char *answer = xasprintf("%s %s", c->auth_user, hex);
	*line_r = crypto_base64_encode(answer, strlen(answer));
	crypto_wipe(hex, strlen(hex));
	crypto_wipe(answer, strlen(answer));
	crypto_wipe(mac, sizeof(mac));
	free(hex);
	free(answer);
	return 0;
}

static char *plain_payload(const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass);
	char *raw = xmalloc(ul + pl + 2);
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, pass, pl);
	char *b64 = crypto_base64_encode(raw, ul + pl + 2);
	crypto_wipe(raw, ul + pl + 2);
	free(raw);
	return b64;
}

static int plain_cont(struct imap_client *c, struct cmd *cmd,
		      const struct imap_response *r, char **line_r)
{
	(void)cmd;
	(void)r;
	if (c->cont_rounds++ > 0)
		return -1;
	*line_r = plain_payload(c->auth_user, c->auth_pass);
	return 0;
}

/* Run one mechanism.  Returns 0 on success, 1 when rejected (*text_r
 * holds the server text), -1 on a connection error. */
static int try_mech(struct imap_client *c, enum mech m, const char *user,
		    const char *pass, char **text_r, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	c->auth_user = user;
	c->cont_rounds = 0;
	c->auth_pass = (char *)pass;
	switch (m) {
	case MECH_CRAM_MD5:
		cmd_add(cmd, " AUTHENTICATE CRAM-MD5");
		cmd->cont = cram_md5_cont;
		break;
	case MECH_PLAIN:
		cmd_add(cmd, " AUTHENTICATE PLAIN");
		if (imap_client_has_cap(c, "SASL-IR")) {
			char *b64 = plain_payload(user, pass);
			strbuf_addch(&cmd->cur, ' ');
			strbuf_addstr(&cmd->cur, b64);
			strbuf_addstr(&cmd->cur_trace, " <authentication data hidden>");
			crypto_wipe(b64, strlen(b64));
			free(b64);
			c->cont_rounds = 1;	/* no second payload */
		}
		cmd->cont = plain_cont;
		break;
	case MECH_LOGIN:
	default:
		cmd_add(cmd, " LOGIN ");
		cmd_add_astring(c, cmd, user, NULL);
		strbuf_addch(&cmd->cur, ' ');
		strbuf_addch(&cmd->cur_trace, ' ');
		cmd_add_astring(c, cmd, pass, "<password hidden>");
		break;
	}
	cmd_finish(cmd);
	submit(c, cmd);
	int ret = run_until(c, cmd, err_r);
	c->auth_pass = NULL;
	if (ret == 0 && cmd->status != IMAP_STATUS_OK) {
		*text_r = xstrdup(cmd->text);
		ret = cmd->code == IMAP_CODE_AUTHENTICATIONFAILED ? 2 : 1;
	}
	cmd_free(&cmd);
	return ret;
}

static bool mech_allowed(const struct imap_client *c, enum mech m)
{
	const char *const *list = c->s->auth_mechanisms;
	if (!list)
		return true;
	for (; *list; list++)
		if (strcasecmp(*list, mech_names[m]) == 0)
			return true;
	return false;
}

/* Order of preference: the configured list's order, or the default. */
static size_t mech_order(const struct imap_client *c, enum mech *out)
{
	size_t n = 0;
	if (c->s->auth_mechanisms) {
		for (const char *const *p = c->s->auth_mechanisms; *p; p++)
			for (int m = 0; m < MECH_COUNT; m++)
				if (strcasecmp(*p, mech_names[m]) == 0) {
					bool dup = false;
					for (size_t k = 0; k < n; k++)
						dup |= out[k] == (enum mech)m;
					if (!dup)
						out[n++] = (enum mech)m;
				}
	} else {
		for (int m = 0; m < MECH_COUNT; m++)
			out[n++] = (enum mech)m;
	}
	return n;
}

static bool mech_usable(const struct imap_client *c, enum mech m)
{
	bool plaintext_forbidden = imap_client_has_cap(c, "LOGINDISABLED");
	switch (m) {
	case MECH_CRAM_MD5:
		return imap_client_has_cap(c, "AUTH=CRAM-MD5");
	case MECH_PLAIN:
		return !plaintext_forbidden && imap_client_has_cap(c, "AUTH=PLAIN");
	default:
		return !plaintext_forbidden;
	}
}

static int authenticate(struct imap_client *c, const char *auth_errtext,
			char **err_r)
{
	const struct imap_settings *s = c->s;
	enum mech order[MECH_COUNT];
	size_t n = mech_order(c, order), usable = 0;
	char *pass = NULL, *text = NULL;
	int ret = IMAP_ERROR;

	for (size_t i = 0; i < n; i++)
		if (mech_allowed(c, order[i]) && mech_usable(c, order[i]))
			usable++;
	if (!s->user)
		return client_fail(c, err_r, "no user name configured (remoteuser) and the server did not pre-authenticate");
	if (!usable) {
		if (imap_client_has_cap(c, "LOGINDISABLED"))
			return client_fail(c, err_r, "the server advertises LOGINDISABLED and offers no allowed mechanism without a plaintext password%s; not sending credentials (use ssl or starttls)",
					   imap_conn_is_tls(c->conn) ? "" : " on this unencrypted connection");
		return client_fail(c, err_r, "no allowed authentication mechanism is offered by the server");
	}
	if (!s->get_password)
		return client_fail(c, err_r, "no password available");
	char *perr = NULL;
	if (s->get_password(s->password_arg, auth_errtext, &pass, &perr) < 0) {
		*err_r = perr ? perr : xstrdup("no password available");
		c->dead = true;
		return IMAP_ERROR;
	}
	ui_register_secret(pass);

	for (size_t i = 0; i < n; i++) {
		enum mech m = order[i];
		if (!mech_allowed(c, m) || !mech_usable(c, m))
			continue;
		free(text);
		text = NULL;
		int r = try_mech(c, m, s->user, pass, &text, err_r);
		if (r < 0)
			goto out;
		if (r == 0) {
			ret = IMAP_OK;
			goto out;
		}
		/* A plain "wrong password" will not improve with another
		 * mechanism; anything else might (a broken CRAM-MD5). */
		if (r == 2)
			break;
	}
	*err_r = xasprintf("IMAP server %s:%d rejected the login of user \"%s\": %s",
			   c->host, c->port, s->user, text ? text : "");
	ret = IMAP_EAUTH;
out:
	free(text);
	secret_free(&pass);
	return ret;
}

int imap_client_open(const struct imap_settings *s, const char *auth_errtext,
		     struct imap_client **c_r, char **err_r)
{
	struct imap_client *c = xcalloc(1, sizeof(*c));
	char *err = NULL;
	int ret = IMAP_ERROR;

	c->s = s;
	c->port = s->port ? s->port : s->ssl ? 993 : 143;
	c->host = xstrdup(s->tunnel ? "tunnel" : s->host ? s->host : "");
	c->max_inflight = s->max_inflight ? s->max_inflight : 32;
	c->pending_tail = &c->pending;
	c->inflight_tail = &c->inflight;
	c->parser = imap_parser_new(NULL);
	imap_parser_set_trace(c->parser, parser_trace, c);
	imap_parser_set_sink(c->parser, body_sink, c);
	/* A tag prefix varying per connection makes a stray answer from
	 * another connection stand out in traces. */
	static unsigned counter;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)((uintptr_t)c >> 4) ^
		__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 2654435761u;
	for (int i = 0; i < 3; i++) {
		c->tagprefix[i] = (char)('A' + seed % 16);
		seed /= 16;
	}

	if (!s->tunnel && (!s->host || !*s->host)) {
		*err_r = xstrdup("no remotehost configured");
		goto out;
	}
	if (!s->tunnel && (s->ssl || s->starttls != IMAP_STARTTLS_NO)) {
		if (s->tls) {
			c->tls = s->tls;
		} else {
			struct tls_options to = {
				.cafile = s->cafile,
				.fingerprints = s->fingerprints,
				.client_cert = s->client_cert,
				.client_key = s->client_key,
				.level = s->tls_level,
				.version = s->tls_version,
			};
			if (tls_ctx_new_opts(&to, &c->tls, &err) < 0) {
				*err_r = xasprintf("IMAP server %s:%d: %s",
						   c->host, c->port, err);
				free(err);
				goto out;
			}
			c->own_tls = true;
		}
	}

	if (s->tunnel) {
		ui_connecting("tunnel", 0);
		ui_debug(OI_DEBUG_IMAP, "starting preauthtunnel: %s", s->tunnel);
		if (imap_conn_tunnel(s->tunnel, s->socktimeout, &c->conn,
				     &err) < 0) {
			*err_r = err;
			goto out;
		}
	} else {
		ui_connecting(c->host, c->port);
		if (imap_conn_connect(c->host, c->port, s->socktimeout,
				      s->ssl ? c->tls : NULL, &c->conn,
				      &err) < 0) {
			*err_r = err;
			goto out;
		}
	}

	if (read_greeting(c, err_r) < 0)
		goto out;
	if (s->tunnel && !c->preauth) {
		client_fail(c, err_r, "preauthtunnel did not greet with PREAUTH");
		goto out;
	}
	if (do_capability(c, err_r) < 0)
		goto out;
	if (!s->tunnel && !s->ssl && !c->preauth) {
		bool have = imap_client_has_cap(c, "STARTTLS");
		if (s->starttls == IMAP_STARTTLS_YES && !have) {
			client_fail(c, err_r, "starttls = yes but the server does not offer STARTTLS; refusing to send credentials");
			goto out;
		}
		if (s->starttls != IMAP_STARTTLS_NO && have &&
		    do_starttls(c, err_r) < 0)
			goto out;
	}
	if (!c->preauth) {
		unsigned gen = c->caps_gen;
		ret = authenticate(c, auth_errtext, err_r);
		if (ret != IMAP_OK)
			goto out;
		ret = IMAP_ERROR;
		/* Capabilities change after login; ask again unless the
		 * server already sent them with its answer. */
		if (c->caps_gen == gen && do_capability(c, err_r) < 0)
			goto out;
	}
	*c_r = c;
	return IMAP_OK;
out:
	if (ret == IMAP_EAUTH && c->conn && !c->dead) {
		imap_client_close(&c);	/* LOGOUT the failed connection */
		return IMAP_EAUTH;
	}
	imap_client_abort(&c);
	return ret;
}

static void client_free(struct imap_client *c)
{
	imap_conn_close(&c->conn);
	imap_parser_free(&c->parser);
	if (c->own_tls)
		tls_ctx_free(&c->tls);
	for (struct cmd *q = c->pending, *n; q; q = n) {
		n = q->next;
		cmd_free(&q);
	}
	for (struct cmd *q = c->inflight, *n; q; q = n) {
		n = q->next;
		cmd_free(&q);
	}
	strv_free(&c->caps);
	strv_free(&c->enabled);
	free(c->bye_text);
	free(c->write_err);
	free(c->selected);
	free(c->host);
	free(c);
}

void imap_client_abort(struct imap_client **pc)
{
	if (*pc)
		client_free(*pc);
	*pc = NULL;
}

void imap_client_close(struct imap_client **pc)
{
	struct imap_client *c = *pc;
	if (!c)
		return;
	if (c->conn && imap_client_alive(c)) {
		struct cmd *cmd = cmd_new(c);
		char *err = NULL;
		cmd_add(cmd, " LOGOUT");
		cmd_finish(cmd);
		submit(c, cmd);
		if (run_until(c, cmd, &err) < 0) {
			/* BYE then close is the normal end of LOGOUT */
			if (!c->bye)
				ui_debug(OI_DEBUG_IMAP, "LOGOUT: %s", err);
			free(err);
		}
		cmd_free(&cmd);
	}
	client_free(c);
	*pc = NULL;
}

/* ---- Folders ---- */

struct list_collect {
	struct imap_folder *v;
	size_t n, cap;
	bool bad;
	int kind;		/* IMAP_UNTAGGED_LIST or _LSUB */
};

static void list_untagged(struct imap_client *c, struct cmd *cmd,
			  const struct imap_response *r)
{
	struct list_collect *lc = cmd->arg;
	struct imap_list_info li;
	(void)c;
	if ((int)r->kind != lc->kind)
		return;
	if (imap_response_list(r, &li) < 0 || memchr(li.name, 0, li.name_len)) {
		lc->bad = true;
		return;
	}
	if (lc->n == lc->cap) {
		lc->cap = lc->cap ? lc->cap * 2 : 16;
		lc->v = xrealloc(lc->v, lc->cap * sizeof(*lc->v));
	}
	struct imap_folder *f = &lc->v[lc->n++];
	memset(f, 0, sizeof(*f));
	f->name = xstrndup(li.name, li.name_len);
	if (imap_utf7_to_utf8(f->name, &f->utf8) < 0)
		f->utf8 = NULL;
	f->delimiter = li.delimiter;
	static const struct {
		const char *flag;
		unsigned bit;
	} fl[] = {
		{ "\\Noselect", IMAP_FOLDER_NOSELECT },
		{ "\\Noinferiors", IMAP_FOLDER_NOINFERIORS },
		{ "\\HasChildren", IMAP_FOLDER_HASCHILDREN },
		{ "\\HasNoChildren", IMAP_FOLDER_HASNOCHILDREN },
		{ "\\NonExistent", IMAP_FOLDER_NONEXISTENT | IMAP_FOLDER_NOSELECT },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (imap_list_has_flag(&li, fl[i].flag))
			f->flags |= fl[i].bit;
}

void imap_folders_free(struct imap_folder **folders, size_t n)
{
	struct imap_folder *v = *folders;
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].utf8);
	}
	free(v);
	*folders = NULL;
}

/* LIST or LSUB (`verb`), answered by untagged responses of `kind`. */
static int list_folders(struct imap_client *c, const char *verb, int kind,
			const char *reference, const char *pattern,
			struct imap_folder **folders_r, size_t *n_r,
			char **err_r)
{
	struct list_collect lc = { .kind = kind };
	struct cmd *cmd = cmd_new(c);

	if (!reference)
		reference = c->s->reference ? c->s->reference : "";
	cmd_add(cmd, " ");
	cmd_add(cmd, verb);
	cmd_add(cmd, " ");
	cmd_add_astring(c, cmd, reference, NULL);
	cmd_add(cmd, " ");
	cmd_add_astring(c, cmd, pattern, NULL);
	cmd->untagged = list_untagged;
	cmd->arg = &lc;
	if (run_simple(c, cmd, verb, err_r) < 0) {
		imap_folders_free(&lc.v, lc.n);
		return -1;
	}
	if (lc.bad) {
		imap_folders_free(&lc.v, lc.n);
		return client_fail(c, err_r, "malformed %s response", verb);
	}
	*folders_r = lc.v;
	*n_r = lc.n;
	return 0;
}

int imap_client_list(struct imap_client *c, const char *reference,
		     const char *pattern, struct imap_folder **folders_r,
		     size_t *n_r, char **err_r)
{
	return list_folders(c, "LIST", IMAP_UNTAGGED_LIST, reference, pattern,
			    folders_r, n_r, err_r);
}

int imap_client_lsub(struct imap_client *c, const char *reference,
		     const char *pattern, struct imap_folder **folders_r,
		     size_t *n_r, char **err_r)
{
	return list_folders(c, "LSUB", IMAP_UNTAGGED_LSUB, reference, pattern,
			    folders_r, n_r, err_r);
}

int imap_client_delimiter(struct imap_client *c, char *delim_r, char **err_r)
{
	struct imap_folder *f = NULL;
	size_t n = 0;
	if (!c->have_delimiter) {
		if (imap_client_list(c, NULL, "", &f, &n, err_r) < 0)
			return -1;
		if (n == 0) {
			if (imap_client_list(c, NULL, "*", &f, &n, err_r) < 0)
				return -1;
		}
		c->delimiter = n ? f[0].delimiter : 0;
		c->have_delimiter = true;
		imap_folders_free(&f, n);
	}
	*delim_r = c->delimiter;
	return 0;
}

int imap_client_create(struct imap_client *c, const char *name, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	char *what = xasprintf("CREATE \"%s\"", name);
	cmd_add(cmd, " CREATE ");
	cmd_add_astring(c, cmd, name, NULL);
	int ret = run_simple(c, cmd, what, err_r);
	free(what);
	return ret;
}

int imap_client_select(struct imap_client *c, const char *name, bool examine,
		       bool force, struct imap_mailbox *mb_r, char **err_r)
{
	if (!force && c->selected && strcmp(c->selected, name) == 0 &&
	    c->selected_examine == examine) {
		if (mb_r)
			*mb_r = c->mb;
		return 0;
	}
	struct cmd *cmd = cmd_new(c);
	char *what = xasprintf("%s \"%s\"", examine ? "EXAMINE" : "SELECT",
			       name);
	FREE(&c->selected);
	memset(&c->mb, 0, sizeof(c->mb));
	c->mb_has_exists = false;
	cmd_add(cmd, examine ? " EXAMINE " : " SELECT ");
	cmd_add_astring(c, cmd, name, NULL);
	int ret = run_simple(c, cmd, what, err_r);
	free(what);
	if (ret < 0)
		return -1;
	if (examine)
		c->mb.read_only = true;
	c->selected = xstrdup(name);
	c->selected_examine = examine;
	if (mb_r)
		*mb_r = c->mb;
	return 0;
}

const char *imap_client_selected(const struct imap_client *c)
{
	return c->selected;
}

int imap_client_noop(struct imap_client *c, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " NOOP");
	return run_simple(c, cmd, "NOOP", err_r);
}

int imap_client_enable(struct imap_client *c, const char *const *caps,
		       char **err_r)
{
	if (!imap_client_has_cap(c, "ENABLE") || !caps || !caps[0])
		return 0;
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " ENABLE");
	for (; *caps; caps++) {
		cmd_add(cmd, " ");
		cmd_add(cmd, *caps);
	}
	return run_simple(c, cmd, "ENABLE", err_r);
}

/* ---- Messages ---- */

static const char *const flag_names[IMAP_MSG_FLAG_COUNT] = {
#define IMAP_FLAG_NAME_(id, name) [IMAP_MSG_FLAG_BIT_##id] = name,
	IMAP_MSG_FLAGS(IMAP_FLAG_NAME_)
#undef IMAP_FLAG_NAME_
};

const char *imap_flag_name(unsigned flag)
{
	for (unsigned i = 0; i < IMAP_MSG_FLAG_COUNT; i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

unsigned imap_flag_from_name(const char *name)
{
	for (unsigned i = 0; i < IMAP_MSG_FLAG_COUNT; i++)
		if (strcasecmp(name, flag_names[i]) == 0)
			return 1u << i;
	return 0;
}

/* A keyword we may send as a flag: a non-empty atom that is not a
 * system flag name in disguise (no backslash). */
static bool valid_keyword(const char *k)
{
	if (!*k)
		return false;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return false;
	return true;
}

/* "(\Seen \Flagged kw)" into sb; -1 with *err_r for a bad keyword. */
static int add_flag_list(struct imap_client *c, struct strbuf *sb,
			 unsigned flags, const char *const *keywords,
			 char **err_r)
{
	bool first = true;
	strbuf_addch(sb, '(');
	for (unsigned i = 0; i < IMAP_MSG_FLAG_COUNT; i++) {
		/* \Recent is the server's to set, never ours */
		if (!(flags & (1u << i)) || (1u << i) == IMAP_FLAG_RECENT)
			continue;
		strbuf_addf(sb, "%s%s", first ? "" : " ", flag_names[i]);
		first = false;
	}
	for (; keywords && *keywords; keywords++) {
		if (!valid_keyword(*keywords)) {
			*err_r = xasprintf("IMAP server %s:%d: \"%s\" cannot be sent as a flag keyword",
					   c->host, c->port, *keywords);
			return -1;
		}
		strbuf_addf(sb, "%s%s", first ? "" : " ", *keywords);
		first = false;
	}
	strbuf_addch(sb, ')');
	return 0;
}

static bool no_mailbox(struct imap_client *c, const char *what, char **err_r)
{
	if (c->selected)
		return false;
	*err_r = xasprintf("IMAP server %s:%d: %s without a selected mailbox",
			   c->host, c->port, what);
	return true;
}

/* -- the message list -- */

struct msglist_collect {
	struct imap_msginfo *v;
	size_t n, cap;
	uint32_t first, last;
	bool modseq;
};

/* The FETCH attributes as text, for the "No UID" warning. */
static void arg_text(struct strbuf *sb, const struct imap_arg *a)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
		strbuf_addstr(sb, a->str);
		break;
	case IMAP_ARG_STRING:
		strbuf_addf(sb, "\"%s\"", a->str);
		break;
	case IMAP_ARG_LITERAL:
		strbuf_addf(sb, "{%zu}", a->len);
		break;
	case IMAP_ARG_NIL:
		strbuf_addstr(sb, "NIL");
		break;
	case IMAP_ARG_LIST:
		strbuf_addch(sb, '(');
		for (size_t i = 0; i < a->count && sb->len < 400; i++) {
			if (i)
				strbuf_addch(sb, ' ');
			arg_text(sb, &a->list[i]);
		}
		strbuf_addch(sb, ')');
		break;
	}
}

static void msglist_untagged(struct imap_client *c, struct cmd *cmd,
			     const struct imap_response *r)
{
	struct msglist_collect *mc = cmd->arg;
	struct imap_fetch_info fi;

	if (r->kind != IMAP_UNTAGGED_FETCH)
		return;
	if (imap_response_fetch(r, &fi) < 0 || !fi.uid) {
		struct strbuf sb;
		strbuf_init(&sb);
		for (size_t i = 0; i < r->n_args; i++)
			arg_text(&sb, &r->args[i]);
		if (sb.len > 400) {
			sb.len = 400;
			sb.buf[400] = '\0';
			strbuf_addstr(&sb, "...");
		}
		if (fi.uid)
			ui_warn(true, "IMAP server %s: malformed FETCH response for UID %u ignored: %s",
				c->host, fi.uid, sb.buf);
		else
			ui_warn(true, "No UID in message with options %s",
				sb.buf);
		strbuf_release(&sb);
		return;
	}
	/* "n:*" means "n up to the highest UID", which the server answers
	 * with the highest message even when that is below n. */
	if (fi.uid < mc->first || (mc->last && fi.uid > mc->last))
		return;
	if (mc->n == mc->cap) {
		mc->cap = mc->cap ? mc->cap * 2 : 256;
		mc->v = xrealloc(mc->v, mc->cap * sizeof(*mc->v));
	}
	struct imap_msginfo *m = &mc->v[mc->n++];
	memset(m, 0, sizeof(*m));
	m->uid = fi.uid;
	struct strbuf kw;
	strbuf_init(&kw);
	for (size_t i = 0; i < fi.n_flags; i++) {
		unsigned f = imap_flag_from_name(fi.flags[i].str);
		if (f) {
			m->flags |= f;
		} else if (strcmp(fi.flags[i].str, "\\*") != 0) {
			if (kw.len)
				strbuf_addch(&kw, ' ');
			strbuf_addstr(&kw, fi.flags[i].str);
		}
	}
	m->keywords = kw.len ? strbuf_detach(&kw) : NULL;
	strbuf_release(&kw);
	int zone;
	if (fi.internaldate &&
	    imap_parse_date(fi.internaldate, &m->date, &zone) == 0) {
		m->has_date = true;
		m->zone = (int16_t)zone;
	}
	m->size = fi.size;
	m->modseq = fi.modseq;
}

void imap_msginfo_free(struct imap_msginfo **msgs, size_t n)
{
	if (!*msgs)
		return;
	for (size_t i = 0; i < n; i++)
		free((*msgs)[i].keywords);
	FREE(msgs);
}

/* Sort by UID keeping the arrival order of equal UIDs (the later answer,
 * e.g. an unsolicited flag update, is the fresher one). */
static void msginfo_sort_unique(struct msglist_collect *mc)
{
	size_t n = mc->n;
	struct imap_msginfo *v = mc->v, *tmp;
	if (n < 2)
		return;
	/* bottom-up merge sort: stable, O(n log n) */
	tmp = xmalloc(n * sizeof(*tmp));
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = v[j].uid < v[i].uid ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(tmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && v[k - 1].uid == v[i].uid) {
			free(v[k - 1].keywords);
			v[k - 1] = v[i];
		} else {
			v[k++] = v[i];
		}
	}
	mc->n = k;
}

int imap_client_fetch_list(struct imap_client *c, uint32_t first,
			   uint32_t last, struct imap_msginfo **msgs_r,
			   size_t *n_r, char **err_r)
{
	struct msglist_collect mc = { .first = first ? first : 1, .last = last };
	char buf[96];

	*msgs_r = NULL;
	*n_r = 0;
	if (no_mailbox(c, "UID FETCH", err_r))
		return -1;
	if (last && last < mc.first)
		return 0;
	if (c->mb_has_exists && c->mb.exists == 0)
		return 0;
	mc.modseq = imap_client_enabled(c, "CONDSTORE") ||
		    imap_client_enabled(c, "QRESYNC");
	struct cmd *cmd = cmd_new(c);
	if (last)
		snprintf(buf, sizeof(buf), "%u:%u", mc.first, last);
	else
		snprintf(buf, sizeof(buf), "%u:*", mc.first);
	cmd_add(cmd, " UID FETCH ");
	cmd_add(cmd, buf);
	cmd_add(cmd, mc.modseq ? " (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ)"
		: " (UID FLAGS INTERNALDATE RFC822.SIZE)");
	cmd->untagged = msglist_untagged;
	cmd->arg = &mc;
	char *what = xasprintf("UID FETCH %s", buf);
	int ret = run_simple(c, cmd, what, err_r);
	free(what);
	if (ret < 0) {
		imap_msginfo_free(&mc.v, mc.n);
		return -1;
	}
	msginfo_sort_unique(&mc);
	if (mc.n == 0)
		FREE(&mc.v);
	*msgs_r = mc.v;
	*n_r = mc.n;
	return 0;
}

/* -- bodies -- */

static void fetch_done(struct imap_client *c, struct cmd *cmd)
{
	struct fetch_batch *fb = cmd->arg;
	char *text = NULL;
	int result;

	fb->b.outstanding--;
	if (cmd->cancelled) {
		result = -1;
		text = xstrdup(cmd->text);
	} else if (cmd->misrouted) {
		result = -1;
		text = xasprintf("IMAP server %s:%d: UID FETCH %u: the server sent a message body ahead of its UID and out of order; not trusting it",
				 c->host, c->port, cmd->fetch_uid);
	} else if (cmd->status == IMAP_STATUS_OK) {
		result = cmd->body_state == BODY_DONE ? 1 : 0;
	} else if (cmd->status == IMAP_STATUS_NO &&
		   cmd->code == IMAP_CODE_EXPUNGEISSUE &&
		   cmd->body_state != BODY_DONE) {
		result = 0;	/* RFC 5530: it was expunged meanwhile */
	} else {
		char what[48];
		snprintf(what, sizeof(what), "UID FETCH %u", cmd->fetch_uid);
		result = -1;
		text = refused(c, what, cmd);
	}
	fb->h->done(fb->arg, cmd->index, result, text);
	free(text);
}

static bool fetch_next(struct imap_client *c, struct batch *b)
{
	struct fetch_batch *fb = (struct fetch_batch *)b;
	while (fb->next_i < fb->n) {
		size_t i = fb->next_i++;
		uint32_t uid = fb->uids[i];
		if (!uid) {
			fb->h->done(fb->arg, i, -1, "UID 0 does not exist");
			continue;
		}
		struct cmd *cmd = cmd_new(c);
		char buf[64];
		snprintf(buf, sizeof(buf), " UID FETCH %u (UID BODY.PEEK[])",
			 uid);
		cmd_add(cmd, buf);
		cmd_finish(cmd);
		cmd->fetch_uid = uid;
		cmd->arg = fb;
		cmd->index = i;
		submit_batch(c, b, cmd, fetch_done);
		return true;
	}
	return false;
}

int imap_client_fetch_bodies(struct imap_client *c, const uint32_t *uids,
			     size_t n, const struct imap_body_handler *h,
			     void *arg, char **err_r)
{
	struct fetch_batch fb = {
		.b.next = fetch_next, .uids = uids, .n = n, .h = h, .arg = arg,
	};
	if (n == 0)
		return 0;
	if (no_mailbox(c, "UID FETCH", err_r)) {
		for (size_t i = 0; i < n; i++)
			h->done(arg, i, -1, *err_r);
		return -1;
	}
	if (run_batch(c, &fb.b, err_r) < 0) {
		/* those never submitted */
		for (size_t i = fb.next_i; i < n; i++)
			h->done(arg, i, -1, *err_r);
		return -1;
	}
	return 0;
}

/* imap_client_fetch_body on top of the batch call. */
struct single_body {
	imap_body_sink_fn *sink;
	void *arg;
	int result;
	char *text;
};

static void single_data(void *arg, size_t i, const void *data, size_t len)
{
	struct single_body *sb = arg;
	(void)i;
	sb->sink(sb->arg, data, len);
}

static void single_done(void *arg, size_t i, int result, const char *text)
{
	struct single_body *sb = arg;
	(void)i;
	sb->result = result;
	if (text)
		sb->text = xstrdup(text);
}

int imap_client_fetch_body(struct imap_client *c, uint32_t uid,
			   imap_body_sink_fn *sink, void *arg, char **err_r)
{
	static const struct imap_body_handler h = {
		.data = single_data, .done = single_done,
	};
	struct single_body sb = { .sink = sink, .arg = arg, .result = -1 };
	char *err = NULL;

	if (imap_client_fetch_bodies(c, &uid, 1, &h, &sb, &err) < 0) {
		free(sb.text);
		*err_r = err;
		return -1;
	}
	if (sb.result < 0) {
		*err_r = sb.text ? sb.text : xstrdup("UID FETCH failed");
		return -1;
	}
	free(sb.text);
	return sb.result;
}

/* -- SEARCH -- */

struct search_collect {
	uint32_t *v;
	size_t n, cap;
	bool bad;
};

static void search_untagged(struct imap_client *c, struct cmd *cmd,
			    const struct imap_response *r)
{
	struct search_collect *sc = cmd->arg;
	uint32_t *nums;
	size_t n;
	(void)c;
	if (r->kind != IMAP_UNTAGGED_SEARCH)
		return;
	if (imap_response_search(r, &nums, &n, NULL) < 0) {
		sc->bad = true;
		return;
	}
	if (sc->n + n > sc->cap) {
		sc->cap = (sc->n + n) * 2;
		sc->v = xrealloc(sc->v, sc->cap * sizeof(*sc->v));
	}
	if (n)
		memcpy(sc->v + sc->n, nums, n * sizeof(*nums));
	sc->n += n;
	free(nums);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort, drop duplicates and zeros in place; returns the new count. */
static size_t sort_uids(uint32_t *v, size_t n)
{
	size_t k = 0;
	if (n)
		qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (v[i] && (k == 0 || v[k - 1] != v[i]))
			v[k++] = v[i];
	return k;
}

static int run_search(struct imap_client *c, struct cmd *cmd,
		      const char *what, uint32_t **uids_r, size_t *n_r,
		      char **err_r)
{
	struct search_collect sc = { 0 };
	cmd->untagged = search_untagged;
	cmd->arg = &sc;
	if (run_simple(c, cmd, what, err_r) < 0) {
		free(sc.v);
		return -1;
	}
	if (sc.bad) {
		free(sc.v);
		return client_fail(c, err_r, "malformed SEARCH response");
	}
	sc.n = sort_uids(sc.v, sc.n);
	if (!sc.n)
		FREE(&sc.v);
	*uids_r = sc.v;
	*n_r = sc.n;
	return 0;
}

int imap_client_search(struct imap_client *c, const char *criteria,
		       uint32_t **uids_r, size_t *n_r, char **err_r)
{
	*uids_r = NULL;
	*n_r = 0;
	if (no_mailbox(c, "UID SEARCH", err_r))
		return -1;
	if (strpbrk(criteria, "\r\n")) {
		/* it would end the command and start another */
		*err_r = xstrdup("UID SEARCH: line break in the search criteria");
		return -1;
	}
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " UID SEARCH ");
	cmd_add(cmd, criteria);
	char *what = xasprintf("UID SEARCH %s", criteria);
	int ret = run_search(c, cmd, what, uids_r, n_r, err_r);
	free(what);
	if (ret == 0)
		ui_debug(OI_DEBUG_IMAP, "UID SEARCH %s: %zu result(s)",
			 criteria, *n_r);
	return ret;
}

int imap_client_search_header(struct imap_client *c, const char *name,
			      const char *value, uint32_t **uids_r,
			      size_t *n_r, char **err_r)
{
	*uids_r = NULL;
	*n_r = 0;
	if (no_mailbox(c, "UID SEARCH", err_r))
		return -1;
	struct cmd *cmd = cmd_new(c);
	/* 8-bit text needs a charset, and goes as a literal */
	cmd_add(cmd, needs_literal(name) || needs_literal(value)
		? " UID SEARCH CHARSET UTF-8 HEADER " : " UID SEARCH HEADER ");
	cmd_add_astring(c, cmd, name, NULL);
	cmd_add(cmd, " ");
	cmd_add_astring(c, cmd, value, NULL);
	char *what = xasprintf("UID SEARCH HEADER %s \"%s\"", name, value);
	int ret = run_search(c, cmd, what, uids_r, n_r, err_r);
	if (ret == 0)
		ui_debug(OI_DEBUG_IMAP, "%s: %zu result(s)", what, *n_r);
	free(what);
	return ret;
}

/* -- UID sets -- */

char **imap_uidset_split(const uint32_t *uids, size_t n, size_t max_len,
			 size_t *n_r)
{
	uint32_t *v = NULL;
	char **out = NULL;
	size_t n_out = 0;
	struct strbuf cur;

	strbuf_init(&cur);
	if (n) {
		v = xmalloc(n * sizeof(*v));
		memcpy(v, uids, n * sizeof(*v));
		n = sort_uids(v, n);
	}
	out = xcalloc(1, sizeof(*out));
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		char run[32];
		if (j == i)
			snprintf(run, sizeof(run), "%u", v[i]);
		else
			snprintf(run, sizeof(run), "%u:%u", v[i], v[j]);
		size_t rl = strlen(run);
		if (cur.len && cur.len + 1 + rl > max_len) {
			/* A run that does not fit in what is left could be
			 * cut in two, but a fresh set holds it whole. */
			out = xrealloc(out, (n_out + 2) * sizeof(*out));
			out[n_out++] = strbuf_detach(&cur);
			out[n_out] = NULL;
		}
		if (cur.len)
			strbuf_addch(&cur, ',');
		strbuf_add(&cur, run, rl);
		i = j + 1;
	}
	if (cur.len) {
		out = xrealloc(out, (n_out + 2) * sizeof(*out));
		out[n_out++] = strbuf_detach(&cur);
		out[n_out] = NULL;
	}
	strbuf_release(&cur);
	free(v);
	if (n_r)
		*n_r = n_out;
	return out;
}

/* Several commands "<prefix><set><suffix>" for the UID sets, pipelined;
 * the first refusal is kept as the error. */
struct set_batch {
	struct batch b;
	const char *prefix, *suffix, *what;
	char **sets;
	size_t next_i;
	char *error;
};

static void set_done(struct imap_client *c, struct cmd *cmd)
{
	struct set_batch *sb = cmd->arg;
	sb->b.outstanding--;
	if (!cmd->cancelled && cmd->status != IMAP_STATUS_OK && !sb->error)
		sb->error = refused(c, sb->what, cmd);
}

static bool set_next(struct imap_client *c, struct batch *b)
{
	struct set_batch *sb = (struct set_batch *)b;
	if (!sb->sets[sb->next_i])
		return false;
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, sb->prefix);
	cmd_add(cmd, sb->sets[sb->next_i]);
	cmd_add(cmd, sb->suffix);
	cmd_finish(cmd);
	cmd->arg = sb;
	cmd->index = sb->next_i++;
	submit_batch(c, b, cmd, set_done);
	return true;
}

static int run_uid_sets(struct imap_client *c, const uint32_t *uids,
			size_t n, const char *prefix, const char *suffix,
			const char *what, char **err_r)
{
	/* tag + prefix + set + suffix + CRLF within the line limit */
	size_t fixed = sizeof(((struct cmd *)0)->tag) + strlen(prefix) +
		       strlen(suffix) + 2;
	size_t limit = c->s->max_line ? c->s->max_line : IMAP_MAX_COMMAND_LINE;
	size_t max = fixed + 32 < limit ? limit - fixed : 32;
	struct set_batch sb = {
		.b.next = set_next, .prefix = prefix, .suffix = suffix,
		.what = what,
	};
	sb.sets = imap_uidset_split(uids, n, max, NULL);
	int ret = run_batch(c, &sb.b, err_r);
	if (ret == 0 && sb.error) {
		*err_r = sb.error;
		sb.error = NULL;
		ret = -1;
	}
	free(sb.error);
	strv_free(&sb.sets);
	return ret;
}

int imap_client_store(struct imap_client *c, const uint32_t *uids, size_t n,
		      enum imap_store_mode mode, unsigned flags,
		      const char *const *keywords, char **err_r)
{
	static const char *const items[] = {
		[IMAP_STORE_ADD] = " +FLAGS.SILENT ",
		[IMAP_STORE_REMOVE] = " -FLAGS.SILENT ",
		[IMAP_STORE_REPLACE] = " FLAGS.SILENT ",
	};
	struct strbuf suffix;
	int ret;

	if (n == 0)
		return 0;
	if (mode != IMAP_STORE_REPLACE &&
	    !(flags & ~(unsigned)IMAP_FLAG_RECENT) &&
	    (!keywords || !keywords[0]))
		return 0;
	if (no_mailbox(c, "UID STORE", err_r))
		return -1;
	strbuf_init(&suffix);
	strbuf_addstr(&suffix, items[mode]);
	if (add_flag_list(c, &suffix, flags, keywords, err_r) < 0) {
		strbuf_release(&suffix);
		return -1;
	}
	char *what = xasprintf("UID STORE%s", suffix.buf);
	ret = run_uid_sets(c, uids, n, " UID STORE ", suffix.buf, what, err_r);
	free(what);
	strbuf_release(&suffix);
	return ret;
}

int imap_client_uid_expunge(struct imap_client *c, const uint32_t *uids,
			    size_t n, char **err_r)
{
	if (n == 0)
		return 0;
	if (no_mailbox(c, "UID EXPUNGE", err_r))
		return -1;
	if (!imap_client_has_cap(c, "UIDPLUS")) {
		*err_r = xasprintf("IMAP server %s:%d: UID EXPUNGE needs the UIDPLUS extension, which the server does not offer",
				   c->host, c->port);
		return -1;
	}
	return run_uid_sets(c, uids, n, " UID EXPUNGE ", "", "UID EXPUNGE",
			    err_r);
}

int imap_client_expunge(struct imap_client *c, char **err_r)
{
	if (no_mailbox(c, "EXPUNGE", err_r))
		return -1;
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " EXPUNGE");
	return run_simple(c, cmd, "EXPUNGE", err_r);
}

int imap_client_check(struct imap_client *c, char **err_r)
{
	if (no_mailbox(c, "CHECK", err_r))
		return -1;
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " CHECK");
	return run_simple(c, cmd, "CHECK", err_r);
}

/* -- STATUS -- */

struct status_collect {
	const char *mailbox;
	struct imap_mailbox_status st;
	bool got;
};

static void status_untagged(struct imap_client *c, struct cmd *cmd,
			    const struct imap_response *r)
{
	struct status_collect *sc = cmd->arg;
	struct imap_status_info si;
	(void)c;
	if (r->kind != IMAP_UNTAGGED_STATUS ||
	    imap_response_status(r, &si) < 0)
		return;
	/* INBOX is case-insensitive; other names must match exactly */
	if (strcmp(si.mailbox, sc->mailbox) != 0 &&
	    !(strcasecmp(si.mailbox, "INBOX") == 0 &&
	      strcasecmp(sc->mailbox, "INBOX") == 0))
		return;
	sc->st.messages = si.messages;
	sc->st.recent = si.recent;
	sc->st.uidnext = si.uidnext;
	sc->st.uidvalidity = si.uidvalidity;
	sc->st.unseen = si.unseen;
	sc->st.highestmodseq = si.highestmodseq;
	sc->got = true;
}

int imap_client_status(struct imap_client *c, const char *mailbox,
		       struct imap_mailbox_status *st_r, char **err_r)
{
	struct status_collect sc = { .mailbox = mailbox };
	memset(&sc.st, 0xff, sizeof(sc.st));
	struct cmd *cmd = cmd_new(c);
	cmd_add(cmd, " STATUS ");
	cmd_add_astring(c, cmd, mailbox, NULL);
	cmd_add(cmd, imap_client_has_cap(c, "CONDSTORE")
		? " (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"
		: " (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)");
	cmd->untagged = status_untagged;
	cmd->arg = &sc;
	char *what = xasprintf("STATUS \"%s\"", mailbox);
	int ret = run_simple(c, cmd, what, err_r);
	free(what);
	if (ret < 0)
		return -1;
	if (!sc.got)
		return client_fail(c, err_r, "STATUS \"%s\" completed without a STATUS response",
				   mailbox);
	*st_r = sc.st;
	return 0;
}

/* -- APPEND -- */

struct append_batch {
	struct batch b;
	const char *mailbox;
	struct imap_append_msg *msgs;
	size_t n, next_i;
	char *error;
};

static void append_done(struct imap_client *c, struct cmd *cmd)
{
	struct append_batch *ab = cmd->arg;
	struct imap_append_msg *m = &ab->msgs[cmd->index];
	ab->b.outstanding--;
	if (cmd->cancelled)
		return;
	if (cmd->status == IMAP_STATUS_OK) {
		m->result = 1;
		if (cmd->code == IMAP_CODE_APPENDUID) {
			m->uidvalidity = cmd->code_uidvalidity;
			m->uid = cmd->code_number;
		}
		return;
	}
	m->result = -1;
	if (!ab->error) {
		char *what = xasprintf("APPEND to \"%s\"", ab->mailbox);
		ab->error = refused(c, what, cmd);
		free(what);
	}
}

static bool append_next(struct imap_client *c, struct batch *b)
{
	struct append_batch *ab = (struct append_batch *)b;
	if (ab->next_i >= ab->n)
		return false;
	size_t i = ab->next_i++;
	struct imap_append_msg *m = &ab->msgs[i];
	struct cmd *cmd = cmd_new(c);
	struct strbuf sb;
	char date[IMAP_DATE_SIZE];

	cmd_add(cmd, " APPEND ");
	cmd_add_astring(c, cmd, ab->mailbox, NULL);
	strbuf_init(&sb);
	if ((m->flags & ~(unsigned)IMAP_FLAG_RECENT) ||
	    (m->keywords && m->keywords[0])) {
		char *unused = NULL;
		/* keywords were checked before anything was queued */
		add_flag_list(c, &sb, m->flags, m->keywords, &unused);
		free(unused);
		cmd_add(cmd, " ");
		cmd_add(cmd, sb.buf);
	}
	strbuf_release(&sb);
	if (m->has_date && imap_format_date(m->date, m->zone, date) == 0) {
		cmd_add(cmd, " \"");
		cmd_add(cmd, date);
		cmd_add(cmd, "\"");
	}
	bool plus = imap_client_has_cap(c, "LITERAL+") ||
		    (m->size <= 4096 && imap_client_has_cap(c, "LITERAL-"));
	char marker[40];
	snprintf(marker, sizeof(marker), " {%llu%s}",
		 (unsigned long long)m->size, plus ? "+" : "");
	cmd_add(cmd, marker);
	strbuf_addstr(&cmd->cur, "\r\n");
	cmd_add_body(cmd, !plus, m->data, m->read, m->read_arg, m->size);
	cmd_finish(cmd);
	cmd->arg = ab;
	cmd->index = i;
	submit_batch(c, b, cmd, append_done);
	return true;
}

int imap_client_append(struct imap_client *c, const char *mailbox,
		       struct imap_append_msg *msgs, size_t n, char **err_r)
{
	struct append_batch ab = {
		.b.next = append_next, .mailbox = mailbox, .msgs = msgs,
		.n = n,
	};
	for (size_t i = 0; i < n; i++) {
		msgs[i].result = 0;
		msgs[i].uid = msgs[i].uidvalidity = 0;
		for (const char *const *k = msgs[i].keywords; k && *k; k++)
			if (!valid_keyword(*k)) {
				*err_r = xasprintf("IMAP server %s:%d: \"%s\" cannot be sent as a flag keyword",
						   c->host, c->port, *k);
				return -1;
			}
		if (!msgs[i].data && !msgs[i].read && msgs[i].size) {
			*err_r = xstrdup("APPEND: message without data");
			return -1;
		}
	}
	if (n == 0)
		return 0;
	if (run_batch(c, &ab.b, err_r) < 0) {
		free(ab.error);
		return -1;
	}
	if (ab.error) {
		*err_r = ab.error;
		return -1;
	}
	return 0;
}

/* -- dates -- */

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Days since 1970-01-01 of a proleptic Gregorian date (m = 1..12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r,
			    unsigned *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int64_t)yoe + era * 400 + (m <= 2);
	*m_r = m;
	*d_r = d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int imap_local_zone(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

int imap_format_date(int64_t t, int zone, char buf[IMAP_DATE_SIZE])
{
	if (zone == IMAP_ZONE_LOCAL)
		zone = imap_local_zone(t);
	if (zone <= -24 * 60 || zone >= 24 * 60)
		return -1;
	/* the wall clock in that zone */
	int64_t local = t + (int64_t)zone * 60;
	int64_t days = floor_div(local, 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return -1;
	/* Sign and magnitude separately: -0330 is minus three and a half
	 * hours, not (-4 hours + 30 minutes). */
	int az = zone < 0 ? -zone : zone;
	snprintf(buf, IMAP_DATE_SIZE, "%2u-%s-%04d %02d:%02d:%02d %c%02d%02d",
		 d, month_names[m - 1], (int)y, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60), zone < 0 ? '-' : '+',
		 az / 60, az % 60);
	return 0;
}

/* n decimal digits at *p. */
static int take_digits(const char **p, int n, int *v_r)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v_r = v;
	return 0;
}

int imap_parse_date(const char *s, int64_t *t_r, int *zone_r)
{
	static const unsigned char mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	const char *p = s;
	int day, year, hh, mm, ss, zh, zm, mon = -1;

	if (*p == ' ')
		p++;
	if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') {
		if (take_digits(&p, 2, &day) < 0)
			return -1;
	} else if (take_digits(&p, 1, &day) < 0) {
		return -1;
	}
	if (*p++ != '-')
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, month_names[i], 3) == 0)
			mon = i;
	if (mon < 0)
		return -1;
	p += 3;
	if (*p++ != '-' || take_digits(&p, 4, &year) < 0 || *p++ != ' ' ||
	    take_digits(&p, 2, &hh) < 0 || *p++ != ':' ||
	    take_digits(&p, 2, &mm) < 0 || *p++ != ':' ||
	    take_digits(&p, 2, &ss) < 0 || *p++ != ' ')
		return -1;
	char sign = *p++;
	if ((sign != '+' && sign != '-') || take_digits(&p, 2, &zh) < 0 ||
	    take_digits(&p, 2, &zm) < 0 || *p != '\0')
		return -1;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1 || day < 1 || day > mdays[mon] ||
	    (mon == 1 && day == 29 && !leap) || hh > 23 || mm > 59 ||
	    ss > 60 || zh > 23 || zm > 59)
		return -1;
	int zone = (zh * 60 + zm) * (sign == '-' ? -1 : 1);
	int64_t t = days_from_civil(year, (unsigned)mon + 1, (unsigned)day) *
		    86400 + hh * 3600 + mm * 60 + (ss == 60 ? 59 : ss);
	*t_r = t - (int64_t)zone * 60;
	*zone_r = zone;
	return 0;
}
