// SPDX-License-Identifier: GPL-2.0-or-later
/* Test tool: drive the IMAP client (connect, log in, list, fetch, and a
 * script of message commands and pool runs) from the command line so
 * integration tests can exercise it against a real server.
 *
 * Output on stdout, one item per line:
 *   CONNECTED tls=<0|1> preauth=<0|1>
 *   FOLDER <delimiter or NIL> <flags: noselect,noinferiors,haschildren
 *          or -> <raw name> <UTF-8 name or ->
 *     (tab-separated)
 *   then for --fetch the message body, raw;
 *   then for --script FILE (or - for standard input) one or more lines
 *   per script line, as described at run_script() below.
 * Exit status 0, or 1 with "imapprobe: <error>" on stderr (2 for usage,
 * 3 for rejected credentials, 4 when the fetched UID does not exist). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/client.h"
#include "imap/pool.h"
#include "ui.h"
#include "util.h"

static char *password_file;

static int get_password(void *arg, const char *errtext, char **password_r,
			char **err_r)
{
	(void)arg;
	if (errtext)
		fprintf(stderr, "imapprobe: previous attempt: %s\n", errtext);
	if (!password_file) {
		*err_r = xstrdup("no --password-file given");
		return -1;
	}
	FILE *f = fopen(password_file, "r");
	if (!f) {
		*err_r = sys_errmsg("cannot open %s", password_file);
		return -1;
	}
	char buf[1024];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	*password_r = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static void write_body(void *arg, const void *data, size_t len)
{
	(void)arg;
	fwrite(data, 1, len, stdout);
}

/* ---- Scripts ---- */

/* "1-5,9,20-18" -> UIDs in that order (a descending range stays
 * descending, so the client's sorting is exercised). */
static uint32_t *parse_uids(const char *spec, size_t *n_r)
{
	uint32_t *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = spec;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		long step = a <= b ? 1 : -1;
		for (unsigned long u = a;; u += (unsigned long)step) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = (uint32_t)u;
			if (u == b)
				break;
		}
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p)
			break;
	}
	*n_r = n;
	return v;
}

/* "\\Seen,$Label" or "-" -> flag bits and a keyword list. */
static unsigned parse_flags(const char *spec, char ***keywords_r)
{
	unsigned flags = 0;
	size_t n = 0;
	char **kw = xcalloc(1, sizeof(char *));
	if (strcmp(spec, "-") != 0) {
		char **items = split_commalist(spec, NULL);
		for (char **i = items; *i; i++) {
			unsigned f = imap_flag_from_name(*i);
			if (f) {
				flags |= f;
			} else {
				kw = xrealloc(kw, (n + 2) * sizeof(char *));
				kw[n++] = xstrdup(*i);
				kw[n] = NULL;
			}
		}
		strv_free(&items);
	}
	*keywords_r = kw;
	return flags;
}

static void print_flags(unsigned flags)
{
	bool any = false;
	for (unsigned b = 1; b < 1u << IMAP_MSG_FLAG_COUNT; b <<= 1)
		if (flags & b) {
			printf("%s%s", any ? "," : "", imap_flag_name(b));
			any = true;
		}
	if (!any)
		putchar('-');
}

static int read_file(const char *path, char **data_r, size_t *len_r,
		     char **err_r)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb;
	char buf[65536];
	size_t n;
	if (!f) {
		*err_r = sys_errmsg("cannot open %s", path);
		return -1;
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	*len_r = sb.len;
	*data_r = strbuf_detach(&sb);
	return 0;
}

/* Reads an APPEND body from a file descriptor (the streaming path). */
static ssize_t read_fd(void *arg, void *buf, size_t n, char **err_r)
{
	ssize_t r = read(*(int *)arg, buf, n);
	if (r < 0)
		*err_r = sys_errmsg("read");
	return r;
}

/* Bodies go to <dir>/<uid>. */
struct bodies_state {
	const char *dir;
	const uint32_t *uids;
	FILE **files;
	unsigned ok, missing, failed;
};

static void bodies_begin(void *arg, size_t i, uint64_t size)
{
	struct bodies_state *st = arg;
	char *path = xasprintf("%s/%u", st->dir, st->uids[i]);
	(void)size;
	st->files[i] = fopen(path, "wb");
	free(path);
}

