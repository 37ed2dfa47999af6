// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the incremental IMAP response parser: every response form,
 * fed in one chunk and byte by byte, plus malformed input and limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "imap/parser.h"
#include "util.h"

/* ---- A canonical text dump of responses, to compare feeding modes ---- */

static void dump_arg(struct strbuf *sb, const struct imap_arg *a)
{
	switch (a->type) {
	case IMAP_ARG_ATOM:
		strbuf_addf(sb, "A:%s", a->str);
		break;
	case IMAP_ARG_STRING:
		strbuf_addf(sb, "S:%s", a->str);
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

static void dump_resp(struct strbuf *sb, const struct imap_response *r)
{
	static const char *types[] = { "UNTAGGED", "TAGGED", "CONT" };
	strbuf_addf(sb, "%s", types[r->type]);
	if (r->tag)
		strbuf_addf(sb, " tag=%s", r->tag);
	if (r->name)
		strbuf_addf(sb, " name=%s", r->name);
	strbuf_addf(sb, " st=%d kind=%d", (int)r->status, (int)r->kind);
	if (r->has_number)
		strbuf_addf(sb, " num=%u", r->number);
	if (r->code.name) {
		strbuf_addf(sb, " code=%s/%d", r->code.name, (int)r->code.code);
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
	strbuf_addch(sb, '\n');
}

struct sink_rec {
	struct strbuf data;
	struct strbuf events;
};

static void rec_sink(void *arg, enum imap_literal_event ev,
		     const struct imap_literal_info *info, const void *data,
		     size_t len)
{
	struct sink_rec *s = arg;
	if (ev == IMAP_LITERAL_BEGIN)
		strbuf_addf(&s->events, "begin seq=%u uid=%u item=%s size=%llu;",
			    info->seq, info->uid, info->item,
			    (unsigned long long)info->size);
	else if (ev == IMAP_LITERAL_END)
		strbuf_addstr(&s->events, "end;");
	else
		strbuf_add(&s->data, data, len);
}

/* Feed `in` in pieces of `step` bytes (0 = all at once); return the dump of
 * every response, ending with "ERROR: <msg>" if the parser failed. */
static char *run(const char *in, size_t len, size_t step,
		 const struct imap_parser_limits *lim, struct sink_rec *sink)
{
	struct imap_parser *p = imap_parser_new(lim);
	struct strbuf sb;
	size_t pos = 0;

	strbuf_init(&sb);
	if (sink)
		imap_parser_set_sink(p, rec_sink, sink);
	while (pos < len) {
		size_t n = step ? step : len - pos;
		if (n > len - pos)
			n = len - pos;
		size_t off = 0;
		while (off < n) {
			size_t used;
			const struct imap_response *r;
			enum imap_parse_result res =
				imap_parser_feed(p, in + pos + off, n - off,
						 &used, &r);
			off += used;
			if (res == IMAP_PARSE_ERROR) {
				strbuf_addf(&sb, "ERROR: %s\n",
					    imap_parser_error(p));
				goto out;
			}
			if (res == IMAP_PARSE_DONE)
				dump_resp(&sb, r);
			else
				break;
		}
		pos += n;
	}
	if (!imap_parser_idle(p))
		strbuf_addstr(&sb, "INCOMPLETE\n");
out:
	imap_parser_free(&p);
	return strbuf_detach(&sb);
}

/* Dump once whole, once byte by byte, once in 7-byte pieces; all equal. */
static char *run_all_ways(const char *in, size_t len)
{
	char *a = run(in, len, 0, NULL, NULL);
	char *b = run(in, len, 1, NULL, NULL);
	char *c = run(in, len, 7, NULL, NULL);
	CHECK_STREQ(a, b);
	CHECK_STREQ(a, c);
	free(b);
	free(c);
	return a;
}

static void expect(const char *in, const char *want)
{
	char *got = run_all_ways(in, strlen(in));
	CHECK_STREQ(got, want);
	free(got);
}

static void expect_error(const char *in, size_t len, const char *substr)
{
	char *got = run_all_ways(in, len);
	CHECK(strncmp(got, "ERROR: ", 7) == 0 || strstr(got, "\nERROR: "));
	if (!strstr(got, substr))
		fprintf(stderr, "expected error containing \"%s\", got: %s",
			substr, got);
	CHECK(strstr(got, substr) != NULL);
	free(got);
}

/* Parse exactly one response from `in` (in one chunk). */
static struct imap_parser *one(const char *in,
			       const struct imap_response **r_r)
{
	struct imap_parser *p = imap_parser_new(NULL);
	size_t used;
	enum imap_parse_result res = imap_parser_feed(p, in, strlen(in),
						      &used, r_r);
	CHECK_INTEQ(res, IMAP_PARSE_DONE);
	CHECK_INTEQ(used, strlen(in));
	return p;
}

/* ---- Tests ---- */

TEST(test_greetings)
{
	expect("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] Dovecot ready.\r\n",
	       "UNTAGGED name=OK st=1 kind=0 code=CAPABILITY/4 A:IMAP4rev1 A:LITERAL+ A:SASL-IR A:AUTH=PLAIN text=[Dovecot ready.]\n");
	expect("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as joe\r\n",
	       "UNTAGGED name=PREAUTH st=5 kind=0 code=CAPABILITY/4 A:IMAP4rev1 text=[Logged in as joe]\n");
	expect("* BYE Autologout; idle for too long\r\n",
	       "UNTAGGED name=BYE st=4 kind=0 text=[Autologout; idle for too long]\n");
	/* lower-case status, bare LF, no text at all */
	expect("* ok hello\n* OK\r\n",
	       "UNTAGGED name=OK st=1 kind=0 text=[hello]\n"
	       "UNTAGGED name=OK st=1 kind=0 text=[]\n");
}

TEST(test_tagged)
{
	expect("a1 OK [READ-WRITE] SELECT completed\r\n"
	       "a2 NO [TRYCREATE] no such mailbox\r\n"
	       "a3 BAD Error in IMAP command: (unbalanced ( \"text\r\n",
	       "TAGGED tag=a1 name=OK st=1 kind=0 code=READ-WRITE/12 text=[SELECT completed]\n"
	       "TAGGED tag=a2 name=NO st=2 kind=0 code=TRYCREATE/13 text=[no such mailbox]\n"
	       "TAGGED tag=a3 name=BAD st=3 kind=0 text=[Error in IMAP command: (unbalanced ( \"text]\n");
	/* status text may end in something that looks like a literal */
	expect("A1 OK done {5}\r\n",
	       "TAGGED tag=A1 name=OK st=1 kind=0 text=[done {5}]\n");
}

TEST(test_codes)
{
	const struct imap_response *r;
	struct imap_parser *p;

	p = one("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_UIDVALIDITY);
	CHECK_INTEQ(r->code.uidvalidity, 3857529045u);
	imap_parser_free(&p);

	p = one("* OK [UIDNEXT 4392] Predicted next UID\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_UIDNEXT);
	CHECK_INTEQ(r->code.number, 4392);
	imap_parser_free(&p);

	p = one("A3 OK [APPENDUID 38505 3955] APPEND completed\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_APPENDUID);
	CHECK_INTEQ(r->code.uidvalidity, 38505);
	CHECK_INTEQ(r->code.number, 3955);
	CHECK_STREQ(r->code.dst_uids, "3955");
	imap_parser_free(&p);

	p = one("A4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_COPYUID);
	CHECK_INTEQ(r->code.uidvalidity, 38505);
	CHECK_STREQ(r->code.src_uids, "304,319:320");
	CHECK_STREQ(r->code.dst_uids, "3956:3958");
	imap_parser_free(&p);

	p = one("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_PERMANENTFLAGS);
	CHECK_INTEQ(r->code.n_args, 1);
	CHECK_INTEQ(r->code.args[0].count, 3);
	CHECK_STREQ(r->code.args[0].list[2].str, "\\*");
	CHECK_STREQ(r->text, "Limited");
	imap_parser_free(&p);

	p = one("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_HIGHESTMODSEQ);
	CHECK(r->code.modseq == 715194045007ull);
	imap_parser_free(&p);

	p = one("* NO [ALERT] System shutdown in 10 minutes\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_ALERT);
	CHECK_INTEQ(r->status, IMAP_STATUS_NO);
	CHECK_STREQ(r->text, "System shutdown in 10 minutes");
	imap_parser_free(&p);

	p = one("a OK [READ-ONLY] EXAMINE completed\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_READ_ONLY);
	imap_parser_free(&p);

	p = one("a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_AUTHENTICATIONFAILED);
	imap_parser_free(&p);

	p = one("* OK [X-UNKNOWN \"a]b\" (1 2)] hmm\r\n", &r);
	CHECK_INTEQ(r->code.code, IMAP_CODE_OTHER);
	CHECK_STREQ(r->code.name, "X-UNKNOWN");
	CHECK_INTEQ(r->code.n_args, 2);
	CHECK_STREQ(r->code.args[0].str, "a]b");
	CHECK_STREQ(r->text, "hmm");
	imap_parser_free(&p);

	expect_error("* OK [UIDVALIDITY abc] x\r\n", 26, "UIDVALIDITY");
	expect_error("* OK [UIDVALIDITY 99999999999] x\r\n", 34, "UIDVALIDITY");
	expect_error("a OK [APPENDUID 1 x] x\r\n", 24, "APPENDUID");
	expect_error("a OK [COPYUID 1 2] x\r\n", 22, "COPYUID");
	expect_error("* OK [UIDNEXT 5 x\r\n", 19, "unterminated response code");
	expect_error("* OK [PERMANENTFLAGS (\\Seen] x\r\n", 32, "response code");
}

TEST(test_continuation)
{
	const struct imap_response *r;
	struct imap_parser *p;

	expect("+ Ready for literal data\r\n+\r\n+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n",
	       "CONT st=0 kind=0 text=[Ready for literal data]\n"
	       "CONT st=0 kind=0 text=[]\n"
	       "CONT st=0 kind=0 text=[PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+]\n");
	p = one("+ [ALERT] careful\r\n", &r);
	CHECK_INTEQ(r->type, IMAP_RESP_CONTINUATION);
	CHECK_INTEQ(r->code.code, IMAP_CODE_ALERT);
	imap_parser_free(&p);
}

TEST(test_numbered)
{
	expect("* 23 EXISTS\r\n* 3 RECENT\r\n* 44 EXPUNGE\r\n",
	       "UNTAGGED name=EXISTS st=0 kind=8 num=23\n"
	       "UNTAGGED name=RECENT st=0 kind=9 num=3\n"
	       "UNTAGGED name=EXPUNGE st=0 kind=10 num=44\n");
	expect("* 0 EXISTS\r\n", "UNTAGGED name=EXISTS st=0 kind=8 num=0\n");
	expect_error("* 4294967296 EXISTS\r\n", 21, "message number");
	expect_error("* 12\r\n", 6, "without a name");
}

TEST(test_capability_flags_enabled)
{
	expect("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n",
	       "UNTAGGED name=CAPABILITY st=0 kind=1 A:IMAP4rev1 A:STARTTLS A:AUTH=GSSAPI A:LOGINDISABLED\n");
	expect("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n",
	       "UNTAGGED name=FLAGS st=0 kind=4 (A:\\Answered A:\\Flagged A:\\Deleted A:\\Seen A:\\Draft A:$Forwarded)\n");
	expect("* ENABLED CONDSTORE QRESYNC\r\n",
	       "UNTAGGED name=ENABLED st=0 kind=7 A:CONDSTORE A:QRESYNC\n");
	expect("* FLAGS ()\r\n", "UNTAGGED name=FLAGS st=0 kind=4 ()\n");
}

TEST(test_list)
{
	const struct imap_response *r;
	struct imap_parser *p;
	struct imap_list_info li;

	expect("* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"
	       "* LIST () NIL INBOX\r\n"
	       "* LIST (\\HasNoChildren) \".\" \"Sent \\\"Items\\\" \\\\x\"\r\n"
	       "* LIST () \"/\" {11}\r\nA (b) \"c\" d\r\n",
	       "UNTAGGED name=LIST st=0 kind=2 (A:\\Noselect) S:/ A:~/Mail/foo\n"
	       "UNTAGGED name=LIST st=0 kind=2 () NIL A:INBOX\n"
	       "UNTAGGED name=LIST st=0 kind=2 (A:\\HasNoChildren) S:. S:Sent \"Items\" \\x\n"
	       "UNTAGGED name=LIST st=0 kind=2 () S:/ L11:A (b) \"c\" d\n");

	p = one("* LIST (\\HasNoChildren \\NoSelect) \"/\" \"&AOQ-rger\"\r\n", &r);
	CHECK_INTEQ(imap_response_list(r, &li), 0);
	CHECK_INTEQ(li.delimiter, '/');
	CHECK_STREQ(li.name, "&AOQ-rger");
	CHECK(imap_list_has_flag(&li, "\\Noselect"));
	CHECK(!imap_list_has_flag(&li, "\\Marked"));
	imap_parser_free(&p);

	p = one("* LIST () NIL Flat\r\n", &r);
	CHECK_INTEQ(imap_response_list(r, &li), 0);
	CHECK_INTEQ(li.delimiter, 0);
	CHECK_STREQ(li.name, "Flat");
	imap_parser_free(&p);

	/* literal name with an 8-bit byte and a NUL-free body */
	p = one("* LSUB () \".\" {4}\r\nb\xc3\xa4r\r\n", &r);
	CHECK_INTEQ(r->kind, IMAP_UNTAGGED_LSUB);
	CHECK_INTEQ(imap_response_list(r, &li), 0);
	CHECK_STREQ(li.name, "b\xc3\xa4r");
	imap_parser_free(&p);

	p = one("* LIST () \"//\" x\r\n", &r);
	CHECK_INTEQ(imap_response_list(r, &li), -1);
	imap_parser_free(&p);
	p = one("* LIST \"/\" x\r\n", &r);
	CHECK_INTEQ(imap_response_list(r, &li), -1);
	imap_parser_free(&p);
}

TEST(test_search_status)
{
	const struct imap_response *r;
	struct imap_parser *p;
	uint32_t *nums;
	size_t n;
	uint64_t modseq;
	struct imap_status_info si;

	p = one("* SEARCH 2 84 882\r\n", &r);
	CHECK_INTEQ(imap_response_search(r, &nums, &n, &modseq), 0);
	CHECK_INTEQ(n, 3);
	CHECK_INTEQ(nums[2], 882);
	CHECK_INTEQ(modseq, 0);
	free(nums);
	imap_parser_free(&p);

	p = one("* SEARCH\r\n", &r);
	CHECK_INTEQ(r->kind, IMAP_UNTAGGED_SEARCH);
	CHECK_INTEQ(imap_response_search(r, &nums, &n, NULL), 0);
	CHECK_INTEQ(n, 0);
	CHECK(nums == NULL);
	imap_parser_free(&p);

	p = one("* SEARCH 4 7 (MODSEQ 917162500)\r\n", &r);
	CHECK_INTEQ(imap_response_search(r, &nums, &n, &modseq), 0);
	CHECK_INTEQ(n, 2);
	CHECK(modseq == 917162500);
	free(nums);
	imap_parser_free(&p);

	p = one("* SEARCH 4 x\r\n", &r);
	CHECK_INTEQ(imap_response_search(r, &nums, &n, NULL), -1);
	imap_parser_free(&p);

	p = one("* STATUS \"blurdy bloop\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 7 HIGHESTMODSEQ 12)\r\n", &r);
	CHECK_INTEQ(imap_response_status(r, &si), 0);
	CHECK_STREQ(si.mailbox, "blurdy bloop");
	CHECK_INTEQ(si.messages, 231);
	CHECK_INTEQ(si.uidnext, 44292);
	CHECK_INTEQ(si.uidvalidity, 7);
	CHECK_INTEQ(si.unseen, UINT32_MAX);
	CHECK(si.highestmodseq == 12);
	imap_parser_free(&p);
}

TEST(test_fetch)
{
	const struct imap_response *r;
	struct imap_parser *p;
	struct imap_fetch_info fi;

	expect("* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \" 5-Jan-2006 10:00:00 +0100\" RFC822.SIZE 4286 UID 99)\r\n",
	       "UNTAGGED name=FETCH st=0 kind=11 num=12 (A:FLAGS (A:\\Seen) A:INTERNALDATE S: 5-Jan-2006 10:00:00 +0100 A:RFC822.SIZE A:4286 A:UID A:99)\n");
	expect("* 1 FETCH (BODY[HEADER.FIELDS (DATE FROM)] {5}\r\nab\r\nc BODY[]<0> NIL)\r\n",
	       "UNTAGGED name=FETCH st=0 kind=11 num=1 (A:BODY[HEADER.FIELDS (DATE FROM)] L5:ab\r\nc A:BODY[]<0> NIL)\n");
	/* two literals in one response, an empty literal, nested lists */
	expect("* 2 FETCH (UID 7 BODY[1] {3}\r\nxyz BODY[2] {0}\r\n BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL) \"MIXED\"))\r\n",
	       "UNTAGGED name=FETCH st=0 kind=11 num=2 (A:UID A:7 A:BODY[1] L3:xyz A:BODY[2] L0: A:BODYSTRUCTURE ((S:TEXT S:PLAIN NIL) S:MIXED))\n");

	p = one("* 3 FETCH (UID 17 FLAGS (\\Seen \\Flagged) MODSEQ (624140003) RFC822.SIZE 44827 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {3}\r\nabc)\r\n", &r);
	CHECK_INTEQ(imap_response_fetch(r, &fi), 0);
	CHECK_INTEQ(fi.seq, 3);
	CHECK_INTEQ(fi.uid, 17);
	CHECK(fi.has_flags);
	CHECK_INTEQ(fi.n_flags, 2);
	CHECK(fi.modseq == 624140003);
	CHECK(fi.size == 44827);
	CHECK_STREQ(fi.internaldate, "17-Jul-1996 02:44:25 -0700");
	CHECK(fi.body && fi.body->type == IMAP_ARG_LITERAL);
	CHECK_STREQ(fi.body->str, "abc");
	CHECK(imap_fetch_item(r, "uid") != NULL);
	CHECK(imap_fetch_item(r, "ENVELOPE") == NULL);
	imap_parser_free(&p);

	p = one("* 3 FETCH (UID x)\r\n", &r);
	CHECK_INTEQ(imap_response_fetch(r, &fi), -1);
	imap_parser_free(&p);
	p = one("* 3 FETCH (UID)\r\n", &r);
	CHECK_INTEQ(imap_response_fetch(r, &fi), -1);
	imap_parser_free(&p);
}

TEST(test_streamed_body)
{
	static const char in[] =
		"* 4 FETCH (UID 42 BODY[] {26}\r\n"
		"From: a\r\n\r\nline1\r\n(line2\r\n FLAGS (\\Seen))\r\n"
		"* 5 FETCH (BODY[] {3}\r\nxyz UID 43)\r\n"
		"* LIST () \"/\" {3}\r\nabc\r\n"
		"a1 OK done\r\n";
	const char *want =
		"UNTAGGED name=FETCH st=0 kind=11 num=4 (A:UID A:42 A:BODY[] STREAMED26 A:FLAGS (A:\\Seen))\n"
		"UNTAGGED name=FETCH st=0 kind=11 num=5 (A:BODY[] STREAMED3 A:UID A:43)\n"
		"UNTAGGED name=LIST st=0 kind=2 () S:/ L3:abc\n"
		"TAGGED tag=a1 name=OK st=1 kind=0 text=[done]\n";
	const char *events = "begin seq=4 uid=42 item=BODY[] size=26;end;"
		"begin seq=5 uid=0 item=BODY[] size=3;end;";

	for (size_t step = 0; step < 4; step++) {
		struct sink_rec s;
		strbuf_init(&s.data);
		strbuf_init(&s.events);
		char *got = run(in, sizeof(in) - 1, step, NULL, &s);
		CHECK_STREQ(got, want);
		CHECK_STREQ(s.events.buf, events);
		CHECK_STREQ(s.data.buf, "From: a\r\n\r\nline1\r\n(line2\r\nxyz");
		free(got);
		strbuf_release(&s.data);
		strbuf_release(&s.events);
	}
}

TEST(test_streaming_bounded)
{
	/* A body far larger than the buffered-literal and response limits
	 * passes through the sink. */
	struct imap_parser_limits lim = imap_parser_default_limits;
	lim.max_literal = 1024;
	lim.max_response = 4096;
	lim.max_line = 256;
	size_t body = 1 << 20;
	struct strbuf in;
	strbuf_init(&in);
	strbuf_addf(&in, "* 1 FETCH (UID 1 BODY[] {%zu}\r\n", body);
	for (size_t i = 0; i < body; i++)
		strbuf_addch(&in, (char)('a' + i % 26));
	strbuf_addstr(&in, ")\r\n");

	struct sink_rec s;
	strbuf_init(&s.data);
	strbuf_init(&s.events);
	char *got = run(in.buf, in.len, 4093, &lim, &s);
	CHECK_STREQ(got, "UNTAGGED name=FETCH st=0 kind=11 num=1 (A:UID A:1 A:BODY[] STREAMED1048576)\n");
	CHECK_INTEQ(s.data.len, body);
	free(got);

	/* Without a sink the same input is refused cleanly. */
	got = run(in.buf, in.len, 0, &lim, NULL);
	CHECK(strstr(got, "ERROR: literal of 1048576 bytes is larger") != NULL);
	free(got);

	/* A streamed literal over max_stream is refused too. */
	lim.max_stream = 100;
	strbuf_reset(&s.data);
	strbuf_reset(&s.events);
	got = run(in.buf, in.len, 0, &lim, &s);
	CHECK(strstr(got, "ERROR: literal of 1048576 bytes") != NULL);
	CHECK_INTEQ(s.data.len, 0);
	free(got);
	strbuf_release(&s.data);
	strbuf_release(&s.events);
	strbuf_release(&in);
}

TEST(test_other_and_quoted)
{
	expect("* X-THING 1 \"two\" (3 \"fo\\\\ur\") NIL nil\r\n",
	       "UNTAGGED name=X-THING st=0 kind=12 A:1 S:two (A:3 S:fo\\ur) NIL NIL\n");
	expect("* LIST () \"/\" \"\"\r\n", "UNTAGGED name=LIST st=0 kind=2 () S:/ S:\n");
	/* 8-bit inside a quoted string is kept as-is */
	expect("* LIST () \"/\" \"f\xc3\xb6\xc3\xb6\"\r\n",
	       "UNTAGGED name=LIST st=0 kind=2 () S:/ S:f\xc3\xb6\xc3\xb6\n");
	/* an atom with '{' inside is no literal */
	expect("* LIST () \"/\" a{5}\r\n", "UNTAGGED name=LIST st=0 kind=2 () S:/ A:a{5}\n");
	/* literal8 and non-synchronizing forms */
	expect("* 1 FETCH (BINARY[] ~{2}\r\nhi)\r\n",
	       "UNTAGGED name=FETCH st=0 kind=11 num=1 (A:BINARY[] L2:hi)\n");
	expect("* X {2+}\r\nhi\r\n", "UNTAGGED name=X st=0 kind=12 L2:hi\n");
	/* a literal may contain NUL bytes and CRLF */
	char *got = run_all_ways("* X {4}\r\na\0\r\n\r\n", 15);
	CHECK(memcmp(got, "UNTAGGED name=X st=0 kind=12 L4:a\0\r\n\n", 37) == 0);
	free(got);
}

TEST(test_malformed)
{
	static const struct {
		const char *in;
		const char *err;
	} cases[] = {
		{ "* LIST (\\Noselect \"/\" x\r\n", "unbalanced '('" },
		{ "* LIST (\\Noselect)) \"/\" x\r\n", "unbalanced ')'" },
		{ "* FLAGS )\r\n", "unbalanced ')'" },
		{ "* X {-1}\r\n", "invalid literal size" },
		{ "* X {}\r\n", "invalid literal size" },
		{ "* X {1a}\r\n", "invalid literal size" },
		{ "* X {99999999999999999999999}\r\n", "invalid literal size" },
		{ "* X {18446744073709551616}\r\n", "invalid literal size" },
		{ "* X {18446744073709551615}\r\n", "larger than the limit" },
		{ "* X {1 2}\r\n", "literal marker" },
		{ "* X {5} y\r\n", "literal marker" },
		{ "* X \"abc\r\n", "unterminated quoted string" },
		{ "* X \"a\\bc\"\r\n", "invalid escape" },
		{ "* X \"a\tb\x01\"\r\n", "control character" },
		{ "* X a\"b\r\n", "inside an atom" },
		{ "* X BODY[ab\r\n", "unterminated '['" },
		{ "* X a]\r\n", "unbalanced ']'" },
		{ "\r\n", "empty response line" },
		{ "*\r\n", "without a status or data" },
		{ "A1\r\n", "without a status or data" },
		{ "A1 FETCH x\r\n", "tagged response is not OK" },
		{ "A(1 OK x\r\n", "invalid tag" },
		{ "* OK a\rb\r\n", "bare CR" },
		{ "* OK [] x\r\n", "empty response code" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_error(cases[i].in, strlen(cases[i].in), cases[i].err);

	/* NUL bytes in a line */
	expect_error("* OK a\0b\r\n", 10, "NUL byte");
	expect_error("a1 OK\0\r\n", 8, "NUL byte");
}

TEST(test_limits)
{
	struct imap_parser_limits lim = imap_parser_default_limits;
	lim.max_line = 32;
	lim.max_depth = 3;
	char *got;

	/* overlong line, without and with its LF ever arriving */
	const char *longline = "* OK 0123456789012345678901234567890123456789\r\n";
	got = run(longline, strlen(longline), 1, &lim, NULL);
	CHECK(strstr(got, "ERROR: response line longer than 32") != NULL);
	free(got);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "* OK ");
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, 'x');
	got = run(sb.buf, sb.len, 1000, &lim, NULL);
	CHECK(strstr(got, "ERROR: response line longer") != NULL);
	free(got);
	strbuf_release(&sb);

	/* exactly at the limit passes */
	got = run("* OK 67890123456789012345678901\r\n", 33, 1, &lim, NULL);
	CHECK_STREQ(got, "UNTAGGED name=OK st=1 kind=0 text=[67890123456789012345678901]\n");
	free(got);

	got = run("* X (((a)))\r\n", 13, 1, &lim, NULL);
	CHECK_STREQ(got, "UNTAGGED name=X st=0 kind=12 (((A:a)))\n");
	free(got);
	got = run("* X ((((a))))\r\n", 15, 1, &lim, NULL);
	CHECK(strstr(got, "ERROR: lists nested deeper than 3") != NULL);
	free(got);

	/* deep nesting with default limits: clean error, no recursion */
	strbuf_init(&sb);
	strbuf_addstr(&sb, "* X ");
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, '(');
	strbuf_addstr(&sb, "\r\n");
	got = run(sb.buf, sb.len, 0, NULL, NULL);
	CHECK(strstr(got, "ERROR: lists nested deeper than 32") != NULL);
	free(got);
	strbuf_release(&sb);

	/* many literals in one response hit max_response */
	lim = imap_parser_default_limits;
	lim.max_response = 10000;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "* X");
	for (int i = 0; i < 100; i++) {
		strbuf_addstr(&sb, " {200}\r\n");
		for (int j = 0; j < 200; j++)
			strbuf_addch(&sb, 'z');
	}
	strbuf_addstr(&sb, "\r\n");
	got = run(sb.buf, sb.len, 0, &lim, NULL);
	CHECK(strstr(got, "ERROR: response larger than 10000") != NULL);
	free(got);
	strbuf_release(&sb);
}

TEST(test_failed_state_and_reset)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_response *r;
	size_t used;
	CHECK_INTEQ(imap_parser_feed(p, "* X (\r\n", 7, &used, &r),
		    IMAP_PARSE_ERROR);
	CHECK(imap_parser_error(p) != NULL);
	CHECK_INTEQ(imap_parser_feed(p, "* OK\r\n", 6, &used, &r),
		    IMAP_PARSE_ERROR);
	imap_parser_reset(p);
	CHECK(imap_parser_error(p) == NULL);
	CHECK_INTEQ(imap_parser_feed(p, "* OK\r\n", 6, &used, &r),
		    IMAP_PARSE_DONE);
	CHECK(imap_parser_idle(p));
	CHECK_INTEQ(imap_parser_feed(p, "* O", 3, &used, &r), IMAP_PARSE_MORE);
	CHECK(!imap_parser_idle(p));
	imap_parser_free(&p);
	CHECK(p == NULL);
}

TEST(test_numbers)
{
	uint64_t n;
	CHECK_INTEQ(imap_parse_number("4294967295", 10, UINT32_MAX, &n), 0);
	CHECK(n == 4294967295u);
	CHECK_INTEQ(imap_parse_number("4294967296", 10, UINT32_MAX, &n), -1);
	CHECK_INTEQ(imap_parse_number("18446744073709551615", 20, UINT64_MAX, &n), 0);
	CHECK_INTEQ(imap_parse_number("18446744073709551616", 20, UINT64_MAX, &n), -1);
	CHECK_INTEQ(imap_parse_number("", 0, UINT64_MAX, &n), -1);
	CHECK_INTEQ(imap_parse_number("-1", 2, UINT64_MAX, &n), -1);
}

struct trace_rec {
	struct strbuf sb;
};

static void rec_trace(void *arg, const char *line, size_t len)
{
	struct trace_rec *t = arg;
	if (line)
		strbuf_addf(&t->sb, "<%.*s>", (int)len, line);
	else
		strbuf_addf(&t->sb, "[literal %zu]", len);
}

TEST(test_trace)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct trace_rec t;
	const struct imap_response *r;
	size_t used;
	const char *in = "* LIST () \"/\" {3}\r\nabc\r\n";
	strbuf_init(&t.sb);
	imap_parser_set_trace(p, rec_trace, &t);
	CHECK_INTEQ(imap_parser_feed(p, in, strlen(in), &used, &r),
		    IMAP_PARSE_DONE);
	CHECK_STREQ(t.sb.buf, "<* LIST () \"/\" {3}>[literal 3]<>");
	strbuf_release(&t.sb);
	imap_parser_free(&p);
}

RUN_TESTS(test_greetings, test_tagged, test_codes, test_continuation,
	  test_numbered, test_capability_flags_enabled, test_list,
	  test_search_status, test_fetch, test_streamed_body,
	  test_streaming_bounded, test_other_and_quoted, test_malformed,
	  test_limits, test_failed_state_and_reset, test_numbers, test_trace)
