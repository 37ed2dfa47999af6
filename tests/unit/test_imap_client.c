// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the IMAP client's helpers (UID-set compression and
 * splitting, RFC 3501 dates, flag names) and for the connection pool,
 * driven through fake connections. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "imap/client.h"
#include "imap/pool.h"
#include "util.h"

/* ---- UID sets ---- */

static char *joined(char **v)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; v[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", v[i]);
	return strbuf_detach(&sb);
}

TEST(uidset_compress)
{
	static const uint32_t uids[] = { 12, 5, 1, 2, 3, 4, 7, 9, 10, 11, 12,
					 0, 3 };
	size_t n;
	char **v = imap_uidset_split(uids, ARRAY_SIZE(uids), 1000, &n);
	CHECK_INTEQ(n, 1);
	char *j = joined(v);
	CHECK_STREQ(j, "1:5,7,9:12");
	free(j);
	strv_free(&v);

	v = imap_uidset_split(NULL, 0, 1000, &n);
	CHECK_INTEQ(n, 0);
	CHECK(v && v[0] == NULL);
	strv_free(&v);

	static const uint32_t zero[] = { 0, 0 };
	v = imap_uidset_split(zero, 2, 1000, &n);
	CHECK_INTEQ(n, 0);
	strv_free(&v);

	static const uint32_t big[] = { 4294967295u, 4294967294u, 1 };
	v = imap_uidset_split(big, 3, 1000, NULL);
	j = joined(v);
	CHECK_STREQ(j, "1,4294967294:4294967295");
	free(j);
	strv_free(&v);

	static const uint32_t single[] = { 42 };
	v = imap_uidset_split(single, 1, 1000, NULL);
	j = joined(v);
	CHECK_STREQ(j, "42");
	free(j);
	strv_free(&v);
}

/* Expand "1:3,7" back into a membership table. */
static void expand_set(const char *set, unsigned char *seen, size_t max,
		       uint32_t *last_r)
{
	const char *p = set;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (*end == ':')
			b = strtoul(end + 1, &end, 10);
		CHECK(a <= b && b < max);
		CHECK(a > *last_r || *last_r == 0);
		for (unsigned long u = a; u <= b && u < max; u++) {
			CHECK(!seen[u]);
			seen[u] = 1;
		}
		*last_r = (uint32_t)b;
		p = *end == ',' ? end + 1 : end;
	}
}

TEST(uidset_split_by_length)
{
	/* 3000 UIDs with gaps: every other one, plus some runs */
	enum { MAX = 9000 };
	uint32_t *uids = xmalloc(sizeof(uint32_t) * MAX);
	unsigned char *want = xcalloc(MAX, 1), *seen = xcalloc(MAX, 1);
	size_t n = 0;
	for (uint32_t u = MAX - 1; u >= 1; u--) {
		if (u % 2 == 0 || (u > 4000 && u < 4500)) {
			uids[n++] = u;
			want[u] = 1;
		}
	}
	for (size_t max_len = 10; max_len <= 1000; max_len += 330) {
		size_t n_sets;
		char **v = imap_uidset_split(uids, n, max_len, &n_sets);
		CHECK(n_sets > 1);
		memset(seen, 0, MAX);
		uint32_t last = 0;
		for (size_t i = 0; i < n_sets; i++) {
			CHECK(strlen(v[i]) <= max_len);
			/* sets are full: the next run would not have fit */
			if (v[i + 1]) {
				size_t next = strcspn(v[i + 1], ",");
				CHECK(strlen(v[i]) + 1 + next > max_len);
			}
			expand_set(v[i], seen, MAX, &last);
		}
		CHECK(memcmp(seen, want, MAX) == 0);
		strv_free(&v);
	}
	/* a limit below one number's length still makes progress */
	static const uint32_t two[] = { 123456, 123458 };
	size_t n_sets;
	char **v = imap_uidset_split(two, 2, 3, &n_sets);
	CHECK_INTEQ(n_sets, 2);
	CHECK_STREQ(v[0], "123456");
	CHECK_STREQ(v[1], "123458");
	strv_free(&v);
	free(uids);
	free(want);
	free(seen);
}

/* ---- Dates ---- */

