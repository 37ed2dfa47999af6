// SPDX-License-Identifier: GPL-2.0-or-later
/* IMAP transport: TCP over every resolved address with timeouts, TLS via
 * tls.c, and preauth tunnels run through /bin/sh with stderr captured. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imap/conn.h"
#include "signals.h"
#include "tls.h"
#include "ui.h"
#include "util.h"

extern char **environ;

struct imap_conn {
	int rfd, wfd;		/* the same socket, or the tunnel's pipes */
	int errfd;		/* tunnel stderr, or -1 */
	pid_t pid;		/* tunnel child, or 0 */
	char *command;		/* tunnel command (for messages) */
	struct strbuf errline;	/* partial stderr line */
	struct tls_conn *tls;
	int timeout_ms;
};

static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;

static void ignore_sigpipe(void)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static struct imap_conn *conn_new(int timeout)
{
	struct imap_conn *c = xcalloc(1, sizeof(*c));
	pthread_once(&sigpipe_once, ignore_sigpipe);
	c->rfd = c->wfd = c->errfd = -1;
	c->timeout_ms = (timeout > 0 ? timeout : IMAP_CONN_DEFAULT_TIMEOUT) * 1000;
	strbuf_init(&c->errline);
	return c;
}

/* Connect one address within the timeout.  Returns the fd or -1 (errno). */
static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			ai->ai_protocol);
	if (fd < 0)
		return -1;
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r;
		do {
			r = poll(&pfd, 1, timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (r < 0)
			goto fail;
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			goto fail;
		if (err) {
			errno = err;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	/* Backstop for blocking reads inside OpenSSL. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return fd;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void describe_addr(const struct addrinfo *ai, char *buf, size_t n)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)n, NULL,
			0, NI_NUMERICHOST) != 0)
		snprintf(buf, n, "?");
}

int imap_conn_connect(const char *host, int port, int timeout,
		      struct tls_ctx *tls, struct imap_conn **c_r,
		      char **err_r)
{
	struct addrinfo hints, *res = NULL;
	char portstr[16];
	struct strbuf why;
	int fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%d", port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r == EAI_NONAME || r == EAI_ADDRFAMILY) {
		/* AI_ADDRCONFIG hides loopback-only setups; retry without. */
		hints.ai_flags = 0;
		r = getaddrinfo(host, portstr, &hints, &res);
	}
	if (r != 0) {
		*err_r = xasprintf("cannot resolve %s: %s", host,
				   r == EAI_SYSTEM ? strerror(errno)
				   : gai_strerror(r));
		return -1;
	}

	struct imap_conn *c = conn_new(timeout);
	strbuf_init(&why);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char addr[NI_MAXHOST];
		fd = connect_one(ai, c->timeout_ms);
		if (fd >= 0)
			break;
		describe_addr(ai, addr, sizeof(addr));
		strbuf_addf(&why, "%s%s: %s", why.len ? "; " : "", addr,
			    strerror(errno));
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*err_r = xasprintf("cannot connect to %s port %d: %s", host,
				   port, why.len ? why.buf : "no address");
		strbuf_release(&why);
		imap_conn_close(&c);
		return -1;
	}
	strbuf_release(&why);
	c->rfd = c->wfd = fd;
	if (tls && imap_conn_starttls(c, tls, host, err_r) < 0) {
		imap_conn_close(&c);
		return -1;
	}
	*c_r = c;
	return 0;
}

int imap_conn_starttls(struct imap_conn *c, struct tls_ctx *tls,
		       const char *host, char **err_r)
{
	if (c->pid || c->tls) {
		*err_r = xstrdup("TLS is only possible on a plain TCP connection");
		return -1;
	}
	return tls_connect(tls, c->rfd, host, &c->tls, err_r);
}

