/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named counting limits (SPEC 3.4): at most N holders at once, granted
 * strictly in the order they were asked for, shared by name across
 * accounts ("FOLDER_<repository>" is one limit for every account whose
 * remote repository it is).  Every function is thread-safe. */
#ifndef OI_LIMITER_H
#define OI_LIMITER_H

#include <stdbool.h>

struct limiter;

/* The limit called `name`: created with `size` holders (< 1 counts as 1)
 * the first time the name is asked for; later calls return the same
 * object and ignore `size`.  The object lives until limiters_free_all. */
struct limiter *limiter_get(const char *name, long size);

const char *limiter_name(const struct limiter *l);
long limiter_size(const struct limiter *l);
/* Holders and queued waiters right now (for messages; may change at
 * once). */
long limiter_in_use(struct limiter *l);
long limiter_waiting(struct limiter *l);

/* Take a slot if one is free and nobody is queued before us: returns
 * true when taken, false (without waiting) otherwise. */
bool limiter_try_acquire(struct limiter *l);
/* Take a slot, waiting behind everyone already queued (first come, first
 * served, so no waiter starves). */
void limiter_acquire(struct limiter *l);
/* Give a slot back; the longest waiter gets it. */
void limiter_release(struct limiter *l);

/* Free every limit.  Only when no thread holds or waits for any. */
void limiters_free_all(void);

#endif