static void bodies_data(void *arg, size_t i, const void *data, size_t len)
{
	struct bodies_state *st = arg;
	if (st->files[i])
		fwrite(data, 1, len, st->files[i]);
}

static void bodies_done(void *arg, size_t i, int result, const char *text)
{
	struct bodies_state *st = arg;
	if (st->files[i]) {
		fclose(st->files[i]);
		st->files[i] = NULL;
	}
	printf("BODY\t%u\t%d\t%s\n", st->uids[i], result, text ? text : "-");
	if (result > 0)
		st->ok++;
	else if (result == 0)
		st->missing++;
	else
		st->failed++;
}

/* The pool part: threads that each acquire a connection, examine a
 * mailbox, list it and give the connection back. */
static const struct imap_settings *pool_settings;

static int pool_open(void *arg, struct imap_client **c_r, char **err_r)
{
	(void)arg;
	int r = imap_client_open(pool_settings, NULL, c_r, err_r);
	return r == IMAP_OK ? 0 : -1;
}

struct pool_run {
	struct imap_pool *pool;
	const char *mailbox;
	int iterations;
	pthread_mutex_t lock;
	int in_use, max_in_use, errors, listed;
};

static void *pool_worker(void *arg)
{
	struct pool_run *pr = arg;
	for (int i = 0; i < pr->iterations; i++) {
		struct imap_client *c = NULL;
		struct imap_msginfo *msgs = NULL;
		size_t n = 0;
		char *err = NULL;
		if (imap_pool_acquire(pr->pool, &c, &err) < 0) {
			fprintf(stderr, "imapprobe: pool: %s\n", err);
			free(err);
			pthread_mutex_lock(&pr->lock);
			pr->errors++;
			pthread_mutex_unlock(&pr->lock);
			continue;
		}
		pthread_mutex_lock(&pr->lock);
		if (++pr->in_use > pr->max_in_use)
			pr->max_in_use = pr->in_use;
		pthread_mutex_unlock(&pr->lock);
		int r = imap_client_select(c, pr->mailbox, true, true, NULL,
					   &err);
		if (r == 0)
			r = imap_client_fetch_list(c, 1, 0, &msgs, &n, &err);
		imap_msginfo_free(&msgs, n);
		pthread_mutex_lock(&pr->lock);
		pr->in_use--;
		if (r < 0) {
			fprintf(stderr, "imapprobe: pool worker: %s\n", err);
			pr->errors++;
		} else {
			pr->listed += (int)n;
		}
		pthread_mutex_unlock(&pr->lock);
		free(err);
		imap_pool_release(pr->pool, &c);
	}
	return NULL;
}

static int run_pool(struct imap_pool *pool, int threads, int iterations,
		    const char *mailbox)
{
	struct pool_run pr = { .pool = pool, .mailbox = mailbox,
			       .iterations = iterations,
			       .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[64];
	struct imap_pool_stats st;
	if (threads < 1 || threads > 64)
		return -1;
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, pool_worker, &pr);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	imap_pool_get_stats(pool, &st);
	printf("POOL\topened=%lu\tdiscarded=%lu\tmax_in_use=%d\terrors=%d\tavailable=%u\tlisted=%d\n",
	       st.opened, st.discarded, pr.max_in_use, pr.errors, st.available,
	       pr.listed);
	return 0;
}

/*
 * One command per line, fields separated by tabs; for each a result line
 * (or "ERROR\t<command>\t<message>" when the command failed; a failure
 * that kills the connection also ends the script with status 1):
 *
 *   select|examine MBOX      SELECTED exists=N uidvalidity=N uidnext=N
 *                            readonly=0|1
 *   msgs [FIRST [LAST]]      MSG uid flags keywords|- date|- epoch|- size
 *                            per message, then MSGS n
 *   append MBOX FLAGS DATE FILE [stream]
 *                            APPENDED uidvalidity uid (FLAGS "\Seen,kw"
 *                            or -, DATE as INTERNALDATE text or -)
 *   append-many MBOX COUNT FILE
 *                            APPENDED-MANY n uid uid ...
 *   bodies DIR UIDS          BODY uid result text|- per message, then
 *                            BODIES ok=N missing=N failed=N
 *   search CRITERIA          SEARCH uid uid ...
 *   search-header NAME VALUE SEARCH uid uid ...
 *   store +|-|= FLAGS UIDS   STORED
 *   expunge                  EXPUNGED
 *   uid-expunge UIDS         EXPUNGED
 *   check                    CHECKED
 *   noop                     NOOP
 *   status MBOX              STATUS messages=N recent=N uidnext=N
 *                            uidvalidity=N unseen=N
 *   lsub PATTERN             LSUB name noselect=0|1 per subscribed folder
 *                            (LSUB "" PATTERN), then LSUBS n
 *   pause                    PAUSED, then waits for a line on stdin
 *   pool-new MAX PROBE       POOL-NEW (PROBE: always, never or seconds)
 *   pool-run THREADS ITERATIONS MBOX
 *                            POOL opened=N discarded=N max_in_use=N
 *                            errors=N available=N listed=N
 *   pool-keepalive           KEEPALIVE ok=N dead=N
 *   pool-drop                POOL-DROPPED
 *
 * UIDS: "1-300,305" (a range may descend).
 */