int imap_conn_tunnel(const char *command, int timeout,
		     struct imap_conn **c_r, char **err_r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	struct imap_conn *c = conn_new(timeout);
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	int r;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0) {
		*err_r = sys_errmsg("cannot create pipes for preauthtunnel");
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_t sa;
	signals_spawnattr_init(&sa);	/* no blocked signals in the child */
	r = posix_spawn(&c->pid, "/bin/sh", &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		c->pid = 0;
		*err_r = xasprintf("cannot run preauthtunnel \"%s\": %s",
				   command, strerror(r));
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->wfd = in[1];
	c->rfd = out[0];
	c->errfd = err[0];
	fcntl(c->errfd, F_SETFL, fcntl(c->errfd, F_GETFL) | O_NONBLOCK);
	c->command = xstrdup(command);
	*c_r = c;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	imap_conn_close(&c);
	return -1;
}

/* Report complete stderr lines of the tunnel (and the rest when `all`). */
static void flush_errlines(struct imap_conn *c, bool all)
{
	char *nl;
	while ((nl = memchr(c->errline.buf ? c->errline.buf : "", '\n',
			    c->errline.len)) != NULL) {
		*nl = '\0';
		size_t n = (size_t)(nl - c->errline.buf);
		if (n && c->errline.buf[n - 1] == '\r')
			c->errline.buf[n - 1] = '\0';
		ui_warn(true, "preauthtunnel \"%s\": %s", c->command,
			c->errline.buf);
		size_t rest = c->errline.len - n - 1;
		memmove(c->errline.buf, nl + 1, rest);
		c->errline.len = rest;
		c->errline.buf[rest] = '\0';
	}
	if (all && c->errline.len) {
		ui_warn(true, "preauthtunnel \"%s\": %s", c->command,
			c->errline.buf);
		strbuf_reset(&c->errline);
	}
}

/* Read whatever the tunnel wrote to stderr.  False at its end. */
static bool drain_stderr(struct imap_conn *c)
{
	char buf[1024];
	for (;;) {
		ssize_t n = read(c->errfd, buf, sizeof(buf));
		if (n > 0) {
			strbuf_add(&c->errline, buf, (size_t)n);
			/* bound the memory a line without LF can take */
			if (c->errline.len > 4096)
				strbuf_addch(&c->errline, '\n');
			flush_errlines(c, false);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			flush_errlines(c, true);
			close(c->errfd);
			c->errfd = -1;
			return false;
		}
		return true;	/* EAGAIN */
	}
}

/* Wait until fd is ready for `events`, serving tunnel stderr meanwhile.
 * Returns 0, or -1 with *err_r on timeout or error. */
static int wait_fd(struct imap_conn *c, int fd, short events, char **err_r)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = events },
			{ .fd = c->errfd, .events = POLLIN },
		};
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000;
		long left = c->timeout_ms - elapsed;
		if (left <= 0) {
			*err_r = xasprintf("connection timed out (no data for %d seconds)",
					   c->timeout_ms / 1000);
			return -1;
		}
		int r = poll(pfd, c->errfd >= 0 ? 2 : 1, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err_r = sys_errmsg("poll failed");
			return -1;
		}
		if (c->errfd >= 0 && pfd[1].revents)
			drain_stderr(c);
		if (pfd[0].revents)
			return 0;
	}
}

ssize_t imap_conn_read(struct imap_conn *c, void *buf, size_t n,
		       char **err_r)
{
	if (c->tls && tls_pending(c->tls))
		return tls_read(c->tls, buf, n, err_r);
	if (wait_fd(c, c->rfd, POLLIN, err_r) < 0)
		return -1;
	if (c->tls)
		return tls_read(c->tls, buf, n, err_r);
	for (;;) {
		ssize_t r = read(c->rfd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			*err_r = xstrdup("connection timed out");
		else
			*err_r = sys_errmsg("read failed");
		return -1;
	}
}

int imap_conn_write(struct imap_conn *c, const void *buf, size_t n,
		    char **err_r)
{
	const char *p = buf;
	if (c->tls)
		return tls_write(c->tls, buf, n, err_r);
	while (n > 0) {
		if (c->pid && wait_fd(c, c->wfd, POLLOUT, err_r) < 0)
			return -1;
		ssize_t r = c->pid ? write(c->wfd, p, n)
			: send(c->wfd, p, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				*err_r = xstrdup("connection timed out while sending");
			else
				*err_r = sys_errmsg("write failed");
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

bool imap_conn_is_tls(const struct imap_conn *c)
{
	return c->tls != NULL;
}

bool imap_conn_is_tunnel(const struct imap_conn *c)
{
	return c->pid != 0;
}

/* Reap the tunnel child: it normally exits once its stdin is closed. */
static void reap(struct imap_conn *c)
{
	int status = 0;
	pid_t r = 0;
	for (int i = 0; i < 50; i++) {	/* up to 5 seconds */
		if (c->errfd >= 0) {
			struct pollfd pfd = { .fd = c->errfd, .events = POLLIN };
			if (poll(&pfd, 1, 100) > 0)
				drain_stderr(c);
		} else {
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		}
		r = waitpid(c->pid, &status, WNOHANG);
		if (r != 0)
			break;
	}
	if (r == 0) {
		kill(c->pid, SIGTERM);
		r = waitpid(c->pid, &status, 0);
	}
	if (c->errfd >= 0)
		drain_stderr(c);
	if (r == c->pid) {
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			ui_debug(OI_DEBUG_IMAP, "preauthtunnel exited with status %d",
				 WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			ui_debug(OI_DEBUG_IMAP, "preauthtunnel killed by signal %d",
				 WTERMSIG(status));
	}
}

void imap_conn_close(struct imap_conn **pc)
{
	struct imap_conn *c = *pc;
	if (!c)
		return;
	tls_conn_free(&c->tls);
	if (c->wfd >= 0 && c->wfd != c->rfd)
		close(c->wfd);
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->pid)
		reap(c);
	if (c->errfd >= 0) {
		flush_errlines(c, true);
		close(c->errfd);
	}
	strbuf_release(&c->errline);
	free(c->command);
	free(c);
	*pc = NULL;
}
