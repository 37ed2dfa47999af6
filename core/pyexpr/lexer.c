// SPDX-License-Identifier: GPL-2.0-or-later
/* The tokenizer of the Python subset: names, integers, every string
 * literal form (with Python 3's escape rules, unknown escapes kept),
 * operators, and for pythonfiles NEWLINE/INDENT/DEDENT as Python's own
 * tokenizer makes them.  Errors here mean "this is not Python". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

/* Columns count code points; remember the last answer so that a long
 * line costs linear time. */
static unsigned lx_col(struct pyx_lexer *lx, size_t pos)
{
	if (!lx->col_val || lx->col_line_start != lx->line_start ||
	    lx->col_pos > pos) {
		lx->col_line_start = lx->line_start;
		lx->col_pos = lx->line_start;
		lx->col_val = 1;
	}
	lx->col_val += (unsigned)pyx_utf8_count(lx->src + lx->col_pos,
						pos - lx->col_pos);
	lx->col_pos = pos;
	return lx->col_val;
}

static unsigned lx_line(struct pyx_lexer *lx)
{
	return lx->line + lx->line_off;
}

static int lx_error_at(struct pyx_lexer *lx, enum perr_kind kind,
		       unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int lx_error_at(struct pyx_lexer *lx, enum perr_kind kind,
		       unsigned line, unsigned col, const char *fmt, ...)
{
	if (lx->err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	lx->err = kind;
	lx->errmsg = pyx_strdup(lx->arena, m);
	free(m);
	lx->errline = line;
	lx->errcol = col;
	return -1;
}

static struct token *lx_push(struct pyx_lexer *lx, uint8_t kind, size_t pos)
{
	if (lx->ntoks == lx->cap) {
		size_t ncap = lx->cap ? lx->cap * 2 : 64;
		struct token *t = pyx_alloc(lx->arena, ncap * sizeof(*t));
		if (lx->ntoks)
			memcpy(t, lx->toks, lx->ntoks * sizeof(*t));
		lx->toks = t;
		lx->cap = ncap;
	}
	struct token *t = &lx->toks[lx->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = lx_line(lx);
	t->col = lx_col(lx, pos) + (lx->line == 1 ? lx->col_off : 0);
	return t;
}

static bool is_hex(int c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
					  (c | 0x20) <= 'f');
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Decode the body of a non-f string literal (escapes unless raw). */
static int decode_string(struct pyx_lexer *lx, struct token *t,
			 const char *body, size_t n, unsigned line,
			 unsigned col)
{
	bool bytes = t->flags & SF_BYTES, raw = t->flags & SF_RAW;
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];
		if (bytes && c >= 0x80) {
			strbuf_release(&sb);
			return lx_error_at(lx, PERR_SYNTAX, line, col,
				"bytes can only contain ASCII literal "
				"characters");
		}
		if (c != '\\' || raw) {
			strbuf_addch(&sb, (char)c);
			continue;
		}
		if (i + 1 >= n) {
			strbuf_addch(&sb, '\\');
			continue;
		}
		char e = body[++i];
		uint32_t cp;
		int digits;
		switch (e) {
		case '\n':
			continue;
		case '\\': case '\'': case '"':
			strbuf_addch(&sb, e);
			continue;
		case 'a': strbuf_addch(&sb, '\a'); continue;
		case 'b': strbuf_addch(&sb, '\b'); continue;
		case 'f': strbuf_addch(&sb, '\f'); continue;
		case 'n': strbuf_addch(&sb, '\n'); continue;
		case 'r': strbuf_addch(&sb, '\r'); continue;
		case 't': strbuf_addch(&sb, '\t'); continue;
		case 'v': strbuf_addch(&sb, '\v'); continue;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			cp = (uint32_t)(e - '0');
			for (int k = 0; k < 2 && i + 1 < n &&
			     body[i + 1] >= '0' && body[i + 1] <= '7'; k++)
				cp = cp * 8 + (uint32_t)(body[++i] - '0');
			if (bytes) {
				strbuf_addch(&sb, (char)(cp & 0xff));
			} else {
				char u[4];
				strbuf_add(&sb, u, pyx_utf8_put(cp, u));
			}
			continue;
		case 'x':
			digits = 2;
			goto hex;
		case 'u':
			digits = 4;
			goto hex;
		case 'U':
			digits = 8;
		hex:
			if (bytes && e != 'x') {
				strbuf_addch(&sb, '\\');
				strbuf_addch(&sb, e);
				continue;
			}
			cp = 0;
			for (int k = 0; k < digits; k++) {
				if (i + 1 >= n || !is_hex(body[i + 1])) {
					strbuf_release(&sb);
					return lx_error_at(lx, PERR_SYNTAX,
						line, col,
						"truncated \\%c escape in a "
						"string literal", e);
				}
				cp = cp * 16 + (uint32_t)hexval(body[++i]);
			}
			if (cp > 0x10ffff) {
				strbuf_release(&sb);
				return lx_error_at(lx, PERR_SYNTAX, line, col,
					"illegal Unicode character in a "
					"string literal");
			}
			if (bytes) {
				strbuf_addch(&sb, (char)cp);
			} else {
				char u[4];
				strbuf_add(&sb, u, pyx_utf8_put(cp, u));
			}
			continue;
		case 'N':
			if (!bytes) {
				strbuf_release(&sb);
				return lx_error_at(lx, PERR_UNSUPPORTED, line,
					col, "\\N{...} escapes are not "
					"supported");
			}
			/* fall through */
		default:
			/* Python keeps unknown escapes as they are. */
			strbuf_addch(&sb, '\\');
			strbuf_addch(&sb, e);
			continue;
		}
	}
	t->len = sb.len;
	t->text = pyx_strndup(lx->arena, sb.buf ? sb.buf : "", sb.len);
	strbuf_release(&sb);
	return 0;
}

int pyx_lex_decode(struct pyx_lexer *lx, struct token *t, const char *body,
		   size_t n, unsigned line, unsigned col)
{
	return decode_string(lx, t, body, n, line, col);
}

/* A string literal starting at lx->pos (after the prefix). */
static int lex_string(struct pyx_lexer *lx, size_t start, uint8_t flags)
{
	const char *s = lx->src;
	size_t pos = lx->pos;
	char q = s[pos];
	bool triple = pos + 2 < lx->len && s[pos + 1] == q && s[pos + 2] == q;
	unsigned line = lx_line(lx), col = lx_col(lx, start);
	if (lx->line == 1)
		col += lx->col_off;
	struct token *t = lx_push(lx, T_STR, start);
	t->flags = flags;
	pos += triple ? 3 : 1;
	size_t body = pos;
	t->body_line = lx_line(lx);
	t->body_col = lx_col(lx, body) + (lx->line == 1 ? lx->col_off : 0);
	for (;;) {
		if (pos >= lx->len) {
			return lx_error_at(lx, PERR_SYNTAX, line, col,
				triple ? "unterminated triple-quoted string "
				"literal" : "unterminated string literal");
		}
		char c = s[pos];
		if (c == '\\' && pos + 1 < lx->len) {
			if (s[pos + 1] == '\n') {
				lx->line++;
				lx->line_start = pos + 2;
			}
			pos += 2;
			continue;
		}
		if (c == '\n') {
			if (!triple)
				return lx_error_at(lx, PERR_SYNTAX, line, col,
					"unterminated string literal");
			lx->line++;
			lx->line_start = pos + 1;
		}
		if (c == q && (!triple || (pos + 2 < lx->len &&
					   s[pos + 1] == q &&
					   s[pos + 2] == q)))
			break;
		pos++;
	}
	size_t n = pos - body;
	lx->pos = pos + (triple ? 3 : 1);
	if (flags & SF_FSTRING) {
		t->text = pyx_strndup(lx->arena, s + body, n);
		t->len = n;
		return 0;
	}
	return decode_string(lx, t, s + body, n, line, col);
}

static int string_prefix(const char *p, size_t n)
{
	uint8_t flags = 0;
	for (size_t i = 0; i < n; i++) {
		switch (p[i] | 0x20) {
		case 'r':
			if (flags & SF_RAW)
				return -1;
			flags |= SF_RAW;
			break;
		case 'b':
			if (flags & (SF_BYTES | SF_FSTRING))
				return -1;
			flags |= SF_BYTES;
			break;
		case 'f':
			if (flags & (SF_BYTES | SF_FSTRING))
				return -1;
			flags |= SF_FSTRING;
			break;
		case 'u':
			if (n != 1)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return flags;
}

static const char *const ops3[] = { "**=", "//=", ">>=", "<<=", "...", NULL };
static const char *const ops2[] = {
	"**", "//", ">>", "<<", "<=", ">=", "==", "!=", "<>", "->", "+=",
	"-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", ":=", NULL
};
static const char ops1[] = "+-*/%@&|^~<>()[]{},:.;=`!";

static int lex_number(struct pyx_lexer *lx)
{
	const char *s = lx->src;
	size_t start = lx->pos, pos = start;
	int base = 10;
	if (s[pos] == '0' && pos + 1 < lx->len &&
	    strchr("xXoObB", s[pos + 1])) {
		char b = (char)(s[pos + 1] | 0x20);
		base = b == 'x' ? 16 : b == 'o' ? 8 : 2;
		pos += 2;
	}
	size_t digits = pos;
	while (pos < lx->len && (is_hex(s[pos]) || s[pos] == '_' ||
				 ((s[pos] | 0x20) >= 'a' &&
				  (s[pos] | 0x20) <= 'z') || s[pos] == '.' ||
				 ((s[pos] == '+' || s[pos] == '-') &&
				  base == 10 && (s[pos - 1] | 0x20) == 'e')))
		pos++;
	lx->pos = pos;
	struct token *t = lx_push(lx, T_INT, start);
	t->text = s + start;
	t->len = pos - start;
	uint64_t v = 0;
	bool overflow = false, bad = false, leading0 = false;
	bool prev_us = true;
	if (base == 10 && s[digits] == '0' && pos - digits > 1)
		leading0 = true;
	for (size_t i = digits; i < pos; i++) {
		char c = s[i];
		if (c == '_') {
			if (prev_us)
				bad = true;
			prev_us = true;
			continue;
		}
		prev_us = false;
		if (c == '.' || (base == 10 && ((c | 0x20) == 'e' ||
						(c | 0x20) == 'j'))) {
			t->kind = T_BAD;	/* the parser reports it */
			t->text = "floating-point and complex numbers are "
				  "not supported";
			t->len = strlen(t->text);
			return 0;
		}
		if (!is_hex(c) || hexval(c) >= base) {
			bad = true;
			break;
		}
		if (v > (UINT64_MAX - (uint64_t)hexval(c)) / (uint64_t)base)
			overflow = true;
		v = v * (uint64_t)base + (uint64_t)hexval(c);
	}
	if (prev_us && pos > digits)
		bad = true;
	if (pos == digits)
		bad = true;
	if (bad)
		return lx_error_at(lx, PERR_SYNTAX, t->line, t->col,
				   "invalid number literal '%.*s'",
				   (int)(pos - start), s + start);
	if (leading0 && v != 0) {
		t->kind = T_BAD;
		t->text = "leading zeros in decimal integer literals are not "
			  "permitted (Python 2 octal); use an 0o prefix";
		t->len = strlen(t->text);
		return 0;
	}
	if (overflow || v > INT64_MAX) {
		t->kind = T_BAD;
		t->text = "integers beyond 64 bits are not supported";
		t->len = strlen(t->text);
		return 0;
	}
	t->ival = (int64_t)v;
	return 0;
}

static int newline_and_indent(struct pyx_lexer *lx)
{
	/* At the start of a line (file mode, outside brackets): measure the
	 * indentation, skip blank and comment lines. */
	const char *s = lx->src;
	for (;;) {
		size_t pos = lx->pos;
		unsigned width = 0;
		while (pos < lx->len && (s[pos] == ' ' || s[pos] == '\t' ||
					 s[pos] == '\f')) {
			if (s[pos] == ' ')
				width++;
			else if (s[pos] == '\t')
				width = (width / 8 + 1) * 8;
			else
				width = 0;
			pos++;
		}
		if (pos >= lx->len) {
			lx->pos = pos;
			return 0;
		}
		if (s[pos] == '#' || s[pos] == '\n' || s[pos] == '\r') {
			while (pos < lx->len && s[pos] != '\n')
				pos++;
			if (pos < lx->len) {
				pos++;
				lx->line++;
				lx->line_start = pos;
			}
			lx->pos = pos;
			continue;
		}
		if (s[pos] == '\\' && pos + 1 < lx->len && s[pos + 1] == '\n') {
			/* a continuation as the first thing on a line */
			lx->pos = pos;
			return 0;
		}
		lx->pos = pos;
		unsigned cur = lx->indents[lx->nindent];
		if (width > cur) {
			if (lx->nindent + 1 >= (int)ARRAY_SIZE(lx->indents))
				return lx_error_at(lx, PERR_SYNTAX, lx_line(lx),
					1, "too many levels of indentation");
			lx->indents[++lx->nindent] = width;
			lx_push(lx, T_INDENT, pos);
		} else if (width < cur) {
			while (lx->nindent > 0 &&
			       lx->indents[lx->nindent] > width) {
				lx->nindent--;
				lx_push(lx, T_DEDENT, pos);
			}
			if (lx->indents[lx->nindent] != width)
				return lx_error_at(lx, PERR_SYNTAX, lx_line(lx),
					lx_col(lx, pos), "unindent does not "
					"match any outer indentation level");
		}
		return 0;
	}
}

int pyx_tokenize(struct pyx_lexer *lx)
{
	const char *s = lx->src;
	if (lx->line == 0)
		lx->line = 1;
	bool line_has_tokens = false;
	if (lx->file_mode && newline_and_indent(lx) < 0)
		return -1;
	while (lx->pos < lx->len) {
		size_t pos = lx->pos;
		unsigned char c = (unsigned char)s[pos];
		if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
			lx->pos++;
			continue;
		}
		if (c == '#') {
			while (lx->pos < lx->len && s[lx->pos] != '\n')
				lx->pos++;
			continue;
		}
		if (c == '\\') {
			size_t p2 = pos + 1;
			if (p2 < lx->len && s[p2] == '\r')
				p2++;
			if (p2 < lx->len && s[p2] == '\n') {
				lx->pos = p2 + 1;
				lx->line++;
				lx->line_start = lx->pos;
				continue;
			}
			if (p2 >= lx->len) {
				lx->pos = p2;
				continue;
			}
			return lx_error_at(lx, PERR_SYNTAX, lx_line(lx),
				lx_col(lx, pos), "unexpected character after "
				"line continuation character");
		}
		if (c == '\n') {
			if (lx->depth == 0 && line_has_tokens)
				lx_push(lx, T_NEWLINE, pos);
			lx->pos++;
			lx->line++;
			lx->line_start = lx->pos;
			if (lx->depth == 0) {
				line_has_tokens = false;
				if (lx->file_mode &&
				    newline_and_indent(lx) < 0)
					return -1;
			}
			continue;
		}
		line_has_tokens = true;
		if ((c >= '0' && c <= '9') || (c == '.' && pos + 1 < lx->len &&
					       s[pos + 1] >= '0' &&
					       s[pos + 1] <= '9')) {
			if (lex_number(lx) < 0)
				return -1;
			continue;
		}
		if (c == '"' || c == '\'') {
			if (lex_string(lx, pos, 0) < 0)
				return -1;
			continue;
		}
		if (c >= 0x80 || c == '_' || ((c | 0x20) >= 'a' &&
					       (c | 0x20) <= 'z')) {
			size_t p = pos;
			uint32_t cp = pyx_utf8_next(s, lx->len, &p);
			if (!pyx_uni_isidstart(cp))
				return lx_error_at(lx, PERR_SYNTAX, lx_line(lx),
					lx_col(lx, pos), "invalid character "
					"in identifier");
			size_t end = p;
			while (end < lx->len) {
				size_t q = end;
				cp = pyx_utf8_next(s, lx->len, &q);
				if (!pyx_uni_isidcont(cp))
					break;
				end = q;
			}
			int flags;
			if (end < lx->len && (s[end] == '"' || s[end] == '\'') &&
			    end - pos <= 2 &&
			    (flags = string_prefix(s + pos, end - pos)) >= 0) {
				lx->pos = end;
				if (lex_string(lx, pos, (uint8_t)flags) < 0)
					return -1;
				continue;
			}
			struct token *t = lx_push(lx, T_NAME, pos);
			t->text = s + pos;
			t->len = end - pos;
			lx->pos = end;
			continue;
		}
		size_t oplen = 0;
		for (int i = 0; ops3[i] && !oplen; i++)
			if (pos + 3 <= lx->len && !memcmp(s + pos, ops3[i], 3))
				oplen = 3;
		for (int i = 0; ops2[i] && !oplen; i++)
			if (pos + 2 <= lx->len && !memcmp(s + pos, ops2[i], 2))
				oplen = 2;
		if (!oplen && c && strchr(ops1, c))
			oplen = 1;
		if (!oplen)
			return lx_error_at(lx, PERR_SYNTAX, lx_line(lx),
				lx_col(lx, pos), "invalid character '%c' "
				"(U+%04X)", c >= 0x20 && c < 0x7f ? c : '?',
				c);
		struct token *t = lx_push(lx, T_OP, pos);
		t->text = s + pos;
		t->len = oplen;
		lx->pos += oplen;
		if (oplen == 1 && strchr("([{", c)) {
			if (lx->depth >= (int)sizeof(lx->brackets))
				return lx_error_at(lx, PERR_SYNTAX, t->line,
					t->col, "too many nested parentheses");
			lx->brackets[lx->depth] = (char)c;
			lx->blines[lx->depth] = t->line;
			lx->bcols[lx->depth] = t->col;
			lx->depth++;
		} else if (oplen == 1 && strchr(")]}", c)) {
			char open = c == ')' ? '(' : c == ']' ? '[' : '{';
			if (lx->depth == 0)
				return lx_error_at(lx, PERR_SYNTAX, t->line,
					t->col, "unmatched '%c'", c);
			if (lx->brackets[lx->depth - 1] != open)
				return lx_error_at(lx, PERR_SYNTAX, t->line,
					t->col, "closing parenthesis '%c' does "
					"not match opening parenthesis '%c' "
					"on line %u", c,
					lx->brackets[lx->depth - 1],
					lx->blines[lx->depth - 1]);
			lx->depth--;
		}
	}
	if (lx->depth > 0)
		return lx_error_at(lx, PERR_SYNTAX, lx->blines[lx->depth - 1],
				   lx->bcols[lx->depth - 1],
				   "'%c' was never closed",
				   lx->brackets[lx->depth - 1]);
	if (line_has_tokens)
		lx_push(lx, T_NEWLINE, lx->pos);
	while (lx->file_mode && lx->nindent > 0) {
		lx->nindent--;
		lx_push(lx, T_DEDENT, lx->pos);
	}
	lx_push(lx, T_EOF, lx->pos);
	return 0;
}