static int run_script(struct imap_client *c, const struct imap_settings *s,
		      const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct imap_pool *pool = NULL;
	char *line = NULL;
	size_t cap = 0;
	int status = 0;

	if (!f) {
		fprintf(stderr, "imapprobe: cannot open %s\n", path);
		return 1;
	}
	pool_settings = s;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line || *line == '#')
			continue;
		char *argv[8] = { NULL };
		int argc = 0;
		for (char *save = NULL, *t = strtok_r(line, "\t", &save);
		     t && argc < 8; t = strtok_r(NULL, "\t", &save))
			argv[argc++] = t;
		const char *cmd = argv[0];
		char *err = NULL;
		int r = 0;

		if ((strcmp(cmd, "select") == 0 || strcmp(cmd, "examine") == 0) &&
		    argc == 2) {
			struct imap_mailbox mb;
			r = imap_client_select(c, argv[1], cmd[0] == 'e', true,
					       &mb, &err);
			if (r == 0)
				printf("SELECTED\texists=%u\tuidvalidity=%u\tuidnext=%u\treadonly=%d\n",
				       mb.exists, mb.uidvalidity, mb.uidnext,
				       mb.read_only);
		} else if (strcmp(cmd, "msgs") == 0) {
			struct imap_msginfo *m = NULL;
			size_t n = 0;
			uint32_t first = argc > 1 ? (uint32_t)atol(argv[1]) : 1;
			uint32_t last = argc > 2 ? (uint32_t)atol(argv[2]) : 0;
			r = imap_client_fetch_list(c, first, last, &m, &n, &err);
			for (size_t i = 0; r == 0 && i < n; i++) {
				char date[IMAP_DATE_SIZE] = "-";
				if (m[i].has_date)
					imap_format_date(m[i].date, m[i].zone,
							 date);
				printf("MSG\t%u\t", m[i].uid);
				print_flags(m[i].flags);
				printf("\t%s\t%s\t%lld\t%llu\n",
				       m[i].keywords ? m[i].keywords : "-",
				       date,
				       m[i].has_date ? (long long)m[i].date : -1LL,
				       (unsigned long long)m[i].size);
			}
			if (r == 0)
				printf("MSGS\t%zu\n", n);
			imap_msginfo_free(&m, n);
		} else if (strcmp(cmd, "append") == 0 && argc >= 5) {
			struct imap_append_msg m = { .zone = 0 };
			char **kw = NULL, *data = NULL;
			size_t len = 0;
			int fd = -1;
			m.flags = parse_flags(argv[2], &kw);
			m.keywords = (const char *const *)kw;
			if (strcmp(argv[3], "-") != 0) {
				int zone;
				if (imap_parse_date(argv[3], &m.date, &zone) == 0) {
					m.has_date = true;
					m.zone = zone;
				} else {
					err = xstrdup("bad date");
					r = -1;
				}
			}
			if (r == 0 && argc > 5 && strcmp(argv[5], "stream") == 0) {
				struct stat stb;
				fd = open(argv[4], O_RDONLY);
				if (fd < 0 || fstat(fd, &stb) < 0) {
					err = sys_errmsg("cannot open %s", argv[4]);
					r = -1;
				} else {
					m.size = (uint64_t)stb.st_size;
					m.read = read_fd;
					m.read_arg = &fd;
				}
			} else if (r == 0) {
				r = read_file(argv[4], &data, &len, &err);
				m.data = data;
				m.size = len;
			}
			if (r == 0)
				r = imap_client_append(c, argv[1], &m, 1, &err);
			if (r == 0)
				printf("APPENDED\t%u\t%u\n", m.uidvalidity, m.uid);
			if (fd >= 0)
				close(fd);
			free(data);
			strv_free(&kw);
		} else if (strcmp(cmd, "append-many") == 0 && argc == 4) {
			size_t count = (size_t)atol(argv[2]), len = 0;
			char *data = NULL;
			r = read_file(argv[3], &data, &len, &err);
			struct imap_append_msg *m = xcalloc(count ? count : 1,
							    sizeof(*m));
			for (size_t i = 0; i < count; i++) {
				m[i].data = data;
				m[i].size = len;
			}
			if (r == 0)
				r = imap_client_append(c, argv[1], m, count,
						       &err);
			if (r == 0) {
				printf("APPENDED-MANY\t%zu", count);
				for (size_t i = 0; i < count; i++)
					printf("\t%u", m[i].uid);
				putchar('\n');
			}
			free(m);
			free(data);
		} else if (strcmp(cmd, "bodies") == 0 && argc == 3) {
			static const struct imap_body_handler h = {
				.begin = bodies_begin, .data = bodies_data,
				.done = bodies_done,
			};
			size_t n;
			uint32_t *uids = parse_uids(argv[2], &n);
			struct bodies_state st = { .dir = argv[1], .uids = uids };
			st.files = xcalloc(n ? n : 1, sizeof(FILE *));
			r = imap_client_fetch_bodies(c, uids, n, &h, &st, &err);
			printf("BODIES\tok=%u\tmissing=%u\tfailed=%u\n", st.ok,
			       st.missing, st.failed);
			free(st.files);
			free(uids);
		} else if ((strcmp(cmd, "search") == 0 && argc == 2) ||
			   (strcmp(cmd, "search-header") == 0 && argc == 3)) {
			uint32_t *uids = NULL;
			size_t n = 0;
			if (argc == 2)
				r = imap_client_search(c, argv[1], &uids, &n,
						       &err);
			else
				r = imap_client_search_header(c, argv[1],
							      argv[2], &uids,
							      &n, &err);
			if (r == 0) {
				printf("SEARCH");
				for (size_t i = 0; i < n; i++)
					printf("\t%u", uids[i]);
				putchar('\n');
			}
			free(uids);
		} else if (strcmp(cmd, "store") == 0 && argc == 4) {
			char **kw = NULL;
			size_t n;
			unsigned flags = parse_flags(argv[2], &kw);
			uint32_t *uids = parse_uids(argv[3], &n);
			enum imap_store_mode mode = argv[1][0] == '+'
				? IMAP_STORE_ADD : argv[1][0] == '-'
				? IMAP_STORE_REMOVE : IMAP_STORE_REPLACE;
			r = imap_client_store(c, uids, n, mode, flags,
					      (const char *const *)kw, &err);
			if (r == 0)
				printf("STORED\n");
			free(uids);
			strv_free(&kw);
		} else if (strcmp(cmd, "expunge") == 0) {
			r = imap_client_expunge(c, &err);
			if (r == 0)
				printf("EXPUNGED\n");
		} else if (strcmp(cmd, "uid-expunge") == 0 && argc == 2) {
			size_t n;
			uint32_t *uids = parse_uids(argv[1], &n);
			r = imap_client_uid_expunge(c, uids, n, &err);
			if (r == 0)
				printf("EXPUNGED\n");
			free(uids);
		} else if (strcmp(cmd, "check") == 0) {
			r = imap_client_check(c, &err);
			if (r == 0)
				printf("CHECKED\n");
		} else if (strcmp(cmd, "noop") == 0) {
			r = imap_client_noop(c, &err);
			if (r == 0)
				printf("NOOP\n");
		} else if (strcmp(cmd, "status") == 0 && argc == 2) {
			struct imap_mailbox_status st;
			r = imap_client_status(c, argv[1], &st, &err);
			if (r == 0)
				printf("STATUS\tmessages=%u\trecent=%u\tuidnext=%u\tuidvalidity=%u\tunseen=%u\n",
				       st.messages, st.recent, st.uidnext,
				       st.uidvalidity, st.unseen);
		} else if (strcmp(cmd, "lsub") == 0 && argc == 2) {
			struct imap_folder *subs = NULL;
			size_t n = 0;
			r = imap_client_lsub(c, NULL, argv[1], &subs, &n, &err);
			for (size_t i = 0; r == 0 && i < n; i++)
				printf("LSUB\t%s\tnoselect=%d\n", subs[i].name,
				       !!(subs[i].flags & IMAP_FOLDER_NOSELECT));
			if (r == 0)
				printf("LSUBS\t%zu\n", n);
			imap_folders_free(&subs, n);
		} else if (strcmp(cmd, "pause") == 0) {
			char buf[64];
			printf("PAUSED\n");
			fflush(stdout);
			if (!fgets(buf, sizeof(buf), stdin))
				break;
		} else if (strcmp(cmd, "pool-new") == 0 && argc == 3) {
			struct imap_pool_settings ps = {
				.name = s->repo,
				.maxconnections = (unsigned)atoi(argv[1]),
				.ops = { .open = pool_open },
			};
			if (strcmp(argv[2], "always") == 0)
				ps.probe_idle = IMAP_POOL_PROBE_ALWAYS;
			else if (strcmp(argv[2], "never") == 0)
				ps.probe_idle = IMAP_POOL_PROBE_NEVER;
			else
				ps.probe_idle = atoi(argv[2]);
			imap_pool_free(&pool);
			pool = imap_pool_new(&ps);
			printf("POOL-NEW\n");
		} else if (strcmp(cmd, "pool-run") == 0 && argc == 4 && pool) {
			if (run_pool(pool, atoi(argv[1]), atoi(argv[2]),
				     argv[3]) < 0)
				err = xstrdup("bad thread count"), r = -1;
		} else if (strcmp(cmd, "pool-keepalive") == 0 && pool) {
			unsigned dead;
			unsigned ok = imap_pool_keepalive(pool, &dead);
			printf("KEEPALIVE\tok=%u\tdead=%u\n", ok, dead);
		} else if (strcmp(cmd, "pool-drop") == 0 && pool) {
			imap_pool_drop(pool);
			printf("POOL-DROPPED\n");
		} else {
			err = xasprintf("unknown or malformed command (%d fields)",
					argc);
			r = -1;
		}
		if (r < 0) {
			/* one line: keep tabs and newlines out of the text */
			for (char *p = err; p && *p; p++)
				if (*p == '\t' || *p == '\n')
					*p = ' ';
			printf("ERROR\t%s\t%s\n", cmd, err ? err : "?");
		}
		free(err);
		fflush(stdout);
		if (!imap_client_alive(c)) {
			fprintf(stderr, "imapprobe: connection lost\n");
			status = 1;
			break;
		}
	}
	free(line);
	imap_pool_free(&pool);
	if (f != stdin)
		fclose(f);
	return status;
}

