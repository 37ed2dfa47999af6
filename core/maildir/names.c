/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Maildir message file names: flag sets, 4.0-compatible parsing, building
 * and renaming names, the FMD5 hash. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "maildir/names.h"
#include "util.h"

int maildir_flags_parse(const char *letters, size_t len, uint64_t *flags_r)
{
	uint64_t flags = 0;
	for (size_t i = 0; i < len; i++) {
		uint64_t bit = MAILDIR_FLAG(letters[i]);
		if (!bit)
			return -1;
		flags |= bit;
	}
	*flags_r = flags;
	return 0;
}

size_t maildir_flags_format(uint64_t flags, char out[MAILDIR_FLAGS_BUFSIZE])
{
	size_t n = 0;
	for (int i = 0; i < 52; i++)
		if (flags & (UINT64_C(1) << i))
			out[n++] = (char)(i < 26 ? 'A' + i : 'a' + i - 26);
	out[n] = '\0';
	return n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_lhex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* 4.0's ",U=(\d+)" search: the first ",U=" followed by a digit. */
static void find_uid(const char *name, struct maildir_name *out)
{
	for (const char *p = strstr(name, ",U="); p; p = strstr(p + 1, ",U=")) {
		const char *d = p + 3;
		if (!is_digit(*d))
			continue;
		unsigned long long v = 0;
		bool overflow = false;
		for (; is_digit(*d); d++) {
			v = v * 10 + (unsigned long long)(*d - '0');
			if (v > UINT32_MAX)
				overflow = true, v = UINT32_MAX + 1ULL;
		}
		if (!overflow && v > 0) {
			out->has_uid = true;
			out->uid = (uint32_t)v;
		}
		return;
	}
}

/* The ",FMD5=([0-9a-f]{32})" search. */
static void find_fmd5(const char *name, struct maildir_name *out)
{
	for (const char *p = strstr(name, ",FMD5="); p;
	     p = strstr(p + 1, ",FMD5=")) {
		const char *h = p + 6;
		size_t n = 0;
		while (n < 32 && is_lhex(h[n]))
			n++;
		if (n < 32)
			continue;
		memcpy(out->fmd5, h, 32);
		out->fmd5[32] = '\0';
		out->has_fmd5 = true;
		return;
	}
}

/* In line[from..len): the upper-case run after the last "2," that is
 * followed by an upper-case letter. */
static uint64_t last_upper_run(const char *line, size_t from, size_t len)
{
	for (size_t i = len; i-- > from;) {
		if (i + 2 >= len || line[i] != '2' || line[i + 1] != ',' ||
		    !is_upper(line[i + 2]))
			continue;
		uint64_t flags = 0;
		for (i += 2; i < len && is_upper(line[i]); i++)
			flags |= MAILDIR_FLAG(line[i]);
		return flags;
	}
	return 0;
}

/* 4.0's flag search ":.*2,([A-Z]+)" (with the separator for ':'): "."
 * does not match a newline, so per line, from the line's first separator,
 * the last "2," followed by an upper-case letter. */
static uint64_t find_upper_flags(const char *name, char infosep)
{
	for (const char *line = name;;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *sep = memchr(line, infosep, len);
		uint64_t flags = sep ? last_upper_run(line,
						      (size_t)(sep - line) + 1,
						      len) : 0;
		if (flags || !eol)
			return flags;
		line = eol + 1;
	}
}

/* True when s[0..len) (after a separator) is a standard info part,
 * [a-z]*2,[A-Za-z]*; adds its letters to *flags_r. */
static bool standard_info(const char *s, size_t len, uint64_t *flags_r)
{
	size_t i = 0;
	uint64_t flags = 0;
	while (i < len && is_lower(s[i]))
		flags |= MAILDIR_FLAG(s[i]), i++;
	if (i + 2 > len || s[i] != '2' || s[i + 1] != ',')
		return false;
	for (i += 2; i < len; i++) {
		if (!is_upper(s[i]) && !is_lower(s[i]))
			return false;
		flags |= MAILDIR_FLAG(s[i]);
	}
	*flags_r |= flags;
	return true;
}

static const char *last_sep(const char *s, size_t len, char sep)
{
	while (len--)
		if (s[len] == sep)
			return s + len;
	return NULL;
}

/* "<digits>_<digits>.<digits>.<host>,U=<digits>,FMD5=<32 hex>" exactly. */
static void parse_ours(const char *name, struct maildir_name *out)
{
	const char *p = name, *end = name + out->base_len;
	unsigned long long v[3];
	static const char seps[3] = { '_', '.', '.' };
	for (int i = 0; i < 3; i++) {
		if (p >= end || !is_digit(*p))
			return;
		v[i] = 0;
		for (; p < end && is_digit(*p); p++) {
			if (v[i] > (~0ULL - 9) / 10)
				return;
			v[i] = v[i] * 10 + (unsigned long long)(*p - '0');
		}
		if (p >= end || *p != seps[i])
			return;
		p++;
	}
	const char *host = p;
	while (p < end && *p != ',')
		p++;
	size_t host_len = (size_t)(p - host);
	if (host_len == 0 || end - p < 4 || strncmp(p, ",U=", 3) != 0)
		return;
	p += 3;
	if (!is_digit(*p))
		return;
	while (p < end && is_digit(*p))
		p++;
	if (end - p != 6 + 32 || strncmp(p, ",FMD5=", 6) != 0)
		return;
	for (p += 6; p < end; p++)
		if (!is_lhex(*p))
			return;
	if (!out->has_uid || !out->has_fmd5)
		return;
	out->ours = true;
	out->seconds = v[0];
	out->seq = v[1];
	out->pid = v[2];
	out->host_off = (size_t)(host - name);
	out->host_len = host_len;
}

void maildir_name_parse(const char *name, char infosep,
			struct maildir_name *out)
{
	memset(out, 0, sizeof(*out));
	find_uid(name, out);
	find_fmd5(name, out);
	out->flags = find_upper_flags(name, infosep);
	/* The info part is the trailing run of standard info parts (more
	 * than one only in names mangled by hand or by other tools); its
	 * last part holds the flags.  Taking the whole run keeps renames
	 * stable: what is left as the base never ends in an info part. */
	size_t end = strlen(name);
	out->base_len = end;
	for (;;) {
		const char *p = last_sep(name, end, infosep);
		uint64_t flags = 0;
		if (!p || !standard_info(p + 1, end - (size_t)(p + 1 - name),
					 &flags))
			break;
		if (!out->has_info)
			out->flags |= flags;
		out->has_info = true;
		end = out->base_len = (size_t)(p - name);
	}
	parse_ours(name, out);
}

void maildir_fmd5(const char *folder, char out[33])
{
	unsigned char md[CRYPTO_MD5_LEN];
	crypto_md5(folder, strlen(folder), md);
	char *hex = crypto_hex(md, sizeof(md));
	memcpy(out, hex, 33);
	free(hex);
}

char *maildir_hostname_sanitise(const char *host)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, "", 0);
	for (const unsigned char *p = (const unsigned char *)host; *p; p++) {
		if (*p == '/' || *p == ':' || *p == ',' || *p == '!' ||
		    *p == '\\' || *p < 0x20 || *p == 0x7f)
			strbuf_addf(&sb, "\\%03o", *p);
		else
			strbuf_addch(&sb, (char)*p);
	}
	return strbuf_detach(&sb);
}

