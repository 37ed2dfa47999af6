/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP as the local side (SPEC 4.9): a store that presents the messages of
 * an inner store under the remote server's UIDs, through a UIDMapping file
 * (5.4) kept crash-safe by an append-only journal with APPEND intents. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "fsutil.h"
#include "imap/mapped.h"
#include "imap/store.h"
#include "pathname.h"
#include "ui.h"
#include "util.h"
#include "validity.h"

#define JOURNAL_MAGIC "OFFLINEIMAP-C UIDMapping JOURNAL 1"
/* Compact on the way once the journal holds this many records and twice
 * as many as there are pairs: each compaction pays for the appends before
 * it (amortised O(1) per change). */
#define AUTO_COMPACT_MIN 4096
#define TOKEN_MAX 255

struct mapped_store {
	struct store base;
	struct store *inner;	/* owned */
	char *mapdir;		/* .../Repository-<repo>/UIDMapping */
};

/* An APPEND announced in the journal whose local UID is not known yet. */
struct map_intent {
	uint32_t remote;
	char *token;
};

struct mapped_folder {
	struct store_folder base;
	struct store_folder *inner;
	struct uidmap map;
	char *file;		/* NAME: the mapping file */
	char *jname;		/* NAME.journal */
	char *display;		/* mapdir/NAME, for messages */
	const char *mapdir;	/* the store's */
	int dirfd;		/* mapdir */
	int jfd;		/* the journal open for appending, or -1 */
	off_t jsize;		/* bytes of complete lines in it */
	bool jexists;		/* NAME.journal is on disk */
	bool jnew;		/* ...and its directory entry is not synced */
	bool broken;		/* a failed append could not be cut back */
	bool changed;		/* map differs from NAME on disk */
	size_t jrecords;	/* lines appended since the last compaction */
	struct map_intent *intents;
	size_t nintents, intents_cap;
	unsigned long seq;	/* tokens made by this folder */
};

static struct mapped_store *mstore(struct store *st)
{
	return (struct mapped_store *)st;
}

static struct mapped_folder *mfolder(struct store_folder *f)
{
	return (struct mapped_folder *)f;
}

static const struct store_ops *iops(const struct mapped_folder *f)
{
	return f->inner->store->ops;
}

/* ---- intents ------------------------------------------------------ */

static ssize_t intent_find(const struct mapped_folder *f, uint32_t remote)
{
	for (size_t i = 0; i < f->nintents; i++)
		if (f->intents[i].remote == remote)
			return (ssize_t)i;
	return -1;
}

/* Remember an intent; a remote UID announced again gets the new token. */
static void intent_set(struct mapped_folder *f, uint32_t remote,
		       const char *token, size_t len)
{
	ssize_t i = intent_find(f, remote);
	if (i >= 0) {
		free(f->intents[i].token);
		f->intents[i].token = xstrndup(token, len);
		return;
	}
	if (f->nintents == f->intents_cap) {
		f->intents_cap = f->intents_cap ? f->intents_cap * 2 : 8;
		f->intents = xrealloc(f->intents,
				      f->intents_cap * sizeof(*f->intents));
	}
	f->intents[f->nintents].remote = remote;
	f->intents[f->nintents].token = xstrndup(token, len);
	f->nintents++;
}

static void intent_clear_at(struct mapped_folder *f, size_t i)
{
	free(f->intents[i].token);
	memmove(f->intents + i, f->intents + i + 1,
		(f->nintents - i - 1) * sizeof(*f->intents));
	f->nintents--;
}

static void intent_clear(struct mapped_folder *f, uint32_t remote)
{
	ssize_t i = intent_find(f, remote);
	if (i >= 0)
		intent_clear_at(f, (size_t)i);
}

static bool valid_token(const char *t, size_t len)
{
	if (len == 0 || len > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return false;
	return true;
}

/* A token no other APPEND of any folder or run carries. */
static char *make_token(struct mapped_folder *f, uint32_t remote)
{
	struct timespec ts;
	unsigned char md5[CRYPTO_MD5_LEN];

	clock_gettime(CLOCK_REALTIME, &ts);
	char *seed = xasprintf("%s\n%lu\n%lld.%09ld\n%ld\n%lu\n%p",
			       f->display, (unsigned long)remote,
			       (long long)ts.tv_sec, ts.tv_nsec,
			       (long)getpid(), ++f->seq, (void *)f);
	crypto_md5(seed, strlen(seed), md5);
	free(seed);
	char *hex = crypto_hex(md5, sizeof(md5));
	char *token = xasprintf("oim-%s", hex);
	free(hex);
	return token;
}

/* ---- journal ------------------------------------------------------ */

/* Decimal 1..2^32-1, exactly `len` digits. */
static bool parse_uid(const char *s, size_t len, uint32_t *v_r)
{
	uint64_t v = 0;
	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!v || v > UINT32_MAX)
		return false;
	*v_r = (uint32_t)v;
	return true;
}

