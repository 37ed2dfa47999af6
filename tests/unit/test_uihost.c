/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the UI host: plugin loading and fallback, the standard
 * event texts, verbosity, secret masking, debug routing and the ring,
 * the log file, sleep, passwords, thread names and concurrency.  Uses the
 * Test.Recording plugin from <build>/testui and the stock Basic and Quiet
 * plugins from <build>/ui. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "config.h"
#include "ui.h"
#include "util.h"

static char build_dir[PATH_MAX];
static char record_path[64];
static char log_path[64];

/* <build>/tests/test_uihost → <build>; the ASan build lives elsewhere. */
static void setup(void)
{
	ssize_t n = readlink("/proc/self/exe", build_dir,
			     sizeof(build_dir) - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		exit(2);
	}
	build_dir[n] = '\0';
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(build_dir, '/');
		if (slash)
			*slash = '\0';
	}
	char *path = xasprintf("%s/testui:%s/ui", build_dir, build_dir);
	setenv("OFFLINEIMAP_UI_PATH", path, 1);
	free(path);

	strcpy(record_path, "/tmp/test_uihost_recXXXXXX");
	int fd = mkstemp(record_path);
	close(fd);
	setenv("OI_RECORD_FILE", record_path, 1);
	strcpy(log_path, "/tmp/test_uihost_logXXXXXX");
	fd = mkstemp(log_path);
	close(fd);
	unsetenv("OI_RECORD_UNUSABLE");
	unsetenv("OI_RECORD_PASSWORD");
	unsetenv("OI_RECORD_NOANSWER");
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb;
	strbuf_init(&sb);
	if (!f)
		return strbuf_detach(&sb);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static void truncate_file(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* Redirect fd 1 or 2 into a temporary file until capture_end. */
struct capture {
	int fd, saved;
	char path[64];
};

static void capture_begin(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	strcpy(c->path, "/tmp/test_uihost_capXXXXXX");
	int tmp = mkstemp(c->path);
	c->saved = dup(fd);
	dup2(tmp, fd);
	close(tmp);
}

static char *capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	char *text = read_file(c->path);
	unlink(c->path);
	return text;
}

static int select_one(const char *name)
{
	const char *names[] = { name };
	return uihost_select(names, 1, false, NULL, NULL);
}

static void open_recording(void)
{
	truncate_file(record_path);
	if (select_one("Test.Recording") != 0) {
		fprintf(stderr, "cannot open Test.Recording\n");
		exit(2);
	}
}

