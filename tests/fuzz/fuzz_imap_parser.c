// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target for the IMAP response parser: the input is parsed in
 * one chunk and again in pieces whose sizes the input itself picks, and
 * the two must give identical responses (dumped canonically, with the
 * typed views applied); small limits reach the limit paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/parser.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dump_arg(struct strbuf *sb, const struct imap_arg *a)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
		strbuf_addf(sb, "A%zu:", a->len);
		strbuf_add(sb, a->str, a->len);
		break;
	case IMAP_ARG_STRING:
		strbuf_addf(sb, "S%zu:", a->len);
		strbuf_add(sb, a->str, a->len);
		break;
	case IMAP_ARG_LITERAL:
		if (a->str) {
			strbuf_addf(sb, "L%zu:", a->len);
			strbuf_add(sb, a->str, a->len);
		} else {
			strbuf_addf(sb, "STREAMED%zu", a->len);
		}
		break;
	case IMAP_ARG_NIL:
		strbuf_addstr(sb, "NIL");
		break;
	case IMAP_ARG_LIST:
		strbuf_addch(sb, '(');
		for (size_t i = 0; i < a->count; i++) {
			if (i)
				strbuf_addch(sb, ' ');
			dump_arg(sb, &a->list[i]);
		}
		strbuf_addch(sb, ')');
		break;
	}
}

/* Exercise the typed views; their results become part of the dump. */
static void dump_views(struct strbuf *sb, const struct imap_response *r)
{
	struct imap_list_info li;
	struct imap_status_info si;
	struct imap_fetch_info fi;
	uint32_t *nums;
	size_t n;
	uint64_t modseq;

	if (imap_response_list(r, &li) == 0)
		strbuf_addf(sb, " list(%zu,%d,%zu)", li.n_flags, li.delimiter,
			    li.name_len);
	if (imap_response_status(r, &si) == 0)
		strbuf_addf(sb, " status(%u,%u,%llu)", si.messages, si.uidnext,
			    (unsigned long long)si.highestmodseq);
	if (imap_response_search(r, &nums, &n, &modseq) == 0) {
		strbuf_addf(sb, " search(%zu,%llu)", n,
			    (unsigned long long)modseq);
		free(nums);
	}
	if (imap_response_fetch(r, &fi) == 0) {
		strbuf_addf(sb, " fetch(%u,%u,%zu,%llu,%s)", fi.seq, fi.uid,
			    fi.n_flags, (unsigned long long)fi.size,
			    fi.internaldate ? fi.internaldate : "-");
		if (fi.body)
			dump_arg(sb, fi.body);
	}
	const struct imap_arg *a = imap_fetch_item(r, "UID");
	if (a)
		strbuf_addf(sb, " uid=%s", imap_arg_astring(a) ? "y" : "n");
}

static void dump_resp(struct strbuf *sb, const struct imap_response *r)
{
	strbuf_addf(sb, "%d", (int)r->type);
	if (r->tag)
		strbuf_addf(sb, " tag=%s", r->tag);
	if (r->name)
		strbuf_addf(sb, " name=%s", r->name);
	strbuf_addf(sb, " st=%d kind=%d", (int)r->status, (int)r->kind);
	if (r->has_number)
		strbuf_addf(sb, " num=%u", r->number);
	if (r->code.name) {
		strbuf_addf(sb, " code=%s/%d/%u/%u/%llu", r->code.name,
			    (int)r->code.code, r->code.uidvalidity,
			    r->code.number,
			    (unsigned long long)r->code.modseq);
		for (size_t i = 0; i < r->code.n_args; i++) {
			strbuf_addch(sb, ' ');
			dump_arg(sb, &r->code.args[i]);
		}
	}
	if (r->text)
		strbuf_addf(sb, " text=[%s]", r->text);
	for (size_t i = 0; i < r->n_args; i++) {
		strbuf_addch(sb, ' ');
		dump_arg(sb, &r->args[i]);
	}
	dump_views(sb, r);
	strbuf_addch(sb, '\n');
}

