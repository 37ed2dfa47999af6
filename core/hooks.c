// SPDX-License-Identifier: GPL-2.0-or-later
/* Account hooks: run presynchook/postsynchook through /bin/sh, relay
 * their output to the log and judge their exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "hooks.h"
#include "ui.h"
#include "util.h"

extern char **environ;

/* Longest line passed on in one message. */
#define HOOK_LINE_MAX 4096

/* Report the complete lines in `line` (and the rest when `all`). */
static void flush_lines(const char *what, struct strbuf *line, bool all)
{
	size_t start = 0;
	while (start < line->len) {
		const char *p = line->buf + start;
		const char *nl = memchr(p, '\n', line->len - start);
		size_t n;
		if (nl && nl - p <= HOOK_LINE_MAX) {
			n = (size_t)(nl - p);
		} else if (line->len - start >= HOOK_LINE_MAX) {
			n = HOOK_LINE_MAX;
			nl = NULL;
		} else if (all) {
			n = line->len - start;
		} else {
			break;
		}
		size_t shown = n;
		if (shown && p[shown - 1] == '\r')
			shown--;
		ui_info(OI_UI_NORMAL, "%s: %.*s", what, (int)shown, p);
		start += n + (nl ? 1 : 0);
	}
	if (start) {
		memmove(line->buf, line->buf + start, line->len - start);
		line->len -= start;
		line->buf[line->len] = '\0';
	}
}

int hooks_run(const char *what, const char *command, char **err_r)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int out[2];
	pid_t pid;
	int r, status;

	if (pipe2(out, O_CLOEXEC) < 0) {
		*err_r = sys_errmsg("cannot create a pipe for %s", what);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	/* We ignore SIGPIPE and may block signals in threads; a shell
	 * pipeline in the hook needs the ordinary behaviour. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (r != 0) {
		close(out[0]);
		*err_r = xasprintf("cannot run %s: /bin/sh: %s", what,
				   strerror(r));
		return -1;
	}

	/* Relay the output until every writer closed the pipe (the hook and
	 * whatever it left running with our pipe: their output counts). */
	struct strbuf line;
	strbuf_init(&line);
	for (;;) {
		char buf[4096];
		ssize_t n = read(out[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&line, buf, (size_t)n);
		flush_lines(what, &line, false);
	}
	flush_lines(what, &line, true);
	strbuf_release(&line);
	close(out[0]);

	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		*err_r = sys_errmsg("cannot wait for %s", what);
		return -1;
	}
	if (WIFSIGNALED(status))
		return HOOKS_KILLED + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Run the account's hook `option`.  0, or -1 after reporting why. */
static int run_account_hook(const struct config *cfg, const char *account,
			    const char *option, const char *consequence)
{
	char *sec = xasprintf("Account %s", account);
	const char *command = NULL;
	char *err = NULL;
	int ret = 0;

	int r = config_get(cfg, sec, option, &command, &err);
	if (r < 0) {
		ui_error("account \"%s\": %s", account, err);
		ret = -1;
		goto out;
	}
	if (r == 0 || !*command)
		goto out;
	ui_info(OI_UI_NORMAL, "Account %s: running %s: %s", account, option,
		command);
	int status = hooks_run(option, command, &err);
	if (status < 0) {
		ui_error("account \"%s\": %s%s", account, err, consequence);
		ret = -1;
	} else if (status >= HOOKS_KILLED) {
		const char *name = sigdescr_np(status - HOOKS_KILLED);
		ui_error("account \"%s\": %s was killed by signal %d (%s)%s",
			 account, option, status - HOOKS_KILLED,
			 name ? name : "unknown", consequence);
		ret = -1;
	} else if (status != 0) {
		ui_error("account \"%s\": %s failed with exit status %d%s",
			 account, option, status, consequence);
		ret = -1;
	}
out:
	free(err);
	free(sec);
	return ret;
}

int hooks_presync(const struct config *cfg, const char *account)
{
	return run_account_hook(cfg, account, "presynchook",
				"; skipping this sync");
}

int hooks_postsync(const struct config *cfg, const char *account)
{
	return run_account_hook(cfg, account, "postsynchook", "");
}
