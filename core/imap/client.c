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
#include "tls.h"
#include "ui.h"
#include "util.h"

/* ---- Commands ---- */

/* One piece of a command on the wire.  A piece that ends with a
 * synchronising literal marker makes the client wait for "+". */
struct chunk {
	char *data;
	size_t len;
	char *trace;		/* lines to trace, '\n'-separated (masked) */
	bool wait_cont;
};

struct cmd;
/* Produce the answer to a continuation during AUTHENTICATE: 0 with
 * *line_r (malloc'd, without CRLF; wiped after sending), or -1 to cancel. */
typedef int cont_fn(struct imap_client *c, struct cmd *cmd,
		    const struct imap_response *r, char **line_r);
typedef void untagged_fn(struct imap_client *c, struct cmd *cmd,
			 const struct imap_response *r);

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

	/* body fetch */
	uint32_t fetch_uid;
	imap_body_sink_fn *sink;
	void *sink_arg;
	bool got_body;

	/* result */
	bool done;
	enum imap_status status;
	enum imap_code code;
	char *text;		/* the completion's text (code included) */
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
	unsigned n_inflight, max_inflight;
	struct cmd *cont_wait;	/* the command a "+" belongs to */

	char **caps;		/* upper-case, NULL-terminated */
	unsigned caps_gen;	/* bumped whenever caps are replaced */
	char **enabled;
	bool preauth, dead, bye;
	char *bye_text;
	char delimiter;
	bool have_delimiter;

	char *selected;
	bool selected_examine;
	struct imap_mailbox mb;

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

