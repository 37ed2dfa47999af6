/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IMAP-as-local mapping layer (core/imap/mapped.c) over a fake
 * in-memory server: UID translation, the UIDMapping file and its journal,
 * recovery of APPENDs a crash left unpaired. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "imap/mapped.h"
#include "msgbody.h"
#include "store.h"
#include "util.h"

/* ---- a fake server with one folder ---------------------------------- */

struct fake_msg {
	long long uid;		/* 0 = expunged */
	unsigned flags;
	char *body;
	char *token;
};

struct fake {
	struct store base;
	struct fake_msg msgs[64];
	size_t n;
	long long next_uid;
	int append_result;	/* STORE_OK, or what save() returns */
	bool hide_uid;		/* save() does not learn the UID */
	int appends;
};

static struct fake *fake_of(struct store_folder *f)
{
	return (struct fake *)f->store;
}

static struct fake_msg *fake_find(struct fake *s, long long uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (uid > 0 && s->msgs[i].uid == uid)
			return &s->msgs[i];
	return NULL;
}

static long long fake_add(struct fake *s, const char *body, unsigned flags,
			  const char *token)
{
	struct fake_msg *m = &s->msgs[s->n++];
	m->uid = s->next_uid++;
	m->flags = flags;
	m->body = xstrdup(body);
	m->token = token ? xstrdup(token) : NULL;
	return m->uid;
}

static int fake_list_folders(struct store *st, struct store_folder_info **v_r,
			     size_t *n_r, char **err_r)
{
	(void)st;
	(void)err_r;
	*v_r = xcalloc(1, sizeof(**v_r));
	(*v_r)[0].name = xstrdup("INBOX");
	*n_r = 1;
	return STORE_OK;
}

static char fake_separator(struct store *st)
{
	(void)st;
	return '/';
}

static int fake_create_folder(struct store *st, const char *name,
			      char **err_r)
{
	(void)st;
	(void)name;
	(void)err_r;
	return STORE_OK;
}

static int fake_open_folder(struct store *st, const char *name,
			    struct store_folder **f_r, char **err_r)
{
	(void)err_r;
	struct store_folder *f = xcalloc(1, sizeof(*f));
	f->store = st;
	f->name = xstrdup(name);
	*f_r = f;
	return STORE_OK;
}

static void fake_close_folder(struct store_folder **f)
{
	if (!*f)
		return;
	free((*f)->name);
	FREE(f);
}

static void fake_end_cycle(struct store *st)
{
	(void)st;
}

static void fake_free(struct store **pst)
{
	struct fake *s = (struct fake *)*pst;
	for (size_t i = 0; i < s->n; i++) {
		free(s->msgs[i].body);
		free(s->msgs[i].token);
	}
	free(s->base.name);
	free(s);
	*pst = NULL;
}

static int fake_uidvalidity(struct store_folder *f, uint32_t *uv_r,
			    char **err_r)
{
	(void)f;
	(void)err_r;
	*uv_r = 7;
	return STORE_OK;
}

static bool fake_read_only(struct store_folder *f)
{
	(void)f;
	return false;
}

static int fake_list_msgs(struct store_folder *f, struct store_msglist *out,
			  char **err_r)
{
	struct fake *s = fake_of(f);
	(void)err_r;
	store_msglist_release(out);
	for (size_t i = 0; i < s->n; i++) {
		if (!s->msgs[i].uid)
			continue;
		struct store_msg m = { .uid = s->msgs[i].uid,
				       .flags = s->msgs[i].flags };
		store_msglist_add(out, &m);
	}
	store_msglist_sort(out);
	return STORE_OK;
}

static int fake_fetch(struct store_folder *f, long long uid,
		      struct msgbody *body, char **err_r)
{
	struct fake_msg *m = fake_find(fake_of(f), uid);
	if (!m) {
		*err_r = xasprintf("no message %lld", uid);
		return STORE_EMSG;
	}
	if (msgbody_write(body, m->body, strlen(m->body), err_r) < 0 ||
	    msgbody_finish(body, err_r) < 0)
		return STORE_EFOLDER;
	return STORE_OK;
}

static char *body_text(struct msgbody *b)
{
	size_t n = (size_t)msgbody_size(b), got = 0;
	char *out = xcalloc(n + 1, 1);
	char *err = NULL;
	if (n && msgbody_read(b, 0, out, n, &got, &err) < 0)
		free(err);
	return out;
}

