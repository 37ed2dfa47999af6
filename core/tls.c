// SPDX-License-Identifier: GPL-2.0-or-later
/* TLS client side over OpenSSL: context setup, handshake with SNI, chain,
 * host-name and fingerprint verification, and record I/O. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "tls.h"
#include "util.h"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	char **pins;		/* normalised hex, NULL-terminated, or NULL */
};

struct tls_conn {
	SSL *ssl;
};

/* The OpenSSL error queue as one string (emptied), or `fallback`. */
static char *ssl_errors(const char *fallback)
{
	struct strbuf sb;
	unsigned long e;
	strbuf_init(&sb);
	while ((e = ERR_get_error()) != 0) {
		char buf[256];
		ERR_error_string_n(e, buf, sizeof(buf));
		if (sb.len)
			strbuf_addstr(&sb, "; ");
		strbuf_addstr(&sb, buf);
	}
	if (!sb.len)
		strbuf_addstr(&sb, fallback);
	return strbuf_detach(&sb);
}

char *tls_normalize_fingerprint(const char *pin)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (const char *p = pin; *p; p++) {
		char c = *p;
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addch(&sb, c);
	}
	if (sb.len != 2 * CRYPTO_SHA1_LEN && sb.len != 2 * CRYPTO_SHA256_LEN) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* Let the handshake finish whatever the chain looks like: the verdict is
 * taken afterwards (tls_connect), where pins can override it and the
 * fingerprint can be reported.  No application data flows before that. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
	(void)preverify_ok;
	(void)store;
	return 1;
}

int tls_ctx_new(const char *cafile, const char *const *fingerprints,
		struct tls_ctx **ctx_r, char **err_r)
{
	struct tls_ctx *ctx = xcalloc(1, sizeof(*ctx));
	size_t n = 0;

	if (fingerprints)
		while (fingerprints[n])
			n++;
	if (n) {
		ctx->pins = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			ctx->pins[i] = tls_normalize_fingerprint(fingerprints[i]);
			if (!ctx->pins[i]) {
				*err_r = xasprintf("invalid cert_fingerprint \"%s\": expected a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) fingerprint",
						   fingerprints[i]);
				goto fail;
			}
		}
	}

	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx->ssl_ctx) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("cannot create a TLS context: %s", e);
		free(e);
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_AUTO_RETRY);
	if (!cafile || strcmp(cafile, "OS-DEFAULT") == 0) {
		if (!SSL_CTX_set_default_verify_paths(ctx->ssl_ctx)) {
			char *e = ssl_errors("unknown error");
			*err_r = xasprintf("cannot load the system CA certificates: %s", e);
			free(e);
			goto fail;
		}
	} else if (!SSL_CTX_load_verify_locations(ctx->ssl_ctx, cafile, NULL)) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("cannot load CA certificates from \"%s\": %s",
				   cafile, e);
		free(e);
		goto fail;
	}
	*ctx_r = ctx;
	return 0;
fail:
	tls_ctx_free(&ctx);
	return -1;
}

void tls_ctx_free(struct tls_ctx **pctx)
{
	struct tls_ctx *ctx = *pctx;
	if (!ctx)
		return;
	if (ctx->ssl_ctx)
		SSL_CTX_free(ctx->ssl_ctx);
	strv_free(&ctx->pins);
	free(ctx);
	*pctx = NULL;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

static char *cert_digest_hex(X509 *cert, const EVP_MD *md)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!X509_digest(cert, md, buf, &n))
		return xstrdup("(unknown)");
	return crypto_hex(buf, n);
}

/* Why an I/O call on `ssl` failed. */
static char *io_error(SSL *ssl, int ret, const char *what)
{
	int e = SSL_get_error(ssl, ret);
	int saved = errno;
	char *msg, *q;
	switch (e) {
	case SSL_ERROR_ZERO_RETURN:
		return xasprintf("%s: connection closed by the server", what);
	case SSL_ERROR_SYSCALL:
		q = ssl_errors("");
		if (*q)
			msg = xasprintf("%s: %s", what, q);
		else if (ret == 0 || saved == 0)
			msg = xasprintf("%s: connection closed unexpectedly", what);
		else if (saved == EAGAIN || saved == EWOULDBLOCK)
			msg = xasprintf("%s: timed out", what);
		else
			msg = xasprintf("%s: %s", what, strerror(saved));
		free(q);
		errno = saved;
		return msg;
	default:
		q = ssl_errors("protocol error");
		msg = xasprintf("%s: %s", what, q);
		free(q);
		return msg;
	}
}

