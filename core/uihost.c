/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UI host: loads one UI plugin, names threads, formats the standard
 * event texts, masks secrets, keeps the per-thread debug ring and the -l
 * log file, and serialises every call into the plugin with one mutex. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ui.h"
#include "util.h"

#ifndef OI_VERSION
#define OI_VERSION "0.0.0"
#endif
#ifndef OI_UIDIR
#define OI_UIDIR "/usr/local/lib/offlineimap/ui"
#endif

#define PRODUCT "OfflineIMAP"
#define COPYRIGHT "Copyright (C) 2026 the offlineimap-c developers"
#define CONTROL_ACCOUNT "*Control"
#define MASK_TEXT "<password hidden>"
#define RING_SIZE 50
/* A debug message can hold a whole mail (header insertion traces); the
 * ring keeps at most this much of each so 50 of them stay small. */
#define RING_ENTRY_MAX 4096
/* How long uihost_close and ui_terminate wait for the callback mutex before
 * assuming a callback is stuck (a password prompt when a signal arrives). */
#define STUCK_SECONDS 3

/* Every event callback of struct oi_ui_plugin with the ABI minor that
 * introduced it; the host never calls a member newer than the plugin. */
#define UI_EVENT_CALLBACKS(X) \
	X(init_banner, 0) X(debugging, 0) X(invaliddebug, 0) X(debug, 0) \
	X(warn, 0) X(error, 0) X(info, 0) X(registerthread, 0) \
	X(unregisterthread, 0) X(connecting, 0) X(acct, 0) X(acctdone, 0) \
	X(syncfolders, 0) X(syncingfolder, 0) X(validityproblem, 0) \
	X(loadmessagelist, 0) X(messagelistloaded, 0) X(syncingmessages, 0) \
	X(copyingmessage, 0) X(deletingmessages, 0) X(addingflags, 0) \
	X(deletingflags, 0) X(msgtoreadonly, 0) X(flagstoreadonly, 0) \
	X(deletereadonly, 0) X(sleep, 0) X(sleeping, 0) X(threadexited, 0) \
	X(threadexception, 0) X(mainexception, 0) X(terminate, 0)

enum ui_cb {
#define X(name, minor) UI_CB_##name,
	UI_EVENT_CALLBACKS(X)
#undef X
};

typedef void (*ui_event_fn)(void *ctx, const struct oi_ui_event *ev);

/* Debug categories: bit, -d name, description ("Now debugging for ..."). */
static const struct debug_type {
	unsigned bit;
	const char *name;
	const char *description;
} debug_types[] = {
	{ OI_DEBUG_IMAP, "imap", "IMAP protocol debugging" },
	{ OI_DEBUG_MAILDIR, "maildir", "Maildir repository debugging" },
	{ OI_DEBUG_THREAD, "thread", "Threading debugging" },
};

/* The stock UIs: canonical name, lower-case alias, file. */
static const struct ui_name {
	const char *canonical, *alias, *file;
} stock_uis[] = {
	{ "Curses.Blinkenlights", "blinkenlights", "blinkenlights.so" },
	{ "TTY.TTYUI", "ttyui", "ttyui.so" },
	{ "Noninteractive.Basic", "basic", "basic.so" },
	{ "Noninteractive.Quiet", "quiet", "quiet.so" },
};
static const char *const tk_uis[] = {
	"Tk.Blinkenlights", "Tk.VerboseUI", "Tk.TkUI",
};

/* A line a plugin logged through host->log while inside one of its own
 * callbacks; delivered once that callback has returned. */
struct pending_log {
	struct pending_log *next;
	char *text;
};

/* What the host knows about one thread. */
struct uithread {
	char *name;
	char *account;			/* NULL = "*Control" */
	unsigned id;
	bool is_main;
	int in_callback;		/* plugin calls active on this thread */
	struct pending_log *pending, **pending_tail;
	pthread_mutex_t ring_lock;	/* the main ring is read by others */
	char *ring[RING_SIZE];
	size_t ring_start, ring_len;
};

/* A thread waiting in ui_sleep. */
struct sleeper {
	struct sleeper *next;
	const char *account;
	int result;
};

/* A thread waiting in ui_getpass. */
struct pass_request {
	struct pass_request *next;
	unsigned id;
	bool done;
	char *password;
	char *reason;
};

/* Lock order: ui_lock, then state_lock; secrets_lock and each ring_lock are
 * leaves.  ui_lock is recursive so a plugin may call host services from
 * inside its callbacks. */
static pthread_mutex_t ui_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* Under ui_lock. */
static const struct oi_ui_plugin *plugin;
static void *plugin_ctx;
static void *plugin_handle;
static char *plugin_path;
static const struct config *plugin_cfg;
static char **plugin_accounts;
static FILE *logfile;

/* Read by every debug call, so it must not wait for the callback lock
 * (a password prompt can hold it for long). */
static atomic_uint debug_mask;

static atomic_int stderr_redirected;
static atomic_flag emergency_closed = ATOMIC_FLAG_INIT;

/* Under state_lock: thread ids, sleepers, password requests, quit. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;
static unsigned char *ids_used;
static size_t ids_cap;
static struct sleeper *sleepers;
static struct pass_request *pass_requests;
static unsigned next_request_id;
static bool quit_requested;
static int quit_status;

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;			/* longest first */
static size_t n_secrets;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static _Thread_local struct uithread *self;
static struct uithread *main_thread;	/* under state_lock */

static void host_log(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void host_request_quit(int status);
static void host_request_sync_now(const char *account);
static void host_answer_password(unsigned request, const char *password,
				 const char *reason);
static const char *host_config_get(const char *option);
static const char *const *host_accounts(void);
static int host_stderr_is_logfile(void);

static const struct oi_ui_host host_services = {
	.abi_version = OI_UI_ABI_VERSION,
	.product = PRODUCT,
	.version = OI_VERSION,
	.copyright = COPYRIGHT,
	.log = host_log,
	.request_quit = host_request_quit,
	.request_sync_now = host_request_sync_now,
	.answer_password = host_answer_password,
	.config_get = host_config_get,
	.accounts = host_accounts,
	.stderr_is_logfile = host_stderr_is_logfile,
};

/* ------------------------------------------------------------------ */
/* Secrets */

static void wipe_secrets(void)
{
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < n_secrets; i++)
		secret_free(&secrets[i]);
	FREE(&secrets);
	n_secrets = 0;
	pthread_mutex_unlock(&secrets_lock);
}

