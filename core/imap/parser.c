// SPDX-License-Identifier: GPL-2.0-or-later
/* Incremental IMAP response parser: splits input into line segments and
 * literals, tokenizes complete segments into an arena, streams bodies. */
#include <assert.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/parser.h"
#include "util.h"

const struct imap_parser_limits imap_parser_default_limits = {
	.max_line = 8u << 20,
	.max_literal = 8u << 20,
	.max_response = 64u << 20,
	.max_stream = (uint64_t)16 << 30,
	.max_depth = 32,
};

/* ---- Arena: one response's data, cleared when the next one starts ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_chunk *head;
	size_t total;		/* bytes handed out since the last clear */
};

#define ARENA_CHUNK 4096

static void *arena_alloc(struct arena *a, size_t n)
{
	size_t align = alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (!a->head || a->head->size - a->head->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		struct arena_chunk *c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	a->total += n;
	return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Keep the newest chunk for reuse if it is of the ordinary size, so a
 * steady stream of small responses allocates nothing. */
static void arena_clear(struct arena *a)
{
	struct arena_chunk *keep = NULL, *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		if (!keep && c->size == ARENA_CHUNK) {
			keep = c;
			keep->used = 0;
			keep->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	a->head = keep;
	a->total = 0;
}

/* ---- Parser state ---- */

/* An element of a list still being built. */
struct pnode {
	struct imap_arg arg;
	struct pnode *next;
};

struct frame {
	struct pnode *first, *last;
	size_t count;
	struct imap_arg *owner;	/* the LIST arg in the parent, NULL = root */
};

enum pstate {
	ST_START,	/* before the first byte of a response */
	ST_LINE,	/* collecting a line segment */
	ST_LITERAL,	/* reading literal data */
	ST_DONE,	/* a response was returned; clear on next feed */
	ST_FAILED,
};

struct imap_parser {
	struct imap_parser_limits lim;
	enum pstate state;
	struct arena arena;

	char *line;		/* current segment */
	size_t line_len, line_cap;
	bool first_segment;	/* the segment holds the response header */

	struct imap_response resp;
	struct frame *stack;	/* [0] = root */
	unsigned depth;		/* index of the innermost open frame */

	/* current literal */
	uint64_t lit_left;
	bool lit_stream;
	char *lit_buf;		/* buffered literal being filled */
	size_t lit_len;
	struct imap_literal_info lit_info;

	imap_literal_sink_fn *sink;
	void *sink_arg;
	imap_parser_trace_fn *trace;
	void *trace_arg;

	char *error;
};

static int fail(struct imap_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct imap_parser *p, const char *fmt, ...)
{
	va_list ap;
	if (p->state == ST_FAILED)
		return -1;
	va_start(ap, fmt);
	free(p->error);
	p->error = xvasprintf(fmt, ap);
	va_end(ap);
	p->state = ST_FAILED;
	return -1;
}

struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));
	p->lim = limits ? *limits : imap_parser_default_limits;
	if (p->lim.max_depth < 1)
		p->lim.max_depth = 1;
	p->stack = xcalloc(p->lim.max_depth + 1, sizeof(*p->stack));
	p->state = ST_START;
	return p;
}

void imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;
	if (!p)
		return;
	arena_clear(&p->arena);
	free(p->arena.head);
	free(p->line);
	free(p->stack);
	free(p->error);
	free(p);
	*pp = NULL;
}

void imap_parser_set_sink(struct imap_parser *p, imap_literal_sink_fn *sink,
			  void *arg)
{
	p->sink = sink;
	p->sink_arg = arg;
}

void imap_parser_set_trace(struct imap_parser *p, imap_parser_trace_fn *fn,
			   void *arg)
{
	p->trace = fn;
	p->trace_arg = arg;
}

const char *imap_parser_error(const struct imap_parser *p)
{
	return p->state == ST_FAILED ? p->error : NULL;
}

bool imap_parser_idle(const struct imap_parser *p)
{
	return p->state == ST_START || p->state == ST_DONE;
}

static void begin_response(struct imap_parser *p)
{
	arena_clear(&p->arena);
	memset(&p->resp, 0, sizeof(p->resp));
	memset(p->stack, 0, sizeof(*p->stack) * (p->lim.max_depth + 1));
	p->depth = 0;
	p->line_len = 0;
	p->first_segment = true;
	p->lit_buf = NULL;
	p->state = ST_LINE;
}

void imap_parser_reset(struct imap_parser *p)
{
	begin_response(p);
	p->state = ST_START;
	FREE(&p->error);
}

static int check_total(struct imap_parser *p, size_t more)
{
	if (p->arena.total + more > p->lim.max_response)
		return fail(p, "response larger than %zu bytes",
			    p->lim.max_response);
	return 0;
}

