/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The account runner: one "Account sync <NAME>" thread per account, started
 * in configuration order while at most maxsyncaccounts run at once. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "config.h"
#include "cycle.h"
#include "lock.h"
#include "profile.h"
#include "ui.h"
#include "util.h"

struct account_job {
	const struct config *cfg;
	const struct run_options *run;
	const char *name;
	pthread_t thread;
	bool started;
	bool failed;
};

/* A counting slot limit (SPEC 3.4 ACCOUNTLIMIT): taken by the starter before
 * the thread starts, given back by the thread when it ends. */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_cond = PTHREAD_COND_INITIALIZER;
static long slots_free;

static void slot_take(void)
{
	pthread_mutex_lock(&slots_lock);
	while (slots_free == 0)
		pthread_cond_wait(&slots_cond, &slots_lock);
	slots_free--;
	pthread_mutex_unlock(&slots_lock);
}

static void slot_give(void)
{
	pthread_mutex_lock(&slots_lock);
	slots_free++;
	pthread_cond_signal(&slots_cond);
	pthread_mutex_unlock(&slots_lock);
}

/* One cycle of one account.  Returns 0 or -1 (errors already reported). */
static int account_sync_once(struct account_job *job)
{
	const struct config *cfg = job->cfg;
	struct sync_stats stats = { 0 };
	return account_cycle(cfg, job->name, job->run->metadata, &stats);
}

static void *account_thread(void *arg)
{
	struct account_job *job = arg;
	char *tname = xasprintf("Account sync %s", job->name);

	ui_thread_begin(tname, job->name);
	profile_thread_start();
	ui_acct(job->name);
	job->failed = account_sync_once(job) < 0;
	ui_acctdone(job->name);
	profile_thread_done(tname);
	ui_thread_end();
	free(tname);
	slot_give();
	return NULL;
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
	if (max < 1)
		max = 1;
	slots_free = max;

	while (accounts[n])
		n++;
	struct account_job *jobs = xcalloc(n, sizeof(*jobs));
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		jobs[i] = (struct account_job){
			.cfg = cfg, .run = run, .name = accounts[i],
		};
		slot_take();
		int e = pthread_create(&jobs[i].thread, NULL, account_thread,
				       &jobs[i]);
		if (e) {
			errno = e;
			char *msg = sys_errmsg("account \"%s\": cannot start "
					       "its thread", accounts[i]);
			ui_error("%s", msg);
			free(msg);
			slot_give();
			failed++;
			continue;
		}
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
	return failed;
}
