// SPDX-License-Identifier: GPL-2.0-or-later
/* Unicode for the evaluator: lenient UTF-8 (invalid bytes survive as
 * surrogateescape code points), character classes by Unicode category
 * (through PCRE2's tables, so they agree with the regex engine) and case
 * mapping (through the C library's C.UTF-8 tables). */
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pyexpr/internal.h"

uint32_t pyx_utf8_next(const char *str, size_t len, size_t *pos)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = *pos;
	unsigned char c = s[i];
	uint32_t cp;
	size_t n;
	if (c < 0x80) {
		*pos = i + 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		goto invalid;
	}
	if (i + n >= len)
		goto invalid;
	for (size_t k = 1; k <= n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			goto invalid;
		cp = (cp << 6) | (s[i + k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 ||
						  cp > 0x10ffff)))
		goto invalid;
	if (cp >= 0xd800 && cp <= 0xdfff)
		goto invalid;
	*pos = i + n + 1;
	return cp;
invalid:
	*pos = i + 1;
	return 0xdc00 + c;
}

size_t pyx_utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp >= 0xdc80 && cp <= 0xdcff) {
		/* surrogateescape: the original byte */
		o[0] = (unsigned char)(cp - 0xdc00);
		return 1;
	}
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t pyx_utf8_count(const char *s, size_t len)
{
	size_t n = 0, pos = 0;
	while (pos < len) {
		if ((unsigned char)s[pos] < 0x80)
			pos++;
		else
			pyx_utf8_next(s, len, &pos);
		n++;
	}
	return n;
}

size_t pyx_utf8_offset(const char *s, size_t len, size_t ncp, size_t cp)
{
	if (ncp == len)
		return cp < len ? cp : len;
	size_t pos = 0;
	for (size_t k = 0; k < cp && pos < len; k++)
		pyx_utf8_next(s, len, &pos);
	return pos;
}

/* ---- classes ---------------------------------------------------------- */

enum uclass {
	UC_NONPRINT, UC_ALPHA, UC_DECIMAL, UC_DIGIT, UC_NUMERIC, UC_UPPER,
	UC_LOWER, UC_IDSTART, UC_IDCONT, UC_TITLE, UC_COUNT
};

static const char *const class_patterns[UC_COUNT] = {
	[UC_NONPRINT] = "[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Co}\\p{Cn}\\p{Zl}\\p{Zp}"
			"\\p{Zs}]",
	[UC_ALPHA] = "\\p{L}",
	[UC_DECIMAL] = "\\p{Nd}",
	[UC_DIGIT] = "[\\p{Nd}\\x{b2}\\x{b3}\\x{b9}\\x{2070}\\x{2074}-"
		     "\\x{2079}\\x{2080}-\\x{2089}\\x{2460}-\\x{2468}"
		     "\\x{2474}-\\x{247c}\\x{2488}-\\x{2490}\\x{24ea}"
		     "\\x{24f5}-\\x{24fd}\\x{24ff}\\x{2776}-\\x{277e}"
		     "\\x{2780}-\\x{2788}\\x{278a}-\\x{2792}\\x{1369}-"
		     "\\x{1371}\\x{19da}]",
	[UC_NUMERIC] = "\\p{N}",
	[UC_UPPER] = "[\\p{Lu}\\x{2160}-\\x{216f}\\x{24b6}-\\x{24cf}]",
	[UC_LOWER] = "[\\p{Ll}\\x{aa}\\x{ba}\\x{2b0}-\\x{2b8}\\x{2c0}"
		     "\\x{2c1}\\x{2e0}-\\x{2e4}\\x{2170}-\\x{217f}"
		     "\\x{24d0}-\\x{24e9}]",
	[UC_IDSTART] = "[\\p{L}\\p{Nl}_]",
	[UC_IDCONT] = "[\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]",
	[UC_TITLE] = "\\p{Lt}",
};

static pcre2_code *class_code[UC_COUNT];
static locale_t utf8_locale;
static pthread_once_t uni_once = PTHREAD_ONCE_INIT;

static void uni_init(void)
{
	for (int i = 0; i < UC_COUNT; i++) {
		int errcode;
		PCRE2_SIZE erroff;
		class_code[i] = pcre2_compile(
			(PCRE2_SPTR)class_patterns[i], PCRE2_ZERO_TERMINATED,
			PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &errcode,
			&erroff, NULL);
	}
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!utf8_locale)
		utf8_locale = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

static bool uclass(enum uclass k, uint32_t c)
{
	pthread_once(&uni_once, uni_init);
	if (!class_code[k] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return k == UC_NONPRINT;
	char buf[4];
	size_t n = pyx_utf8_put(c, buf);
	pcre2_match_data *md =
		pcre2_match_data_create_from_pattern(class_code[k], NULL);
	int rc = pcre2_match(class_code[k], (PCRE2_SPTR)buf, n, 0, 0, md,
			     NULL);
	pcre2_match_data_free(md);
	return rc > 0;
}

bool pyx_uni_isspace(uint32_t c)
{
	switch (c) {
	case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
	case 0x1c: case 0x1d: case 0x1e: case 0x1f: case 0x85: case 0xa0:
	case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f:
	case 0x3000:
		return true;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

bool pyx_uni_isprintable(uint32_t c)
{
	if (c < 0x80)
		return c >= 0x20 && c < 0x7f;
	return !uclass(UC_NONPRINT, c);
}

bool pyx_uni_isalpha(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	return uclass(UC_ALPHA, c);
}

bool pyx_uni_isdecimal(uint32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return uclass(UC_DECIMAL, c);
}

bool pyx_uni_isdigit(uint32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return uclass(UC_DIGIT, c);
}

bool pyx_uni_isnumeric(uint32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return uclass(UC_NUMERIC, c);
}

bool pyx_uni_isalnum(uint32_t c)
{
	return pyx_uni_isalpha(c) || pyx_uni_isnumeric(c);
}

bool pyx_uni_isupper(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z';
	return uclass(UC_UPPER, c);
}

bool pyx_uni_islower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z';
	return uclass(UC_LOWER, c);
}

bool pyx_uni_istitle(uint32_t c)
{
	return c >= 0x80 && uclass(UC_TITLE, c);
}

bool pyx_uni_isidstart(uint32_t c)
{
	if (c < 0x80)
		return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	return uclass(UC_IDSTART, c);
}

bool pyx_uni_isidcont(uint32_t c)
{
	if (c < 0x80)
		return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		       (c >= '0' && c <= '9');
	return uclass(UC_IDCONT, c);
}

uint32_t pyx_uni_tolower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xd800 && c <= 0xdfff)
		return c;
	pthread_once(&uni_once, uni_init);
	if (!utf8_locale)
		return c;
	return (uint32_t)towlower_l((wint_t)c, utf8_locale);
}

uint32_t pyx_uni_toupper(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	if (c >= 0xd800 && c <= 0xdfff)
		return c;
	pthread_once(&uni_once, uni_init);
	if (!utf8_locale)
		return c;
	return (uint32_t)towupper_l((wint_t)c, utf8_locale);
}