/* ---- Building the argument tree ---- */

static struct imap_arg *add_arg(struct imap_parser *p, enum imap_arg_type t)
{
	struct frame *f = &p->stack[p->depth];
	struct pnode *n = arena_alloc(&p->arena, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->arg.type = t;
	if (f->last)
		f->last->next = n;
	else
		f->first = n;
	f->last = n;
	f->count++;
	return &n->arg;
}

/* Turn a frame's linked elements into an array. */
static struct imap_arg *frame_array(struct imap_parser *p, struct frame *f)
{
	struct imap_arg *a = arena_alloc(&p->arena,
					 sizeof(*a) * (f->count ? f->count : 1));
	size_t i = 0;
	for (struct pnode *n = f->first; n; n = n->next)
		a[i++] = n->arg;
	return a;
}

static int open_list(struct imap_parser *p)
{
	if (p->depth + 1 > p->lim.max_depth)
		return fail(p, "lists nested deeper than %u", p->lim.max_depth);
	struct imap_arg *owner = add_arg(p, IMAP_ARG_LIST);
	p->depth++;
	memset(&p->stack[p->depth], 0, sizeof(p->stack[0]));
	p->stack[p->depth].owner = owner;
	return 0;
}

static int close_list(struct imap_parser *p)
{
	if (p->depth == 0)
		return fail(p, "unexpected ')'");
	struct frame *f = &p->stack[p->depth];
	f->owner->list = frame_array(p, f);
	f->owner->count = f->count;
	p->depth--;
	return 0;
}

static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Tokenize s[*pos..len) into the open frames.  With `code`, stop at a ']'
 * on the level where tokenizing started (the end of a response code). */
static int tokenize(struct imap_parser *p, const char *s, size_t len,
		    size_t *pos, bool code)
{
	/* Data continues the open lists across segments; a code's
	 * arguments live on a level of their own. */
	unsigned base = code ? p->depth : 0;
	size_t i = *pos;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			i++;
			continue;
		}
		if (c == '(') {
			if (open_list(p) < 0)
				return -1;
			i++;
		} else if (c == ')') {
			if (p->depth <= base)
				return fail(p, "unbalanced ')'");
			if (close_list(p) < 0)
				return -1;
			i++;
		} else if (c == ']' && code) {
			if (p->depth != base)
				return fail(p, "unbalanced '(' in response code");
			break;
		} else if (c == '"') {
			char *out = arena_alloc(&p->arena, len - i);
			size_t o = 0;
			i++;
			for (;;) {
				if (i >= len)
					return fail(p, "unterminated quoted string");
				c = (unsigned char)s[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= len || (s[i] != '\\' && s[i] != '"'))
						return fail(p, "invalid escape in quoted string");
					c = (unsigned char)s[i++];
				} else if (is_ctl(c)) {
					return fail(p, "control character 0x%02x in quoted string", c);
				}
				out[o++] = (char)c;
			}
			out[o] = '\0';
			struct imap_arg *a = add_arg(p, IMAP_ARG_STRING);
			a->str = out;
			a->len = o;
		} else if (c == '{' || (c == '~' && i + 1 < len && s[i + 1] == '{')) {
			/* A literal marker is only valid at the very end of a
			 * segment, where the caller handles it. */
			return fail(p, "literal marker in the middle of a line");
		} else if (is_ctl(c)) {
			return fail(p, "control character 0x%02x in response", c);
		} else {
			size_t start = i;
			int brackets = 0;
			while (i < len) {
				c = (unsigned char)s[i];
				if (brackets == 0 &&
				    (c == ' ' || c == '(' || c == ')'))
					break;
				if (c == ']') {
					if (brackets == 0) {
						if (code)
							break;
						return fail(p, "unbalanced ']'");
					}
					brackets--;
				} else if (c == '[') {
					brackets++;
				} else if (c == '"' && brackets == 0) {
					return fail(p, "'\"' inside an atom");
				} else if (is_ctl(c)) {
					return fail(p, "control character 0x%02x in atom", c);
				}
				i++;
			}
			if (brackets)
				return fail(p, "unterminated '[' in atom");
			struct imap_arg *a;
			if (i - start == 3 && strncasecmp(s + start, "NIL", 3) == 0) {
				a = add_arg(p, IMAP_ARG_NIL);
			} else {
				a = add_arg(p, IMAP_ARG_ATOM);
				a->str = arena_strndup(&p->arena, s + start, i - start);
				a->len = i - start;
			}
		}
		if (check_total(p, 0) < 0)
			return -1;
	}
	*pos = i;
	return 0;
}

/* ---- Numbers and helpers ---- */