TEST(date_format)
{
	char buf[IMAP_DATE_SIZE];
	CHECK_INTEQ(imap_format_date(0, 0, buf), 0);
	CHECK_STREQ(buf, " 1-Jan-1970 00:00:00 +0000");
	/* 2026-01-05 09:30:00 UTC */
	int64_t t = 1767605400;
	CHECK_INTEQ(imap_format_date(t, 0, buf), 0);
	CHECK_STREQ(buf, " 5-Jan-2026 09:30:00 +0000");
	/* negative half-hour zones: sign and magnitude, not floor division */
	CHECK_INTEQ(imap_format_date(t, -210, buf), 0);
	CHECK_STREQ(buf, " 5-Jan-2026 06:00:00 -0330");
	CHECK_INTEQ(imap_format_date(t, -30, buf), 0);
	CHECK_STREQ(buf, " 5-Jan-2026 09:00:00 -0030");
	CHECK_INTEQ(imap_format_date(t, 345, buf), 0);
	CHECK_STREQ(buf, " 5-Jan-2026 15:15:00 +0545");
	CHECK_INTEQ(imap_format_date(t, -600, buf), 0);
	CHECK_STREQ(buf, " 4-Jan-2026 23:30:00 -1000");
	/* every month name, in English whatever the locale */
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	for (int m = 0; m < 12; m++) {
		/* the 15th of each month of 2024 at noon UTC */
		static const int cum[] = { 0, 31, 60, 91, 121, 152, 182, 213,
					   244, 274, 305, 335 };
		int64_t day = 19723 + cum[m] + 14;	/* 2024-01-01 = 19723 */
		CHECK_INTEQ(imap_format_date(day * 86400 + 43200, 0, buf), 0);
		CHECK(strncmp(buf + 3, months[m], 3) == 0);
		CHECK(strncmp(buf, "15-", 3) == 0);
	}
	/* leap day, end of year, far future, before the epoch */
	CHECK_INTEQ(imap_format_date(1709208000, 0, buf), 0);
	CHECK_STREQ(buf, "29-Feb-2024 12:00:00 +0000");
	CHECK_INTEQ(imap_format_date(1735689599, 0, buf), 0);
	CHECK_STREQ(buf, "31-Dec-2024 23:59:59 +0000");
	CHECK_INTEQ(imap_format_date(253402300799LL, 0, buf), 0);
	CHECK_STREQ(buf, "31-Dec-9999 23:59:59 +0000");
	CHECK_INTEQ(imap_format_date(-1, 0, buf), 0);
	CHECK_STREQ(buf, "31-Dec-1969 23:59:59 +0000");
	CHECK_INTEQ(imap_format_date(-62135596800LL, 0, buf), 0);
	CHECK_STREQ(buf, " 1-Jan-0001 00:00:00 +0000");
	/* unrepresentable */
	CHECK_INTEQ(imap_format_date(-62135596801LL, 0, buf), -1);
	CHECK_INTEQ(imap_format_date(253402300800LL, 0, buf), -1);
	CHECK_INTEQ(imap_format_date(0, 24 * 60, buf), -1);
}

