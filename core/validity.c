/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FolderValidity and UIDMapping files: strict reading, crash-safe
 * replacement. */
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "util.h"
#include "validity.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* s[0..len) stripped of surrounding white space. */
static void strip_range(const char **s, size_t *len)
{
	while (*len && is_space(**s))
		(*s)++, (*len)--;
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* Decimal 0..2^32-1 (min_value: 0 or 1). */
static bool parse_u32(const char *s, size_t len, uint32_t min_value,
		      uint32_t *v_r)
{
	if (!len || len > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX || v < min_value)
		return false;
	*v_r = (uint32_t)v;
	return true;
}

static char *excerpt(const char *s, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (size_t i = 0; i < len && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];
		strbuf_addch(&sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	return strbuf_detach(&sb);
}

int validity_read(const char *dir, const char *name, uint32_t *value_r,
		  char **err_r)
{
	char *data;
	size_t len;
	char *path = xasprintf("%s/%s", dir, name);
	int r = fsutil_read_file(path, &data, &len, err_r);
	if (r != 0) {
		free(path);
		return r;
	}
	const char *s = data;
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;
	strip_range(&s, &n);
	uint32_t v;
	if (!parse_u32(s, n, 0, &v) || memchr(data, '\0', len)) {
		char *ex = excerpt(s, n);
		*err_r = xasprintf("FolderValidity file %s does not hold a "
				   "UID validity (\"%s\"); remove it to "
				   "accept the folder's current one", path,
				   ex);
		free(ex);
		free(data);
		free(path);
		return -1;
	}
	free(data);
	free(path);
	*value_r = v;
	return 0;
}

int validity_write(const char *dir, const char *name, uint32_t value,
		   char **err_r)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%lu\n", (unsigned long)value);
	return fsutil_write_file_atomic(dir, name, buf, (size_t)n, err_r);
}

void uidmap_init(struct uidmap *m)
{
	uid_table_init(&m->l2r);
	uid_table_init(&m->r2l);
}

void uidmap_release(struct uidmap *m)
{
	uid_table_release(&m->l2r);
	uid_table_release(&m->r2l);
}

size_t uidmap_count(const struct uidmap *m)
{
	return m->l2r.count;
}

uint32_t uidmap_remote(const struct uidmap *m, uint32_t local)
{
	uint64_t v;
	return uid_table_get(&m->l2r, local, &v) ? (uint32_t)v : 0;
}

uint32_t uidmap_local(const struct uidmap *m, uint32_t remote)
{
	uint64_t v;
	return uid_table_get(&m->r2l, remote, &v) ? (uint32_t)v : 0;
}

bool uidmap_remove_local(struct uidmap *m, uint32_t local)
{
	uint32_t remote = uidmap_remote(m, local);
	if (!remote)
		return false;
	uid_table_remove(&m->l2r, local);
	uid_table_remove(&m->r2l, remote);
	return true;
}

bool uidmap_remove_remote(struct uidmap *m, uint32_t remote)
{
	uint32_t local = uidmap_local(m, remote);
	if (!local)
		return false;
	uid_table_remove(&m->l2r, local);
	uid_table_remove(&m->r2l, remote);
	return true;
}

void uidmap_set(struct uidmap *m, uint32_t local, uint32_t remote)
{
	uidmap_remove_local(m, local);
	uidmap_remove_remote(m, remote);
	uid_table_put(&m->l2r, local, remote);
	uid_table_put(&m->r2l, remote, local);
}

int uidmap_read(const char *dir, const char *name, struct uidmap *m,
		char **err_r)
{
	char *data;
	size_t len;
	char *path = xasprintf("%s/%s", dir, name);
	int r = fsutil_read_file(path, &data, &len, err_r);
	if (r != 0) {
		free(path);
		return r;
	}
	int ret = -1;
	size_t lineno = 0;
	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p;
		size_t n = (size_t)((nl ? nl : end) - p);
		p = nl ? nl + 1 : end;
		lineno++;
		strip_range(&s, &n);
		const char *colon = memchr(s, ':', n);
		uint32_t local, remote;
		if (!colon ||
		    !parse_u32(s, (size_t)(colon - s), 1, &local) ||
		    !parse_u32(colon + 1, n - (size_t)(colon + 1 - s), 1,
			       &remote)) {
			char *ex = excerpt(s, n);
			*err_r = xasprintf("%s line %zu: corrupt UID mapping "
					   "\"%s\" (expected <local>:<remote>)",
					   path, lineno, ex);
			free(ex);
			goto out;
		}
		if (uidmap_remote(m, local) || uidmap_local(m, remote)) {
			bool l = uidmap_remote(m, local) != 0;
			*err_r = xasprintf("%s line %zu: %s UID %lu is mapped "
					   "twice", path, lineno,
					   l ? "local" : "remote",
					   (unsigned long)(l ? local : remote));
			goto out;
		}
		uidmap_set(m, local, remote);
	}
	ret = 0;
out:
	if (ret < 0)
		uidmap_release(m);
	free(data);
	free(path);
	return ret;
}

int uidmap_write(const char *dir, const char *name, const struct uidmap *m,
		 char **err_r)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	uint32_t *locals = uid_table_sorted_keys(&m->l2r);
	for (size_t i = 0; i < m->l2r.count; i++)
		strbuf_addf(&sb, "%lu:%lu\n", (unsigned long)locals[i],
			    (unsigned long)uidmap_remote(m, locals[i]));
	free(locals);
	int r = fsutil_write_file_atomic(dir, name, sb.buf, sb.len, err_r);
	strbuf_release(&sb);
	return r;
}