static int fake_save(struct store_folder *f, long long uid,
		     struct msgbody *body, unsigned flags, time_t t,
		     const char *token, long long *uid_r, char **err_r)
{
	struct fake *s = fake_of(f);
	(void)t;
	struct fake_msg *m = fake_find(s, uid);
	if (m) {
		m->flags = flags;
		*uid_r = uid;
		return STORE_OK;
	}
	s->appends++;
	if (s->append_result != STORE_OK) {
		*err_r = xstrdup("APPEND refused");
		return s->append_result;
	}
	char *text = body_text(body);
	long long got = fake_add(s, text, flags, token);
	free(text);
	*uid_r = s->hide_uid ? 0 : got;
	return STORE_OK;
}

static int fake_find_token(struct store_folder *f, const char *token,
			   long long *uid_r, char **err_r)
{
	struct fake *s = fake_of(f);
	(void)err_r;
	*uid_r = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->msgs[i].uid && s->msgs[i].token &&
		    strcmp(s->msgs[i].token, token) == 0)
			*uid_r = s->msgs[i].uid;
	return STORE_OK;
}

static int fake_change(struct store_folder *f, const long long *uids,
		       size_t n, unsigned flags, bool add)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			CHECK(uids[i - 1] < uids[i]);	/* sorted */
		struct fake_msg *m = fake_find(fake_of(f), uids[i]);
		CHECK(m != NULL);
		if (m && add)
			m->flags |= flags;
		else if (m)
			m->flags &= ~flags;
	}
	return STORE_OK;
}

static int fake_add_flags(struct store_folder *f, const long long *uids,
			  size_t n, unsigned flags, char **err_r)
{
	(void)err_r;
	return fake_change(f, uids, n, flags, true);
}

static int fake_remove_flags(struct store_folder *f, const long long *uids,
			     size_t n, unsigned flags, char **err_r)
{
	(void)err_r;
	return fake_change(f, uids, n, flags, false);
}

static int fake_delete_msgs(struct store_folder *f, const long long *uids,
			    size_t n, char **err_r)
{
	(void)err_r;
	for (size_t i = 0; i < n; i++) {
		struct fake_msg *m = fake_find(fake_of(f), uids[i]);
		CHECK(m != NULL);
		if (m)
			m->uid = 0;
	}
	return STORE_OK;
}

static unsigned fake_storable_flags(struct store_folder *f)
{
	(void)f;
	return STORE_FLAG('D') | STORE_FLAG('F') | STORE_FLAG('R') |
	       STORE_FLAG('S') | STORE_FLAG('T');
}

static const struct store_ops fake_ops = {
	.type = "Fake",
	.caps = STORE_CAP_ASSIGNS_UIDS,
	.list_folders = fake_list_folders,
	.separator = fake_separator,
	.create_folder = fake_create_folder,
	.open_folder = fake_open_folder,
	.close_folder = fake_close_folder,
	.end_cycle = fake_end_cycle,
	.free = fake_free,
	.uidvalidity = fake_uidvalidity,
	.read_only = fake_read_only,
	.list_msgs = fake_list_msgs,
	.fetch = fake_fetch,
	.save = fake_save,
	.find_token = fake_find_token,
	.add_flags = fake_add_flags,
	.remove_flags = fake_remove_flags,
	.delete_msgs = fake_delete_msgs,
	.storable_flags = fake_storable_flags,
};

/* ---- fixtures ------------------------------------------------------ */

struct env {
	char dir[64];
	struct fake *fake;	/* owned by st */
	struct store *st;
	struct store_folder *f;
	struct store_msglist list;
};

static void env_open_store(struct env *e)
{
	e->fake = xcalloc(1, sizeof(*e->fake));
	e->fake->base.ops = &fake_ops;
	e->fake->base.name = xstrdup("L");
	e->fake->next_uid = 1;
	e->st = mapped_store_new(&e->fake->base, e->dir);
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->dir, "/tmp/oi-test-mapped-XXXXXX");
	if (!mkdtemp(e->dir))
		abort();
	env_open_store(e);
}

static int env_open(struct env *e)
{
	char *err = NULL;
	int r = e->st->ops->open_folder(e->st, "INBOX", &e->f, &err);
	if (r != STORE_OK) {
		fprintf(stderr, "open: %s\n", err);
		free(err);
	}
	return r;
}

static int env_list(struct env *e)
{
	char *err = NULL;
	int r = e->st->ops->list_msgs(e->f, &e->list, &err);
	if (r != STORE_OK) {
		fprintf(stderr, "list: %s\n", err);
		free(err);
	}
	return r;
}

