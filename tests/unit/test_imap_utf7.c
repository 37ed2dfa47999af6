// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for modified UTF-7 mailbox-name conversion (RFC 3501 5.1.3). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "imap/utf7.h"
#include "util.h"

static const struct {
	const char *utf8, *utf7;
} pairs[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "a&b", "a&-b" },
	{ "&", "&-" },
	{ "&&", "&-&-" },
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "\xc3\xa4rger", "&AOQ-rger" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "Gel\xc3\xb6scht", "Gel&APY-scht" },
	{ "\xc3\xa4\xc3\xb6\xc3\xbc", "&AOQA9gD8-" },
	/* astral plane: a surrogate pair (U+1F600) */
	{ "x\xf0\x9f\x98\x80y", "x&2D3eAA-y" },
	/* control characters are encoded, not sent directly */
	{ "a\tb", "a&AAk-b" },
	{ "\x7f", "&AH8-" },
	{ "Sent Items", "Sent Items" },
	{ "a-b", "a-b" },
	{ "\xc3\xa4-", "&AOQ--" },
};

TEST(test_roundtrip)
{
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		char *out = NULL;
		CHECK_INTEQ(imap_utf8_to_utf7(pairs[i].utf8, &out), 0);
		CHECK_STREQ(out, pairs[i].utf7);
		free(out);
		out = NULL;
		CHECK_INTEQ(imap_utf7_to_utf8(pairs[i].utf7, &out), 0);
		CHECK_STREQ(out, pairs[i].utf8);
		free(out);
		CHECK(imap_utf7_is_valid(pairs[i].utf7));
	}
}

TEST(test_invalid_utf7)
{
	static const char *bad[] = {
		"&",		/* unterminated */
		"&AOQ",		/* unterminated */
		"&AOQ-&APY-",	/* adjacent sections must be merged */
		"&AGE-",	/* 'a' must be sent directly */
		"&AAA-",	/* NUL */
		"&A-",		/* too few bits for a character */
		"&AOR-",	/* non-zero padding bits */
		"&AOQA-",	/* a whole 6-bit group of padding */
		"&2D0-",	/* lone high surrogate */
		"&2D3YAA-",	/* high surrogate followed by a non-low */
		"&3gA-",	/* lone low surrogate */
		"&AOQ/-",	/* '/' is not modified base64 */
		"&AOQ=-",	/* no padding characters */
		"a\x80",	/* 8-bit */
		"\xc3\xa4",	/* raw UTF-8 */
		"a\tb",		/* control character */
		"&U,BTF",	/* unterminated at the end */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = (char *)"untouched";
		if (imap_utf7_to_utf8(bad[i], &out) != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_STREQ(out, "untouched");
		CHECK(!imap_utf7_is_valid(bad[i]));
	}
}

TEST(test_invalid_utf8)
{
	static const char *bad[] = {
		"\x80",			/* stray continuation */
		"\xc3",			/* truncated */
		"a\xe2\x82",		/* truncated */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",	/* above U+10FFFF */
		"\xf8\x88\x80\x80\x80",	/* 5-byte form */
		"\xff",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = (char *)"untouched";
		CHECK_INTEQ(imap_utf8_to_utf7(bad[i], &out), -1);
		CHECK_STREQ(out, "untouched");
	}
}

TEST(test_all_bmp_roundtrip)
{
	/* Every BMP character but the surrogates, 64 at a time, plus a
	 * sample of astral ones, survives encode + decode. */
	struct strbuf sb;
	strbuf_init(&sb);
	for (unsigned cp = 1; cp < 0x10000; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			strbuf_addch(&sb, (char)cp);
		} else if (cp < 0x800) {
			strbuf_addch(&sb, (char)(0xc0 | (cp >> 6)));
			strbuf_addch(&sb, (char)(0x80 | (cp & 0x3f)));
		} else {
			strbuf_addch(&sb, (char)(0xe0 | (cp >> 12)));
			strbuf_addch(&sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
			strbuf_addch(&sb, (char)(0x80 | (cp & 0x3f)));
		}
		if (cp % 64 == 0 || cp == 0xffff) {
			char *enc, *dec;
			CHECK_INTEQ(imap_utf8_to_utf7(sb.buf, &enc), 0);
			CHECK_INTEQ(imap_utf7_to_utf8(enc, &dec), 0);
			CHECK_STREQ(dec, sb.buf);
			for (const char *c = enc; *c; c++)
				CHECK(*c >= 0x20 && *c <= 0x7e);
			free(enc);
			free(dec);
			strbuf_reset(&sb);
		}
	}
	for (unsigned cp = 0x10000; cp <= 0x10ffff; cp += 0x1111) {
		char in[5] = {
			(char)(0xf0 | (cp >> 18)),
			(char)(0x80 | ((cp >> 12) & 0x3f)),
			(char)(0x80 | ((cp >> 6) & 0x3f)),
			(char)(0x80 | (cp & 0x3f)), 0 };
		char *enc, *dec;
		CHECK_INTEQ(imap_utf8_to_utf7(in, &enc), 0);
		CHECK_INTEQ(imap_utf7_to_utf8(enc, &dec), 0);
		CHECK_STREQ(dec, in);
		free(enc);
		free(dec);
	}
	strbuf_release(&sb);
}

RUN_TESTS(test_roundtrip, test_invalid_utf7, test_invalid_utf8,
	  test_all_bmp_roundtrip)
