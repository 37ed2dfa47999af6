/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Digests and encodings for authentication and certificate pinning:
 * MD5, HMAC-MD5 (CRAM-MD5), SHA-1, SHA-256, hex and base64. */
#ifndef OI_CRYPTO_H
#define OI_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_MD5_LEN 16
#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32

/* One-shot digests into `out` (of the size named above).  They cannot
 * fail short of a broken OpenSSL installation, which aborts. */
void crypto_md5(const void *data, size_t len, unsigned char *out);
void crypto_sha1(const void *data, size_t len, unsigned char *out);
void crypto_sha256(const void *data, size_t len, unsigned char *out);
void crypto_hmac_md5(const void *key, size_t key_len, const void *data,
		     size_t len, unsigned char *out);

/* Lower-case hex of `len` bytes, malloc'd. */
char *crypto_hex(const unsigned char *data, size_t len);

/* Standard base64 (RFC 4648, with padding, no line breaks), malloc'd. */
char *crypto_base64_encode(const void *data, size_t len);
/* Decode standard base64 of `len` characters; padding is required where
 * the length needs it, white space is not allowed.  Returns 0 with *out_r
 * (malloc'd, NUL-terminated for convenience) and *out_len_r, or -1. */
int crypto_base64_decode(const char *in, size_t len, unsigned char **out_r,
			 size_t *out_len_r);

/* Overwrite memory that held a secret, in a way the compiler keeps. */
void crypto_wipe(void *p, size_t len);

#endif
