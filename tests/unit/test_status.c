/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for LocalStatus files and their journal (including a crash
 * at every byte and after every step), FolderValidity and UIDMapping
 * files, and the crash-safe file helpers they use. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto.h"
#include "fsutil.h"
#include "harness.h"
#include "maildir/names.h"
#include "status.h"
#include "util.h"

/* How a child killed by fsutil_crash_after() is reported here. */
#define CRASHED 1000
#include "validity.h"

#define MAGIC STATUS_MAGIC "\n"

static char *make_tmpdir(void)
{
	char *d = xstrdup("/tmp/oi-test-status-XXXXXX");
	if (!mkdtemp(d)) {
		perror("mkdtemp");
		abort();
	}
	return d;
}

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(char **dir)
{
	nftw(*dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	FREE(dir);
}

static void put_file(const char *dir, const char *name, const char *data,
		     size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_full(fd, data, len) < 0)
		abort();
	close(fd);
	free(path);
}

/* Contents of dir/name (malloc'd), or NULL when missing. */
static char *get_file(const char *dir, const char *name, size_t *len_r)
{
	char *path = xasprintf("%s/%s", dir, name), *data = NULL, *err = NULL;
	size_t len = 0;
	int r = fsutil_read_file(path, &data, &len, &err);
	free(path);
	free(err);
	if (len_r)
		*len_r = len;
	return r == 0 ? data : NULL;
}

static bool exists(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool r = lstat(path, &st) == 0;
	free(path);
	return r;
}

static uint64_t F(const char *letters)
{
	uint64_t f = 0;
	if (maildir_flags_parse(letters, strlen(letters), &f) < 0)
		abort();
	return f;
}

/* The whole logical state: FORMAT 1 text plus pending intents. */
static char *state_of(const struct status *st)
{
	size_t len;
	char *text = status_format(st, &len);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, text);
	free(text);
	for (size_t i = 0; i < status_intent_count(st); i++) {
		const struct status_intent *in = status_intent_at(st, i);
		strbuf_addf(&sb, "intent %s=%s\n", in->token, in->data);
	}
	return strbuf_detach(&sb);
}

static struct status *open_ok(const char *dir, const char *name)
{
	struct status *st = NULL;
	char *err = NULL;
	if (status_open(dir, name, &st, &err) < 0) {
		fprintf(stderr, "status_open: %s\n", err);
		free(err);
		return NULL;
	}
	return st;
}

/* ---- UID table ---- */

TEST(test_uid_table)
{
	struct uid_table t;
	uid_table_init(&t);
	static uint64_t ref[2048];	/* value + 1, 0 = absent */
	unsigned seed = 12345;
	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245 + 12345;
		uint32_t uid = 1 + (seed >> 8) % 2047;
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 3) {
			uid_table_put(&t, uid, seed);
			ref[uid] = (uint64_t)seed + 1;
		} else {
			bool had = uid_table_remove(&t, uid);
			CHECK(had == (ref[uid] != 0));
			ref[uid] = 0;
		}
		if (step % 10007 == 0) {
			size_t n = 0;
			for (uint32_t u = 1; u < 2048; u++) {
				uint64_t v;
				bool has = uid_table_get(&t, u, &v);
				CHECK(has == (ref[u] != 0));
				if (has) {
					CHECK(v + 1 == ref[u]);
					n++;
				}
			}
			CHECK_INTEQ(t.count, n);
		}
	}
	uint32_t *keys = uid_table_sorted_keys(&t);
	for (size_t i = 1; i < t.count; i++)
		CHECK(keys[i - 1] < keys[i]);
	free(keys);
	CHECK(!uid_table_get(&t, 0, NULL));
	CHECK(!uid_table_remove(&t, 4000000000u));
	/* Big, sparse UIDs. */
	uid_table_put(&t, 4294967295u, 7);
	uint64_t v = 0;
	CHECK(uid_table_get(&t, 4294967295u, &v) && v == 7);
	uid_table_release(&t);
	CHECK(!uid_table_get(&t, 5, NULL));
	CHECK(uid_table_sorted_keys(&t) == NULL);
}

/* ---- FORMAT 1 ---- */

