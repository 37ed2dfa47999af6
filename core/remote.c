/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP repository settings from the configuration, password sources and
 * the login loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

/* Options whose value is a Python expression: refusing them is better than
 * silently connecting somewhere else or with another identity. */
static const char *const eval_options[] = {
	"remotehosteval", "remoteusereval", "remotepasseval", "remoteporteval",
};

static int get_string(const struct config *cfg, const char *sec,
		      const char *opt, char **value_r, char **err_r)
{
	const char *v;
	int r = config_get(cfg, sec, opt, &v, err_r);
	if (r > 0)
		*value_r = xstrdup(v);
	return r;
}

/* `reference` is a raw IMAP argument whose default is the two characters
 * "" (SPEC 2.2); the client quotes it itself, so strip one level of
 * quotes. */
static char *unquote_reference(const char *v)
{
	size_t n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

int remote_repo_init(struct remote_repo *r, const struct config *cfg,
		     const char *account, const char *repo, char **err_r)
{
	memset(r, 0, sizeof(*r));
	r->section = xasprintf("Repository %s", repo);
	r->account = xstrdup(account);
	const char *sec = r->section;
	struct imap_settings *s = &r->settings;
	const char *v;
	bool b;
	long n;

	for (size_t i = 0; i < ARRAY_SIZE(eval_options); i++) {
		if (config_has_option(cfg, sec, eval_options[i])) {
			*err_r = xasprintf(
				"%s:%u: [%s] %s: Python expressions are not "
				"supported by this build yet; set the plain "
				"option instead", config_filename(cfg),
				config_line(cfg, sec, eval_options[i]), sec,
				eval_options[i]);
			return -1;
		}
	}

	s->repo = repo;
	if (get_string(cfg, sec, "remotehost", &r->host, err_r) < 0 ||
	    get_string(cfg, sec, "remoteuser", &r->user, err_r) < 0 ||
	    get_string(cfg, sec, "preauthtunnel", &r->tunnel, err_r) < 0 ||
	    config_get_path(cfg, sec, "sslcacertfile", &r->cafile, err_r) < 0 ||
	    config_get_path(cfg, sec, "remotepassfile", &r->passfile,
			    err_r) < 0 ||
	    config_get_list(cfg, sec, "cert_fingerprint", &r->fingerprints,
			    err_r) < 0 ||
	    config_get_list(cfg, sec, "auth_mechanisms", &r->mechanisms,
			    err_r) < 0 ||
	    config_get(cfg, sec, "remotepass", &r->pass, err_r) < 0)
		return -1;
	s->host = r->host;
	s->user = r->user;
	s->tunnel = r->tunnel;
	s->cafile = r->cafile;
	s->fingerprints = (const char *const *)r->fingerprints;
	s->auth_mechanisms = (const char *const *)r->mechanisms;

	v = NULL;
	if (config_get(cfg, sec, "reference", &v, err_r) < 0)
		return -1;
	r->reference = unquote_reference(v ? v : "\"\"");
	s->reference = r->reference;

	b = false;
	if (config_get_bool(cfg, sec, "ssl", &b, err_r) < 0)
		return -1;
	s->ssl = b;
	s->starttls = IMAP_STARTTLS_AUTO;
	int has = config_get_bool(cfg, sec, "starttls", &b, err_r);
	if (has < 0)
		return -1;
	if (has > 0)
		s->starttls = b ? IMAP_STARTTLS_YES : IMAP_STARTTLS_NO;

	n = 0;
	if (config_get_int(cfg, sec, "remoteport", &n, err_r) < 0)
		return -1;
	s->port = (int)n;
	n = 0;
	int t = config_get_int(cfg, sec, "socktimeout", &n, err_r);
	if (t == 0)
		t = config_get_int(cfg, "general", "socktimeout", &n, err_r);
	if (t < 0)
		return -1;
	s->socktimeout = (int)n;
	return 0;
}

void remote_repo_release(struct remote_repo *r)
{
	free(r->section);
	free(r->account);
	free(r->host);
	free(r->user);
	free(r->tunnel);
	free(r->cafile);
	free(r->reference);
	free(r->passfile);
	strv_free(&r->fingerprints);
	strv_free(&r->mechanisms);
	memset(r, 0, sizeof(*r));
}

/* remotepassfile: the first line, stripped (SPEC 2.2). */
static int read_passfile(const char *path, char **password_r, char **err_r)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*err_r = sys_errmsg("cannot read remotepassfile %s", path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len = getline(&line, &cap, f);
	fclose(f);
	if (len < 0) {
		free(line);
		line = xstrdup("");
	}
	*password_r = xstrdup(strip(line));
	explicit_bzero(line, cap);
	free(line);
	return 0;
}

/* The client's password callback.  The configured password is offered
 * first; after a rejection (errtext set) only the UI can help. */
static int get_password(void *arg, const char *errtext, char **password_r,
			char **err_r)
{
	struct remote_repo *r = arg;

	if (!errtext) {
		if (r->pass) {
			*password_r = xstrdup(r->pass);
			return 0;
		}
		if (r->passfile)
			return read_passfile(r->passfile, password_r, err_r);
	}
	r->prompts++;
	return ui_getpass(r->settings.repo, errtext, password_r, err_r);
}

int remote_repo_connect(struct remote_repo *r, struct imap_client **c_r,
			char **err_r)
{
	char *complaint = NULL;

	r->settings.get_password = get_password;
	r->settings.password_arg = r;
	for (int attempt = 0;; attempt++) {
		char *err = NULL;
		int rc = imap_client_open(&r->settings, complaint, c_r, &err);
		if (rc == IMAP_OK) {
			free(complaint);
			return 0;
		}
		if (rc != IMAP_EAUTH || attempt >= 3) {
			*err_r = err;
			free(complaint);
			return -1;
		}
		free(complaint);
		complaint = err;
	}
}