static char *record_text(void)
{
	return read_file(record_path);
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

TEST(test_resolution)
{
	open_recording();
	CHECK_STREQ(uihost_name(), "Test.Recording");
	uihost_close();
	CHECK(uihost_name() == NULL);
	char *rec = record_text();
	CHECK(contains(rec, "open\t\t\t|\n"));
	CHECK(contains(rec, "close\t\t\t\n"));
	free(rec);

	CHECK_INTEQ(select_one("basic"), 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Basic");
	CHECK_INTEQ(select_one("Noninteractive.Quiet"), 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Quiet");
	CHECK_INTEQ(select_one("quiet"), 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Quiet");
	CHECK_INTEQ(select_one("Noninteractive.Basic"), 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Basic");
	uihost_close();

	/* Tk names: silent in a list, explained when forced. */
	struct capture c;
	const char *tk[] = { "Tk.Blinkenlights", "Tk.VerboseUI", "quiet" };
	capture_begin(&c, 2);
	int rc = uihost_select(tk, 3, false, NULL, NULL);
	char *err = capture_end(&c);
	CHECK_INTEQ(rc, 0);
	CHECK_STREQ(err, "");
	free(err);
	uihost_close();

	const char *tkui[] = { "Tk.TkUI" };
	capture_begin(&c, 2);
	rc = uihost_select(tkui, 1, true, NULL, NULL);
	err = capture_end(&c);
	CHECK_INTEQ(rc, -1);
	CHECK_STREQ(err, "offlineimap: UI Tk.TkUI cannot be used: graphical "
		    "Tk UIs are not part of this program\n"
		    "ERROR: No UIs were found usable!\n");
	free(err);

	/* Unknown and invalid names fall through to the next one. */
	const char *odd[] = { "Test.Missing", "a/b", "quiet" };
	capture_begin(&c, 2);
	rc = uihost_select(odd, 3, false, NULL, NULL);
	err = capture_end(&c);
	CHECK_INTEQ(rc, 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Quiet");
	CHECK(contains(err, "offlineimap: UI Test.Missing: no plugin file "
		       "test.missing.so or missing.so in "));
	CHECK(contains(err, "; trying the next one\n"));
	CHECK(contains(err, "offlineimap: UI a/b: not a valid UI name"));
	free(err);
	uihost_close();

	/* TTY needs two terminals; the tests run without them. */
	if (!isatty(0) || !isatty(1)) {
		const char *tty[] = { "TTY.TTYUI", "basic" };
		capture_begin(&c, 2);
		rc = uihost_select(tty, 2, false, NULL, NULL);
		err = capture_end(&c);
		CHECK_INTEQ(rc, 0);
		CHECK_STREQ(uihost_name(), "Noninteractive.Basic");
		CHECK_STREQ(err, "offlineimap: UI TTY.TTYUI: standard input "
			    "and output must both be terminals; trying the "
			    "next one\n");
		free(err);
		uihost_close();
	}
}

TEST(test_badabi_nosymbol)
{
	struct capture c;
	const char *names[] = { "Test.BadABI", "Test.NoSymbol",
				"Test.Recording" };
	truncate_file(record_path);
	capture_begin(&c, 2);
	int rc = uihost_select(names, 3, false, NULL, NULL);
	char *err = capture_end(&c);
	CHECK_INTEQ(rc, 0);
	CHECK_STREQ(uihost_name(), "Test.Recording");
	char *want = xasprintf("offlineimap: UI Test.BadABI: plugin "
			       "%s/testui/badabi.so has UI ABI 99.0, this "
			       "program needs 1.x; trying the next one\n"
			       "offlineimap: UI Test.NoSymbol: plugin "
			       "%s/testui/nosymbol.so does not export the "
			       "symbol oi_ui_plugin; trying the next one\n",
			       build_dir, build_dir);
	CHECK_STREQ(err, want);
	free(want);
	free(err);
	uihost_close();
}

TEST(test_unusable_and_none)
{
	struct capture c;
	setenv("OI_RECORD_UNUSABLE", "1", 1);
	const char *names[] = { "Test.Recording", "quiet" };
	capture_begin(&c, 2);
	int rc = uihost_select(names, 2, false, NULL, NULL);
	char *err = capture_end(&c);
	CHECK_INTEQ(rc, 0);
	CHECK_STREQ(uihost_name(), "Noninteractive.Quiet");
	CHECK_STREQ(err, "offlineimap: UI Test.Recording: OI_RECORD_UNUSABLE "
		    "is set; trying the next one\n");
	free(err);
	uihost_close();

	capture_begin(&c, 2);
	rc = uihost_select(names, 1, true, NULL, NULL);
	err = capture_end(&c);
	CHECK_INTEQ(rc, -1);
	CHECK(uihost_name() == NULL);
	CHECK_STREQ(err, "offlineimap: UI Test.Recording cannot be used: "
		    "OI_RECORD_UNUSABLE is set\n"
		    "ERROR: No UIs were found usable!\n");
	free(err);
	unsetenv("OI_RECORD_UNUSABLE");

	const char *bad[] = { "Test.BadABI", "Test.NoSymbol" };
	capture_begin(&c, 2);
	rc = uihost_select(bad, 2, false, NULL, NULL);
	err = capture_end(&c);
	CHECK_INTEQ(rc, -1);
	CHECK(contains(err, "ERROR: No UIs were found usable!\n"));
	CHECK(contains(err, "offlineimap: UI Test.NoSymbol: plugin "));
	CHECK(!contains(err, "Test.NoSymbol: plugin 0"));
	free(err);

	capture_begin(&c, 2);
	rc = uihost_select(NULL, 0, false, NULL, NULL);
	err = capture_end(&c);
	CHECK_INTEQ(rc, -1);
	CHECK_STREQ(err, "ERROR: No UIs were found usable!\n");
	free(err);
}

TEST(test_config_and_accounts)
{
	char *err = NULL;
	struct config *cfg = config_parse("test.conf",
					  "[general]\naccounts = A, B\n"
					  "[ui.Test.Recording]\nmark = hello\n",
					  &err);
	CHECK(cfg != NULL);
	free(err);
	if (!cfg)
		return;
	const char *accounts[] = { "A", "B", NULL };
	const char *names[] = { "Test.Recording" };
	truncate_file(record_path);
	CHECK_INTEQ(uihost_select(names, 1, false, cfg, accounts), 0);
	uihost_close();
	config_free(&cfg);
	char *rec = record_text();
	CHECK_STREQ(rec, "open\t\t\thello|A,B\nclose\t\t\t\n");
	free(rec);
}

TEST(test_event_texts)
{
	open_recording();
	ui_connecting("imap.example.org", 993);
	ui_acct("Work");
	ui_syncfolders("IMAP", "Maildir");
	ui_syncingfolder("IMAP", "INBOX", "Maildir", "INBOX");
	ui_validityproblem("INBOX", 5, 7);
	ui_loadmessagelist("IMAP", "INBOX");
	ui_messagelistloaded("IMAP", "INBOX", 12);
	ui_syncingmessages("IMAP", "INBOX", "Maildir", "INBOX");
	ui_copyingmessage(-2, "IMAP", "INBOX",
			  "Maildir[INBOX], LocalStatus[INBOX]");
	long long uids[] = { 3, 4, 5 };
	ui_deletingmessages(uids, 3, "Maildir[INBOX], LocalStatus[INBOX]");
	ui_addingflags(2, "S", "IMAP[INBOX]");
	ui_deletingflags(1, "T", "IMAP[INBOX]");
	ui_warn(false, "big %d", 1);
	ui_warn(true, "small");
	ui_error("bad %s", "thing");
	CHECK(ui_add_debug("thread"));
	CHECK(!ui_add_debug("bogus"));
	CHECK(ui_debug_enabled(OI_DEBUG_THREAD));
	ui_info(OI_UI_NORMAL, "plain %s", "info");
	ui_acctdone("Work");
	uihost_close();

	char *rec = record_text();
	const char *want =
		"open\t\t\t|\n"
		"connecting\tMainThread\t*Control\tEstablishing connection to imap.example.org:993.\n"
		"acct\tMainThread\tWork\t***** Processing account Work\n"
		"syncfolders\tMainThread\t*Control\tCopying folder structure from IMAP to Maildir\n"
		"syncingfolder\tMainThread\t*Control\tSyncing INBOX: IMAP -> Maildir\n"
		"validityproblem\tMainThread\t*Control\tWARNING: UID validity problem for folder INBOX (saved 5; got 7); skipping it\n"
		"loadmessagelist\tMainThread\t*Control\tLoading message list for IMAP[INBOX]\n"
		"messagelistloaded\tMainThread\t*Control\tMessage list for IMAP[INBOX] loaded: 12 messages\n"
		"syncingmessages\tMainThread\t*Control\tSyncing messages IMAP[INBOX] -> Maildir[INBOX]\n"
		"copyingmessage\tMainThread\t*Control\tCopy message -2 IMAP[INBOX] -> Maildir[INBOX], LocalStatus[INBOX]\n"
		"deletingmessages\tMainThread\t*Control\tDeleting 3 messages (3, 4, 5) in Maildir[INBOX], LocalStatus[INBOX]\n"
		"addingflags\tMainThread\t*Control\tAdding flags S to 2 messages  on IMAP[INBOX]\n"
		"deletingflags\tMainThread\t*Control\tDeleting flags T to 1 messages on IMAP[INBOX]\n"
		"warn\tMainThread\t*Control\tWARNING: big 1\n"
		"warn\tMainThread\t*Control\twarning: small\n"
		"error\tMainThread\t*Control\tERROR: bad thing\n"
		"debugging\tMainThread\t*Control\tNow debugging for thread: Threading debugging\n"
		"invaliddebug\tMainThread\t*Control\tWARNING: Invalid debug type: bogus\n"
		"info\tMainThread\t*Control\tplain info\n"
		"acctdone\tMainThread\tWork\t***** Finished processing account Work\n"
		"close\t\t\t\n";
	CHECK_STREQ(rec, want);
	free(rec);

	open_recording();
	ui_init_banner();
	ui_msgtoreadonly("IMAP[Ro]", 42);
	ui_flagstoreadonly("IMAP[Ro]", 3, "S");
	ui_deletereadonly("IMAP[Ro]", 2);
	uihost_close();
	rec = record_text();
	CHECK(contains(rec, "init_banner\tMainThread\t*Control\tOfflineIMAP "
		       OI_VERSION "\\nCopyright"));
	CHECK(contains(rec, "msgtoreadonly\tMainThread\t*Control\tWARNING: "
		       "Attempted to synchronize message 42 to folder "
		       "IMAP[Ro], but that folder is read-only."));
	CHECK(contains(rec, "flagstoreadonly\tMainThread\t*Control\tWARNING: "
		       "Attempted to modify flags (S) of 3 messages in folder "
		       "IMAP[Ro], but that folder is read-only."));
	CHECK(contains(rec, "deletereadonly\tMainThread\t*Control\tWARNING: "
		       "Attempted to delete 2 messages in folder IMAP[Ro], "
		       "but that folder is read-only."));
	free(rec);
}

static void emit_levels(void)
{
	ui_info(OI_UI_VERBOSE, "level-verbose");
	ui_info(OI_UI_NORMAL, "level-normal");
	ui_info(OI_UI_ALWAYS, "level-always");
	ui_acct("Lv");
	ui_loadmessagelist("IMAP", "LvBox");
	ui_warn(false, "level-warning");
	ui_validityproblem("LvBox", 1, 2);
	ui_mainexception("level-report");
}

TEST(test_verbosity)
{
	/* Recording has verbosity 1: sees everything. */
	open_recording();
	emit_levels();
	uihost_close();
	char *rec = record_text();
	CHECK(contains(rec, "\tlevel-verbose\n"));
	CHECK(contains(rec, "\tlevel-normal\n"));
	CHECK(contains(rec, "\tlevel-always\n"));
	CHECK(contains(rec, "Loading message list for IMAP[LvBox]"));
	free(rec);

	/* Basic: verbosity 0, warnings to stderr, the rest to stdout. */
	struct capture out, err;
	CHECK_INTEQ(select_one("basic"), 0);
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	capture_begin(&out, 1);
	capture_begin(&err, 2);
	emit_levels();
	char *e = capture_end(&err);
	char *o = capture_end(&out);
	uihost_close();
	char *log = read_file(log_path);
	CHECK(!contains(o, "level-verbose"));
	CHECK(!contains(log, "level-verbose"));
	CHECK(!contains(o, "LvBox]"));
	CHECK(contains(o, "level-normal\nlevel-always\n"
		       "***** Processing account Lv\n"));
	CHECK(contains(o, "Main program terminated with exception:\n"
		       "level-report\n"));
	CHECK_STREQ(e, "WARNING: level-warning\nWARNING: UID validity problem "
		    "for folder LvBox (saved 1; got 2); skipping it\n");
	CHECK(contains(log, "MainThread: level-normal\n"));
	CHECK(contains(log, "MainThread: WARNING: level-warning\n"));
	free(o);
	free(e);
	free(log);

	/* Quiet: only what is always shown. */
	CHECK_INTEQ(select_one("quiet"), 0);
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	capture_begin(&out, 1);
	capture_begin(&err, 2);
	ui_init_banner();
	emit_levels();
	e = capture_end(&err);
	o = capture_end(&out);
	uihost_close();
	log = read_file(log_path);
	CHECK(!contains(o, "level-verbose"));
	CHECK(!contains(o, "level-normal"));
	CHECK(!contains(o, "Processing account"));
	CHECK(!contains(o, "OfflineIMAP"));
	CHECK(contains(o, "level-always\n"));
	CHECK(contains(o, "Main program terminated with exception:\n"
		       "level-report\n"));
	CHECK_STREQ(e, "WARNING: level-warning\nWARNING: UID validity problem "
		    "for folder LvBox (saved 1; got 2); skipping it\n");
	CHECK(!contains(log, "level-normal"));
	CHECK(!contains(log, "MainThread: OfflineIMAP"));
	CHECK(contains(log, "MainThread: level-always\n"));
	CHECK(contains(log, "MainThread: WARNING: level-warning\n"));
	free(o);
	free(e);
	free(log);
}

TEST(test_logfile)
{
	char *argv[] = { "offlineimap", "-l", "x.log", "-u", "quiet", NULL };
	char *err = NULL;
	open_recording();
	CHECK_INTEQ(uihost_open_logfile("/nonexistent/dir/x.log", 5, argv,
					&err), -1);
	CHECK(contains(err, "/nonexistent/dir/x.log"));
	free(err);
	CHECK_INTEQ(uihost_open_logfile(log_path, 5, argv, &err), 0);
	ui_info(OI_UI_NORMAL, "first\nsecond\n");
	ui_info(OI_UI_NORMAL, "third");
	uihost_close();
	char *log = read_file(log_path);
	char *want = xasprintf("OfflineIMAP %s\n", OI_VERSION);
	CHECK(strncmp(log, want, strlen(want)) == 0);
	free(want);
	CHECK(contains(log, "\nCompiled with "));
	CHECK(contains(log, " (C11)\nPlatform: Linux "));
	CHECK(contains(log, "\nArgs: offlineimap -l x.log -u quiet\n"
		       "MainThread: first\nMainThread: second\n"
		       "MainThread: third\n"));
	CHECK_INTEQ(count_of(log, "second"), 1);
	free(log);
}

struct ring_job {
	const char *name;
	int n_debug;
};

static void *ring_thread(void *arg)
{
	struct ring_job *job = arg;
	ui_thread_begin(job->name, "Acct");
	for (int i = 0; i < job->n_debug; i++)
		ui_debug(OI_DEBUG_IMAP, "m%d", i);
	ui_threadexception("kaboom");
	ui_thread_end();
	return NULL;
}

TEST(test_debug_routing_and_ring)
{
	CHECK(!ui_debug_enabled(OI_DEBUG_IMAP));
	CHECK(!ui_debug_enabled(OI_DEBUG_MAILDIR));
	open_recording();
	CHECK(ui_add_debug("maildir"));
	ui_debug(OI_DEBUG_MAILDIR, "md%d", 1);
	ui_debug(OI_DEBUG_IMAP, "im%d", 1);
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	ui_debug(OI_DEBUG_MAILDIR, "md%d", 2);
	ui_debug(OI_DEBUG_IMAP, "im%d", 2);
	uihost_close();
	char *rec = record_text();
	char *log = read_file(log_path);
	CHECK(contains(rec, "debug\tMainThread\t*Control\tDEBUG[maildir]: "
		       "md1\n"));
	CHECK(!contains(rec, "md2"));
	CHECK(!contains(rec, "im1"));
	CHECK(contains(log, "MainThread: DEBUG[maildir]: md2\n"));
	CHECK(!contains(log, "im2"));
	free(rec);
	free(log);

	/* The ring keeps the last 50 of every category. */
	open_recording();
	struct ring_job full = { "Worker R", 55 }, empty = { "Worker E", 0 };
	pthread_t th;
	pthread_create(&th, NULL, ring_thread, &full);
	pthread_join(th, NULL);
	pthread_create(&th, NULL, ring_thread, &empty);
	pthread_join(th, NULL);
	ui_mainexception("main boom");
	uihost_close();
	rec = record_text();
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "threadexception\tWorker R\tAcct\tThread 'Worker R' "
		      "terminated with exception:\\nkaboom\\n\\nLast 50 debug "
		      "messages logged for Worker R prior to exception:");
	for (int i = 5; i < 55; i++)
		strbuf_addf(&sb, "\\nimap: m%d", i);
	strbuf_addch(&sb, '\n');
	CHECK(contains(rec, sb.buf));
	strbuf_release(&sb);
	CHECK(contains(rec, "threadexception\tWorker E\tAcct\tThread "
		       "'Worker E' terminated with exception:\\nkaboom\\n\\nNo debug "
		       "messages were logged for Worker E.\n"));
	CHECK(contains(rec, "mainexception\tMainThread\t*Control\tMain program "
		       "terminated with exception:\\nmain boom\\n\\nLast "));
	CHECK(contains(rec, " debug messages logged for MainThread prior to "
		       "exception:\\nmaildir: md1\\nimap: im1\\nmaildir: md2"
		       "\\nimap: im2"));
	free(rec);
}

TEST(test_masking)
{
	ui_register_secret("abc");
	ui_register_secret("abcdef");
	ui_register_secret("");
	ui_register_secret(NULL);
	ui_register_secret("s3cr3t");
	ui_register_secret("s3cr3t");
	open_recording();
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	ui_info(OI_UI_NORMAL, "pw=s3cr3t! xabcdefx ab s3cr3ts3cr3t");
	ui_warn(false, "login s3cr3t failed");
	ui_debug(OI_DEBUG_IMAP, "> A1 LOGIN user s3cr3t");
	ui_debug(OI_DEBUG_MAILDIR, "maildir s3cr3t");
	ui_mainexception("boom with s3cr3t");
	uihost_close();
	char *rec = record_text();
	char *log = read_file(log_path);
	CHECK(!contains(rec, "s3cr3t"));
	CHECK(!contains(log, "s3cr3t"));
	CHECK(!contains(rec, "abc"));
	CHECK(contains(rec, "info\tMainThread\t*Control\tpw=<password hidden>! "
		       "x<password hidden>x ab <password hidden><password "
		       "hidden>\n"));
	CHECK(contains(log, "MainThread: WARNING: login <password hidden> "
		       "failed\n"));
	CHECK(contains(log, "MainThread: DEBUG[maildir]: maildir <password "
		       "hidden>\n"));
	CHECK(contains(rec, "\\nimap: > A1 LOGIN user <password hidden>"));
	CHECK(contains(rec, "boom with <password hidden>"));
	free(rec);
	free(log);
}

struct sleep_job {
	const char *account;
	int seconds;
	int result;
};

static void *sleep_thread(void *arg)
{
	struct sleep_job *job = arg;
	ui_thread_begin("Account sync Sleeper", job->account);
	job->result = ui_sleep(job->account, job->seconds);
	ui_thread_end();
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(test_sleep)
{
	open_recording();
	double t0 = now_s();
	CHECK_INTEQ(ui_sleep("Short", 1), 0);
	double dt = now_s() - t0;
	CHECK(dt > 0.9 && dt < 3);

	struct sleep_job job = { "A", 30, -1 };
	pthread_t th;
	t0 = now_s();
	pthread_create(&th, NULL, sleep_thread, &job);
	usleep(300 * 1000);
	ui_request_sync_now("B");	/* another account: ignored */
	usleep(300 * 1000);
	ui_request_sync_now("A");
	pthread_join(th, NULL);
	dt = now_s() - t0;
	CHECK_INTEQ(job.result, 1);
	CHECK(dt < 5);

	job.result = -1;
	pthread_create(&th, NULL, sleep_thread, &job);
	usleep(200 * 1000);
	ui_request_sync_now(NULL);
	pthread_join(th, NULL);
	CHECK_INTEQ(job.result, 1);
	uihost_close();

	char *rec = record_text();
	CHECK(contains(rec, "sleep\tMainThread\tShort\tSleeping for 0:01\n"
		       "sleeping\tMainThread\tShort\tNext refresh in 1 seconds\n"
		       "sleeping\tMainThread\tShort\tNext refresh in 0 seconds\n"));
	CHECK(contains(rec, "sleep\tAccount sync Sleeper\tA\tSleeping for "
		       "0:30\n"
		       "sleeping\tAccount sync Sleeper\tA\tNext refresh in 30 "
		       "seconds\n"));
	CHECK(contains(rec, "sleeping\tAccount sync Sleeper\tA\tNext refresh "
		       "in 0 seconds\n"));
	CHECK(!contains(rec, "Next refresh in 25 seconds"));
	free(rec);

	/* Basic prints the total once, no countdown. */
	struct capture out;
	CHECK_INTEQ(select_one("basic"), 0);
	capture_begin(&out, 1);
	CHECK_INTEQ(ui_sleep("X", 1), 0);
	char *o = capture_end(&out);
	uihost_close();
	CHECK_STREQ(o, "Sleeping for 0:01\n");
	free(o);
}

TEST(test_getpass)
{
	char *pw = NULL, *err = NULL;

	CHECK_INTEQ(select_one("quiet"), 0);
	CHECK_INTEQ(ui_getpass("Remote", NULL, &pw, &err), -1);
	CHECK_STREQ(err, "Prompting for a password is not supported in "
		    "noninteractive mode. Set remotepass, remotepassfile or "
		    "remotepasseval in [Repository Remote] of your "
		    "configuration.");
	FREE(&err);
	uihost_close();

	CHECK_INTEQ(select_one("basic"), 0);
	CHECK_INTEQ(ui_getpass("R2", "NO bad", &pw, &err), -1);
	CHECK(contains(err, "[Repository R2]"));
	FREE(&err);
	uihost_close();

	/* No UI at all: refused, not hung. */
	CHECK_INTEQ(ui_getpass("R3", NULL, &pw, &err), -1);
	CHECK(err != NULL);
	FREE(&err);

	open_recording();
	CHECK_INTEQ(ui_getpass("R4", NULL, &pw, &err), -1);
	CHECK_STREQ(err, "Test.Recording has no password (set "
		    "OI_RECORD_PASSWORD)");
	FREE(&err);
	setenv("OI_RECORD_PASSWORD", "hunter22", 1);
	CHECK_INTEQ(ui_getpass("R5", "NO [AUTHENTICATIONFAILED] wrong", &pw,
			       &err), 0);
	CHECK_STREQ(pw, "hunter22");
	secret_free(&pw);
	unsetenv("OI_RECORD_PASSWORD");
	/* An answered password is masked from then on. */
	ui_info(OI_UI_NORMAL, "echo hunter22");
	uihost_close();
	char *rec = record_text();
	CHECK(contains(rec, "getpass\tMainThread\t*Control\tR4\n"));
	CHECK(contains(rec, "getpass\tMainThread\t*Control\tR5: NO "
		       "[AUTHENTICATIONFAILED] wrong\n"));
	CHECK(contains(rec, "info\tMainThread\t*Control\techo <password "
		       "hidden>\n"));
	free(rec);
}

static void *thread_names(void *arg)
{
	unsigned *ok = arg;
	*ok = strcmp(ui_thread_name(), "Thread-1") == 0 ||
	      strncmp(ui_thread_name(), "Thread-", 7) == 0;
	ui_thread_begin("Folder sync Work[INBOX]", "Work");
	*ok = *ok && strcmp(ui_thread_name(), "Folder sync Work[INBOX]") == 0;
	ui_info(OI_UI_NORMAL, "from worker");
	ui_thread_end();
	return NULL;
}

TEST(test_threads)
{
	CHECK_STREQ(ui_thread_name(), "MainThread");
	open_recording();
	unsigned ok1 = 0, ok2 = 0;
	pthread_t th;
	pthread_create(&th, NULL, thread_names, &ok1);
	pthread_join(th, NULL);
	pthread_create(&th, NULL, thread_names, &ok2);
	pthread_join(th, NULL);
	ui_info(OI_UI_NORMAL, "from main");
	uihost_close();
	CHECK(ok1);
	CHECK(ok2);
	char *rec = record_text();
	/* Same small id both times: ids are reused. */
	const char *one =
		"registerthread\tFolder sync Work[INBOX]\tWork\t1\n"
		"info\tFolder sync Work[INBOX]\tWork\tfrom worker\n"
		"threadexited\tFolder sync Work[INBOX]\tWork\t1\n"
		"unregisterthread\tFolder sync Work[INBOX]\tWork\t1\n";
	CHECK_INTEQ(count_of(rec, one), 2);
	CHECK(contains(rec, "info\tMainThread\t*Control\tfrom main\n"));
	free(rec);
}

#define N_WORKERS 8
#define N_MSGS 200

static void *spam_thread(void *arg)
{
	int i = (int)(long)arg;
	char name[32], acct[32];
	snprintf(name, sizeof(name), "W%d", i);
	snprintf(acct, sizeof(acct), "acct%d", i);
	ui_thread_begin(name, acct);
	for (int j = 0; j < N_MSGS; j++)
		ui_info(OI_UI_NORMAL, "t%d m%d %0200d", i, j, 0);
	ui_thread_end();
	return NULL;
}

TEST(test_concurrency)
{
	open_recording();
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	pthread_t th[N_WORKERS];
	for (long i = 0; i < N_WORKERS; i++)
		pthread_create(&th[i], NULL, spam_thread, (void *)i);
	for (int i = 0; i < N_WORKERS; i++)
		pthread_join(th[i], NULL);
	uihost_close();

	char *rec = record_text();
	int info_lines = 0, bad = 0, per[N_WORKERS] = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(rec, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "info\t", 5) != 0)
			continue;
		int w, a, t, m, n = 0;
		if (sscanf(line, "info\tW%d\tacct%d\tt%d m%d %n", &w, &a, &t,
			   &m, &n) != 4 || w != a || w != t || w < 0 ||
		    w >= N_WORKERS || strlen(line + n) != 200) {
			bad++;
			continue;
		}
		per[w]++;
		info_lines++;
	}
	CHECK_INTEQ(bad, 0);
	CHECK_INTEQ(info_lines, N_WORKERS * N_MSGS);
	for (int i = 0; i < N_WORKERS; i++)
		CHECK_INTEQ(per[i], N_MSGS);
	free(rec);

	char *log = read_file(log_path);
	int log_lines = 0;
	bad = 0;
	save = NULL;
	for (char *line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != 'W')
			continue;
		int w, t, m, n = 0;
		if (sscanf(line, "W%d: t%d m%d %n", &w, &t, &m, &n) != 3 ||
		    w != t || strlen(line + n) != 200)
			bad++;
		log_lines++;
	}
	CHECK_INTEQ(bad, 0);
	CHECK_INTEQ(log_lines, N_WORKERS * N_MSGS);
	free(log);
}

TEST(test_host_log)
{
	open_recording();
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	ui_info(OI_UI_NORMAL, "LOG-ECHO hello %s", "there");
	uihost_close();
	char *rec = record_text();
	CHECK(contains(rec, "info\tMainThread\t*Control\tLOG-ECHO hello there\n"
		       "info\tMainThread\t*Control\thello there\n"));
	free(rec);
	char *log = read_file(log_path);
	CHECK(contains(log, "MainThread: LOG-ECHO hello there\n"
		       "MainThread: hello there\n"));
	free(log);
}

TEST(test_builtin_logger)
{
	struct capture err;
	capture_begin(&err, 2);
	ui_warn(false, "no ui yet");
	ui_info(OI_UI_NORMAL, "plain");
	ui_info(OI_UI_VERBOSE, "hidden");
	char *e = capture_end(&err);
	CHECK_STREQ(e, "WARNING: no ui yet\nplain\n");
	free(e);
}

TEST(test_list_plugins)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uihost_list_plugins(f);
	fclose(f);
	char *want = xasprintf("  Test.Recording (%s/testui/recording.so)\n",
			       build_dir);
	CHECK(contains(buf, want));
	free(want);
	want = xasprintf("  Noninteractive.Quiet (%s/ui/quiet.so)\n",
			 build_dir);
	CHECK(contains(buf, want));
	free(want);
	CHECK(contains(buf, "  Noninteractive.Basic ("));
	CHECK(!contains(buf, "BadABI"));
	CHECK(!contains(buf, "nosymbol"));
	free(buf);
}

/* Runs in a child: ends with ui_terminate. */
static int child_status(void (*fn)(void))
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(99);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void terminate_recording(void)
{
	open_recording();
	ui_terminate(5, "Title", "Some s3cr3t text");
}

static void terminate_quiet_logged(void)
{
	CHECK_INTEQ(select_one("quiet"), 0);
	CHECK_INTEQ(uihost_open_logfile(log_path, 0, NULL, NULL), 0);
	uihost_redirect_stderr();
	ui_warn(true, "once only");
	fprintf(stderr, "direct stderr\n");
	ui_terminate(3, "Unknown Account \"X\"", "The account \"X\" does "
		     "not exist.");
}

static void terminate_no_ui(void)
{
	ui_terminate(4, NULL, "plain end");
}

TEST(test_terminate)
{
	CHECK_INTEQ(child_status(terminate_recording), 5);
	char *rec = record_text();
	CHECK(contains(rec, "terminate\tMainThread\t*Control\t5|Title|Some "
		       "<password hidden> text\nclose\t\t\t\n"));
	free(rec);

	CHECK_INTEQ(child_status(terminate_quiet_logged), 3);
	char *log = read_file(log_path);
	CHECK_INTEQ(count_of(log, "once only"), 1);
	CHECK(contains(log, "MainThread: warning: once only\n"
		       "direct stderr\n"
		       "ERROR: Unknown Account \"X\"\n\nThe account \"X\" does "
		       "not exist.\n"));
	free(log);

	struct capture err;
	capture_begin(&err, 2);
	int st = child_status(terminate_no_ui);
	char *e = capture_end(&err);
	CHECK_INTEQ(st, 4);
	CHECK_STREQ(e, "plain end\n");
	free(e);
}

static void *tty_worker(void *arg)
{
	(void)arg;
	ui_thread_begin("Folder sync Work[INBOX]", "Work");
	ui_syncingfolder("IMAP", "INBOX", "Maildir", "INBOX");
	ui_thread_end();
	return NULL;
}

/* The child side of test_tty: stdin, stdout and stderr are a pty. */
static void tty_child(void)
{
	if (select_one("TTY.TTYUI") != 0)
		_exit(50);
	ui_init_banner();
	ui_info(OI_UI_NORMAL, "hello main");
	pthread_t th;
	pthread_create(&th, NULL, tty_worker, NULL);
	pthread_join(th, NULL);
	ui_warn(false, "careful");
	ui_sleep("Acct", 1);
	char *pw = NULL, *err = NULL;
	if (ui_getpass("Remote", "NO bad", &pw, &err) == 0)
		printf("got=%s\n", pw);
	else
		printf("refused=%s\n", err);
	struct termios tio;
	tcgetattr(0, &tio);
	printf("echo=%s\n", (tio.c_lflag & ECHO) ? "on" : "off");
	free(pw);
	free(err);
	ui_terminate(6, NULL, "bye");
}

TEST(test_tty)
{
	int master = -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		perror("forkpty");
		CHECK(pid >= 0);
		return;
	}
	if (pid == 0) {
		tty_child();
		_exit(99);
	}
	struct strbuf sb;
	strbuf_init(&sb);
	bool answered = false;
	double t0 = now_s();
	while (now_s() - t0 < 20) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		char buf[512];
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;	/* EIO once the child is gone */
		strbuf_add(&sb, buf, (size_t)n);
		if (!answered && contains(sb.buf, "Remote: Enter password: ")) {
			usleep(100 * 1000);
			if (write(master, "tiger\n", 6) != 6)
				break;
			answered = true;
		}
	}
	int st = 0;
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(master);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);

	/* The terminal turns \n into \r\n; the countdown adds lone \r. */
	struct strbuf clean;
	strbuf_init(&clean);
	for (size_t i = 0; i < sb.len; i++)
		if (!(sb.buf[i] == '\r' && i + 1 < sb.len &&
		      sb.buf[i + 1] == '\n'))
			strbuf_addch(&clean, sb.buf[i]);
	const char *out = clean.buf;
	CHECK(contains(out, "OfflineIMAP " OI_VERSION "\nCopyright"));
	CHECK(contains(out, "hello main\n"));
	CHECK(contains(out, "Folder sync Work[INBOX]:\n   Syncing INBOX: IMAP "
		       "-> Maildir\n"));
	CHECK(contains(out, "WARNING: careful\n"));
	CHECK(contains(out, "\rNext refresh in 1 seconds\033[K"
		       "\rNext refresh in 0 seconds\033[K\n"));
	CHECK(contains(out, "Remote: NO bad\nRemote: Enter password: "));
	CHECK_INTEQ(count_of(out, "tiger"), 1);	/* not echoed */
	CHECK(contains(out, "got=tiger\n"));
	CHECK(contains(out, "echo=on\n"));
	CHECK(contains(out, "bye\n"));
	if (test_case_failed)
		fprintf(stderr, "tty output: [%s]\n", out);
	strbuf_release(&clean);
	strbuf_release(&sb);
}

