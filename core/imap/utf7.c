// SPDX-License-Identifier: GPL-2.0-or-later
/* Modified UTF-7 for IMAP mailbox names: UTF-16 in a base64 variant with
 * ',' for '/', shifted by '&' ... '-', printable ASCII as itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/utf7.h"
#include "util.h"

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* Decode one UTF-8 character at *s; returns the code point or -1. */
static int32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t cp, min;
	int extra;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		extra = 1;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		extra = 2;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		extra = 3;
		min = 0x10000;
	} else {
		return -1;
	}
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*s = p + 1 + extra;
	return (int32_t)cp;
}

static void utf8_put(struct strbuf *sb, uint32_t cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (char)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (char)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (char)(0xf0 | (cp >> 18)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

int imap_utf8_to_utf7(const char *in, char **out_r)
{
	const unsigned char *s = (const unsigned char *)in;
	struct strbuf sb;
	uint32_t bits = 0;
	int nbits = 0;
	bool shifted = false;

	strbuf_init(&sb);
	while (*s) {
		int32_t cp = utf8_next(&s);
		if (cp < 0) {
			strbuf_release(&sb);
			return -1;
		}
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted) {
				if (nbits > 0)
					strbuf_addch(&sb, b64chars[(bits << (6 - nbits)) & 0x3f]);
				strbuf_addch(&sb, '-');
				shifted = false;
				nbits = 0;
			}
			if (cp == '&')
				strbuf_addstr(&sb, "&-");
			else
				strbuf_addch(&sb, (char)cp);
			continue;
		}
		if (!shifted) {
			strbuf_addch(&sb, '&');
			shifted = true;
			bits = 0;
			nbits = 0;
		}
		uint16_t units[2];
		int n_units = 1;
		if (cp >= 0x10000) {
			uint32_t v = (uint32_t)cp - 0x10000;
			units[0] = (uint16_t)(0xd800 | (v >> 10));
			units[1] = (uint16_t)(0xdc00 | (v & 0x3ff));
			n_units = 2;
		} else {
			units[0] = (uint16_t)cp;
		}
		for (int u = 0; u < n_units; u++) {
			bits = (bits << 16) | units[u];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				strbuf_addch(&sb, b64chars[(bits >> nbits) & 0x3f]);
			}
			bits &= (1u << nbits) - 1;
		}
	}
	if (shifted) {
		if (nbits > 0)
			strbuf_addch(&sb, b64chars[(bits << (6 - nbits)) & 0x3f]);
		strbuf_addch(&sb, '-');
	}
	*out_r = strbuf_detach(&sb);
	return 0;
}

/* Decode one "&...-" section starting after the '&'; *s ends after '-'. */
static int decode_section(const unsigned char **s, struct strbuf *sb)
{
	const unsigned char *p = *s;
	uint32_t bits = 0, high = 0;
	int nbits = 0;
	size_t n_units = 0;

	for (;; p++) {
		if (*p == '-')
			break;
		int v = b64value(*p);
		if (v < 0)
			return -1;	/* also the NUL of an unterminated one */
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t u = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		n_units++;
		if (high) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			utf8_put(sb, 0x10000 + ((high - 0xd800) << 10) +
				 (u - 0xdc00));
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;
		} else if ((u >= 0x20 && u <= 0x7e) || u == 0) {
			/* printable ASCII must be sent directly; NUL never */
			return -1;
		} else {
			utf8_put(sb, u);
		}
	}
	/* Leftover bits are padding: fewer than 6 of them, all zero. */
	if (n_units == 0 || high || nbits >= 6 || bits != 0)
		return -1;
	*s = p + 1;
	return 0;
}

int imap_utf7_to_utf8(const char *in, char **out_r)
{
	const unsigned char *s = (const unsigned char *)in;
	struct strbuf sb;
	bool after_section = false;

	strbuf_init(&sb);
	while (*s) {
		if (*s < 0x20 || *s > 0x7e)
			goto fail;
		if (*s != '&') {
			strbuf_addch(&sb, (char)*s++);
			after_section = false;
			continue;
		}
		s++;
		if (*s == '-') {
			strbuf_addch(&sb, '&');
			s++;
			after_section = false;
			continue;
		}
		if (after_section || decode_section(&s, &sb) < 0)
			goto fail;
		after_section = true;
	}
	*out_r = strbuf_detach(&sb);
	return 0;
fail:
	strbuf_release(&sb);
	return -1;
}

bool imap_utf7_is_valid(const char *in)
{
	char *out;
	if (imap_utf7_to_utf8(in, &out) < 0)
		return false;
	free(out);
	return true;
}