TEST(test_format1_exact)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct status *st = open_ok(dir, "INBOX");
	CHECK(st && !status_existed(st) && status_count(st) == 0);
	CHECK_INTEQ(status_add(st, 5, 0, &err), 0);
	CHECK_INTEQ(status_add(st, 100, F("SR"), &err), 0);
	CHECK_INTEQ(status_add(st, 3, F("TSRFD"), &err), 0);
	CHECK_INTEQ(status_add(st, 4294967295u, F("Sa"), &err), 0);
	CHECK_INTEQ(status_set_flags(st, 5, F("F"), &err), 0);
	CHECK(exists(dir, "INBOX.journal"));
	CHECK(!exists(dir, "INBOX"));
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	char *text = get_file(dir, "INBOX", NULL);
	CHECK_STREQ(text, MAGIC "3:DFRST\n5:F\n100:RS\n4294967295:Sa\n");
	free(text);
	CHECK(!exists(dir, "INBOX.journal"));
	CHECK(!exists(dir, "INBOX.tmp"));
	st = open_ok(dir, "INBOX");
	CHECK(st && status_existed(st) && status_count(st) == 4);
	uint64_t f = 0;
	CHECK(status_get(st, 100, &f) && f == F("RS"));
	CHECK(!status_get(st, 6, NULL));
	size_t n;
	uint32_t *uids = status_uids(st, &n);
	CHECK(n == 4 && uids[0] == 3 && uids[3] == 4294967295u);
	free(uids);
	/* Deleting everything keeps the file (the folder was synced). */
	CHECK_INTEQ(status_delete(st, 3, &err), 0);
	CHECK_INTEQ(status_delete(st, 5, &err), 0);
	CHECK_INTEQ(status_delete(st, 100, &err), 0);
	CHECK_INTEQ(status_delete(st, 4294967295u, &err), 0);
	CHECK_INTEQ(status_delete(st, 77, &err), 0);	/* absent: no-op */
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	text = get_file(dir, "INBOX", NULL);
	CHECK_STREQ(text, MAGIC);
	free(text);
	free(err);
	rm_tree(&dir);
}

TEST(test_no_file_without_records)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct status *st = open_ok(dir, "X");
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	CHECK(!exists(dir, "X"));
	st = open_ok(dir, "X");
	CHECK(!status_existed(st));
	/* A first sync that added and removed a message still created
	 * the status (as 4.0's autosave did). */
	CHECK_INTEQ(status_add(st, 1, 0, &err), 0);
	CHECK_INTEQ(status_delete(st, 1, &err), 0);
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	char *text = get_file(dir, "X", NULL);
	CHECK_STREQ(text, MAGIC);
	free(text);
	rm_tree(&dir);
}

TEST(test_read_40_files)
{
	char *dir = make_tmpdir(), *err = NULL;
	/* Hash order, CRLF, white space, no final newline. */
	static const char file40[] =
		STATUS_MAGIC "\r\n"
		"1234:\n"
		"17:RS\r\n"
		"  9:DFST  \n"
		"5:P\n"
		"3:S";
	put_file(dir, "INBOX.Sent", file40, strlen(file40));
	struct status *st = open_ok(dir, "INBOX.Sent");
	CHECK(st && status_existed(st));
	CHECK_INTEQ(status_count(st), 5);
	uint64_t f = 1;
	CHECK(status_get(st, 1234, &f) && f == 0);
	CHECK(status_get(st, 9, &f) && f == F("DFST"));
	CHECK(status_get(st, 5, &f) && f == F("P"));
	CHECK(status_get(st, 3, &f) && f == F("S"));
	/* Nothing changed: the file is left exactly as it was. */
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	size_t len;
	char *text = get_file(dir, "INBOX.Sent", &len);
	CHECK(len == strlen(file40) && !memcmp(text, file40, len));
	free(text);
	/* A change rewrites it in FORMAT 1, records ascending. */
	st = open_ok(dir, "INBOX.Sent");
	CHECK_INTEQ(status_add(st, 2, F("S"), &err), 0);
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	text = get_file(dir, "INBOX.Sent", NULL);
	CHECK_STREQ(text, MAGIC "2:S\n3:S\n5:P\n9:DFST\n17:RS\n1234:\n");
	free(text);

	/* Later versions' FORMAT 2 is read and written back as 1. */
	static const char file2[] =
		"OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - "
		"FORMAT 2\n"
		"7|RS|1136073600|\n"
		"8||0|label1, label2\n"
		"9|T|-5|x\n";
	put_file(dir, "F2", file2, strlen(file2));
	st = open_ok(dir, "F2");
	CHECK(st && status_count(st) == 3);
	CHECK(status_get(st, 7, &f) && f == F("RS"));
	CHECK(status_get(st, 8, &f) && f == 0);
	CHECK_INTEQ(status_set_flags(st, 9, F("ST"), &err), 0);
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	text = get_file(dir, "F2", NULL);
	CHECK_STREQ(text, MAGIC "7:RS\n8:\n9:ST\n");
	free(text);
	free(err);
	rm_tree(&dir);
}

