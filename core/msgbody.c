/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Message bodies in bounded memory: a buffer that spills into an unlinked
 * O_TMPFILE when it grows past MSGBODY_MEM_LIMIT. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msgbody.h"
#include "util.h"

struct msgbody {
	char *mem;		/* in-memory bytes, NULL once spilled */
	size_t cap;
	int fd;			/* spill file, -1 while in memory */
	uint64_t size, lines, header_end;
	bool header_done;	/* header_end is final */
	bool pending_cr;	/* a CR ended the last chunk */
	bool at_line_start;	/* for the blank-line search */
};

struct msgbody *msgbody_new(void)
{
	struct msgbody *b = xcalloc(1, sizeof(*b));
	b->fd = -1;
	b->at_line_start = true;
	return b;
}

void msgbody_reset(struct msgbody *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->size = b->lines = b->header_end = 0;
	b->header_done = b->pending_cr = false;
	b->at_line_start = true;
}

void msgbody_free(struct msgbody **pb)
{
	struct msgbody *b = *pb;
	if (!b)
		return;
	msgbody_reset(b);
	free(b->mem);
	free(b);
	*pb = NULL;
}

static int spill(struct msgbody *b, char **err_r)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	/* O_TMPFILE: never visible in the directory, gone when closed, and
	 * mode 0600 because it holds someone's mail. */
	b->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (b->fd < 0) {
		char *tmpl = xasprintf("%s/offlineimap-body-XXXXXX", dir);
		b->fd = mkostemp(tmpl, O_CLOEXEC);
		if (b->fd >= 0)
			unlink(tmpl);
		free(tmpl);
	}
	if (b->fd < 0) {
		*err_r = sys_errmsg("cannot create a temporary file in %s",
				    dir);
		return -1;
	}
	if (b->size && write_full(b->fd, b->mem, (size_t)b->size) < 0) {
		*err_r = sys_errmsg("cannot write a temporary file in %s", dir);
		return -1;
	}
	return 0;
}

static int append(struct msgbody *b, const char *p, size_t n, char **err_r)
{
	if (!n)
		return 0;
	if (b->fd < 0 && b->size + n > MSGBODY_MEM_LIMIT &&
	    spill(b, err_r) < 0)
		return -1;
	if (b->fd >= 0) {
		if (write_full(b->fd, p, n) < 0) {
			*err_r = sys_errmsg("cannot write a temporary file");
			return -1;
		}
	} else {
		/* One byte more for the NUL that msgbody_mem promises. */
		if (b->size + n + 1 > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->size + n + 1)
				cap *= 2;
			b->mem = xrealloc(b->mem, cap);
			b->cap = cap;
		}
		memcpy(b->mem + b->size, p, n);
		b->mem[b->size + n] = '\0';
	}
	/* Line accounting and the end of the header block. */
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			b->at_line_start = false;
			continue;
		}
		b->lines++;
		if (!b->header_done && b->at_line_start) {
			b->header_end = b->size + i + 1;
			b->header_done = true;
		}
		b->at_line_start = true;
	}
	b->size += n;
	return 0;
}

int msgbody_write(struct msgbody *b, const void *data, size_t n, char **err_r)
{
	const char *p = data, *end = p + n;

	if (b->pending_cr && n) {
		b->pending_cr = false;
		if (*p != '\n' && append(b, "\r", 1, err_r) < 0)
			return -1;
	}
	while (p < end) {
		const char *cr = memchr(p, '\r', (size_t)(end - p));
		if (!cr)
			return append(b, p, (size_t)(end - p), err_r);
		if (append(b, p, (size_t)(cr - p), err_r) < 0)
			return -1;
		if (cr + 1 == end) {
			b->pending_cr = true;	/* decided by the next byte */
			return 0;
		}
		if (cr[1] != '\n' && append(b, "\r", 1, err_r) < 0)
			return -1;
		p = cr + 1;
	}
	return 0;
}

int msgbody_finish(struct msgbody *b, char **err_r)
{
	if (b->pending_cr) {
		b->pending_cr = false;
		if (append(b, "\r", 1, err_r) < 0)
			return -1;
	}
	return 0;
}

uint64_t msgbody_size(const struct msgbody *b)
{
	return b->size;
}

uint64_t msgbody_lines(const struct msgbody *b)
{
	return b->lines;
}

uint64_t msgbody_header_end(const struct msgbody *b)
{
	return b->header_done ? b->header_end : 0;
}

const char *msgbody_mem(const struct msgbody *b)
{
	if (b->fd >= 0)
		return NULL;
	return b->size ? b->mem : "";
}

int msgbody_read(const struct msgbody *b, uint64_t off, void *buf, size_t n,
		 size_t *got_r, char **err_r)
{
	*got_r = 0;
	if (off >= b->size)
		return 0;
	if (n > b->size - off)
		n = (size_t)(b->size - off);
	if (b->fd < 0) {
		memcpy(buf, b->mem + off, n);
		*got_r = n;
		return 0;
	}
	for (;;) {
		ssize_t r = pread(b->fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err_r = sys_errmsg("cannot read a temporary file");
			return -1;
		}
		*got_r = (size_t)r;
		return 0;
	}
}
