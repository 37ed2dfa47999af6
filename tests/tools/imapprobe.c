// SPDX-License-Identifier: GPL-2.0-or-later
/* Test tool: drive the IMAP client (connect, log in, list, fetch) from the
 * command line so integration tests can exercise it against a real server.
 *
 * Output on stdout, one item per line:
 *   CONNECTED tls=<0|1> preauth=<0|1>
 *   FOLDER <delimiter or NIL> <flags: noselect,noinferiors,haschildren
 *          or -> <raw name> <UTF-8 name or ->
 *     (tab-separated)
 *   then for --fetch the message body, raw.
 * Exit status 0, or 1 with "imapprobe: <error>" on stderr (2 for usage,
 * 3 for rejected credentials, 4 when the fetched UID does not exist). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap/client.h"
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

static void usage(void)
{
	fputs("usage: imapprobe [--host H] [--port N] [--ssl] [--starttls=yes|no|auto]\n"
	      "  [--cafile F] [--fingerprint FP]... [--user U] [--password-file F]\n"
	      "  [--auth MECH[,MECH...]] [--tunnel CMD] [--timeout S]\n"
	      "  [--list REF PATTERN] [--fetch FOLDER UID] [--create NAME] [-d]\n",
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
		{ NULL, 0, NULL, 0 },
	};
	struct imap_settings s = { .repo = "imapprobe" };
	const char *fps[16] = { NULL };
	size_t n_fps = 0;
	char **mechs = NULL;
	bool do_list = false, do_fetch = false;
	const char *list_ref = NULL, *list_pat = NULL, *fetch_folder = NULL;
	const char *create = NULL;
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
