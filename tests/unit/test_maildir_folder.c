/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for Maildir folders on disk: creation (also of hostile
 * names), discovery, the message list, durable writes (also interrupted
 * after every step), flag renames, deletion, streaming reads and
 * restoreatime. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness.h"
#include "maildir/folder.h"
#include "maildir/names.h"
#include "util.h"

/* How a child killed by fsutil_crash_after() is reported here. */
#define CRASHED 1000

#define H_INBOX "7e33429f656f1e6e9d79b29c3f82c57e"

/* A private base directory holding the Maildir root "root", so that a
 * test can check nothing was created beside the root. */
static char *base_dir;
static char *root;

static void setup(void)
{
	base_dir = xstrdup("/tmp/oi-test-maildir-XXXXXX");
	if (!mkdtemp(base_dir))
		abort();
	root = xasprintf("%s/root", base_dir);
	if (mkdir(root, 0700) < 0)
		abort();
}

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	FREE(&base_dir);
	FREE(&root);
}

static bool is_dir(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	bool r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

static bool is_file(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	bool r = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return r;
}

static void put(const char *rel, const char *data)
{
	char *p = xasprintf("%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write_full(fd, data, strlen(data)) < 0)
		abort();
	close(fd);
	free(p);
}

static int count_entries(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	DIR *d = opendir(p);
	free(p);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool create(const char *name, const char *sep, bool existsok)
{
	char *err = NULL;
	int r = maildir_folder_create(root, name, sep, existsok, &err);
	free(err);
	return r == 0;
}

static struct maildir_folder *open_folder(const char *name, const char *sep)
{
	struct maildir_folder *f = NULL;
	char *err = NULL;
	if (maildir_folder_open(root, name, sep, ':', &f, &err) < 0) {
		fprintf(stderr, "open %s: %s\n", name, err);
		free(err);
	}
	return f;
}

static uint64_t F(const char *letters)
{
	uint64_t f = 0;
	if (maildir_flags_parse(letters, strlen(letters), &f) < 0)
		abort();
	return f;
}

TEST(test_create)
{
	setup();
	mode_t old = umask(0);
	CHECK(create("INBOX", ".", false));
	CHECK(is_dir("INBOX/cur") && is_dir("INBOX/new") &&
	      is_dir("INBOX/tmp"));
	struct stat st;
	char *p = xasprintf("%s/INBOX/tmp", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0700);
	free(p);
	p = xasprintf("%s/INBOX", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0700);
	free(p);
	/* A complete Maildir is left alone. */
	put("INBOX/cur/msg", "x");
	CHECK(create("INBOX", ".", false));
	CHECK(is_file("INBOX/cur/msg"));
	/* An existing plain directory needs existsok (4.0's rule)... */
	p = xasprintf("%s/Plain", root);
	mkdir(p, 0755);
	free(p);
	char *err = NULL;
	CHECK_INTEQ(maildir_folder_create(root, "Plain", ".", false, &err), -1);
	CHECK(err && strstr(err, "existsok"));
	FREE(&err);
	CHECK(create("Plain", ".", true));
	CHECK(is_dir("Plain/new"));
	/* ... unless it is a creation cut short by a crash. */
	p = xasprintf("%s/Half", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/Half/cur", root);
	mkdir(p, 0700);
	free(p);
	CHECK(create("Half", ".", false));
	CHECK(is_dir("Half/tmp") && is_dir("Half/new"));
	/* Nested with sep = /: parents are plain directories, and a
	 * parent can become a Maildir itself later. */
	CHECK(create("a/b/c", "/", false));
	CHECK(is_dir("a/b/c/cur") && !is_dir("a/cur") && !is_dir("a/b/cur"));
	p = xasprintf("%s/a/b", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0700);
	free(p);
	CHECK(create("a", "/", false));
	CHECK(is_dir("a/cur") && is_dir("a/b/c/new"));
	/* With sep = . the same name is one directory. */
	CHECK(create("a/b", ".", false));
	CHECK(is_dir("a%2Fb/cur"));
	/* The root folder. */
	CHECK(create(".", ".", false));
	CHECK(is_dir("cur") && is_dir("new") && is_dir("tmp"));
	/* A missing root is an error, not created. */
	CHECK_INTEQ(maildir_folder_create("/nonexistent-oi-root", "INBOX",
					  ".", false, &err), -1);
	CHECK(err && strstr(err, "nonexistent-oi-root"));
	FREE(&err);
	CHECK_INTEQ(maildir_folder_create(root, "", ".", false, &err), -1);
	FREE(&err);
	umask(old);
	teardown();
}

TEST(test_create_hostile)
{
	setup();
	static const struct {
		const char *name, *sep, *dir;
	} cases[] = {
		{ "..", ".", "%2E." },
		{ "../evil", ".", "..%2Fevil" },
		{ "../evil", "/", "%2E./evil" },
		{ "/abs", "/", "%2Fabs" },
		{ "/tmp/abs", ".", "%2Ftmp%2Fabs" },
		{ "a/../../b", "/", "a/%2E./%2E./b" },
		{ "x/cur", "/", "x/%63ur" },
		{ "new", ".", "%6Eew" },
		{ "tmp", "/", "%74mp" },
		{ "ctl\x01\n", ".", "ctl%01%0A" },
		{ "a//b/", "/", "a/%2Fb%2F" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK(create(cases[i].name, cases[i].sep, false));
		char *cur = xasprintf("%s/cur", cases[i].dir);
		CHECK(is_dir(cur));
		free(cur);
		/* And it opens under the same name. */
		struct maildir_folder *f = open_folder(cases[i].name,
						       cases[i].sep);
		CHECK(f != NULL);
		maildir_folder_close(&f);
	}
	/* Nothing beside the root, no Maildir subdirectory clobbered. */
	CHECK_INTEQ(count_entries(".."), 1);
	CHECK(!is_dir("cur") && !is_dir("x/cur"));
	/* A component too long for the file system is refused. */
	char name[400];
	memset(name, 'n', 300);
	name[300] = '\0';
	char *err = NULL;
	CHECK_INTEQ(maildir_folder_create(root, name, ".", false, &err), -1);
	CHECK(err && strstr(err, "255"));
	free(err);
	teardown();
}

TEST(test_list_folders)
{
	setup();
	CHECK(create("INBOX", "/", false));
	CHECK(create("INBOX/Sent", "/", false));
	CHECK(create("Archive/2006/Jan", "/", false));
	CHECK(create(".Hidden", "/", false));
	CHECK(create("../x", "/", false));
	CHECK(create("cur", "/", false));
	/* Not a folder: missing tmp/. */
	char *p = xasprintf("%s/Broken", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/Broken/cur", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/Broken/new", root);
	mkdir(p, 0700);
	free(p);
	/* Made by hand with a name that is no canonical encoding. */
	p = xasprintf("%s/%%41", root);
	mkdir(p, 0700);
	free(p);
	CHECK(create("%41", "/", false) && is_dir("%2541/cur"));
	for (int i = 0; i < 3; i++) {
		static const char *subs[] = { "cur", "new", "tmp" };
		p = xasprintf("%s/%%41/%s", root, subs[i]);
		mkdir(p, 0700);
		free(p);
	}
	put("file-in-root", "x");
	/* A link loop must not hang discovery. */
	p = xasprintf("%s/Archive/loop", root);
	CHECK_INTEQ(symlink("..", p), 0);
	free(p);
	char **names = NULL, **ignored = NULL, *err = NULL;
	CHECK_INTEQ(maildir_list_folders(root, "/", &names, &ignored, &err),
		    0);
	static const char *want[] = {
		"%41", "../x", ".Hidden", "Archive/2006/Jan", "INBOX",
		"INBOX/Sent", "cur",
	};
	size_t n = 0;
	while (names && names[n])
		n++;
	CHECK_INTEQ(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n && i < ARRAY_SIZE(want); i++)
		CHECK_STREQ(names[i], want[i]);
	CHECK(ignored && ignored[0] && !strcmp(ignored[0], "%41") &&
	      !ignored[1]);
	strv_free(&names);
	strv_free(&ignored);
	/* sep = . looks at the top level only. */
	CHECK_INTEQ(maildir_list_folders(root, ".", &names, NULL, &err), 0);
	n = 0;
	while (names[n])
		n++;
	CHECK_INTEQ(n, 4);	/* %41, .Hidden, INBOX, cur(escaped) */
	strv_free(&names);
	/* The root is folder ".". */
	CHECK(create(".", ".", false));
	CHECK_INTEQ(maildir_list_folders(root, ".", &names, NULL, &err), 0);
	CHECK_STREQ(names[0], "%41");
	CHECK_STREQ(names[1], ".");
	strv_free(&names);
	CHECK_INTEQ(maildir_list_folders("/nonexistent-oi", ".", &names, NULL,
					 &err), -1);
	FREE(&err);
	teardown();
}

TEST(test_open)
{
	setup();
	char *err = NULL;
	struct maildir_folder *f = NULL;
	CHECK_INTEQ(maildir_folder_open(root, "INBOX", ".", ':', &f, &err),
		    -1);
	CHECK(f == NULL && err && strstr(err, "INBOX"));
	FREE(&err);
	char *p = xasprintf("%s/NoTmp", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/NoTmp/cur", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/NoTmp/new", root);
	mkdir(p, 0700);
	free(p);
	CHECK_INTEQ(maildir_folder_open(root, "NoTmp", ".", ':', &f, &err),
		    -1);
	CHECK(err && strstr(err, "tmp/"));
	FREE(&err);
	CHECK(create("INBOX/Sent", "/", false));
	f = open_folder("INBOX/Sent", "/");
	CHECK(f != NULL);
	CHECK_STREQ(maildir_folder_name(f), "INBOX/Sent");
	CHECK_STREQ(maildir_folder_fmd5(f), "82b8e639575e0913bfbc1a06702d22fd");
	p = xasprintf("%s/INBOX/Sent", root);
	CHECK_STREQ(maildir_folder_path(f), p);
	free(p);
	maildir_folder_close(&f);
	maildir_folder_close(&f);
	teardown();
}

static const struct maildir_msg *find_msg(const struct maildir_msglist *l,
					  const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->msgs[i].name, name))
			return &l->msgs[i];
	return NULL;
}

TEST(test_scan)
{
	setup();
	CHECK(create("INBOX", ".", false));
	put("INBOX/new/1_0.1.h,U=5,FMD5=" H_INBOX, "five");
	put("INBOX/cur/1_1.1.h,U=6,FMD5=" H_INBOX ":2,RS", "six!");
	/* A message of INBOX.Sent moved here by the mail reader. */
	put("INBOX/cur/1_2.1.h,U=7,FMD5=dd2c1d98c3e9c5f84458a490730ccd62:2,S",
	    "x");
	/* MUA deliveries without UID. */
	put("INBOX/new/2.M1P2.host", "y");
	put("INBOX/cur/3.M1P2.host,S=1:2,Sa", "z");
	/* 4.0 style ":2," in new/. */
	put("INBOX/new/1_3.1.h,U=8,FMD5=" H_INBOX ":2,", "eight");
	/* Things that are not messages. */
	put("INBOX/cur/.dovecot-uidlist", "x");
	put("INBOX/new/.hidden", "x");
	put("INBOX/tmp/1_9.1.h,U=9,FMD5=" H_INBOX ":2,S", "tmp!");
	char *p = xasprintf("%s/INBOX/cur/subdir", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/INBOX/cur/link", root);
	CHECK_INTEQ(symlink("/etc/passwd", p), 0);
	free(p);
	/* Set a known time on one file. */
	p = xasprintf("%s/INBOX/new/1_0.1.h,U=5,FMD5=" H_INBOX, root);
	struct timespec ts[2] = { { 1136073600, 0 }, { 1136073600, 0 } };
	CHECK_INTEQ(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);

	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msglist l;
	char *err = NULL;
	CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
	CHECK_INTEQ(l.n, 6);
	CHECK_INTEQ(l.ndups, 0);
	const struct maildir_msg *m = find_msg(&l, "1_0.1.h,U=5,FMD5=" H_INBOX);
	CHECK(m && m->uid == 5 && m->in_new && m->flags == 0 &&
	      m->size == 4 && m->mtime.tv_sec == 1136073600);
	m = find_msg(&l, "1_1.1.h,U=6,FMD5=" H_INBOX ":2,RS");
	CHECK(m && m->uid == 6 && !m->in_new && m->flags == F("RS"));
	m = find_msg(&l, "1_3.1.h,U=8,FMD5=" H_INBOX ":2,");
	CHECK(m && m->uid == 8 && m->in_new);
	/* Negative UIDs in listing order: new/ sorted, then cur/ sorted. */
	m = find_msg(&l, "2.M1P2.host");
	CHECK(m && m->uid == -1);
	m = find_msg(&l, "1_2.1.h,U=7,FMD5=dd2c1d98c3e9c5f84458a490730ccd62"
		     ":2,S");
	CHECK(m && m->uid == -2 && m->flags == F("S"));
	m = find_msg(&l, "3.M1P2.host,S=1:2,Sa");
	CHECK(m && m->uid == -3 && m->flags == F("Sa"));
	maildir_msglist_release(&l);
	CHECK(l.n == 0 && l.msgs == NULL);

	/* A copy of a synced message (same UID) is reported, and treated
	 * as new rather than hidden. */
	put("INBOX/cur/1_1.1.h,U=6,FMD5=" H_INBOX ":2,RS-copy", "six!");
	put("INBOX/cur/9_9.9.h,U=5,FMD5=" H_INBOX ":2,F", "five again");
	CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
	CHECK_INTEQ(l.n, 8);
	CHECK_INTEQ(l.ndups, 2);
	for (size_t i = 0; i < l.ndups; i++) {
		if (l.dups[i].uid == 5) {
			CHECK_STREQ(l.dups[i].kept,
				    "new/1_0.1.h,U=5,FMD5=" H_INBOX);
			CHECK_STREQ(l.dups[i].other,
				    "cur/9_9.9.h,U=5,FMD5=" H_INBOX ":2,F");
		} else {
			CHECK_INTEQ(l.dups[i].uid, 6);
		}
	}
	m = find_msg(&l, "9_9.9.h,U=5,FMD5=" H_INBOX ":2,F");
	CHECK(m && m->uid < 0);
	int positive = 0;
	for (size_t i = 0; i < l.n; i++)
		positive += l.msgs[i].uid > 0;
	CHECK_INTEQ(positive, 3);	/* 5, 6, 8 once each */
	maildir_msglist_release(&l);
	maildir_folder_close(&f);

	/* With maildir-windows-compatible, '!' separates the flags. */
	CHECK(create("Win", ".", false));
	char h[33];
	maildir_fmd5("Win", h);
	char *name = xasprintf("Win/cur/1_0.1.h,U=3,FMD5=%s!2,FS", h);
	put(name, "w");
	free(name);
	CHECK_INTEQ(maildir_folder_open(root, "Win", ".", '!', &f, &err), 0);
	CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
	CHECK(l.n == 1 && l.msgs[0].uid == 3 && l.msgs[0].flags == F("FS"));
	maildir_msglist_release(&l);
	maildir_folder_close(&f);
	teardown();
}

struct collect {
	struct strbuf sb;
	size_t max_chunk;
	size_t stop_after;	/* 0: never */
	size_t calls;
};

static int collect_fn(void *ctx, const char *data, size_t len, char **err_r)
{
	struct collect *c = ctx;
	c->calls++;
	if (len > c->max_chunk)
		c->max_chunk = len;
	strbuf_add(&c->sb, data, len);
	if (c->stop_after && c->calls >= c->stop_after) {
		*err_r = xstrdup("stopped by the test");
		return -1;
	}
	return 0;
}

static char *read_all(struct maildir_folder *f, struct maildir_msg *m)
{
	struct collect c;
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.sb);
	strbuf_add(&c.sb, "", 0);
	char *err = NULL;
	if (maildir_read(f, m, collect_fn, &c, &err) < 0) {
		free(err);
		strbuf_release(&c.sb);
		return NULL;
	}
	return strbuf_detach(&c.sb);
}

TEST(test_write)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msg m;
	char *err = NULL;
	char cwd[4096], cwd2[4096];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	struct timespec when = { 1136073600, 0 };
	CHECK_INTEQ(maildir_write_message(f, 1234, F("SR"), &when,
					  "Subject: x\n\nbody\n", 18, &m,
					  &err), 0);
	CHECK(!m.in_new && m.uid == 1234 && m.flags == F("RS") &&
	      m.size == 18 && m.mtime.tv_sec == 1136073600);
	struct maildir_name pn;
	maildir_name_parse(m.name, ':', &pn);
	CHECK(pn.ours && pn.uid == 1234 && !strcmp(pn.fmd5, H_INBOX));
	CHECK(pn.pid == (unsigned long long)getpid());
	CHECK(strstr(m.name, ":2,RS") != NULL);
	char *rel = xasprintf("INBOX/cur/%s", m.name);
	CHECK(is_file(rel));
	char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	CHECK(stat(p, &st) == 0 && st.st_mtim.tv_sec == 1136073600 &&
	      st.st_atim.tv_sec == 1136073600 && (st.st_mode & 0777) == 0600);
	free(p);
	free(rel);
	char *body = read_all(f, &m);
	CHECK_STREQ(body, "Subject: x\n\nbody\n");
	free(body);
	maildir_msg_release(&m);
	/* Unseen and unflagged: new/, no info part. */
	CHECK_INTEQ(maildir_write_message(f, 7, 0, NULL, "a", 1, &m, &err), 0);
	CHECK(m.in_new && !strchr(m.name, ':'));
	CHECK(strstr(m.name, ",U=7,FMD5=" H_INBOX) != NULL);
	maildir_msg_release(&m);
	/* No UID: a new local message, which a scan lists as such. */
	CHECK_INTEQ(maildir_write_message(f, 0, F("F"), NULL, "b", 1, &m, &err),
		    0);
	CHECK(!m.in_new && !strstr(m.name, ",U="));
	maildir_msg_release(&m);
	CHECK_INTEQ(count_entries("INBOX/tmp"), 0);
	struct maildir_msglist l;
	CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
	CHECK_INTEQ(l.n, 3);
	int neg = 0;
	for (size_t i = 0; i < l.n; i++)
		neg += l.msgs[i].uid < 0;
	CHECK_INTEQ(neg, 1);
	maildir_msglist_release(&l);
	/* fsync off still writes correctly. */
	fsutil_set_fsync(false);
	CHECK_INTEQ(maildir_write_message(f, 8, 0, NULL, "c", 1, NULL, &err),
		    0);
	fsutil_set_fsync(true);
	CHECK(getcwd(cwd2, sizeof(cwd2)) != NULL && !strcmp(cwd, cwd2));
	maildir_folder_close(&f);
	teardown();
}

TEST(test_write_streaming)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_writer *w = NULL;
	char *err = NULL;
	CHECK_INTEQ(maildir_write_begin(f, &w, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/tmp"), 1);
	char chunk[10000];
	struct strbuf want;
	strbuf_init(&want);
	for (int i = 0; i < 300; i++) {
		for (size_t k = 0; k < sizeof(chunk); k++)
			chunk[k] = (char)('a' + (i + k) % 26);
		CHECK_INTEQ(maildir_write_data(w, chunk, sizeof(chunk), &err),
			    0);
		strbuf_add(&want, chunk, sizeof(chunk));
	}
	struct maildir_msg m;
	CHECK_INTEQ(maildir_write_commit(&w, 42, F("S"), NULL, &m, &err), 0);
	CHECK(w == NULL);
	CHECK_INTEQ(m.size, 3000000);
	struct collect c;
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.sb);
	CHECK_INTEQ(maildir_read(f, &m, collect_fn, &c, &err), 0);
	CHECK(c.sb.len == want.len && !memcmp(c.sb.buf, want.buf, want.len));
	CHECK(c.max_chunk <= 65536 && c.calls >= 3000000 / 65536);
	strbuf_release(&c.sb);
	/* The callback can stop the read. */
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.sb);
	c.stop_after = 2;
	CHECK_INTEQ(maildir_read(f, &m, collect_fn, &c, &err), -1);
	CHECK(err && !strcmp(err, "stopped by the test"));
	FREE(&err);
	CHECK_INTEQ(c.calls, 2);
	strbuf_release(&c.sb);
	strbuf_release(&want);
	maildir_msg_release(&m);
	/* Abort leaves nothing behind. */
	CHECK_INTEQ(maildir_write_begin(f, &w, &err), 0);
	CHECK_INTEQ(maildir_write_data(w, "x", 1, &err), 0);
	maildir_write_abort(&w);
	CHECK(w == NULL);
	CHECK_INTEQ(count_entries("INBOX/tmp"), 0);
	maildir_write_abort(&w);
	maildir_folder_close(&f);
	teardown();
}

/* Files already holding the names the next writes would pick are never
 * touched: the writer moves on to the next sequence number. */
TEST(test_write_never_overwrites)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	char host[300];
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	char *shost = maildir_hostname_sanitise(host);
	time_t secs;
	unsigned long seq;
	maildir_name_next_seq(&secs, &seq);
	for (unsigned long k = 1; k <= 3; k++) {
		char *n = xasprintf("INBOX/tmp/%lld_%lu.%ld.%s",
				    (long long)secs, seq + k, (long)getpid(),
				    shost);
		put(n, "blocker");
		free(n);
		n = xasprintf("INBOX/cur/%lld_%lu.%ld.%s,U=5,FMD5=%s:2,S",
			      (long long)secs, seq + 3 + k, (long)getpid(),
			      shost, H_INBOX);
		put(n, "blocker");
		free(n);
	}
	struct maildir_msg m;
	char *err = NULL;
	for (int i = 0; i < 3; i++) {
		CHECK_INTEQ(maildir_write_message(f, 5, F("S"), NULL, "new", 3,
						  &m, &err), 0);
		char *body = read_all(f, &m);
		CHECK_STREQ(body, "new");
		free(body);
		maildir_msg_release(&m);
	}
	/* The blockers are intact. */
	struct maildir_msglist l;
	CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
	int blockers = 0, fresh = 0;
	for (size_t i = 0; i < l.n; i++) {
		char *body = read_all(f, &l.msgs[i]);
		if (body && !strcmp(body, "blocker"))
			blockers++;
		else if (body && !strcmp(body, "new"))
			fresh++;
		free(body);
	}
	CHECK_INTEQ(blockers, 3);
	CHECK_INTEQ(fresh, 3);
	CHECK_INTEQ(count_entries("INBOX/tmp"), 3);
	maildir_msglist_release(&l);
	free(shost);
	maildir_folder_close(&f);
	teardown();
}

