/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An IMAP repository as a store: folders are mailboxes, messages are
 * addressed by UID, flags map to the five system flags (SPEC 6.12), and a
 * folder holds one pooled connection while it is open. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fsutil.h"
#include "imap/client.h"
#include "imap/pool.h"
#include "imap/store.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

/* The tracking header of uploads (SPEC 10: the later versions' constant
 * name, inserted at the end of the header block). */
#define TRACKING_HEADER "X-OfflineIMAP"

struct imap_store {
	struct store base;
	struct remote_repo repo;
	struct imap_pool *pool;
	pthread_mutex_t lock;	/* delim */
	char delim;
	bool expunge, hold;
};

struct imap_sfolder {
	struct store_folder base;
	struct imap_client *c;	/* pooled, held while open */
	struct imap_mailbox mb;
	/* UIDs the last listing showed: operations ignore others (6.11). */
	struct store_msglist known;
};

static struct imap_store *istore(struct store *st)
{
	return (struct imap_store *)st;
}

static struct imap_sfolder *ifolder(struct store_folder *f)
{
	return (struct imap_sfolder *)f;
}

/* ---- flags ---- */

static const struct {
	char letter;
	unsigned imap;
} flag_map[] = {
	{ 'D', IMAP_FLAG_DRAFT }, { 'F', IMAP_FLAG_FLAGGED },
	{ 'R', IMAP_FLAG_ANSWERED }, { 'S', IMAP_FLAG_SEEN },
	{ 'T', IMAP_FLAG_DELETED },
};

static unsigned letters_from_imap(unsigned imap)
{
	unsigned f = 0;
	for (size_t i = 0; i < ARRAY_SIZE(flag_map); i++)
		if (imap & flag_map[i].imap)
			f |= STORE_FLAG(flag_map[i].letter);
	return f;
}

static unsigned imap_from_letters(unsigned letters)
{
	unsigned f = 0;
	for (size_t i = 0; i < ARRAY_SIZE(flag_map); i++)
		if (letters & STORE_FLAG(flag_map[i].letter))
			f |= flag_map[i].imap;
	return f;
}

/* ---- connections ---- */

static int pool_open(void *arg, struct imap_client **c_r, char **err_r)
{
	struct imap_store *s = arg;
	return remote_repo_connect(&s->repo, c_r, err_r);
}

static char *folder_err(const char *folder, const char *err)
{
	return xasprintf("%s: %s", folder, err ? err : "unknown error");
}

/* A command failed: a dead connection makes it an account-level problem
 * (the pool replaces the connection next time), anything else stays with
 * the folder. */
static int failure(struct imap_sfolder *f)
{
	return f->c && imap_client_alive(f->c) ? STORE_EFOLDER
					       : STORE_EACCOUNT;
}

/* ---- repository ---- */

static int imap_list_folders(struct store *st, struct store_folder_info **v_r,
			     size_t *n_r, char **err_r)
{
	struct imap_store *s = istore(st);
	struct imap_client *c = NULL;
	struct imap_folder *folders = NULL;
	size_t n = 0;
	char delim = 0;
	char *err = NULL;

	/* A failed acquire has given its slot back already: release only a
	 * connection we got. */
	if (imap_pool_acquire(s->pool, &c, &err) < 0) {
		*err_r = err;
		return STORE_EACCOUNT;
	}
	if (imap_client_delimiter(c, &delim, &err) < 0 ||
	    imap_client_list(c, NULL, "*", &folders, &n, &err) < 0) {
		imap_pool_release(s->pool, &c);
		*err_r = err;
		return STORE_EACCOUNT;
	}
	imap_pool_release(s->pool, &c);
	pthread_mutex_lock(&s->lock);
	s->delim = delim;
	pthread_mutex_unlock(&s->lock);

	struct store_folder_info *v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].name = xstrdup(folders[i].name);
		if (folders[i].flags &
		    (IMAP_FOLDER_NOSELECT | IMAP_FOLDER_NONEXISTENT))
			v[i].flags |= STORE_FOLDER_NOSELECT;
	}
	imap_folders_free(&folders, n);
	*v_r = v;
	*n_r = n;
	return STORE_OK;
}

static char imap_separator(struct store *st)
{
	struct imap_store *s = istore(st);
	pthread_mutex_lock(&s->lock);
	char d = s->delim;
	pthread_mutex_unlock(&s->lock);
	return d;
}

