/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One account's stores and one sync cycle (SPEC 4.1-4.2): mirror the
 * folder structure from the server, then sync the folder pairs in
 * parallel on folder threads bounded per remote repository (SPEC 3.4). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cycle.h"
#include "folders.h"
#include "fsutil.h"
#include "hooks.h"
#include "imap/mapped.h"
#include "imap/store.h"
#include "limiter.h"
#include "maildir/store.h"
#include "mbnames.h"
#include "pathname.h"
#include "profile.h"
#include "sync.h"
#include "ui.h"
#include "util.h"

struct account_ctx {
	const struct config *cfg;
	char *name;
	const char *metadata;
	const char *lrepo, *rrepo;	/* owned by cfg */
	struct store *local, *remote;
	bool ignore_ro, mass;
	int keepalive;			/* seconds, 0 = off */
	struct limiter *folder_limit;	/* FOLDER_<remote repository> */
};

/* What the folder threads of one cycle share. */
struct cycle_shared {
	pthread_mutex_t lock;
	bool account_failed;	/* an account-level error was reported */
	unsigned long errors;
};

struct folder_task {
	struct account_ctx *a;
	struct cycle_shared *sh;
	struct sync_folder_job job;
	const char *visible;
	char *tname;
	char *sname, *lbase, *rbase;
	struct sync_stats stats;
	int result;
	pthread_t thread;
	bool started;
};

/* The store of repository `repo` for one side of `account`; `metadata` is
 * the metadata directory (an IMAP local side keeps its UID mapping there). */
static struct store *make_store(const struct config *cfg, const char *account,
				const char *repo, bool local,
				const char *metadata, char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	const char *type = NULL;
	struct store *st = NULL;

	if (config_get(cfg, sec, "type", &type, err_r) < 0)
		goto out;
	if (type && strcmp(type, "Maildir") == 0 && local)
		st = maildir_store_new(cfg, repo, err_r);
	else if (type && strcmp(type, "IMAP") == 0 && !local)
		st = imap_store_new(cfg, account, repo, err_r);
	else if (type && strcmp(type, "IMAP") == 0)
		st = mapped_imap_store_new(cfg, account, repo, metadata,
					   err_r);
	else
		*err_r = xasprintf("[%s] type = %s cannot be the %s side in "
				   "this version", sec, type ? type : "",
				   local ? "local" : "remote");
out:
	free(sec);
	return st;
}

/* The keep-alive interval of one side: its repository's `keepalive` when
 * it holds connections open (without holdconnectionopen the pool is empty
 * while the account sleeps: nothing to keep alive), else 0. */
static int repo_keepalive(const struct config *cfg, const char *repo,
			  struct store *st, int *secs_r, char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	long keepalive = 0;
	bool hold = false;
	int r = 0;

	*secs_r = 0;
	if (st->ops->keepalive &&
	    (config_get_int(cfg, sec, "keepalive", &keepalive, err_r) < 0 ||
	     config_get_bool(cfg, sec, "holdconnectionopen", &hold,
			     err_r) < 0))
		r = -1;
	else if (hold && keepalive > 0)
		*secs_r = keepalive > 86400 ? 86400 : (int)keepalive;
	free(sec);
	return r;
}

struct account_ctx *account_open(const struct config *cfg,
				 const char *account, const char *metadata,
				 bool single)
{
	struct account_ctx *a = xcalloc(1, sizeof(*a));
	char *sec = xasprintf("Account %s", account);
	char *rsec = NULL;
	char *err = NULL;
	long maxconn = 1;

	a->cfg = cfg;
	a->name = xstrdup(account);
	a->metadata = metadata;
	if (config_get(cfg, sec, "localrepository", &a->lrepo, &err) <= 0 ||
	    config_get(cfg, sec, "remoterepository", &a->rrepo, &err) <= 0 ||
	    config_get_bool(cfg, "general", "ignore-readonly", &a->ignore_ro,
			    &err) < 0 ||
	    config_get_bool(cfg, sec, "allow_mass_delete", &a->mass,
			    &err) < 0)
		goto fail;
	rsec = xasprintf("Repository %s", a->rrepo);
	if (config_get_int(cfg, rsec, "maxconnections", &maxconn, &err) < 0)
		goto fail;
	if (!(a->remote = make_store(cfg, account, a->rrepo, false, metadata,
				     &err)) ||
	    !(a->local = make_store(cfg, account, a->lrepo, true, metadata,
				    &err)))
		goto fail;
	int lka = 0, rka = 0;
	if (repo_keepalive(cfg, a->rrepo, a->remote, &rka, &err) < 0 ||
	    repo_keepalive(cfg, a->lrepo, a->local, &lka, &err) < 0)
		goto fail;
	a->keepalive = !lka ? rka : !rka ? lka : lka < rka ? lka : rka;
	char *lname = xasprintf("FOLDER_%s", a->rrepo);
	a->folder_limit = limiter_get(lname, single ? 1 : maxconn);
	free(lname);
	free(rsec);
	free(sec);
	return a;

fail:
	ui_error("account \"%s\": %s", account,
		 err ? err : "repositories not configured");
	free(err);
	free(rsec);
	free(sec);
	account_close(&a);
	return NULL;
}

