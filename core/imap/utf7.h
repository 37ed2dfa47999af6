/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Modified UTF-7 (RFC 3501 5.1.3), the encoding of IMAP mailbox names:
 * conversion from and to UTF-8 with strict validation. */
#ifndef OI_IMAP_UTF7_H
#define OI_IMAP_UTF7_H

#include <stdbool.h>

/* UTF-8 -> modified UTF-7.  Returns 0 with *out_r (malloc'd), or -1 when
 * `in` is not valid UTF-8 (overlong forms, surrogates, code points above
 * U+10FFFF, truncated sequences); *out_r is then untouched. */
int imap_utf8_to_utf7(const char *in, char **out_r);

/* Modified UTF-7 -> UTF-8.  Returns 0 with *out_r (malloc'd), or -1 when
 * `in` is not valid modified UTF-7: a byte outside 0x20-0x7e, an
 * unterminated or empty "&...-" section other than "&-", a character
 * outside the modified base64 alphabet, non-zero or excess padding bits,
 * an unpaired surrogate, an encoded character that must appear directly
 * (printable ASCII), or two adjacent encoded sections (the encoder would
 * have merged them).  *out_r is then untouched. */
int imap_utf7_to_utf8(const char *in, char **out_r);

/* True when `in` is valid modified UTF-7 (as imap_utf7_to_utf8 accepts). */
bool imap_utf7_is_valid(const char *in);

#endif
