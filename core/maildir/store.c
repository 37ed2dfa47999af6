/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A Maildir repository as a store: folders are Maildir directories under
 * localfolders, messages are files whose names carry the server UID and the
 * flags (SPEC 5.5-5.11).  Maildir has no UIDs of its own: save() stores a
 * message under the UID it is given and never assigns one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "maildir/folder.h"
#include "maildir/names.h"
#include "maildir/store.h"
#include "ui.h"
#include "util.h"

struct md_store {
	struct store base;
	char *root;		/* localfolders */
	char *sep;		/* "." by default, "/" for nesting */
	char infosep;		/* ':' or '!' (maildir-windows-compatible) */
	bool existsok;
	struct maildir_atimes *atimes;	/* restoreatime, else NULL */
};

struct md_folder {
	struct store_folder base;
	struct maildir_folder *mf;
	struct maildir_msglist list;
	size_t msgs_cap;	/* allocated entries of list.msgs */
	/* Positions in list.msgs sorted by UID, kept up to date by appends
	 * (O(1) for the usual new highest UID) and rebuilt after other
	 * changes, so that a sync of n messages never costs n sorts. */
	size_t *index;
	size_t index_cap;
	bool index_dirty;
};

static struct md_store *mstore(struct store *st)
{
	return (struct md_store *)st;
}

static struct md_folder *mfolder(struct store_folder *f)
{
	return (struct md_folder *)f;
}

/* ---- the uid index ---- */

static int cmp_index(const void *a, const void *b, void *arg)
{
	const struct maildir_msglist *l = arg;
	int64_t x = l->msgs[*(const size_t *)a].uid;
	int64_t y = l->msgs[*(const size_t *)b].uid;
	return (x > y) - (x < y);
}

static void reindex(struct md_folder *f)
{
	if (f->index_cap < f->list.n + 1) {
		f->index_cap = f->list.n + 1;
		f->index = xrealloc(f->index,
				    f->index_cap * sizeof(*f->index));
	}
	for (size_t i = 0; i < f->list.n; i++)
		f->index[i] = i;
	qsort_r(f->index, f->list.n, sizeof(*f->index), cmp_index, &f->list);
	f->index_dirty = false;
}

/* Where uid is, or would go, in the index. */
static size_t index_pos(struct md_folder *f, long long uid)
{
	size_t lo = 0, hi = f->list.n;
	if (f->index_dirty || !f->index)
		reindex(f);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->list.msgs[f->index[mid]].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct maildir_msg *find_msg(struct md_folder *f, long long uid)
{
	size_t i = index_pos(f, uid);
	if (i < f->list.n && f->list.msgs[f->index[i]].uid == uid)
		return &f->list.msgs[f->index[i]];
	return NULL;
}

static void append_msg(struct md_folder *f, struct maildir_msg *m)
{
	size_t at = index_pos(f, m->uid);
	if (f->list.n == f->msgs_cap) {
		f->msgs_cap = f->msgs_cap ? 2 * f->msgs_cap : 64;
		f->list.msgs = xrealloc(f->list.msgs,
					f->msgs_cap * sizeof(*f->list.msgs));
	}
	if (f->index_cap < f->list.n + 2) {
		f->index_cap = 2 * (f->list.n + 2);
		f->index = xrealloc(f->index,
				    f->index_cap * sizeof(*f->index));
	}
	memmove(f->index + at + 1, f->index + at,
		(f->list.n - at) * sizeof(*f->index));
	f->index[at] = f->list.n;
	f->list.msgs[f->list.n++] = *m;
	memset(m, 0, sizeof(*m));
}

/* Remove the messages at the given positions (sorted descending, so
 * that moving the last message into a freed place never moves one still
 * to be removed). */
static void remove_msgs(struct md_folder *f, const size_t *pos, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = pos[k];
		maildir_msg_release(&f->list.msgs[i]);
		f->list.msgs[i] = f->list.msgs[--f->list.n];
	}
	if (n)
		f->index_dirty = true;
}

/* ---- repository ---- */

