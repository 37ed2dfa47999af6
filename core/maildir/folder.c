/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One Maildir folder on disk: discovery, creation, message list, durable
 * writes, flag renames, deletion, streaming reads, restoreatime. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "maildir/folder.h"
#include "maildir/names.h"
#include "pathname.h"
#include "status.h"
#include "util.h"

enum sub { SUB_NEW, SUB_CUR, SUB_TMP, SUB_COUNT };
static const char *const sub_names[SUB_COUNT] = { "new", "cur", "tmp" };

struct maildir_folder {
	char *name;
	char *path;		/* root/relpath, or root for "." */
	int dirfd;
	int subfd[SUB_COUNT];
	char fmd5[33];
	char infosep;
};

struct maildir_writer {
	struct maildir_folder *f;
	int fd;
	char *unique;		/* the file's name in tmp/ */
};

static char *join_path(const char *root, const char *rel)
{
	if (strcmp(rel, ".") == 0)
		return xstrdup(root);
	size_t n = strlen(root);
	return xasprintf("%s%s%s", root, n && root[n - 1] == '/' ? "" : "/",
			 rel);
}

/* ---- creation ----------------------------------------------------- */

static bool has_subdir(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

int maildir_folder_create(const char *root, const char *name, const char *sep,
			  bool existsok, char **err_r)
{
	char *rel = NULL;
	if (pathname_maildir_encode(name, sep, &rel, err_r) < 0)
		return -1;
	int ret = -1;
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *display = xstrdup(root);
	if (dfd < 0) {
		*err_r = sys_errmsg("cannot open Maildir root %s", root);
		goto out;
	}
	if (strcmp(rel, ".") != 0) {
		/* Walk down, creating what is missing.  The components come
		 * from pathname_maildir_encode, so none is empty, "." or
		 * "..". */
		for (const char *p = rel;;) {
			size_t n = strcspn(p, "/");
			char *comp = xstrndup(p, n);
			bool last = !p[n];
			char *next_display = xasprintf("%s/%s", display, comp);
			bool created = false;
			int r = fsutil_mkdirat_0700(dfd, comp, next_display,
						    &created, err_r);
			if (r == 0 && last && !created) {
				/* Some of cur/new/tmp already there: a
				 * creation cut short, to be completed. */
				bool partial = false;
				for (int i = 0; i < SUB_COUNT; i++) {
					char *sp = xasprintf("%s/%s", comp,
							     sub_names[i]);
					partial |= has_subdir(dfd, sp);
					free(sp);
				}
				if (!partial && !existsok &&
				    !(sep && strcmp(sep, "/") == 0)) {
					*err_r = xasprintf(
						"cannot create folder \"%s\":"
						" %s already exists and is "
						"not a Maildir (set existsok"
						" = yes to use it)", name,
						next_display);
					r = -1;
				}
			}
			int nfd = -1;
			if (r == 0) {
				nfd = openat(dfd, comp, O_RDONLY |
					     O_DIRECTORY | O_CLOEXEC);
				if (nfd < 0) {
					*err_r = sys_errmsg("cannot open %s",
							    next_display);
					r = -1;
				}
			}
			free(comp);
			free(display);
			display = next_display;
			close(dfd);
			dfd = nfd;
			if (r < 0)
				goto out;
			if (last)
				break;
			p += n + 1;
		}
	}
	for (int i = 0; i < SUB_COUNT; i++) {
		char *sd = xasprintf("%s/%s", display, sub_names[i]);
		int r = fsutil_mkdirat_0700(dfd, sub_names[i], sd, NULL,
					    err_r);
		free(sd);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(display);
	free(rel);
	return ret;
}

/* ---- discovery ---------------------------------------------------- */

struct visited {
	dev_t dev;
	ino_t ino;
};

struct discovery {
	const char *sep;
	struct strbuf rel;
	char **names, **ignored;
	size_t nnames, nignored, capnames, capignored;
	struct visited stack[64];
	size_t depth;
};

static void push_str(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static bool is_maildir(int dfd)
{
	for (int i = 0; i < SUB_COUNT; i++)
		if (!has_subdir(dfd, sub_names[i]))
			return false;
	return true;
}

static void found(struct discovery *d, const char *rel)
{
	char *name = NULL;
	if (pathname_maildir_decode(rel, d->sep, &name) == 0)
		push_str(&d->names, &d->nnames, &d->capnames, name);
	else
		push_str(&d->ignored, &d->nignored, &d->capignored,
			 xstrdup(rel));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List the subdirectories of dfd (names only, sorted). */
static int list_dirents(int dfd, const char *display, char ***names_r,
			size_t *n_r, char **err_r)
{
	int fd = dup(dfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		*err_r = sys_errmsg("cannot list %s", display);
		return -1;
	}
	rewinddir(dir);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		push_str(&v, &n, &cap, xstrdup(de->d_name));
	}
	int saved = errno;
	closedir(dir);
	if (saved) {
		errno = saved;
		*err_r = sys_errmsg("cannot list %s", display);
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*names_r = v;
	*n_r = n;
	return 0;
}

static int discover(struct discovery *d, int dfd, const char *display,
		    char **err_r)
{
	char **ents;
	size_t n;
	if (list_dirents(dfd, display, &ents, &n, err_r) < 0)
		return -1;
	int ret = 0;
	bool nested = d->sep && strcmp(d->sep, "/") == 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		const char *e = ents[i];
		if (!strcmp(e, "cur") || !strcmp(e, "new") ||
		    !strcmp(e, "tmp") || !strcmp(e, "offlineimap.uidvalidity"))
			continue;
		struct stat st;
		if (fstatat(dfd, e, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		int cfd = openat(dfd, e, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			continue;	/* unreadable: not ours to sync */
		size_t mark = d->rel.len;
		if (d->rel.len)
			strbuf_addch(&d->rel, '/');
		strbuf_addstr(&d->rel, e);
		if (is_maildir(cfd))
			found(d, d->rel.buf);
		if (nested) {
			/* Symbolic links are followed (as 4.0's isdir did),
			 * so guard against loops through an ancestor. */
			bool loop = d->depth >= ARRAY_SIZE(d->stack);
			for (size_t k = 0; k < d->depth && !loop; k++)
				loop = d->stack[k].dev == st.st_dev &&
				       d->stack[k].ino == st.st_ino;
			if (!loop) {
				d->stack[d->depth].dev = st.st_dev;
				d->stack[d->depth].ino = st.st_ino;
				d->depth++;
				char *sub = xasprintf("%s/%s", display, e);
				ret = discover(d, cfd, sub, err_r);
				free(sub);
				d->depth--;
			}
		}
		close(cfd);
		d->rel.len = mark;
		d->rel.buf[mark] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

int maildir_list_folders(const char *root, const char *sep, char ***names_r,
			 char ***ignored_r, char **err_r)
{
	struct discovery d;
	memset(&d, 0, sizeof(d));
	d.sep = sep;
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*err_r = sys_errmsg("cannot open Maildir root %s", root);
		return -1;
	}
	strbuf_init(&d.rel);
	strbuf_add(&d.rel, "", 0);
	struct stat st;
	if (fstat(dfd, &st) == 0) {
		d.stack[0].dev = st.st_dev;
		d.stack[0].ino = st.st_ino;
		d.depth = 1;
	}
	if (is_maildir(dfd))
		push_str(&d.names, &d.nnames, &d.capnames, xstrdup("."));
	int r = discover(&d, dfd, root, err_r);
	close(dfd);
	strbuf_release(&d.rel);
	if (r < 0) {
		strv_free(&d.names);
		strv_free(&d.ignored);
		return -1;
	}
	if (!d.names)
		d.names = xcalloc(1, sizeof(char *));
	if (!d.ignored)
		d.ignored = xcalloc(1, sizeof(char *));
	qsort(d.names, d.nnames, sizeof(char *), cmp_str);
	*names_r = d.names;
	if (ignored_r)
		*ignored_r = d.ignored;
	else
		strv_free(&d.ignored);
	return 0;
}

/* ---- open --------------------------------------------------------- */

int maildir_folder_open(const char *root, const char *name, const char *sep,
			char infosep, struct maildir_folder **f_r,
			char **err_r)
{
	char *rel = NULL;
	if (pathname_maildir_encode(name, sep, &rel, err_r) < 0)
		return -1;
	struct maildir_folder *f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->path = join_path(root, rel);
	free(rel);
	f->infosep = infosep;
	maildir_fmd5(name, f->fmd5);
	for (int i = 0; i < SUB_COUNT; i++)
		f->subfd[i] = -1;
	f->dirfd = open(f->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		*err_r = sys_errmsg("cannot open Maildir folder %s", f->path);
		goto fail;
	}
	for (int i = 0; i < SUB_COUNT; i++) {
		f->subfd[i] = openat(f->dirfd, sub_names[i],
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->subfd[i] < 0) {
			*err_r = sys_errmsg("%s is not a Maildir folder: "
					    "cannot open %s/", f->path,
					    sub_names[i]);
			goto fail;
		}
	}
	*f_r = f;
	return 0;
fail:
	maildir_folder_close(&f);
	return -1;
}

void maildir_folder_close(struct maildir_folder **fp)
{
	struct maildir_folder *f = *fp;
	if (!f)
		return;
	for (int i = 0; i < SUB_COUNT; i++)
		if (f->subfd[i] >= 0)
			close(f->subfd[i]);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->name);
	free(f->path);
	FREE(fp);
}

const char *maildir_folder_path(const struct maildir_folder *f)
{
	return f->path;
}

const char *maildir_folder_name(const struct maildir_folder *f)
{
	return f->name;
}

const char *maildir_folder_fmd5(const struct maildir_folder *f)
{
	return f->fmd5;
}

/* ---- message list ------------------------------------------------- */

void maildir_msg_release(struct maildir_msg *m)
{
	FREE(&m->name);
}

void maildir_msglist_release(struct maildir_msglist *l)
{
	for (size_t i = 0; i < l->n; i++)
		maildir_msg_release(&l->msgs[i]);
	for (size_t i = 0; i < l->ndups; i++) {
		free(l->dups[i].kept);
		free(l->dups[i].other);
	}
	free(l->msgs);
	free(l->dups);
	memset(l, 0, sizeof(*l));
}

/* The UID a file name gives in folder f (0: none). */
static uint32_t name_uid(const struct maildir_folder *f,
			 const struct maildir_name *pn)
{
	if (pn->has_fmd5 && pn->has_uid && !strcmp(pn->fmd5, f->fmd5))
		return pn->uid;
	return 0;
}

int maildir_scan(struct maildir_folder *f, struct maildir_msglist *out,
		 char **err_r)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0, capdups = 0;
	int64_t next_neg = -1;
	struct uid_table seen;	/* uid -> index + 1 in out->msgs */
	uid_table_init(&seen);
	static const enum sub order[2] = { SUB_NEW, SUB_CUR };
	for (int k = 0; k < 2; k++) {
		enum sub s = order[k];
		char *display = xasprintf("%s/%s", f->path, sub_names[s]);
		char **ents;
		size_t n;
		int r = list_dirents(f->subfd[s], display, &ents, &n, err_r);
		free(display);
		if (r < 0) {
			uid_table_release(&seen);
			maildir_msglist_release(out);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct stat st;
			/* Mail readers' dot-files and anything that is not
			 * a plain file (subdirectories, links, sockets) are
			 * not messages; a file that vanished meanwhile is
			 * simply not listed. */
			if (ents[i][0] == '.' ||
			    fstatat(f->subfd[s], ents[i], &st,
				    AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode)) {
				free(ents[i]);
				continue;
			}
			struct maildir_name pn;
			maildir_name_parse(ents[i], f->infosep, &pn);
			if (out->n == cap) {
				cap = cap ? cap * 2 : 64;
				out->msgs = xrealloc(out->msgs,
						     cap * sizeof(*out->msgs));
			}
			struct maildir_msg *m = &out->msgs[out->n];
			m->name = ents[i];
			m->in_new = s == SUB_NEW;
			m->flags = pn.flags;
			m->mtime = st.st_mtim;
			m->size = st.st_size;
			uint32_t uid = name_uid(f, &pn);
			uint64_t prev;
			if (uid && uid_table_get(&seen, uid, &prev)) {
				if (out->ndups == capdups) {
					capdups = capdups ? capdups * 2 : 4;
					out->dups = xrealloc(out->dups,
						capdups * sizeof(*out->dups));
				}
				const struct maildir_msg *pm =
					&out->msgs[prev - 1];
				struct maildir_dup *d =
					&out->dups[out->ndups++];
				d->uid = uid;
				d->kept = xasprintf("%s/%s",
						    pm->in_new ? "new" : "cur",
						    pm->name);
				d->other = xasprintf("%s/%s",
						     m->in_new ? "new" : "cur",
						     m->name);
				uid = 0;
			}
			if (uid) {
				m->uid = uid;
				uid_table_put(&seen, uid, out->n + 1);
			} else {
				m->uid = next_neg--;
			}
			out->n++;
		}
		free(ents);
	}
	uid_table_release(&seen);
	return 0;
}

/* ---- finding a message again -------------------------------------- */

/* Look for the file of m after it was renamed behind our back: same
 * unique part (a mail reader changes only the info part and the
 * directory), else, for a positive UID, the same UID of this folder.
 * Updates m; returns 0 when found, 1 when not found, -1 on error. */
static int relocate(struct maildir_folder *f, struct maildir_msg *m,
		    char **err_r)
{
	struct maildir_name mine;
	maildir_name_parse(m->name, f->infosep, &mine);
	char *found_name = NULL, *uid_name = NULL;
	bool found_new = false, uid_new = false;
	int uid_matches = 0;
	for (int s = SUB_NEW; s <= SUB_CUR && !found_name; s++) {
		char *display = xasprintf("%s/%s", f->path, sub_names[s]);
		char **ents;
		size_t n;
		int r = list_dirents(f->subfd[s], display, &ents, &n, err_r);
		free(display);
		if (r < 0) {
			free(uid_name);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct maildir_name pn;
			if (ents[i][0] == '.')
				continue;
			maildir_name_parse(ents[i], f->infosep, &pn);
			if (!found_name && pn.base_len == mine.base_len &&
			    !memcmp(ents[i], m->name, mine.base_len)) {
				found_name = xstrdup(ents[i]);
				found_new = s == SUB_NEW;
			}
			if (m->uid > 0 && name_uid(f, &pn) == m->uid) {
				uid_matches++;
				if (!uid_name) {
					uid_name = xstrdup(ents[i]);
					uid_new = s == SUB_NEW;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			free(ents[i]);
		free(ents);
	}
	/* Going by UID is only safe when exactly one file has it. */
	if (!found_name && uid_matches == 1) {
		found_name = uid_name;
		found_new = uid_new;
		uid_name = NULL;
	}
	free(uid_name);
	if (!found_name)
		return 1;
	free(m->name);
	m->name = found_name;
	m->in_new = found_new;
	return 0;
}

static int subfd_of(const struct maildir_folder *f, bool in_new)
{
	return f->subfd[in_new ? SUB_NEW : SUB_CUR];
}

/* ---- writing ------------------------------------------------------ */

int maildir_write_begin(struct maildir_folder *f, struct maildir_writer **w_r,
			char **err_r)
{
	/* The unique part comes from a per-process counter, but another
	 * process (or a leftover of a crash) may hold the same name:
	 * create exclusively and take the next sequence number. */
	for (int attempt = 0; attempt < 1000; attempt++) {
		char *unique = maildir_name_unique();
		int fd = openat(f->subfd[SUB_TMP], unique,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				O_CLOEXEC, 0600);
		if (fd >= 0) {
			struct maildir_writer *w = xcalloc(1, sizeof(*w));
			w->f = f;
			w->fd = fd;
			w->unique = unique;
			*w_r = w;
			return 0;
		}
		int saved = errno;
		free(unique);
		if (saved != EEXIST) {
			errno = saved;
			*err_r = sys_errmsg("cannot create a file in %s/tmp",
					    f->path);
			return -1;
		}
	}
	*err_r = xasprintf("cannot find a free file name in %s/tmp",
			   f->path);
	return -1;
}

int maildir_write_data(struct maildir_writer *w, const void *data, size_t len,
		       char **err_r)
{
	if (write_full(w->fd, data, len) < 0) {
		*err_r = sys_errmsg("cannot write %s/tmp/%s", w->f->path,
				    w->unique);
		return -1;
	}
	return 0;
}

void maildir_write_abort(struct maildir_writer **wp)
{
	struct maildir_writer *w = *wp;
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlinkat(w->f->subfd[SUB_TMP], w->unique, 0);
	free(w->unique);
	FREE(wp);
}

/* Put tmp/<tmpname> in place as dfd/<final> without ever replacing an
 * existing file.  Returns 0, 1 when the final name exists, -1 on error;
 * *moved_r tells whether the temporary name is gone (rename fallback). */
static int place(int tmpfd, const char *tmpname, int dfd, const char *final,
		 bool *moved_r)
{
	*moved_r = false;
	if (linkat(tmpfd, tmpname, dfd, final, 0) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS &&
	    errno != EMLINK)
		return -1;
	/* File systems without hard links. */
	if (renameat2(tmpfd, tmpname, dfd, final, RENAME_NOREPLACE) == 0) {
		*moved_r = true;
		return 0;
	}
	if (errno == EEXIST)
		return 1;
	return -1;
}

int maildir_write_commit(struct maildir_writer **wp, uint32_t uid,
			 uint64_t flags, const struct timespec *mtime,
			 struct maildir_msg *msg_r, char **err_r)
{
	struct maildir_writer *w = *wp;
	struct maildir_folder *f = w->f;
	char *final = NULL;
	int ret = -1;
	if (mtime) {
		struct timespec ts[2] = { *mtime, *mtime };
		if (futimens(w->fd, ts) < 0) {
			*err_r = sys_errmsg("cannot set the time of %s/tmp/%s",
					    f->path, w->unique);
			goto fail;
		}
	}
	/* The data must be durable before any name in new/ or cur/ can
	 * point at it, or a crash could leave an empty message. */
	if (fsutil_fsync(w->fd) < 0) {
		*err_r = sys_errmsg("cannot sync %s/tmp/%s", f->path,
				    w->unique);
		goto fail;
	}
	struct stat st;
	if (fstat(w->fd, &st) < 0 || close(w->fd) < 0) {
		w->fd = -1;
		*err_r = sys_errmsg("cannot write %s/tmp/%s", f->path,
				    w->unique);
		goto fail;
	}
	w->fd = -1;
	fsutil_checkpoint("maildir message written to tmp/");
	bool in_new = maildir_flags_in_new(flags);
	int dfd = subfd_of(f, in_new);
	bool moved = false;
	for (int attempt = 0;; attempt++) {
		char *unique = attempt ? maildir_name_unique()
				       : xstrdup(w->unique);
		free(final);
		final = maildir_name_build(unique, uid, f->fmd5, f->infosep,
					   flags, in_new);
		free(unique);
		int r = place(f->subfd[SUB_TMP], w->unique, dfd, final,
			      &moved);
		if (r == 0)
			break;
		if (r < 0) {
			*err_r = sys_errmsg("cannot move %s/tmp/%s to %s/%s",
					    f->path, w->unique,
					    in_new ? "new" : "cur", final);
			goto fail;
		}
		if (attempt >= 1000) {
			*err_r = xasprintf("cannot find a free file name in "
					   "%s/%s", f->path,
					   in_new ? "new" : "cur");
			goto fail;
		}
	}
	fsutil_checkpoint("maildir message linked");
	char *display = xasprintf("%s/%s", f->path, in_new ? "new" : "cur");
	int r = fsutil_fsync_dirfd(dfd, display, err_r);
	free(display);
	if (r < 0) {
		/* Not durable: take it back, so that failure means "not
		 * stored" for the caller. */
		unlinkat(dfd, final, 0);
		goto fail;
	}
	if (!moved) {
		/* A leftover temporary file would be harmless (tmp/ is never
		 * read), so its removal needs no sync. */
		unlinkat(f->subfd[SUB_TMP], w->unique, 0);
		fsutil_checkpoint("maildir temporary file removed");
	}
	if (msg_r) {
		msg_r->uid = uid;
		msg_r->flags = flags;
		msg_r->name = final;
		msg_r->in_new = in_new;
		msg_r->mtime = st.st_mtim;
		msg_r->size = st.st_size;
		final = NULL;
	}
	ret = 0;
	free(final);
	free(w->unique);
	FREE(wp);
	return ret;
fail:
	free(final);
	maildir_write_abort(wp);
	return ret;
}

int maildir_write_message(struct maildir_folder *f, uint32_t uid,
			  uint64_t flags, const struct timespec *mtime,
			  const void *data, size_t len,
			  struct maildir_msg *msg_r, char **err_r)
{
	struct maildir_writer *w;
	if (maildir_write_begin(f, &w, err_r) < 0)
		return -1;
	if (maildir_write_data(w, data, len, err_r) < 0) {
		maildir_write_abort(&w);
		return -1;
	}
	return maildir_write_commit(&w, uid, flags, mtime, msg_r, err_r);
}

/* ---- flags, deletion, reading ------------------------------------- */

/* rename() that never replaces: renameat2(RENAME_NOREPLACE), or where the
 * file system lacks it, link + unlink. */
static int rename_noreplace(int ofd, const char *old, int nfd, const char *new)
{
	if (renameat2(ofd, old, nfd, new, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(ofd, old, nfd, new, 0) < 0)
		return -1;
	if (unlinkat(ofd, old, 0) < 0) {
		int saved = errno;
		unlinkat(nfd, new, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

int maildir_set_flags(struct maildir_folder *f, struct maildir_msg *m,
		      uint64_t flags, char **err_r)
{
	for (int attempt = 0;; attempt++) {
		bool to_new;
		char *newname = maildir_name_set_flags(m->name, f->infosep,
						       flags, m->in_new,
						       &to_new);
		if (to_new == m->in_new && !strcmp(newname, m->name)) {
			free(newname);
			m->flags = flags;
			return 0;
		}
		int ofd = subfd_of(f, m->in_new), nfd = subfd_of(f, to_new);
		if (rename_noreplace(ofd, m->name, nfd, newname) == 0) {
			fsutil_checkpoint("maildir flags renamed");
			char *dn = xasprintf("%s/%s", f->path,
					     to_new ? "new" : "cur");
			int r = fsutil_fsync_dirfd(nfd, dn, err_r);
			free(dn);
			if (r == 0 && ofd != nfd) {
				dn = xasprintf("%s/%s", f->path,
					       m->in_new ? "new" : "cur");
				r = fsutil_fsync_dirfd(ofd, dn, err_r);
				free(dn);
			}
			free(m->name);
			m->name = newname;
			m->in_new = to_new;
			m->flags = flags;
			return r;
		}
		int saved = errno;
		if (saved == ENOENT && attempt == 0) {
			int r = relocate(f, m, err_r);
			if (r == 0) {
				free(newname);
				continue;
			}
			if (r < 0) {
				free(newname);
				return -1;
			}
		}
		errno = saved;
		*err_r = sys_errmsg("cannot rename %s/%s/%s to %s/%s",
				    f->path, m->in_new ? "new" : "cur",
				    m->name, to_new ? "new" : "cur", newname);
		free(newname);
		return -1;
	}
}

int maildir_delete(struct maildir_folder *f, struct maildir_msg *m,
		   char **err_r)
{
	for (int attempt = 0;; attempt++) {
		int dfd = subfd_of(f, m->in_new);
		if (unlinkat(dfd, m->name, 0) == 0) {
			fsutil_checkpoint("maildir message deleted");
			char *dn = xasprintf("%s/%s", f->path,
					     m->in_new ? "new" : "cur");
			int r = fsutil_fsync_dirfd(dfd, dn, err_r);
			free(dn);
			return r;
		}
		if (errno != ENOENT || attempt > 0) {
			*err_r = sys_errmsg("cannot delete %s/%s/%s", f->path,
					    m->in_new ? "new" : "cur",
					    m->name);
			return -1;
		}
		int r = relocate(f, m, err_r);
		if (r < 0)
			return -1;
		if (r == 1)
			return 0;	/* already gone */
	}
}

int maildir_read(struct maildir_folder *f, struct maildir_msg *m,
		 maildir_read_fn fn, void *ctx, char **err_r)
{
	int fd = -1;
	for (int attempt = 0; fd < 0; attempt++) {
		fd = openat(subfd_of(f, m->in_new), m->name,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			break;
		int saved = errno;
		if (saved == ENOENT && attempt == 0) {
			int r = relocate(f, m, err_r);
			if (r < 0)
				return -1;
			if (r == 0)
				continue;
		}
		errno = saved;
		*err_r = sys_errmsg("cannot open %s/%s/%s", f->path,
				    m->in_new ? "new" : "cur", m->name);
		return -1;
	}
	enum { CHUNK = 65536 };
	char *buf = xmalloc(CHUNK);
	int ret = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err_r = sys_errmsg("cannot read %s/%s/%s", f->path,
					    m->in_new ? "new" : "cur",
					    m->name);
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		if (fn(ctx, buf, (size_t)n, err_r) < 0) {
			ret = -1;
			break;
		}
	}
	free(buf);
	close(fd);
	return ret;
}

/* ---- restoreatime ------------------------------------------------- */

struct atime_rec {
	char *path;
	struct timespec atime[2];	/* new/, cur/ */
};

struct maildir_atimes {
	pthread_mutex_t lock;
	struct atime_rec *recs;
	size_t n, cap;
};

struct maildir_atimes *maildir_atimes_new(void)
{
	struct maildir_atimes *a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	return a;
}

void maildir_atimes_clear(struct maildir_atimes *a)
{
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n; i++)
		free(a->recs[i].path);
	a->n = 0;
	pthread_mutex_unlock(&a->lock);
}

void maildir_atimes_free(struct maildir_atimes **ap)
{
	struct maildir_atimes *a = *ap;
	if (!a)
		return;
	maildir_atimes_clear(a);
	free(a->recs);
	pthread_mutex_destroy(&a->lock);
	FREE(ap);
}

size_t maildir_atimes_count(struct maildir_atimes *a)
{
	pthread_mutex_lock(&a->lock);
	size_t n = a->n;
	pthread_mutex_unlock(&a->lock);
	return n;
}

int maildir_atimes_record(struct maildir_atimes *a, const char *folder_path,
			  char **err_r)
{
	struct timespec t[2];
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", folder_path, i ? "cur" : "new");
		struct stat st;
		int r = stat(p, &st);
		if (r < 0)
			*err_r = sys_errmsg("cannot read the times of %s", p);
		free(p);
		if (r < 0)
			return -1;
		t[i] = st.st_atim;
	}
	pthread_mutex_lock(&a->lock);
	size_t i;
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->recs[i].path, folder_path))
			break;
	if (i == a->n) {
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 8;
			a->recs = xrealloc(a->recs, a->cap * sizeof(*a->recs));
		}
		a->recs[i].path = xstrdup(folder_path);
		a->n++;
	}
	a->recs[i].atime[0] = t[0];
	a->recs[i].atime[1] = t[1];
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int maildir_atimes_restore(struct maildir_atimes *a, char **err_r)
{
	int ret = 0;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n; i++) {
		for (int k = 0; k < 2; k++) {
			char *p = xasprintf("%s/%s", a->recs[i].path,
					    k ? "cur" : "new");
			struct timespec ts[2] = {
				a->recs[i].atime[k],
				{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
			};
			if (utimensat(AT_FDCWD, p, ts, 0) < 0 &&
			    errno != ENOENT && ret == 0) {
				*err_r = sys_errmsg("cannot restore the access "
						    "time of %s", p);
				ret = -1;
			}
			free(p);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}
