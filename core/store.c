/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by every store: flag letters and sorted message lists. */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

void store_flags_format(unsigned flags, char buf[27])
{
	size_t n = 0;
	for (char c = 'A'; c <= 'Z'; c++)
		if (flags & STORE_FLAG(c))
			buf[n++] = c;
	buf[n] = '\0';
}

unsigned store_flags_parse(const char *letters)
{
	unsigned flags = 0;
	for (; *letters; letters++)
		if (*letters >= 'A' && *letters <= 'Z')
			flags |= STORE_FLAG(*letters);
	return flags;
}

void store_msglist_add(struct store_msglist *l, const struct store_msg *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *m;
}

static int cmp_uid(const void *a, const void *b)
{
	long long x = ((const struct store_msg *)a)->uid;
	long long y = ((const struct store_msg *)b)->uid;
	return (x > y) - (x < y);
}

void store_msglist_sort(struct store_msglist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_uid);
}

struct store_msg *store_msglist_find(const struct store_msglist *l,
				     long long uid)
{
	struct store_msg key = { .uid = uid };
	if (!l->n)
		return NULL;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_uid);
}

void store_msglist_remove(struct store_msglist *l, long long uid)
{
	struct store_msg *m = store_msglist_find(l, uid);
	if (!m)
		return;
	size_t i = (size_t)(m - l->v);
	free(m->key);
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

void store_msglist_release(struct store_msglist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void store_folder_infos_free(struct store_folder_info **v, size_t n)
{
	if (!*v)
		return;
	for (size_t i = 0; i < n; i++)
		free((*v)[i].name);
	FREE(v);
}