TEST(test_corrupt_files)
{
	static const struct {
		const char *content;
		size_t len;	/* 0: strlen */
		const char *want;	/* substring of the error */
	} bad[] = {
		{ "", 0, "is empty" },
		{ "OFFLINEIMAP LocalStatus CACHE DATA\n1:S\n", 0,
		  "not a LocalStatus file" },
		{ STATUS_MAGIC "\n1:S\n\n2:S\n", 0, "line 3: corrupt" },
		{ STATUS_MAGIC "\nabc:S\n", 0,
		  "line 2: corrupt record \"abc:S\"" },
		{ STATUS_MAGIC "\n0:S\n", 0, "line 2" },
		{ STATUS_MAGIC "\n-3:S\n", 0, "line 2" },
		{ STATUS_MAGIC "\n4294967296:S\n", 0, "line 2" },
		{ STATUS_MAGIC "\n5:S1\n", 0, "line 2" },
		{ STATUS_MAGIC "\n5:S:R\n", 0, "line 2" },
		{ STATUS_MAGIC "\n5\n", 0, "line 2" },
		{ STATUS_MAGIC "\n5 :S\n", 0, "line 2" },
		{ STATUS_MAGIC "\n1:S\n2:R\n1:T\n", 0,
		  "line 4: UID 1 appears twice" },
		{ STATUS_MAGIC "\n1:S\n2:\0R\n", sizeof(STATUS_MAGIC) + 10,
		  "line 3" },
		{ "OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - "
		  "FORMAT 2\n7:RS\n", 0, "line 2" },
		{ "OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - "
		  "FORMAT 2\n7|RS|x|\n", 0, "line 2" },
	};
	char *dir = make_tmpdir();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].content);
		put_file(dir, "S", bad[i].content, len);
		struct status *st = NULL;
		char *err = NULL;
		CHECK_INTEQ(status_open(dir, "S", &st, &err), -1);
		CHECK(st == NULL);
		CHECK(err && strstr(err, bad[i].want) && strstr(err, "/S"));
		if (test_case_failed) {
			fprintf(stderr, "  case %zu: %s\n", i, err);
			free(err);
			break;
		}
		free(err);
	}
	/* A corrupt journal line is an error too (a torn last line is
	 * not). */
	put_file(dir, "S", MAGIC, strlen(MAGIC));
	static const char *badj[] = {
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\n+1:S\nbogus\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\n+1:S1\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\n-0\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\nIx y\\q\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\nIxy\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\nCabc\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 1 -\n\n",
		"OFFLINEIMAP-C LocalStatus JOURNAL 9 -\n",
		"garbage\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(badj); i++) {
		put_file(dir, "S.journal", badj[i], strlen(badj[i]));
		struct status *st = NULL;
		char *err = NULL;
		CHECK_INTEQ(status_open(dir, "S", &st, &err), -1);
		CHECK(err && strstr(err, "S.journal"));
		free(err);
	}
	struct status *st = NULL;
	char *err = NULL;
	CHECK_INTEQ(status_open(dir, "a/b", &st, &err), -1);
	free(err);
	err = NULL;
	CHECK_INTEQ(status_open("/nonexistent-dir-oi", "S", &st, &err), -1);
	free(err);
	rm_tree(&dir);
}

TEST(test_journal_replay)
{
	char *dir = make_tmpdir(), *err = NULL;
	put_file(dir, "S", MAGIC "1:S\n2:\n", strlen(MAGIC) + 7);
	struct status *st = open_ok(dir, "S");
	CHECK_INTEQ(status_add(st, 3, F("RS"), &err), 0);
	CHECK_INTEQ(status_set_flags(st, 1, F("FS"), &err), 0);
	CHECK_INTEQ(status_delete(st, 2, &err), 0);
	CHECK_INTEQ(status_flush(st, &err), 0);
	status_close(&st);	/* no save: as if the process died */
	char *j = get_file(dir, "S.journal", NULL);
	CHECK(j && strstr(j, "OFFLINEIMAP-C LocalStatus JOURNAL 1 ") == j);
	CHECK(j && strstr(j, "\n+3:RS\n=1:FS\n-2\n"));
	free(j);
	st = open_ok(dir, "S");
	char *s = state_of(st);
	CHECK_STREQ(s, MAGIC "1:FS\n3:RS\n");
	free(s);
	status_close(&st);
	/* Opening compacted it. */
	CHECK(!exists(dir, "S.journal"));
	char *text = get_file(dir, "S", NULL);
	CHECK_STREQ(text, MAGIC "1:FS\n3:RS\n");
	free(text);
	/* A first sync that died before any save: the journal alone makes
	 * the status exist. */
	st = open_ok(dir, "New");
	CHECK_INTEQ(status_add(st, 9, 0, &err), 0);
	status_close(&st);
	CHECK(!exists(dir, "New"));
	st = open_ok(dir, "New");
	CHECK(status_existed(st) && status_count(st) == 1);
	status_close(&st);
	CHECK(exists(dir, "New") && !exists(dir, "New.journal"));
	free(err);
	rm_tree(&dir);
}

TEST(test_lock)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct status *a = open_ok(dir, "S"), *b = NULL;
	CHECK(a != NULL);
	CHECK_INTEQ(status_open(dir, "S", &b, &err), -1);
	CHECK(err && strstr(err, "in use"));
	FREE(&err);
	/* Another process is refused as well. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct status *c = NULL;
		char *e = NULL;
		_exit(status_open(dir, "S", &c, &e) < 0 &&
		      strstr(e, "in use") ? 0 : 1);
	}
	int ws;
	waitpid(pid, &ws, 0);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	/* Other folders are independent. */
	b = open_ok(dir, "T");
	CHECK(b != NULL);
	status_close(&b);
	status_close(&a);
	a = open_ok(dir, "S");
	CHECK(a != NULL);
	status_close(&a);
	status_close(&a);	/* NULL is fine */
	rm_tree(&dir);
}

