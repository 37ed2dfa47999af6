/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named counting limits, first come first served: a ticket lock with
 * `size` tickets admitted at once, so a thread that gives its slot back
 * and asks again queues behind everyone already waiting (SPEC 9 row 14:
 * no account waits forever). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "limiter.h"
#include "util.h"

struct limiter {
	struct limiter *next;
	char *name;
	long size;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Tickets handed out, and the first ticket not admitted yet: ticket
	 * t may go when t < admitted.  Each release admits one more. */
	unsigned long long issued, admitted;
	long in_use;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct limiter *registry;

struct limiter *limiter_get(const char *name, long size)
{
	pthread_mutex_lock(&registry_lock);
	struct limiter *l;
	for (l = registry; l; l = l->next)
		if (strcmp(l->name, name) == 0)
			break;
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		l->name = xstrdup(name);
		l->size = size < 1 ? 1 : size;
		l->admitted = (unsigned long long)l->size;
		pthread_mutex_init(&l->lock, NULL);
		pthread_cond_init(&l->cond, NULL);
		l->next = registry;
		registry = l;
	}
	pthread_mutex_unlock(&registry_lock);
	return l;
}

const char *limiter_name(const struct limiter *l)
{
	return l->name;
}

long limiter_size(const struct limiter *l)
{
	return l->size;
}

long limiter_in_use(struct limiter *l)
{
	pthread_mutex_lock(&l->lock);
	long n = l->in_use;
	pthread_mutex_unlock(&l->lock);
	return n;
}

long limiter_waiting(struct limiter *l)
{
	pthread_mutex_lock(&l->lock);
	long n = l->issued > l->admitted ? (long)(l->issued - l->admitted)
					 : 0;
	pthread_mutex_unlock(&l->lock);
	return n;
}

bool limiter_try_acquire(struct limiter *l)
{
	bool ok = false;
	pthread_mutex_lock(&l->lock);
	/* issued < admitted means a ticket taken now is admitted at once,
	 * which also implies nobody is queued. */
	if (l->issued < l->admitted) {
		l->issued++;
		l->in_use++;
		ok = true;
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void limiter_acquire(struct limiter *l)
{
	pthread_mutex_lock(&l->lock);
	unsigned long long mine = l->issued++;
	while (mine >= l->admitted)
		pthread_cond_wait(&l->cond, &l->lock);
	l->in_use++;
	pthread_mutex_unlock(&l->lock);
}

void limiter_release(struct limiter *l)
{
	pthread_mutex_lock(&l->lock);
	l->in_use--;
	l->admitted++;
	/* Every waiter checks its own ticket; only the next one proceeds. */
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

void limiters_free_all(void)
{
	pthread_mutex_lock(&registry_lock);
	struct limiter *l = registry;
	registry = NULL;
	pthread_mutex_unlock(&registry_lock);
	while (l) {
		struct limiter *next = l->next;
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->cond);
		free(l->name);
		free(l);
		l = next;
	}
}