static void thread_destructor(void *p);

static void host_init(void)
{
	if (pthread_key_create(&thread_key, thread_destructor) != 0)
		abort();
	atexit(wipe_secrets);
}

static void ensure_init(void)
{
	pthread_once(&init_once, host_init);
}

void ui_register_secret(const char *secret)
{
	if (!secret || !*secret)
		return;
	ensure_init();
	size_t len = strlen(secret);
	pthread_mutex_lock(&secrets_lock);
	size_t pos = n_secrets;
	for (size_t i = 0; i < n_secrets; i++) {
		size_t l = strlen(secrets[i]);
		if (l == len && strcmp(secrets[i], secret) == 0)
			goto out;
		/* Longest first, so a secret containing another is masked
		 * whole. */
		if (l < len && pos == n_secrets)
			pos = i;
	}
	secrets = xrealloc(secrets, (n_secrets + 1) * sizeof(*secrets));
	memmove(secrets + pos + 1, secrets + pos,
		(n_secrets - pos) * sizeof(*secrets));
	secrets[pos] = xstrdup(secret);
	n_secrets++;
out:
	pthread_mutex_unlock(&secrets_lock);
}

/* A malloc'd copy of `s` with every registered secret replaced. */
static char *mask_dup(const char *s)
{
	pthread_mutex_lock(&secrets_lock);
	bool any = false;
	for (size_t i = 0; i < n_secrets && !any; i++)
		any = strstr(s, secrets[i]) != NULL;
	if (!any) {
		pthread_mutex_unlock(&secrets_lock);
		return xstrdup(s);
	}
	struct strbuf sb;
	strbuf_init(&sb);
	const char *run = s, *p = s;
	while (*p) {
		size_t hit = 0;
		for (size_t i = 0; i < n_secrets; i++) {
			size_t l = strlen(secrets[i]);
			if (p[0] == secrets[i][0] &&
			    strncmp(p, secrets[i], l) == 0) {
				hit = l;
				break;
			}
		}
		if (!hit) {
			p++;
			continue;
		}
		strbuf_add(&sb, run, (size_t)(p - run));
		strbuf_addstr(&sb, MASK_TEXT);
		p += hit;
		run = p;
	}
	strbuf_addstr(&sb, run);
	pthread_mutex_unlock(&secrets_lock);
	return strbuf_detach(&sb);
}

static char *mask_dup_or_null(const char *s)
{
	return s ? mask_dup(s) : NULL;
}

/* ------------------------------------------------------------------ */
/* Threads */

static unsigned id_alloc(bool is_main)
{
	unsigned id = 0;
	pthread_mutex_lock(&state_lock);
	if (!ids_cap) {
		ids_cap = 16;
		ids_used = xcalloc(ids_cap, 1);
		ids_used[0] = 1;	/* 0 belongs to the main thread */
	}
	if (!is_main) {
		for (id = 1; id < ids_cap && ids_used[id]; id++)
			;
		if (id == ids_cap) {
			ids_used = xrealloc(ids_used, ids_cap * 2);
			memset(ids_used + ids_cap, 0, ids_cap);
			ids_cap *= 2;
		}
		ids_used[id] = 1;
	}
	pthread_mutex_unlock(&state_lock);
	return id;
}

static void id_release(unsigned id)
{
	if (id == 0)
		return;
	pthread_mutex_lock(&state_lock);
	if (id < ids_cap)
		ids_used[id] = 0;
	pthread_mutex_unlock(&state_lock);
}

static struct uithread *uithread_new(bool is_main)
{
	struct uithread *t = xcalloc(1, sizeof(*t));
	t->is_main = is_main;
	t->id = id_alloc(is_main);
	t->name = is_main ? xstrdup("MainThread")
			  : xasprintf("Thread-%u", t->id);
	t->pending_tail = &t->pending;
	pthread_mutex_init(&t->ring_lock, NULL);
	return t;
}

static void uithread_free(struct uithread *t)
{
	for (size_t i = 0; i < RING_SIZE; i++)
		free(t->ring[i]);
	while (t->pending) {
		struct pending_log *p = t->pending;
		t->pending = p->next;
		free(p->text);
		free(p);
	}
	pthread_mutex_destroy(&t->ring_lock);
	id_release(t->id);
	free(t->name);
	free(t->account);
	free(t);
}

/* A thread that ended without ui_thread_end (or never called
 * ui_thread_begin but reported something) frees its record here. */
static void thread_destructor(void *p)
{
	struct uithread *t = p;
	if (t == self)
		self = NULL;
	uithread_free(t);
}

/* The calling thread's record, created on first use. */
static struct uithread *current(void)
{
	if (self)
		return self;
	ensure_init();
	if (gettid() == getpid()) {
		pthread_mutex_lock(&state_lock);
		struct uithread *m = main_thread;
		pthread_mutex_unlock(&state_lock);
		if (!m) {
			m = uithread_new(true);
			pthread_mutex_lock(&state_lock);
			main_thread = m;
			pthread_mutex_unlock(&state_lock);
		}
		self = m;
		return m;
	}
	self = uithread_new(false);
	pthread_setspecific(thread_key, self);
	return self;
}

const char *ui_thread_name(void)
{
	return current()->name;
}

static const char *thread_account(const struct uithread *t)
{
	return t->account ? t->account : CONTROL_ACCOUNT;
}

/* ------------------------------------------------------------------ */
/* Dispatch */

static ui_event_fn plugin_callback(enum ui_cb cb)
{
	ui_event_fn fn = NULL;
	unsigned minor = 0;

	switch (cb) {
#define X(name, since) \
	case UI_CB_##name: fn = plugin->name; minor = since; break;
	UI_EVENT_CALLBACKS(X)
#undef X
	}
	if (OI_UI_ABI_GET_MINOR(plugin->abi_version) < minor)
		return NULL;
	return fn;
}

static bool level_shown(int level, int verbosity)
{
	return level == OI_UI_ALWAYS || level <= verbosity;
}