/* Apply one journal line (without its newline); false when malformed. */
static bool replay_line(struct mapped_folder *f, const char *s, size_t n)
{
	uint32_t a, b;
	const char *p;

	if (!n)
		return false;
	switch (s[0]) {
	case 'I':
		p = memchr(s, ' ', n);
		if (!p || !parse_uid(s + 1, (size_t)(p - s - 1), &a) ||
		    !valid_token(p + 1, n - (size_t)(p + 1 - s)))
			return false;
		intent_set(f, a, p + 1, n - (size_t)(p + 1 - s));
		return true;
	case '+':
		p = memchr(s, ':', n);
		if (!p || !parse_uid(s + 1, (size_t)(p - s - 1), &a) ||
		    !parse_uid(p + 1, n - (size_t)(p + 1 - s), &b))
			return false;
		uidmap_set(&f->map, a, b);
		intent_clear(f, b);
		f->changed = true;
		return true;
	case '-':
		if (!parse_uid(s + 1, n - 1, &a))
			return false;
		if (uidmap_remove_local(&f->map, a))
			f->changed = true;
		return true;
	case 'X':
		if (!parse_uid(s + 1, n - 1, &a))
			return false;
		intent_clear(f, a);
		return true;
	}
	return false;
}

/* Read NAME.journal, if any, over the pairs of NAME.  A torn last line is
 * ignored; the journal is compacted right after, so nothing is ever
 * appended to half a line. */
static int replay_journal(struct mapped_folder *f, char **err_r)
{
	char *data;
	size_t len;
	int r = fsutil_read_file_at(f->dirfd, f->mapdir, f->jname, &data, &len,
				    err_r);
	if (r != 0)
		return r < 0 ? -1 : 0;
	f->jexists = true;
	int ret = -1;
	const char *end = data + len;
	const char *nl = memchr(data, '\n', len);
	if (!nl) {
		/* Only part of the first line: nothing was ever recorded. */
		ret = 0;
		goto out;
	}
	if ((size_t)(nl - data) != strlen(JOURNAL_MAGIC) ||
	    memcmp(data, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) != 0) {
		*err_r = xasprintf("%s.journal line 1: not a UID mapping "
				   "journal", f->display);
		goto out;
	}
	size_t lineno = 1;
	for (const char *p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;		/* torn write */
		lineno++;
		if (!replay_line(f, p, (size_t)(nl - p))) {
			*err_r = xasprintf("%s.journal line %zu: corrupt "
					   "record", f->display, lineno);
			goto out;
		}
	}
	ret = 0;
out:
	free(data);
	return ret;
}

/* Append one or more complete lines, creating the journal (first line in
 * the same write) when there is none. */