static int imap_create_folder(struct store *st, const char *name,
			      char **err_r)
{
	struct imap_store *s = istore(st);
	struct imap_client *c = NULL;
	int r = STORE_OK;
	if (imap_pool_acquire(s->pool, &c, err_r) < 0)
		return STORE_EACCOUNT;
	if (imap_client_create(c, name, err_r) < 0)
		r = imap_client_alive(c) ? STORE_EFOLDER : STORE_EACCOUNT;
	imap_pool_release(s->pool, &c);
	return r;
}

static int imap_open_folder(struct store *st, const char *name,
			    struct store_folder **f_r, char **err_r)
{
	struct imap_store *s = istore(st);
	struct imap_sfolder *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	f->base.store = st;
	f->base.name = xstrdup(name);
	if (imap_pool_acquire(s->pool, &f->c, &err) < 0) {
		*err_r = err;
		free(f->base.name);
		free(f);
		return STORE_EACCOUNT;
	}
	/* Forced: EXISTS and UIDVALIDITY must be current for this sync. */
	if (imap_client_select(f->c, name, false, true, &f->mb, &err) < 0) {
		int r = failure(f);
		*err_r = folder_err(name, err);
		free(err);
		imap_pool_release(s->pool, &f->c);
		free(f->base.name);
		free(f);
		return r;
	}
	*f_r = &f->base;
	return STORE_OK;
}

static void imap_close_folder(struct store_folder **pf)
{
	struct imap_sfolder *f = ifolder(*pf);
	if (!f)
		return;
	imap_pool_release(istore(f->base.store)->pool, &f->c);
	store_msglist_release(&f->known);
	free(f->base.name);
	free(f);
	*pf = NULL;
}

static void imap_end_cycle(struct store *st)
{
	struct imap_store *s = istore(st);
	if (!s->hold)
		imap_pool_drop(s->pool);
}

static void imap_keepalive(struct store *st)
{
	imap_pool_keepalive(istore(st)->pool, NULL);
}

static void imap_store_free(struct store **pst)
{
	struct imap_store *s = istore(*pst);
	if (!s)
		return;
	/* holdconnectionopen keeps connections across cycles, but at the end
	 * of the program they are logged out all the same. */
	imap_pool_free(&s->pool);
	remote_repo_release(&s->repo);
	pthread_mutex_destroy(&s->lock);
	free(s->base.name);
	free(s);
	*pst = NULL;
}

/* ---- folder ---- */

static int imap_uidvalidity(struct store_folder *f, uint32_t *uv_r,
			    char **err_r)
{
	(void)err_r;
	*uv_r = ifolder(f)->mb.uidvalidity;
	return STORE_OK;
}

static bool imap_read_only(struct store_folder *f)
{
	return ifolder(f)->mb.read_only;
}

static int imap_list_msgs(struct store_folder *pf, struct store_msglist *out,
			  char **err_r)
{
	struct imap_sfolder *f = ifolder(pf);
	struct imap_msginfo *msgs = NULL;
	size_t n = 0;
	char *err = NULL;

	store_msglist_release(out);
	if (imap_client_fetch_list(f->c, 1, 0, &msgs, &n, &err) < 0) {
		int r = failure(f);
		*err_r = folder_err(pf->name, err);
		free(err);
		return r;
	}
	store_msglist_release(&f->known);
	for (size_t i = 0; i < n; i++) {
		struct store_msg m = {
			.uid = msgs[i].uid,
			.flags = letters_from_imap(msgs[i].flags),
			.time = msgs[i].has_date ? (time_t)msgs[i].date : 0,
			.size = msgs[i].size,
		};
		store_msglist_add(out, &m);
		store_msglist_add(&f->known, &m);
	}
	imap_msginfo_free(&msgs, n);
	store_msglist_sort(out);
	store_msglist_sort(&f->known);
	return STORE_OK;
}

struct body_sink {
	struct msgbody *body;
	char *err;
};

static void sink_body(void *arg, const void *data, size_t len)
{
	struct body_sink *s = arg;
	if (!s->err)
		msgbody_write(s->body, data, len, &s->err);
}

static int imap_fetch(struct store_folder *pf, long long uid,
		      struct msgbody *body, char **err_r)
{
	struct imap_sfolder *f = ifolder(pf);
	struct body_sink sink = { .body = body };
	char *err = NULL;