TEST(test_set_flags)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msg m;
	char *err = NULL;
	CHECK_INTEQ(maildir_write_message(f, 3, 0, NULL, "x", 1, &m, &err), 0);
	CHECK(m.in_new);
	char *base = xstrdup(m.name);
	/* Seen: to cur/ with the info part. */
	CHECK_INTEQ(maildir_set_flags(f, &m, F("S"), &err), 0);
	CHECK(!m.in_new && m.flags == F("S"));
	char *want = xasprintf("%s:2,S", base);
	CHECK_STREQ(m.name, want);
	free(want);
	CHECK_INTEQ(count_entries("INBOX/new"), 0);
	/* Unseen again: stays in cur/. */
	CHECK_INTEQ(maildir_set_flags(f, &m, 0, &err), 0);
	CHECK(!m.in_new);
	want = xasprintf("%s:2,", base);
	CHECK_STREQ(m.name, want);
	free(want);
	/* Keywords and unknown letters kept. */
	CHECK_INTEQ(maildir_set_flags(f, &m, F("aPFS"), &err), 0);
	want = xasprintf("%s:2,FPSa", base);
	CHECK_STREQ(m.name, want);
	free(want);
	/* Same flags: nothing to do. */
	CHECK_INTEQ(maildir_set_flags(f, &m, F("aPFS"), &err), 0);
	/* The mail reader renamed it meanwhile: found again. */
	char *from = xasprintf("%s/INBOX/cur/%s", root, m.name);
	char *to = xasprintf("%s/INBOX/cur/%s:2,RS", root, base);
	CHECK_INTEQ(rename(from, to), 0);
	free(from);
	free(to);
	CHECK_INTEQ(maildir_set_flags(f, &m, F("T"), &err), 0);
	want = xasprintf("%s:2,T", base);
	CHECK_STREQ(m.name, want);
	free(want);
	CHECK_INTEQ(count_entries("INBOX/cur"), 1);
	/* Never replaces another file. */
	char *blocker = xasprintf("INBOX/cur/%s:2,D", base);
	put(blocker, "other");
	CHECK_INTEQ(maildir_set_flags(f, &m, F("D"), &err), -1);
	CHECK(err != NULL);
	FREE(&err);
	CHECK(is_file(blocker));
	want = xasprintf("INBOX/cur/%s:2,T", base);
	CHECK(is_file(want));
	free(want);
	char *bp = xasprintf("%s/%s", root, blocker);
	unlink(bp);
	free(bp);
	free(blocker);
	/* Gone for good: an error. */
	char *gone = xasprintf("%s/INBOX/cur/%s", root, m.name);
	unlink(gone);
	free(gone);
	CHECK_INTEQ(maildir_set_flags(f, &m, F("S"), &err), -1);
	CHECK(err && strstr(err, "cannot rename"));
	FREE(&err);
	maildir_msg_release(&m);
	free(base);
	maildir_folder_close(&f);
	teardown();
}

