/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LocalStatus files: FORMAT 1 reading and writing, the append-only journal
 * with upload intents, crash-safe compaction and the per-status lock. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fsutil.h"
#include "maildir/names.h"
#include "status.h"
#include "util.h"

#define JOURNAL_MAGIC "OFFLINEIMAP-C LocalStatus JOURNAL 1 "
#define STATUS_MAGIC2 \
	"OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - FORMAT 2"
/* Compact automatically once the journal holds this many records and at
 * least twice as many as there are status records: each compaction then
 * pays for itself with the appends before it (amortised O(1)). */
#define AUTO_COMPACT_MIN 4096

/* ---- UID table ---------------------------------------------------- */

void uid_table_init(struct uid_table *t)
{
	memset(t, 0, sizeof(*t));
}

void uid_table_release(struct uid_table *t)
{
	free(t->keys);
	free(t->vals);
	uid_table_init(t);
}

static size_t slot_of(const struct uid_table *t, uint32_t uid)
{
	/* Fibonacci hashing spreads consecutive UIDs. */
	return (size_t)((uid * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
	       (t->cap - 1);
}

bool uid_table_get(const struct uid_table *t, uint32_t uid, uint64_t *val_r)
{
	if (!t->cap || !uid)
		return false;
	for (size_t i = slot_of(t, uid);; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == uid) {
			if (val_r)
				*val_r = t->vals[i];
			return true;
		}
		if (!t->keys[i])
			return false;
	}
}

static void table_grow(struct uid_table *t)
{
	struct uid_table n;
	n.cap = t->cap ? t->cap * 2 : 64;
	n.count = 0;
	n.keys = xcalloc(n.cap, sizeof(*n.keys));
	n.vals = xcalloc(n.cap, sizeof(*n.vals));
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i])
			uid_table_put(&n, t->keys[i], t->vals[i]);
	free(t->keys);
	free(t->vals);
	*t = n;
}

void uid_table_put(struct uid_table *t, uint32_t uid, uint64_t val)
{
	assert(uid > 0);
	if ((t->count + 1) * 2 > t->cap)
		table_grow(t);
	size_t i = slot_of(t, uid);
	while (t->keys[i] && t->keys[i] != uid)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i]) {
		t->keys[i] = uid;
		t->count++;
	}
	t->vals[i] = val;
}

bool uid_table_remove(struct uid_table *t, uint32_t uid)
{
	if (!t->cap || !uid)
		return false;
	size_t mask = t->cap - 1, i = slot_of(t, uid);
	while (t->keys[i] != uid) {
		if (!t->keys[i])
			return false;
		i = (i + 1) & mask;
	}
	/* Backward-shift deletion keeps every probe chain unbroken
	 * without tombstones. */
	for (size_t j = (i + 1) & mask; t->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(t, t->keys[j]);
		/* Move j into the hole at i when its home is not in (i, j]. */
		bool in_range = i <= j ? (home > i && home <= j)
				       : (home > i || home <= j);
		if (!in_range) {
			t->keys[i] = t->keys[j];
			t->vals[i] = t->vals[j];
			i = j;
		}
	}
	t->keys[i] = 0;
	t->count--;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

uint32_t *uid_table_sorted_keys(const struct uid_table *t)
{
	if (!t->count)
		return NULL;
	uint32_t *v = xmalloc(t->count * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i])
			v[n++] = t->keys[i];
	qsort(v, n, sizeof(*v), cmp_u32);
	return v;
}

/* ---- status object ------------------------------------------------ */

struct status {
	char *name;		/* NAME */
	char *jname;		/* NAME.journal */
	char *display;		/* dir/NAME, for messages */
	char *dirpath;
	int dirfd;
	int lockfd;
	int jfd;		/* open journal (O_APPEND), or -1 */
	bool jexists;		/* NAME.journal is on disk */
	bool jnew;		/* its directory entry is not synced yet */
	off_t jsize;
	size_t jrecords;	/* UID records in the journal */
	bool broken;		/* the journal tail could not be repaired */
	bool existed;
	bool file_exists;	/* NAME is on disk */
	bool touched;		/* a UID record was made or replayed */
	bool dirty;		/* something to compact */
	char base[33];		/* MD5 hex of NAME's bytes, or "-" */
	struct uid_table recs;
	struct status_intent *intents;
	size_t nintents, capintents;
	char *warning;
};

