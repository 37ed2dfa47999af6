/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two-way sync of one folder pair (SPEC 4.3-4.4), written once for every
 * kind of store.  Order of the calls, as in 4.0 (the pre-pass and call A
 * only when the status existed, i.e. not on a folder's first sync):
 *   pre-pass   UIDs in L and S that vanished from R are deleted from L
 *              and S;
 *   call A     L into S, applying to [R, S]: uploads, local deletions and
 *              local flag changes reach the server;
 *   call B     R into L, applying to [L, S]: downloads, server deletions,
 *              server flags;
 *   call C     L into S, applying to [S]: the status becomes L's image.
 * Fixes of SPEC 9: a message on both sides but not in the status is adopted,
 * never uploaded again (row 6); an upload whose UID was not learned keeps
 * the local copy (row 5); an upload interrupted by a crash is found again by
 * its token before anything is uploaded twice (8.4); a local folder that
 * lost all its messages does not empty the server (row 7: the whole folder
 * is skipped, checked before anything changes); read-only server folders
 * keep local data (row 4).  A first sync always leaves a status file, even
 * an empty one, so that the next sync uploads new local messages.
 *
 * FMD5 scope (row 11).  A file's ",U=" is trusted as "this is the server's
 * message U" only when the status recorded U, i.e. when this program put
 * it there.  So in the outcome table of SPEC 4.8:
 *   - "L, S, no R" (deleted on the server): the local copy is deleted, as
 *     in 4.0 (pre-pass);
 *   - "L, no S, no R" (4.0: deleted by the pre-pass, or on a first sync by
 *     pass 3 of call B): the UID is one the status never saw, e.g. a file
 *     copied from another account's folder of the same name, or a download
 *     whose status record a crash lost while the server deleted the
 *     message.  It is never deleted: the store forgets its UID
 *     (forget_uid) and it is uploaded like any new local message.  On a
 *     first sync it is left alone, like a message without a UID, and
 *     uploaded by the next sync;
 *   - "L, no S, R" is adopted (row 6), taking R's flags as the first sync
 *     does;
 *   - call C records only messages the server has, so a file left alone
 *     never enters the status under a UID that is not the server's.
 * A message marked \Deleted on the server that neither L nor S has is not
 * downloaded: it is on its way out (another client's deletion, or one of
 * ours made with expunge = no, SPEC 4.10), and downloading it would bring
 * a locally deleted message back as a trashed one on every sync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "profile.h"
#include "status.h"
#include "sync.h"
#include "ui.h"
#include "util.h"
#include "validity.h"

struct sync_ctx {
	const struct sync_folder_job *job;
	struct sync_stats *stats;
	struct store_folder *lf, *rf;
	struct store_msglist ll, rl, sl;	/* L, R, S message lists */
	struct status *st;
	bool status_existed;
	bool read_only;
	unsigned remote_storable;
	const char *ltype, *rtype;
	struct msgbody *body;
	int worst;			/* STORE_OK or STORE_EMSG */
};

/* ---- small helpers ---------------------------------------------------- */

static void note_msg_error(struct sync_ctx *c, const char *what, long long uid,
			   const char *err)
{
	ui_error("account \"%s\", folder \"%s\": %s message %lld: %s",
		 c->job->account, c->job->remote_name, what, uid,
		 err ? err : "unknown error");
	c->stats->msg_errors++;
	c->worst = STORE_EMSG;
}

static char *target_name(const char *type, const char *folder)
{
	return xasprintf("%s[%s]", type, folder);
}

/* The token that marks an upload, derived from the local message's stable
 * identity so that a crash between APPEND and the local re-filing is
 * recognised at the next run (see pass 1). */
static char *upload_token(const struct sync_ctx *c, const char *key)
{
	struct strbuf sb;
	unsigned char md5[CRYPTO_MD5_LEN];

	strbuf_init(&sb);
	strbuf_addstr(&sb, c->job->account);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, c->job->local_name);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, key);
	crypto_md5(sb.buf, sb.len, md5);
	strbuf_release(&sb);
	char *hex = crypto_hex(md5, sizeof(md5));
	char *token = xasprintf("oi-%s", hex);
	free(hex);
	return token;
}

static bool intent_pending(const struct status *st, const char *token)
{
	for (size_t i = 0; i < status_intent_count(st); i++)
		if (strcmp(status_intent_at(st, i)->token, token) == 0)
			return true;
	return false;
}

/* Collect UIDs into a growable array. */
struct uidvec {
	long long *v;
	size_t n, cap;
};

static void uidvec_add(struct uidvec *u, long long uid)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 32;
		u->v = xrealloc(u->v, u->cap * sizeof(*u->v));
	}
	u->v[u->n++] = uid;
}

static void uidvec_release(struct uidvec *u)
{
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}