static int md_list_folders(struct store *st, struct store_folder_info **v_r,
			   size_t *n_r, char **err_r)
{
	struct md_store *s = mstore(st);
	char **names = NULL, **ignored = NULL;
	size_t n = 0;

	if (maildir_list_folders(s->root, s->sep, &names, &ignored, err_r) < 0)
		return STORE_EACCOUNT;
	for (char **p = ignored; p && *p; p++)
		ui_warn(true, "Maildir %s: the directory %s is not a folder "
			"name this program writes; it is not synced", s->root,
			*p);
	while (names && names[n])
		n++;
	struct store_folder_info *v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i].name = xstrdup(names[i]);
	strv_free(&names);
	strv_free(&ignored);
	*v_r = v;
	*n_r = n;
	return STORE_OK;
}

static char md_separator(struct store *st)
{
	return mstore(st)->sep[0];
}

static int md_create_folder(struct store *st, const char *name, char **err_r)
{
	struct md_store *s = mstore(st);
	if (maildir_folder_create(s->root, name, s->sep, s->existsok,
				  err_r) < 0)
		return STORE_EFOLDER;
	ui_debug(OI_DEBUG_MAILDIR, "Maildir %s: created folder %s", s->root,
		 name);
	return STORE_OK;
}

static int md_open_folder(struct store *st, const char *name,
			  struct store_folder **f_r, char **err_r)
{
	struct md_store *s = mstore(st);
	struct md_folder *f = xcalloc(1, sizeof(*f));

	f->base.store = st;
	f->base.name = xstrdup(name);
	if (maildir_folder_open(s->root, name, s->sep, s->infosep, &f->mf,
				err_r) < 0) {
		free(f->base.name);
		free(f);
		return STORE_EFOLDER;
	}
	if (s->atimes) {
		char *err = NULL;
		if (maildir_atimes_record(s->atimes,
					  maildir_folder_path(f->mf),
					  &err) < 0) {
			ui_warn(true, "restoreatime: %s", err);
			free(err);
		}
	}
	*f_r = &f->base;
	return STORE_OK;
}

static void md_close_folder(struct store_folder **pf)
{
	struct md_folder *f = mfolder(*pf);
	if (!f)
		return;
	struct md_store *s = mstore(f->base.store);
	if (s->atimes) {
		char *err = NULL;
		if (maildir_atimes_restore(s->atimes, &err) < 0) {
			ui_warn(true, "restoreatime: %s", err);
			free(err);
		}
	}
	maildir_msglist_release(&f->list);
	free(f->index);
	maildir_folder_close(&f->mf);
	free(f->base.name);
	free(f);
	*pf = NULL;
}

static void md_end_cycle(struct store *st)
{
	struct md_store *s = mstore(st);
	/* One record per folder per cycle (SPEC 9 row 24). */
	if (s->atimes)
		maildir_atimes_clear(s->atimes);
}

static void md_free(struct store **pst)
{
	struct md_store *s = mstore(*pst);
	if (!s)
		return;
	maildir_atimes_free(&s->atimes);
	free(s->root);
	free(s->sep);
	free(s->base.name);
	free(s);
	*pst = NULL;
}

/* ---- folder ---- */

static int md_uidvalidity(struct store_folder *f, uint32_t *uv_r,
			  char **err_r)
{
	(void)f;
	(void)err_r;
	*uv_r = 42;	/* SPEC 5.3: every Maildir folder says 42 */
	return STORE_OK;
}

static bool md_read_only(struct store_folder *f)
{
	(void)f;
	return false;
}

/* The part of a file name that stays the same across flag changes. */
static char *unique_part(const char *name, char infosep)
{
	return xstrndup(name, strcspn(name, (char[]){ infosep, 0 }));
}