static int check_peer(struct tls_ctx *ctx, SSL *ssl, const char *host,
		      char **err_r)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	char *sha256, *sha1;
	int ret = -1;

	if (!cert) {
		*err_r = xasprintf("TLS server %s presented no certificate", host);
		return -1;
	}
	sha256 = cert_digest_hex(cert, EVP_sha256());
	sha1 = cert_digest_hex(cert, EVP_sha1());
	if (ctx->pins) {
		for (char **p = ctx->pins; *p; p++)
			if (strcmp(*p, sha256) == 0 || strcmp(*p, sha1) == 0)
				ret = 0;
		if (ret < 0)
			*err_r = xasprintf("TLS certificate of %s matches no cert_fingerprint; the server certificate's SHA-256 fingerprint is %s",
					   host, sha256);
	} else {
		long v = SSL_get_verify_result(ssl);
		if (v == X509_V_OK)
			ret = 0;
		else
			*err_r = xasprintf("TLS certificate verification failed for %s: %s; the server certificate's SHA-256 fingerprint is %s (set sslcacertfile, or cert_fingerprint to trust exactly this certificate)",
					   host, X509_verify_cert_error_string(v),
					   sha256);
	}
	free(sha256);
	free(sha1);
	X509_free(cert);
	return ret;
}

int tls_connect(struct tls_ctx *ctx, int fd, const char *host,
		struct tls_conn **conn_r, char **err_r)
{
	SSL *ssl;
	int r;

	ERR_clear_error();
	ssl = SSL_new(ctx->ssl_ctx);
	if (!ssl) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("TLS setup failed: %s", e);
		free(e);
		return -1;
	}
	if (!SSL_set_fd(ssl, fd))
		goto ssl_fail;
	if (is_ip_literal(host)) {
		/* No SNI for addresses (RFC 6066); check the IP SAN. */
		if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host))
			goto ssl_fail;
	} else {
		if (!SSL_set_tlsext_host_name(ssl, host) ||
		    !SSL_set1_host(ssl, host))
			goto ssl_fail;
	}
	errno = 0;
	r = SSL_connect(ssl);
	if (r != 1) {
		char *what = xasprintf("TLS handshake with %s failed", host);
		*err_r = io_error(ssl, r, what);
		free(what);
		SSL_free(ssl);
		return -1;
	}
	if (check_peer(ctx, ssl, host, err_r) < 0) {
		SSL_free(ssl);
		return -1;
	}
	*conn_r = xcalloc(1, sizeof(**conn_r));
	(*conn_r)->ssl = ssl;
	return 0;
ssl_fail:
	{
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("TLS setup for %s failed: %s", host, e);
		free(e);
	}
	SSL_free(ssl);
	return -1;
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t n, char **err_r)
{
	if (n > (size_t)__INT_MAX__)
		n = (size_t)__INT_MAX__;
	ERR_clear_error();
	errno = 0;
	int r = SSL_read(c->ssl, buf, (int)n);
	if (r > 0)
		return r;
	if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN)
		return 0;
	*err_r = io_error(c->ssl, r, "TLS read failed");
	return -1;
}

int tls_write(struct tls_conn *c, const void *buf, size_t n, char **err_r)
{
	const char *p = buf;
	while (n > 0) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		ERR_clear_error();
		errno = 0;
		int r = SSL_write(c->ssl, p, chunk);
		if (r <= 0) {
			*err_r = io_error(c->ssl, r, "TLS write failed");
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

bool tls_pending(const struct tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

const char *tls_version(const struct tls_conn *c)
{
	return SSL_get_version(c->ssl);
}

void tls_conn_free(struct tls_conn **pc)
{
	struct tls_conn *c = *pc;
	if (!c)
		return;
	ERR_clear_error();
	SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	free(c);
	*pc = NULL;
}