TEST(date_local_zone)
{
	char *saved = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	char buf[IMAP_DATE_SIZE];
	/* POSIX TZ strings need no tz database: 3:30 west of UTC */
	setenv("TZ", "NST3:30", 1);
	tzset();
	CHECK_INTEQ(imap_local_zone(1767605400), -210);
	CHECK_INTEQ(imap_format_date(1767605400, IMAP_ZONE_LOCAL, buf), 0);
	CHECK_STREQ(buf, " 5-Jan-2026 06:00:00 -0330");
	setenv("TZ", "NPT-5:45", 1);
	tzset();
	CHECK_INTEQ(imap_local_zone(1767605400), 345);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

TEST(date_parse)
{
	int64_t t;
	int zone;
	CHECK_INTEQ(imap_parse_date(" 5-Jan-2026 06:00:00 -0330", &t, &zone), 0);
	CHECK_INTEQ(t, 1767605400);
	CHECK_INTEQ(zone, -210);
	CHECK_INTEQ(imap_parse_date("05-jan-2026 09:30:00 +0000", &t, &zone), 0);
	CHECK_INTEQ(t, 1767605400);
	CHECK_INTEQ(zone, 0);
	CHECK_INTEQ(imap_parse_date("5-JAN-2026 15:15:00 +0545", &t, &zone), 0);
	CHECK_INTEQ(t, 1767605400);
	CHECK_INTEQ(zone, 345);
	CHECK_INTEQ(imap_parse_date("29-Feb-2024 12:00:00 +0000", &t, &zone), 0);
	CHECK_INTEQ(t, 1709208000);
	CHECK_INTEQ(imap_parse_date("31-Dec-1969 23:59:59 +0000", &t, &zone), 0);
	CHECK_INTEQ(t, -1);

	static const char *const bad[] = {
		"", "5-Jan-2026", "5-Jan-2026 06:00:00", "29-Feb-2025 00:00:00 +0000",
		"31-Apr-2026 00:00:00 +0000", "0-Jan-2026 00:00:00 +0000",
		"32-Jan-2026 00:00:00 +0000", "5-Foo-2026 00:00:00 +0000",
		"5-Jan-26 00:00:00 +0000", "5-Jan-2026 24:00:00 +0000",
		"5-Jan-2026 00:60:00 +0000", "5-Jan-2026 00:00:00 +2400",
		"5-Jan-2026 00:00:00 +0060", "5-Jan-2026 00:00:00 0000",
		"5-Jan-2026 00:00:00 +0000 ", "5-Jan-2026  0:00:00 +0000",
		"123-Jan-2026 00:00:00 +0000", "5-Jan-0000 00:00:00 +0000",
		"5-Jan-2026 00:00:00 +00", "\"5-Jan-2026 00:00:00 +0000\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (imap_parse_date(bad[i], &t, &zone) == 0) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			CHECK(0);
		}
	}
}

TEST(date_round_trip)
{
	char buf[IMAP_DATE_SIZE];
	int64_t t2;
	int zone2;
	/* many instants and every quarter-hour zone */
	for (int64_t t = -2000000000LL; t < 5000000000LL; t += 98765431) {
		for (int zone = -23 * 60 - 45; zone < 24 * 60; zone += 15) {
			CHECK_INTEQ(imap_format_date(t, zone, buf), 0);
			CHECK_INTEQ(imap_parse_date(buf, &t2, &zone2), 0);
			CHECK_INTEQ(t2, t);
			CHECK_INTEQ(zone2, zone);
			if (t2 != t || zone2 != zone)
				return;
		}
	}
}

TEST(flag_names)
{
	CHECK_STREQ(imap_flag_name(IMAP_FLAG_SEEN), "\\Seen");
	CHECK_STREQ(imap_flag_name(IMAP_FLAG_ANSWERED), "\\Answered");
	CHECK_STREQ(imap_flag_name(IMAP_FLAG_DELETED), "\\Deleted");
	CHECK_STREQ(imap_flag_name(IMAP_FLAG_DRAFT), "\\Draft");
	CHECK_STREQ(imap_flag_name(IMAP_FLAG_FLAGGED), "\\Flagged");
	CHECK(imap_flag_name(IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT) == NULL);
	CHECK(imap_flag_name(0) == NULL);
	CHECK_INTEQ(imap_flag_from_name("\\seen"), IMAP_FLAG_SEEN);
	CHECK_INTEQ(imap_flag_from_name("\\FLAGGED"), IMAP_FLAG_FLAGGED);
	CHECK_INTEQ(imap_flag_from_name("\\Recent"), IMAP_FLAG_RECENT);
	CHECK_INTEQ(imap_flag_from_name("$Forwarded"), 0);
	CHECK_INTEQ(imap_flag_from_name("Seen"), 0);
}

/* ---- The pool, with fake connections ---- */

struct fake {
	int id;
	bool alive;
	bool fail_noop;
	int noops;
};

struct fake_env {
	pthread_mutex_t lock;
	int next_id, opens, closes, aborts, fail_open;
	int in_use, max_in_use;
};

static struct fake_env env = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct fake *F(struct imap_client *c)
{
	return (struct fake *)(void *)c;
}

static int fake_open(void *arg, struct imap_client **c_r, char **err_r)
{
	(void)arg;
	pthread_mutex_lock(&env.lock);
	if (env.fail_open) {
		env.fail_open--;
		pthread_mutex_unlock(&env.lock);
		*err_r = xstrdup("cannot connect");
		return -1;
	}
	struct fake *f = xcalloc(1, sizeof(*f));
	f->id = ++env.next_id;
	f->alive = true;
	env.opens++;
	pthread_mutex_unlock(&env.lock);
	*c_r = (struct imap_client *)(void *)f;
	return 0;
}

