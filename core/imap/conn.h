/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP transport: a TCP connection (plain, implicit TLS or upgraded by
 * STARTTLS) or a tunnel command's pipes, with timeouts on every wait. */
#ifndef OI_IMAP_CONN_H
#define OI_IMAP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tls_ctx;
struct imap_conn;

/* Default for socktimeout when the configuration sets none (seconds). */
#define IMAP_CONN_DEFAULT_TIMEOUT 60

/* Connect to host:port trying every address getaddrinfo returns (IPv4 and
 * IPv6) in order, each within `timeout` seconds; reads and writes then time
 * out after `timeout` seconds of silence too.  With `tls` non-NULL the TLS
 * handshake follows immediately (implicit TLS) and is verified as
 * tls_connect() describes.  Returns 0 and *c_r, or -1 with *err_r
 * (malloc'd) naming the host and, per address, why it failed.
 *
 * SIGPIPE: the first connection sets SIGPIPE to SIG_IGN for the process if
 * it was SIG_DFL, so a dead peer is an EPIPE error, never a kill. */
int imap_conn_connect(const char *host, int port, int timeout,
		      struct tls_ctx *tls, struct imap_conn **c_r,
		      char **err_r);

/* Run `command` with /bin/sh -c, IMAP over its standard input and output.
 * Its standard error is read as it arrives and each line is reported as a
 * minor warning through the UI.  Returns 0 and *c_r, or -1 with *err_r. */
int imap_conn_tunnel(const char *command, int timeout,
		     struct imap_conn **c_r, char **err_r);

/* Upgrade a plain TCP connection to TLS (after STARTTLS's OK).  The
 * caller must discard whatever it had buffered from the plaintext phase.
 * Returns 0, or -1 with *err_r. */
int imap_conn_starttls(struct imap_conn *c, struct tls_ctx *tls,
		       const char *host, char **err_r);

/* Read what is available, at most n bytes, waiting up to the timeout.
 * Returns > 0, 0 when the peer closed the connection, or -1 with *err_r
 * (timeout, reset, TLS error). */
ssize_t imap_conn_read(struct imap_conn *c, void *buf, size_t n,
		       char **err_r);

/* Write all n bytes.  Returns 0, or -1 with *err_r. */
int imap_conn_write(struct imap_conn *c, const void *buf, size_t n,
		    char **err_r);

bool imap_conn_is_tls(const struct imap_conn *c);
bool imap_conn_is_tunnel(const struct imap_conn *c);

/* Close; for a tunnel also collect the rest of its standard error and reap
 * the child (terminating it if it does not exit on its own within a few
 * seconds), reporting an abnormal exit as a debug message. */
void imap_conn_close(struct imap_conn **c);

#endif
