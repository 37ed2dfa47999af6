/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the named counting limits: sharing by name, the bound,
 * and first-come-first-served order. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "harness.h"
#include "limiter.h"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

TEST(same_name_same_limit)
{
	struct limiter *a = limiter_get("FOLDER_test1", 3);
	struct limiter *b = limiter_get("FOLDER_test1", 7);
	struct limiter *c = limiter_get("FOLDER_test2", 0);
	CHECK(a == b);
	CHECK(a != c);
	CHECK_INTEQ(limiter_size(a), 3);
	CHECK_INTEQ(limiter_size(c), 1);
	CHECK_STREQ(limiter_name(c), "FOLDER_test2");
	limiters_free_all();
}

TEST(try_acquire_respects_the_size)
{
	struct limiter *l = limiter_get("L", 2);
	CHECK(limiter_try_acquire(l));
	CHECK(limiter_try_acquire(l));
	CHECK(!limiter_try_acquire(l));
	CHECK_INTEQ(limiter_in_use(l), 2);
	limiter_release(l);
	CHECK_INTEQ(limiter_in_use(l), 1);
	CHECK(limiter_try_acquire(l));
	limiter_release(l);
	limiter_release(l);
	CHECK_INTEQ(limiter_in_use(l), 0);
	CHECK_INTEQ(limiter_waiting(l), 0);
	limiters_free_all();
}

struct fifo_arg {
	struct limiter *l;
	int id;
	int *order;
	atomic_int *n;
};

static void *fifo_waiter(void *p)
{
	struct fifo_arg *a = p;
	limiter_acquire(a->l);
	a->order[atomic_fetch_add(a->n, 1)] = a->id;
	limiter_release(a->l);
	return NULL;
}

/* With the slot taken, waiters queue in the order they asked; each is
 * admitted in that order however the scheduler wakes them. */
TEST(waiters_are_served_in_order)
{
	enum { N = 6 };
	struct limiter *l = limiter_get("ACCOUNTLIMIT", 1);
	pthread_t t[N];
	struct fifo_arg args[N];
	int order[N] = { 0 };
	atomic_int n = 0;

	limiter_acquire(l);
	for (int i = 0; i < N; i++) {
		args[i] = (struct fifo_arg){ l, i, order, &n };
		pthread_create(&t[i], NULL, fifo_waiter, &args[i]);
		for (int w = 0; w < 2000 && limiter_waiting(l) < i + 1; w++)
			nap_ms(1);
		CHECK_INTEQ(limiter_waiting(l), i + 1);
	}
	/* A try from outside must not jump the queue. */
	CHECK(!limiter_try_acquire(l));
	limiter_release(l);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	CHECK_INTEQ(n, N);
	for (int i = 0; i < N; i++)
		CHECK_INTEQ(order[i], i);
	CHECK_INTEQ(limiter_in_use(l), 0);
	limiters_free_all();
}

struct bound_arg {
	struct limiter *l;
	atomic_int *inside, *max;
};

static void *bounded_worker(void *p)
{
	struct bound_arg *a = p;
	limiter_acquire(a->l);
	int now = atomic_fetch_add(a->inside, 1) + 1;
	int m = atomic_load(a->max);
	while (now > m && !atomic_compare_exchange_weak(a->max, &m, now))
		;
	nap_ms(5);
	atomic_fetch_sub(a->inside, 1);
	limiter_release(a->l);
	return NULL;
}

TEST(never_more_holders_than_the_size)
{
	enum { N = 12 };
	struct limiter *l = limiter_get("FOLDER_bound", 3);
	pthread_t t[N];
	atomic_int inside = 0, max = 0;
	struct bound_arg a = { l, &inside, &max };

	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, bounded_worker, &a);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	CHECK(max <= 3);
	CHECK(max >= 1);
	CHECK_INTEQ(limiter_in_use(l), 0);
	limiters_free_all();
}

RUN_TESTS(same_name_same_limit, try_acquire_respects_the_size,
	  waiters_are_served_in_order, never_more_holders_than_the_size)
