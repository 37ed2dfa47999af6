// SPDX-License-Identifier: GPL-2.0-or-later
/* Digest helpers over OpenSSL's EVP interface plus hex and base64; with
 * tls.c the only place that includes OpenSSL headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "util.h"

static void digest(const EVP_MD *md, const void *data, size_t len,
		   unsigned char *out)
{
	unsigned int n;
	if (!EVP_Digest(data, len, out, &n, md, NULL)) {
		fputs("offlineimap: OpenSSL digest failed\n", stderr);
		abort();
	}
}

void crypto_md5(const void *data, size_t len, unsigned char *out)
{
	digest(EVP_md5(), data, len, out);
}

void crypto_sha1(const void *data, size_t len, unsigned char *out)
{
	digest(EVP_sha1(), data, len, out);
}

void crypto_sha256(const void *data, size_t len, unsigned char *out)
{
	digest(EVP_sha256(), data, len, out);
}

void crypto_hmac_md5(const void *key, size_t key_len, const void *data,
		     size_t len, unsigned char *out)
{
	unsigned int n;
	if (key_len > (size_t)__INT_MAX__ ||
	    !HMAC(EVP_md5(), key, (int)key_len, data, len, out, &n)) {
		fputs("offlineimap: OpenSSL HMAC failed\n", stderr);
		abort();
	}
}

char *crypto_hex(const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(len * 2 + 1);
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 15];
	}
	s[len * 2] = '\0';
	return s;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *crypto_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64[in[i] >> 2];
		*o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = b64[in[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64[in[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = b64[(in[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int crypto_base64_decode(const char *in, size_t len, unsigned char **out_r,
			 size_t *out_len_r)
{
	if (len % 4)
		return -1;
	unsigned char *out = xmalloc(len / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				goto fail;	/* data after padding */
			v[k] = b64val(in[i + k]);
			if (v[k] < 0)
				goto fail;
		}
		out[o++] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] << 4) | (v[2] >> 2));
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] << 6) | v[3]);
	}
	out[o] = '\0';
	*out_r = out;
	*out_len_r = o;
	return 0;
fail:
	free(out);
	return -1;
}

void crypto_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}