static int journal_append(struct mapped_folder *f, const char *lines,
			  size_t len, char **err_r)
{
	if (f->broken) {
		*err_r = xasprintf("%s.journal could not be repaired after an "
				   "earlier write error", f->display);
		return -1;
	}
	if (f->jfd < 0 && f->jexists) {
		/* A compaction left intents in a complete journal. */
		f->jfd = openat(f->dirfd, f->jname,
				O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		struct stat sb;
		if (f->jfd < 0 || fstat(f->jfd, &sb) < 0) {
			*err_r = sys_errmsg("cannot open %s.journal",
					    f->display);
			if (f->jfd >= 0)
				close(f->jfd);
			f->jfd = -1;
			return -1;
		}
		f->jsize = sb.st_size;
	}
	if (f->jfd < 0) {
		char *buf = xasprintf(JOURNAL_MAGIC "\n%.*s", (int)len, lines);
		size_t blen = strlen(buf);
		int fd = openat(f->dirfd, f->jname,
				O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
				O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 || write_full(fd, buf, blen) < 0) {
			*err_r = sys_errmsg("cannot write %s.journal",
					    f->display);
			if (fd >= 0) {
				close(fd);
				unlinkat(f->dirfd, f->jname, 0);
			}
			free(buf);
			return -1;
		}
		free(buf);
		f->jfd = fd;
		f->jexists = true;
		f->jnew = true;
		f->jsize = (off_t)blen;
	} else {
		if (write_full(f->jfd, lines, len) < 0) {
			*err_r = sys_errmsg("cannot write %s.journal",
					    f->display);
			/* Cut a partial line, or nothing may be appended
			 * ever again. */
			if (ftruncate(f->jfd, f->jsize) < 0)
				f->broken = true;
			return -1;
		}
		f->jsize += (off_t)len;
	}
	f->jrecords++;
	fsutil_checkpoint("UIDMapping journal record");
	return 0;
}

static int journal_sync(struct mapped_folder *f, char **err_r)
{
	if (f->jfd >= 0 && fsutil_fsync(f->jfd) < 0) {
		*err_r = sys_errmsg("cannot sync %s.journal", f->display);
		return -1;
	}
	if (f->jnew) {
		if (fsutil_fsync_dirfd(f->dirfd, f->mapdir, err_r) < 0)
			return -1;
		f->jnew = false;
	}
	return 0;
}

static void intent_line(struct strbuf *sb, const struct map_intent *in)
{
	strbuf_addf(sb, "I%lu %s\n", (unsigned long)in->remote, in->token);
}

/* Write the pairs to NAME when they changed, then replace the journal by
 * one holding only the pending intents (or remove it).  Order matters:
 * NAME is complete and durable before the journal goes, so a crash in
 * between replays records NAME holds already, which changes nothing. */
static int compact(struct mapped_folder *f, char **err_r)
{
	if (f->broken) {
		*err_r = xasprintf("%s.journal could not be repaired after an "
				   "earlier write error", f->display);
		return -1;
	}
	if (f->changed) {
		if (uidmap_write(f->mapdir, f->file, &f->map, err_r) < 0)
			return -1;
		f->changed = false;
	}
	if (f->nintents) {
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_addstr(&sb, JOURNAL_MAGIC "\n");
		for (size_t i = 0; i < f->nintents; i++)
			intent_line(&sb, &f->intents[i]);
		int r = fsutil_write_file_atomic_at(f->dirfd, f->mapdir,
						    f->jname, sb.buf, sb.len,
						    err_r);
		strbuf_release(&sb);
		if (r < 0)
			return -1;
		if (f->jfd >= 0)
			close(f->jfd);
		f->jfd = -1;	/* reopened for the next append */
		f->jexists = true;
		f->jnew = false;
	} else if (f->jexists) {
		if (f->jfd >= 0)
			close(f->jfd);
		f->jfd = -1;
		if (unlinkat(f->dirfd, f->jname, 0) < 0 && errno != ENOENT) {
			*err_r = sys_errmsg("cannot remove %s.journal",
					    f->display);
			return -1;
		}
		fsutil_checkpoint("UIDMapping journal removed");
		f->jexists = false;
		f->jnew = false;
		if (fsutil_fsync_dirfd(f->dirfd, f->mapdir, err_r) < 0)
			return -1;
	}
	f->jrecords = 0;
	return 0;
}

static int maybe_compact(struct mapped_folder *f, char **err_r)
{
	if (f->jrecords >= AUTO_COMPACT_MIN &&
	    f->jrecords >= 2 * uidmap_count(&f->map))
		return compact(f, err_r);
	return 0;
}

/* Announce, durably, that remote UID `remote` is about to be APPENDed with
 * `token`: must return before the APPEND is sent. */
static int record_intent(struct mapped_folder *f, uint32_t remote,
			 const char *token, char **err_r)
{
	char *line = xasprintf("I%lu %s\n", (unsigned long)remote, token);
	int r = journal_append(f, line, strlen(line), err_r);
	free(line);
	if (r < 0 || journal_sync(f, err_r) < 0)
		return -1;
	intent_set(f, remote, token, strlen(token));
	return 0;
}

/* The server refused the APPEND: nothing to look for later.  Losing this
 * record only makes the next listing search for the token in vain. */
static int record_abandon(struct mapped_folder *f, uint32_t remote,
			  char **err_r)
{
	char *line = xasprintf("X%lu\n", (unsigned long)remote);
	int r = journal_append(f, line, strlen(line), err_r);
	free(line);
	if (r == 0)
		intent_clear(f, remote);
	return r;
}

/* The pair exists now (the message is stored and its UID known).  Not
 * fsynced: if the record is lost the intent before it is still there. */
static int record_pair(struct mapped_folder *f, uint32_t local,
		       uint32_t remote, char **err_r)
{
	char *line = xasprintf("+%lu:%lu\n", (unsigned long)local,
			       (unsigned long)remote);
	int r = journal_append(f, line, strlen(line), err_r);
	free(line);
	if (r < 0)
		return -1;
	uidmap_set(&f->map, local, remote);
	intent_clear(f, remote);
	f->changed = true;
	return maybe_compact(f, err_r);
}

/* The local messages `locals` are deleted: drop their pairs. */
static int record_drops(struct mapped_folder *f, const uint32_t *locals,
			size_t n, char **err_r)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "-%lu\n", (unsigned long)locals[i]);
	int r = n ? journal_append(f, sb.buf, sb.len, err_r) : 0;
	strbuf_release(&sb);
	/* Memory follows the server even when the record failed: a pair
	 * left in the file is dropped by the next listing as vanished. */
	for (size_t i = 0; i < n; i++)
		if (uidmap_remove_local(&f->map, locals[i]))
			f->changed = true;
	if (r < 0)
		return -1;
	return maybe_compact(f, err_r);
}