static bool fake_alive(const struct imap_client *c)
{
	return ((const struct fake *)(const void *)c)->alive;
}

static int fake_noop(struct imap_client *c, char **err_r)
{
	struct fake *f = F(c);
	f->noops++;
	if (f->fail_noop) {
		f->alive = false;
		*err_r = xstrdup("connection reset");
		return -1;
	}
	return 0;
}

static void fake_close(struct imap_client **c)
{
	pthread_mutex_lock(&env.lock);
	env.closes++;
	pthread_mutex_unlock(&env.lock);
	free(*c);
	*c = NULL;
}

static void fake_abort(struct imap_client **c)
{
	pthread_mutex_lock(&env.lock);
	env.aborts++;
	pthread_mutex_unlock(&env.lock);
	free(*c);
	*c = NULL;
}

static struct imap_pool *fake_pool(unsigned max, int probe)
{
	pthread_mutex_lock(&env.lock);
	env.next_id = env.opens = env.closes = env.aborts = 0;
	env.fail_open = env.in_use = env.max_in_use = 0;
	pthread_mutex_unlock(&env.lock);
	struct imap_pool_settings s = {
		.name = "Remote", .maxconnections = max, .probe_idle = probe,
		.ops = { .open = fake_open, .alive = fake_alive,
			 .noop = fake_noop, .close = fake_close,
			 .abort = fake_abort },
	};
	return imap_pool_new(&s);
}

TEST(pool_lazy_and_reuse)
{
	struct imap_pool *p = fake_pool(3, IMAP_POOL_PROBE_NEVER);
	struct imap_client *c = NULL, *d = NULL;
	char *err = NULL;
	struct imap_pool_stats st;

	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.opened, 0);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->id, 1);
	imap_pool_release(p, &c);
	CHECK(c == NULL);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->id, 1);	/* reused, not reopened */
	CHECK_INTEQ(imap_pool_acquire(p, &d, &err), 0);
	CHECK_INTEQ(F(d)->id, 2);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.opened, 2);
	CHECK_INTEQ(st.assigned, 2);
	CHECK_INTEQ(st.available, 0);
	CHECK_INTEQ(F(c)->noops + F(d)->noops, 0);	/* probe: never */
	imap_pool_release(p, &c);
	imap_pool_release(p, &d);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.assigned, 0);
	CHECK_INTEQ(st.available, 2);
	imap_pool_drop(p);
	CHECK_INTEQ(env.closes, 2);	/* LOGOUT for each */
	CHECK_INTEQ(env.aborts, 0);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.available, 0);
	/* still usable after a drop */
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->id, 3);
	imap_pool_release(p, &c);
	imap_pool_free(&p);
	CHECK(p == NULL);
	CHECK_INTEQ(env.closes, 3);
}