int imap_parse_number(const char *s, size_t len, uint64_t max, uint64_t *n_r)
{
	uint64_t n = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*n_r = n;
	return 0;
}

bool imap_arg_atom_is(const struct imap_arg *a, const char *s)
{
	return a && a->type == IMAP_ARG_ATOM && strcasecmp(a->str, s) == 0;
}

const char *imap_arg_astring(const struct imap_arg *a)
{
	if (!a)
		return NULL;
	switch (a->type) {
	case IMAP_ARG_ATOM:
	case IMAP_ARG_STRING:
	case IMAP_ARG_LITERAL:
		return a->str;
	default:
		return NULL;
	}
}

const char *imap_arg_string(const struct imap_arg *a)
{
	if (!a || (a->type != IMAP_ARG_STRING && a->type != IMAP_ARG_LITERAL))
		return NULL;
	return a->str;
}

int imap_arg_number(const struct imap_arg *a, uint32_t *n_r)
{
	uint64_t n;
	if (!a || a->type != IMAP_ARG_ATOM ||
	    imap_parse_number(a->str, a->len, UINT32_MAX, &n) < 0)
		return -1;
	*n_r = (uint32_t)n;
	return 0;
}

int imap_arg_number64(const struct imap_arg *a, uint64_t *n_r)
{
	if (!a || a->type != IMAP_ARG_ATOM)
		return -1;
	return imap_parse_number(a->str, a->len, UINT64_MAX, n_r);
}

static char *upper_dup(struct imap_parser *p, const char *s, size_t n)
{
	char *u = arena_strndup(&p->arena, s, n);
	for (char *c = u; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return u;
}

/* Length of the word at s[pos..len) ending at SP or the end. */
static size_t word_len(const char *s, size_t len, size_t pos)
{
	size_t i = pos;
	while (i < len && s[i] != ' ')
		i++;
	return i - pos;
}

/* ---- Response codes ---- */

static const struct {
	const char *name;
	enum imap_code code;
} code_names[] = {
	{ "ALERT", IMAP_CODE_ALERT },
	{ "APPENDUID", IMAP_CODE_APPENDUID },
	{ "AUTHENTICATIONFAILED", IMAP_CODE_AUTHENTICATIONFAILED },
	{ "CAPABILITY", IMAP_CODE_CAPABILITY },
	{ "CLOSED", IMAP_CODE_CLOSED },
	{ "COPYUID", IMAP_CODE_COPYUID },
	{ "EXPUNGEISSUE", IMAP_CODE_EXPUNGEISSUE },
	{ "HIGHESTMODSEQ", IMAP_CODE_HIGHESTMODSEQ },
	{ "NOMODSEQ", IMAP_CODE_NOMODSEQ },
	{ "PARSE", IMAP_CODE_PARSE },
	{ "PERMANENTFLAGS", IMAP_CODE_PERMANENTFLAGS },
	{ "READ-ONLY", IMAP_CODE_READ_ONLY },
	{ "READ-WRITE", IMAP_CODE_READ_WRITE },
	{ "TRYCREATE", IMAP_CODE_TRYCREATE },
	{ "UIDNEXT", IMAP_CODE_UIDNEXT },
	{ "UIDVALIDITY", IMAP_CODE_UIDVALIDITY },
	{ "UNSEEN", IMAP_CODE_UNSEEN },
};

static bool is_uid_set(const char *s)
{
	/* sequence-set of numbers: n, n:m, joined by commas; '*' excluded */
	bool need_digit = true;
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			need_digit = false;
		} else if ((*s == ',' || *s == ':') && !need_digit) {
			need_digit = true;
		} else {
			return false;
		}
	}
	return !need_digit;
}

