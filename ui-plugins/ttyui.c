/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TTY.TTYUI (SPEC 7.3): plain terminal output naming the thread behind each
 * message, warnings and debug output on the same stream, and a no-echo
 * password prompt on /dev/tty. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "oi_ui.h"

#define PASSWORD_MAX 1024

struct tty {
	const struct oi_ui_host *host;
	int stdout_is_tty;
	/* A countdown line being rewritten in place with \r. */
	int status_active;
	unsigned status_thread;
	/* The terminal while a password prompt has echo off, so close()
	 * can restore it even when called from another thread. */
	int prompt_fd;
	int prompt_active;
	struct termios prompt_saved;
};

static int tty_isusable(const struct oi_ui_host *host, const char **why_r)
{
	(void)host;
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return 1;
	*why_r = "standard input and output must both be terminals";
	return 0;
}

static int tty_open(const struct oi_ui_host *host, void **ctx_r,
		    const char **err_r)
{
	struct tty *t = calloc(1, sizeof(*t));
	if (!t) {
		*err_r = "out of memory";
		return -1;
	}
	t->host = host;
	t->stdout_is_tty = isatty(STDOUT_FILENO);
	t->prompt_fd = -1;
	*ctx_r = t;
	return 0;
}

/* Finish a countdown line before anything else is printed. */
static void end_status(struct tty *t)
{
	if (!t->status_active)
		return;
	fputc('\n', stdout);
	t->status_active = 0;
}

static void tty_close(void *ctx)
{
	struct tty *t = ctx;
	if (t->prompt_active)
		tcsetattr(t->prompt_fd, TCSANOW, &t->prompt_saved);
	end_status(t);
	fflush(stdout);
	free(t);
}

/* From the main thread the message alone, from any other thread the
 * thread name on its own line and the message indented below it. */
static void print_msg(struct tty *t, const struct oi_ui_event *ev,
		      const char *text)
{
	end_status(t);
	if (ev->is_main)
		fprintf(stdout, "%s\n", text);
	else
		fprintf(stdout, "%s:\n   %s\n", ev->thread, text);
	fflush(stdout);
}

static void tty_show(void *ctx, const struct oi_ui_event *ev)
{
	if (ev->text)
		print_msg(ctx, ev, ev->text);
}

/* Reports already name the thread they are about. */
static void tty_report(void *ctx, const struct oi_ui_event *ev)
{
	struct tty *t = ctx;
	if (!ev->text)
		return;
	end_status(t);
	fprintf(stdout, "%s\n", ev->text);
	fflush(stdout);
}

/* "Next refresh in <N> seconds" each second.  On a terminal the line is
 * rewritten in place instead of scrolling a screenful per minute. */
static void tty_sleeping(void *ctx, const struct oi_ui_event *ev)
{
	struct tty *t = ctx;
	if (!ev->text)
		return;
	if (!t->stdout_is_tty) {
		print_msg(t, ev, ev->text);
		return;
	}
	if (t->status_active && t->status_thread != ev->thread_id)
		end_status(t);
	if (!t->status_active) {
		if (!ev->is_main)
			fprintf(stdout, "%s:\n", ev->thread);
		t->status_active = 1;
		t->status_thread = ev->thread_id;
	}
	fprintf(stdout, "\r%s%s\033[K", ev->is_main ? "" : "   ", ev->text);
	if (ev->seconds == 0)
		end_status(t);
	fflush(stdout);
}

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Read one line from the terminal with echo off.  Returns its length,
 * or -1 at end of input before a newline with nothing typed. */
static int read_secret(struct tty *t, int fd, const char *prompt, char *buf,
		       size_t size)
{
	struct termios noecho;
	size_t len = 0;
	int got_any = 0;

	if (tcgetattr(fd, &t->prompt_saved) == 0) {
		noecho = t->prompt_saved;
		noecho.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
		t->prompt_fd = fd;
		t->prompt_active = 1;
		tcsetattr(fd, TCSAFLUSH, &noecho);
	}
	write_all(fd, prompt);
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got_any = 1;
		if (c == '\n' || c == '\r')
			break;
		if (len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	/* Restored on every path, errors included: a terminal left without
	 * echo is worse than a failed prompt. */
	if (t->prompt_active) {
		tcsetattr(fd, TCSAFLUSH, &t->prompt_saved);
		t->prompt_active = 0;
		t->prompt_fd = -1;
	}
	write_all(fd, "\n");
	return got_any ? (int)len : -1;
}

/* SPEC 7.3: the server's complaint first, then the prompt.  The host
 * holds the callback lock meanwhile, so no output cuts into the prompt. */
static void tty_getpass(void *ctx, const struct oi_ui_event *ev,
			unsigned request)
{
	struct tty *t = ctx;
	const char *repo = ev->folder ? ev->folder : "?";
	char line[PASSWORD_MAX + 64];
	char buf[PASSWORD_MAX];

	if (ev->title) {
		snprintf(line, sizeof(line), "%s: %s", repo, ev->title);
		print_msg(t, ev, line);
	}
	end_status(t);
	fflush(stdout);
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		t->host->answer_password(request, NULL,
					 "cannot open the terminal /dev/tty "
					 "to ask for the password");
		return;
	}
	snprintf(line, sizeof(line), "%s: Enter password: ", repo);
	int n = read_secret(t, fd, line, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		t->host->answer_password(request, NULL,
					 "no password was entered (end of "
					 "input at the prompt)");
	else
		t->host->answer_password(request, buf, NULL);
	explicit_bzero(buf, sizeof(buf));
}

static void tty_terminate(void *ctx, const struct oi_ui_event *ev)
{
	struct tty *t = ctx;
	end_status(t);
	fflush(stdout);
	if (!ev->text)
		return;
	if (ev->title)
		fprintf(stderr, "ERROR: %s\n\n%s\n", ev->title, ev->text);
	else
		fprintf(stderr, "%s\n", ev->text);
}

OI_UI_EXPORT const struct oi_ui_plugin oi_ui_plugin = {
	.abi_version = OI_UI_ABI_VERSION,
	.name = "TTY.TTYUI",
	.verbosity = 0,

	.isusable = tty_isusable,
	.open = tty_open,
	.close = tty_close,

	.init_banner = tty_report,
	.debugging = tty_show,
	.invaliddebug = tty_show,
	.debug = tty_show,
	.warn = tty_show,
	.error = tty_show,
	.info = tty_show,
	.getpass = tty_getpass,
	.connecting = tty_show,
	.acct = tty_show,
	.acctdone = tty_show,
	.syncfolders = tty_show,
	.syncingfolder = tty_show,
	.validityproblem = tty_show,
	.loadmessagelist = tty_show,
	.messagelistloaded = tty_show,
	.syncingmessages = tty_show,
	.copyingmessage = tty_show,
	.deletingmessages = tty_show,
	.addingflags = tty_show,
	.deletingflags = tty_show,
	.msgtoreadonly = tty_show,
	.flagstoreadonly = tty_show,
	.deletereadonly = tty_show,
	.sleeping = tty_sleeping,
	.threadexception = tty_report,
	.mainexception = tty_report,
	.terminate = tty_terminate,
};
