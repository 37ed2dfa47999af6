/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS client connections with certificate verification: the only module
 * that talks to OpenSSL's SSL layer. */
#ifndef OI_TLS_H
#define OI_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One per account/repository; shared by its connections.  Immutable after
 * creation, so threads may use it at once (OpenSSL allows sharing an
 * SSL_CTX).  The owner frees it after the last connection is closed. */
struct tls_ctx;
/* One per connection; used by one thread at a time. */
struct tls_conn;

/* tls_level: the oldest protocol accepted and how weak a handshake may
 * be.  SSLv2 and SSLv3 are never used, whatever the level. */
enum tls_level {
	TLS_LEVEL_DEFAULT,	/* unset: as SECURE, unless ssl_version asks
				 * for TLS 1.0 or 1.1 explicitly */
	TLS_LEVEL_SECURE,	/* "tls_secure": TLS 1.2 or newer, the
				 * library's default ciphers and key sizes */
	TLS_LEVEL_NO_SSL,	/* "tls_no_ssl": TLS 1.0 or newer; the SHA-1
				 * handshakes of TLS 1.0/1.1 are allowed, weak
				 * ciphers (RC4, DES, 3DES, MD5) are not */
	TLS_LEVEL_COMPAT,	/* "tls_compat": TLS 1.0 or newer with any
				 * authenticated, encrypted cipher suite */
};

/* ssl_version: one exact protocol version, or any the level allows. */
enum tls_version {
	TLS_VERSION_ANY,
	TLS_VERSION_1_0,	/* "tls1" */
	TLS_VERSION_1_1,	/* "tls1_1" */
	TLS_VERSION_1_2,	/* "tls1_2" */
	TLS_VERSION_1_3,	/* "tls1_3" */
};

/* The configuration names above, case-sensitive.  0, or -1 for a name
 * that is not one of them. */
int tls_level_parse(const char *name, enum tls_level *level_r);
int tls_version_parse(const char *name, enum tls_version *version_r);
/* NULL when `version` is possible at `level`, else why not (a static
 * sentence fragment such as "tls_level tls_secure allows only TLS 1.2 and
 * newer").  Only an explicit TLS_LEVEL_SECURE excludes a version. */
const char *tls_level_version_conflict(enum tls_level level,
				       enum tls_version version);

/* Everything a client context is made from.  Strings are only read
 * during tls_ctx_new_opts. */
struct tls_options {
	/* NULL or "OS-DEFAULT" = the system trust store, else a PEM file of
	 * trusted CAs used instead of it. */
	const char *cafile;
	/* NULL or a NULL-terminated list of certificate pins, each SHA-256
	 * (64 hex digits) or SHA-1 (40), colons optional, any case.  When
	 * pins are given, a server is accepted exactly when its certificate
	 * matches one (even self-signed or for another name); otherwise the
	 * chain and the host name must verify. */
	const char *const *fingerprints;
	/* Client certificate (PEM, optionally followed by its chain) and
	 * its unencrypted private key (PEM), presented when the server asks
	 * for one; both or neither. */
	const char *client_cert;
	const char *client_key;
	enum tls_level level;
	enum tls_version version;
};

/* Create a client context with peer verification on, as `o` says.
 * Returns 0, or -1 with *err_r (malloc'd): unreadable CA file, malformed
 * pin, unreadable or passphrase-protected client key, a client key that
 * does not belong to the certificate, only one of the two given, or a
 * level/version contradiction. */
int tls_ctx_new_opts(const struct tls_options *o, struct tls_ctx **ctx_r,
		     char **err_r);
/* The same with only a CA file and pins: TLS 1.2 or newer, no client
 * certificate. */
int tls_ctx_new(const char *cafile, const char *const *fingerprints,
		struct tls_ctx **ctx_r, char **err_r);
void tls_ctx_free(struct tls_ctx **ctx);

/* Run the handshake on connected socket `fd` (blocking; the caller set
 * SO_RCVTIMEO/SO_SNDTIMEO for timeouts) with SNI and host-name checking for
 * `host`, then verify as described above.  Nothing is sent to the server
 * after the handshake unless verification passed.  A verification failure
 * names the reason and the server certificate's SHA-256 fingerprint; a
 * failed handshake names the protocol versions this side accepted.
 * Returns 0 and *conn_r, or -1 with *err_r (malloc'd).  `fd` stays owned
 * by the caller. */
int tls_connect(struct tls_ctx *ctx, int fd, const char *host,
		struct tls_conn **conn_r, char **err_r);

/* Read up to n bytes: > 0 bytes read, 0 at a clean end of stream, -1 with
 * *err_r (errno is EAGAIN after a socket timeout). */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t n, char **err_r);
/* Write all n bytes; 0, or -1 with *err_r. */
int tls_write(struct tls_conn *c, const void *buf, size_t n, char **err_r);
/* Decrypted bytes waiting to be read (poll() cannot see them). */
bool tls_pending(const struct tls_conn *c);
/* The negotiated protocol, e.g. "TLSv1.3" (static string). */
const char *tls_version(const struct tls_conn *c);

/* Send close_notify (best effort) and free.  The socket stays open. */
void tls_conn_free(struct tls_conn **c);

/* Check a client certificate and key pair as tls_ctx_new_opts would load
 * it, without connecting anywhere.  Returns 0, or -1 with *err_r
 * (malloc'd) and *key_at_fault_r = false when the certificate file is the
 * problem (unreadable, not a PEM certificate), true when the key is
 * (unreadable, not a PEM key, protected by a passphrase, or not the key of
 * that certificate). */
int tls_check_client_cert(const char *cert, const char *key,
			  bool *key_at_fault_r, char **err_r);

/* Normalise a pin: colons removed, lower case.  Returns the malloc'd hex
 * string, or NULL if it is not 40 or 64 hex digits. */
char *tls_normalize_fingerprint(const char *pin);

#endif