/* Under ui_lock: "<THREADNAME>: <line>" for every line of text. */
static void logfile_write(const char *thread, const char *text)
{
	if (!logfile)
		return;
	const char *p = text;
	do {
		size_t n = strcspn(p, "\n");
		fprintf(logfile, "%s: %.*s\n", thread, (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	} while (*p);
}

/* Under ui_lock, no plugin: the built-in logger keeps messages visible
 * before a UI is open and after it is closed. */
static void builtin_show(enum ui_cb cb, const struct oi_ui_event *ev)
{
	if (cb == UI_CB_terminate) {
		if (!ev->text)
			return;
		if (ev->title)
			fprintf(stderr, "ERROR: %s\n\n%s\n", ev->title,
				ev->text);
		else
			fprintf(stderr, "%s\n", ev->text);
		return;
	}
	if (!ev->text || cb == UI_CB_sleep || cb == UI_CB_sleeping)
		return;
	fprintf(stderr, "%s\n", ev->text);
}

static void fill_thread(struct oi_ui_event *ev, const struct uithread *t)
{
	ev->thread = t->name;
	ev->is_main = t->is_main;
	ev->thread_id = t->id;
	if (!ev->account)
		ev->account = thread_account(t);
}

static void drain_pending(struct uithread *t);

/* Under ui_lock with a plugin. */
static void call_plugin(struct uithread *t, ui_event_fn fn,
			const struct oi_ui_event *ev)
{
	t->in_callback++;
	fn(plugin_ctx, ev);
	t->in_callback--;
	if (!t->in_callback)
		drain_pending(t);
}

/* Under ui_lock: filter, log, then show through the plugin or the
 * built-in logger.  `to_log` false keeps the text out of the -l file. */
static void dispatch_locked(struct uithread *t, enum ui_cb cb,
			    const struct oi_ui_event *ev, bool to_log)
{
	int verbosity = plugin ? plugin->verbosity : 0;
	if (!level_shown(ev->level, verbosity))
		return;
	ui_event_fn fn = plugin ? plugin_callback(cb) : NULL;
	if (to_log && ev->text && (fn || !plugin))
		logfile_write(t->name, ev->text);
	if (fn)
		call_plugin(t, fn, ev);
	else if (!plugin)
		builtin_show(cb, ev);
}

/* Mask, fill in the thread, and dispatch.  ev->text and ev->title are
 * masked copies for the duration of the call. */
static void emit_ex(enum ui_cb cb, struct oi_ui_event *ev, bool to_log)
{
	struct uithread *t = current();
	char *text = mask_dup_or_null(ev->text);
	char *title = mask_dup_or_null(ev->title);

	ev->text = text;
	ev->title = title;
	fill_thread(ev, t);
	pthread_mutex_lock(&ui_lock);
	dispatch_locked(t, cb, ev, to_log);
	pthread_mutex_unlock(&ui_lock);
	free(text);
	free(title);
}

static void emit(enum ui_cb cb, struct oi_ui_event *ev)
{
	emit_ex(cb, ev, true);
}

/* Emit with a malloc'd text that this function frees. */
static void emit_text(enum ui_cb cb, int level, char *text,
		      struct oi_ui_event *ev)
{
	struct oi_ui_event local = { 0 };
	if (!ev)
		ev = &local;
	ev->level = level;
	ev->text = text;
	emit(cb, ev);
	free(text);
}

/* Under ui_lock: deliver what the plugin logged through host->log while
 * inside its callbacks, now that no callback of it runs on this thread.
 * The bound stops a plugin that logs from its info callback for ever. */
static void drain_pending(struct uithread *t)
{
	for (int rounds = 0; t->pending && rounds < 1000; rounds++) {
		struct pending_log *p = t->pending;
		t->pending = p->next;
		if (!t->pending)
			t->pending_tail = &t->pending;
		struct oi_ui_event ev = { .level = OI_UI_ALWAYS,
					  .text = p->text };
		fill_thread(&ev, t);
		dispatch_locked(t, UI_CB_info, &ev, true);
		free(p->text);
		free(p);
	}
}

/* ------------------------------------------------------------------ */
/* Host services */

static void host_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);

	struct uithread *t = current();
	if (t->in_callback) {
		/* Only this thread touches its own pending list. */
		struct pending_log *p = xmalloc(sizeof(*p));
		p->next = NULL;
		p->text = mask_dup(msg);
		free(msg);
		*t->pending_tail = p;
		t->pending_tail = &p->next;
		return;
	}
	emit_text(UI_CB_info, OI_UI_ALWAYS, msg, NULL);
}

static void host_request_quit(int status)
{
	ui_request_quit(status);
}

static void host_request_sync_now(const char *account)
{
	ui_request_sync_now(account);
}

static void host_answer_password(unsigned request, const char *password,
				 const char *reason)
{
	if (password)
		ui_register_secret(password);
	pthread_mutex_lock(&state_lock);
	for (struct pass_request *r = pass_requests; r; r = r->next) {
		if (r->id != request || r->done)
			continue;
		r->done = true;
		if (password)
			r->password = xstrdup(password);
		else
			r->reason = xstrdup(reason && *reason ? reason :
					    "the user interface refused to "
					    "ask for a password");
		pthread_cond_broadcast(&state_cond);
		break;
	}
	pthread_mutex_unlock(&state_lock);
}

static const char *host_config_get(const char *option)
{
	const char *value = NULL;
	char *err = NULL;

	pthread_mutex_lock(&ui_lock);
	if (plugin_cfg && plugin && option) {
		char *section = xasprintf("ui.%s", plugin->name);
		if (config_get(plugin_cfg, section, option, &value, &err) <= 0)
			value = NULL;
		free(err);
		free(section);
	}
	pthread_mutex_unlock(&ui_lock);
	return value;
}

static const char *const *host_accounts(void)
{
	static const char *const none[] = { NULL };
	const char *const *a;

	pthread_mutex_lock(&ui_lock);
	a = plugin_accounts ? (const char *const *)plugin_accounts : none;
	pthread_mutex_unlock(&ui_lock);
	return a;
}

static int host_stderr_is_logfile(void)
{
	return atomic_load(&stderr_redirected);
}

/* ------------------------------------------------------------------ */
/* Loading */

/* Append to a NULL-terminated malloc'd vector of n strings. */
static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* The directories searched for plugin files, in order, NULL-terminated. */
static char **search_dirs(void)
{
	char **dirs = NULL;
	size_t n = 0;
	const char *env = getenv("OFFLINEIMAP_UI_PATH");

	if (env) {
		char *copy = xstrdup(env), *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d;
		     d = strtok_r(NULL, ":", &save))
			strv_push(&dirs, &n, xstrdup(d));
		free(copy);
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			strv_push(&dirs, &n, xasprintf("%s/ui", exe));
			/* An installed tree that was moved, or staged with
			 * DESTDIR: <prefix>/bin next to <prefix>/lib. */
			strv_push(&dirs, &n, xasprintf(
				"%s/../lib/offlineimap/ui", exe));
		}
	}
	strv_push(&dirs, &n, xstrdup(OI_UIDIR));
	return dirs;
}