static void usage(void)
{
	fputs("usage: imapprobe [--host H] [--port N] [--ssl] [--starttls=yes|no|auto]\n"
	      "  [--cafile F] [--fingerprint FP]... [--user U] [--password-file F]\n"
	      "  [--auth MECH[,MECH...]] [--tunnel CMD] [--timeout S]\n"
	      "  [--list REF PATTERN] [--fetch FOLDER UID] [--create NAME]\n"
	      "  [--max-inflight N] [--max-line N] [--script FILE|-] [-d]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "ssl", no_argument, NULL, 's' },
		{ "starttls", required_argument, NULL, 'S' },
		{ "cafile", required_argument, NULL, 'c' },
		{ "fingerprint", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "auth", required_argument, NULL, 'a' },
		{ "tunnel", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "list", no_argument, NULL, 'l' },
		{ "fetch", no_argument, NULL, 'F' },
		{ "create", required_argument, NULL, 'C' },
		{ "max-inflight", required_argument, NULL, 'M' },
		{ "max-line", required_argument, NULL, 'L' },
		{ "script", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct imap_settings s = { .repo = "imapprobe" };
	const char *fps[16] = { NULL };
	size_t n_fps = 0;
	char **mechs = NULL;
	bool do_list = false, do_fetch = false;
	const char *list_ref = NULL, *list_pat = NULL, *fetch_folder = NULL;
	const char *create = NULL, *script = NULL;
	unsigned long fetch_uid = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': s.host = optarg; break;
		case 'P': s.port = atoi(optarg); break;
		case 's': s.ssl = true; break;
		case 'S':
			if (strcmp(optarg, "yes") == 0)
				s.starttls = IMAP_STARTTLS_YES;
			else if (strcmp(optarg, "no") == 0)
				s.starttls = IMAP_STARTTLS_NO;
			else if (strcmp(optarg, "auto") == 0)
				s.starttls = IMAP_STARTTLS_AUTO;
			else
				usage();
			break;
		case 'c': s.cafile = optarg; break;
		case 'f':
			if (n_fps + 1 >= ARRAY_SIZE(fps))
				usage();
			fps[n_fps++] = optarg;
			break;
		case 'u': s.user = optarg; break;
		case 'p': password_file = optarg; break;
		case 'a':
			strv_free(&mechs);
			mechs = split_commalist(optarg, NULL);
			break;
		case 't': s.tunnel = optarg; break;
		case 'T': s.socktimeout = atoi(optarg); break;
		case 'l': do_list = true; break;
		case 'F': do_fetch = true; break;
		case 'C': create = optarg; break;
		case 'M': s.max_inflight = (unsigned)atoi(optarg); break;
		case 'L': s.max_line = (size_t)atol(optarg); break;
		case 'X': script = optarg; break;
		case 'd':
			ui_add_debug("imap");
			break;
		default:
			usage();
		}
	}
	/* --list and --fetch take two operands each, in that order. */
	if (do_list) {
		if (optind + 2 > argc)
			usage();
		list_ref = argv[optind++];
		list_pat = argv[optind++];
	}
	if (do_fetch) {
		if (optind + 2 > argc)
			usage();
		fetch_folder = argv[optind++];
		fetch_uid = strtoul(argv[optind++], NULL, 10);
	}
	if (optind != argc)
		usage();
	if (n_fps)
		s.fingerprints = fps;
	s.auth_mechanisms = (const char *const *)mechs;
	s.get_password = get_password;

	struct imap_client *c = NULL;
	char *err = NULL;
	int status = 0;
	int r = imap_client_open(&s, NULL, &c, &err);
	if (r != IMAP_OK) {
		fprintf(stderr, "imapprobe: %s\n", err);
		free(err);
		strv_free(&mechs);
		return r == IMAP_EAUTH ? 3 : 1;
	}
	printf("CONNECTED tls=%d preauth=%d\n", imap_client_is_tls(c),
	       imap_client_preauth(c));

	if (create && imap_client_create(c, create, &err) < 0)
		goto fail;
	if (do_list) {
		struct imap_folder *f;
		size_t n;
		if (imap_client_list(c, list_ref, list_pat, &f, &n, &err) < 0)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			char delim[4] = "NIL";
			if (f[i].delimiter) {
				delim[0] = f[i].delimiter;
				delim[1] = '\0';
			}
			struct strbuf fl;
			strbuf_init(&fl);
			if (f[i].flags & IMAP_FOLDER_NOSELECT)
				strbuf_addstr(&fl, ",noselect");
			if (f[i].flags & IMAP_FOLDER_NOINFERIORS)
				strbuf_addstr(&fl, ",noinferiors");
			if (f[i].flags & IMAP_FOLDER_HASCHILDREN)
				strbuf_addstr(&fl, ",haschildren");
			printf("FOLDER\t%s\t%s\t%s\t%s\n", delim,
			       fl.len ? fl.buf + 1 : "-", f[i].name,
			       f[i].utf8 ? f[i].utf8 : "-");
			strbuf_release(&fl);
		}
		imap_folders_free(&f, n);
	}
	if (do_fetch) {
		fflush(stdout);
		if (imap_client_select(c, fetch_folder, true, false, NULL,
				       &err) < 0)
			goto fail;
		r = imap_client_fetch_body(c, (uint32_t)fetch_uid, write_body,
					   NULL, &err);
		if (r < 0)
			goto fail;
		if (r == 0) {
			fprintf(stderr, "imapprobe: no message with UID %lu\n",
				fetch_uid);
			status = 4;
		}
	}
	if (script && status == 0)
		status = run_script(c, &s, script);
	fflush(stdout);
	imap_client_close(&c);
	strv_free(&mechs);
	return status;
fail:
	fprintf(stderr, "imapprobe: %s\n", err);
	free(err);
	imap_client_close(&c);
	strv_free(&mechs);
	return 1;
}