struct pref_arg {
	struct imap_pool *p;
	struct imap_client *c;
	int phase;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void pref_wait(struct pref_arg *a, int phase)
{
	pthread_mutex_lock(&a->lock);
	while (a->phase < phase)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
}

static void pref_set(struct pref_arg *a, int phase)
{
	pthread_mutex_lock(&a->lock);
	a->phase = phase;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

static void *pref_thread(void *arg)
{
	struct pref_arg *a = arg;
	char *err = NULL;
	if (imap_pool_acquire(a->p, &a->c, &err) < 0)
		return NULL;
	pref_set(a, 1);
	pref_wait(a, 2);
	imap_pool_release(a->p, &a->c);	/* released first: the oldest */
	pref_set(a, 3);
	return NULL;
}

static void *other_thread(void *arg)
{
	struct pref_arg *a = arg;
	char *err = NULL;
	/* neither released it: gets the oldest available */
	if (imap_pool_acquire(a->p, &a->c, &err) == 0)
		imap_pool_release(a->p, &a->c);
	return NULL;
}

TEST(pool_prefers_own_connection)
{
	struct pref_arg a = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .cond = PTHREAD_COND_INITIALIZER };
	struct imap_client *mine = NULL, *again = NULL;
	char *err = NULL;
	pthread_t th;

	a.p = fake_pool(2, IMAP_POOL_PROBE_NEVER);
	CHECK_INTEQ(imap_pool_acquire(a.p, &mine, &err), 0);
	int my_id = F(mine)->id;
	pthread_create(&th, NULL, pref_thread, &a);
	pref_wait(&a, 1);
	pref_set(&a, 2);
	pref_wait(&a, 3);
	pthread_join(th, NULL);
	imap_pool_release(a.p, &mine);	/* released last: the newest */
	/* the oldest is the other thread's; we get our own back */
	CHECK_INTEQ(imap_pool_acquire(a.p, &again, &err), 0);
	CHECK_INTEQ(F(again)->id, my_id);
	imap_pool_release(a.p, &again);
	/* a third thread gets the one released longest ago */
	a.c = NULL;
	pthread_create(&th, NULL, other_thread, &a);
	pthread_join(th, NULL);
	/* now the other thread's connection is the newest; ours is the
	 * oldest, and we still prefer ours */
	CHECK_INTEQ(imap_pool_acquire(a.p, &again, &err), 0);
	CHECK_INTEQ(F(again)->id, my_id);
	imap_pool_release(a.p, &again);
	CHECK_INTEQ(env.opens, 2);
	imap_pool_free(&a.p);
}

struct worker_arg {
	struct imap_pool *p;
	int iterations;
	int errors;
};

static void *worker(void *arg)
{
	struct worker_arg *w = arg;
	for (int i = 0; i < w->iterations; i++) {
		struct imap_client *c = NULL;
		char *err = NULL;
		if (imap_pool_acquire(w->p, &c, &err) < 0) {
			free(err);
			w->errors++;
			continue;
		}
		pthread_mutex_lock(&env.lock);
		if (++env.in_use > env.max_in_use)
			env.max_in_use = env.in_use;
		pthread_mutex_unlock(&env.lock);
		usleep(200);
		pthread_mutex_lock(&env.lock);
		env.in_use--;
		pthread_mutex_unlock(&env.lock);
		imap_pool_release(w->p, &c);
	}
	return NULL;
}

TEST(pool_limits_concurrency)
{
	struct imap_pool *p = fake_pool(2, IMAP_POOL_PROBE_ALWAYS);
	struct worker_arg w[6];
	pthread_t th[6];
	for (int i = 0; i < 6; i++) {
		w[i] = (struct worker_arg){ .p = p, .iterations = 60 };
		pthread_create(&th[i], NULL, worker, &w[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK_INTEQ(w[i].errors, 0);
	}
	CHECK_INTEQ(env.max_in_use, 2);
	CHECK(env.opens <= 2);
	struct imap_pool_stats st;
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.assigned, 0);
	CHECK_INTEQ(st.available + 0ul, st.opened);
	imap_pool_free(&p);
	CHECK_INTEQ(env.closes, env.opens);
}

TEST(pool_replaces_dead_connections)
{
	struct imap_pool *p = fake_pool(2, IMAP_POOL_PROBE_NEVER);
	struct imap_client *c = NULL;
	char *err = NULL;
	struct imap_pool_stats st;

	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	imap_pool_release(p, &c);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	struct fake *f = F(c);
	imap_pool_release(p, &c);
	f->alive = false;	/* the server went away while it was idle */
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->id, 2);
	CHECK_INTEQ(env.aborts, 1);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.opened, 2);
	CHECK_INTEQ(st.discarded, 1);

	/* released dead: freed, not pooled */
	F(c)->alive = false;
	imap_pool_release(p, &c);
	CHECK_INTEQ(env.aborts, 2);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.available, 0);
	CHECK_INTEQ(st.assigned, 0);

	/* the caller closed it itself: the slot comes back */
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	fake_close(&c);
	imap_pool_release(p, &c);
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.assigned, 0);
	imap_pool_free(&p);
}

TEST(pool_probes_idle_connections)
{
	struct imap_pool *p = fake_pool(1, IMAP_POOL_PROBE_ALWAYS);
	struct imap_client *c = NULL;
	char *err = NULL;

	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->noops, 0);	/* new: no probe needed */
	imap_pool_release(p, &c);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->noops, 1);
	F(c)->fail_noop = true;	/* looks alive, but the peer is gone */
	imap_pool_release(p, &c);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->id, 2);
	CHECK_INTEQ(env.aborts, 1);
	imap_pool_release(p, &c);
	imap_pool_free(&p);

	/* a threshold: a connection idle for less is handed out as is */
	p = fake_pool(1, 3600);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	imap_pool_release(p, &c);
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	CHECK_INTEQ(F(c)->noops, 0);
	imap_pool_release(p, &c);
	imap_pool_free(&p);
}