static bool valid_ui_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return false;
	return true;
}

static char *lowercase(const char *s)
{
	char *l = xstrdup(s);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

/* Map a UI name to up to two candidate file names (malloc'd); returns how
 * many, or 0 with *why_r (static) when the name cannot be a plugin. */
static size_t resolve_name(const char *name, char *files_r[2],
			   const char **why_r, bool *silent_r)
{
	*silent_r = false;
	for (size_t i = 0; i < ARRAY_SIZE(stock_uis); i++) {
		if (strcmp(name, stock_uis[i].canonical) == 0 ||
		    strcmp(name, stock_uis[i].alias) == 0) {
			files_r[0] = xstrdup(stock_uis[i].file);
			return 1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(tk_uis); i++) {
		if (strcmp(name, tk_uis[i]) == 0) {
			*why_r = "graphical Tk UIs are not part of this "
				 "program";
			*silent_r = true;
			return 0;
		}
	}
	if (!valid_ui_name(name)) {
		*why_r = "not a valid UI name (letters, digits, '_', '.' "
			 "and '-' only)";
		return 0;
	}
	char *lower = lowercase(name);
	files_r[0] = xasprintf("%s.so", lower);
	const char *dot = strrchr(lower, '.');
	size_t n = 1;
	if (dot && dot[1]) {
		files_r[1] = xasprintf("%s.so", dot + 1);
		n = 2;
	}
	free(lower);
	return n;
}

/* Find the first of `files` in `dirs`; returns the malloc'd path or NULL
 * with *why_r (malloc'd). */
static char *find_plugin(char **files, size_t n_files, char **dirs,
			 char **why_r)
{
	for (size_t f = 0; f < n_files; f++) {
		for (char **d = dirs; *d; d++) {
			char *path = xasprintf("%s/%s", *d, files[f]);
			if (access(path, F_OK) == 0)
				return path;
			free(path);
		}
	}
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "no plugin file %s", files[0]);
	if (n_files > 1)
		strbuf_addf(&sb, " or %s", files[1]);
	strbuf_addstr(&sb, " in ");
	for (char **d = dirs; *d; d++)
		strbuf_addf(&sb, "%s%s", d == dirs ? "" : ":", *d);
	*why_r = strbuf_detach(&sb);
	return NULL;
}

static const char *missing_mandatory(const struct oi_ui_plugin *p)
{
	if (!p->isusable)
		return "isusable";
	if (!p->open)
		return "open";
	if (!p->close)
		return "close";
	if (!p->warn)
		return "warn";
	if (!p->error)
		return "error";
	if (!p->terminate)
		return "terminate";
	return NULL;
}

/* dlopen `path`, find the symbol and check the ABI.  Returns the handle
 * and *plugin_r, or NULL with *why_r (malloc'd). */
static void *load_plugin(const char *path, const struct oi_ui_plugin **p_r,
			 char **why_r)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		*why_r = xasprintf("cannot load plugin: %s",
				   e ? e : path);
		return NULL;
	}
	const struct oi_ui_plugin *p = dlsym(h, OI_UI_PLUGIN_SYMBOL);
	if (!p) {
		*why_r = xasprintf("plugin %s does not export the symbol %s",
				   path, OI_UI_PLUGIN_SYMBOL);
		goto fail;
	}
	if (OI_UI_ABI_GET_MAJOR(p->abi_version) != OI_UI_ABI_MAJOR) {
		*why_r = xasprintf("plugin %s has UI ABI %u.%u, this program "
				   "needs %u.x", path,
				   OI_UI_ABI_GET_MAJOR(p->abi_version),
				   OI_UI_ABI_GET_MINOR(p->abi_version),
				   (unsigned)OI_UI_ABI_MAJOR);
		goto fail;
	}
	const char *missing = missing_mandatory(p);
	if (missing || !p->name) {
		*why_r = xasprintf("plugin %s (symbol %s) lacks the mandatory "
				   "member %s", path, OI_UI_PLUGIN_SYMBOL,
				   missing ? missing : "name");
		goto fail;
	}
	*p_r = p;
	return h;
fail:
	dlclose(h);
	return NULL;
}

/* Under ui_lock: try one candidate name.  Returns 0 when it is open, -1
 * with *why_r (malloc'd) and *silent_r. */
static int try_ui(const char *name, char **dirs, const struct config *cfg,
		  const char *const *accounts, char **why_r, bool *silent_r)
{
	char *files[2] = { NULL, NULL };
	const char *why = NULL;
	size_t n_files = resolve_name(name, files, &why, silent_r);
	if (!n_files) {
		*why_r = xstrdup(why);
		return -1;
	}
	char *path = find_plugin(files, n_files, dirs, why_r);
	free(files[0]);
	free(files[1]);
	if (!path)
		return -1;

	const struct oi_ui_plugin *p = NULL;
	void *h = load_plugin(path, &p, why_r);
	if (!h) {
		free(path);
		return -1;
	}

	/* isusable and open may call host services (config_get,
	 * accounts): make them answer for this candidate. */
	plugin_cfg = cfg;
	size_t n = 0;
	while (accounts && accounts[n])
		n++;
	plugin_accounts = xcalloc(n + 1, sizeof(*plugin_accounts));
	for (size_t i = 0; i < n; i++)
		plugin_accounts[i] = xstrdup(accounts[i]);
	plugin = p;

	/* Lines the plugin logs before it is open wait in the pending
	 * list (as if inside a callback): they go to the plugin once open
	 * succeeded, else to the built-in logger. */
	struct uithread *t = current();
	const char *msg = NULL;
	void *ctx = NULL;
	t->in_callback++;
	int usable = p->isusable(&host_services, &msg);
	if (!usable) {
		t->in_callback--;
		*why_r = xstrdup(msg ? msg : "it is not usable here");
		goto fail;
	}
	msg = NULL;
	int opened = p->open(&host_services, &ctx, &msg);
	t->in_callback--;
	if (opened < 0) {
		*why_r = xasprintf("cannot start: %s",
				   msg ? msg : "unknown error");
		goto fail;
	}
	plugin_ctx = ctx;
	plugin_handle = h;
	plugin_path = path;
	if (!t->in_callback)
		drain_pending(t);
	return 0;
fail:
	plugin = NULL;
	if (!t->in_callback)
		drain_pending(t);
	strv_free(&plugin_accounts);
	plugin_cfg = NULL;
	dlclose(h);
	free(path);
	return -1;
}