TEST(test_intents)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct status *st = open_ok(dir, "S");
	CHECK_INTEQ(status_intent_begin(st, "tok-1", "cur/a b\\c\nd", &err),
		    0);
	CHECK_INTEQ(status_intent_begin(st, "tok-2", "", &err), 0);
	CHECK_INTEQ(status_intent_begin(st, "bad token", "x", &err), -1);
	FREE(&err);
	CHECK_INTEQ(status_intent_begin(st, "", "x", &err), -1);
	FREE(&err);
	CHECK_INTEQ(status_intent_count(st), 2);
	status_close(&st);
	st = open_ok(dir, "S");
	CHECK_INTEQ(status_intent_count(st), 2);
	CHECK_STREQ(status_intent_at(st, 0)->token, "tok-1");
	CHECK_STREQ(status_intent_at(st, 0)->data, "cur/a b\\c\nd");
	CHECK_STREQ(status_intent_at(st, 1)->data, "");
	CHECK(status_intent_at(st, 2) == NULL);
	/* Intents never create the status file. */
	CHECK(!status_existed(st) && !exists(dir, "S"));
	/* Pending intents survive a compaction, in a fresh journal. */
	CHECK_INTEQ(status_add(st, 7, F("S"), &err), 0);
	CHECK_INTEQ(status_save(st, &err), 0);
	char *j = get_file(dir, "S.journal", NULL);
	CHECK(j && strstr(j, "\nItok-1 cur/a b\\\\c\\nd\nItok-2 \n") &&
	      !strstr(j, "+7"));
	free(j);
	CHECK_INTEQ(status_intent_end(st, "tok-1", &err), 0);
	CHECK_INTEQ(status_intent_begin(st, "tok-2", "again", &err), 0);
	status_close(&st);
	st = open_ok(dir, "S");
	CHECK_INTEQ(status_intent_count(st), 1);
	CHECK_STREQ(status_intent_at(st, 0)->token, "tok-2");
	CHECK_STREQ(status_intent_at(st, 0)->data, "again");
	CHECK(status_get(st, 7, NULL));
	CHECK_INTEQ(status_intent_end(st, "tok-2", &err), 0);
	CHECK_INTEQ(status_intent_end(st, "never-begun", &err), 0);
	CHECK_INTEQ(status_save(st, &err), 0);
	status_close(&st);
	CHECK(!exists(dir, "S.journal"));
	st = open_ok(dir, "S");
	CHECK_INTEQ(status_intent_count(st), 0);
	status_close(&st);
	free(err);
	rm_tree(&dir);
}

TEST(test_stale_journal)
{
	char *dir = make_tmpdir(), *err = NULL;
	put_file(dir, "S", MAGIC "1:S\n", strlen(MAGIC) + 4);
	struct status *st = open_ok(dir, "S");
	CHECK_INTEQ(status_add(st, 2, F("S"), &err), 0);
	CHECK_INTEQ(status_intent_begin(st, "t", "d", &err), 0);
	status_close(&st);
	/* Another program (4.0) rewrites the status meanwhile. */
	put_file(dir, "S", MAGIC "5:R\n", strlen(MAGIC) + 4);
	st = open_ok(dir, "S");
	CHECK(status_warning(st) && strstr(status_warning(st), "ignored"));
	char *s = state_of(st);
	CHECK_STREQ(s, MAGIC "5:R\nintent t=d\n");
	free(s);
	status_close(&st);
	/* The user removes the status to start over: the journal must not
	 * bring it back. */
	st = open_ok(dir, "S");
	CHECK(status_warning(st) == NULL);
	CHECK_INTEQ(status_add(st, 6, 0, &err), 0);
	status_close(&st);
	char *path = xasprintf("%s/S", dir);
	CHECK_INTEQ(unlink(path), 0);
	free(path);
	st = open_ok(dir, "S");
	CHECK(status_warning(st) != NULL);
	CHECK(!status_existed(st) && status_count(st) == 0);
	CHECK_INTEQ(status_intent_count(st), 1);
	status_close(&st);
	CHECK(!exists(dir, "S"));
	free(err);
	rm_tree(&dir);
}

