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

/* Create a client context: TLS 1.2 or newer, peer verification on.
 * `cafile`: NULL or "OS-DEFAULT" = the system trust store, else a PEM file
 * of trusted CAs used instead of it.  `fingerprints`: NULL or a
 * NULL-terminated list of certificate pins, each SHA-256 (64 hex digits) or
 * SHA-1 (40), colons optional, any case.  When pins are given, a server is
 * accepted exactly when its certificate matches one (even self-signed or
 * for another name); otherwise the chain and the host name must verify.
 * Returns 0, or -1 with *err_r (malloc'd): unreadable CA file, malformed
 * pin. */
int tls_ctx_new(const char *cafile, const char *const *fingerprints,
		struct tls_ctx **ctx_r, char **err_r);
void tls_ctx_free(struct tls_ctx **ctx);

/* Run the handshake on connected socket `fd` (blocking; the caller set
 * SO_RCVTIMEO/SO_SNDTIMEO for timeouts) with SNI and host-name checking for
 * `host`, then verify as described above.  Nothing is sent to the server
 * after the handshake unless verification passed.  A verification failure
 * names the reason and the server certificate's SHA-256 fingerprint.
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

/* Normalise a pin: colons removed, lower case.  Returns the malloc'd hex
 * string, or NULL if it is not 40 or 64 hex digits. */
char *tls_normalize_fingerprint(const char *pin);

#endif