static void close_plugin(void);

int uihost_select(const char *const *names, size_t n_names, bool forced,
		  const struct config *cfg, const char *const *accounts)
{
	ensure_init();
	close_plugin();

	pthread_mutex_lock(&ui_lock);
	char **dirs = search_dirs();
	int rc = -1;
	for (size_t i = 0; i < n_names; i++) {
		char *why = NULL;
		bool silent = false;
		if (try_ui(names[i], dirs, cfg, accounts, &why, &silent) == 0) {
			rc = 0;
			break;
		}
		/* Tk names are in the default list of every 4.0 setup:
		 * skipping them is not worth a line unless asked for. */
		if (forced)
			fprintf(stderr, "offlineimap: UI %s cannot be used: "
				"%s\n", names[i], why);
		else if (!silent && i + 1 < n_names)
			fprintf(stderr, "offlineimap: UI %s: %s; trying the "
				"next one\n", names[i], why);
		else if (!silent)
			fprintf(stderr, "offlineimap: UI %s: %s\n", names[i],
				why);
		free(why);
	}
	strv_free(&dirs);
	pthread_mutex_unlock(&ui_lock);
	if (rc < 0)
		fputs("ERROR: No UIs were found usable!\n", stderr);
	return rc;
}

const char *uihost_name(void)
{
	pthread_mutex_lock(&ui_lock);
	const char *n = plugin ? plugin->name : NULL;
	pthread_mutex_unlock(&ui_lock);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(FILE *out, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 4 || strcmp(de->d_name + l - 3, ".so") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		const struct oi_ui_plugin *p = NULL;
		char *why = NULL;
		void *h = load_plugin(path, &p, &why);
		if (h) {
			fprintf(out, "  %s (%s)\n", p->name, path);
			dlclose(h);
		}
		free(why);
		free(path);
		free(names[i]);
	}
	free(names);
}

void uihost_list_plugins(void *out_FILE)
{
	FILE *out = out_FILE;
	char **dirs = search_dirs();
	char **seen = xcalloc(1, sizeof(*seen));
	size_t n_seen = 0;

	for (char **d = dirs; *d; d++) {
		char *real = realpath(*d, NULL);
		if (!real)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n_seen && !dup; i++)
			dup = strcmp(seen[i], real) == 0;
		if (dup) {
			free(real);
			continue;
		}
		seen = xrealloc(seen, (n_seen + 2) * sizeof(*seen));
		seen[n_seen++] = real;
		seen[n_seen] = NULL;
		list_dir(out, *d);
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	strv_free(&dirs);
}

/* ------------------------------------------------------------------ */
/* Log file */

static const char *compiler_string(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "an unknown compiler";
#endif
}

int uihost_open_logfile(const char *path, int argc, char **argv, char **err_r)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		*err_r = sys_errmsg("cannot open log file %s", path);
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);

	struct utsname u;
	fprintf(f, "%s %s\n", PRODUCT, OI_VERSION);
	fprintf(f, "Compiled with %s (C11)\n", compiler_string());
	if (uname(&u) == 0)
		fprintf(f, "Platform: %s %s %s\n", u.sysname, u.release,
			u.machine);
	else
		fputs("Platform: unknown\n", f);
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < argc; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", argv[i]);
	char *args = mask_dup(sb.buf ? sb.buf : "");
	fprintf(f, "Args: %s\n", args);
	free(args);
	strbuf_release(&sb);

	pthread_mutex_lock(&ui_lock);
	if (logfile)
		fclose(logfile);
	logfile = f;
	pthread_mutex_unlock(&ui_lock);
	return 0;
}

void uihost_redirect_stderr(void)
{
	pthread_mutex_lock(&ui_lock);
	if (logfile) {
		fflush(stderr);
		fflush(logfile);
		if (dup2(fileno(logfile), STDERR_FILENO) >= 0)
			atomic_store(&stderr_redirected, 1);
	}
	pthread_mutex_unlock(&ui_lock);
}

/* ------------------------------------------------------------------ */
/* Closing */

/* Take ui_lock, but give up after STUCK_SECONDS: a callback blocked for
 * good (a password prompt when a fatal signal arrives) must not keep the
 * program from restoring the terminal and exiting. */
static bool lock_ui_bounded(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STUCK_SECONDS;
	return pthread_mutex_timedlock(&ui_lock, &ts) == 0;
}

/* Detach, close and unload the plugin; the log file stays open. */
static void close_plugin(void)
{
	if (!lock_ui_bounded()) {
		/* A callback is stuck: restore the terminal without the
		 * lock, once, and leave the library mapped since its code
		 * is still running. */
		const struct oi_ui_plugin *p = plugin;
		if (p && !atomic_flag_test_and_set(&emergency_closed))
			p->close(plugin_ctx);
		return;
	}
	const struct oi_ui_plugin *p = plugin;
	void *ctx = plugin_ctx, *h = plugin_handle;
	/* Detached first: from now on every message, including what the
	 * plugin's own threads log while close() joins them, goes to the
	 * built-in logger instead of waiting for this lock for ever. */
	plugin = NULL;
	plugin_ctx = NULL;
	plugin_handle = NULL;
	pthread_mutex_unlock(&ui_lock);
	if (!p)
		return;

	if (!atomic_flag_test_and_set(&emergency_closed))
		p->close(ctx);
	dlclose(h);

	pthread_mutex_lock(&ui_lock);
	FREE(&plugin_path);
	strv_free(&plugin_accounts);
	plugin_cfg = NULL;
	atomic_flag_clear(&emergency_closed);
	pthread_mutex_unlock(&ui_lock);
}

void uihost_close(void)
{
	close_plugin();
	if (!lock_ui_bounded())
		return;
	if (logfile) {
		fclose(logfile);
		logfile = NULL;
	}
	pthread_mutex_unlock(&ui_lock);
}

/* ------------------------------------------------------------------ */
/* Thread identity */

void ui_thread_begin(const char *name, const char *account)
{
	struct uithread *t = current();
	free(t->name);
	free(t->account);
	t->name = xstrdup(name);
	t->account = account ? xstrdup(account) : NULL;
	struct oi_ui_event ev = { .level = OI_UI_ALWAYS };
	emit_ex(UI_CB_registerthread, &ev, false);
}