void account_close(struct account_ctx **pa)
{
	struct account_ctx *a = *pa;
	if (!a)
		return;
	if (a->local)
		a->local->ops->free(&a->local);
	if (a->remote)
		a->remote->ops->free(&a->remote);
	free(a->name);
	free(a);
	*pa = NULL;
}

int account_keepalive_interval(const struct account_ctx *a)
{
	return a->keepalive;
}

void account_keepalive(struct account_ctx *a)
{
	struct profile_mark m;
	profile_begin(&m);
	if (a->remote->ops->keepalive)
		a->remote->ops->keepalive(a->remote);
	if (a->local->ops->keepalive)
		a->local->ops->keepalive(a->local);
	profile_end(&m, "keepalive");
}

const char *account_remote_repository(const struct account_ctx *a)
{
	return a->rrepo;
}

static int ensure_dir(const char *path)
{
	char *err = NULL;
	if (fsutil_mkdir_0700(path, NULL, &err) == 0)
		return 0;
	ui_error("%s", err);
	free(err);
	return -1;
}

static char *sep_string(char sep, char buf[2])
{
	buf[0] = sep;
	buf[1] = '\0';
	return sep ? buf : NULL;
}

static void count_stats(const struct sync_stats *s)
{
	if (!profile_enabled())
		return;
	profile_count("messages downloaded", s->downloaded);
	profile_count("messages uploaded", s->uploaded);
	profile_count("deleted locally", s->deleted_local);
	profile_count("deleted on server", s->deleted_remote);
	profile_count("flag changes local", s->flags_local);
	profile_count("flag changes server", s->flags_remote);
	profile_count("messages skipped", s->msg_errors);
}

/* Report a folder's failure once.  Account-level failures (the connection
 * died, the login failed) are usually met by every folder running at the
 * time: the first is the account's error, the others only say which
 * folders were left unsynced. */
static void report_folder(struct folder_task *t, int r, char *err)
{
	struct cycle_shared *sh = t->sh;
	const char *acct = t->a->name, *folder = t->job.remote_name;

	pthread_mutex_lock(&sh->lock);
	bool first_account_error = false;
	if (r == STORE_EACCOUNT) {
		first_account_error = !sh->account_failed;
		sh->account_failed = true;
	}
	if (r == STORE_EFOLDER || first_account_error ||
	    (r != STORE_EACCOUNT && r != STORE_ECANCELED && err))
		sh->errors++;
	pthread_mutex_unlock(&sh->lock);

	if (r == STORE_ECANCELED) {
		ui_debug(OI_DEBUG_THREAD, "folder \"%s\": stopped (quit "
			 "requested)", folder);
	} else if (r == STORE_EACCOUNT && !first_account_error) {
		ui_info(OI_UI_VERBOSE, "account \"%s\", folder \"%s\": not "
			"synced (%s)", acct, folder,
			err ? err : "account error");
	} else if (r == STORE_EACCOUNT) {
		ui_error("account \"%s\", folder \"%s\": %s; the account "
			 "stops this cycle", acct, folder,
			 err ? err : "connection lost");
	} else if (err) {
		ui_error("account \"%s\", folder \"%s\": %s", acct, folder,
			 err);
	}
}

static void *folder_thread(void *arg)
{
	struct folder_task *t = arg;
	char *err = NULL;

	ui_thread_begin(t->tname, t->a->name);
	profile_thread_start();
	ui_debug(OI_DEBUG_THREAD, "thread \"%s\" started", t->tname);

	struct profile_mark m;
	profile_begin(&m);
	t->result = sync_folder(&t->job, &t->stats, &err);
	profile_end(&m, "sync folder");
	if (t->result != STORE_OK)
		report_folder(t, t->result, err);
	free(err);
	count_stats(&t->stats);

	ui_debug(OI_DEBUG_THREAD, "thread \"%s\" ended", t->tname);
	profile_thread_done(t->tname);
	ui_thread_end();
	/* Last: the slot bounds live threads, not just syncing ones. */
	limiter_release(t->a->folder_limit);
	return NULL;
}

