/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMAP repository settings from the configuration (TLS options included,
 * with their start-up checks), password sources and the login loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgexpr.h"
#include "config.h"
#include "profile.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

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

static char *option_error(const struct config *cfg, const char *sec,
			  const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "<file>:<line>: [<section>] <option>: <problem>", as config.c words
 * its errors. */
static char *option_error(const struct config *cfg, const char *sec,
			  const char *opt, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *problem = xvasprintf(fmt, ap);
	va_end(ap);
	unsigned line = config_line(cfg, sec, opt);
	char *where = line ? xasprintf("%s:%u", config_filename(cfg), line)
			   : xstrdup("command line");
	char *msg = xasprintf("%s: [%s] %s: %s", where, sec, opt, problem);
	free(where);
	free(problem);
	return msg;
}

/* sslclientcert and sslclientkey of `sec`: both or neither, readable, and
 * belonging together.  The malloc'd paths go to *cert_r and *key_r (NULL
 * when unset) even on failure. */
static int client_cert_paths(const struct config *cfg, const char *sec,
			     char **cert_r, char **key_r, char **err_r)
{
	*cert_r = *key_r = NULL;
	if (config_get_path(cfg, sec, "sslclientcert", cert_r, err_r) < 0 ||
	    config_get_path(cfg, sec, "sslclientkey", key_r, err_r) < 0)
		return -1;
	if (!*cert_r && !*key_r)
		return 0;
	if (!*cert_r || !*key_r) {
		const char *set = *cert_r ? "sslclientcert" : "sslclientkey";
		const char *unset = *cert_r ? "sslclientkey" : "sslclientcert";
		*err_r = option_error(cfg, sec, set, "%s is not set: a client "
				      "certificate needs both", unset);
		return -1;
	}
	bool key_fault = false;
	char *e = NULL;
	if (tls_check_client_cert(*cert_r, *key_r, &key_fault, &e) < 0) {
		*err_r = option_error(cfg, sec, key_fault ? "sslclientkey"
					 : "sslclientcert", "%s", e);
		free(e);
		return -1;
	}
	return 0;
}

/* Option `opt` of `sec`, white space stripped, malloc'd into *value_r
 * (NULL when unset). */
static int get_word(const struct config *cfg, const char *sec,
		    const char *opt, char **value_r, char **err_r)
{
	const char *v = NULL;
	*value_r = NULL;
	int r = config_get(cfg, sec, opt, &v, err_r);
	if (r > 0)
		*value_r = strip(xstrdup(v));
	return r;
}

/* tls_level and ssl_version of `sec` into the settings (config_validate
 * has checked them; this is for callers that did not run it). */
static int tls_versions(const struct config *cfg, const char *sec,
			struct imap_settings *s, char **err_r)
{
	char *level = NULL, *version = NULL;
	int ret = -1;

	s->tls_level = TLS_LEVEL_DEFAULT;
	s->tls_version = TLS_VERSION_ANY;
	if (get_word(cfg, sec, "tls_level", &level, err_r) < 0 ||
	    get_word(cfg, sec, "ssl_version", &version, err_r) < 0)
		goto out;
	if (level && tls_level_parse(level, &s->tls_level) < 0) {
		*err_r = option_error(cfg, sec, "tls_level", "unknown level "
				      "'%s' (use tls_secure, tls_no_ssl or "
				      "tls_compat)", level);
		goto out;
	}
	if (version && tls_version_parse(version, &s->tls_version) < 0) {
		*err_r = option_error(cfg, sec, "ssl_version", "unknown "
				      "version '%s' (use tls1, tls1_1, tls1_2 "
				      "or tls1_3)", version);
		goto out;
	}
	const char *why = tls_level_version_conflict(s->tls_level,
						     s->tls_version);
	if (why) {
		*err_r = option_error(cfg, sec, "ssl_version", "conflicts "
				      "with tls_level: %s", why);
		goto out;
	}
	ret = 0;
out:
	free(level);
	free(version);
	return ret;
}

int remote_preflight(const struct config *cfg, const char *const *accounts,
		     char **err_r)
{
	static const char *const sides[] = { "localrepository",
					     "remoterepository" };
	for (const char *const *a = accounts; *a; a++) {
		char *asec = xasprintf("Account %s", *a);
		int ret = 0;
		for (size_t i = 0; i < ARRAY_SIZE(sides) && !ret; i++) {
			const char *repo = NULL, *type = NULL;
			if (config_get(cfg, asec, sides[i], &repo, err_r) < 0) {
				ret = -1;
				break;
			}
			if (!repo)
				continue;
			char *sec = xasprintf("Repository %s", repo);
			char *cert = NULL, *key = NULL;
			if (config_get(cfg, sec, "type", &type, err_r) < 0)
				ret = -1;
			else if (type && strcmp(type, "IMAP") == 0)
				ret = client_cert_paths(cfg, sec, &cert, &key,
							err_r);
			free(cert);
			free(key);
			free(sec);
		}
		free(asec);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* The *eval options (SPEC 2.3), compiled at start-up by cfgexpr.c, take
 * precedence over their plain twins; they are evaluated when the
 * repository is set up, as 4.0 does. */
static int eval_overrides(struct remote_repo *r, const char *sec,
			  char **err_r)
{
	const struct pyexpr *e;
	char *v = NULL;

	if ((e = cfgexpr_get(sec, "remotehosteval"))) {
		if (pyexpr_get_string(e, &v, err_r) < 0)
			return -1;
		free(r->host);
		r->host = v;
		r->settings.host = v;
	}
	if ((e = cfgexpr_get(sec, "remoteusereval"))) {
		if (pyexpr_get_string(e, &v, err_r) < 0)
			return -1;
		free(r->user);
		r->user = v;
		r->settings.user = v;
	}
	if ((e = cfgexpr_get(sec, "remotepasseval"))) {
		if (pyexpr_get_string(e, &v, err_r) < 0)
			return -1;
		secret_free(&r->evalpass);
		r->evalpass = v;
		ui_register_secret(v);
	}
	if ((e = cfgexpr_get(sec, "remoteporteval"))) {
		long port;
		if (pyexpr_get_int(e, &port, err_r) < 0)
			return -1;
		if (port < 1 || port > 65535) {
			*err_r = xasprintf("[%s] remoteporteval: %ld is not a "
					   "TCP port", sec, port);
			return -1;
		}
		r->settings.port = (int)port;
	}
	return 0;
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
	if (client_cert_paths(cfg, sec, &r->client_cert, &r->client_key,
			      err_r) < 0 ||
	    tls_versions(cfg, sec, s, err_r) < 0)
		return -1;
	s->client_cert = r->client_cert;
	s->client_key = r->client_key;
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
	/* Last, so that the *eval options win over the plain ones. */
	return eval_overrides(r, sec, err_r);
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
	secret_free(&r->evalpass);
	free(r->client_cert);
	free(r->client_key);
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
		if (r->evalpass) {
			*password_r = xstrdup(r->evalpass);
			return 0;
		}
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
	struct profile_mark m;

	r->settings.get_password = get_password;
	r->settings.password_arg = r;
	profile_begin(&m);
	for (int attempt = 0;; attempt++) {
		char *err = NULL;
		int rc = imap_client_open(&r->settings, complaint, c_r, &err);
		if (rc == IMAP_OK) {
			profile_end(&m, "connect");
			free(complaint);
			return 0;
		}
		if (rc != IMAP_EAUTH || attempt >= 3) {
			profile_end(&m, "connect (failed)");
			*err_r = err;
			free(complaint);
			return -1;
		}
		free(complaint);
		complaint = err;
	}
}