/* Check and decode a known code's arguments. */
static int decode_code(struct imap_parser *p, struct imap_resp_code *rc)
{
	const struct imap_arg *a = rc->args;
	size_t n = rc->n_args;
	uint32_t v;

	switch (rc->code) {
	case IMAP_CODE_UIDVALIDITY:
	case IMAP_CODE_UIDNEXT:
	case IMAP_CODE_UNSEEN:
		if (n < 1 || imap_arg_number(&a[0], &v) < 0)
			return fail(p, "invalid [%s] response code", rc->name);
		if (rc->code == IMAP_CODE_UIDVALIDITY)
			rc->uidvalidity = v;
		else
			rc->number = v;
		break;
	case IMAP_CODE_HIGHESTMODSEQ:
		if (n < 1 || imap_arg_number64(&a[0], &rc->modseq) < 0)
			return fail(p, "invalid [%s] response code", rc->name);
		break;
	case IMAP_CODE_APPENDUID: {
		uint64_t first;
		if (n < 2 || imap_arg_number(&a[0], &rc->uidvalidity) < 0 ||
		    a[1].type != IMAP_ARG_ATOM || !is_uid_set(a[1].str) ||
		    imap_parse_number(a[1].str, strcspn(a[1].str, ",:"),
				      UINT32_MAX, &first) < 0)
			return fail(p, "invalid [APPENDUID] response code");
		rc->dst_uids = a[1].str;
		rc->number = (uint32_t)first;	/* the first UID of the set */
		break;
	}
	case IMAP_CODE_COPYUID:
		if (n < 3 || imap_arg_number(&a[0], &rc->uidvalidity) < 0 ||
		    a[1].type != IMAP_ARG_ATOM || !is_uid_set(a[1].str) ||
		    a[2].type != IMAP_ARG_ATOM || !is_uid_set(a[2].str))
			return fail(p, "invalid [COPYUID] response code");
		rc->src_uids = a[1].str;
		rc->dst_uids = a[2].str;
		break;
	case IMAP_CODE_PERMANENTFLAGS:
		if (n < 1 || a[0].type != IMAP_ARG_LIST)
			return fail(p, "invalid [PERMANENTFLAGS] response code");
		break;
	default:
		break;
	}
	return 0;
}

/* Parse "[CODE args] text" or "text" from s[pos..len). */
static int parse_resp_text(struct imap_parser *p, const char *s, size_t len,
			   size_t pos, bool want_code)
{
	struct imap_resp_code *rc = &p->resp.code;

	if (want_code && pos < len && s[pos] == '[') {
		size_t start = ++pos;
		while (pos < len && s[pos] != ' ' && s[pos] != ']')
			pos++;
		if (pos == start)
			return fail(p, "empty response code");
		rc->name = upper_dup(p, s + start, pos - start);
		rc->code = IMAP_CODE_OTHER;
		for (size_t i = 0; i < ARRAY_SIZE(code_names); i++)
			if (strcmp(rc->name, code_names[i].name) == 0)
				rc->code = code_names[i].code;
		/* Arguments go into a temporary root level of their own. */
		unsigned saved = p->depth;
		struct frame saved_frame = p->stack[saved];
		memset(&p->stack[saved], 0, sizeof(p->stack[0]));
		if (tokenize(p, s, len, &pos, true) < 0)
			return -1;
		if (p->depth != saved)
			return fail(p, "unbalanced '(' in response code");
		if (pos >= len || s[pos] != ']')
			return fail(p, "unterminated response code");
		pos++;
		rc->args = frame_array(p, &p->stack[saved]);
		rc->n_args = p->stack[saved].count;
		p->stack[saved] = saved_frame;
		if (decode_code(p, rc) < 0)
			return -1;
		if (pos < len && s[pos] == ' ')
			pos++;
	}
	p->resp.text = arena_strndup(&p->arena, s + pos, len - pos);
	return 0;
}

/* ---- Segments ---- */

static const struct {
	const char *name;
	enum imap_untagged kind;
} untagged_names[] = {
	{ "CAPABILITY", IMAP_UNTAGGED_CAPABILITY },
	{ "LIST", IMAP_UNTAGGED_LIST },
	{ "LSUB", IMAP_UNTAGGED_LSUB },
	{ "FLAGS", IMAP_UNTAGGED_FLAGS },
	{ "SEARCH", IMAP_UNTAGGED_SEARCH },
	{ "STATUS", IMAP_UNTAGGED_STATUS },
	{ "ENABLED", IMAP_UNTAGGED_ENABLED },
	{ "EXISTS", IMAP_UNTAGGED_EXISTS },
	{ "RECENT", IMAP_UNTAGGED_RECENT },
	{ "EXPUNGE", IMAP_UNTAGGED_EXPUNGE },
	{ "FETCH", IMAP_UNTAGGED_FETCH },
};

static enum imap_status status_word(const char *w, bool tagged)
{
	if (strcmp(w, "OK") == 0)
		return IMAP_STATUS_OK;
	if (strcmp(w, "NO") == 0)
		return IMAP_STATUS_NO;
	if (strcmp(w, "BAD") == 0)
		return IMAP_STATUS_BAD;
	if (!tagged && strcmp(w, "BYE") == 0)
		return IMAP_STATUS_BYE;
	if (!tagged && strcmp(w, "PREAUTH") == 0)
		return IMAP_STATUS_PREAUTH;
	return IMAP_STATUS_NONE;
}

/* Parse the start of a response.  Returns 1 when the whole response was
 * this one line (status, continuation), 0 when data follows at *pos, -1 on
 * error. */