struct run {
	struct strbuf out;
	struct strbuf sink;	/* everything the sink saw */
};

static void sink(void *arg, enum imap_literal_event ev,
		 const struct imap_literal_info *info, const void *data,
		 size_t len)
{
	struct run *run = arg;
	switch (ev) {
	case IMAP_LITERAL_BEGIN:
		strbuf_addf(&run->sink, "<%u %u %s %llu>", info->seq,
			    info->uid, info->item,
			    (unsigned long long)info->size);
		break;
	case IMAP_LITERAL_DATA:
		/* chunking differs between the runs: record the bytes only */
		strbuf_add(&run->sink, data, len);
		break;
	case IMAP_LITERAL_END:
		strbuf_addstr(&run->sink, "</>");
		break;
	}
}

/* Feed data[0..size) in pieces: piece k has length lens[k % n_lens]
 * (0 = all the rest). */
static void parse(const uint8_t *data, size_t size, const uint8_t *lens,
		  size_t n_lens, bool use_sink, struct run *run)
{
	static const struct imap_parser_limits lim = {
		.max_line = 512,
		.max_literal = 1024,
		.max_response = 4096,
		.max_stream = 2048,
		.max_depth = 8,
	};
	struct imap_parser *p = imap_parser_new(&lim);
	size_t pos = 0, k = 0;

	strbuf_init(&run->out);
	strbuf_init(&run->sink);
	if (use_sink)
		imap_parser_set_sink(p, sink, run);
	while (pos < size) {
		size_t piece = n_lens ? lens[k++ % n_lens] : 0;
		if (piece == 0 || piece > size - pos)
			piece = size - pos;
		size_t end = pos + piece;
		/* a response may end before the piece does: feed the rest */
		while (pos < end) {
			const struct imap_response *r;
			size_t used = 0;
			enum imap_parse_result res =
				imap_parser_feed(p, data + pos, end - pos,
						 &used, &r);
			if (used > end - pos)
				abort();
			pos += used;
			if (res == IMAP_PARSE_ERROR) {
				strbuf_addf(&run->out, "ERROR %s\n",
					    imap_parser_error(p));
				if (!imap_parser_error(p))
					abort();
				goto out;
			}
			if (res == IMAP_PARSE_DONE)
				dump_resp(&run->out, r);
			else if (pos != end)
				abort();	/* MORE must consume all */
		}
	}
	strbuf_addf(&run->out, "END idle=%d\n", imap_parser_idle(p));
out:
	imap_parser_free(&p);
}

static bool same(const struct strbuf *a, const struct strbuf *b)
{
	return a->len == b->len && (!a->len || memcmp(a->buf, b->buf, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte: options and how many piece lengths follow. */
	if (size < 1)
		return 0;
	bool use_sink = data[0] & 1;
	size_t n_lens = (data[0] >> 1) & 7;
	if (size < 1 + n_lens)
		return 0;
	const uint8_t *lens = data + 1;
	const uint8_t *in = data + 1 + n_lens;
	size_t len = size - 1 - n_lens;
	static const uint8_t one[] = { 1 };

	struct run whole, pieces, bytes;
	parse(in, len, NULL, 0, use_sink, &whole);
	parse(in, len, lens, n_lens, use_sink, &pieces);
	parse(in, len, one, 1, use_sink, &bytes);
	if (!same(&whole.out, &pieces.out) || !same(&whole.out, &bytes.out) ||
	    !same(&whole.sink, &pieces.sink) || !same(&whole.sink, &bytes.sink))
		abort();
	strbuf_release(&whole.out);
	strbuf_release(&whole.sink);
	strbuf_release(&pieces.out);
	strbuf_release(&pieces.sink);
	strbuf_release(&bytes.out);
	strbuf_release(&bytes.sink);
	return 0;
}