/* ---- UID translation ---------------------------------------------- */

/* The local UID of an engine UID (remote UID, or minus a local UID), or
 * 0 when there is none. */
static uint32_t to_local(const struct mapped_folder *f, long long uid)
{
	if (uid < 0 && -uid <= (long long)UINT32_MAX)
		return (uint32_t)-uid;
	if (uid > 0 && uid <= (long long)UINT32_MAX)
		return uidmap_local(&f->map, (uint32_t)uid);
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* The local UIDs of `uids` that have one, ascending, as the inner store
 * wants them. */
static long long *to_locals(const struct mapped_folder *f,
			    const long long *uids, size_t n, size_t *n_r)
{
	long long *v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t l = to_local(f, uids[i]);
		if (l)
			v[k++] = l;
	}
	qsort(v, k, sizeof(*v), cmp_ll);
	*n_r = k;
	return v;
}

/* ---- repository --------------------------------------------------- */

static int mapped_list_folders(struct store *st, struct store_folder_info **v_r,
			       size_t *n_r, char **err_r)
{
	struct store *in = mstore(st)->inner;
	return in->ops->list_folders(in, v_r, n_r, err_r);
}

static char mapped_separator(struct store *st)
{
	struct store *in = mstore(st)->inner;
	return in->ops->separator(in);
}

static int mapped_create_folder(struct store *st, const char *name,
				char **err_r)
{
	struct store *in = mstore(st)->inner;
	return in->ops->create_folder(in, name, err_r);
}