static void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char md[CRYPTO_MD5_LEN];
	crypto_md5(data, len, md);
	char *hex = crypto_hex(md, sizeof(md));
	memcpy(out, hex, 33);
	free(hex);
}

/* A short printable excerpt of a bad line for error messages. */
static char *excerpt(const char *s, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < len && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];
		strbuf_addch(&sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (len > 60)
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* A decimal UID 1..2^32-1 in s[0..len). */
static bool parse_uid(const char *s, size_t len, uint32_t *uid_r)
{
	if (!len)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (!v)
		return false;
	*uid_r = (uint32_t)v;
	return true;
}

static bool parse_record(const char *s, size_t len, char sep,
			 uint32_t *uid_r, uint64_t *flags_r)
{
	const char *colon = memchr(s, sep, len);
	if (!colon || memchr(colon + 1, sep, len - (size_t)(colon + 1 - s)))
		return false;
	return parse_uid(s, (size_t)(colon - s), uid_r) &&
	       maildir_flags_parse(colon + 1,
				   len - (size_t)(colon + 1 - s), flags_r) == 0;
}

/* Later versions' "<uid>|<flags>|<mtime>|<labels>". */
static bool parse_record2(const char *s, size_t len, uint32_t *uid_r,
			  uint64_t *flags_r)
{
	const char *f[4];
	size_t n[4];
	const char *p = s, *end = s + len;
	for (int i = 0; i < 4; i++) {
		const char *bar = i < 3 ? memchr(p, '|', (size_t)(end - p))
					: NULL;
		if (i < 3 && !bar)
			return false;
		f[i] = p;
		n[i] = (size_t)((bar ? bar : end) - p);
		p = bar ? bar + 1 : end;
	}
	if (memchr(f[3], '|', n[3]))
		return false;
	size_t k = (n[2] && f[2][0] == '-') ? 1 : 0;
	if (k == n[2])
		return false;
	for (; k < n[2]; k++)
		if (f[2][k] < '0' || f[2][k] > '9')
			return false;
	return parse_uid(f[0], n[0], uid_r) &&
	       maildir_flags_parse(f[1], n[1], flags_r) == 0;
}

/* Parse a status file (4.0's reading rules with clear errors). */
static int parse_status(struct status *st, const char *data, size_t len,
			char **err_r)
{
	size_t lineno = 0;
	bool format2 = false;
	const char *p = data, *end = data + len;
	if (len == 0) {
		*err_r = xasprintf("LocalStatus file %s is empty (cut short "
				   "by a crash?); remove it to sync this "
				   "folder again from scratch", st->display);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p, *e = le;
		p = nl ? nl + 1 : end;
		lineno++;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		size_t n = (size_t)(e - s);
		if (lineno == 1) {
			if (n == strlen(STATUS_MAGIC) &&
			    !memcmp(s, STATUS_MAGIC, n))
				continue;
			if (n == strlen(STATUS_MAGIC2) &&
			    !memcmp(s, STATUS_MAGIC2, n)) {
				format2 = true;
				continue;
			}
			char *ex = excerpt(s, n);
			*err_r = xasprintf("%s is not a LocalStatus file of a "
					   "known format (first line \"%s\")",
					   st->display, ex);
			free(ex);
			return -1;
		}
		uint32_t uid;
		uint64_t flags;
		bool ok = format2 ? parse_record2(s, n, &uid, &flags)
				  : parse_record(s, n, ':', &uid, &flags);
		if (!ok) {
			char *ex = excerpt(s, n);
			*err_r = xasprintf("%s line %zu: corrupt record \"%s\" "
					   "(expected %s)", st->display,
					   lineno, ex,
					   format2 ? "<uid>|<flags>|<mtime>|"
						     "<labels>"
						   : "<uid>:<flags>");
			free(ex);
			return -1;
		}
		if (uid_table_get(&st->recs, uid, NULL)) {
			*err_r = xasprintf("%s line %zu: UID %lu appears "
					   "twice", st->display, lineno,
					   (unsigned long)uid);
			return -1;
		}
		uid_table_put(&st->recs, uid, flags);
	}
	return 0;
}

static bool valid_token(const char *t, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return false;
	return true;
}

static ssize_t find_intent(const struct status *st, const char *token,
			   size_t len)
{
	for (size_t i = 0; i < st->nintents; i++)
		if (strlen(st->intents[i].token) == len &&
		    !memcmp(st->intents[i].token, token, len))
			return (ssize_t)i;
	return -1;
}

static void intent_set(struct status *st, const char *token, size_t len,
		       char *data)
{
	ssize_t i = find_intent(st, token, len);
	if (i >= 0) {
		free(st->intents[i].data);
		st->intents[i].data = data;
		return;
	}
	if (st->nintents == st->capintents) {
		st->capintents = st->capintents ? st->capintents * 2 : 4;
		st->intents = xrealloc(st->intents, st->capintents *
				       sizeof(*st->intents));
	}
	st->intents[st->nintents].token = xstrndup(token, len);
	st->intents[st->nintents].data = data;
	st->nintents++;
}

static void intent_clear(struct status *st, const char *token, size_t len)
{
	ssize_t i = find_intent(st, token, len);
	if (i < 0)
		return;
	free(st->intents[i].token);
	free(st->intents[i].data);
	memmove(st->intents + i, st->intents + i + 1,
		(st->nintents - (size_t)i - 1) * sizeof(*st->intents));
	st->nintents--;
}

static void escape_data(struct strbuf *sb, const char *data)
{
	for (const char *p = data; *p; p++) {
		if (*p == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *p);
	}
}

/* Unescape; NULL when malformed. */
static char *unescape_data(const char *s, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			goto bad;
		if (s[i] != '\\') {
			strbuf_addch(&sb, s[i]);
			continue;
		}
		if (i + 1 >= len)
			goto bad;
		i++;
		if (s[i] == '\\')
			strbuf_addch(&sb, '\\');
		else if (s[i] == 'n')
			strbuf_addch(&sb, '\n');
		else
			goto bad;
	}
	return strbuf_detach(&sb);
bad:
	strbuf_release(&sb);
	return NULL;
}