static void env_close(struct env *e)
{
	if (e->f)
		e->st->ops->close_folder(&e->f);
}

static void env_release(struct env *e)
{
	env_close(e);
	store_msglist_release(&e->list);
	e->st->ops->free(&e->st);
	DIR *d = opendir(e->dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(e->dir);
}

/* The content of a file in the mapping directory; "<none>" if absent. */
static char *env_file(struct env *e, const char *name)
{
	char *path = xasprintf("%s/%s", e->dir, name);
	FILE *fp = fopen(path, "r");
	free(path);
	if (!fp)
		return xstrdup("<none>");
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	char buf[256];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	return strbuf_detach(&sb);
}

static void env_write(struct env *e, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", e->dir, name);
	FILE *fp = fopen(path, "w");
	free(path);
	if (!fp)
		abort();
	fputs(text, fp);
	fclose(fp);
}

#define CHECK_FILE(e, name, text) do { \
	char *check_file_ = env_file((e), (name)); \
	CHECK_STREQ(check_file_, (text)); \
	free(check_file_); \
} while (0)

#define JMAGIC "OFFLINEIMAP-C UIDMapping JOURNAL 1\n"

static int save_msg(struct env *e, long long uid, const char *text,
		    unsigned flags, long long *got_r)
{
	struct msgbody *b = msgbody_new();
	char *err = NULL;
	long long got = -1;
	msgbody_write(b, text, strlen(text), &err);
	msgbody_finish(b, &err);
	int r = e->st->ops->save(e->f, uid, b, flags, 0, NULL, &got, &err);
	free(err);
	msgbody_free(&b);
	if (got_r)
		*got_r = got;
	return r;
}

/* ---- tests -------------------------------------------------------- */

TEST(test_downloads_are_paired_and_written)
{
	struct env e;
	env_init(&e);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK_INTEQ(e.list.n, 0);
	long long got = 0;
	CHECK_INTEQ(save_msg(&e, 100, "A: 1\n\none\n", STORE_FLAG('S'), &got),
		    STORE_OK);
	CHECK_INTEQ(got, 100);	/* the caller's UID, not the server's */
	CHECK_INTEQ(save_msg(&e, 250, "A: 2\n\ntwo\n", 0, NULL), STORE_OK);
	/* Before the compaction, the journal holds intents and pairs. */
	char *j = env_file(&e, "INBOX.journal");
	CHECK(strncmp(j, JMAGIC "I100 oim-", strlen(JMAGIC) + 9) == 0);
	CHECK(strstr(j, "\n+1:100\nI250 oim-") != NULL);
	CHECK(strstr(j, "\n+2:250\n") != NULL);
	free(j);
	/* The tracking token went into the message. */
	CHECK(e.fake->msgs[0].token &&
	      strncmp(e.fake->msgs[0].token, "oim-", 4) == 0 &&
	      strlen(e.fake->msgs[0].token) == 36);
	CHECK(strcmp(e.fake->msgs[0].token, e.fake->msgs[1].token) != 0);
	/* A UID paired already only gets its flags. */
	CHECK_INTEQ(save_msg(&e, 100, "ignored\n", STORE_FLAG('F'), &got),
		    STORE_OK);
	CHECK_INTEQ(got, 100);
	CHECK_INTEQ(e.fake->n, 2);
	CHECK_INTEQ(e.fake->msgs[0].flags, STORE_FLAG('F'));
	env_close(&e);
	CHECK_FILE(&e, "INBOX", "1:100\n2:250\n");
	CHECK_FILE(&e, "INBOX.journal", "<none>");
	CHECK_FILE(&e, "INBOX.tmp", "<none>");

	/* Listed again: under remote UIDs; a message written by a mail
	 * reader under minus its local UID, with a key; an unpaired
	 * \Deleted one not at all. */
	fake_add(e.fake, "B: 3\n\nlocal\n", STORE_FLAG('S'), NULL);
	fake_add(e.fake, "B: 4\n\ntrash\n", STORE_FLAG('T'), NULL);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK_INTEQ(e.list.n, 3);
	if (e.list.n == 3) {
		CHECK_INTEQ(e.list.v[0].uid, -3);
		CHECK_STREQ(e.list.v[0].key, "L3");
		CHECK_INTEQ(e.list.v[0].flags, STORE_FLAG('S'));
		CHECK_INTEQ(e.list.v[1].uid, 100);
		CHECK(e.list.v[1].key == NULL);
		CHECK_INTEQ(e.list.v[2].uid, 250);
	}
	/* Reading a new local message reads the local server's copy. */
	struct msgbody *b = msgbody_new();
	char *err = NULL;
	CHECK_INTEQ(e.st->ops->fetch(e.f, -3, b, &err), STORE_OK);
	char *text = body_text(b);
	CHECK_STREQ(text, "B: 3\n\nlocal\n");
	free(text);
	msgbody_free(&b);
	CHECK_INTEQ(e.st->ops->fetch(e.f, 999, NULL, &err), STORE_EMSG);
	free(err);
	uint32_t uv = 0;
	CHECK_INTEQ(e.st->ops->uidvalidity(e.f, &uv, &err), STORE_OK);
	CHECK_INTEQ(uv, 7);
	CHECK_STREQ(e.st->ops->type, "MappedIMAP");
	env_release(&e);
}

