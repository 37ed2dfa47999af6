/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signal thread: the only place signals are taken, with sigwait, so no
 * worker is ever interrupted and every signal becomes an ordinary request
 * (ui_request_quit, ui_request_sync_now, accounts_request_stop). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "signals.h"
#include "ui.h"
#include "util.h"

/* Written once by signals_start before any other thread exists. */
static sigset_t handled;

/* The signals we take.  One that is ignored when we start stays ignored:
 * that is how nohup (SIGHUP) and a shell starting a background job
 * without job control (SIGINT) protect a program, and we keep their
 * promise. */
static void handled_set(sigset_t *set)
{
	static const int interrupts[] = { SIGINT, SIGTERM, SIGHUP };

	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	for (size_t i = 0; i < ARRAY_SIZE(interrupts); i++) {
		struct sigaction old;
		if (sigaction(interrupts[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaddset(set, interrupts[i]);
	}
}

enum say_kind { SAY_DEBUG, SAY_INFO, SAY_WARN };

struct say {
	enum say_kind kind;
	char *text;
};

/* Reports still being delivered (see say). */
static pthread_mutex_t say_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t say_cond = PTHREAD_COND_INITIALIZER;
static unsigned say_pending;

static void *say_thread(void *arg)
{
	struct say *s = arg;
	ui_thread_begin("Signal handler", NULL);
	if (s->kind == SAY_WARN)
		ui_warn(false, "%s", s->text);
	else if (s->kind == SAY_INFO)
		ui_info(OI_UI_ALWAYS, "%s", s->text);
	else
		ui_debug(OI_DEBUG_THREAD, "%s", s->text);
	ui_thread_end();
	free(s->text);
	free(s);
	pthread_mutex_lock(&say_lock);
	say_pending--;
	pthread_cond_broadcast(&say_cond);
	pthread_mutex_unlock(&say_lock);
	return NULL;
}

/* Report from a thread of its own: a UI callback may hold the UI for long
 * (a password prompt reading the terminal), and the signal thread must
 * stay free to take the second interrupt that ends such a wait.  Takes
 * `text`. */
static void say(enum say_kind kind, char *text)
{
	struct say *s = xmalloc(sizeof(*s));
	*s = (struct say){ .kind = kind, .text = text };
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&say_lock);
	say_pending++;
	pthread_mutex_unlock(&say_lock);
	if (pthread_create(&t, &attr, say_thread, s) != 0) {
		if (kind != SAY_DEBUG)
			fprintf(stderr, "offlineimap: %s\n", text);
		free(text);
		free(s);
		pthread_mutex_lock(&say_lock);
		say_pending--;
		pthread_mutex_unlock(&say_lock);
	}
	pthread_attr_destroy(&attr);
}

/* Wait until the reports are out, for at most `ms` milliseconds, so that
 * they come before what they announce (the errors of a stopping run). */
static void say_wait(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&say_lock);
	while (say_pending &&
	       pthread_cond_clockwait(&say_cond, &say_lock, CLOCK_MONOTONIC,
				      &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&say_lock);
}

static void __attribute__((noreturn)) abort_now(const char *name)
{
	/* Restore the terminal first (bounded even when a callback is
	 * stuck); the journal already holds every completed step. */
	uihost_close();
	fprintf(stderr, "offlineimap: SIG%s received again: aborting now; "
		"the next run completes the sync\n", name);
	fflush(NULL);
	_exit(OI_EXIT_ERROR);
}

static void *signal_thread(void *arg)
{
	(void)arg;
	int interrupts = 0;

	for (;;) {
		int sig = 0;
		if (sigwait(&handled, &sig) != 0)
			continue;
		const char *name = sigabbrev_np(sig);
		switch (sig) {
		case SIGUSR1:
			say(SAY_DEBUG, xstrdup("SIGUSR1 received: sync now"));
			ui_request_sync_now(NULL);
			break;
		case SIGUSR2:
			say(SAY_INFO, xstrdup("SIGUSR2 received: exiting after "
					      "the current sync"));
			accounts_request_stop();
			break;
		default:	/* SIGINT, SIGTERM, SIGHUP */
			if (interrupts++)
				abort_now(name ? name : "?");
			/* The warning first, so it comes before the errors
			 * of the stopping run; but never wait long for a UI
			 * that is busy (a password prompt): the quit request
			 * is what ends a wait for a password. */
			say(SAY_WARN, xasprintf("SIG%s received: finishing the "
						"current message, then exiting "
						"(send it again to abort at "
						"once)", name ? name : "?"));
			say_wait(1000);
			ui_request_quit(OI_EXIT_ERROR);
			break;
		}
	}
	return NULL;
}

void signals_start(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	handled_set(&handled);
	int e = pthread_sigmask(SIG_BLOCK, &handled, NULL);
	pthread_t t;
	if (!e)
		e = pthread_create(&t, NULL, signal_thread, NULL);
	if (e) {
		fprintf(stderr, "ERROR: cannot start the signal thread: %s\n",
			strerror(e));
		exit(OI_EXIT_ERROR);
	}
	pthread_detach(t);
}

void signals_spawnattr_init(posix_spawnattr_t *attr)
{
	sigset_t none, defaults = handled;
	posix_spawnattr_init(attr);
	sigemptyset(&none);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &defaults);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
				       POSIX_SPAWN_SETSIGDEF);
}
