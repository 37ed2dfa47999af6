/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reversible escaping of folder names into metadata file names and Maildir
 * folder paths (the scheme is documented in pathname.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "pathname.h"
#include "util.h"

enum kind {
	KIND_META,	/* a metadata base name */
	KIND_MAILDIR,	/* one Maildir path component */
};

static bool is_uhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int uhex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'A' + 10;
}

static void add_escape(struct strbuf *sb, unsigned char c)
{
	static const char digits[] = "0123456789ABCDEF";
	char e[3] = { '%', digits[c >> 4], digits[c & 15] };
	strbuf_add(sb, e, 3);
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Escape the `len` bytes at `s` as one component of `kind` onto `sb`. */
static void escape_component(struct strbuf *sb, const char *s, size_t len,
			     enum kind kind)
{
	static const char *const maildir_reserved[] = {
		"cur", "new", "tmp", "offlineimap.uidvalidity",
	};
	size_t start = sb->len;
	bool escape_first = equals(s, len, ".") || equals(s, len, "..");
	if (kind == KIND_MAILDIR) {
		for (size_t i = 0; i < ARRAY_SIZE(maildir_reserved); i++)
			if (equals(s, len, maildir_reserved[i]))
				escape_first = true;
	} else if (equals(s, len, "dot")) {
		escape_first = true;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((i == 0 && escape_first) || c < 0x20 || c == 0x7f ||
		    c == '/' ||
		    (c == '%' && i + 2 < len && is_uhex(s[i + 1]) &&
		     is_uhex(s[i + 2])))
			add_escape(sb, c);
		else
			strbuf_addch(sb, (char)c);
	}
	if (kind == KIND_META) {
		/* The companion files of a status are "<name>.tmp",
		 * "<name>.journal" and "<name>.lock": no folder may have
		 * one of those as its own name.  The "." is a literal
		 * byte of the name (escapes never end in these letters). */
		static const char *const reserved[] = {
			".tmp", ".journal", ".lock",
		};
		const char *out = sb->buf + start;
		size_t outlen = sb->len - start;
		for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
			if (!has_suffix(out, outlen, reserved[i]))
				continue;
			size_t dot = sb->len - strlen(reserved[i]);
			char *rest = xstrdup(sb->buf + dot + 1);
			sb->len = dot;
			sb->buf[dot] = '\0';
			add_escape(sb, '.');
			strbuf_addstr(sb, rest);
			free(rest);
			break;
		}
	}
}

/* Decode "%XX" escapes of `len` bytes onto `sb`; -1 on an escaped NUL. */
static int unescape(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && is_uhex(s[i + 1]) &&
		    is_uhex(s[i + 2])) {
			int c = uhex_val(s[i + 1]) * 16 + uhex_val(s[i + 2]);
			if (c == 0)
				return -1;
			strbuf_addch(sb, (char)c);
			i += 2;
		} else {
			strbuf_addch(sb, s[i]);
		}
	}
	return 0;
}