void ui_thread_end(void)
{
	struct uithread *t = current();
	if (t->is_main)
		return;
	struct oi_ui_event ev = { .level = OI_UI_ALWAYS };
	emit_ex(UI_CB_threadexited, &ev, false);
	ev = (struct oi_ui_event){ .level = OI_UI_ALWAYS };
	emit_ex(UI_CB_unregisterthread, &ev, false);
	pthread_setspecific(thread_key, NULL);
	self = NULL;
	uithread_free(t);
}

/* ------------------------------------------------------------------ */
/* Messages */

void ui_init_banner(void)
{
	char *text = xasprintf(
		"%s %s\n%s\n"
		"This program comes with ABSOLUTELY NO WARRANTY.  It is free "
		"software,\nand you are welcome to redistribute it under the "
		"terms of the GNU\nGeneral Public License, version 2 or later.",
		PRODUCT, OI_VERSION, COPYRIGHT);
	emit_text(UI_CB_init_banner, OI_UI_NORMAL, text, NULL);
}

static const struct debug_type *debug_type_of(unsigned bits)
{
	for (size_t i = 0; i < ARRAY_SIZE(debug_types); i++)
		if (bits & debug_types[i].bit)
			return &debug_types[i];
	return NULL;
}

bool ui_add_debug(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(debug_types); i++) {
		if (strcmp(type, debug_types[i].name) != 0)
			continue;
		atomic_fetch_or(&debug_mask, debug_types[i].bit);
		struct oi_ui_event ev = { .debug_type = debug_types[i].bit };
		emit_text(UI_CB_debugging, OI_UI_ALWAYS,
			  xasprintf("Now debugging for %s: %s", type,
				    debug_types[i].description), &ev);
		return true;
	}
	emit_text(UI_CB_invaliddebug, OI_UI_ALWAYS,
		  xasprintf("WARNING: Invalid debug type: %s", type), NULL);
	return false;
}

bool ui_debug_enabled(unsigned type)
{
	return (atomic_load(&debug_mask) & type) != 0;
}

static void ring_push(struct uithread *t, const char *type, const char *text)
{
	size_t len = strlen(text);
	char *entry;
	if (len > RING_ENTRY_MAX)
		entry = xasprintf("%s: %.*s [... %zu more bytes]", type,
				  RING_ENTRY_MAX, text, len - RING_ENTRY_MAX);
	else
		entry = xasprintf("%s: %s", type, text);

	pthread_mutex_lock(&t->ring_lock);
	if (t->ring_len == RING_SIZE) {
		free(t->ring[t->ring_start]);
		t->ring[t->ring_start] = entry;
		t->ring_start = (t->ring_start + 1) % RING_SIZE;
	} else {
		t->ring[(t->ring_start + t->ring_len) % RING_SIZE] = entry;
		t->ring_len++;
	}
	pthread_mutex_unlock(&t->ring_lock);
}

void ui_debug(unsigned type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *text = mask_dup(raw);
	explicit_bzero(raw, strlen(raw));
	free(raw);

	struct uithread *t = current();
	const struct debug_type *dt = debug_type_of(type);
	const char *tname = dt ? dt->name : "debug";
	ring_push(t, tname, text);

	if (atomic_load(&debug_mask) & type) {
		pthread_mutex_lock(&ui_lock);
		char *line = xasprintf("DEBUG[%s]: %s", tname, text);
		if (logfile) {
			/* SPEC 7.8: with -l, debug goes to the file only. */
			logfile_write(t->name, line);
		} else {
			struct oi_ui_event ev = {
				.level = OI_UI_ALWAYS,
				.text = line,
				.debug_type = type,
			};
			fill_thread(&ev, t);
			dispatch_locked(t, UI_CB_debug, &ev, false);
		}
		free(line);
		pthread_mutex_unlock(&ui_lock);
	}
	free(text);
}

/* Warnings counted per account, for the end-of-cycle summaries. */
struct warn_count {
	char *account;
	unsigned long n;
	struct warn_count *next;
};
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct warn_count *warn_counts;

static void count_warning(const char *account)
{
	pthread_mutex_lock(&warn_lock);
	struct warn_count *w = warn_counts;
	while (w && strcmp(w->account, account) != 0)
		w = w->next;
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		w->account = xstrdup(account);
		w->next = warn_counts;
		warn_counts = w;
	}
	w->n++;
	pthread_mutex_unlock(&warn_lock);
}

unsigned long ui_warnings_take(const char *account)
{
	unsigned long n = 0;
	pthread_mutex_lock(&warn_lock);
	for (struct warn_count *w = warn_counts; w; w = w->next)
		if (strcmp(w->account, account) == 0) {
			n = w->n;
			w->n = 0;
		}
	pthread_mutex_unlock(&warn_lock);
	return n;
}

void ui_warn(bool minor, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct oi_ui_event ev = { .status = minor ? 1 : 0 };
	count_warning(thread_account(current()));
	emit_text(UI_CB_warn, OI_UI_ALWAYS,
		  xasprintf("%s: %s", minor ? "warning" : "WARNING", msg), &ev);
	free(msg);
}

void ui_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	emit_text(UI_CB_error, OI_UI_ALWAYS, xasprintf("ERROR: %s", msg),
		  NULL);
	free(msg);
}

void ui_info(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	emit_text(UI_CB_info, level, msg, NULL);
}

/* ------------------------------------------------------------------ */
/* Sync events (SPEC 7.2 texts) */

void ui_connecting(const char *host, int port)
{
	struct oi_ui_event ev = { .host = host, .port = port };
	emit_text(UI_CB_connecting, OI_UI_NORMAL,
		  xasprintf("Establishing connection to %s:%d.", host, port),
		  &ev);
}

void ui_acct(const char *account)
{
	struct oi_ui_event ev = { .account = account };
	emit_text(UI_CB_acct, OI_UI_NORMAL,
		  xasprintf("***** Processing account %s", account), &ev);
}

void ui_acctdone(const char *account)
{
	struct oi_ui_event ev = { .account = account };
	emit_text(UI_CB_acctdone, OI_UI_NORMAL,
		  xasprintf("***** Finished processing account %s", account),
		  &ev);
}