static int md_list_msgs(struct store_folder *pf, struct store_msglist *out,
			char **err_r)
{
	struct md_folder *f = mfolder(pf);
	struct md_store *s = mstore(pf->store);

	store_msglist_release(out);
	maildir_msglist_release(&f->list);
	f->msgs_cap = 0;
	if (maildir_scan(f->mf, &f->list, err_r) < 0)
		return STORE_EFOLDER;
	f->msgs_cap = f->list.n;
	for (size_t i = 0; i < f->list.ndups; i++)
		ui_warn(false, "folder %s: two files claim UID %u: %s is "
			"synced, %s is left alone; remove or rename one of "
			"them", pf->name, f->list.dups[i].uid,
			f->list.dups[i].kept, f->list.dups[i].other);
	for (size_t i = 0; i < f->list.n; i++) {
		const struct maildir_msg *m = &f->list.msgs[i];
		struct store_msg sm = {
			.uid = m->uid,
			.flags = (unsigned)(m->flags & STORE_FLAGS_ALL),
			.time = m->mtime.tv_sec,
			.size = (uint64_t)m->size,
			.key = m->uid < 0 ? unique_part(m->name, s->infosep)
					  : NULL,
		};
		store_msglist_add(out, &sm);
	}
	store_msglist_sort(out);
	f->index_dirty = true;
	return STORE_OK;
}

static int read_into_body(void *ctx, const char *data, size_t len,
			  char **err_r)
{
	return msgbody_write(ctx, data, len, err_r);
}

static int md_fetch(struct store_folder *pf, long long uid,
		    struct msgbody *body, char **err_r)
{
	struct md_folder *f = mfolder(pf);
	struct maildir_msg *m = find_msg(f, uid);
	if (!m) {
		*err_r = xasprintf("%s: no message %lld", pf->name, uid);
		return STORE_EMSG;
	}
	if (maildir_read(f->mf, m, read_into_body, body, err_r) < 0 ||
	    msgbody_finish(body, err_r) < 0)
		return STORE_EMSG;
	return STORE_OK;
}

/* maildir_set_flags with the rename shown by -d maildir. */
static int set_flags(struct md_folder *f, struct maildir_msg *m,
		     uint64_t flags, char **err_r)
{
	if (!ui_debug_enabled(OI_DEBUG_MAILDIR))
		return maildir_set_flags(f->mf, m, flags, err_r);
	char *old = xasprintf("%s/%s", m->in_new ? "new" : "cur", m->name);
	int r = maildir_set_flags(f->mf, m, flags, err_r);
	char *now = xasprintf("%s/%s", m->in_new ? "new" : "cur", m->name);
	if (r == 0 && strcmp(old, now) != 0)
		ui_debug(OI_DEBUG_MAILDIR, "folder %s: renamed %s to %s",
			 f->base.name, old, now);
	free(now);
	free(old);
	return r;
}

static int md_save(struct store_folder *pf, long long uid,
		   struct msgbody *body, unsigned flags, time_t t,
		   const char *token, long long *uid_r, char **err_r)
{
	struct md_folder *f = mfolder(pf);
	struct maildir_writer *w = NULL;
	struct maildir_msg msg = { 0 };
	char buf[65536];
	uint64_t off = 0;

	(void)token;
	*uid_r = uid;
	if (uid <= 0)
		return STORE_OK;	/* a Maildir cannot assign UIDs */
	struct maildir_msg *have = find_msg(f, uid);
	if (have) {
		/* Keep the keyword letters the name already has. */
		uint64_t nf = (have->flags & ~(uint64_t)STORE_FLAGS_ALL) |
			      flags;
		return set_flags(f, have, nf, err_r) < 0 ? STORE_EMSG
							  : STORE_OK;
	}
	if (!body) {
		*err_r = xasprintf("%s: no body to store for message %lld",
				   pf->name, uid);
		return STORE_EMSG;
	}
	if (maildir_write_begin(f->mf, &w, err_r) < 0)
		return STORE_EFOLDER;
	for (;;) {
		size_t got = 0;
		if (msgbody_read(body, off, buf, sizeof(buf), &got, err_r) < 0 ||
		    (got && maildir_write_data(w, buf, got, err_r) < 0)) {
			maildir_write_abort(&w);
			return STORE_EFOLDER;
		}
		if (!got)
			break;
		off += got;
	}
	struct timespec mt = { .tv_sec = t };
	if (maildir_write_commit(&w, (uint32_t)uid, flags, t > 0 ? &mt : NULL,
				 &msg, err_r) < 0)
		return STORE_EFOLDER;
	ui_debug(OI_DEBUG_MAILDIR, "folder %s: wrote message %lld as %s/%s",
		 pf->name, uid, msg.in_new ? "new" : "cur", msg.name);
	append_msg(f, &msg);
	return STORE_OK;
}

