/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers every module uses: allocation that never returns NULL,
 * string building, and error strings with errno. */
#ifndef OI_UTIL_H
#define OI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory is fatal: these print a message and abort, so callers never
 * test for NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Free *p and set it to NULL. */
#define FREE(p) do { free(*(p)); *(p) = NULL; } while (0)

/* Wipe and free a secret (password); NULL is fine. */
void secret_free(char **secret);

/* Growable byte string, always NUL-terminated. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void strbuf_init(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *sb);
/* Give the buffer to the caller (malloc'd) and reset sb. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/* "message: strerror(errno)", malloc'd. */
char *sys_errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Expand a leading "~" or "~user" (no environment variables), malloc'd.
 * Returns NULL with errno = ENOENT when the user is unknown. */
char *expand_tilde(const char *path);

/* Remove leading and trailing white space in place; returns s. */
char *strip(char *s);

/* Split a comma list after removing all white space (SPEC: accounts, ui,
 * -a).  Empty items are dropped.  Returns a NULL-terminated malloc'd
 * array of malloc'd strings; *n_r gets the count when not NULL. */
char **split_commalist(const char *s, size_t *n_r);
void strv_free(char ***v);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int write_full(int fd, const void *buf, size_t n);

#endif