	if (uid <= 0 || uid > UINT32_MAX) {
		*err_r = xasprintf("%s: no message with UID %lld", pf->name,
				   uid);
		return STORE_EMSG;
	}
	int r = imap_client_fetch_body(f->c, (uint32_t)uid, sink_body, &sink,
				       &err);
	if (r < 0) {
		int res = failure(f);
		*err_r = folder_err(pf->name, err);
		free(err);
		free(sink.err);
		return res;
	}
	if (r == 0) {
		*err_r = xasprintf("%s: message %lld vanished from the server "
				   "meanwhile; skipped this time", pf->name,
				   uid);
		free(sink.err);
		return STORE_EMSG;
	}
	if (sink.err || msgbody_finish(body, &sink.err) < 0) {
		*err_r = sink.err;
		return STORE_EFOLDER;
	}
	return STORE_OK;
}

/* The upload: the LF body with CRLF line ends and the tracking header
 * inserted before the blank line that ends the header block. */
struct upload_reader {
	struct msgbody *body;
	uint64_t off;		/* next byte of the LF body */
	uint64_t insert_at;	/* where the header line goes */
	const char *header;	/* "X-OfflineIMAP: <token>\r\n" */
	size_t header_off;	/* bytes of it sent so far */
	bool header_done;
	bool pending_cr;	/* an LF is due right after a CR we sent */
	char buf[65536];
	size_t buf_len, buf_off;
	uint64_t buf_start;	/* body offset of buf[0] */
};

static ssize_t upload_read(void *arg, void *out, size_t n, char **err_r)
{
	struct upload_reader *u = arg;
	char *o = out;
	size_t w = 0;

	while (w < n) {
		if (u->pending_cr) {
			o[w++] = '\n';
			u->pending_cr = false;
			continue;
		}
		if (!u->header_done && u->off == u->insert_at) {
			size_t hl = strlen(u->header);
			size_t k = hl - u->header_off;
			if (k > n - w)
				k = n - w;
			memcpy(o + w, u->header + u->header_off, k);
			w += k;
			u->header_off += k;
			if (u->header_off == hl)
				u->header_done = true;
			continue;
		}
		if (u->buf_off == u->buf_len) {
			size_t got = 0;
			if (msgbody_read(u->body, u->off, u->buf,
					 sizeof(u->buf), &got, err_r) < 0)
				return -1;
			if (!got)
				break;
			u->buf_len = got;
			u->buf_off = 0;
		}
		char c = u->buf[u->buf_off];
		if (c == '\n') {
			/* LF becomes CRLF; the LF follows on the next turn. */
			o[w++] = '\r';
			u->pending_cr = true;
		} else {
			o[w++] = c;
		}
		u->buf_off++;
		u->off++;
		/* The header goes in before the next byte once we are at the
		 * insertion point (checked at the top of the loop), but never
		 * between a CR and its LF. */
	}
	return (ssize_t)w;
}

/* The UID of the message carrying `token`, or 0.  Several hits (a server
 * that copied it?) take the highest, with a warning. */
static int search_token(struct imap_sfolder *f, const char *token,
			long long *uid_r, char **err_r)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	char *err = NULL;

	*uid_r = 0;
	if (imap_client_search_header(f->c, TRACKING_HEADER, token, &uids, &n,
				      &err) < 0) {
		if (!imap_client_alive(f->c)) {
			*err_r = folder_err(f->base.name, err);
			free(err);
			return STORE_EACCOUNT;
		}
		free(err);	/* NO/BAD: "not found" (SPEC 6.9 fix) */
		return STORE_OK;
	}
	if (n > 1)
		ui_warn(true, "%s: %zu messages carry the upload mark %s; "
			"taking the newest", f->base.name, n, token);
	if (n)
		*uid_r = uids[n - 1];
	free(uids);
	return STORE_OK;
}

static int imap_find_token(struct store_folder *pf, const char *token,
			   long long *uid_r, char **err_r)
{
	return search_token(ifolder(pf), token, uid_r, err_r);
}