static bool stop_starting(struct cycle_shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	bool stop = sh->account_failed;
	pthread_mutex_unlock(&sh->lock);
	return stop || ui_quit_requested(NULL);
}

static void take_folder_slot(struct account_ctx *a, const char *folder)
{
	if (limiter_try_acquire(a->folder_limit))
		return;
	struct limiter *l = a->folder_limit;
	ui_debug(OI_DEBUG_THREAD, "folder \"%s\": waiting for a folder slot "
		 "of repository %s (%ld of %ld in use)", folder, a->rrepo,
		 limiter_in_use(l), limiter_size(l));
	limiter_acquire(a->folder_limit);
	ui_debug(OI_DEBUG_THREAD, "folder \"%s\": got a folder slot", folder);
}

/* Build each pair's job; a pair whose metadata names cannot be made is
 * reported and left out. */
static size_t make_tasks(struct account_ctx *a, struct cycle_shared *sh,
			 const struct folder_pair *pairs, size_t n,
			 const char *statusdir, const char *lvdir,
			 const char *rvdir, struct folder_task *tasks)
{
	char rsepbuf[2], lsepbuf[2];
	const char *rsep = sep_string(a->remote->ops->separator(a->remote),
				      rsepbuf);
	const char *lsep = sep_string(a->local->ops->separator(a->local),
				      lsepbuf);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct folder_task *t = &tasks[k];
		char *err = NULL;
		*t = (struct folder_task){ .a = a, .sh = sh,
					   .visible = pairs[i].visible };
		if (pathname_metadata_name(pairs[i].visible, rsep, &t->sname,
					   &err) < 0 ||
		    pathname_metadata_name(pairs[i].local, lsep, &t->lbase,
					   &err) < 0 ||
		    pathname_metadata_name(pairs[i].remote, rsep, &t->rbase,
					   &err) < 0) {
			ui_error("account \"%s\", folder \"%s\": %s", a->name,
				 pairs[i].remote, err);
			free(err);
			free(t->sname);
			free(t->lbase);
			free(t->rbase);
			sh->errors++;
			continue;
		}
		t->job = (struct sync_folder_job){
			.account = a->name,
			.local = a->local, .remote = a->remote,
			.local_name = pairs[i].local,
			.remote_name = pairs[i].remote,
			.status_dir = statusdir,
			.status_name = t->sname,
			.local_validity_dir = lvdir,
			.local_validity_name = t->lbase,
			.remote_validity_dir = rvdir,
			.remote_validity_name = t->rbase,
			.ignore_readonly = a->ignore_ro,
			.allow_mass_delete = a->mass,
		};
		t->tname = xasprintf("Folder sync %s[%s]", a->name,
				     pairs[i].visible);
		k++;
	}
	return k;
}

/* Start the folder threads in order, each once its repository has a free
 * slot, and wait for all of them. */
static void run_tasks(struct account_ctx *a, struct cycle_shared *sh,
		      struct folder_task *tasks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct folder_task *t = &tasks[i];
		if (stop_starting(sh))
			break;
		take_folder_slot(a, t->visible);
		if (stop_starting(sh)) {
			limiter_release(a->folder_limit);
			break;
		}
		/* SPEC 5.12: the folders started, in start order. */
		mbnames_add(a->name, t->job.local_name);
		int e = pthread_create(&t->thread, NULL, folder_thread, t);
		if (e) {
			errno = e;
			char *msg = sys_errmsg("account \"%s\", folder \"%s\": "
					       "cannot start its thread",
					       a->name, t->job.remote_name);
			ui_error("%s", msg);
			free(msg);
			limiter_release(a->folder_limit);
			pthread_mutex_lock(&sh->lock);
			sh->errors++;
			pthread_mutex_unlock(&sh->lock);
			continue;
		}
		t->started = true;
	}
	for (size_t i = 0; i < n; i++)
		if (tasks[i].started)
			pthread_join(tasks[i].thread, NULL);
}