/* Replace every `sep` in `name` by "." (SPEC 5.1). */
static char *replace_sep(const char *name, const char *sep)
{
	if (!sep || !*sep || strcmp(sep, ".") == 0)
		return xstrdup(name);
	size_t seplen = strlen(sep);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (const char *p = name; *p;) {
		if (strncmp(p, sep, seplen) == 0) {
			strbuf_addch(&sb, '.');
			p += seplen;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	return strbuf_detach(&sb);
}

/* Length of the longest prefix of the escaped `s` of at most `max` bytes
 * that ends neither inside an escape nor inside a UTF-8 sequence. */
static size_t safe_cut(const char *s, size_t len, size_t max)
{
	size_t cut = 0;
	for (size_t i = 0; i < len;) {
		size_t unit = (s[i] == '%' && i + 2 < len &&
			       is_uhex(s[i + 1]) && is_uhex(s[i + 2])) ? 3 : 1;
		if (i + unit > max)
			break;
		i += unit;
		/* Only cut before a byte that starts a character. */
		if (i >= len || ((unsigned char)s[i] & 0xc0) != 0x80)
			cut = i;
	}
	return cut;
}

int pathname_metadata_name(const char *name, const char *sep, char **out_r,
			   char **err_r)
{
	if (!*name) {
		*err_r = xstrdup("empty folder name");
		return -1;
	}
	char *flat = replace_sep(name, sep);
	if (strcmp(flat, ".") == 0) {
		/* 4.0's rule for the Maildir root folder. */
		free(flat);
		*out_r = xstrdup("dot");
		return 0;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	escape_component(&sb, flat, strlen(flat), KIND_META);
	if (sb.len > PATHNAME_META_MAX) {
		unsigned char md[CRYPTO_SHA256_LEN];
		crypto_sha256(flat, strlen(flat), md);
		char *hex = crypto_hex(md, sizeof(md));
		size_t keep = safe_cut(sb.buf, sb.len,
				       PATHNAME_META_MAX - 3 - strlen(hex));
		sb.len = keep;
		sb.buf[keep] = '\0';
		strbuf_addstr(&sb, "%7E");
		strbuf_addstr(&sb, hex);
		free(hex);
	}
	free(flat);
	*out_r = strbuf_detach(&sb);
	return 0;
}

int pathname_metadata_decode(const char *file, char **name_r)
{
	if (strcmp(file, "dot") == 0) {
		*name_r = xstrdup(".");
		return 0;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	if (!*file || unescape(&sb, file, strlen(file)) < 0 || !sb.len)
		goto bad;
	char *again = NULL, *err = NULL;
	if (pathname_metadata_name(sb.buf, NULL, &again, &err) < 0) {
		free(err);
		goto bad;
	}
	bool canonical = strcmp(again, file) == 0;
	free(again);
	if (!canonical)
		goto bad;
	*name_r = strbuf_detach(&sb);
	return 0;
bad:
	strbuf_release(&sb);
	return -1;
}

static bool sep_is_slash(const char *sep)
{
	return sep && strcmp(sep, "/") == 0;
}

/* Flush one pending component onto the path, checking its length. */
static int flush_component(struct strbuf *path, struct strbuf *comp,
			   const char *name, char **err_r)
{
	if (comp->len > PATHNAME_COMPONENT_MAX) {
		*err_r = xasprintf("folder name \"%s\" cannot be stored: a "
				   "path component would be %zu bytes long "
				   "(at most %d)", name, comp->len,
				   PATHNAME_COMPONENT_MAX);
		return -1;
	}
	if (path->len)
		strbuf_addch(path, '/');
	strbuf_add(path, comp->buf ? comp->buf : "", comp->len);
	strbuf_reset(comp);
	return 0;
}

int pathname_maildir_encode(const char *name, const char *sep,
			    char **relpath_r, char **err_r)
{
	if (!*name) {
		*err_r = xstrdup("empty folder name");
		return -1;
	}
	if (strcmp(name, ".") == 0) {
		*relpath_r = xstrdup(".");
		return 0;
	}
	struct strbuf path, comp;
	strbuf_init(&path);
	strbuf_init(&comp);
	strbuf_add(&path, "", 0);
	if (!sep_is_slash(sep)) {
		escape_component(&comp, name, strlen(name), KIND_MAILDIR);
		if (flush_component(&path, &comp, name, err_r) < 0)
			goto fail;
	} else {
		/* A "/" separates directories only between two non-empty
		 * components; a leading, trailing or doubled "/" belongs to
		 * the component that follows (or precedes) it, escaped. */
		const char *p = name;
		while (*p) {
			size_t n = strcspn(p, "/");
			struct strbuf raw;
			strbuf_init(&raw);
			strbuf_add(&raw, "", 0);
			/* Leading slashes of this component. */
			while (n == 0 && *p == '/') {
				strbuf_addch(&raw, '/');
				p++;
				n = strcspn(p, "/");
			}
			strbuf_add(&raw, p, n);
			p += n;
			/* A final "/" stays with the last component. */
			if (*p == '/' && !p[1]) {
				strbuf_addch(&raw, '/');
				p++;
			}
			escape_component(&comp, raw.buf, raw.len,
					 KIND_MAILDIR);
			strbuf_release(&raw);
			if (flush_component(&path, &comp, name, err_r) < 0)
				goto fail;
			if (*p == '/')
				p++;
		}
	}
	strbuf_release(&comp);
	*relpath_r = strbuf_detach(&path);
	return 0;
fail:
	strbuf_release(&comp);
	strbuf_release(&path);
	return -1;
}

int pathname_maildir_decode(const char *relpath, const char *sep,
			    char **name_r)
{
	if (strcmp(relpath, ".") == 0) {
		*name_r = xstrdup(".");
		return 0;
	}
	if (!*relpath)
		return -1;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	if (!sep_is_slash(sep) && strchr(relpath, '/'))
		goto bad;
	for (const char *p = relpath;;) {
		size_t n = strcspn(p, "/");
		if (unescape(&sb, p, n) < 0)
			goto bad;
		if (!p[n])
			break;
		strbuf_addch(&sb, '/');
		p += n + 1;
	}
	char *again = NULL, *err = NULL;
	if (pathname_maildir_encode(sb.buf, sep, &again, &err) < 0) {
		free(err);
		goto bad;
	}
	bool canonical = strcmp(again, relpath) == 0;
	free(again);
	if (!canonical)
		goto bad;
	*name_r = strbuf_detach(&sb);
	return 0;
bad:
	strbuf_release(&sb);
	return -1;
}