static void cmd_end_chunk(struct cmd *cmd, bool wait_cont)
{
	cmd->chunks = xrealloc(cmd->chunks,
			       (cmd->n_chunks + 1) * sizeof(*cmd->chunks));
	struct chunk *ch = &cmd->chunks[cmd->n_chunks++];
	ch->len = cmd->cur.len;
	ch->data = strbuf_detach(&cmd->cur);
	ch->trace = strbuf_detach(&cmd->cur_trace);
	ch->wait_cont = wait_cont;
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
	return !c->dead && !c->bye;
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

static int send_chunk(struct imap_client *c, struct cmd *cmd, char **err_r)
{
	struct chunk *ch = &cmd->chunks[cmd->sent++];
	char *err = NULL;
	trace_lines(">", ch->trace);
	if (imap_conn_write(c->conn, ch->data, ch->len, &err) < 0) {
		client_fail(c, err_r, "%s", err);
		free(err);
		return -1;
	}
	/* The data may hold a password: do not keep it around. */
	crypto_wipe(ch->data, ch->len);
	if (ch->wait_cont || cmd->cont)
		c->cont_wait = cmd;
	return 0;
}

/* Send queued commands while the cap allows and no "+" is awaited. */
static int flush_pending(struct imap_client *c, char **err_r)
{
	while (c->pending && !c->cont_wait && c->n_inflight < c->max_inflight) {
		struct cmd *cmd = c->pending;
		c->pending = cmd->next;
		if (!c->pending)
			c->pending_tail = &c->pending;
		cmd->next = NULL;
		*c->inflight_tail = cmd;
		c->inflight_tail = &cmd->next;
		c->n_inflight++;
		if (send_chunk(c, cmd, err_r) < 0)
			return -1;
	}
	return 0;
}

static void submit(struct imap_client *c, struct cmd *cmd)
{
	cmd->next = NULL;
	*c->pending_tail = cmd;
	c->pending_tail = &cmd->next;
}

/* ---- Receiving ---- */

static struct cmd *find_fetch_cmd(struct imap_client *c, uint32_t uid)
{
	struct cmd *first = NULL;
	for (struct cmd *cmd = c->inflight; cmd; cmd = cmd->next) {
		if (!cmd->sink)
			continue;
		if (uid && cmd->fetch_uid == uid)
			return cmd;
		if (!first && !cmd->got_body)
			first = cmd;
	}
	return uid ? NULL : first;
}

/* Parser sink: route a body to the fetch command it belongs to. */
static void body_sink(void *arg, enum imap_literal_event ev,
		      const struct imap_literal_info *info, const void *data,
		      size_t len)
{
	struct imap_client *c = arg;
	struct cmd *cmd = find_fetch_cmd(c, info->uid);
	if (!cmd)
		return;		/* unsolicited: dropped */
	if (ev == IMAP_LITERAL_BEGIN)
		cmd->got_body = true;
	else if (ev == IMAP_LITERAL_DATA)
		cmd->sink(cmd->sink_arg, data, len);
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
		if (send_chunk(c, cmd, err_r) < 0)
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
	if (r->code.name)
		cmd->text = xasprintf("[%s] %s", r->code.name, r->text);
	else
		cmd->text = xstrdup(r->text);
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

static int run_until_inner(struct imap_client *c, struct cmd *cmd,
			   char **err_r);

/* Send and read until `cmd` has completed.  The client owns cmd from
 * submit() until this returns; the caller frees it afterwards.  Returns 0
 * (look at cmd->status), or -1 with *err_r when the connection failed. */
static int run_until(struct imap_client *c, struct cmd *cmd, char **err_r)
{
	if (run_until_inner(c, cmd, err_r) == 0)
		return 0;
	if (!cmd->done)
		unlink_cmd(c, cmd);
	return -1;
}

static int run_until_inner(struct imap_client *c, struct cmd *cmd,
			   char **err_r)
{
	if (c->dead)
		return client_fail(c, err_r, "connection already failed");
	while (!cmd->done) {
		const struct imap_response *r;
		if (flush_pending(c, err_r) < 0)
			return -1;
		if (read_response(c, &r, err_r) < 0)
			return -1;
		int ret = 0;
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
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Submit, wait, and turn a NO/BAD into an error naming `what`. */
static int run_simple(struct imap_client *c, struct cmd *cmd,
		      const char *what, char **err_r)
{
	cmd_finish(cmd);
	submit(c, cmd);
	int ret = run_until(c, cmd, err_r);
	if (ret == 0 && cmd->status != IMAP_STATUS_OK) {
		*err_r = xasprintf("IMAP server %s:%d: %s failed: %s",
				   c->host, c->port, what, cmd->text);
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
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
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
			if (tls_ctx_new(s->cafile, s->fingerprints, &c->tls,
					&err) < 0) {
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
};

static void list_untagged(struct imap_client *c, struct cmd *cmd,
			  const struct imap_response *r)
{
	struct list_collect *lc = cmd->arg;
	struct imap_list_info li;
	(void)c;
	if (r->kind != IMAP_UNTAGGED_LIST)
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

int imap_client_list(struct imap_client *c, const char *reference,
		     const char *pattern, struct imap_folder **folders_r,
		     size_t *n_r, char **err_r)
{
	struct list_collect lc = { 0 };
	struct cmd *cmd = cmd_new(c);

	if (!reference)
		reference = c->s->reference ? c->s->reference : "";
	cmd_add(cmd, " LIST ");
	cmd_add_astring(c, cmd, reference, NULL);
	cmd_add(cmd, " ");
	cmd_add_astring(c, cmd, pattern, NULL);
	cmd->untagged = list_untagged;
	cmd->arg = &lc;
	if (run_simple(c, cmd, "LIST", err_r) < 0) {
		imap_folders_free(&lc.v, lc.n);
		return -1;
	}
	if (lc.bad) {
		imap_folders_free(&lc.v, lc.n);
		return client_fail(c, err_r, "malformed LIST response");
	}
	*folders_r = lc.v;
	*n_r = lc.n;
	return 0;
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

int imap_client_fetch_body(struct imap_client *c, uint32_t uid,
			   imap_body_sink_fn *sink, void *arg, char **err_r)
{
	struct cmd *cmd = cmd_new(c);
	char buf[64];
	snprintf(buf, sizeof(buf), " UID FETCH %u (UID BODY.PEEK[])", uid);
	cmd_add(cmd, buf);
	cmd->fetch_uid = uid;
	cmd->sink = sink;
	cmd->sink_arg = arg;
	cmd_finish(cmd);
	submit(c, cmd);
	int ret = run_until(c, cmd, err_r);
	if (ret == 0) {
		if (cmd->status != IMAP_STATUS_OK) {
			*err_r = xasprintf("IMAP server %s:%d: UID FETCH %u failed: %s",
					   c->host, c->port, uid, cmd->text);
			ret = -1;
		} else {
			ret = cmd->got_body ? 1 : 0;
		}
	}
	cmd_free(&cmd);
	return ret;
}