static int change_flags(struct store_folder *pf, const long long *uids,
			size_t n, unsigned flags, bool add, char **err_r)
{
	struct md_folder *f = mfolder(pf);
	for (size_t i = 0; i < n; i++) {
		struct maildir_msg *m = find_msg(f, uids[i]);
		if (!m)
			continue;
		uint64_t nf = add ? m->flags | flags : m->flags & ~(uint64_t)flags;
		if (nf != m->flags && set_flags(f, m, nf, err_r) < 0)
			return STORE_EFOLDER;
	}
	return STORE_OK;
}

static int md_add_flags(struct store_folder *f, const long long *uids,
			size_t n, unsigned flags, char **err_r)
{
	return change_flags(f, uids, n, flags, true, err_r);
}

static int md_remove_flags(struct store_folder *f, const long long *uids,
			   size_t n, unsigned flags, char **err_r)
{
	return change_flags(f, uids, n, flags, false, err_r);
}

static int cmp_pos_desc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x < y) - (x > y);
}

static int md_delete_msgs(struct store_folder *pf, const long long *uids,
			  size_t n, char **err_r)
{
	struct md_folder *f = mfolder(pf);
	size_t *gone = xcalloc(n + 1, sizeof(*gone));
	size_t ngone = 0;
	int r = STORE_OK;

	/* The list changes only at the end: lookups stay O(log n). */
	for (size_t i = 0; i < n; i++) {
		struct maildir_msg *m = find_msg(f, uids[i]);
		if (!m)
			continue;
		if (maildir_delete(f->mf, m, err_r) < 0) {
			r = STORE_EFOLDER;
			break;
		}
		ui_debug(OI_DEBUG_MAILDIR, "folder %s: deleted message %lld "
			 "(%s/%s)", pf->name, uids[i],
			 m->in_new ? "new" : "cur", m->name);
		gone[ngone++] = (size_t)(m - f->list.msgs);
	}
	qsort(gone, ngone, sizeof(*gone), cmp_pos_desc);
	/* A UID listed twice was deleted once. */
	size_t k = 0;
	for (size_t i = 0; i < ngone; i++)
		if (!k || gone[k - 1] != gone[i])
			gone[k++] = gone[i];
	remove_msgs(f, gone, k);
	free(gone);
	return r;
}

/* Rename `m` (in `dir`) to a fresh unique name without ",U=", keeping its
 * flags and directory, never replacing another file.  Returns 0, -1 with
 * *err_r, or -2 with *err_r when the file is gone (a mail reader moved it
 * meanwhile). */
static int rename_without_uid(struct md_folder *f, struct maildir_msg *m,
			      const char *dir, char **newname_r, char **err_r)
{
	struct md_store *s = mstore(f->base.store);
	char *old = xasprintf("%s/%s", dir, m->name);
	int ret = -1;

	for (int attempt = 0; attempt < 1000; attempt++) {
		char *unique = maildir_name_unique();
		char *name = maildir_name_build(unique, 0, NULL, s->infosep,
						m->flags, m->in_new);
		char *path = xasprintf("%s/%s", dir, name);
		free(unique);
		int r = renameat2(AT_FDCWD, old, AT_FDCWD, path,
				  RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* No RENAME_NOREPLACE here: link, then unlink. */
			r = link(old, path);
			if (r == 0 && unlink(old) < 0) {
				int saved = errno;
				unlink(path);
				errno = saved;
				r = -1;
			}
		}
		free(path);
		if (r == 0) {
			*newname_r = name;
			ret = 0;
			goto out;
		}
		free(name);
		if (errno != EEXIST) {
			ret = errno == ENOENT ? -2 : -1;
			*err_r = sys_errmsg("cannot rename %s", old);
			goto out;
		}
	}
	*err_r = xasprintf("cannot find a free file name in %s", dir);
out:
	free(old);
	return ret;
}