TEST(test_delete)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msg a, b, c;
	char *err = NULL;
	CHECK_INTEQ(maildir_write_message(f, 1, F("S"), NULL, "a", 1, &a, &err),
		    0);
	CHECK_INTEQ(maildir_write_message(f, 2, 0, NULL, "b", 1, &b, &err), 0);
	CHECK_INTEQ(maildir_write_message(f, 3, F("S"), NULL, "c", 1, &c, &err),
		    0);
	CHECK_INTEQ(maildir_delete(f, &a, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/cur"), 1);
	/* Already gone: fine. */
	CHECK_INTEQ(maildir_delete(f, &a, &err), 0);
	/* Moved to cur/ by the mail reader: found by its unique part. */
	char *from = xasprintf("%s/INBOX/new/%s", root, b.name);
	char *to = xasprintf("%s/INBOX/cur/%s:2,S", root, b.name);
	CHECK_INTEQ(rename(from, to), 0);
	free(from);
	free(to);
	CHECK_INTEQ(maildir_delete(f, &b, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/cur"), 1);
	/* Replaced by a file with another unique part but the same UID:
	 * found by UID (SPEC 5.10). */
	from = xasprintf("%s/INBOX/cur/%s", root, c.name);
	to = xasprintf("%s/INBOX/cur/77_0.1.other,U=3,FMD5=" H_INBOX ":2,S",
		       root);
	CHECK_INTEQ(rename(from, to), 0);
	free(from);
	free(to);
	CHECK_INTEQ(maildir_delete(f, &c, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/cur"), 0);
	maildir_msg_release(&a);
	maildir_msg_release(&b);
	maildir_msg_release(&c);
	/* Two files with the UID: ambiguous, neither is touched. */
	CHECK_INTEQ(maildir_write_message(f, 4, F("S"), NULL, "d", 1, &a, &err),
		    0);
	put("INBOX/cur/88_0.1.x,U=4,FMD5=" H_INBOX ":2,S", "d1");
	put("INBOX/cur/89_0.1.x,U=4,FMD5=" H_INBOX ":2,S", "d2");
	from = xasprintf("%s/INBOX/cur/%s", root, a.name);
	unlink(from);
	free(from);
	CHECK_INTEQ(maildir_delete(f, &a, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/cur"), 2);
	maildir_msg_release(&a);
	/* A file of a foreign folder is never found by UID. */
	CHECK_INTEQ(maildir_write_message(f, 0, F("S"), NULL, "e", 1, &a, &err),
		    0);
	a.uid = -1;
	from = xasprintf("%s/INBOX/cur/%s", root, a.name);
	unlink(from);
	free(from);
	CHECK_INTEQ(maildir_delete(f, &a, &err), 0);
	CHECK_INTEQ(count_entries("INBOX/cur"), 2);
	maildir_msg_release(&a);
	maildir_folder_close(&f);
	teardown();
}

TEST(test_read_relocates)
{
	setup();
	CHECK(create("INBOX", ".", false));
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msg m;
	char *err = NULL;
	CHECK_INTEQ(maildir_write_message(f, 9, 0, NULL, "body", 4, &m, &err),
		    0);
	char *from = xasprintf("%s/INBOX/new/%s", root, m.name);
	char *to = xasprintf("%s/INBOX/cur/%s:2,S", root, m.name);
	CHECK_INTEQ(rename(from, to), 0);
	free(from);
	free(to);
	char *body = read_all(f, &m);
	CHECK_STREQ(body, "body");
	CHECK(!m.in_new && strstr(m.name, ":2,S"));
	free(body);
	from = xasprintf("%s/INBOX/cur/%s", root, m.name);
	unlink(from);
	free(from);
	CHECK(read_all(f, &m) == NULL);
	maildir_msg_release(&m);
	maildir_folder_close(&f);
	teardown();
}

static void set_atime(const char *rel, time_t atime, time_t mtime)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct timespec ts[2] = { { atime, 0 }, { mtime, 0 } };
	if (utimensat(AT_FDCWD, p, ts, 0) < 0)
		abort();
	free(p);
}

static struct stat stat_of(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	memset(&st, 0, sizeof(st));
	stat(p, &st);
	free(p);
	return st;
}

TEST(test_restoreatime)
{
	setup();
	CHECK(create("INBOX", ".", false));
	CHECK(create("Other", ".", false));
	struct maildir_atimes *a = maildir_atimes_new();
	char *err = NULL;
	char *inbox = xasprintf("%s/INBOX", root);
	char *other = xasprintf("%s/Other", root);
	set_atime("INBOX/new", 1000, 5000);
	set_atime("INBOX/cur", 2000, 5000);
	set_atime("Other/new", 3000, 5000);
	set_atime("Other/cur", 3000, 5000);
	CHECK_INTEQ(maildir_atimes_record(a, inbox, &err), 0);
	CHECK_INTEQ(maildir_atimes_record(a, other, &err), 0);
	/* Recording again replaces the record (one per folder). */
	set_atime("INBOX/new", 1100, 5000);
	CHECK_INTEQ(maildir_atimes_record(a, inbox, &err), 0);
	CHECK_INTEQ(maildir_atimes_count(a), 2);
	/* A sync reads (atime) and writes (mtime). */
	set_atime("INBOX/new", 9000, 9500);
	set_atime("INBOX/cur", 9000, 9600);
	set_atime("Other/new", 9000, 9700);
	CHECK_INTEQ(maildir_atimes_restore(a, &err), 0);
	struct stat st = stat_of("INBOX/new");
	CHECK(st.st_atim.tv_sec == 1100 && st.st_mtim.tv_sec == 9500);
	st = stat_of("INBOX/cur");
	CHECK(st.st_atim.tv_sec == 2000 && st.st_mtim.tv_sec == 9600);
	st = stat_of("Other/new");
	CHECK(st.st_atim.tv_sec == 3000 && st.st_mtim.tv_sec == 9700);
	/* A folder that vanished is skipped. */
	char *p = xasprintf("%s/Other/new", root);
	rmdir(p);
	free(p);
	CHECK_INTEQ(maildir_atimes_restore(a, &err), 0);
	CHECK_INTEQ(maildir_atimes_record(a, other, &err), -1);
	CHECK(err && strstr(err, "Other/new"));
	FREE(&err);
	maildir_atimes_clear(a);
	CHECK_INTEQ(maildir_atimes_count(a), 0);
	maildir_atimes_free(&a);
	CHECK(a == NULL);
	free(inbox);
	free(other);
	teardown();
}

/* The crashing child of test_crash_every_step: the test binary run
 * again (valgrind does not follow exec by default, so it leaves the
 * deliberately killed process alone) with OI_TEST_CRASH_CHILD="<n> <root>":
 * write a message, set a flag, delete it, dying right after the n-th
 * durable step. */
static const char crash_body[] = "Subject: crash\n\nbody\n";

__attribute__((constructor)) static void crash_child(void)
{
	const char *spec = getenv("OI_TEST_CRASH_CHILD");
	if (!spec)
		return;
	unsigned long n;
	static char dir[512];
	if (sscanf(spec, "%lu %511s", &n, dir) != 2)
		_exit(2);
	root = dir;
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		dup2(devnull, 2);
	fsutil_crash_after(n);
	struct maildir_folder *f = open_folder("INBOX", ".");
	struct maildir_msg m;
	char *err = NULL;
	if (!f || maildir_write_message(f, 12, 0, NULL, crash_body,
					strlen(crash_body), &m, &err) < 0 ||
	    maildir_set_flags(f, &m, F("S"), &err) < 0 ||
	    maildir_delete(f, &m, &err) < 0)
		_exit(3);
	_exit(0);
}

/* Interrupt a write and a flag rename after every durable step: the
 * folder then holds the message completely or not at all, under its old
 * or its new name. */
TEST(test_crash_every_step)
{
	setup();
	CHECK(create("INBOX", ".", false));
	const char *body = crash_body;
	unsigned long n;
	for (n = 1; n < 100; n++) {
		char *p = xasprintf("rm -rf '%s/INBOX'", root);
		if (system(p) != 0)
			abort();
		free(p);
		CHECK(create("INBOX", ".", false));
		char *spec = xasprintf("%lu %s", n, root);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			setenv("OI_TEST_CRASH_CHILD", spec, 1);
			execl(program_invocation_name, program_invocation_name,
			      (char *)NULL);
			_exit(127);
		}
		free(spec);
		int ws;
		waitpid(pid, &ws, 0);
		int code = WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL ? CRASHED
			   : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
		if (code == 0)
			break;
		CHECK_INTEQ(code, CRASHED);
		struct maildir_folder *f = open_folder("INBOX", ".");
		struct maildir_msglist l;
		char *err = NULL;
		CHECK_INTEQ(maildir_scan(f, &l, &err), 0);
		CHECK(l.n <= 1);
		if (l.n == 1) {
			CHECK_INTEQ(l.msgs[0].uid, 12);
			char *got = read_all(f, &l.msgs[0]);
			CHECK_STREQ(got, body);
			free(got);
			CHECK(l.msgs[0].flags == 0 ||
			      l.msgs[0].flags == F("S"));
		}
		maildir_msglist_release(&l);
		maildir_folder_close(&f);
		if (test_case_failed) {
			fprintf(stderr, "  crash after step %lu\n", n);
			break;
		}
	}
	/* write (tmp, link, unlink), rename, delete: 5 steps. */
	CHECK_INTEQ(n, 6);
	teardown();
}

RUN_TESTS(test_create, test_create_hostile, test_list_folders, test_open,
	  test_scan, test_write, test_write_streaming,
	  test_write_never_overwrites, test_set_flags, test_delete,
	  test_read_relocates, test_restoreatime, test_crash_every_step)