/* The message lists stay sorted through every change without sorting
 * them again each time: a folder of n messages must not cost n^2 when
 * thousands of messages arrive or go in one sync. */

/* Insert m (its UID not yet in l) at its place: O(1) at the end, where
 * downloads and uploads put their new, highest UIDs. */
static void msglist_insert(struct store_msglist *l, const struct store_msg *m)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->v[mid].uid < m->uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	store_msglist_add(l, m);
	if (lo < l->n - 1) {
		memmove(l->v + lo + 1, l->v + lo,
			(l->n - 1 - lo) * sizeof(*l->v));
		l->v[lo] = *m;
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Remove every UID of u from l in one pass (u gets sorted). */
static void msglist_remove_all(struct store_msglist *l, struct uidvec *u)
{
	size_t j = 0;
	if (!u->n)
		return;
	qsort(u->v, u->n, sizeof(*u->v), cmp_ll);
	for (size_t i = 0; i < l->n; i++) {
		if (bsearch(&l->v[i].uid, u->v, u->n, sizeof(*u->v),
			    cmp_ll)) {
			free(l->v[i].key);
			continue;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
}

/* ---- status bookkeeping (S is a message list plus its journal) --------- */

static int status_put(struct sync_ctx *c, long long uid, unsigned flags,
		      char **err_r)
{
	struct store_msg *m = store_msglist_find(&c->sl, uid);
	if (m) {
		if (m->flags == flags)
			return 0;
		m->flags = flags;
	} else {
		struct store_msg n = { .uid = uid, .flags = flags };
		msglist_insert(&c->sl, &n);
	}
	struct profile_mark pm;
	profile_begin(&pm);
	int r = status_add(c->st, (uint32_t)uid, flags, err_r);
	profile_end(&pm, "status");
	return r;
}

/* Forget the listed UIDs in S (those it has).  0 or -1 with *err_r. */
static int status_drop_all(struct sync_ctx *c, struct uidvec *uids,
			   char **err_r)
{
	int r = 0;
	struct profile_mark pm;
	profile_begin(&pm);
	for (size_t i = 0; r == 0 && i < uids->n; i++)
		if (store_msglist_find(&c->sl, uids->v[i]))
			r = status_delete(c->st, (uint32_t)uids->v[i], err_r);
	msglist_remove_all(&c->sl, uids);
	profile_end(&pm, "status");
	return r;
}

/* ---- deletions -------------------------------------------------------- */

/* Delete `uids` from L's store and list. */
static int delete_local(struct sync_ctx *c, struct uidvec *uids, char **err_r)
{
	if (!uids->n)
		return 0;
	struct profile_mark pm;
	profile_begin(&pm);
	int r = c->lf->store->ops->delete_msgs(c->lf, uids->v, uids->n, err_r);
	profile_end(&pm, "delete");
	if (r != STORE_OK)
		return r;
	c->stats->deleted_local += uids->n;
	msglist_remove_all(&c->ll, uids);
	return 0;
}

/* Pre-pass (4.3 step 9.1): UIDs in L and S but not in R were deleted on
 * the server.  A UID the status does not know is not the server's to
 * delete (row 11, see the top of this file). */
static int prepass_remote_deletions(struct sync_ctx *c, char **err_r)
{
	struct uidvec gone = { 0 };
	int r = 0;
	struct profile_mark pm;

	profile_begin(&pm);
	for (size_t i = 0; i < c->ll.n; i++) {
		long long uid = c->ll.v[i].uid;
		if (uid > 0 && !store_msglist_find(&c->rl, uid) &&
		    store_msglist_find(&c->sl, uid))
			uidvec_add(&gone, uid);
	}
	profile_end(&pm, "compare");
	if (gone.n) {
		char *l = target_name(c->ltype, c->job->local_name);
		char *targets = xasprintf("%s, LocalStatus[%s]", l,
					  c->job->local_name);
		ui_deletingmessages(gone.v, gone.n, targets);
		free(targets);
		free(l);
		r = delete_local(c, &gone, err_r);
		if (r == STORE_OK && status_drop_all(c, &gone, err_r) < 0)
			r = STORE_EFOLDER;
	}
	uidvec_release(&gone);
	return r;
}

/* ---- call A: L into S, applying to [R, S] ------------------------------ */

/* Re-file a new local message under the server's UID: a new file with the
 * UID in its name, then the original goes.  The order matters: a crash
 * between the two leaves both, which the next run resolves (the new file
 * is a known message, the original is found by its token).  m becomes
 * the entry of the new file in place, which leaves L unsorted: the
 * caller sorts it once after all uploads. */
static int refile_local(struct sync_ctx *c, struct store_msg *m,
			long long uid, char **err_r)
{
	long long got;
	struct profile_mark pm;
	profile_begin(&pm);
	int r = c->lf->store->ops->save(c->lf, uid, c->body, m->flags, m->time,
					NULL, &got, err_r);
	profile_end(&pm, "save");
	if (r != STORE_OK)
		return r;
	long long old = m->uid;
	profile_begin(&pm);
	r = c->lf->store->ops->delete_msgs(c->lf, &old, 1, err_r);
	profile_end(&pm, "delete");
	if (r != STORE_OK)
		return r;
	FREE(&m->key);
	m->uid = uid;
	return STORE_OK;
}

/* Pass 1 for the new local message m (in L).  Returns a store result. */
static int upload_one(struct sync_ctx *c, struct store_msg *m, char **err_r)
{
	const struct store_ops *lops = c->lf->store->ops;
	const struct store_ops *rops = c->rf->store->ops;
	long long neg_uid = m->uid;
	long long uid = 0;
	int r;
	struct profile_mark pm;

	if (!m->key)
		return STORE_OK;
	char *token = upload_token(c, m->key);

	/* A crash after an earlier APPEND of this very message: find the
	 * server copy instead of uploading a duplicate. */
	if (intent_pending(c->st, token) && rops->find_token) {
		r = rops->find_token(c->rf, token, &uid, err_r);
		if (r != STORE_OK)
			goto out;
	}

	msgbody_reset(c->body);
	profile_begin(&pm);
	r = lops->fetch(c->lf, neg_uid, c->body, err_r);
	profile_end(&pm, "fetch");
	if (r != STORE_OK)
		goto out;

	if (uid <= 0) {
		char *rt = target_name(c->rtype, c->job->remote_name);
		char *targets = xasprintf("%s, LocalStatus[%s]", rt,
					  c->job->local_name);
		ui_copyingmessage(neg_uid, c->ltype, c->job->local_name,
				  targets);
		free(targets);
		free(rt);
		/* Intent first, fsynced: if we die after the server took the
		 * message, the next run looks for the token (8.4). */
		profile_begin(&pm);
		r = status_intent_begin(c->st, token, m->key, err_r);
		profile_end(&pm, "status");
		if (r != 0) {
			r = STORE_EFOLDER;
			goto out;
		}
		profile_begin(&pm);
		r = rops->save(c->rf, neg_uid, c->body, m->flags, m->time,
			       token, &uid, err_r);
		profile_end(&pm, "upload");
		if (r != STORE_OK)
			goto out;
		c->stats->uploaded++;
		if (uid <= 0) {
			/* Stored, UID not learned: keep the local copy and
			 * the intent; the next run finds it by its token
			 * (SPEC 9 row 5). */
			ui_warn(true, "account \"%s\", folder \"%s\": the "
				"server did not tell the UID of an uploaded "
				"message; it is identified at the next sync",
				c->job->account, c->job->remote_name);
			r = STORE_OK;
			goto out;
		}
	}
	/* Just uploaded (the server has it: never let a later pass take
	 * it for a server deletion), or found by its token: then the
	 * status takes the server copy's flags, so that letters changed
	 * locally since that upload count as local changes (pass 4). */
	const struct store_msg *rm = store_msglist_find(&c->rl, uid);
	if (!rm) {
		struct store_msg nm = { .uid = uid, .flags = m->flags,
					.time = m->time };
		msglist_insert(&c->rl, &nm);
		rm = store_msglist_find(&c->rl, uid);
	}
	if (status_put(c, uid, rm->flags, err_r) < 0) {
		r = STORE_EFOLDER;
		goto out;
	}
	r = refile_local(c, m, uid, err_r);
	profile_begin(&pm);
	if (r == STORE_OK && status_intent_end(c->st, token, err_r) < 0)
		r = STORE_EFOLDER;
	profile_end(&pm, "status");
out:
	free(token);
	return r;
}

/* Row 11: a positive UID in L that neither S nor R has becomes a new
 * local message (see the top of this file).  Done before any upload, so
 * that a UID the server assigns to an upload can never clash with a
 * foreign file still carrying that number. */
static int call_a_forget_foreign(struct sync_ctx *c, char **err_r)
{
	int r = STORE_OK;
	bool changed = false;

	/* Such a store cannot hold a UID of its own making: leave the
	 * messages alone rather than guess. */
	if (!c->lf->store->ops->forget_uid)
		return STORE_OK;
	for (size_t i = 0; r == STORE_OK && i < c->ll.n; i++) {
		struct store_msg *m = &c->ll.v[i];
		long long uid = m->uid, neg = 0;
		char *key = NULL, *err = NULL;
		if (uid <= 0 || store_msglist_find(&c->sl, uid) ||
		    store_msglist_find(&c->rl, uid))
			continue;
		r = c->lf->store->ops->forget_uid(c->lf, uid, &neg, &key,
						  &err);
		if (r == STORE_EMSG) {
			note_msg_error(c, "re-labelling", uid, err);
			r = STORE_OK;
		} else if (r == STORE_OK) {
			ui_info(OI_UI_NORMAL, "account \"%s\", folder \"%s\": "
				"message %lld carries a UID that neither the "
				"server nor the status knows; it is uploaded "
				"as a new message", c->job->account,
				c->job->remote_name, uid);
			/* In place; L is sorted again below. */
			m->uid = neg;
			m->key = key;
			changed = true;
		} else {
			*err_r = err;
			err = NULL;
		}
		free(err);
	}
	if (changed)
		store_msglist_sort(&c->ll);
	return r;
}

/* Intents whose local message is gone were resolved by a run that died
 * before saying so (after the re-filing); forget them, or they would be
 * carried from journal to journal forever. */
static int drop_stale_intents(struct sync_ctx *c, char **err_r)
{
	for (size_t i = 0; i < status_intent_count(c->st);) {
		const struct status_intent *in = status_intent_at(c->st, i);
		bool live = false;
		for (size_t j = 0; j < c->ll.n && c->ll.v[j].uid < 0 && !live;
		     j++)
			live = c->ll.v[j].key &&
			       strcmp(c->ll.v[j].key, in->data) == 0;
		if (live) {
			i++;
			continue;
		}
		char *token = xstrdup(in->token);
		int r = status_intent_end(c->st, token, err_r);
		free(token);
		if (r < 0)
			return STORE_EFOLDER;
	}
	return STORE_OK;
}

static int call_a_uploads(struct sync_ctx *c, char **err_r)
{
	size_t news = 0;
	int r = STORE_OK;

	/* The new messages lead L (negative UIDs sort first); each keeps its
	 * place while uploaded, re-filed ones in place (refile_local). */
	while (news < c->ll.n && c->ll.v[news].uid < 0)
		news++;
	if (news && c->read_only) {
		/* Never delete or re-file what could not be stored (9 row
		 * 4): the messages stay local and unrecorded. */
		if (!c->job->ignore_readonly)
			for (size_t i = 0; i < news; i++)
				ui_msgtoreadonly(c->job->remote_name,
						 c->ll.v[i].uid);
		news = 0;
	}
	for (size_t i = 0; i < news; i++) {
		char *err = NULL;
		long long uid = c->ll.v[i].uid;
		r = upload_one(c, &c->ll.v[i], &err);
		if (r == STORE_EMSG) {
			note_msg_error(c, "uploading", uid, err);
			r = STORE_OK;
		} else if (r != STORE_OK) {
			*err_r = err;
			err = NULL;
		}
		free(err);
		if (r == STORE_OK && ui_quit_requested(NULL))
			r = STORE_ECANCELED;
		if (r != STORE_OK)
			break;
	}
	store_msglist_sort(&c->ll);
	return r;
}

/* Pass 2 of call A: a UID in L and R but not in S: the status lost it (a
 * crash after a download, or a deleted status file).  Adopt it instead of
 * uploading a duplicate (SPEC 4.8, 9 row 6), as on a first sync: the
 * status takes L's flags, so that no letter looks changed locally and
 * call B gives L the server's flags. */
static int call_a_adopt(struct sync_ctx *c, char **err_r)
{
	for (size_t i = 0; i < c->ll.n; i++) {
		const struct store_msg *m = &c->ll.v[i];
		if (m->uid <= 0 || store_msglist_find(&c->sl, m->uid) ||
		    !store_msglist_find(&c->rl, m->uid))
			continue;
		if (status_put(c, m->uid, m->flags, err_r) < 0)
			return STORE_EFOLDER;
	}
	return STORE_OK;
}

/* Mass-deletion guard (SPEC 9 row 7): the status lists messages that are
 * still on the server, and not one message the status knows is left in
 * the local folder: the folder (or the whole tree) was removed or emptied,
 * far more often by accident than on purpose.  Checked before anything is
 * changed, so that the folder is skipped as a whole.  Returns the number
 * of server messages that would have been deleted, 0 when all is well. */
static size_t mass_deletion(const struct sync_ctx *c)
{
	size_t on_server = 0;
	if (c->job->allow_mass_delete)
		return 0;
	for (size_t i = 0; i < c->sl.n; i++) {
		long long uid = c->sl.v[i].uid;
		if (store_msglist_find(&c->ll, uid))
			return 0;
		if (store_msglist_find(&c->rl, uid))
			on_server++;
	}
	return on_server;
}

/* Pass 3 of call A: in S, not in L: deleted locally. */
static int call_a_deletions(struct sync_ctx *c, char **err_r)
{
	struct uidvec gone = { 0 }, on_server = { 0 };
	int r = STORE_OK;
	struct profile_mark pm;

	profile_begin(&pm);
	for (size_t i = 0; i < c->sl.n; i++) {
		long long uid = c->sl.v[i].uid;
		if (!store_msglist_find(&c->ll, uid))
			uidvec_add(&gone, uid);
	}
	for (size_t i = 0; i < gone.n; i++)
		if (store_msglist_find(&c->rl, gone.v[i]))
			uidvec_add(&on_server, gone.v[i]);
	profile_end(&pm, "compare");
	if (on_server.n && c->read_only) {
		if (!c->job->ignore_readonly)
			ui_deletereadonly(c->job->remote_name, on_server.n);
		/* Nothing deleted: drop them from S so call B downloads
		 * them again rather than losing them. */
		on_server.n = 0;
	} else if (on_server.n) {
		char *rt = target_name(c->rtype, c->job->remote_name);
		char *targets = xasprintf("%s, LocalStatus[%s]", rt,
					  c->job->local_name);
		ui_deletingmessages(on_server.v, on_server.n, targets);
		free(targets);
		free(rt);
		profile_begin(&pm);
		r = c->rf->store->ops->delete_msgs(c->rf, on_server.v,
						   on_server.n, err_r);
		profile_end(&pm, "delete");
		if (r == STORE_OK) {
			c->stats->deleted_remote += on_server.n;
			msglist_remove_all(&c->rl, &on_server);
		}
	}
	if (r == STORE_OK && status_drop_all(c, &gone, err_r) < 0)
		r = STORE_EFOLDER;
	uidvec_release(&gone);
	uidvec_release(&on_server);
	return r;
}

/* Apply per-letter flag changes to one side.  `adds[k]` / `dels[k]` list
 * the UIDs that gain / lose letter 'A'+k. */
static int apply_flag_lists(struct store_folder *f,
			    const char *type, const char *folder,
			    struct uidvec *adds, struct uidvec *dels,
			    unsigned long *counter, char **err_r)
{
	char *target = target_name(type, folder);
	int r = STORE_OK;
	struct profile_mark pm;

	profile_begin(&pm);
	for (int k = 0; k < 26 && r == STORE_OK; k++) {
		char letter[2] = { (char)('A' + k), 0 };
		if (adds[k].n) {
			ui_addingflags(adds[k].n, letter, target);
			r = f->store->ops->add_flags(f, adds[k].v, adds[k].n,
						     STORE_FLAG('A' + k),
						     err_r);
			*counter += adds[k].n;
		}
		if (r == STORE_OK && dels[k].n) {
			ui_deletingflags(dels[k].n, letter, target);
			r = f->store->ops->remove_flags(f, dels[k].v,
							dels[k].n,
							STORE_FLAG('A' + k),
							err_r);
			*counter += dels[k].n;
		}
	}
	profile_end(&pm, "flags");
	free(target);
	return r;
}

static void flag_lists_release(struct uidvec *adds, struct uidvec *dels)
{
	for (int k = 0; k < 26; k++) {
		uidvec_release(&adds[k]);
		uidvec_release(&dels[k]);
	}
}

/* Pass 4 of call A: letters changed locally since the last sync (L vs S)
 * go to the server, for the letters the server can store. */
static int call_a_flags(struct sync_ctx *c, char **err_r)
{
	struct uidvec adds[26] = { 0 }, dels[26] = { 0 };
	bool any = false;
	int r = STORE_OK;
	struct profile_mark pm;

	profile_begin(&pm);
	for (size_t i = 0; i < c->ll.n; i++) {
		const struct store_msg *m = &c->ll.v[i];
		const struct store_msg *s, *rm;
		if (m->uid <= 0 || !(s = store_msglist_find(&c->sl, m->uid)) ||
		    !(rm = store_msglist_find(&c->rl, m->uid)))
			continue;
		unsigned changed = (m->flags ^ s->flags) & c->remote_storable;
		unsigned add = changed & m->flags & ~rm->flags;
		unsigned del = changed & ~m->flags & rm->flags;
		for (int k = 0; k < 26; k++) {
			if (add & (1u << k))
				uidvec_add(&adds[k], m->uid), any = true;
			if (del & (1u << k))
				uidvec_add(&dels[k], m->uid), any = true;
		}
	}
	profile_end(&pm, "compare");
	if (any && c->read_only) {
		if (!c->job->ignore_readonly)
			for (int k = 0; k < 26; k++)
				if (adds[k].n || dels[k].n) {
					char l[2] = { (char)('A' + k), 0 };
					ui_flagstoreadonly(
						c->job->remote_name,
						adds[k].n + dels[k].n, l);
				}
	} else if (any) {
		r = apply_flag_lists(c->rf, c->rtype, c->job->remote_name,
				     adds, dels, &c->stats->flags_remote,
				     err_r);
		/* The server now has L's letters. */
		for (int k = 0; r == STORE_OK && k < 26; k++) {
			for (size_t j = 0; j < adds[k].n; j++)
				store_msglist_find(&c->rl, adds[k].v[j])
					->flags |= 1u << k;
			for (size_t j = 0; j < dels[k].n; j++)
				store_msglist_find(&c->rl, dels[k].v[j])
					->flags &= ~(1u << k);
		}
	}
	flag_lists_release(adds, dels);
	return r;
}

/* ---- call B: R into L, applying to [L, S] ----------------------------- */

static int download_one(struct sync_ctx *c, const struct store_msg *rm,
			char **err_r)
{
	const struct store_ops *lops = c->lf->store->ops;
	long long got;
	char *lt = target_name(c->ltype, c->job->local_name);
	char *targets = xasprintf("%s, LocalStatus[%s]", lt,
				  c->job->local_name);
	ui_copyingmessage(rm->uid, c->rtype, c->job->remote_name, targets);
	free(targets);
	free(lt);

	msgbody_reset(c->body);
	struct profile_mark pm;
	profile_begin(&pm);
	int r = c->rf->store->ops->fetch(c->rf, rm->uid, c->body, err_r);
	profile_end(&pm, "fetch");
	if (r != STORE_OK)
		return r;
	profile_begin(&pm);
	r = lops->save(c->lf, rm->uid, c->body, rm->flags, rm->time, NULL,
		       &got, err_r);
	profile_end(&pm, "save");
	if (r != STORE_OK)
		return r;
	struct store_msg lm = { .uid = rm->uid, .flags = rm->flags,
				.time = rm->time };
	msglist_insert(&c->ll, &lm);
	c->stats->downloaded++;
	/* The file is complete and durable before the status says so: a
	 * crash in between is the adopted "L, R, no S" case. */
	if (status_put(c, rm->uid, rm->flags, err_r) < 0)
		return STORE_EFOLDER;
	return STORE_OK;
}

static int call_b_downloads(struct sync_ctx *c, char **err_r)
{
	struct uidvec todo = { 0 };
	int r = STORE_OK;
	struct profile_mark pm;

	profile_begin(&pm);
	for (size_t i = 0; i < c->rl.n; i++) {
		const struct store_msg *rm = &c->rl.v[i];
		if (store_msglist_find(&c->ll, rm->uid))
			continue;
		/* On its way out (see the top of this file). */
		if ((rm->flags & STORE_FLAG('T')) &&
		    !store_msglist_find(&c->sl, rm->uid))
			continue;
		uidvec_add(&todo, rm->uid);
	}
	profile_end(&pm, "compare");
	for (size_t i = 0; i < todo.n; i++) {
		const struct store_msg *rm = store_msglist_find(&c->rl,
								todo.v[i]);
		char *err = NULL;
		struct store_msg copy = *rm;
		copy.key = NULL;
		r = download_one(c, &copy, &err);
		if (r == STORE_EMSG) {
			note_msg_error(c, "downloading", todo.v[i], err);
			r = STORE_OK;
		} else if (r != STORE_OK) {
			*err_r = err;
			err = NULL;
		}
		free(err);
		if (r == STORE_OK && ui_quit_requested(NULL))
			r = STORE_ECANCELED;
		if (r != STORE_OK)
			break;
	}
	uidvec_release(&todo);
	return r;
}

/* Pass 3 of call B: a positive UID in L that the server does not have.
 * 4.0 deletes it here on a first sync (SPEC 4.8, second table); we delete
 * only what the status knows (row 11, see the top of this file), which
 * after the pre-pass leaves nothing in normal runs: this is a safety net
 * for messages the server lost while this sync ran. */
static int call_b_deletions(struct sync_ctx *c, char **err_r)
{
	/* The same rule as the pre-pass. */
	return prepass_remote_deletions(c, err_r);
}

/* Pass 4 of call B: L takes R's letters (those R can store; the others
 * stay as they are locally). */
static int call_b_flags(struct sync_ctx *c, char **err_r)
{
	struct uidvec adds[26] = { 0 }, dels[26] = { 0 };
	bool any = false;
	int r = STORE_OK;
	struct profile_mark pm;

	profile_begin(&pm);
	for (size_t i = 0; i < c->rl.n; i++) {
		const struct store_msg *rm = &c->rl.v[i];
		const struct store_msg *m = store_msglist_find(&c->ll, rm->uid);
		if (!m)
			continue;
		unsigned add = rm->flags & ~m->flags & c->remote_storable;
		unsigned del = m->flags & ~rm->flags & c->remote_storable;
		for (int k = 0; k < 26; k++) {
			if (add & (1u << k))
				uidvec_add(&adds[k], m->uid), any = true;
			if (del & (1u << k))
				uidvec_add(&dels[k], m->uid), any = true;
		}
	}
	profile_end(&pm, "compare");
	if (any) {
		r = apply_flag_lists(c->lf, c->ltype, c->job->local_name,
				     adds, dels, &c->stats->flags_local,
				     err_r);
		for (int k = 0; r == STORE_OK && k < 26; k++) {
			for (size_t j = 0; j < adds[k].n; j++)
				store_msglist_find(&c->ll, adds[k].v[j])
					->flags |= 1u << k;
			for (size_t j = 0; j < dels[k].n; j++)
				store_msglist_find(&c->ll, dels[k].v[j])
					->flags &= ~(1u << k);
		}
	}
	flag_lists_release(adds, dels);
	return r;
}

/* ---- call C: S becomes L's image --------------------------------------- */

static int call_c(struct sync_ctx *c, char **err_r)
{
	struct uidvec gone = { 0 };
	int r = STORE_OK;

	/* Only what the server has: a file left alone (row 11) must not
	 * enter the status under a UID that is not the server's. */
	for (size_t i = 0; i < c->ll.n && r == STORE_OK; i++) {
		const struct store_msg *m = &c->ll.v[i];
		if (m->uid > 0 && store_msglist_find(&c->rl, m->uid) &&
		    status_put(c, m->uid, m->flags, err_r) < 0)
			r = STORE_EFOLDER;
	}
	for (size_t i = 0; r == STORE_OK && i < c->sl.n; i++)
		if (!store_msglist_find(&c->ll, c->sl.v[i].uid))
			uidvec_add(&gone, c->sl.v[i].uid);
	if (r == STORE_OK && status_drop_all(c, &gone, err_r) < 0)
		r = STORE_EFOLDER;
	uidvec_release(&gone);
	return r;
}

/* ---- UID validity (4.3 step 7) ---------------------------------------- */

/* Returns 0 when the folder may be synced, 1 when it must be skipped
 * (warned), -1 with *err_r. */
static int check_validity(struct store_folder *f, const char *dir,
			  const char *file, const char *name, bool gate,
			  char **err_r)
{
	uint32_t cur, saved = 0;

	if (f->store->ops->uidvalidity(f, &cur, err_r) != STORE_OK)
		return -1;
	int r = validity_read(dir, file, &saved, err_r);
	if (r < 0)
		return -1;
	bool have = r == 0;
	if (gate && have && saved != cur) {
		ui_validityproblem(name, saved, cur);
		return 1;
	}
	if (!have || saved != cur)
		return validity_write(dir, file, cur, err_r);
	return 0;
}

/* ---- the folder ------------------------------------------------------- */

static int load_list(struct sync_ctx *c, struct store_folder *f,
		     const char *type, const char *name,
		     struct store_msglist *out, char **err_r)
{
	ui_loadmessagelist(type, name);
	int r = f->store->ops->list_msgs(f, out, err_r);
	if (r != STORE_OK)
		return r;
	store_msglist_sort(out);
	ui_messagelistloaded(type, name, out->n);
	(void)c;
	return STORE_OK;
}

int sync_folder(const struct sync_folder_job *job, struct sync_stats *stats,
		char **err_r)
{
	struct sync_ctx c = {
		.job = job, .stats = stats, .worst = STORE_OK,
		.ltype = job->local->ops->type,
		.rtype = job->remote->ops->type,
	};
	int r;
	/* -P: "compare" runs from loading the lists to the mass-deletion
	 * check, and is ended at `out` when a failure cut it short. */
	struct profile_mark pm, cmp;
	bool comparing = false;

	profile_begin(&pm);
	r = job->local->ops->open_folder(job->local, job->local_name, &c.lf,
					 err_r);
	if (r == STORE_OK)
		r = job->remote->ops->open_folder(job->remote,
						  job->remote_name, &c.rf,
						  err_r);
	profile_end(&pm, "open folder");
	if (r != STORE_OK)
		goto out;
	ui_syncingfolder(c.rtype, job->remote_name, c.ltype, job->local_name);

	profile_begin(&cmp);
	comparing = true;
	r = load_list(&c, c.lf, c.ltype, job->local_name, &c.ll, err_r);
	if (r != STORE_OK)
		goto out;
	if (status_open(job->status_dir, job->status_name, &c.st, err_r) < 0) {
		r = STORE_EFOLDER;
		goto out;
	}
	if (status_warning(c.st))
		ui_warn(true, "account \"%s\", folder \"%s\": %s",
			job->account, job->remote_name, status_warning(c.st));
	c.status_existed = status_existed(c.st);
	size_t ns = 0;
	uint32_t *suids = status_uids(c.st, &ns);
	for (size_t i = 0; i < ns; i++) {
		uint64_t fl = 0;
		status_get(c.st, suids[i], &fl);
		struct store_msg m = { .uid = suids[i],
				       .flags = (unsigned)(fl & STORE_FLAGS_ALL) };
		store_msglist_add(&c.sl, &m);
	}
	free(suids);
	store_msglist_sort(&c.sl);

	/* Validity: checked only when there is something to protect; an
	 * empty pair accepts whatever the server says now. */
	bool gate = c.ll.n > 0 || c.sl.n > 0;
	int v = check_validity(c.lf, job->local_validity_dir,
			       job->local_validity_name, job->local_name, gate,
			       err_r);
	if (v == 0)
		v = check_validity(c.rf, job->remote_validity_dir,
				   job->remote_validity_name, job->remote_name,
				   gate, err_r);
	if (v != 0) {
		/* v > 0: validityproblem was reported, *err_r stays NULL. */
		r = STORE_EFOLDER;
		goto out;
	}

	r = load_list(&c, c.rf, c.rtype, job->remote_name, &c.rl, err_r);
	if (r != STORE_OK)
		goto out;
	c.read_only = c.rf->store->ops->read_only(c.rf);
	c.remote_storable = c.rf->store->ops->storable_flags(c.rf);
	c.body = msgbody_new();

	size_t mass = c.status_existed ? mass_deletion(&c) : 0;
	profile_end(&cmp, "compare");
	comparing = false;
	if (mass) {
		ui_warn(false, "account \"%s\", folder \"%s\": all %zu "
			"synced messages are missing from the local folder "
			"%s; not deleting them on the server, and not syncing "
			"this folder.  If you really deleted them, set "
			"allow_mass_delete = yes in [Account %s] for one run; "
			"to download them again, delete the status file "
			"%s/%s", job->account, job->remote_name, mass,
			job->local_name, job->account, job->status_dir,
			job->status_name);
		r = STORE_EFOLDER;
		goto out;
	}
	if (c.status_existed) {
		r = prepass_remote_deletions(&c, err_r);
		if (r == STORE_OK)
			r = call_a_forget_foreign(&c, err_r);
		if (r == STORE_OK)
			r = drop_stale_intents(&c, err_r);
		if (r == STORE_OK) {
			ui_syncingmessages(c.ltype, job->local_name, c.rtype,
					   job->remote_name);
			r = call_a_uploads(&c, err_r);
		}
		if (r == STORE_OK)
			r = call_a_adopt(&c, err_r);
		if (r == STORE_OK)
			r = call_a_deletions(&c, err_r);
		if (r == STORE_OK)
			r = call_a_flags(&c, err_r);
	}
	if (r == STORE_OK) {
		ui_syncingmessages(c.rtype, job->remote_name, c.ltype,
				   job->local_name);
		r = call_b_downloads(&c, err_r);
	}
	if (r == STORE_OK)
		r = call_b_deletions(&c, err_r);
	if (r == STORE_OK)
		r = call_b_flags(&c, err_r);
	if (r == STORE_OK) {
		ui_syncingmessages(c.ltype, job->local_name, "LocalStatus",
				   job->local_name);
		r = call_c(&c, err_r);
	}
	/* The status file must exist after a first sync even when it has
	 * no record (4.0 always writes it): its existence is what lets the
	 * next sync upload new local messages (SPEC 4.3 step 9).  A record
	 * is the only way to make status.c write it; deleting a UID the
	 * (empty) status does not have is one that changes nothing, even if
	 * a crash leaves it alone in the journal. */
	profile_begin(&pm);
	if (r == STORE_OK && !c.status_existed && !c.sl.n &&
	    status_delete(c.st, 1, err_r) < 0)
		r = STORE_EFOLDER;
	profile_end(&pm, "status");
out:
	if (comparing)
		profile_end(&cmp, "compare");
	if (c.st) {
		profile_begin(&pm);
		char *cerr = NULL;
		/* Whatever happened, what the journal holds is true: compact
		 * it so the next run starts from it. */
		if (status_save(c.st, &cerr) < 0 && r == STORE_OK) {
			r = STORE_EFOLDER;
			*err_r = cerr;
			cerr = NULL;
		}
		free(cerr);
		status_close(&c.st);
		profile_end(&pm, "status");
	}
	msgbody_free(&c.body);
	store_msglist_release(&c.ll);
	store_msglist_release(&c.rl);
	store_msglist_release(&c.sl);
	if (c.lf)
		job->local->ops->close_folder(&c.lf);
	if (c.rf)
		job->remote->ops->close_folder(&c.rf);
	if (r == STORE_OK)
		r = c.worst;
	return r;
}