static pthread_mutex_t seq_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t seq_secs = -1;
static unsigned long seq_next;
static char *host_cached;

void maildir_name_next_seq(time_t *secs_r, unsigned long *seq_r)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&seq_lock);
	if (now != seq_secs) {
		seq_secs = now;
		seq_next = 0;
	}
	*secs_r = now;
	*seq_r = seq_next++;
	pthread_mutex_unlock(&seq_lock);
}

static const char *hostname(void)
{
	pthread_mutex_lock(&seq_lock);
	if (!host_cached) {
		char buf[256];
		if (gethostname(buf, sizeof(buf)) < 0 || !buf[0])
			strcpy(buf, "localhost");
		buf[sizeof(buf) - 1] = '\0';
		host_cached = maildir_hostname_sanitise(buf);
	}
	pthread_mutex_unlock(&seq_lock);
	return host_cached;
}

char *maildir_name_unique(void)
{
	time_t secs;
	unsigned long seq;
	const char *host = hostname();
	maildir_name_next_seq(&secs, &seq);
	return xasprintf("%lld_%lu.%ld.%s", (long long)secs, seq,
			 (long)getpid(), host);
}

static void add_info(struct strbuf *sb, char infosep, uint64_t flags)
{
	char letters[MAILDIR_FLAGS_BUFSIZE];
	maildir_flags_format(flags, letters);
	strbuf_addch(sb, infosep);
	strbuf_addstr(sb, "2,");
	strbuf_addstr(sb, letters);
}

char *maildir_name_build(const char *unique, uint32_t uid, const char *fmd5,
			 char infosep, uint64_t flags, bool in_new)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, unique);
	if (uid > 0)
		strbuf_addf(&sb, ",U=%lu,FMD5=%s", (unsigned long)uid, fmd5);
	if (!in_new || flags)
		add_info(&sb, infosep, flags);
	return strbuf_detach(&sb);
}

bool maildir_flags_in_new(uint64_t flags)
{
	return flags == 0;
}

char *maildir_name_set_flags(const char *name, char infosep, uint64_t flags,
			     bool in_new, bool *in_new_r)
{
	struct maildir_name pn;
	maildir_name_parse(name, infosep, &pn);
	bool to_new = in_new && flags == 0;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add(&sb, name, pn.base_len);
	if (!to_new)
		add_info(&sb, infosep, flags);
	*in_new_r = to_new;
	return strbuf_detach(&sb);
}