static void *getpass_waiter(void *arg)
{
	int *rc = arg;
	char *pw = NULL, *err = NULL;
	ui_thread_begin("Account sync Q", "Q");
	*rc = ui_getpass("RQ", NULL, &pw, &err);
	free(pw);
	free(err);
	ui_thread_end();
	return NULL;
}

/* Last: a quit request is final. */
TEST(test_quit)
{
	open_recording();
	setenv("OI_RECORD_NOANSWER", "1", 1);
	int gp_rc = 0;
	struct sleep_job job = { "A", 30, -1 };
	pthread_t th1, th2;
	double t0 = now_s();
	pthread_create(&th1, NULL, sleep_thread, &job);
	pthread_create(&th2, NULL, getpass_waiter, &gp_rc);
	usleep(400 * 1000);
	int st = -1;
	CHECK(!ui_quit_requested(&st));
	ui_request_quit(7);
	ui_request_quit(9);
	pthread_join(th1, NULL);
	pthread_join(th2, NULL);
	CHECK(now_s() - t0 < 5);
	CHECK_INTEQ(job.result, 2);
	CHECK_INTEQ(gp_rc, -1);
	CHECK(ui_quit_requested(&st));
	CHECK_INTEQ(st, 7);
	CHECK_INTEQ(ui_sleep("A", 10), 2);
	char *pw = NULL, *err = NULL;
	CHECK_INTEQ(ui_getpass("R", NULL, &pw, &err), -1);
	free(err);
	unsetenv("OI_RECORD_NOANSWER");
	uihost_close();
	char *rec = record_text();
	CHECK(contains(rec, "getpass\tAccount sync Q\tQ\tRQ\n"));
	free(rec);
}

static pid_t test_pid;

/* Children forked by test_terminate exit through here too. */
static void cleanup(void)
{
	if (getpid() != test_pid)
		return;
	unlink(record_path);
	unlink(log_path);
}

static void run_setup(void)
{
	setup();
	test_pid = getpid();
	atexit(cleanup);
}

RUN_TESTS(run_setup, test_resolution, test_badabi_nosymbol,
	  test_unusable_and_none, test_config_and_accounts, test_event_texts,
	  test_verbosity, test_logfile, test_debug_routing_and_ring,
	  test_masking, test_sleep, test_getpass, test_threads,
	  test_concurrency, test_host_log, test_builtin_logger,
	  test_list_plugins, test_terminate, test_tty, test_quit)