static int md_forget_uid(struct store_folder *pf, long long uid,
			 long long *uid_r, char **key_r, char **err_r)
{
	struct md_folder *f = mfolder(pf);
	struct md_store *s = mstore(pf->store);
	struct maildir_msg *m = find_msg(f, uid);
	char *name = NULL;

	if (!m) {
		*err_r = xasprintf("%s: no message %lld", pf->name, uid);
		return STORE_EMSG;
	}
	char *dir = xasprintf("%s/%s", maildir_folder_path(f->mf),
			      m->in_new ? "new" : "cur");
	int r = rename_without_uid(f, m, dir, &name, err_r);
	if (r == 0) {
		fsutil_checkpoint("maildir UID dropped");
		r = fsutil_fsync_dir(dir, err_r);
	}
	free(dir);
	if (r < 0) {
		free(name);
		return r == -2 ? STORE_EMSG : STORE_EFOLDER;
	}
	ui_debug(OI_DEBUG_MAILDIR, "folder %s: message %lld is not known to "
		 "the server or the status; renamed %s/%s to %s/%s to upload "
		 "it as a new message", pf->name, uid,
		 m->in_new ? "new" : "cur", m->name,
		 m->in_new ? "new" : "cur", name);
	/* The next free negative UID, as the listing would have given. */
	long long neg = 0;
	for (size_t i = 0; i < f->list.n; i++)
		if (f->list.msgs[i].uid < neg)
			neg = f->list.msgs[i].uid;
	free(m->name);
	m->name = name;
	m->uid = neg - 1;
	f->index_dirty = true;
	*uid_r = neg - 1;
	*key_r = unique_part(name, s->infosep);
	return STORE_OK;
}

static unsigned md_storable_flags(struct store_folder *f)
{
	(void)f;
	return STORE_FLAGS_ALL;
}

static const struct store_ops maildir_store_ops = {
	.type = "Maildir",
	.caps = 0,
	.list_folders = md_list_folders,
	.separator = md_separator,
	.create_folder = md_create_folder,
	.open_folder = md_open_folder,
	.close_folder = md_close_folder,
	.end_cycle = md_end_cycle,
	.free = md_free,
	.uidvalidity = md_uidvalidity,
	.read_only = md_read_only,
	.list_msgs = md_list_msgs,
	.fetch = md_fetch,
	.save = md_save,
	.find_token = NULL,
	.add_flags = md_add_flags,
	.remove_flags = md_remove_flags,
	.delete_msgs = md_delete_msgs,
	.storable_flags = md_storable_flags,
	.forget_uid = md_forget_uid,
};

struct store *maildir_store_new(const struct config *cfg, const char *repo,
				char **err_r)
{
	char *sec = xasprintf("Repository %s", repo);
	char *root = NULL;
	const char *sep = ".";
	bool restore = false, existsok = false, windows = false;
	struct stat st;

	if (config_get_path(cfg, sec, "localfolders", &root, err_r) < 0 ||
	    config_get(cfg, sec, "sep", &sep, err_r) < 0 ||
	    config_get_bool(cfg, sec, "restoreatime", &restore, err_r) < 0 ||
	    config_get_bool(cfg, sec, "existsok", &existsok, err_r) < 0 ||
	    config_get_bool(cfg, sec, "maildir-windows-compatible", &windows,
			    err_r) < 0)
		goto fail;
	if (!root) {
		*err_r = xasprintf("[%s] localfolders is not set", sec);
		goto fail;
	}
	/* SPEC 2.2: the root must exist; it is not created. */
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*err_r = sys_errmsg("[%s] localfolders %s", sec, root);
		goto fail;
	}
	if (!*sep || strlen(sep) != 1) {
		*err_r = xasprintf("[%s] sep must be one character, not "
				   "\"%s\"", sec, sep);
		goto fail;
	}
	struct md_store *s = xcalloc(1, sizeof(*s));
	s->base.ops = &maildir_store_ops;
	s->base.name = xstrdup(repo);
	s->root = root;
	s->sep = xstrdup(sep);
	s->infosep = windows ? '!' : ':';
	s->existsok = existsok;
	s->atimes = restore ? maildir_atimes_new() : NULL;
	free(sec);
	return &s->base;
fail:
	free(root);
	free(sec);
	return NULL;
}
