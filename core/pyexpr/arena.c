// SPDX-License-Identifier: GPL-2.0-or-later
/* Arena allocation for the evaluator: every value of one evaluation lives
 * in one arena that is released at once, so values need no reference
 * counts and an error path never leaks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr/internal.h"
#include "util.h"

#define CHUNK_SIZE (32 * 1024)

struct pyx_chunk {
	struct pyx_chunk *next;
	size_t size, used;
	max_align_t data[];
};

struct pyx_cleanup {
	struct pyx_cleanup *next;
	void (*fn)(void *);
	void *p;
};

void pyx_arena_init(struct pyx_arena *a, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}

void *pyx_alloc(struct pyx_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	struct pyx_chunk *c = a->chunks;
	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
		struct pyx_chunk *nc = xmalloc(sizeof(*nc) + size);
		nc->size = size;
		nc->used = 0;
		if (c && size != CHUNK_SIZE) {
			/* A big block goes behind the current chunk so the
			 * rest of that chunk stays usable. */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->chunks = nc;
		}
		c = nc;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	a->total += n;
	if (a->limit && a->total > a->limit)
		a->exhausted = true;
	memset(p, 0, n);
	return p;
}

char *pyx_strndup(struct pyx_arena *a, const char *s, size_t n)
{
	char *p = pyx_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pyx_strdup(struct pyx_arena *a, const char *s)
{
	return pyx_strndup(a, s, strlen(s));
}

char *pyx_printf(struct pyx_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *tmp = xvasprintf(fmt, ap);
	va_end(ap);
	char *p = pyx_strdup(a, tmp);
	free(tmp);
	return p;
}

void pyx_arena_on_free(struct pyx_arena *a, void (*fn)(void *), void *p)
{
	struct pyx_cleanup *c = xmalloc(sizeof(*c));
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
}

void pyx_arena_mark(struct pyx_arena *a, struct pyx_mark *m_r)
{
	m_r->chunk = a->chunks;
	m_r->used = a->chunks ? a->chunks->used : 0;
	m_r->next = a->chunks ? a->chunks->next : NULL;
	m_r->total = a->total;
	m_r->cleanups = a->cleanups;
}

static void run_cleanups(struct pyx_arena *a, struct pyx_cleanup *stop)
{
	while (a->cleanups != stop) {
		struct pyx_cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->p);
		free(c);
	}
}

void pyx_arena_rewind(struct pyx_arena *a, const struct pyx_mark *m)
{
	run_cleanups(a, m->cleanups);
	/* Chunks allocated after the mark sit before it in the list, except
	 * big blocks, which were linked right behind the then-current
	 * chunk; free both kinds. */
	while (a->chunks && a->chunks != m->chunk) {
		struct pyx_chunk *c = a->chunks;
		a->chunks = c->next;
		free(c);
	}
	if (m->chunk) {
		struct pyx_chunk *c = m->chunk;
		while (c->next != m->next) {
			struct pyx_chunk *big = c->next;
			c->next = big->next;
			free(big);
		}
		c->used = m->used;
	}
	a->total = m->total;
	a->exhausted = a->limit && a->total > a->limit;
}

void pyx_arena_release(struct pyx_arena *a)
{
	run_cleanups(a, NULL);
	while (a->chunks) {
		struct pyx_chunk *c = a->chunks;
		a->chunks = c->next;
		free(c);
	}
	a->total = 0;
	a->exhausted = false;
}
