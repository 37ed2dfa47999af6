// SPDX-License-Identifier: GPL-2.0-or-later
/* TLS client side over OpenSSL: context setup (protocol versions, client
 * certificate), handshake with SNI, chain, host-name and fingerprint
 * verification, and record I/O. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "tls.h"
#include "util.h"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	char **pins;		/* normalised hex, NULL-terminated, or NULL */
	const char *accepts;	/* the protocols allowed, for messages */
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

static const struct {
	const char *name;
	enum tls_level level;
} level_names[] = {
	{ "tls_secure", TLS_LEVEL_SECURE },
	{ "tls_no_ssl", TLS_LEVEL_NO_SSL },
	{ "tls_compat", TLS_LEVEL_COMPAT },
};

static const struct {
	const char *name;
	enum tls_version version;
	int proto;		/* OpenSSL's number */
	const char *only;	/* for messages */
} version_names[] = {
	{ "tls1", TLS_VERSION_1_0, TLS1_VERSION,
	  "only TLS 1.0 (ssl_version = tls1)" },
	{ "tls1_1", TLS_VERSION_1_1, TLS1_1_VERSION,
	  "only TLS 1.1 (ssl_version = tls1_1)" },
	{ "tls1_2", TLS_VERSION_1_2, TLS1_2_VERSION,
	  "only TLS 1.2 (ssl_version = tls1_2)" },
	{ "tls1_3", TLS_VERSION_1_3, TLS1_3_VERSION,
	  "only TLS 1.3 (ssl_version = tls1_3)" },
};

int tls_level_parse(const char *name, enum tls_level *level_r)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i].name) == 0) {
			*level_r = level_names[i].level;
			return 0;
		}
	}
	return -1;
}

int tls_version_parse(const char *name, enum tls_version *version_r)
{
	for (size_t i = 0; i < ARRAY_SIZE(version_names); i++) {
		if (strcmp(name, version_names[i].name) == 0) {
			*version_r = version_names[i].version;
			return 0;
		}
	}
	return -1;
}

const char *tls_level_version_conflict(enum tls_level level,
				       enum tls_version version)
{
	if (level == TLS_LEVEL_SECURE &&
	    (version == TLS_VERSION_1_0 || version == TLS_VERSION_1_1))
		return "tls_level tls_secure allows only TLS 1.2 and newer";
	return NULL;
}

/* PEM passphrase callback: never prompt (a worker thread has no
 * terminal to ask on); just note that a passphrase was wanted. */
static int refuse_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)arg = true;
	return -1;
}

/* Whether `path` can be opened for reading; else *err_r says why. */
static int readable(const char *what, const char *path, char **err_r)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*err_r = sys_errmsg("cannot read %s \"%s\"", what, path);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Load the client certificate (with its chain) and key into `sctx`,
 * making sure they belong together.  *key_at_fault_r as for
 * tls_check_client_cert. */
static int load_client_cert(SSL_CTX *sctx, const char *cert, const char *key,
			    bool *key_at_fault_r, char **err_r)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	bool wanted_passphrase = false;
	int ret = -1;

	*key_at_fault_r = false;
	ERR_clear_error();
	if (readable("sslclientcert", cert, err_r) < 0)
		return -1;
	if (!SSL_CTX_use_certificate_chain_file(sctx, cert)) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("sslclientcert \"%s\" is not a usable PEM "
				   "certificate: %s", cert, e);
		free(e);
		return -1;
	}
	*key_at_fault_r = true;
	if (readable("sslclientkey", key, err_r) < 0)
		return -1;
	bio = BIO_new_file(key, "r");
	if (bio)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, refuse_passphrase,
					       &wanted_passphrase);
	if (!pkey) {
		char *e = ssl_errors("unknown error");
		if (wanted_passphrase)
			*err_r = xasprintf("sslclientkey \"%s\" is protected "
					   "by a passphrase, which this "
					   "version cannot ask for; use an "
					   "unencrypted copy (mode 0600)",
					   key);
		else
			*err_r = xasprintf("sslclientkey \"%s\" is not a "
					   "usable PEM private key: %s", key,
					   e);
		free(e);
		goto out;
	}
	ERR_clear_error();
	X509 *x = SSL_CTX_get0_certificate(sctx);
	if (!x || !X509_check_private_key(x, pkey)) {
		ERR_clear_error();
		*err_r = xasprintf("sslclientkey \"%s\" is not the private key "
				   "of sslclientcert \"%s\"", key, cert);
		goto out;
	}
	if (!SSL_CTX_use_PrivateKey(sctx, pkey)) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("cannot use sslclientkey \"%s\": %s", key,
				   e);
		free(e);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}

int tls_check_client_cert(const char *cert, const char *key,
			  bool *key_at_fault_r, char **err_r)
{
	ERR_clear_error();
	SSL_CTX *sctx = SSL_CTX_new(TLS_client_method());
	if (!sctx) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("cannot create a TLS context: %s", e);
		free(e);
		*key_at_fault_r = false;
		return -1;
	}
	int r = load_client_cert(sctx, cert, key, key_at_fault_r, err_r);
	SSL_CTX_free(sctx);
	return r;
}

