/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The account runner: one "Account sync <NAME>" thread per account,
 * started in configuration order; each holds an account slot only while it
 * syncs, and between autorefresh cycles sleeps through the UI with a
 * keep-alive companion (SPEC 3.2, 3.6). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "config.h"
#include "cycle.h"
#include "limiter.h"
#include "profile.h"
#include "ui.h"
#include "util.h"

struct account_job {
	const struct config *cfg;
	const struct run_options *run;
	const char *name;
	struct limiter *slots;	/* ACCOUNTLIMIT */
	int refresh;		/* seconds between cycles, 0 = sync once */
	pthread_t thread;
	bool started;
	bool failed;		/* some cycle reported an error */
};

/* SIGUSR2 (accounts_request_stop).  The lock and condition also serve
 * the sleep companions, which must notice the request at once. */
static atomic_bool stop_requested;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;

void accounts_request_stop(void)
{
	pthread_mutex_lock(&sleep_lock);
	atomic_store(&stop_requested, true);
	pthread_cond_broadcast(&sleep_cond);
	pthread_mutex_unlock(&sleep_lock);
	ui_request_sync_now(NULL);
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec mono_at(double t)
{
	struct timespec ts;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void take_account_slot(struct account_job *job)
{
	if (limiter_try_acquire(job->slots))
		return;
	ui_debug(OI_DEBUG_THREAD, "account \"%s\": waiting for an account "
		 "slot (%ld of %ld in use)", job->name,
		 limiter_in_use(job->slots), limiter_size(job->slots));
	limiter_acquire(job->slots);
	ui_debug(OI_DEBUG_THREAD, "account \"%s\": got an account slot",
		 job->name);
}

/* ---- sleeping between cycles ---- */

/* Runs while its account sleeps: NOOPs the connections kept open every
 * `keepalive` seconds, and turns a stop request (SIGUSR2) into a sync-now
 * for its account, repeated until the sleep ends, because a request that
 * comes just before ui_sleep starts waiting would otherwise be lost. */
struct companion {
	struct account_ctx *a;
	const char *account;
	int keepalive;
	bool over;		/* under sleep_lock */
};

static void *companion_thread(void *arg)
{
	struct companion *c = arg;
	char *tname = NULL;

	if (c->keepalive) {
		tname = xasprintf("Keep alive %s",
				  account_remote_repository(c->a));
		ui_thread_begin(tname, c->account);
		profile_thread_start();
		ui_debug(OI_DEBUG_THREAD, "thread \"%s\" started (every %d "
			 "seconds)", tname, c->keepalive);
	}
	double next = now_mono() + c->keepalive;
	pthread_mutex_lock(&sleep_lock);
	while (!c->over) {
		double deadline;
		if (atomic_load(&stop_requested)) {
			pthread_mutex_unlock(&sleep_lock);
			ui_request_sync_now(c->account);
			pthread_mutex_lock(&sleep_lock);
			deadline = now_mono() + 0.1;
		} else {
			deadline = c->keepalive ? next : now_mono() + 3600;
		}
		struct timespec ts = mono_at(deadline);
		pthread_cond_clockwait(&sleep_cond, &sleep_lock,
				       CLOCK_MONOTONIC, &ts);
		if (c->over || !c->keepalive || now_mono() < next)
			continue;
		pthread_mutex_unlock(&sleep_lock);
		account_keepalive(c->a);
		next = now_mono() + c->keepalive;
		pthread_mutex_lock(&sleep_lock);
	}
	pthread_mutex_unlock(&sleep_lock);
	if (tname) {
		ui_debug(OI_DEBUG_THREAD, "thread \"%s\" ended", tname);
		profile_thread_done(tname);
		ui_thread_end();
		free(tname);
	}
	return NULL;
}

/* The sleep between two cycles.  Returns ui_sleep's result: 0 time up,
 * 1 sync now, 2 quit. */
static int account_sleep(struct account_job *job, struct account_ctx *a)
{
	struct companion c = {
		.a = a, .account = job->name,
		.keepalive = account_keepalive_interval(a),
	};
	pthread_t t;
	int e = pthread_create(&t, NULL, companion_thread, &c);
	if (e) {
		/* Sleep all the same; only keep-alive and SIGUSR2's
		 * promptness are lost. */
		ui_warn(true, "account \"%s\": cannot start the keep-alive "
			"thread: %s", job->name, strerror(e));
	}
	struct profile_mark m;
	profile_begin(&m);
	int r = ui_sleep(job->name, job->refresh);
	profile_end(&m, "sleep");
	if (!e) {
		pthread_mutex_lock(&sleep_lock);
		c.over = true;
		pthread_cond_broadcast(&sleep_cond);
		pthread_mutex_unlock(&sleep_lock);
		pthread_join(t, NULL);
	}
	return r;
}

/* ---- the account thread ---- */

static void summary(const struct account_job *job,
		    const struct cycle_stats *cs, double elapsed)
{
	const struct sync_stats *s = &cs->sync;
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addf(&sb, "Account %s: %lu folder%s synced", job->name,
		    cs->folders_synced, cs->folders_synced == 1 ? "" : "s");
	if (cs->folders_failed)
		strbuf_addf(&sb, ", %lu not synced", cs->folders_failed);
	strbuf_addf(&sb, "; messages: %lu downloaded, %lu uploaded; flags: "
		    "%lu changed; deletions: %lu; warnings: %lu; errors: %lu; "
		    "%.1f seconds",
		    s->downloaded, s->uploaded,
		    s->flags_local + s->flags_remote,
		    s->deleted_local + s->deleted_remote,
		    ui_warnings_take(job->name), cs->errors, elapsed);
	ui_info(OI_UI_NORMAL, "%s", sb.buf);
	strbuf_release(&sb);
}

static void *account_thread(void *arg)
{
	struct account_job *job = arg;
	char *tname = xasprintf("Account sync %s", job->name);
	bool have_slot = true;	/* the starter took the first one for us */

	ui_thread_begin(tname, job->name);
	profile_thread_start();
	ui_debug(OI_DEBUG_THREAD, "thread \"%s\" started", tname);
	ui_acct(job->name);

	struct profile_mark m;
	profile_begin(&m);
	struct account_ctx *a = account_open(job->cfg, job->name,
					     job->run->metadata,
					     job->run->single);
	profile_end(&m, "open account");
	if (!a)
		job->failed = true;
	for (unsigned cycle = 1; a; cycle++) {
		if (!have_slot) {
			take_account_slot(job);
			have_slot = true;
		}
		/* After SIGUSR2 an account that has synced once does not
		 * start another cycle. */
		if (ui_quit_requested(NULL) ||
		    (cycle > 1 && atomic_load(&stop_requested)))
			break;
		struct cycle_stats cs;
		double start = now_mono();
		profile_begin(&m);
		if (account_cycle(a, &cs) < 0)
			job->failed = true;
		profile_end(&m, "cycle");
		summary(job, &cs, now_mono() - start);
		if (!job->refresh || ui_quit_requested(NULL) ||
		    atomic_load(&stop_requested))
			break;
		/* Sleeping: the slot goes to whoever waits for it. */
		limiter_release(job->slots);
		have_slot = false;
		ui_debug(OI_DEBUG_THREAD, "account \"%s\": cycle %u done; "
			 "next in %d seconds", job->name, cycle, job->refresh);
		if (account_sleep(job, a) == 2 || atomic_load(&stop_requested))
			break;
	}
	/* Held connections are logged out before the account is done. */
	account_close(&a);
	ui_acctdone(job->name);
	ui_debug(OI_DEBUG_THREAD, "thread \"%s\" ended", tname);
	profile_thread_done(tname);
	ui_thread_end();
	free(tname);
	/* Last, so that with one slot the next account's start follows this
	 * one's end. */
	if (have_slot)
		limiter_release(job->slots);
	return NULL;
}

/* autorefresh in whole seconds (SPEC 3.6: int(minutes * 60)); at least
 * one, so a tiny value cannot spin.  0 = sync once. */
static int refresh_seconds(const struct config *cfg, const char *account,
			   bool once, bool *bad_r)
{
	char *sec = xasprintf("Account %s", account);
	char *err = NULL;
	double minutes = 0;
	int secs = 0;

	*bad_r = false;
	if (config_get_float(cfg, sec, "autorefresh", &minutes, &err) < 0) {
		ui_error("account \"%s\": %s", account, err);
		free(err);
		*bad_r = true;
	} else if (!once && minutes > 0) {
		double s = minutes * 60;
		secs = s > 365.0 * 86400 ? 365 * 86400 : (int)s;
		if (secs < 1)
			secs = 1;
	}
	free(sec);
	return secs;
}

int accounts_run(const struct config *cfg, const char *const *accounts,
		 const struct run_options *run)
{
	long max = 1;
	char *err = NULL;
	size_t n = 0;

	if (!run->single &&
	    config_get_int(cfg, "general", "maxsyncaccounts", &max, &err) < 0) {
		/* config_validate checked the type already. */
		ui_error("%s", err);
		free(err);
		return 1;
	}
	struct limiter *slots = limiter_get("ACCOUNTLIMIT", max);

	while (accounts[n])
		n++;
	struct account_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	int failed = 0;
	for (size_t i = 0; i < n && !ui_quit_requested(NULL); i++) {
		bool bad;
		jobs[i] = (struct account_job){
			.cfg = cfg, .run = run, .name = accounts[i],
			.slots = slots,
			.refresh = refresh_seconds(cfg, accounts[i], run->once,
						   &bad),
		};
		if (bad) {
			failed++;
			continue;
		}
		/* Taken here, before the thread exists (SPEC 3.4), so the
		 * accounts start in order. */
		take_account_slot(&jobs[i]);
		if (ui_quit_requested(NULL)) {
			limiter_release(slots);
			break;
		}
		int e = pthread_create(&jobs[i].thread, NULL, account_thread,
				       &jobs[i]);
		if (e) {
			errno = e;
			char *msg = sys_errmsg("account \"%s\": cannot start "
					       "its thread", accounts[i]);
			ui_error("%s", msg);
			free(msg);
			limiter_release(slots);
			failed++;
			continue;
		}
		ui_debug(OI_DEBUG_THREAD, "started the thread of account "
			 "\"%s\"", accounts[i]);
		jobs[i].started = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i].started)
			continue;
		pthread_join(jobs[i].thread, NULL);
		if (jobs[i].failed)
			failed++;
	}
	free(jobs);
	limiters_free_all();
	return failed;
}