int account_cycle(struct account_ctx *a, struct cycle_stats *stats)
{
	struct folder_pair *pairs = NULL;
	struct folder_task *tasks = NULL;
	size_t n = 0, ntasks = 0;
	struct cycle_shared sh = { .account_failed = false };

	pthread_mutex_init(&sh.lock, NULL);
	memset(stats, 0, sizeof(*stats));

	/* A failed presynchook (reported) skips the cycle. */
	if (hooks_presync(a->cfg, a->name) < 0) {
		stats->errors = 1;
		pthread_mutex_destroy(&sh.lock);
		return -1;
	}

	/* Metadata layout of SPEC 5.1, each level created 0700; checked
	 * every cycle so a directory removed meanwhile comes back. */
	char *acctdir = xasprintf("%s/Account-%s", a->metadata, a->name);
	char *lrdir = xasprintf("%s/Repository-%s", a->metadata, a->lrepo);
	char *rrdir = xasprintf("%s/Repository-%s", a->metadata, a->rrepo);
	char *statusdir = xasprintf("%s/LocalStatus", acctdir);
	char *lvdir = xasprintf("%s/FolderValidity", lrdir);
	char *rvdir = xasprintf("%s/FolderValidity", rrdir);
	int dirs = ensure_dir(acctdir) | ensure_dir(statusdir) |
		   ensure_dir(lrdir) | ensure_dir(lvdir) | ensure_dir(rrdir) |
		   ensure_dir(rvdir);
	free(acctdir);
	free(lrdir);
	free(rrdir);
	if (dirs) {
		sh.errors++;
		sh.account_failed = true;
		goto out;
	}

	/* The first cycle's list includes connecting and logging in. */
	struct profile_mark m;
	profile_begin(&m);
	int pr = folders_plan(a->cfg, a->name, a->remote, a->local, &pairs,
			      &n);
	profile_end(&m, "list folders");
	if (pr < 0) {
		/* Reported by folders_plan. */
		sh.errors++;
		sh.account_failed = true;
		goto out;
	}
	/* Some folders were left out (reported): the others still sync, but
	 * the run did not sync everything. */
	if (pr > 0)
		sh.errors++;

	tasks = xcalloc(n ? n : 1, sizeof(*tasks));
	ntasks = make_tasks(a, &sh, pairs, n, statusdir, lvdir, rvdir, tasks);
	stats->folders_failed += n - ntasks;
	profile_begin(&m);
	run_tasks(a, &sh, tasks, ntasks);
	profile_end(&m, "sync folders");

	for (size_t i = 0; i < ntasks; i++) {
		struct folder_task *t = &tasks[i];
		struct sync_stats *s = &t->stats, *sum = &stats->sync;
		sum->downloaded += s->downloaded;
		sum->uploaded += s->uploaded;
		sum->deleted_local += s->deleted_local;
		sum->deleted_remote += s->deleted_remote;
		sum->flags_local += s->flags_local;
		sum->flags_remote += s->flags_remote;
		sum->msg_errors += s->msg_errors;
		if (t->started && (t->result == STORE_OK ||
				   t->result == STORE_EMSG))
			stats->folders_synced++;
		else if (t->started && t->result != STORE_ECANCELED)
			stats->folders_failed++;
		else if (!t->started && sh.account_failed)
			stats->folders_failed++;
		/* Skipped messages are counted by the engine; make sure a
		 * folder that says it skipped some fails the run anyway. */
		if (t->result == STORE_EMSG && !s->msg_errors)
			sh.errors++;
		free(t->tname);
		free(t->sname);
		free(t->lbase);
		free(t->rbase);
	}
	/* SPEC 4.1 step 5: every folder thread of the account is done. */
	if (mbnames_write() < 0)
		sh.errors++;
out:
	free(tasks);
	folder_pairs_free(&pairs, n);
	/* Log out (or keep, with holdconnectionopen) once no folder uses a
	 * connection any more; restoreatime's records end here too. */
	a->local->ops->end_cycle(a->local);
	a->remote->ops->end_cycle(a->remote);
	free(statusdir);
	free(lvdir);
	free(rvdir);
	/* After a failed cycle too; a failure (reported) fails the cycle. */
	if (hooks_postsync(a->cfg, a->name) < 0)
		sh.errors++;

	stats->account_failed = sh.account_failed;
	stats->errors = sh.errors + stats->sync.msg_errors;
	pthread_mutex_destroy(&sh.lock);
	return stats->errors || stats->folders_failed ||
	       stats->account_failed ? -1 : 0;
}