static void folder_free(struct mapped_folder *f)
{
	if (f->jfd >= 0)
		close(f->jfd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	if (f->inner)
		iops(f)->close_folder(&f->inner);
	uidmap_release(&f->map);
	for (size_t i = 0; i < f->nintents; i++)
		free(f->intents[i].token);
	free(f->intents);
	free(f->file);
	free(f->jname);
	free(f->display);
	free(f->base.name);
	free(f);
}

static int mapped_open_folder(struct store *st, const char *name,
			      struct store_folder **f_r, char **err_r)
{
	struct mapped_store *s = mstore(st);
	struct store_folder *in = NULL;
	char *err = NULL;

	int r = s->inner->ops->open_folder(s->inner, name, &in, err_r);
	if (r != STORE_OK)
		return r;
	struct mapped_folder *f = xcalloc(1, sizeof(*f));
	f->base.store = st;
	f->base.name = xstrdup(name);
	f->inner = in;
	f->dirfd = f->jfd = -1;
	uidmap_init(&f->map);

	/* The base name follows the local repository's separator, as the
	 * local FolderValidity name does (SPEC 5.1). */
	char sep[2] = { s->inner->ops->separator(s->inner), '\0' };
	if (pathname_metadata_name(name, sep[0] ? sep : NULL, &f->file,
				   &err) < 0) {
		*err_r = xasprintf("%s: %s", name, err);
		free(err);
		goto fail;
	}
	f->jname = xasprintf("%s.journal", f->file);
	f->mapdir = s->mapdir;
	f->display = xasprintf("%s/%s", s->mapdir, f->file);
	f->dirfd = open(s->mapdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		*err_r = sys_errmsg("cannot open UID mapping directory %s",
				    s->mapdir);
		goto fail;
	}
	if (uidmap_read(s->mapdir, f->file, &f->map, err_r) < 0 ||
	    replay_journal(f, err_r) < 0)
		goto fail;
	/* Start from a clean journal: NAME up to date and only the pending
	 * intents left, so appends never follow a torn line. */
	if (f->jexists && compact(f, err_r) < 0)
		goto fail;
	*f_r = &f->base;
	return STORE_OK;
fail:
	folder_free(f);
	return STORE_EFOLDER;
}

static void mapped_close_folder(struct store_folder **pf)
{
	struct mapped_folder *f = mfolder(*pf);
	if (!f)
		return;
	char *err = NULL;
	if ((f->changed || f->jrecords) && compact(f, &err) < 0) {
		ui_warn(false, "%s: %s; the journal is kept and applied at "
			"the next sync", f->base.name, err);
		free(err);
	}
	folder_free(f);
	*pf = NULL;
}

static void mapped_end_cycle(struct store *st)
{
	struct store *in = mstore(st)->inner;
	in->ops->end_cycle(in);
}

static void mapped_keepalive(struct store *st)
{
	struct store *in = mstore(st)->inner;
	if (in->ops->keepalive)
		in->ops->keepalive(in);
}

static void mapped_free(struct store **pst)
{
	struct mapped_store *s = mstore(*pst);
	if (!s)
		return;
	if (s->inner)
		s->inner->ops->free(&s->inner);
	free(s->mapdir);
	free(s->base.name);
	free(s);
	*pst = NULL;
}

/* ---- folder ------------------------------------------------------- */

static int mapped_uidvalidity(struct store_folder *pf, uint32_t *uv_r,
			      char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	return iops(f)->uidvalidity(f->inner, uv_r, err_r);
}

static bool mapped_read_only(struct store_folder *pf)
{
	struct mapped_folder *f = mfolder(pf);
	return iops(f)->read_only(f->inner);
}

/* Intents left by a crash: the APPEND may or may not have reached the
 * server.  Its token says which local message it became, if any. */
static int resolve_intents(struct mapped_folder *f,
			   const struct store_msglist *loc, char **err_r)
{
	while (f->nintents) {
		struct map_intent *in = &f->intents[f->nintents - 1];
		long long luid = 0;
		if (!uidmap_local(&f->map, in->remote)) {
			int r = iops(f)->find_token(f->inner, in->token,
						    &luid, err_r);
			if (r != STORE_OK)
				return r;
		}
		if (luid > 0 && luid <= (long long)UINT32_MAX &&
		    store_msglist_find(loc, luid) &&
		    !uidmap_remote(&f->map, (uint32_t)luid)) {
			uidmap_set(&f->map, (uint32_t)luid, in->remote);
			f->changed = true;
		}
		/* Recorded in memory only: the compaction that follows
		 * writes NAME before the journal holding the intent goes. */
		intent_clear_at(f, f->nintents - 1);
	}
	return STORE_OK;
}

/* Pairs whose local message is gone (deleted by a mail reader, or by us
 * before a crash ate the "-" record). */
static void drop_vanished(struct mapped_folder *f,
			  const struct store_msglist *loc)
{
	uint32_t *locals = uid_table_sorted_keys(&f->map.l2r);
	size_t n = uidmap_count(&f->map);
	for (size_t i = 0; i < n; i++)
		if (!store_msglist_find(loc, locals[i])) {
			uidmap_remove_local(&f->map, locals[i]);
			f->changed = true;
		}
	free(locals);
}

static int mapped_list_msgs(struct store_folder *pf, struct store_msglist *out,
			    char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	struct store_msglist loc = { 0 };

	store_msglist_release(out);
	int r = iops(f)->list_msgs(f->inner, &loc, err_r);
	if (r != STORE_OK)
		goto out;
	store_msglist_sort(&loc);
	r = resolve_intents(f, &loc, err_r);
	if (r != STORE_OK)
		goto out;
	drop_vanished(f, &loc);
	if ((f->changed || f->jexists) && compact(f, err_r) < 0) {
		r = STORE_EFOLDER;
		goto out;
	}
	for (size_t i = 0; i < loc.n; i++) {
		const struct store_msg *m = &loc.v[i];
		uint32_t luid = (uint32_t)m->uid;
		struct store_msg n = { .flags = m->flags, .time = m->time,
				       .size = m->size };
		uint32_t remote = uidmap_remote(&f->map, luid);
		if (remote) {
			n.uid = remote;
		} else if (m->flags & STORE_FLAG('T')) {
			/* Unpaired and \Deleted: a re-filed original or
			 * trash waiting for EXPUNGE, never a new message. */
			continue;
		} else {
			n.uid = -(long long)luid;
			n.key = xasprintf("L%lu", (unsigned long)luid);
		}
		store_msglist_add(out, &n);
	}
	store_msglist_sort(out);
out:
	store_msglist_release(&loc);
	return r;
}

static int mapped_fetch(struct store_folder *pf, long long uid,
			struct msgbody *body, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	uint32_t luid = to_local(f, uid);
	if (!luid) {
		*err_r = xasprintf("%s: no message with UID %lld", pf->name,
				   uid);
		return STORE_EMSG;
	}
	return iops(f)->fetch(f->inner, luid, body, err_r);
}

static int mapped_save(struct store_folder *pf, long long uid,
		       struct msgbody *body, unsigned flags, time_t t,
		       const char *token, long long *uid_r, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	long long got = 0;
	int r;

	*uid_r = uid;
	uint32_t luid = to_local(f, uid);
	if (luid)	/* here already: the inner store sets the flags */
		return iops(f)->save(f->inner, luid, body, flags, t, NULL,
				     &got, err_r);
	if (uid <= 0 || uid > (long long)UINT32_MAX || !body) {
		*err_r = xasprintf("%s: cannot store message %lld", pf->name,
				   uid);
		return STORE_EMSG;
	}
	char *tok = token ? xstrdup(token) : make_token(f, (uint32_t)uid);
	if (!valid_token(tok, strlen(tok))) {
		*err_r = xasprintf("%s: invalid upload token \"%s\"",
				   pf->name, tok);
		r = STORE_EFOLDER;
		goto out;
	}
	/* Intent first, fsynced: if we die once the server has the message,
	 * the next listing finds it by its token (see mapped.h). */
	if (record_intent(f, (uint32_t)uid, tok, err_r) < 0) {
		r = STORE_EFOLDER;
		goto out;
	}
	r = iops(f)->save(f->inner, 0, body, flags, t, tok, &got, err_r);
	if (r == STORE_EMSG) {
		/* Refused by a live server: not stored, nothing to find. */
		char *err = NULL;
		if (record_abandon(f, (uint32_t)uid, &err) < 0) {
			ui_warn(true, "%s", err);
			free(err);
		}
		goto out;
	}
	if (r != STORE_OK)
		goto out;
	if (got <= 0 || got > (long long)UINT32_MAX) {
		/* SPEC 4.9: fatal for the folder.  The intent stays, so the
		 * next listing pairs the message by its token. */
		*err_r = xasprintf("%s: the local server stored message %lld "
				   "but did not tell its UID; it is paired "
				   "by its X-OfflineIMAP header at the next "
				   "sync", pf->name, uid);
		r = STORE_EFOLDER;
		goto out;
	}
	if (record_pair(f, (uint32_t)got, (uint32_t)uid, err_r) < 0)
		r = STORE_EFOLDER;
out:
	free(tok);
	return r;
}

static int mapped_find_token(struct store_folder *pf, const char *token,
			     long long *uid_r, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	long long luid = 0;

	*uid_r = 0;
	int r = iops(f)->find_token(f->inner, token, &luid, err_r);
	if (r != STORE_OK || luid <= 0 || luid > (long long)UINT32_MAX)
		return r;
	uint32_t remote = uidmap_remote(&f->map, (uint32_t)luid);
	*uid_r = remote ? (long long)remote : -luid;
	return STORE_OK;
}

static int mapped_add_flags(struct store_folder *pf, const long long *uids,
			    size_t n, unsigned flags, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	size_t k;
	long long *v = to_locals(f, uids, n, &k);
	int r = k ? iops(f)->add_flags(f->inner, v, k, flags, err_r)
		  : STORE_OK;
	free(v);
	return r;
}

static int mapped_remove_flags(struct store_folder *pf, const long long *uids,
			       size_t n, unsigned flags, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	size_t k;
	long long *v = to_locals(f, uids, n, &k);
	int r = k ? iops(f)->remove_flags(f->inner, v, k, flags, err_r)
		  : STORE_OK;
	free(v);
	return r;
}

static int mapped_delete_msgs(struct store_folder *pf, const long long *uids,
			      size_t n, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	size_t k;
	long long *v = to_locals(f, uids, n, &k);
	int r = STORE_OK;

	if (!k)
		goto out;
	/* Deleted first, then the pairs dropped: a crash in between leaves
	 * pairs whose local message is gone, which listing drops. */
	r = iops(f)->delete_msgs(f->inner, v, k, err_r);
	if (r != STORE_OK)
		goto out;
	uint32_t *paired = xcalloc(k, sizeof(*paired));
	size_t np = 0;
	for (size_t i = 0; i < k; i++)
		if (uidmap_remote(&f->map, (uint32_t)v[i]))
			paired[np++] = (uint32_t)v[i];
	if (record_drops(f, paired, np, err_r) < 0)
		r = STORE_EFOLDER;
	free(paired);
out:
	free(v);
	return r;
}

/* A pair whose remote UID neither the server nor the status knows (the
 * engine's row 11): the local message becomes a new local message again,
 * to be uploaded, instead of being taken for whatever that UID is. */
static int mapped_forget_uid(struct store_folder *pf, long long uid,
			     long long *uid_r, char **key_r, char **err_r)
{
	struct mapped_folder *f = mfolder(pf);
	uint32_t luid = uid > 0 ? to_local(f, uid) : 0;
	if (!luid) {
		*err_r = xasprintf("%s: no message with UID %lld", pf->name,
				   uid);
		return STORE_EMSG;
	}
	if (record_drops(f, &luid, 1, err_r) < 0)
		return STORE_EFOLDER;
	*uid_r = -(long long)luid;
	*key_r = xasprintf("L%lu", (unsigned long)luid);
	return STORE_OK;
}

static unsigned mapped_storable_flags(struct store_folder *pf)
{
	struct mapped_folder *f = mfolder(pf);
	return iops(f)->storable_flags(f->inner);
}

static const struct store_ops mapped_store_ops = {
	.type = "MappedIMAP",
	.caps = 0,		/* save() keeps the caller's (remote) UID */
	.list_folders = mapped_list_folders,
	.separator = mapped_separator,
	.create_folder = mapped_create_folder,
	.open_folder = mapped_open_folder,
	.close_folder = mapped_close_folder,
	.end_cycle = mapped_end_cycle,
	.free = mapped_free,
	.uidvalidity = mapped_uidvalidity,
	.read_only = mapped_read_only,
	.list_msgs = mapped_list_msgs,
	.fetch = mapped_fetch,
	.save = mapped_save,
	.find_token = mapped_find_token,
	.add_flags = mapped_add_flags,
	.remove_flags = mapped_remove_flags,
	.delete_msgs = mapped_delete_msgs,
	.storable_flags = mapped_storable_flags,
	.forget_uid = mapped_forget_uid,
	.keepalive = mapped_keepalive,
};

struct store *mapped_store_new(struct store *inner, const char *mapdir)
{
	assert(inner->ops->find_token);
	struct mapped_store *s = xcalloc(1, sizeof(*s));
	s->base.ops = &mapped_store_ops;
	s->base.name = xstrdup(inner->name);
	s->inner = inner;
	s->mapdir = xstrdup(mapdir);
	return &s->base;
}

struct store *mapped_imap_store_new(const struct config *cfg,
				    const char *account, const char *repo,
				    const char *metadata, char **err_r)
{
	char *rdir = xasprintf("%s/Repository-%s", metadata, repo);
	char *mapdir = xasprintf("%s/UIDMapping", rdir);
	struct store *st = NULL;

	/* SPEC 5.1: the repository's metadata directories exist as soon as
	 * the repository object does. */
	if (fsutil_mkdir_0700(rdir, NULL, err_r) < 0 ||
	    fsutil_mkdir_0700(mapdir, NULL, err_r) < 0)
		goto out;
	struct store *inner = imap_store_new(cfg, account, repo, err_r);
	if (inner)
		st = mapped_store_new(inner, mapdir);
out:
	free(rdir);
	free(mapdir);
	return st;
}