TEST(test_flags_and_deletions_translate)
{
	struct env e;
	env_init(&e);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	save_msg(&e, 300, "a\n", 0, NULL);	/* local 1 */
	save_msg(&e, 100, "b\n", 0, NULL);	/* local 2 */
	save_msg(&e, 200, "c\n", 0, NULL);	/* local 3 */
	long long local_new = -fake_add(e.fake, "d\n", 0, NULL);
	char *err = NULL;
	/* Ascending remote UIDs are not ascending local UIDs. */
	long long both[] = { 100, 300 };
	CHECK_INTEQ(e.st->ops->add_flags(e.f, both, 2, STORE_FLAG('F'), &err),
		    STORE_OK);
	CHECK_INTEQ(e.fake->msgs[0].flags, STORE_FLAG('F'));
	CHECK_INTEQ(e.fake->msgs[1].flags, STORE_FLAG('F'));
	CHECK_INTEQ(e.fake->msgs[2].flags, 0);
	long long one[] = { 300 };
	CHECK_INTEQ(e.st->ops->remove_flags(e.f, one, 1, STORE_FLAG('F'),
					    &err), STORE_OK);
	CHECK_INTEQ(e.fake->msgs[0].flags, 0);
	/* Unknown remote UIDs are ignored. */
	long long unknown[] = { 5 };
	CHECK_INTEQ(e.st->ops->add_flags(e.f, unknown, 1, STORE_FLAG('S'),
					 &err), STORE_OK);
	long long del[] = { local_new, 100 };
	CHECK_INTEQ(e.st->ops->delete_msgs(e.f, del, 2, &err), STORE_OK);
	CHECK_INTEQ(e.fake->msgs[1].uid, 0);
	CHECK_INTEQ(e.fake->msgs[3].uid, 0);
	env_close(&e);
	CHECK_FILE(&e, "INBOX", "1:300\n3:200\n");
	env_release(&e);
}

TEST(test_forget_uid_makes_a_new_local_message)
{
	struct env e;
	env_init(&e);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	save_msg(&e, 100, "a\n", 0, NULL);
	long long neg = 0;
	char *key = NULL, *err = NULL;
	CHECK_INTEQ(e.st->ops->forget_uid(e.f, 100, &neg, &key, &err),
		    STORE_OK);
	CHECK_INTEQ(neg, -1);
	CHECK_STREQ(key, "L1");
	free(key);
	CHECK_INTEQ(e.st->ops->forget_uid(e.f, 100, &neg, &key, &err),
		    STORE_EMSG);
	free(err);
	env_close(&e);
	CHECK_FILE(&e, "INBOX", "");
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK(e.list.n == 1 && e.list.v[0].uid == -1);
	env_release(&e);
}

TEST(test_crashed_append_is_paired_by_its_token)
{
	struct env e;
	env_init(&e);
	/* A run died after the server took remote 100 (token t1), before
	 * the pair was recorded; remote 200's APPEND never arrived; remote
	 * 300 was paired, and the last record is torn. */
	fake_add(e.fake, "x\n", 0, NULL);			/* 1 */
	fake_add(e.fake, "y\n", STORE_FLAG('S'), "oim-t1");	/* 2 */
	env_write(&e, "INBOX", "1:300\n");
	env_write(&e, "INBOX.journal",
		  JMAGIC "I100 oim-t1\nI200 oim-t2\n+9:4");
	CHECK_INTEQ(env_open(&e), STORE_OK);
	/* Opening compacted the journal down to its intents. */
	CHECK_FILE(&e, "INBOX.journal", JMAGIC "I100 oim-t1\nI200 oim-t2\n");
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK_FILE(&e, "INBOX", "1:300\n2:100\n");
	CHECK_FILE(&e, "INBOX.journal", "<none>");
	CHECK(e.list.n == 2 && e.list.v[0].uid == 100 &&
	      e.list.v[1].uid == 300);
	CHECK_INTEQ(e.fake->appends, 0);
	env_release(&e);
}

