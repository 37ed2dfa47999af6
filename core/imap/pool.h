/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IMAP connection pool of one repository (SPEC 3.5): at most
 * maxconnections logged-in connections, handed to one thread at a time,
 * opened lazily, checked and transparently replaced when dead. */
#ifndef OI_IMAP_POOL_H
#define OI_IMAP_POOL_H

#include <stdbool.h>

struct imap_client;
struct imap_pool;

/* How the pool makes, checks and ends connections.  Only `open` is
 * required; the others default to imap_client_alive, imap_client_noop,
 * imap_client_close and imap_client_abort (tests replace them). */
struct imap_pool_ops {
	/* Connect and log in, including the caller's password loop (ask
	 * again with the server's complaint).  Called without the pool's
	 * lock, possibly from several threads at once.  Returns 0 with *c_r,
	 * or -1 with *err_r (malloc'd). */
	int (*open)(void *arg, struct imap_client **c_r, char **err_r);
	bool (*alive)(const struct imap_client *c);
	int (*noop)(struct imap_client *c, char **err_r);
	void (*close)(struct imap_client **c);	/* LOGOUT, then free */
	void (*abort)(struct imap_client **c);	/* free, no LOGOUT */
};

struct imap_pool_settings {
	const char *name;	/* repository name, for messages; copied */
	unsigned maxconnections;	/* 0 counts as 1 */
	/* A connection idle for at least this many seconds gets a NOOP
	 * before it is handed out, so a connection the server or a NAT box
	 * dropped meanwhile is replaced instead of failing the caller's first
	 * command.  0 means IMAP_POOL_PROBE_DEFAULT seconds; also
	 * IMAP_POOL_PROBE_NEVER and IMAP_POOL_PROBE_ALWAYS. */
	int probe_idle;
	struct imap_pool_ops ops;
	void *arg;		/* for ops.open */
};

#define IMAP_POOL_PROBE_DEFAULT 30
#define IMAP_POOL_PROBE_NEVER (-1)
#define IMAP_POOL_PROBE_ALWAYS (-2)

/* A new, empty pool.  Never fails. */
struct imap_pool *imap_pool_new(const struct imap_pool_settings *s);

/* imap_pool_drop, then free; *p = NULL.  No thread may use the pool any
 * more. */
void imap_pool_free(struct imap_pool **p);

/* Take a connection for the calling thread, waiting while maxconnections
 * are in use.  Among the available connections the one this thread
 * released most recently is preferred (its mailbox is likely still
 * selected), else the one released longest ago.  A connection that is
 * dead, or idle for probe_idle seconds and does not answer a NOOP, is
 * discarded and replaced by a new one.  With none available, a new one
 * is opened through ops.open.  Returns 0 with *c_r (give it back with
 * imap_pool_release), or -1 with *err_r (malloc'd) when a new connection
 * could not be made; the slot is then free again. */
int imap_pool_acquire(struct imap_pool *p, struct imap_client **c_r,
		      char **err_r);

/* Give back a connection taken with imap_pool_acquire; *c = NULL.  A dead
 * connection is freed instead of pooled.  *c may already be NULL when the
 * caller closed a broken connection itself: the slot is freed. */
void imap_pool_release(struct imap_pool *p, struct imap_client **c);

/* Wait until a connection could be acquired without waiting, without
 * taking it (SPEC 3.4: a folder thread does this before starting a copy
 * thread, so it never queues thousands of threads). */
void imap_pool_wait_free(struct imap_pool *p);

/* End of an account cycle without holdconnectionopen: wait until every
 * connection is released, then LOGOUT and free them all.  The pool stays
 * usable (new connections are made on demand). */
void imap_pool_drop(struct imap_pool *p);

/* Keep-alive: NOOP every connection that is available now, one at a
 * time (each is taken out of the pool meanwhile, so no thread can use it
 * concurrently).  Connections that fail are freed; they are reopened on
 * demand.  Returns the number that answered; *dead_r (may be NULL) gets
 * the number freed. */
unsigned imap_pool_keepalive(struct imap_pool *p, unsigned *dead_r);

struct imap_pool_stats {
	unsigned available;	/* idle connections */
	unsigned assigned;	/* slots taken (connections in use, being
				 * opened or being checked) */
	unsigned long opened;	/* connections made since imap_pool_new */
	unsigned long discarded;	/* dead ones freed (found on acquire,
					 * release or keep-alive) */
};
void imap_pool_get_stats(struct imap_pool *p, struct imap_pool_stats *st_r);

#endif