static bool is_md5hex(const char *s, size_t len)
{
	if (len != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One parsed journal line. */
struct jop {
	char kind;		/* + = - I i C */
	uint32_t uid;
	uint64_t flags;
	const char *arg;	/* token or md5, not NUL-terminated */
	size_t arglen;
	char *data;		/* unescaped intent data (owned) */
};

/* Read and replay NAME.journal.  *valid_len_r gets the length of its
 * complete lines (a torn tail beyond it is to be cut).  Returns 0 (also
 * when there is no journal: *exists_r false), -1 with *err_r. */
static int replay_journal(struct status *st, bool *exists_r,
			  off_t *valid_len_r, size_t *applied_r, char **err_r)
{
	char *data = NULL;
	size_t len = 0;
	char *jdisplay = xasprintf("%s.journal", st->display);
	struct jop *ops = NULL;
	size_t nops = 0;
	int ret = -1;
	*exists_r = false;
	*valid_len_r = 0;
	*applied_r = 0;
	int r = fsutil_read_file_at(st->dirfd, st->dirpath, st->jname, &data,
				    &len, err_r);
	if (r == 1) {
		ret = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	*exists_r = true;
	const char *p = data, *end = data + len;
	const char *nl = memchr(p, '\n', len);
	if (!nl) {
		/* Not even the version line is complete: the journal was
		 * created by a write that did not finish, so it holds no
		 * record. */
		ret = 0;
		goto out;
	}
	size_t hl = (size_t)(nl - p), ml = strlen(JOURNAL_MAGIC);
	const char *jbase = p + ml;
	size_t jbaselen = hl > ml ? hl - ml : 0;
	if (hl <= ml || memcmp(p, JOURNAL_MAGIC, ml) != 0 ||
	    !((jbaselen == 1 && *jbase == '-') || is_md5hex(jbase, jbaselen))) {
		char *ex = excerpt(p, hl);
		*err_r = xasprintf("%s is not a status journal of a known "
				   "version (first line \"%s\")", jdisplay,
				   ex);
		free(ex);
		goto out;
	}
	p = nl + 1;
	size_t lineno = 1;
	ops = xcalloc(len / 2 + 1, sizeof(*ops));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;	/* torn tail: the write never finished */
		const char *s = p;
		size_t n = (size_t)(nl - p);
		p = nl + 1;
		lineno++;
		struct jop *op = &ops[nops];
		bool ok = n >= 1;
		if (ok) {
			op->kind = s[0];
			switch (s[0]) {
			case '+':
			case '=':
				ok = parse_record(s + 1, n - 1, ':', &op->uid,
						  &op->flags);
				break;
			case '-':
				ok = parse_uid(s + 1, n - 1, &op->uid);
				break;
			case 'I': {
				const char *sp = memchr(s + 1, ' ', n - 1);
				ok = sp != NULL;
				if (!ok)
					break;
				op->arg = s + 1;
				op->arglen = (size_t)(sp - s - 1);
				ok = valid_token(op->arg, op->arglen);
				if (ok) {
					op->data = unescape_data(sp + 1,
						(size_t)(s + n - sp - 1));
					ok = op->data != NULL;
				}
				break;
			}
			case 'i':
				op->arg = s + 1;
				op->arglen = n - 1;
				ok = valid_token(op->arg, op->arglen);
				break;
			case 'C':
				op->arg = s + 1;
				op->arglen = n - 1;
				ok = is_md5hex(op->arg, op->arglen);
				break;
			default:
				ok = false;
			}
		}
		if (!ok) {
			char *ex = excerpt(s, n);
			*err_r = xasprintf("%s line %zu: corrupt journal "
					   "record \"%s\"", jdisplay, lineno,
					   ex);
			free(ex);
			goto out;
		}
		nops++;
		*valid_len_r = (off_t)(p - data);
	}
	if (!*valid_len_r)
		*valid_len_r = (off_t)(hl + 1);

	/* Which UID records apply: all of them when the journal was
	 * started on the current status file; only those after a
	 * compaction marker naming the current file when that compaction
	 * got as far as installing it; none when the status file was
	 * replaced by someone else (stale journal). */
	size_t from = nops + 1;
	if (jbaselen == strlen(st->base) && !memcmp(jbase, st->base, jbaselen))
		from = 0;
	else if (strlen(st->base) == 32)
		for (size_t i = nops; i-- > 0;)
			if (ops[i].kind == 'C' &&
			    !memcmp(ops[i].arg, st->base, 32)) {
				from = i + 1;
				break;
			}
	bool stale = from > nops;
	size_t stale_records = 0;
	for (size_t i = 0; i < nops; i++) {
		struct jop *op = &ops[i];
		switch (op->kind) {
		case '+':
		case '=':
		case '-':
			if (i < from) {
				stale_records++;
				break;
			}
			if (op->kind == '-')
				uid_table_remove(&st->recs, op->uid);
			else
				uid_table_put(&st->recs, op->uid, op->flags);
			(*applied_r)++;
			break;
		case 'I':
			intent_set(st, op->arg, op->arglen, op->data);
			op->data = NULL;
			break;
		case 'i':
			intent_clear(st, op->arg, op->arglen);
			break;
		}
	}
	if (stale && stale_records)
		st->warning = xasprintf("%s does not belong to the current "
					"%s (it was rewritten or removed by "
					"another program); its %zu records "
					"were ignored", jdisplay,
					st->display, stale_records);
	ret = 0;
out:
	for (size_t i = 0; i < nops; i++)
		free(ops[i].data);
	free(ops);
	free(data);
	free(jdisplay);
	return ret;
}

static int take_lock(struct status *st, char **err_r)
{
	char *lname = xasprintf("%s.lock", st->name);
	st->lockfd = openat(st->dirfd, lname,
			    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (st->lockfd < 0) {
		*err_r = sys_errmsg("cannot open lock file %s/%s",
				    st->dirpath, lname);
		free(lname);
		return -1;
	}
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	/* Open-file-description locks also keep two threads of this
	 * process apart; classic F_SETLK locks only other processes. */
	int r = fcntl(st->lockfd, F_OFD_SETLK, &fl);
	if (r < 0 && errno == EINVAL)
		r = fcntl(st->lockfd, F_SETLK, &fl);
	if (r < 0) {
		if (errno == EAGAIN || errno == EACCES)
			*err_r = xasprintf("status %s is in use by another "
					   "sync of the same folder (lock "
					   "%s/%s is held)", st->display,
					   st->dirpath, lname);
		else
			*err_r = sys_errmsg("cannot lock %s/%s", st->dirpath,
					    lname);
		free(lname);
		return -1;
	}
	free(lname);
	return 0;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 247 && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int status_open(const char *dir, const char *name, struct status **st_r,
		char **err_r)
{
	if (!valid_name(name)) {
		*err_r = xasprintf("invalid status file name \"%s\"", name);
		return -1;
	}
	struct status *st = xcalloc(1, sizeof(*st));
	st->name = xstrdup(name);
	st->jname = xasprintf("%s.journal", name);
	st->dirpath = xstrdup(dir);
	st->display = xasprintf("%s/%s", dir, name);
	st->lockfd = st->jfd = -1;
	strcpy(st->base, "-");
	uid_table_init(&st->recs);
	char *data = NULL;
	size_t len;
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0) {
		*err_r = sys_errmsg("cannot open status directory %s", dir);
		goto fail;
	}
	if (take_lock(st, err_r) < 0)
		goto fail;
	int r = fsutil_read_file_at(st->dirfd, dir, name, &data, &len, err_r);
	if (r < 0)
		goto fail;
	if (r == 0) {
		if (parse_status(st, data, len, err_r) < 0)
			goto fail;
		md5_hex(data, len, st->base);
		st->file_exists = true;
	}
	bool jexists;
	off_t valid;
	size_t applied;
	if (replay_journal(st, &jexists, &valid, &applied, err_r) < 0)
		goto fail;
	st->existed = st->file_exists || applied > 0;
	if (jexists && valid == 0) {
		/* Only part of a version line: nothing was ever recorded. */
		if (unlinkat(st->dirfd, st->jname, 0) < 0 && errno != ENOENT) {
			*err_r = sys_errmsg("cannot remove %s.journal",
					    st->display);
			goto fail;
		}
	} else if (jexists) {
		st->jexists = true;
		st->touched = applied > 0;
		st->dirty = true;
		/* Reopen the journal for appending (the compaction marker),
		 * cutting a torn tail first so that nothing is ever glued
		 * to half a line. */
		int fd = openat(st->dirfd, st->jname,
				O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || ftruncate(fd, valid) < 0) {
			*err_r = sys_errmsg("cannot open %s.journal",
					    st->display);
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		st->jfd = fd;
		st->jsize = valid;
		if (status_save(st, err_r) < 0)
			goto fail;
	}
	free(data);
	*st_r = st;
	return 0;
fail:
	free(data);
	status_close(&st);
	return -1;
}

void status_close(struct status **stp)
{
	struct status *st = *stp;
	if (!st)
		return;
	if (st->jfd >= 0)
		close(st->jfd);
	if (st->lockfd >= 0)
		close(st->lockfd);	/* releases the lock */
	if (st->dirfd >= 0)
		close(st->dirfd);
	uid_table_release(&st->recs);
	for (size_t i = 0; i < st->nintents; i++) {
		free(st->intents[i].token);
		free(st->intents[i].data);
	}
	free(st->intents);
	free(st->warning);
	free(st->name);
	free(st->jname);
	free(st->display);
	free(st->dirpath);
	FREE(stp);
}

bool status_existed(const struct status *st)
{
	return st->existed;
}

const char *status_warning(const struct status *st)
{
	return st->warning;
}

size_t status_count(const struct status *st)
{
	return st->recs.count;
}

bool status_get(const struct status *st, uint32_t uid, uint64_t *flags_r)
{
	return uid_table_get(&st->recs, uid, flags_r);
}

uint32_t *status_uids(const struct status *st, size_t *n_r)
{
	*n_r = st->recs.count;
	return uid_table_sorted_keys(&st->recs);
}

size_t status_intent_count(const struct status *st)
{
	return st->nintents;
}

const struct status_intent *status_intent_at(const struct status *st,
					     size_t i)
{
	return i < st->nintents ? &st->intents[i] : NULL;
}

/* Append one complete line to the journal, creating it (version line
 * first, in the same write) when there is none. */
static int journal_append(struct status *st, const char *line, size_t len,
			  char **err_r)
{
	if (st->broken) {
		*err_r = xasprintf("%s.journal could not be repaired after "
				   "an earlier write error; reopen the "
				   "status", st->display);
		return -1;
	}
	if (st->jfd < 0) {
		char *buf = xasprintf("%s%s\n%.*s", JOURNAL_MAGIC, st->base,
				      (int)len, line);
		size_t blen = strlen(buf);
		int fd = openat(st->dirfd, st->jname,
				O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
				O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 || write_full(fd, buf, blen) < 0) {
			*err_r = sys_errmsg("cannot write %s.journal",
					    st->display);
			if (fd >= 0) {
				close(fd);
				unlinkat(st->dirfd, st->jname, 0);
			}
			free(buf);
			return -1;
		}
		free(buf);
		st->jfd = fd;
		st->jexists = true;
		st->jnew = true;
		st->jsize = (off_t)blen;
	} else {
		if (write_full(st->jfd, line, len) < 0) {
			*err_r = sys_errmsg("cannot write %s.journal",
					    st->display);
			/* Cut a partial line, or nothing may be appended
			 * ever again. */
			if (ftruncate(st->jfd, st->jsize) < 0)
				st->broken = true;
			return -1;
		}
		st->jsize += (off_t)len;
	}
	st->dirty = true;
	fsutil_checkpoint("status journal record");
	return 0;
}

static int sync_journal(struct status *st, char **err_r)
{
	if (st->jfd < 0)
		return 0;
	if (fsutil_fsync(st->jfd) < 0) {
		*err_r = sys_errmsg("cannot sync %s.journal", st->display);
		return -1;
	}
	if (st->jnew) {
		if (fsutil_fsync_dirfd(st->dirfd, st->dirpath, err_r) < 0)
			return -1;
		st->jnew = false;
	}
	return 0;
}

int status_flush(struct status *st, char **err_r)
{
	return sync_journal(st, err_r);
}

static int record(struct status *st, char kind, uint32_t uid, uint64_t flags,
		  char **err_r)
{
	assert(uid > 0);
	assert((flags & ~MAILDIR_FLAGS_ALL) == 0);
	char letters[MAILDIR_FLAGS_BUFSIZE];
	char line[16 + MAILDIR_FLAGS_BUFSIZE];
	int n;
	if (kind == '-') {
		n = snprintf(line, sizeof(line), "-%lu\n", (unsigned long)uid);
	} else {
		maildir_flags_format(flags, letters);
		n = snprintf(line, sizeof(line), "%c%lu:%s\n", kind,
			     (unsigned long)uid, letters);
	}
	if (journal_append(st, line, (size_t)n, err_r) < 0)
		return -1;
	if (kind == '-')
		uid_table_remove(&st->recs, uid);
	else
		uid_table_put(&st->recs, uid, flags);
	st->touched = true;
	st->jrecords++;
	if (st->jrecords >= AUTO_COMPACT_MIN &&
	    st->jrecords >= 2 * st->recs.count)
		return status_save(st, err_r);
	return 0;
}

int status_add(struct status *st, uint32_t uid, uint64_t flags, char **err_r)
{
	return record(st, '+', uid, flags, err_r);
}

int status_set_flags(struct status *st, uint32_t uid, uint64_t flags,
		     char **err_r)
{
	return record(st, '=', uid, flags, err_r);
}

int status_delete(struct status *st, uint32_t uid, char **err_r)
{
	return record(st, '-', uid, 0, err_r);
}

static void intent_line(struct strbuf *sb, const char *token,
			const char *data)
{
	strbuf_addch(sb, 'I');
	strbuf_addstr(sb, token);
	strbuf_addch(sb, ' ');
	escape_data(sb, data);
	strbuf_addch(sb, '\n');
}

int status_intent_begin(struct status *st, const char *token,
			const char *data, char **err_r)
{
	if (!valid_token(token, strlen(token))) {
		*err_r = xasprintf("invalid upload token \"%s\"", token);
		return -1;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	intent_line(&sb, token, data);
	int r = journal_append(st, sb.buf, sb.len, err_r);
	strbuf_release(&sb);
	/* The intent must be on disk before the APPEND it announces is
	 * sent: after a crash it is the only way to find that message on
	 * the server again instead of uploading it twice. */
	if (r < 0 || sync_journal(st, err_r) < 0)
		return -1;
	intent_set(st, token, strlen(token), xstrdup(data));
	return 0;
}

int status_intent_end(struct status *st, const char *token, char **err_r)
{
	if (!valid_token(token, strlen(token))) {
		*err_r = xasprintf("invalid upload token \"%s\"", token);
		return -1;
	}
	char *line = xasprintf("i%s\n", token);
	int r = journal_append(st, line, strlen(line), err_r);
	free(line);
	if (r < 0)
		return -1;
	intent_clear(st, token, strlen(token));
	return 0;
}

char *status_format(const struct status *st, size_t *len_r)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, STATUS_MAGIC "\n");
	uint32_t *uids = uid_table_sorted_keys(&st->recs);
	for (size_t i = 0; i < st->recs.count; i++) {
		char letters[MAILDIR_FLAGS_BUFSIZE];
		uint64_t flags = 0;
		uid_table_get(&st->recs, uids[i], &flags);
		maildir_flags_format(flags, letters);
		strbuf_addf(&sb, "%lu:%s\n", (unsigned long)uids[i], letters);
	}
	free(uids);
	*len_r = sb.len;
	return strbuf_detach(&sb);
}

int status_save(struct status *st, char **err_r)
{
	if (!st->dirty)
		return 0;
	if (st->broken) {
		*err_r = xasprintf("%s.journal could not be repaired after "
				   "an earlier write error; reopen the "
				   "status", st->display);
		return -1;
	}
	int ret = -1;
	size_t len;
	char *content = status_format(st, &len);
	char h[33];
	md5_hex(content, len, h);
	struct strbuf jb;
	strbuf_init(&jb);
	if ((st->file_exists || st->touched) &&
	    (!st->file_exists || strcmp(h, st->base) != 0)) {
		/* Mark the journal as applied to the file about to be
		 * installed: if we die after the rename, the next open sees
		 * that the records are already in it and stays quiet
		 * (replaying them would be harmless too, they are
		 * idempotent).  No fsync needed: without the marker the
		 * journal just looks stale and is ignored, which is equally
		 * correct. */
		if (st->jfd >= 0) {
			char *line = xasprintf("C%s\n", h);
			int r = journal_append(st, line, strlen(line), err_r);
			free(line);
			if (r < 0)
				goto out;
		}
		/* Order matters: the new file is written and fsynced under
		 * a temporary name and renamed over the old one, and the
		 * directory synced, *before* the journal goes.  Dropping the
		 * journal first would leave a window where a crash loses
		 * every change since the previous compaction. */
		if (fsutil_write_file_atomic_at(st->dirfd, st->dirpath,
						st->name, content, len,
						err_r) < 0)
			goto out;
		memcpy(st->base, h, 33);
		st->file_exists = true;
	}
	if (st->nintents) {
		/* Pending intents outlive the compaction: a fresh journal
		 * holding only them replaces the old one atomically. */
		strbuf_addf(&jb, "%s%s\n", JOURNAL_MAGIC, st->base);
		for (size_t i = 0; i < st->nintents; i++)
			intent_line(&jb, st->intents[i].token,
				    st->intents[i].data);
		if (fsutil_write_file_atomic_at(st->dirfd, st->dirpath,
						st->jname, jb.buf, jb.len,
						err_r) < 0)
			goto out;
		if (st->jfd >= 0)
			close(st->jfd);
		st->jfd = openat(st->dirfd, st->jname,
				 O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (st->jfd < 0) {
			*err_r = sys_errmsg("cannot open %s.journal",
					    st->display);
			st->broken = true;
			goto out;
		}
		st->jexists = true;
		st->jnew = false;
		st->jsize = (off_t)jb.len;
	} else if (st->jexists) {
		if (st->jfd >= 0) {
			close(st->jfd);
			st->jfd = -1;
		}
		if (unlinkat(st->dirfd, st->jname, 0) < 0 && errno != ENOENT) {
			*err_r = sys_errmsg("cannot remove %s.journal",
					    st->display);
			st->broken = true;
			goto out;
		}
		fsutil_checkpoint("status journal removed");
		st->jexists = false;
		st->jnew = false;
		if (fsutil_fsync_dirfd(st->dirfd, st->dirpath, err_r) < 0)
			goto out;
	}
	st->jrecords = 0;
	st->dirty = false;
	ret = 0;
out:
	strbuf_release(&jb);
	free(content);
	return ret;
}