static int imap_save(struct store_folder *pf, long long uid,
		     struct msgbody *body, unsigned flags, time_t t,
		     const char *token, long long *uid_r, char **err_r)
{
	struct imap_sfolder *f = ifolder(pf);
	char *err = NULL;

	*uid_r = 0;
	if (uid > 0 && store_msglist_find(&f->known, uid)) {
		/* Already here: only the flags (SPEC 4.5). */
		*uid_r = uid;
		uint32_t u = (uint32_t)uid;
		if (imap_client_store(f->c, &u, 1, IMAP_STORE_REPLACE,
				      imap_from_letters(flags), NULL,
				      &err) < 0) {
			*err_r = folder_err(pf->name, err);
			free(err);
			return failure(f);
		}
		return STORE_OK;
	}

	struct upload_reader *u = xcalloc(1, sizeof(*u));
	char *header = token ? xasprintf(TRACKING_HEADER ": %s\r\n", token)
			     : xstrdup("");
	uint64_t hend = msgbody_header_end(body);
	u->body = body;
	u->header = header;
	/* Just before the blank line that ends the header block (hend is
	 * past it); a message without one gets the header first. */
	u->insert_at = hend ? hend - 1 : 0;
	u->header_done = !*header;

	struct imap_append_msg m = {
		.flags = imap_from_letters(flags),
		/* 4.0 used now for dates before 1981 (SPEC 6.9). */
		.has_date = t >= 347155200,
		.date = t,
		.zone = IMAP_ZONE_LOCAL,
		.size = msgbody_size(body) + msgbody_lines(body) +
			strlen(header),
		.read = upload_read,
		.read_arg = u,
	};
	int r = imap_client_append(f->c, pf->name, &m, 1, &err);
	free(u);
	if (r == 0)
		fsutil_checkpoint("IMAP APPEND");
	if (r < 0) {
		free(header);
		*err_r = folder_err(pf->name, err);
		free(err);
		return imap_client_alive(f->c) ? STORE_EMSG : STORE_EACCOUNT;
	}
	free(header);
	/* An APPENDUID code counts only from a server that announces
	 * UIDPLUS (RFC 4315): without the capability the server promises
	 * nothing about what the numbers mean, and the search below finds
	 * the message by its mark anyway. */
	if (m.uid && imap_client_has_cap(f->c, "UIDPLUS") &&
	    (!m.uidvalidity || m.uidvalidity == f->mb.uidvalidity)) {
		*uid_r = m.uid;
	} else if (token) {
		/* No UIDPLUS: find it by its mark, once more after a NOOP
		 * (SPEC 6.9 step 7). */
		r = search_token(f, token, uid_r, err_r);
		if (r == STORE_OK && !*uid_r) {
			if (imap_client_noop(f->c, &err) < 0)
				FREE(&err);
			r = search_token(f, token, uid_r, err_r);
		}
		if (r != STORE_OK)
			return r;
	}
	if (*uid_r > 0 && !store_msglist_find(&f->known, *uid_r)) {
		struct store_msg k = { .uid = *uid_r, .flags = flags };
		/* A new UID is the highest: this stays sorted. */
		store_msglist_add(&f->known, &k);
		if (f->known.n > 1 &&
		    f->known.v[f->known.n - 2].uid > k.uid)
			store_msglist_sort(&f->known);
	}
	return STORE_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Drop the k UIDs of v (sorted here) from the known list in one pass:
 * deleting many messages must not cost a pass per message. */
static void forget_known(struct imap_sfolder *f, uint32_t *v, size_t k)
{
	size_t j = 0;
	if (!k)
		return;
	qsort(v, k, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < f->known.n; i++) {
		uint32_t u = (uint32_t)f->known.v[i].uid;
		if (bsearch(&u, v, k, sizeof(*v), cmp_u32)) {
			free(f->known.v[i].key);
			continue;
		}
		f->known.v[j++] = f->known.v[i];
	}
	f->known.n = j;
}

/* The listed UIDs this folder knows, as the client wants them. */
static uint32_t *known_uids(struct imap_sfolder *f, const long long *uids,
			    size_t n, size_t *n_r)
{
	uint32_t *v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (uids[i] > 0 && store_msglist_find(&f->known, uids[i]))
			v[k++] = (uint32_t)uids[i];
	*n_r = k;
	return v;
}

static int change_flags(struct store_folder *pf, const long long *uids,
			size_t n, unsigned flags, enum imap_store_mode mode,
			char **err_r)
{
	struct imap_sfolder *f = ifolder(pf);
	unsigned imap = imap_from_letters(flags);
	size_t k;
	char *err = NULL;
	int r = STORE_OK;

	if (!imap)
		return STORE_OK;
	uint32_t *v = known_uids(f, uids, n, &k);
	if (k && imap_client_store(f->c, v, k, mode, imap, NULL, &err) < 0) {
		r = failure(f);
		*err_r = folder_err(pf->name, err);
		free(err);
	}
	if (r == STORE_OK && k)
		fsutil_checkpoint("IMAP STORE");
	for (size_t i = 0; r == STORE_OK && i < k; i++) {
		struct store_msg *m = store_msglist_find(&f->known, v[i]);
		if (mode == IMAP_STORE_ADD)
			m->flags |= flags;
		else
			m->flags &= ~flags;
	}
	free(v);
	return r;
}

static int imap_add_flags(struct store_folder *f, const long long *uids,
			  size_t n, unsigned flags, char **err_r)
{
	return change_flags(f, uids, n, flags, IMAP_STORE_ADD, err_r);
}

static int imap_remove_flags(struct store_folder *f, const long long *uids,
			     size_t n, unsigned flags, char **err_r)
{
	return change_flags(f, uids, n, flags, IMAP_STORE_REMOVE, err_r);
}

static int imap_delete_msgs(struct store_folder *pf, const long long *uids,
			    size_t n, char **err_r)
{
	struct imap_sfolder *f = ifolder(pf);
	struct imap_store *s = istore(pf->store);
	size_t k;
	char *err = NULL;
	int r = STORE_OK;

	uint32_t *v = known_uids(f, uids, n, &k);
	if (k && imap_client_store(f->c, v, k, IMAP_STORE_ADD,
				   IMAP_FLAG_DELETED, NULL, &err) < 0)
		r = failure(f);
	/* EXPUNGE removes every \Deleted message of the folder, as 4.0 does
	 * (SPEC 4.10): a message trashed in the mail reader goes too. */
	if (r == STORE_OK && k && s->expunge &&
	    imap_client_expunge(f->c, &err) < 0)
		r = failure(f);
	if (r != STORE_OK) {
		*err_r = folder_err(pf->name, err);
		free(err);
	} else {
		if (k)
			fsutil_checkpoint("IMAP delete");
		forget_known(f, v, k);
	}
	free(v);
	return r;
}

static unsigned imap_storable_flags(struct store_folder *f)
{
	(void)f;
	return letters_from_imap(IMAP_FLAG_ANSWERED | IMAP_FLAG_DELETED |
				 IMAP_FLAG_DRAFT | IMAP_FLAG_FLAGGED |
				 IMAP_FLAG_SEEN);
}

static const struct store_ops imap_store_ops = {
	.type = "IMAP",
	.caps = STORE_CAP_ASSIGNS_UIDS,
	.list_folders = imap_list_folders,
	.separator = imap_separator,
	.create_folder = imap_create_folder,
	.open_folder = imap_open_folder,
	.close_folder = imap_close_folder,
	.end_cycle = imap_end_cycle,
	.free = imap_store_free,
	.uidvalidity = imap_uidvalidity,
	.read_only = imap_read_only,
	.list_msgs = imap_list_msgs,
	.fetch = imap_fetch,
	.save = imap_save,
	.find_token = imap_find_token,
	.add_flags = imap_add_flags,
	.remove_flags = imap_remove_flags,
	.delete_msgs = imap_delete_msgs,
	.storable_flags = imap_storable_flags,
	.forget_uid = NULL,	/* UIDs always come from the server */
	.keepalive = imap_keepalive,
};

struct store *imap_store_new(const struct config *cfg, const char *account,
			     const char *repo, char **err_r)
{
	struct imap_store *s = xcalloc(1, sizeof(*s));
	char *sec = xasprintf("Repository %s", repo);
	long maxconn = 1;
	bool expunge = true, hold = false;

	s->base.ops = &imap_store_ops;
	s->base.name = xstrdup(repo);
	pthread_mutex_init(&s->lock, NULL);
	if (remote_repo_init(&s->repo, cfg, account, repo, err_r) < 0 ||
	    config_get_int(cfg, sec, "maxconnections", &maxconn, err_r) < 0 ||
	    config_get_bool(cfg, sec, "expunge", &expunge, err_r) < 0 ||
	    config_get_bool(cfg, sec, "holdconnectionopen", &hold,
			    err_r) < 0) {
		free(sec);
		struct store *st = &s->base;
		remote_repo_release(&s->repo);
		pthread_mutex_destroy(&s->lock);
		free(s->base.name);
		free(s);
		(void)st;
		return NULL;
	}
	free(sec);
	s->expunge = expunge;
	s->hold = hold;
	struct imap_pool_settings ps = {
		.name = repo,
		.maxconnections = maxconn > 0 ? (unsigned)maxconn : 1,
		.ops = { .open = pool_open },
		.arg = s,
	};
	s->pool = imap_pool_new(&ps);
	return &s->base;
}