TEST(test_unlearnt_uid_keeps_the_intent)
{
	struct env e;
	env_init(&e);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	e.fake->hide_uid = true;
	CHECK_INTEQ(save_msg(&e, 100, "a\n", 0, NULL), STORE_EFOLDER);
	env_close(&e);
	char *j = env_file(&e, "INBOX.journal");
	CHECK(strncmp(j, JMAGIC "I100 oim-", strlen(JMAGIC) + 9) == 0);
	free(j);
	CHECK_FILE(&e, "INBOX", "<none>");
	/* The next listing finds it by its token. */
	e.fake->hide_uid = false;
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK(e.list.n == 1 && e.list.v[0].uid == 100);
	CHECK_FILE(&e, "INBOX", "1:100\n");
	CHECK_FILE(&e, "INBOX.journal", "<none>");
	env_release(&e);
}

TEST(test_refused_append_abandons_the_intent)
{
	struct env e;
	env_init(&e);
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	e.fake->append_result = STORE_EMSG;
	CHECK_INTEQ(save_msg(&e, 100, "a\n", 0, NULL), STORE_EMSG);
	char *j = env_file(&e, "INBOX.journal");
	CHECK(strstr(j, "\nX100\n") != NULL);
	free(j);
	env_close(&e);
	CHECK_FILE(&e, "INBOX.journal", "<none>");
	CHECK_FILE(&e, "INBOX", "<none>");
	env_release(&e);
}

TEST(test_vanished_pairs_are_dropped)
{
	struct env e;
	env_init(&e);
	fake_add(e.fake, "a\n", 0, NULL);
	env_write(&e, "INBOX", "1:10\n2:20\n3:30\n");
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	CHECK_FILE(&e, "INBOX", "1:10\n");
	CHECK(e.list.n == 1 && e.list.v[0].uid == 10);
	env_release(&e);
}

TEST(test_corrupt_files_are_errors)
{
	static const struct {
		const char *map, *journal, *needle;
	} cases[] = {
		{ "1:10\nxx\n", NULL, "line 2" },
		{ "1:10\n2:10\n", NULL, "mapped twice" },
		{ "", "bogus\n", "journal line 1" },
		{ "", JMAGIC "+1:2\n?\n", "journal line 3" },
		{ "", JMAGIC "I5\n", "journal line 2" },
		{ "", JMAGIC "+0:2\n", "journal line 2" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env e;
		env_init(&e);
		env_write(&e, "INBOX", cases[i].map);
		if (cases[i].journal)
			env_write(&e, "INBOX.journal", cases[i].journal);
		char *err = NULL;
		CHECK_INTEQ(e.st->ops->open_folder(e.st, "INBOX", &e.f, &err),
			    STORE_EFOLDER);
		CHECK(err && strstr(err, cases[i].needle));
		if (err && !strstr(err, cases[i].needle))
			fprintf(stderr, "case %zu: %s\n", i, err);
		free(err);
		env_release(&e);
	}
	/* A journal cut inside its first line recorded nothing. */
	struct env e;
	env_init(&e);
	env_write(&e, "INBOX.journal", "OFFLINEIMAP-C UIDMa");
	CHECK_INTEQ(env_open(&e), STORE_OK);
	CHECK_FILE(&e, "INBOX.journal", "<none>");
	CHECK_FILE(&e, "INBOX", "<none>");
	env_release(&e);
}

TEST(test_nested_folder_base_name)
{
	struct env e;
	env_init(&e);
	char *err = NULL;
	CHECK_INTEQ(e.st->ops->open_folder(e.st, "Work/Sub", &e.f, &err),
		    STORE_OK);
	CHECK_INTEQ(env_list(&e), STORE_OK);
	save_msg(&e, 42, "a\n", 0, NULL);
	env_close(&e);
	CHECK_FILE(&e, "Work.Sub", "1:42\n");
	env_release(&e);
}

RUN_TESTS(test_downloads_are_paired_and_written,
	  test_flags_and_deletions_translate,
	  test_forget_uid_makes_a_new_local_message,
	  test_crashed_append_is_paired_by_its_token,
	  test_unlearnt_uid_keeps_the_intent,
	  test_refused_append_abandons_the_intent,
	  test_vanished_pairs_are_dropped,
	  test_corrupt_files_are_errors,
	  test_nested_folder_base_name)
