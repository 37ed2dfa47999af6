/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for folder-name escaping: 4.0's mappings kept for ordinary
 * names, hostile names escaped reversibly, a property test over random
 * names, and opening paths confined beneath a directory. */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness.h"
#include "pathname.h"
#include "util.h"

static char *meta(const char *name, const char *sep)
{
	char *out = NULL, *err = NULL;
	if (pathname_metadata_name(name, sep, &out, &err) < 0) {
		free(err);
		return xstrdup("<error>");
	}
	return out;
}

static char *mdir(const char *name, const char *sep)
{
	char *out = NULL, *err = NULL;
	if (pathname_maildir_encode(name, sep, &out, &err) < 0) {
		free(err);
		return xstrdup("<error>");
	}
	return out;
}

/* SPEC 5.1: <FOLDERBASENAME> and <STATUSFOLDER> as 4.0 derives them. */
TEST(test_metadata_40)
{
	static const struct {
		const char *name, *sep, *want;
	} cases[] = {
		{ "INBOX", ".", "INBOX" },
		{ "INBOX.Sent", ".", "INBOX.Sent" },
		{ "INBOX/Sent", "/", "INBOX.Sent" },
		{ "INBOX/Sent/2006", "/", "INBOX.Sent.2006" },
		{ "a.b/c", "/", "a.b.c" },
		{ ".", ".", "dot" },
		{ ".", "/", "dot" },
		{ ".Sent", ".", ".Sent" },
		{ "[Gmail]/All Mail", "/", "[Gmail].All Mail" },
		{ "100%", ".", "100%" },
		{ "50%off", ".", "50%off" },
		{ "Entw&APw-rfe", "/", "Entw&APw-rfe" },
		{ "Entw\xc3\xbcrfe", ".", "Entw\xc3\xbcrfe" },
		{ "INBOX", NULL, "INBOX" },
		{ "a/b", "", "a%2Fb" },		/* NIL delimiter: flat */
		{ "x::y", "::", "x.y" },
		{ "...", ".", "..." },
		{ "dotty", ".", "dotty" },
		{ "INBOX.tmpfiles", ".", "INBOX.tmpfiles" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = meta(cases[i].name, cases[i].sep);
		CHECK_STREQ(s, cases[i].want);
		free(s);
	}
}

/* Names 4.0 could not store, or that would collide or escape. */
TEST(test_metadata_escaped)
{
	static const struct {
		const char *name, *sep, *want;
	} cases[] = {
		{ "a/b", ".", "a%2Fb" },	/* 4.0 died here (5.1) */
		{ "INBOX/.", ".", "INBOX%2F." },
		{ "..", ".", "%2E." },
		{ "../x", ".", "..%2Fx" },
		{ "/abs", ".", "%2Fabs" },
		{ "a/../../b", ".", "a%2F..%2F..%2Fb" },
		{ "a\tb\x01\x7f", ".", "a%09b%01%7F" },
		{ "%41", ".", "%2541" },
		{ "%4", ".", "%4" },
		{ "%4g", ".", "%4g" },
		{ "%af", ".", "%af" },		/* lower case is no escape */
		{ "dot", ".", "%64ot" },	/* "." already maps to "dot" */
		{ "x.tmp", ".", "x%2Etmp" },
		{ "x/tmp", "/", "x%2Etmp" },
		{ "INBOX.journal", ".", "INBOX%2Ejournal" },
		{ "INBOX.lock", ".", "INBOX%2Elock" },
		{ ".tmp", ".", "%2Etmp" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = meta(cases[i].name, cases[i].sep);
		CHECK_STREQ(s, cases[i].want);
		free(s);
	}
	char *out = NULL, *err = NULL;
	CHECK_INTEQ(pathname_metadata_name("", ".", &out, &err), -1);
	CHECK(err != NULL && out == NULL);
	free(err);
}

TEST(test_metadata_long)
{
	/* Up to the limit the name is kept... */
	char name[1200];
	memset(name, 'a', PATHNAME_META_MAX);
	name[PATHNAME_META_MAX] = '\0';
	char *s = meta(name, ".");
	CHECK_STREQ(s, name);
	free(s);
	/* ... beyond it, shortened with a hash, distinct per name. */
	memset(name, 'a', 1000);
	name[1000] = '\0';
	char *a = meta(name, ".");
	name[999] = 'b';
	char *b = meta(name, ".");
	CHECK(strlen(a) <= PATHNAME_META_MAX && strlen(b) <= PATHNAME_META_MAX);
	CHECK(strcmp(a, b) != 0);
	CHECK(strstr(a, "%7E") != NULL);
	char *dec = NULL;
	CHECK_INTEQ(pathname_metadata_decode(a, &dec), -1);
	free(a);
	free(b);
	/* The cut never splits an escape or a UTF-8 character. */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 200; i++)
		strbuf_addstr(&sb, i % 2 ? "\xc3\xa4" : "/");
	s = meta(sb.buf, ".");
	char *mark = strstr(s, "%7E");
	CHECK(mark != NULL);
	if (mark) {
		CHECK(mark[-1] == '\xa4' || mark[-3] == '%');
		CHECK(strlen(mark) == 3 + 64);
	}
	free(s);
	strbuf_release(&sb);
}

TEST(test_metadata_decode)
{
	static const char *names[] = {
		"INBOX", ".", "dot", "a/b", "..", "%41", "x.tmp", "\t", "%",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *f = meta(names[i], NULL), *back = NULL;
		CHECK_INTEQ(pathname_metadata_decode(f, &back), 0);
		CHECK_STREQ(back, names[i]);
		free(back);
		free(f);
	}
	/* Not canonical: never produced by the encoder. */
	static const char *bad[] = {
		"%41", "%2E", "%64oT", "x%2E", "a/b", "", "%00", "x.tmp",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *back = NULL;
		CHECK_INTEQ(pathname_metadata_decode(bad[i], &back), -1);
		CHECK(back == NULL);
	}
}

TEST(test_maildir_40)
{
	static const struct {
		const char *name, *sep, *want;
	} cases[] = {
		{ "INBOX", ".", "INBOX" },
		{ "INBOX.Sent", ".", "INBOX.Sent" },
		{ ".Sent", ".", ".Sent" },	/* Courier-style nametrans */
		{ ".", ".", "." },
		{ ".", "/", "." },
		{ "INBOX/Sent", "/", "INBOX/Sent" },
		{ "a/b/c", "/", "a/b/c" },
		{ "a.b/c", "/", "a.b/c" },
		{ "Work/new stuff", "/", "Work/new stuff" },
		{ "New", "/", "New" },
		{ "100%", ".", "100%" },
		{ "curious", "/", "curious" },
		{ "dot", ".", "dot" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = mdir(cases[i].name, cases[i].sep);
		CHECK_STREQ(s, cases[i].want);
		free(s);
	}
}

TEST(test_maildir_escaped)
{
	static const struct {
		const char *name, *sep, *want;
	} cases[] = {
		{ "..", ".", "%2E." },
		{ "../x", ".", "..%2Fx" },
		{ "../x", "/", "%2E./x" },
		{ "/abs", ".", "%2Fabs" },
		{ "/abs", "/", "%2Fabs" },
		{ "a/../../b", "/", "a/%2E./%2E./b" },
		{ "a/./b", "/", "a/%2E/b" },
		{ "./a", "/", "%2E/a" },
		{ "a//b", "/", "a/%2Fb" },
		{ "a/", "/", "a%2F" },
		{ "/", "/", "%2F" },
		{ "//", "/", "%2F%2F" },
		{ "a///b/", "/", "a/%2F%2Fb%2F" },
		{ "a/b", ".", "a%2Fb" },
		{ "cur", "/", "%63ur" },
		{ "new", ".", "%6Eew" },
		{ "tmp", ".", "%74mp" },
		{ "INBOX/cur", "/", "INBOX/%63ur" },
		{ "x/new/y", "/", "x/%6Eew/y" },
		{ "offlineimap.uidvalidity", ".", "%6Ffflineimap.uidvalidity" },
		{ "a\nb", "/", "a%0Ab" },
		{ "%2F", "/", "%252F" },
		{ "...", "/", "..." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = mdir(cases[i].name, cases[i].sep);
		CHECK_STREQ(s, cases[i].want);
		char *back = NULL;
		CHECK_INTEQ(pathname_maildir_decode(s, cases[i].sep, &back), 0);
		CHECK_STREQ(back, cases[i].name);
		free(back);
		free(s);
	}
	char *out = NULL, *err = NULL;
	CHECK_INTEQ(pathname_maildir_encode("", "/", &out, &err), -1);
	FREE(&err);
	/* Over-long components are refused with a clear error. */
	char name[600];
	memset(name, 'x', 300);
	name[300] = '\0';
	CHECK_INTEQ(pathname_maildir_encode(name, ".", &out, &err), -1);
	CHECK(err && strstr(err, "at most 255"));
	FREE(&err);
	memset(name, 'x', 255);
	name[255] = '/';
	memset(name + 256, 'y', 255);
	name[511] = '\0';
	CHECK_INTEQ(pathname_maildir_encode(name, "/", &out, &err), 0);
	free(out);
	CHECK_INTEQ(pathname_maildir_encode(name, ".", &out, &err), -1);
	FREE(&err);
	/* Escaping counts: 100 tabs are 300 bytes. */
	memset(name, '\t', 100);
	name[100] = '\0';
	CHECK_INTEQ(pathname_maildir_encode(name, ".", &out, &err), -1);
	FREE(&err);
}

TEST(test_maildir_decode_noncanonical)
{
	static const struct {
		const char *relpath, *sep;
	} bad[] = {
		{ "%41", "/" }, { "b%2F/c", "/" }, { "a/b", "." },
		{ "cur", "/" }, { "x/tmp", "/" }, { "..", "/" },
		{ "a/./b", "/" }, { "", "/" }, { "%00", "." },
		{ "a//b", "/" }, { "/a", "/" }, { "a/", "/" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *back = NULL;
		CHECK_INTEQ(pathname_maildir_decode(bad[i].relpath, bad[i].sep,
						    &back), -1);
		CHECK(back == NULL);
	}
}

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void random_name(char *buf, size_t max)
{
	static const char *const pieces[] = {
		"/", "/", ".", "..", "%", "%2F", "%41", "cur", "new", "tmp",
		"dot", ".tmp", ".journal", "a", "INBOX", "\t", "\x01", "\x7f",
		"\xc3\xa4", "offlineimap.uidvalidity", " ", "~", "%7E",
	};
	size_t len = 0, n = 1 + rnd(12);
	for (size_t i = 0; i < n; i++) {
		const char *p;
		char one[2];
		if (rnd(3) == 0) {
			one[0] = (char)(1 + rnd(255));
			one[1] = '\0';
			p = one;
		} else {
			p = pieces[rnd(ARRAY_SIZE(pieces))];
		}
		size_t pl = strlen(p);
		if (len + pl >= max)
			break;
		memcpy(buf + len, p, pl);
		len += pl;
	}
	if (!len)
		buf[len++] = 'x';
	buf[len] = '\0';
}

static bool component_reserved(const char *c, size_t n)
{
	static const char *const res[] = { "cur", "new", "tmp", ".", "..",
					    "offlineimap.uidvalidity" };
	for (size_t i = 0; i < ARRAY_SIZE(res); i++)
		if (strlen(res[i]) == n && !memcmp(c, res[i], n))
			return true;
	return false;
}

/* Random names: the mapped path stays under the root, is unique, and
 * decodes to the name. */
TEST(test_property_random)
{
	char name[400];
	for (int iter = 0; iter < 50000; iter++) {
		random_name(name, sizeof(name));
		const char *sep = iter % 2 ? "/" : ".";
		char *rel = NULL, *err = NULL, *back = NULL;
		if (pathname_maildir_encode(name, sep, &rel, &err) < 0) {
			CHECK(err && strstr(err, "255"));
			free(err);
		} else if (strcmp(name, ".") != 0) {
			CHECK(fsutil_relpath_is_safe(rel));
			for (const char *p = rel;;) {
				size_t n = strcspn(p, "/");
				CHECK(!component_reserved(p, n));
				CHECK(n <= PATHNAME_COMPONENT_MAX);
				if (!p[n])
					break;
				p += n + 1;
			}
			if (strcmp(sep, "/") != 0)
				CHECK(strchr(rel, '/') == NULL);
			CHECK_INTEQ(pathname_maildir_decode(rel, sep, &back),
				    0);
			CHECK_STREQ(back, name);
			free(back);
		}
		free(rel);
		char *m = meta(name, sep);
		CHECK(strchr(m, '/') == NULL && strcmp(m, ".") != 0 &&
		      strcmp(m, "..") != 0 && *m);
		CHECK(strlen(m) <= PATHNAME_META_MAX);
		size_t ml = strlen(m);
		CHECK(!(ml >= 4 && !strcmp(m + ml - 4, ".tmp")));
		CHECK(!(ml >= 8 && !strcmp(m + ml - 8, ".journal")));
		CHECK(!(ml >= 5 && !strcmp(m + ml - 5, ".lock")));
		for (const char *p = m; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		if (!strstr(m, "%7E")) {
			/* decode gives the name after the separator
			 * replacement */
			char *flat = xstrdup(name);
			if (!strcmp(sep, "/"))
				for (char *q = flat; *q; q++)
					if (*q == '/')
						*q = '.';
			back = NULL;
			CHECK_INTEQ(pathname_metadata_decode(m, &back), 0);
			CHECK_STREQ(back, flat);
			free(flat);
			free(back);
		}
		free(m);
		if (test_case_failed) {
			fprintf(stderr, "  name \"%s\" sep %s\n", name, sep);
			return;
		}
	}
}

/* Distinct names never share a file. */
TEST(test_property_injective)
{
	enum { N = 4000 };
	char **rels = xcalloc(N, sizeof(*rels));
	char **names = xcalloc(N, sizeof(*names));
	char name[64];
	for (int i = 0; i < N; i++) {
		random_name(name, 24);
		names[i] = xstrdup(name);
		char *err = NULL;
		if (pathname_maildir_encode(name, "/", &rels[i], &err) < 0) {
			free(err);
			rels[i] = NULL;
		}
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (rels[i] && rels[j] && !strcmp(rels[i], rels[j]))
				CHECK_STREQ(names[i], names[j]);
	for (int i = 0; i < N; i++) {
		free(rels[i]);
		free(names[i]);
	}
	free(rels);
	free(names);
}

/* ---- fsutil_open_beneath ---- */

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void open_beneath_cases(int root)
{
	char *err = NULL;
	int fd = fsutil_open_beneath(root, "a/b/file", O_RDONLY, 0, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = fsutil_open_beneath(root, "a/new", O_WRONLY | O_CREAT, 0600,
				 &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	static const char *unsafe[] = {
		"../x", "/etc/passwd", "a/../../x", "a//b", "", ".", "a/./b",
		"a/b/", "a\nb",
	};
	for (size_t i = 0; i < ARRAY_SIZE(unsafe); i++) {
		fd = fsutil_open_beneath(root, unsafe[i], O_RDONLY, 0, &err);
		CHECK_INTEQ(fd, -1);
		CHECK(err && strstr(err, "unsafe"));
		FREE(&err);
	}
	/* A link leading outside is refused, also for creation. */
	fd = fsutil_open_beneath(root, "out/passwd", O_RDONLY, 0, &err);
	CHECK_INTEQ(fd, -1);
	FREE(&err);
	fd = fsutil_open_beneath(root, "escape", O_RDONLY, 0, &err);
	CHECK_INTEQ(fd, -1);
	FREE(&err);
	fd = fsutil_open_beneath(root, "out/created", O_WRONLY | O_CREAT,
				 0600, &err);
	CHECK_INTEQ(fd, -1);
	FREE(&err);
	fd = fsutil_open_beneath(root, "missing/x", O_RDONLY, 0, &err);
	CHECK_INTEQ(fd, -1);
	CHECK(err != NULL);
	FREE(&err);
}

TEST(test_open_beneath)
{
	char *dir = xstrdup("/tmp/oi-test-path-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	char *p = xasprintf("%s/a", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/a/b", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/a/b/file", dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0600);
	close(fd);
	free(p);
	p = xasprintf("%s/out", dir);
	CHECK_INTEQ(symlink("/etc", p), 0);
	free(p);
	p = xasprintf("%s/escape", dir);
	CHECK_INTEQ(symlink("../../../../../../etc/passwd", p), 0);
	free(p);
	int root = open(dir, O_RDONLY | O_DIRECTORY);
	open_beneath_cases(root);
	/* Where openat2 resolves links inside the tree, one that stays
	 * inside is fine. */
	p = xasprintf("%s/inside", dir);
	CHECK_INTEQ(symlink("a/b", p), 0);
	free(p);
	char *err = NULL;
	fd = fsutil_open_beneath(root, "inside/file", O_RDONLY, 0, &err);
	if (fd >= 0)
		close(fd);
	else
		FREE(&err);
	/* The portable walk gives the same answers (and refuses every
	 * link). */
	fsutil_use_openat2(false);
	p = xasprintf("%s/a/new", dir);
	unlink(p);
	free(p);
	open_beneath_cases(root);
	fd = fsutil_open_beneath(root, "inside/file", O_RDONLY, 0, &err);
	CHECK_INTEQ(fd, -1);
	FREE(&err);
	fsutil_use_openat2(true);
	close(root);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

TEST(test_relpath_is_safe)
{
	CHECK(fsutil_relpath_is_safe("a"));
	CHECK(fsutil_relpath_is_safe("a/b.c/...d"));
	CHECK(fsutil_relpath_is_safe("..."));
	CHECK(!fsutil_relpath_is_safe(""));
	CHECK(!fsutil_relpath_is_safe("/a"));
	CHECK(!fsutil_relpath_is_safe("a/.."));
	CHECK(!fsutil_relpath_is_safe("./a"));
	CHECK(!fsutil_relpath_is_safe("a\x7f"));
}

RUN_TESTS(test_metadata_40, test_metadata_escaped, test_metadata_long,
	  test_metadata_decode, test_maildir_40, test_maildir_escaped,
	  test_maildir_decode_noncanonical, test_property_random,
	  test_property_injective, test_open_beneath, test_relpath_is_safe)