TEST(test_auto_compaction)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct status *st = open_ok(dir, "S");
	for (uint32_t uid = 1; uid <= 50; uid++)
		CHECK_INTEQ(status_add(st, uid, 0, &err), 0);
	/* Many flag changes on a few records: the journal is compacted
	 * along the way instead of growing without bound. */
	size_t maxlen = 0;
	for (int i = 0; i < 30000; i++) {
		uint32_t uid = 1 + (uint32_t)(i % 50);
		CHECK_INTEQ(status_set_flags(st, uid, i % 2 ? F("S") : F("RS"),
					     &err), 0);
		if (i % 1000 == 0) {
			size_t len = 0;
			char *j = get_file(dir, "S.journal", &len);
			free(j);
			if (len > maxlen)
				maxlen = len;
		}
	}
	CHECK(maxlen < 4200 * 8);
	CHECK(exists(dir, "S"));
	status_close(&st);
	st = open_ok(dir, "S");
	uint64_t f;
	CHECK(status_get(st, 1, &f) && f == F("RS"));	/* i = 29950 */
	CHECK(status_get(st, 2, &f) && f == F("S"));	/* i = 29951 */
	CHECK_INTEQ(status_count(st), 50);
	status_close(&st);
	free(err);
	rm_tree(&dir);
}

/* ---- crash at every byte / after every step ---- */

struct op {
	char kind;		/* + = - I i s (save) */
	uint32_t uid;
	const char *arg;	/* flags, or token */
};

static const struct op crash_ops[] = {
	{ '+', 10, "S" },
	{ '+', 11, "" },
	{ '=', 1, "RS" },
	{ 'I', 0, "upload-1" },
	{ '-', 2, NULL },
	{ '+', 12, "FS" },
	{ 's', 0, NULL },
	{ '+', 4000000000u, "Ta" },
	{ 'i', 0, "upload-1" },
	{ '=', 10, "ST" },
	{ 'I', 0, "upload-2" },
	{ '-', 10, NULL },
	{ 's', 0, NULL },
	{ '-', 1, NULL },
	{ '+', 13, "D" },
};

static int apply_op(struct status *st, const struct op *o, char **err)
{
	switch (o->kind) {
	case '+':
		return status_add(st, o->uid, F(o->arg), err);
	case '=':
		return status_set_flags(st, o->uid, F(o->arg), err);
	case '-':
		return status_delete(st, o->uid, err);
	case 'I':
		return status_intent_begin(st, o->arg, "local message", err);
	case 'i':
		return status_intent_end(st, o->arg, err);
	default:
		return status_save(st, err);
	}
}

static const char initial_status[] = MAGIC "1:S\n2:\n3:F\n";
/* A journal left by an earlier run that died, so that opening replays
 * and compacts it (its crash windows are tested too). */
static char *initial_journal(void)
{
	unsigned char md[CRYPTO_MD5_LEN];
	crypto_md5(initial_status, strlen(initial_status), md);
	char *h = crypto_hex(md, sizeof(md));
	char *j = xasprintf("OFFLINEIMAP-C LocalStatus JOURNAL 1 %s\n"
			 "+5:R\nIold d\n=3:FS\n", h);
	free(h);
	return j;
}

