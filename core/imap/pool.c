// SPDX-License-Identifier: GPL-2.0-or-later
/* The IMAP connection pool of one repository: a counted set of slots, a
 * list of idle connections, lazy opening and replacement of dead ones. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap/client.h"
#include "imap/pool.h"
#include "ui.h"
#include "util.h"

/* An idle connection.  Connections in use are the caller's; the pool
 * only counts them. */
struct pool_entry {
	struct pool_entry *next;
	struct imap_client *c;
	pthread_t last_user;
	double released;	/* monotonic seconds */
};

struct imap_pool {
	char *name;
	unsigned max;
	double probe_idle;	/* seconds; negative: never */
	struct imap_pool_ops ops;
	void *arg;

	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a slot was freed */
	struct pool_entry *avail, **avail_tail;	/* oldest release first */
	unsigned n_avail, n_assigned;
	unsigned long opened, discarded;
};

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void default_close(struct imap_client **c)
{
	imap_client_close(c);
}

static void default_abort(struct imap_client **c)
{
	imap_client_abort(c);
}

struct imap_pool *imap_pool_new(const struct imap_pool_settings *s)
{
	struct imap_pool *p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(s->name ? s->name : "?");
	p->max = s->maxconnections ? s->maxconnections : 1;
	switch (s->probe_idle) {
	case 0:
		p->probe_idle = IMAP_POOL_PROBE_DEFAULT;
		break;
	case IMAP_POOL_PROBE_ALWAYS:
		p->probe_idle = 0;
		break;
	default:
		p->probe_idle = s->probe_idle < 0 ? -1 : s->probe_idle;
		break;
	}
	p->ops = s->ops;
	if (!p->ops.alive)
		p->ops.alive = imap_client_alive;
	if (!p->ops.noop)
		p->ops.noop = imap_client_noop;
	if (!p->ops.close)
		p->ops.close = default_close;
	if (!p->ops.abort)
		p->ops.abort = default_abort;
	p->arg = s->arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->avail_tail = &p->avail;
	return p;
}

void imap_pool_free(struct imap_pool **pp)
{
	struct imap_pool *p = *pp;
	if (!p)
		return;
	imap_pool_drop(p);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->name);
	free(p);
	*pp = NULL;
}

/* Call with the lock held. */
static void unlink_entry(struct imap_pool *p, struct pool_entry *e)
{
	struct pool_entry **pe;
	for (pe = &p->avail; *pe != e; pe = &(*pe)->next)
		;
	*pe = e->next;
	if (!*pe)
		p->avail_tail = pe;
	p->n_avail--;
	e->next = NULL;
}

/* Call with the lock held. */
static void append_entry(struct imap_pool *p, struct pool_entry *e)
{
	e->next = NULL;
	*p->avail_tail = e;
	p->avail_tail = &e->next;
	p->n_avail++;
}

/* Call with the lock held: the slot is free again. */
static void free_slot(struct imap_pool *p)
{
	p->n_assigned--;
	pthread_cond_broadcast(&p->cond);
}

/* Is this idle connection still usable?  Freed if not. */
static bool check_connection(struct imap_pool *p, struct imap_client **c,
			     double idle)
{
	char *err = NULL;
	if (!p->ops.alive(*c)) {
		ui_debug(OI_DEBUG_IMAP, "repository %s: pooled connection is dead; replacing it",
			 p->name);
		p->ops.abort(c);
		return false;
	}
	if (p->probe_idle < 0 || idle < p->probe_idle)
		return true;
	if (p->ops.noop(*c, &err) == 0)
		return true;
	ui_debug(OI_DEBUG_IMAP, "repository %s: pooled connection idle for %.0f s failed its NOOP (%s); replacing it",
		 p->name, idle, err ? err : "?");
	free(err);
	if (p->ops.alive(*c))
		p->ops.close(c);
	else
		p->ops.abort(c);
	return false;
}