static int parse_header(struct imap_parser *p, const char *s, size_t len,
			size_t *pos)
{
	struct imap_response *r = &p->resp;
	size_t i = 0, n;

	if (len == 0)
		return fail(p, "empty response line");
	if (s[0] == '+') {
		r->type = IMAP_RESP_CONTINUATION;
		i = 1;
		if (i < len && s[i] == ' ')
			i++;
		/* Keep the raw text (a base64 challenge), and decode a
		 * leading response code if there is one. */
		if (i < len && s[i] == '[') {
			if (parse_resp_text(p, s, len, i, true) < 0)
				return -1;
		}
		r->text = arena_strndup(&p->arena, s + i, len - i);
		return 1;
	}

	n = word_len(s, len, 0);
	if (n == len || s[n] != ' ')
		return fail(p, "response line without a status or data");
	if (n == 1 && s[0] == '*') {
		r->type = IMAP_RESP_UNTAGGED;
	} else {
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)s[k];
			if (is_ctl(c) || c >= 0x80 || strchr("(){%*\"\\]+", c))
				return fail(p, "invalid tag");
		}
		r->type = IMAP_RESP_TAGGED;
		r->tag = arena_strndup(&p->arena, s, n);
	}
	i = n + 1;

	n = word_len(s, len, i);
	if (n == 0)
		return fail(p, "missing response name");
	if (r->type == IMAP_RESP_UNTAGGED && s[i] >= '0' && s[i] <= '9') {
		uint64_t num;
		if (imap_parse_number(s + i, n, UINT32_MAX, &num) < 0)
			return fail(p, "invalid message number");
		r->has_number = true;
		r->number = (uint32_t)num;
		i += n;
		if (i >= len)
			return fail(p, "message number without a name");
		i++;
		n = word_len(s, len, i);
		if (n == 0)
			return fail(p, "missing response name");
	}
	for (size_t k = i; k < i + n; k++)
		if (is_ctl((unsigned char)s[k]) || s[k] == '(' || s[k] == ')' ||
		    s[k] == '"' || s[k] == '{')
			return fail(p, "invalid response name");
	r->name = upper_dup(p, s + i, n);
	i += n;

	r->status = r->has_number ? IMAP_STATUS_NONE
		: status_word(r->name, r->type == IMAP_RESP_TAGGED);
	if (r->type == IMAP_RESP_TAGGED && r->status == IMAP_STATUS_NONE)
		return fail(p, "tagged response is not OK, NO or BAD");
	if (r->status != IMAP_STATUS_NONE) {
		if (i < len)
			i++;	/* the SP */
		if (parse_resp_text(p, s, len, i, true) < 0)
			return -1;
		return 1;
	}

	r->kind = IMAP_UNTAGGED_OTHER;
	for (size_t k = 0; k < ARRAY_SIZE(untagged_names); k++)
		if (strcmp(r->name, untagged_names[k].name) == 0)
			r->kind = untagged_names[k].kind;
	if (i < len) {
		if (s[i] != ' ')
			return fail(p, "invalid response name");
		i++;
	}
	*pos = i;
	return 0;
}

/* Find a literal marker "{N}", "{N+}" or "~{N}" ending the segment.
 * Returns 1 (with *start_r = offset of the marker, *size_r), 0 if there
 * is none, -1 if there is one but it is invalid. */
static int find_literal(struct imap_parser *p, const char *s, size_t len,
			size_t *start_r, uint64_t *size_r)
{
	if (len == 0 || s[len - 1] != '}')
		return 0;
	size_t open = len - 1;
	while (open > 0 && s[open - 1] != '{' && s[open - 1] != ' ' &&
	       s[open - 1] != '(')
		open--;
	if (open == 0 || s[open - 1] != '{')
		return 0;
	open--;
	size_t start = open;
	if (start > 0 && s[start - 1] == '~')
		start--;
	/* A '{' that is not at the start of a token is part of an atom. */
	if (start > 0 && s[start - 1] != ' ' && s[start - 1] != '(')
		return 0;
	size_t dstart = open + 1, dend = len - 1;
	if (dend > dstart && s[dend - 1] == '+')
		dend--;
	if (imap_parse_number(s + dstart, dend - dstart, UINT64_MAX,
			      size_r) < 0)
		return fail(p, "invalid literal size \"%.*s\"",
			    (int)(len - open), s + open);
	*start_r = start;
	return 1;
}

static bool is_body_item(const char *name)
{
	return strncasecmp(name, "BODY[", 5) == 0 ||
	       strncasecmp(name, "BINARY[", 7) == 0 ||
	       strcasecmp(name, "RFC822") == 0 ||
	       strcasecmp(name, "RFC822.HEADER") == 0 ||
	       strcasecmp(name, "RFC822.TEXT") == 0;
}