static void reset_dir(const char *dir, bool with_journal, const char *journal,
		      size_t jlen)
{
	static const char *const names[] = {
		"S", "S.journal", "S.tmp", "S.journal.tmp",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	put_file(dir, "S", initial_status, strlen(initial_status));
	if (with_journal)
		put_file(dir, "S.journal", journal, jlen);
}

/* The states before the first and after each operation, from an
 * uninterrupted run; also the journal after each operation when no
 * operation compacts (truncation test). */
static char **reference_states(const char *dir, bool with_journal,
			       bool skip_saves, char **journal_r,
			       size_t *jlens)
{
	char *j0 = initial_journal(), *err = NULL;
	reset_dir(dir, with_journal, j0, strlen(j0));
	free(j0);
	char **states = xcalloc(ARRAY_SIZE(crash_ops) + 1, sizeof(*states));
	struct status *st = open_ok(dir, "S");
	states[0] = state_of(st);
	for (size_t i = 0; i < ARRAY_SIZE(crash_ops); i++) {
		if (skip_saves && crash_ops[i].kind == 's') {
			states[i + 1] = xstrdup(states[i]);
		} else if (apply_op(st, &crash_ops[i], &err) < 0) {
			fprintf(stderr, "op %zu: %s\n", i, err);
			abort();
		}
		if (!states[i + 1])
			states[i + 1] = state_of(st);
		if (jlens) {
			free(get_file(dir, "S.journal", &jlens[i + 1]));
		}
	}
	if (journal_r)
		*journal_r = get_file(dir, "S.journal", NULL);
	status_close(&st);
	return states;
}

static void free_states(char **states)
{
	for (size_t i = 0; i <= ARRAY_SIZE(crash_ops); i++)
		free(states[i]);
	free(states);
}

TEST(test_crash_every_byte)
{
	char *dir = make_tmpdir(), *journal = NULL, *err = NULL;
	size_t jlens[ARRAY_SIZE(crash_ops) + 1] = { 0 };
	char **states = reference_states(dir, false, true, &journal, jlens);
	CHECK(journal != NULL);
	size_t total = jlens[ARRAY_SIZE(crash_ops)];
	CHECK(total > 100);
	/* A crash can cut the journal at any byte (a write that did not
	 * finish, or not flushed before a power loss): the reloaded state
	 * is that after the last complete record, never anything else. */
	for (size_t t = 0; t <= total && journal; t++) {
		reset_dir(dir, true, journal, t);
		size_t k = 0;
		for (size_t i = 1; i <= ARRAY_SIZE(crash_ops); i++)
			if (jlens[i] <= t)
				k = i;
		struct status *st = open_ok(dir, "S");
		CHECK(st != NULL);
		if (!st)
			break;
		char *s = state_of(st);
		CHECK_STREQ(s, states[k]);
		/* And the next run can carry on from there. */
		CHECK_INTEQ(status_add(st, 99, F("S"), &err), 0);
		status_close(&st);
		st = open_ok(dir, "S");
		CHECK(st && status_get(st, 99, NULL));
		status_close(&st);
		if (test_case_failed) {
			fprintf(stderr, "  cut at byte %zu: got\n%s", t, s);
			free(s);
			break;
		}
		free(s);
	}
	free(journal);
	free_states(states);
	free(err);
	rm_tree(&dir);
}

/* The crashing child: the test binary run again (so that valgrind, which
 * does not follow exec by default, leaves the deliberately killed process
 * alone) with OI_TEST_CRASH_CHILD="<n> <progress fd> <dir>": it runs every
 * operation, dying right after its n-th durable step, and reports the
 * index of each operation it begins on the progress pipe. */
__attribute__((constructor)) static void crash_child(void)
{
	const char *spec = getenv("OI_TEST_CRASH_CHILD");
	if (!spec)
		return;
	unsigned long n;
	int pfd;
	char dir[512];
	if (sscanf(spec, "%lu %d %511s", &n, &pfd, dir) != 3)
		_exit(2);
	/* Quiet the "crash injected" line. */
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		dup2(devnull, 2);
	fsutil_crash_after(n);
	struct status *st = NULL;
	char *err = NULL;
	if (status_open(dir, "S", &st, &err) < 0)
		_exit(3);
	for (long i = 0; i < (long)ARRAY_SIZE(crash_ops); i++) {
		if (write(pfd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
		if (apply_op(st, &crash_ops[i], &err) < 0)
			_exit(5);
	}
	if (status_save(st, &err) < 0)
		_exit(6);
	status_close(&st);
	_exit(0);
}

/* Run the child above; returns CRASHED or its exit status and, in
 * *started_r, the index of the last operation begun (-1: died while
 * opening). */
static int run_crashing(const char *dir, unsigned long n, long *started_r)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		abort();
	char *spec = xasprintf("%lu %d %s", n, pfd[1], dir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(pfd[0]);
		setenv("OI_TEST_CRASH_CHILD", spec, 1);
		execl(program_invocation_name, program_invocation_name,
		      (char *)NULL);
		_exit(127);
	}
	free(spec);
	close(pfd[1]);
	long i;
	*started_r = -1;
	while (read(pfd[0], &i, sizeof(i)) == sizeof(i))
		*started_r = i;
	close(pfd[0]);
	int ws;
	waitpid(pid, &ws, 0);
	if (WIFSIGNALED(ws))
		return WTERMSIG(ws) == SIGKILL ? CRASHED : 128;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
}

static void crash_every_step(bool with_journal)
{
	char *dir = make_tmpdir(), *err = NULL;
	char **states = reference_states(dir, with_journal, false, NULL, NULL);
	char *j0 = initial_journal();
	unsigned long n;
	for (n = 1; n < 1000; n++) {
		reset_dir(dir, with_journal, j0, strlen(j0));
		long started;
		int code = run_crashing(dir, n, &started);
		if (code == 0)
			break;
		CHECK_INTEQ(code, CRASHED);
		/* Reloaded: the state before or after the operation that
		 * was under way, and it loads the same way twice. */
		struct status *st = open_ok(dir, "S");
		CHECK(st != NULL);
		if (!st)
			break;
		char *s = state_of(st);
		const char *before = states[started + 1 > 0 ? started : 0];
		const char *after = states[started + 1];
		CHECK(!strcmp(s, before) || !strcmp(s, after));
		CHECK_INTEQ(status_save(st, &err), 0);
		status_close(&st);
		st = open_ok(dir, "S");
		char *s2 = st ? state_of(st) : NULL;
		CHECK(s2 && !strcmp(s, s2));
		CHECK(st && status_existed(st));
		status_close(&st);
		/* Compacted: exactly FORMAT 1 of the records. */
		char *text = get_file(dir, "S", NULL);
		CHECK(text && !strncmp(s, text, strlen(text)));
		if (test_case_failed) {
			fprintf(stderr, "  crash after step %lu during op %ld:"
				"\n%s", n, started, s);
		}
		free(text);
		free(s2);
		free(s);
		if (test_case_failed)
			break;
	}
	/* Every step was interrupted once, and there are steps enough:
	 * each operation is at least one. */
	CHECK(n > ARRAY_SIZE(crash_ops));
	CHECK(n < 1000);
	free(j0);
	free_states(states);
	free(err);
	rm_tree(&dir);
}

TEST(test_crash_every_step)
{
	crash_every_step(false);
}

TEST(test_crash_every_step_with_old_journal)
{
	crash_every_step(true);
}

/* ---- FolderValidity, UIDMapping ---- */

TEST(test_validity)
{
	char *dir = make_tmpdir(), *err = NULL;
	uint32_t v = 0;
	CHECK_INTEQ(validity_read(dir, "INBOX", &v, &err), 1);
	CHECK_INTEQ(validity_write(dir, "INBOX", VALIDITY_MAILDIR, &err), 0);
	char *text = get_file(dir, "INBOX", NULL);
	CHECK_STREQ(text, "42\n");
	free(text);
	CHECK(!exists(dir, "INBOX.tmp"));
	CHECK_INTEQ(validity_read(dir, "INBOX", &v, &err), 0);
	CHECK_INTEQ(v, 42);
	CHECK_INTEQ(validity_write(dir, "INBOX", 4294967295u, &err), 0);
	CHECK_INTEQ(validity_read(dir, "INBOX", &v, &err), 0);
	CHECK(v == 4294967295u);
	static const struct {
		const char *content;
		long want;	/* -1: error */
	} cases[] = {
		{ "1136073600\n", 1136073600 },
		{ "  42 \r\n", 42 },
		{ "7", 7 },
		{ "0\n", 0 },
		{ "42\ntrailing junk\n", 42 },	/* 4.0 reads one line */
		{ "", -1 },
		{ "\n42\n", -1 },
		{ "abc\n", -1 },
		{ "-5\n", -1 },
		{ "4294967296\n", -1 },
		{ "42L\n", -1 },
		{ "4 2\n", -1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		put_file(dir, "V", cases[i].content, strlen(cases[i].content));
		v = 12345;
		int r = validity_read(dir, "V", &v, &err);
		if (cases[i].want < 0) {
			CHECK_INTEQ(r, -1);
			CHECK(err && strstr(err, "/V"));
			FREE(&err);
			CHECK_INTEQ(v, 12345);
		} else {
			CHECK_INTEQ(r, 0);
			CHECK_INTEQ(v, cases[i].want);
		}
	}
	CHECK_INTEQ(validity_write("/nonexistent-oi-dir", "V", 1, &err), -1);
	FREE(&err);
	rm_tree(&dir);
}

TEST(test_uidmap)
{
	char *dir = make_tmpdir(), *err = NULL;
	struct uidmap m;
	uidmap_init(&m);
	CHECK_INTEQ(uidmap_read(dir, "INBOX", &m, &err), 1);
	CHECK_INTEQ(uidmap_count(&m), 0);
	uidmap_set(&m, 2, 20);
	uidmap_set(&m, 1, 10);
	uidmap_set(&m, 3, 30);
	CHECK_INTEQ(uidmap_remote(&m, 2), 20);
	CHECK_INTEQ(uidmap_local(&m, 30), 3);
	CHECK_INTEQ(uidmap_remote(&m, 4), 0);
	/* Re-pairing drops the old pairs of both UIDs. */
	uidmap_set(&m, 3, 10);
	CHECK_INTEQ(uidmap_count(&m), 2);
	CHECK_INTEQ(uidmap_remote(&m, 1), 0);
	CHECK_INTEQ(uidmap_local(&m, 30), 0);
	CHECK_INTEQ(uidmap_local(&m, 10), 3);
	uidmap_set(&m, 7, 4000000000u);
	CHECK_INTEQ(uidmap_write(dir, "INBOX", &m, &err), 0);
	char *text = get_file(dir, "INBOX", NULL);
	CHECK_STREQ(text, "2:20\n3:10\n7:4000000000\n");
	free(text);
	CHECK(!uidmap_remove_local(&m, 99));
	CHECK(uidmap_remove_local(&m, 2));
	CHECK(uidmap_remove_remote(&m, 10));
	CHECK(!uidmap_remove_remote(&m, 10));
	CHECK_INTEQ(uidmap_count(&m), 1);
	uidmap_release(&m);
	uidmap_init(&m);
	CHECK_INTEQ(uidmap_read(dir, "INBOX", &m, &err), 0);
	CHECK_INTEQ(uidmap_count(&m), 3);
	CHECK(uidmap_local(&m, 4000000000u) == 7);
	uidmap_release(&m);
	/* 4.0's files: any order, white space. */
	put_file(dir, "M", "5:50\r\n 1:9 \n3:4", 15);
	uidmap_init(&m);
	CHECK_INTEQ(uidmap_read(dir, "M", &m, &err), 0);
	CHECK(uidmap_count(&m) == 3 && uidmap_remote(&m, 3) == 4);
	uidmap_release(&m);
	static const char *bad[] = {
		"1:x\n", "1:2:3\n", "1\n", "0:5\n", "5:0\n", "\n",
		"1:2\n1:3\n", "1:2\n3:2\n", "-1:2\n", "1:4294967296\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		put_file(dir, "M", bad[i], strlen(bad[i]));
		uidmap_init(&m);
		CHECK_INTEQ(uidmap_read(dir, "M", &m, &err), -1);
		CHECK(err && strstr(err, "/M line"));
		CHECK_INTEQ(uidmap_count(&m), 0);
		FREE(&err);
		uidmap_release(&m);
	}
	rm_tree(&dir);
}

/* ---- fsutil ---- */

TEST(test_fsutil_files)
{
	char *dir = make_tmpdir(), *err = NULL;
	CHECK_INTEQ(fsutil_write_file_atomic(dir, "f", "one", 3, &err), 0);
	put_file(dir, "f.tmp", "stale", 5);	/* left by a crash */
	unsigned long before = fsutil_checkpoints();
	CHECK_INTEQ(fsutil_write_file_atomic(dir, "f", "two!", 4, &err), 0);
	CHECK(fsutil_checkpoints() >= before + 2);
	size_t len;
	char *text = get_file(dir, "f", &len);
	CHECK(len == 4 && !memcmp(text, "two!", 4));
	free(text);
	CHECK(!exists(dir, "f.tmp"));
	CHECK_INTEQ(fsutil_write_file_atomic(dir, "empty", "", 0, &err), 0);
	text = get_file(dir, "empty", &len);
	CHECK(text && len == 0);
	free(text);
	/* A symbolic link in place of the temporary file is not followed. */
	char *target = xasprintf("%s/target", dir);
	char *link = xasprintf("%s/g.tmp", dir);
	CHECK_INTEQ(symlink(target, link), 0);
	CHECK_INTEQ(fsutil_write_file_atomic(dir, "g", "x", 1, &err), -1);
	CHECK(err && strstr(err, "g.tmp"));
	FREE(&err);
	CHECK(!exists(dir, "target"));
	free(target);
	free(link);
	CHECK_INTEQ(fsutil_write_file_atomic("/nonexistent-oi", "f", "", 0,
					     &err), -1);
	FREE(&err);
	/* read_file: missing, present. */
	char *data = NULL;
	char *path = xasprintf("%s/missing", dir);
	CHECK_INTEQ(fsutil_read_file(path, &data, &len, &err), 1);
	free(path);
	/* fsync can be switched off ([general] fsync = no). */
	CHECK(fsutil_fsync_enabled());
	fsutil_set_fsync(false);
	CHECK(!fsutil_fsync_enabled());
	CHECK_INTEQ(fsutil_fsync(-1), 0);	/* not even attempted */
	CHECK_INTEQ(fsutil_write_file_atomic(dir, "h", "y", 1, &err), 0);
	fsutil_set_fsync(true);
	CHECK_INTEQ(fsutil_fsync(-1), -1);
	CHECK_INTEQ(fsutil_fsync_dir(dir, &err), 0);
	CHECK_INTEQ(fsutil_fsync_dir("/nonexistent-oi", &err), -1);
	FREE(&err);
	rm_tree(&dir);
}

TEST(test_fsutil_mkdir)
{
	char *dir = make_tmpdir(), *err = NULL;
	mode_t old = umask(0);
	char *sub = xasprintf("%s/sub", dir);
	bool created = false;
	CHECK_INTEQ(fsutil_mkdir_0700(sub, &created, &err), 0);
	CHECK(created);
	struct stat st;
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 07777) == 0700);
	CHECK_INTEQ(fsutil_mkdir_0700(sub, &created, &err), 0);
	CHECK(!created);
	char *slash = xasprintf("%s/sub2/", dir);
	CHECK_INTEQ(fsutil_mkdir_0700(slash, NULL, &err), 0);
	free(slash);
	put_file(dir, "file", "x", 1);
	char *file = xasprintf("%s/file", dir);
	CHECK_INTEQ(fsutil_mkdir_0700(file, &created, &err), -1);
	CHECK(err && strstr(err, "file"));
	FREE(&err);
	char *deep = xasprintf("%s/no/such", dir);
	CHECK_INTEQ(fsutil_mkdir_0700(deep, NULL, &err), -1);
	FREE(&err);
	umask(old);
	free(deep);
	free(file);
	free(sub);
	rm_tree(&dir);
}

RUN_TESTS(test_uid_table, test_format1_exact, test_no_file_without_records,
	  test_read_40_files, test_corrupt_files, test_journal_replay,
	  test_lock, test_intents, test_stale_journal, test_auto_compaction,
	  test_crash_every_byte, test_crash_every_step,
	  test_crash_every_step_with_old_journal, test_validity, test_uidmap,
	  test_fsutil_files, test_fsutil_mkdir)