int imap_pool_acquire(struct imap_pool *p, struct imap_client **c_r,
		      char **err_r)
{
	pthread_t self = pthread_self();

	pthread_mutex_lock(&p->lock);
	/* -d thread shows the wait (logged without our lock held). */
	if (p->n_assigned >= p->max && ui_debug_enabled(OI_DEBUG_THREAD)) {
		unsigned busy = p->n_assigned;
		pthread_mutex_unlock(&p->lock);
		ui_debug(OI_DEBUG_THREAD, "repository %s: waiting for a free "
			 "connection (%u in use)", p->name, busy);
		pthread_mutex_lock(&p->lock);
	}
	while (p->n_assigned >= p->max)
		pthread_cond_wait(&p->cond, &p->lock);
	p->n_assigned++;
	for (;;) {
		struct pool_entry *pick = NULL;
		for (struct pool_entry *e = p->avail; e; e = e->next)
			if (pthread_equal(e->last_user, self) &&
			    (!pick || e->released >= pick->released))
				pick = e;
		if (!pick)
			pick = p->avail;
		if (!pick)
			break;
		unlink_entry(p, pick);
		pthread_mutex_unlock(&p->lock);

		struct imap_client *c = pick->c;
		double idle = now_mono() - pick->released;
		free(pick);
		if (check_connection(p, &c, idle)) {
			*c_r = c;
			return 0;
		}
		pthread_mutex_lock(&p->lock);
		p->discarded++;
	}
	pthread_mutex_unlock(&p->lock);

	struct imap_client *c = NULL;
	if (p->ops.open(p->arg, &c, err_r) < 0) {
		pthread_mutex_lock(&p->lock);
		free_slot(p);
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	p->opened++;
	pthread_mutex_unlock(&p->lock);
	*c_r = c;
	return 0;
}

void imap_pool_release(struct imap_pool *p, struct imap_client **pc)
{
	struct imap_client *c = *pc;
	bool dead = c && !p->ops.alive(c);
	*pc = NULL;
	if (dead)
		p->ops.abort(&c);
	pthread_mutex_lock(&p->lock);
	if (dead)
		p->discarded++;
	if (c) {
		struct pool_entry *e = xcalloc(1, sizeof(*e));
		e->c = c;
		e->last_user = pthread_self();
		e->released = now_mono();
		append_entry(p, e);
	}
	free_slot(p);
	pthread_mutex_unlock(&p->lock);
}

void imap_pool_wait_free(struct imap_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->n_assigned >= p->max)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void imap_pool_drop(struct imap_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->n_assigned > 0)
		pthread_cond_wait(&p->cond, &p->lock);
	struct pool_entry *list = p->avail;
	p->avail = NULL;
	p->avail_tail = &p->avail;
	p->n_avail = 0;
	pthread_mutex_unlock(&p->lock);
	/* LOGOUT outside the lock: a slow server must not block others */
	while (list) {
		struct pool_entry *next = list->next;
		if (p->ops.alive(list->c))
			p->ops.close(&list->c);
		else
			p->ops.abort(&list->c);
		free(list);
		list = next;
	}
}

unsigned imap_pool_keepalive(struct imap_pool *p, unsigned *dead_r)
{
	double round = now_mono();
	unsigned ok = 0, dead = 0;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		struct pool_entry *e = p->avail;
		/* each connection once: released before this round began */
		while (e && e->released >= round)
			e = e->next;
		if (!e || p->n_assigned >= p->max) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		unlink_entry(p, e);
		p->n_assigned++;
		pthread_mutex_unlock(&p->lock);

		char *err = NULL;
		bool alive = p->ops.alive(e->c) && p->ops.noop(e->c, &err) == 0;
		if (!alive) {
			ui_debug(OI_DEBUG_IMAP, "repository %s: keep-alive NOOP failed (%s); dropping the connection",
				 p->name, err ? err : "connection dead");
			if (p->ops.alive(e->c))
				p->ops.close(&e->c);
			else
				p->ops.abort(&e->c);
		}
		free(err);
		pthread_mutex_lock(&p->lock);
		if (alive) {
			/* its last user stays the thread that worked on it */
			e->released = now_mono();
			append_entry(p, e);
			ok++;
		} else {
			free(e);
			dead++;
			p->discarded++;
		}
		free_slot(p);
		pthread_mutex_unlock(&p->lock);
	}
	if (dead_r)
		*dead_r = dead;
	return ok;
}

void imap_pool_get_stats(struct imap_pool *p, struct imap_pool_stats *st_r)
{
	pthread_mutex_lock(&p->lock);
	st_r->available = p->n_avail;
	st_r->assigned = p->n_assigned;
	st_r->opened = p->opened;
	st_r->discarded = p->discarded;
	pthread_mutex_unlock(&p->lock);
}
