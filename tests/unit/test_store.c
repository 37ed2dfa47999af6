/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Message bodies (CRLF folding across chunks, header end, spilling to a
 * temporary file) and the store helpers (flag letters, sorted lists). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "msgbody.h"
#include "store.h"

static char *read_all(const struct msgbody *b)
{
	uint64_t size = msgbody_size(b);
	char *out = malloc(size + 1);
	uint64_t off = 0;
	while (off < size) {
		size_t got;
		char *err = NULL;
		if (msgbody_read(b, off, out + off, 4096, &got, &err) < 0 ||
		    !got) {
			free(err);
			break;
		}
		off += got;
	}
	out[off] = '\0';
	return out;
}

/* Feed `in` in pieces of `step` bytes. */
static char *feed(const char *in, size_t step, uint64_t *lines,
		  uint64_t *hend)
{
	struct msgbody *b = msgbody_new();
	char *err = NULL;
	size_t n = strlen(in);
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		if (msgbody_write(b, in + off, k, &err) < 0)
			break;
	}
	msgbody_finish(b, &err);
	*lines = msgbody_lines(b);
	*hend = msgbody_header_end(b);
	char *out = read_all(b);
	msgbody_free(&b);
	free(err);
	return out;
}

TEST(test_crlf_folding_any_chunking)
{
	static const struct {
		const char *in, *out;
		uint64_t lines, hend;
	} cases[] = {
		{ "A: b\r\nC: d\r\n\r\nbody\r\n", "A: b\nC: d\n\nbody\n", 4,
		  11 },
		{ "A: b\n\nx", "A: b\n\nx", 2, 6 },
		{ "no header end\r\n", "no header end\n", 1, 0 },
		{ "\r\nbody", "\nbody", 1, 1 },
		{ "lone\rcr\r", "lone\rcr\r", 0, 0 },
		{ "a\r\r\nb", "a\r\nb", 1, 0 },
		{ "", "", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 1; step <= 7; step++) {
			uint64_t lines, hend;
			char *out = feed(cases[i].in, step, &lines, &hend);
			CHECK_STREQ(out, cases[i].out);
			CHECK_INTEQ(lines, cases[i].lines);
			CHECK_INTEQ(hend, cases[i].hend);
			free(out);
		}
	}
}

TEST(test_spill_to_file)
{
	struct msgbody *b = msgbody_new();
	char *err = NULL;
	char chunk[1000];
	memset(chunk, 'x', sizeof(chunk));
	chunk[sizeof(chunk) - 2] = '\r';
	chunk[sizeof(chunk) - 1] = '\n';
	size_t total = 0;
	for (int i = 0; i < 3000; i++) {
		CHECK_INTEQ(msgbody_write(b, chunk, sizeof(chunk), &err), 0);
		total += sizeof(chunk) - 1;
	}
	CHECK_INTEQ(msgbody_finish(b, &err), 0);
	CHECK(msgbody_mem(b) == NULL);	/* spilled */
	CHECK_INTEQ(msgbody_size(b), total);
	CHECK_INTEQ(msgbody_lines(b), 3000);
	char buf[999];
	size_t got;
	CHECK_INTEQ(msgbody_read(b, 999 * 1500, buf, sizeof(buf), &got, &err),
		    0);
	CHECK_INTEQ(got, 999);
	CHECK(buf[0] == 'x' && buf[997] == 'x' && buf[998] == '\n');
	/* Reset goes back to memory. */
	msgbody_reset(b);
	CHECK_INTEQ(msgbody_write(b, "a\r\n", 3, &err), 0);
	CHECK_STREQ(msgbody_mem(b), "a\n");
	msgbody_free(&b);
	CHECK(b == NULL);
}

TEST(test_flags)
{
	char buf[27];
	store_flags_format(store_flags_parse("TSRFD"), buf);
	CHECK_STREQ(buf, "DFRST");
	store_flags_format(store_flags_parse("Sa,P"), buf);
	CHECK_STREQ(buf, "PS");
	store_flags_format(0, buf);
	CHECK_STREQ(buf, "");
	CHECK_INTEQ(store_flags_parse("Z"), STORE_FLAG('Z'));
}

TEST(test_msglist)
{
	struct store_msglist l = { 0 };
	long long uids[] = { 5, -1, 3, 9, -2, 1 };
	for (size_t i = 0; i < 6; i++) {
		struct store_msg m = { .uid = uids[i], .flags = (unsigned)i };
		if (uids[i] < 0)
			m.key = strdup("key");
		store_msglist_add(&l, &m);
	}
	store_msglist_sort(&l);
	CHECK_INTEQ(l.v[0].uid, -2);
	CHECK_INTEQ(l.v[5].uid, 9);
	CHECK(store_msglist_find(&l, 3) && store_msglist_find(&l, 3)->flags == 2);
	CHECK(store_msglist_find(&l, 4) == NULL);
	store_msglist_remove(&l, -1);	/* frees its key */
	store_msglist_remove(&l, 42);	/* absent: no-op */
	CHECK_INTEQ(l.n, 5);
	CHECK(store_msglist_find(&l, -1) == NULL);
	CHECK(store_msglist_find(&l, 9) != NULL);
	store_msglist_release(&l);
	CHECK(l.n == 0 && l.v == NULL);
}

RUN_TESTS(test_crlf_folding_any_chunking, test_spill_to_file, test_flags,
	  test_msglist)