/* Set up reading a literal of `size` bytes as the next argument. */
static int start_literal(struct imap_parser *p, uint64_t size)
{
	struct frame *f = &p->stack[p->depth];
	const struct imap_arg *prev = f->last ? &f->last->arg : NULL;

	if (p->trace)
		p->trace(p->trace_arg, NULL, (size_t)size);
	p->lit_stream = p->sink && p->resp.kind == IMAP_UNTAGGED_FETCH &&
		p->depth == 1 && prev && prev->type == IMAP_ARG_ATOM &&
		(f->count % 2) == 1 && is_body_item(prev->str);
	p->lit_left = size;
	p->lit_len = 0;

	if (p->lit_stream) {
		if (size > p->lim.max_stream)
			return fail(p, "literal of %llu bytes is larger than the limit of %llu",
				    (unsigned long long)size,
				    (unsigned long long)p->lim.max_stream);
		struct imap_literal_info *li = &p->lit_info;
		memset(li, 0, sizeof(*li));
		li->seq = p->resp.number;
		li->item = prev->str;
		li->size = size;
		/* the UID, if it came earlier in this FETCH */
		for (struct pnode *n = f->first; n && n->next; n = n->next->next) {
			if (imap_arg_atom_is(&n->arg, "UID")) {
				imap_arg_number(&n->next->arg, &li->uid);
				break;
			}
		}
		struct imap_arg *a = add_arg(p, IMAP_ARG_LITERAL);
		a->len = (size_t)size;
		p->sink(p->sink_arg, IMAP_LITERAL_BEGIN, li, NULL, 0);
	} else {
		if (size > p->lim.max_literal)
			return fail(p, "literal of %llu bytes is larger than the limit of %zu",
				    (unsigned long long)size, p->lim.max_literal);
		if (check_total(p, (size_t)size + 1) < 0)
			return -1;
		p->lit_buf = arena_alloc(&p->arena, (size_t)size + 1);
	}
	p->state = ST_LITERAL;
	return 0;
}

static void finish_literal(struct imap_parser *p)
{
	if (p->lit_stream) {
		p->sink(p->sink_arg, IMAP_LITERAL_END, &p->lit_info, NULL, 0);
	} else {
		p->lit_buf[p->lit_len] = '\0';
		struct imap_arg *a = add_arg(p, IMAP_ARG_LITERAL);
		a->str = p->lit_buf;
		a->len = p->lit_len;
		p->lit_buf = NULL;
	}
	p->line_len = 0;
	p->state = ST_LINE;
}

static void finish_response(struct imap_parser *p)
{
	struct frame *root = &p->stack[0];
	p->resp.args = frame_array(p, root);
	p->resp.n_args = root->count;
	p->state = ST_DONE;
}

/* A complete segment is in p->line.  Returns 1 when the response is
 * complete, 0 when more segments/literals follow, -1 on error. */
static int process_segment(struct imap_parser *p)
{
	const char *s = p->line;
	size_t len = p->line_len, pos = 0, lit_start = 0;
	uint64_t lit_size = 0;
	int r;

	if (p->trace)
		p->trace(p->trace_arg, s, len);
	if (memchr(s, '\r', len))
		return fail(p, "bare CR in response line");

	if (p->first_segment) {
		p->first_segment = false;
		r = parse_header(p, s, len, &pos);
		if (r < 0)
			return -1;
		if (r == 1) {
			finish_response(p);
			return 1;
		}
	}
	r = find_literal(p, s, len, &lit_start, &lit_size);
	if (r < 0)
		return -1;
	if (tokenize(p, s, r ? lit_start : len, &pos, false) < 0)
		return -1;
	if (r == 1) {
		if (start_literal(p, lit_size) < 0)
			return -1;
		if (lit_size == 0)
			finish_literal(p);
		return 0;
	}
	if (p->depth != 0)
		return fail(p, "unbalanced '(' in response");
	finish_response(p);
	return 1;
}