void ui_syncfolders(const char *src_type, const char *dest_type)
{
	struct oi_ui_event ev = { .src_type = src_type,
				  .dest_type = dest_type };
	emit_text(UI_CB_syncfolders, OI_UI_NORMAL,
		  xasprintf("Copying folder structure from %s to %s",
			    src_type, dest_type), &ev);
}

void ui_syncingfolder(const char *src_type, const char *src_folder,
		      const char *dest_type, const char *dest_folder)
{
	struct oi_ui_event ev = {
		.src_type = src_type, .folder = src_folder,
		.dest_type = dest_type, .dest_folder = dest_folder,
	};
	emit_text(UI_CB_syncingfolder, OI_UI_NORMAL,
		  xasprintf("Syncing %s: %s -> %s", src_folder, src_type,
			    dest_type), &ev);
}

void ui_validityproblem(const char *folder, unsigned long long saved,
			unsigned long long got)
{
	struct oi_ui_event ev = { .folder = folder };
	emit_text(UI_CB_validityproblem, OI_UI_ALWAYS,
		  xasprintf("WARNING: UID validity problem for folder %s "
			    "(saved %llu; got %llu); skipping it", folder,
			    saved, got), &ev);
}

void ui_loadmessagelist(const char *type, const char *folder)
{
	struct oi_ui_event ev = { .src_type = type, .folder = folder };
	emit_text(UI_CB_loadmessagelist, OI_UI_VERBOSE,
		  xasprintf("Loading message list for %s[%s]", type, folder),
		  &ev);
}

void ui_messagelistloaded(const char *type, const char *folder,
			  unsigned long count)
{
	struct oi_ui_event ev = { .src_type = type, .folder = folder,
				  .count = count };
	emit_text(UI_CB_messagelistloaded, OI_UI_VERBOSE,
		  xasprintf("Message list for %s[%s] loaded: %lu messages",
			    type, folder, count), &ev);
}

void ui_syncingmessages(const char *src_type, const char *src_folder,
			const char *dest_type, const char *dest_folder)
{
	struct oi_ui_event ev = {
		.src_type = src_type, .folder = src_folder,
		.dest_type = dest_type, .dest_folder = dest_folder,
	};
	emit_text(UI_CB_syncingmessages, OI_UI_VERBOSE,
		  xasprintf("Syncing messages %s[%s] -> %s[%s]", src_type,
			    src_folder, dest_type, dest_folder), &ev);
}

void ui_copyingmessage(long long uid, const char *src_type,
		       const char *src_folder, const char *targets)
{
	struct oi_ui_event ev = {
		.uid = uid, .src_type = src_type, .folder = src_folder,
		.dest_folder = targets,
	};
	emit_text(UI_CB_copyingmessage, OI_UI_NORMAL,
		  xasprintf("Copy message %lld %s[%s] -> %s", uid, src_type,
			    src_folder, targets), &ev);
}

void ui_deletingmessages(const long long *uids, size_t n,
			 const char *targets)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "Deleting %zu messages (", n);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%lld", i ? ", " : "", uids[i]);
	strbuf_addf(&sb, ") in %s", targets);
	struct oi_ui_event ev = { .count = n, .dest_folder = targets };
	emit_text(UI_CB_deletingmessages, OI_UI_NORMAL, strbuf_detach(&sb),
		  &ev);
}

void ui_addingflags(unsigned long count, const char *flag, const char *target)
{
	struct oi_ui_event ev = { .count = count, .flag = flag,
				  .dest_folder = target };
	emit_text(UI_CB_addingflags, OI_UI_NORMAL,
		  xasprintf("Adding flags %s to %lu messages  on %s", flag,
			    count, target), &ev);
}

void ui_deletingflags(unsigned long count, const char *flag,
		      const char *target)
{
	struct oi_ui_event ev = { .count = count, .flag = flag,
				  .dest_folder = target };
	emit_text(UI_CB_deletingflags, OI_UI_NORMAL,
		  xasprintf("Deleting flags %s to %lu messages on %s", flag,
			    count, target), &ev);
}

void ui_msgtoreadonly(const char *folder, long long uid)
{
	struct oi_ui_event ev = { .folder = folder, .uid = uid };
	emit_text(UI_CB_msgtoreadonly, OI_UI_ALWAYS,
		  xasprintf("WARNING: Attempted to synchronize message %lld "
			    "to folder %s, but that folder is read-only.  "
			    "The message will not be copied to that folder.",
			    uid, folder), &ev);
}

void ui_flagstoreadonly(const char *folder, unsigned long count,
			const char *flags)
{
	struct oi_ui_event ev = { .folder = folder, .count = count,
				  .flag = flags };
	emit_text(UI_CB_flagstoreadonly, OI_UI_ALWAYS,
		  xasprintf("WARNING: Attempted to modify flags (%s) of %lu "
			    "messages in folder %s, but that folder is "
			    "read-only.  No flags have been modified for those "
			    "messages.", flags, count, folder), &ev);
}

void ui_deletereadonly(const char *folder, unsigned long count)
{
	struct oi_ui_event ev = { .folder = folder, .count = count };
	emit_text(UI_CB_deletereadonly, OI_UI_ALWAYS,
		  xasprintf("WARNING: Attempted to delete %lu messages in "
			    "folder %s, but that folder is read-only.  No "
			    "messages have been deleted.", count, folder),
		  &ev);
}

/* ------------------------------------------------------------------ */
/* Passwords */

static void unlink_request(struct pass_request *req)
{
	for (struct pass_request **pp = &pass_requests; *pp;
	     pp = &(*pp)->next) {
		if (*pp == req) {
			*pp = req->next;
			return;
		}
	}
}

