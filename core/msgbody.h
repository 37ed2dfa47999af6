/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A message body on its way from one store to another: bytes with LF line
 * ends, kept in memory while small and spilled to an unlinked private
 * temporary file when large, so copying a 50 MB message never holds 50 MB
 * in RAM. */
#ifndef OI_MSGBODY_H
#define OI_MSGBODY_H

#include <stddef.h>
#include <stdint.h>

/* Bodies up to this size stay in memory. */
#define MSGBODY_MEM_LIMIT (1024 * 1024)

struct msgbody;

struct msgbody *msgbody_new(void);
/* Empty the body for reuse (a spilled file is dropped). */
void msgbody_reset(struct msgbody *b);
void msgbody_free(struct msgbody **b);

/* Append bytes.  CRLF pairs become LF, also when a chunk ends between CR
 * and LF; a lone CR is kept.  Returns 0, or -1 with *err_r (temporary file
 * errors such as a full disk). */
int msgbody_write(struct msgbody *b, const void *data, size_t n,
		  char **err_r);
/* No more data: a CR held back at the end is written.  0 or -1. */
int msgbody_finish(struct msgbody *b, char **err_r);

/* Size in bytes (LF form), number of LF characters, and the offset just
 * past the blank line that ends the header block (0 when there is none).
 * With CRLF line ends the size would be size + lines. */
uint64_t msgbody_size(const struct msgbody *b);
uint64_t msgbody_lines(const struct msgbody *b);
uint64_t msgbody_header_end(const struct msgbody *b);

/* Copy up to n bytes from offset `off` into buf; *got_r = 0 at the end.
 * 0 or -1 with *err_r. */
int msgbody_read(const struct msgbody *b, uint64_t off, void *buf, size_t n,
		 size_t *got_r, char **err_r);

/* The whole body, NUL-terminated, while it is in memory (NULL once
 * spilled). */
const char *msgbody_mem(const struct msgbody *b);

#endif