TEST(pool_open_failure_frees_slot)
{
	struct imap_pool *p = fake_pool(1, IMAP_POOL_PROBE_NEVER);
	struct imap_client *c = NULL;
	char *err = NULL;

	env.fail_open = 1;
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), -1);
	CHECK_STREQ(err, "cannot connect");
	FREE(&err);
	/* with maxconnections 1 this would hang if the slot were lost */
	CHECK_INTEQ(imap_pool_acquire(p, &c, &err), 0);
	imap_pool_release(p, &c);
	imap_pool_free(&p);
}

static void *late_release(void *arg)
{
	struct pref_arg *a = arg;
	usleep(100 * 1000);
	pref_set(a, 1);
	imap_pool_release(a->p, &a->c);
	return NULL;
}

TEST(pool_drop_waits_for_assigned)
{
	struct pref_arg a = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .cond = PTHREAD_COND_INITIALIZER };
	struct imap_client *c = NULL;
	char *err = NULL;
	pthread_t th;

	a.p = fake_pool(2, IMAP_POOL_PROBE_NEVER);
	CHECK_INTEQ(imap_pool_acquire(a.p, &c, &err), 0);
	CHECK_INTEQ(imap_pool_acquire(a.p, &a.c, &err), 0);
	imap_pool_release(a.p, &c);
	pthread_create(&th, NULL, late_release, &a);
	imap_pool_drop(a.p);
	/* drop returned only after the other thread released its one */
	CHECK_INTEQ(a.phase, 1);
	CHECK_INTEQ(env.closes, 2);
	pthread_join(th, NULL);
	imap_pool_free(&a.p);
}

TEST(pool_keepalive)
{
	struct imap_pool *p = fake_pool(3, IMAP_POOL_PROBE_NEVER);
	struct imap_client *c[3] = { NULL };
	char *err = NULL;
	unsigned dead;

	CHECK_INTEQ(imap_pool_keepalive(p, &dead), 0);	/* nothing pooled */
	CHECK_INTEQ(dead, 0);
	for (int i = 0; i < 3; i++)
		CHECK_INTEQ(imap_pool_acquire(p, &c[i], &err), 0);
	struct fake *f0 = F(c[0]), *f1 = F(c[1]);
	f1->fail_noop = true;
	imap_pool_release(p, &c[0]);
	imap_pool_release(p, &c[1]);
	/* c[2] stays in use: keep-alive does not touch it */
	CHECK_INTEQ(imap_pool_keepalive(p, &dead), 1);
	CHECK_INTEQ(dead, 1);
	CHECK_INTEQ(f0->noops, 1);
	CHECK_INTEQ(F(c[2])->noops, 0);
	struct imap_pool_stats st;
	imap_pool_get_stats(p, &st);
	CHECK_INTEQ(st.available, 1);
	CHECK_INTEQ(st.assigned, 1);
	imap_pool_release(p, &c[2]);
	CHECK_INTEQ(imap_pool_keepalive(p, NULL), 2);
	imap_pool_free(&p);
}

TEST(pool_wait_free)
{
	struct pref_arg a = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .cond = PTHREAD_COND_INITIALIZER };
	char *err = NULL;
	pthread_t th;

	a.p = fake_pool(1, IMAP_POOL_PROBE_NEVER);
	imap_pool_wait_free(a.p);	/* free: returns at once */
	CHECK_INTEQ(imap_pool_acquire(a.p, &a.c, &err), 0);
	pthread_create(&th, NULL, late_release, &a);
	imap_pool_wait_free(a.p);
	CHECK_INTEQ(a.phase, 1);
	pthread_join(th, NULL);
	struct imap_pool_stats st;
	imap_pool_get_stats(a.p, &st);
	CHECK_INTEQ(st.assigned, 0);	/* waiting took nothing */
	imap_pool_free(&a.p);
}

RUN_TESTS(uidset_compress, uidset_split_by_length, date_format,
	  date_local_zone, date_parse, date_round_trip, flag_names,
	  pool_lazy_and_reuse, pool_prefers_own_connection,
	  pool_limits_concurrency, pool_replaces_dead_connections,
	  pool_probes_idle_connections, pool_open_failure_frees_slot,
	  pool_drop_waits_for_assigned, pool_keepalive, pool_wait_free)