enum imap_parse_result imap_parser_feed(struct imap_parser *p,
					const void *data, size_t len,
					size_t *used_r,
					const struct imap_response **resp_r)
{
	const char *in = data;
	size_t pos = 0;

	*used_r = 0;
	if (p->state == ST_FAILED)
		return IMAP_PARSE_ERROR;
	if (p->state == ST_DONE)
		p->state = ST_START;

	while (pos < len) {
		if (p->state == ST_START)
			begin_response(p);
		if (p->state == ST_LITERAL) {
			size_t n = len - pos;
			if (n > p->lit_left)
				n = (size_t)p->lit_left;
			if (p->lit_stream) {
				p->sink(p->sink_arg, IMAP_LITERAL_DATA,
					&p->lit_info, in + pos, n);
			} else {
				memcpy(p->lit_buf + p->lit_len, in + pos, n);
				p->lit_len += n;
			}
			p->lit_left -= n;
			pos += n;
			if (p->lit_left == 0)
				finish_literal(p);
			continue;
		}

		/* ST_LINE */
		const char *lf = memchr(in + pos, '\n', len - pos);
		size_t n = lf ? (size_t)(lf - (in + pos)) + 1 : len - pos;
		size_t content = p->line_len + n - (lf ? 1 : 0);
		/* Allow for the CR that may precede the LF.  Whichever
		 * problem comes first in the byte stream is reported, as it
		 * would be if the bytes came one at a time. */
		if (content > p->lim.max_line + 1) {
			size_t ok = p->lim.max_line + 1 - p->line_len;
			*used_r = pos;
			if (memchr(in + pos, '\0', ok))
				fail(p, "NUL byte in response line");
			else
				fail(p, "response line longer than %zu bytes",
				     p->lim.max_line);
			return IMAP_PARSE_ERROR;
		}
		if (memchr(in + pos, '\0', n)) {
			*used_r = pos;
			fail(p, "NUL byte in response line");
			return IMAP_PARSE_ERROR;
		}
		if (p->line_len + n + 1 > p->line_cap) {
			size_t cap = p->line_cap ? p->line_cap : 256;
			while (cap < p->line_len + n + 1)
				cap *= 2;
			p->line = xrealloc(p->line, cap);
			p->line_cap = cap;
		}
		memcpy(p->line + p->line_len, in + pos, n);
		p->line_len += n;
		pos += n;
		if (!lf)
			continue;
		p->line_len--;	/* LF */
		if (p->line_len > 0 && p->line[p->line_len - 1] == '\r')
			p->line_len--;
		if (p->line_len > p->lim.max_line) {
			*used_r = pos;
			fail(p, "response line longer than %zu bytes",
			     p->lim.max_line);
			return IMAP_PARSE_ERROR;
		}
		p->line[p->line_len] = '\0';
		int r = process_segment(p);
		if (r < 0) {
			*used_r = pos;
			return IMAP_PARSE_ERROR;
		}
		p->line_len = 0;
		if (r == 1) {
			*used_r = pos;
			*resp_r = &p->resp;
			return IMAP_PARSE_DONE;
		}
	}
	*used_r = pos;
	return IMAP_PARSE_MORE;
}

/* ---- Typed views of data responses ---- */

int imap_response_list(const struct imap_response *r,
		       struct imap_list_info *info_r)
{
	const struct imap_arg *a = r->args;
	memset(info_r, 0, sizeof(*info_r));
	if ((r->kind != IMAP_UNTAGGED_LIST && r->kind != IMAP_UNTAGGED_LSUB) ||
	    r->n_args < 3 || a[0].type != IMAP_ARG_LIST)
		return -1;
	for (size_t i = 0; i < a[0].count; i++)
		if (a[0].list[i].type != IMAP_ARG_ATOM)
			return -1;
	info_r->flags = a[0].list;
	info_r->n_flags = a[0].count;
	if (a[1].type == IMAP_ARG_NIL) {
		info_r->delimiter = 0;
	} else if (a[1].type == IMAP_ARG_STRING && a[1].len == 1) {
		info_r->delimiter = a[1].str[0];
	} else {
		return -1;
	}
	if (!imap_arg_astring(&a[2]) && a[2].type != IMAP_ARG_NIL)
		return -1;
	if (a[2].type == IMAP_ARG_NIL) {
		/* A mailbox literally named NIL must be quoted by the
		 * server; a bare NIL is not a name. */
		return -1;
	}
	info_r->name = a[2].str;
	info_r->name_len = a[2].len;
	return 0;
}

bool imap_list_has_flag(const struct imap_list_info *info, const char *flag)
{
	for (size_t i = 0; i < info->n_flags; i++)
		if (imap_arg_atom_is(&info->flags[i], flag))
			return true;
	return false;
}