int ui_getpass(const char *repo, const char *errtext, char **password_r,
	       char **err_r)
{
	struct pass_request req = { 0 };
	struct uithread *t = current();

	pthread_mutex_lock(&state_lock);
	if (quit_requested) {
		pthread_mutex_unlock(&state_lock);
		*err_r = xstrdup("the program is shutting down");
		return -1;
	}
	req.id = ++next_request_id;
	req.next = pass_requests;
	pass_requests = &req;
	pthread_mutex_unlock(&state_lock);

	char *title = mask_dup_or_null(errtext);
	struct oi_ui_event ev = {
		.level = OI_UI_ALWAYS, .folder = repo, .title = title,
	};
	fill_thread(&ev, t);
	pthread_mutex_lock(&ui_lock);
	if (plugin && plugin->getpass) {
		t->in_callback++;
		plugin->getpass(plugin_ctx, &ev, req.id);
		t->in_callback--;
		if (!t->in_callback)
			drain_pending(t);
	} else {
		host_answer_password(req.id, NULL,
				     plugin ? "this user interface cannot "
					      "ask for a password"
					    : "no user interface is running "
					      "to ask for a password");
	}
	pthread_mutex_unlock(&ui_lock);
	free(title);

	/* The answer may come from another thread (a curses key reader);
	 * wait without the callback lock so it can run. */
	pthread_mutex_lock(&state_lock);
	while (!req.done && !quit_requested)
		pthread_cond_wait(&state_cond, &state_lock);
	unlink_request(&req);
	pthread_mutex_unlock(&state_lock);

	if (req.password) {
		*password_r = req.password;
		free(req.reason);
		return 0;
	}
	*err_r = req.reason ? req.reason
			    : xstrdup("the program is shutting down");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Sleep and requests */

int ui_sleep(const char *account, int seconds)
{
	struct sleeper s = { .account = account };
	int result = 0;

	pthread_mutex_lock(&state_lock);
	if (quit_requested) {
		pthread_mutex_unlock(&state_lock);
		return 2;
	}
	s.next = sleepers;
	sleepers = &s;
	pthread_mutex_unlock(&state_lock);

	if (seconds < 0)
		seconds = 0;
	struct oi_ui_event ev = { .account = account, .seconds = seconds };
	emit_text(UI_CB_sleep, OI_UI_NORMAL,
		  xasprintf("Sleeping for %d:%02d", seconds / 60,
			    seconds % 60), &ev);

	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	for (int remaining = seconds; remaining > 0 && !result; remaining--) {
		ev = (struct oi_ui_event){ .account = account,
					   .seconds = remaining };
		/* The countdown is a display, not a message: kept out of
		 * the log file. */
		char *tick = xasprintf("Next refresh in %d seconds",
				       remaining);
		ev.level = OI_UI_ALWAYS;
		ev.text = tick;
		emit_ex(UI_CB_sleeping, &ev, false);
		free(tick);

		deadline.tv_sec++;
		pthread_mutex_lock(&state_lock);
		while (!s.result && !quit_requested) {
			int rc = pthread_cond_clockwait(&state_cond,
							&state_lock,
							CLOCK_MONOTONIC,
							&deadline);
			if (rc == ETIMEDOUT)
				break;
		}
		result = quit_requested ? 2 : s.result;
		pthread_mutex_unlock(&state_lock);
	}

	ev = (struct oi_ui_event){ .account = account, .seconds = 0,
				   .level = OI_UI_ALWAYS,
				   .text = "Next refresh in 0 seconds" };
	emit_ex(UI_CB_sleeping, &ev, false);

	pthread_mutex_lock(&state_lock);
	for (struct sleeper **pp = &sleepers; *pp; pp = &(*pp)->next) {
		if (*pp == &s) {
			*pp = s.next;
			break;
		}
	}
	if (quit_requested)
		result = 2;
	else if (!result)
		result = s.result;
	pthread_mutex_unlock(&state_lock);
	return result;
}

void ui_request_sync_now(const char *account)
{
	pthread_mutex_lock(&state_lock);
	for (struct sleeper *s = sleepers; s; s = s->next)
		if (!account ||
		    (s->account && strcmp(s->account, account) == 0))
			s->result = 1;
	pthread_cond_broadcast(&state_cond);
	pthread_mutex_unlock(&state_lock);
}

void ui_request_quit(int status)
{
	pthread_mutex_lock(&state_lock);
	if (!quit_requested) {
		quit_requested = true;
		quit_status = status;
	}
	pthread_cond_broadcast(&state_cond);
	pthread_mutex_unlock(&state_lock);
}

bool ui_quit_requested(int *status_r)
{
	pthread_mutex_lock(&state_lock);
	bool q = quit_requested;
	if (q && status_r)
		*status_r = quit_status;
	pthread_mutex_unlock(&state_lock);
	return q;
}

/* ------------------------------------------------------------------ */
/* Reports and the end */

static char *build_report(const char *head, struct uithread *t,
			  const char *name, const char *what)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\n%s\n\n", head, what ? what : "");
	if (t)
		pthread_mutex_lock(&t->ring_lock);
	if (!t || !t->ring_len) {
		strbuf_addf(&sb, "No debug messages were logged for %s.",
			    name);
	} else {
		strbuf_addf(&sb, "Last %zu debug messages logged for %s "
			    "prior to exception:", t->ring_len, name);
		for (size_t i = 0; i < t->ring_len; i++)
			strbuf_addf(&sb, "\n%s",
				    t->ring[(t->ring_start + i) % RING_SIZE]);
	}
	if (t)
		pthread_mutex_unlock(&t->ring_lock);
	return strbuf_detach(&sb);
}

void ui_threadexception(const char *what)
{
	struct uithread *t = current();
	char *head = xasprintf("Thread '%s' terminated with exception:",
			       t->name);
	char *text = build_report(head, t, t->name, what);
	free(head);
	emit_text(UI_CB_threadexception, OI_UI_ALWAYS, text, NULL);
}

void ui_mainexception(const char *what)
{
	/* Any thread may report for the main program (the signal thread
	 * on an interrupt); the ring is the main thread's. */
	current();
	pthread_mutex_lock(&state_lock);
	struct uithread *m = main_thread;
	pthread_mutex_unlock(&state_lock);
	char *text = build_report("Main program terminated with exception:",
				  m, m ? m->name : "MainThread", what);
	emit_text(UI_CB_mainexception, OI_UI_ALWAYS, text, NULL);
}

void ui_terminate(int status, const char *title, const char *text)
{
	struct uithread *t = current();
	char *mtext = mask_dup_or_null(text);
	char *mtitle = mask_dup_or_null(title);
	struct oi_ui_event ev = {
		.level = OI_UI_ALWAYS, .status = status,
		.title = mtitle, .text = mtext,
	};
	fill_thread(&ev, t);
	/* The error text reaches the log file through the redirected
	 * stderr (SPEC 7.8), so it is not logged here as a message. */
	if (lock_ui_bounded()) {
		if (plugin)
			call_plugin(t, plugin->terminate, &ev);
		else
			builtin_show(UI_CB_terminate, &ev);
		pthread_mutex_unlock(&ui_lock);
	} else {
		builtin_show(UI_CB_terminate, &ev);
	}
	free(mtext);
	free(mtitle);
	fflush(stdout);
	uihost_close();
	exit(status);
}