/* Protocol range, security level and ciphers for `o`; fills
 * ctx->accepts. */
static int set_protocols(struct tls_ctx *ctx, const struct tls_options *o,
			 char **err_r)
{
	SSL_CTX *sctx = ctx->ssl_ctx;
	const char *why = tls_level_version_conflict(o->level, o->version);
	int min = TLS1_2_VERSION, max = 0;
	bool legacy = false;		/* TLS 1.0/1.1 handshakes possible */
	const char *ciphers = NULL;

	if (why) {
		*err_r = xasprintf("ssl_version cannot be used: %s", why);
		return -1;
	}
	switch (o->level) {
	case TLS_LEVEL_DEFAULT:
	case TLS_LEVEL_SECURE:
		ctx->accepts = "TLS 1.2 or newer";
		break;
	case TLS_LEVEL_NO_SSL:
		min = TLS1_VERSION;
		legacy = true;
		ciphers = "DEFAULT:!aNULL:!eNULL:!EXP:!LOW:!RC4:!DES:!3DES:"
			  "!MD5:!PSK:!SRP";
		ctx->accepts = "TLS 1.0 or newer (tls_level = tls_no_ssl)";
		break;
	case TLS_LEVEL_COMPAT:
		min = TLS1_VERSION;
		legacy = true;
		ciphers = "ALL:!aNULL:!eNULL";
		ctx->accepts = "TLS 1.0 or newer (tls_level = tls_compat)";
		break;
	}
	for (size_t i = 0; i < ARRAY_SIZE(version_names); i++) {
		if (version_names[i].version != o->version)
			continue;
		min = max = version_names[i].proto;
		ctx->accepts = version_names[i].only;
		if (max < TLS1_2_VERSION)
			legacy = true;
	}
	if (!SSL_CTX_set_min_proto_version(sctx, min) ||
	    !SSL_CTX_set_max_proto_version(sctx, max))
		goto fail;
	/* OpenSSL 3 rates the MD5/SHA-1 signatures every TLS 1.0 and 1.1
	 * handshake uses below security level 1, so those versions only
	 * work at level 0: set it only where the user asked for them. */
	if (legacy)
		SSL_CTX_set_security_level(sctx, 0);
	if (ciphers && !SSL_CTX_set_cipher_list(sctx, ciphers))
		goto fail;
	return 0;
fail:;
	char *e = ssl_errors("unknown error");
	*err_r = xasprintf("cannot set the TLS protocol versions: %s", e);
	free(e);
	return -1;
}

int tls_ctx_new_opts(const struct tls_options *o, struct tls_ctx **ctx_r,
		     char **err_r)
{
	struct tls_ctx *ctx = xcalloc(1, sizeof(*ctx));
	const char *cafile = o->cafile;
	size_t n = 0;

	if (o->fingerprints)
		while (o->fingerprints[n])
			n++;
	if (n) {
		ctx->pins = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			ctx->pins[i] = tls_normalize_fingerprint(o->fingerprints[i]);
			if (!ctx->pins[i]) {
				*err_r = xasprintf("invalid cert_fingerprint \"%s\": expected a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) fingerprint",
						   o->fingerprints[i]);
				goto fail;
			}
		}
	}
	if (!o->client_cert != !o->client_key) {
		*err_r = xasprintf("%s is set but %s is not: a client "
				   "certificate needs both",
				   o->client_cert ? "sslclientcert"
						  : "sslclientkey",
				   o->client_cert ? "sslclientkey"
						  : "sslclientcert");
		goto fail;
	}

	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx->ssl_ctx) {
		char *e = ssl_errors("unknown error");
		*err_r = xasprintf("cannot create a TLS context: %s", e);
		free(e);
		goto fail;
	}
	if (set_protocols(ctx, o, err_r) < 0)
		goto fail;
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
	if (o->client_cert) {
		bool key_fault;
		if (load_client_cert(ctx->ssl_ctx, o->client_cert,
				     o->client_key, &key_fault, err_r) < 0)
			goto fail;
	}
	*ctx_r = ctx;
	return 0;
fail:
	tls_ctx_free(&ctx);
	return -1;
}

int tls_ctx_new(const char *cafile, const char *const *fingerprints,
		struct tls_ctx **ctx_r, char **err_r)
{
	struct tls_options o = {
		.cafile = cafile,
		.fingerprints = fingerprints,
	};
	return tls_ctx_new_opts(&o, ctx_r, err_r);
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
		char *why = io_error(ssl, r, what);
		/* A protocol-version refusal reads like line noise; say
		 * what this side was willing to speak. */
		*err_r = xasprintf("%s (this client accepts %s)", why,
				   ctx->accepts);
		free(why);
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