int imap_response_status(const struct imap_response *r,
			 struct imap_status_info *info_r)
{
	const struct imap_arg *a = r->args;
	memset(info_r, 0xff, sizeof(*info_r));
	info_r->mailbox = NULL;
	if (r->kind != IMAP_UNTAGGED_STATUS || r->n_args < 2 ||
	    !imap_arg_astring(&a[0]) || a[1].type != IMAP_ARG_LIST ||
	    a[1].count % 2)
		return -1;
	info_r->mailbox = a[0].str;
	for (size_t i = 0; i < a[1].count; i += 2) {
		const struct imap_arg *k = &a[1].list[i], *v = k + 1;
		uint32_t *dst = NULL;
		if (k->type != IMAP_ARG_ATOM)
			return -1;
		if (strcasecmp(k->str, "HIGHESTMODSEQ") == 0) {
			if (imap_arg_number64(v, &info_r->highestmodseq) < 0)
				return -1;
			continue;
		}
		if (strcasecmp(k->str, "MESSAGES") == 0)
			dst = &info_r->messages;
		else if (strcasecmp(k->str, "RECENT") == 0)
			dst = &info_r->recent;
		else if (strcasecmp(k->str, "UIDNEXT") == 0)
			dst = &info_r->uidnext;
		else if (strcasecmp(k->str, "UIDVALIDITY") == 0)
			dst = &info_r->uidvalidity;
		else if (strcasecmp(k->str, "UNSEEN") == 0)
			dst = &info_r->unseen;
		if (dst && imap_arg_number(v, dst) < 0)
			return -1;
	}
	return 0;
}

int imap_response_search(const struct imap_response *r, uint32_t **nums_r,
			 size_t *n_r, uint64_t *modseq_r)
{
	uint32_t *nums = NULL;
	size_t n = 0;

	*nums_r = NULL;
	*n_r = 0;
	if (modseq_r)
		*modseq_r = 0;
	if (r->kind != IMAP_UNTAGGED_SEARCH)
		return -1;
	if (r->n_args)
		nums = xmalloc(sizeof(*nums) * r->n_args);
	for (size_t i = 0; i < r->n_args; i++) {
		const struct imap_arg *a = &r->args[i];
		if (a->type == IMAP_ARG_LIST && i == r->n_args - 1 &&
		    a->count == 2 && imap_arg_atom_is(&a->list[0], "MODSEQ")) {
			uint64_t m;
			if (imap_arg_number64(&a->list[1], &m) < 0)
				goto fail;
			if (modseq_r)
				*modseq_r = m;
			continue;
		}
		if (imap_arg_number(a, &nums[n]) < 0)
			goto fail;
		n++;
	}
	if (n == 0)
		FREE(&nums);
	*nums_r = nums;
	*n_r = n;
	return 0;
fail:
	free(nums);
	return -1;
}

const struct imap_arg *imap_fetch_item(const struct imap_response *r,
				       const char *name)
{
	if (r->kind != IMAP_UNTAGGED_FETCH || r->n_args != 1 ||
	    r->args[0].type != IMAP_ARG_LIST)
		return NULL;
	const struct imap_arg *l = r->args[0].list;
	for (size_t i = 0; i + 1 < r->args[0].count; i += 2)
		if (imap_arg_atom_is(&l[i], name))
			return &l[i + 1];
	return NULL;
}

int imap_response_fetch(const struct imap_response *r,
			struct imap_fetch_info *info_r)
{
	memset(info_r, 0, sizeof(*info_r));
	if (r->kind != IMAP_UNTAGGED_FETCH || !r->has_number ||
	    r->n_args != 1 || r->args[0].type != IMAP_ARG_LIST ||
	    r->args[0].count % 2)
		return -1;
	info_r->seq = r->number;
	const struct imap_arg *l = r->args[0].list;
	for (size_t i = 0; i < r->args[0].count; i += 2) {
		const struct imap_arg *k = &l[i], *v = &l[i + 1];
		if (k->type != IMAP_ARG_ATOM)
			return -1;
		if (strcasecmp(k->str, "UID") == 0) {
			if (imap_arg_number(v, &info_r->uid) < 0)
				return -1;
		} else if (strcasecmp(k->str, "FLAGS") == 0) {
			if (v->type != IMAP_ARG_LIST)
				return -1;
			for (size_t j = 0; j < v->count; j++)
				if (v->list[j].type != IMAP_ARG_ATOM)
					return -1;
			info_r->has_flags = true;
			info_r->flags = v->list;
			info_r->n_flags = v->count;
		} else if (strcasecmp(k->str, "INTERNALDATE") == 0) {
			if (v->type != IMAP_ARG_STRING)
				return -1;
			info_r->internaldate = v->str;
		} else if (strcasecmp(k->str, "RFC822.SIZE") == 0) {
			if (imap_arg_number64(v, &info_r->size) < 0)
				return -1;
			info_r->has_size = true;
		} else if (strcasecmp(k->str, "MODSEQ") == 0) {
			if (v->type != IMAP_ARG_LIST || v->count != 1 ||
			    imap_arg_number64(&v->list[0], &info_r->modseq) < 0)
				return -1;
		} else if (is_body_item(k->str)) {
			if (v->type != IMAP_ARG_LITERAL &&
			    v->type != IMAP_ARG_STRING && v->type != IMAP_ARG_NIL)
				return -1;
			info_r->body = v;
		}
	}
	return 0;
}
