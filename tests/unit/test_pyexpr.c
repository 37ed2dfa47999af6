// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the configuration-expression evaluator (core/pyexpr):
 * Python semantics, the typed API, error messages, the pythonfile loader,
 * the safety limits and concurrent evaluation. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "harness.h"
#include "pyexpr/pyexpr.h"
#include "util.h"

/* Evaluate `expr` (called with the args when nargs >= 0) in ctx; returns
 * the repr, or "!" followed by the error message.  malloc'd. */
static char *eval_in(struct pyexpr_ctx *ctx, const char *expr, int nargs,
		     const char *const *args)
{
	char *err = NULL, *out = NULL;
	struct pyexpr_origin o = { .file = "rc", .line = 3,
				   .section = "Repository R",
				   .option = "nametrans" };
	struct pyexpr *e = pyexpr_compile(ctx, expr, &o, &err);
	if (e && pyexpr_eval_repr(e, nargs >= 0, nargs < 0 ? 0 :
				  (size_t)nargs, args, &out, &err) == 0) {
		pyexpr_free(&e);
		return out;
	}
	pyexpr_free(&e);
	char *r = xasprintf("!%s", err);
	free(err);
	return r;
}

static char *eval1(const char *expr, int nargs, const char *const *args)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	char *r = eval_in(ctx, expr, nargs, args);
	pyexpr_ctx_unref(&ctx);
	return r;
}

/* expected: exact repr, or "!substring" of the error message */
static int check_one(const char *expr, int nargs, const char *const *args,
		     const char *expected, struct pyexpr_ctx *ctx)
{
	char *got = ctx ? eval_in(ctx, expr, nargs, args) :
		eval1(expr, nargs, args);
	int ok;
	if (expected[0] == '!')
		ok = got[0] == '!' && strstr(got, expected + 1) != NULL;
	else
		ok = strcmp(got, expected) == 0;
	if (!ok)
		fprintf(stderr, "  %.300s\n    expected: %.300s\n    got:      "
			"%.300s\n", expr, expected, got);
	free(got);
	return ok;
}

struct vcase {
	const char *expr;
	const char *expected;
};

static void run_values(const struct vcase *cases, size_t n,
		       struct pyexpr_ctx *ctx)
{
	for (size_t i = 0; i < n; i++)
		CHECK(check_one(cases[i].expr, -1, NULL, cases[i].expected,
				ctx));
}

struct ccase {
	const char *expr;
	const char *arg;
	const char *expected;
};

static void run_calls(const struct ccase *cases, size_t n,
		      struct pyexpr_ctx *ctx)
{
	for (size_t i = 0; i < n; i++)
		CHECK(check_one(cases[i].expr, 1, &cases[i].arg,
				cases[i].expected, ctx));
}

TEST(test_literals)
{
	static const struct vcase cases[] = {
		{ "'a' \"b\" '''c''' \"\"\"d\"\"\"", "'abcd'" },
		{ "r'^INBOX\\.' + '\\.'", "'^INBOX\\\\.\\\\.'" },
		{ "'\\q\\d\\%'", "'\\\\q\\\\d\\\\%'" },
		{ "'\\x41\\101\\u00e9\\U0001F600\\N' if 0 else 1",
		  "!\\N{...} escapes are not supported" },
		{ "'\\x41\\101\\u00e9'", "'AAé'" },
		{ "'a\\\nb'", "'ab'" },
		{ "'''x\ny'''", "'x\\ny'" },
		{ "u'x' + U'y' + R'\\n'", "'xy\\\\n'" },
		{ "b'a\\x00\\xff' + B'\\u'", "b'a\\x00\\xff\\\\u'" },
		{ "b'x' 'y'", "!cannot mix bytes and nonbytes literals" },
		{ "b'é'", "!bytes can only contain ASCII" },
		{ "'abc", "!column 1: unterminated string literal" },
		{ "'''abc", "!unterminated triple-quoted string" },
		{ "'\\x4'", "!truncated \\x escape" },
		{ "0x1F + 0o17 + 0b101 + 1_000", "1051" },
		{ "017", "!leading zeros" },
		{ "1.5", "!floating-point" },
		{ "99999999999999999999", "!beyond 64 bits" },
		{ "-9223372036854775807 - 1", "-9223372036854775808" },
		{ "9223372036854775807 + 1", "!OverflowError" },
		{ "None, True, False", "(None, True, False)" },
		{ "[1, 2,], (1,), (), {}, {1: 2,}, {3,}",
		  "([1, 2], (1,), (), {}, {1: 2}, {3})" },
		{ "f'{1}{{x}}{\"é\"!r}{3:>4}|{\"ab\":^6}|'",
		  "\"1{x}'é'   3|  ab  |\"" },
		{ "f'{1:{2}}'", "' 1'" },
		{ "f'{}'", "!empty expression" },
		{ "f'{x=}'", "!not supported" },
		{ "[1, # comment\n 2]", "[1, 2]" },
		{ "1 + \\\n 2", "3" },
		{ "(1 +\n 2)", "3" },
		{ "1 +\n 2", "!invalid syntax" },
		{ "1, 2", "(1, 2)" },
		{ "", "!empty expression" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_operators)
{
	static const struct vcase cases[] = {
		{ "1 + 2 * 3 ** 2 // 4 % 5 - -1", "6" },
		{ "2 ** 3 ** 2, -2 ** 2, (-2) ** 2", "(512, -4, 4)" },
		{ "-7 // 2, -7 % 2, 7 // -2, 7 % -2", "(-4, 1, -4, -1)" },
		{ "1 // 0", "!ZeroDivisionError" },
		{ "1 / 2", "!use '//'" },
		{ "1 < 2 < 3, 3 > 2 > 2, 1 == 1 != 2", "(True, False, True)" },
		{ "'a' < 1", "!TypeError: '<' not supported" },
		{ "1 and 'x', 0 and 'x', '' or [], 'a' or 'b'",
		  "('x', 0, [], 'a')" },
		{ "not 0, not 'a', not []", "(True, False, True)" },
		{ "'y' if 0 else 'n', 'y' if [1] else 'n'", "('n', 'y')" },
		{ "1 if 1 else 2 if 0 else 3", "1" },
		{ "'ab' in 'cabd', 2 in (1, 2), 'k' in {'k': 1}, 3 not in [3]",
		  "(True, True, True, False)" },
		{ "None is None, 1 is not None, [] is []",
		  "(True, True, False)" },
		{ "[1] + [2], (1,) + (2,), 'a' * 3, 2 * [0]",
		  "([1, 2], (1, 2), 'aaa', [0, 0])" },
		{ "[1] + (2,)", "!can only concatenate list" },
		{ "'a' + 1", "!TypeError: can only concatenate str (not \"int\")" },
		{ "5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 4, -16 >> 2",
		  "(1, 7, 6, -6, 16, -4)" },
		{ "True + True, True & False", "(2, False)" },
		{ "{1, 2} | {3}, {1, 2} & {2}, {1, 2} - {1}, {1} ^ {2}",
		  "({1, 2, 3}, {2}, {2}, {1, 2})" },
		{ "{'a': 1} | {'b': 2}", "{'a': 1, 'b': 2}" },
		{ "{1} < {1, 2}, {1, 2} <= {1, 2}, {3} > {1}",
		  "(True, True, False)" },
		{ "(1, 2) < (1, 2, 0), [2] > [1, 9]", "(True, True)" },
		{ "[1, [2]] == [1, [2]], (1,) == [1], 1 == True",
		  "(True, False, True)" },
		{ "'x' % (), 'x' % 5", "!not all arguments converted" },
		{ "1 @ 2", "!'@' operator is not supported" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_indexing)
{
	static const struct vcase cases[] = {
		{ "'Entwürfe'[4], 'Entwürfe'[-1], len('Entwürfe')",
		  "('ü', 'e', 8)" },
		{ "'Entwürfe'[2:6], 'Entwürfe'[::-1], 'Entwürfe'[::3]",
		  "('twür', 'efrüwtnE', 'Ewf')" },
		{ "'abc'[5]", "!IndexError: string index out of range" },
		{ "[1, 2, 3][-4]", "!IndexError: list index out of range" },
		{ "[1, 2, 3]['a']", "!list indices must be integers" },
		{ "[1, 2, 3, 4, 5][1:-1:2], [1, 2][5:], (1, 2, 3)[::-1]",
		  "([2, 4], [], (3, 2, 1))" },
		{ "'abc'[::0]", "!slice step cannot be zero" },
		{ "range(10)[3], range(10)[2:5], list(range(5, 0, -2))",
		  "(3, [2, 3, 4], [5, 3, 1])" },
		{ "{'a': 1}['b']", "!KeyError: 'b'" },
		{ "{(1, 2): 'x'}[1, 2]", "'x'" },
		{ "{[1]: 2}", "!unhashable type: 'list'" },
		{ "b'abc'[1], b'abc'[1:]", "(98, b'bc')" },
		{ "'送信済み'[1:3] + '/' + 'Корзина'[:3]", "'信済/Кор'" },
		{ "1[0]", "!'int' object is not subscriptable" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_functions)
{
	static const struct vcase cases[] = {
		{ "(lambda: 1)()", "1" },
		{ "(lambda x, y=2, *r, **k: (x, y, r, k))(1, 3, 4, z=5)",
		  "(1, 3, (4,), {'z': 5})" },
		{ "(lambda x: x)(1, 2)", "!takes 1 positional argument but 2" },
		{ "(lambda x: x)()", "!missing required positional argument" },
		{ "(lambda x: x)(y=1)", "!unexpected keyword argument 'y'" },
		{ "(lambda x: x)(1, x=2)", "!multiple values for argument" },
		{ "(lambda a: lambda b: lambda c: a + b + c)('x')('y')('z')",
		  "'xyz'" },
		{ "[f(1) for f in [lambda x, k=k: x * k for k in range(3)]]",
		  "[0, 1, 2]" },
		{ "[f(1) for f in [lambda x: x * k for k in range(3)]]",
		  "[2, 2, 2]" },
		{ "(lambda *a: a)(*[1, 2], *'ab')", "(1, 2, 'a', 'b')" },
		{ "(lambda **k: sorted(k))(**{'b': 1, 'a': 2})", "['a', 'b']" },
		{ "(lambda x, x: 1)", "!duplicate argument" },
		{ "(lambda f: f(f))(lambda f: f(f))", "!RecursionError" },
		{ "len(5)", "!object of type 'int' has no len()" },
		{ "'x'()", "!'str' object is not callable" },
		{ "undefined_name", "!column 1: NameError: name 'undefined_name'" },
		{ "lambda f: unknown(f)", "!NameError: name 'unknown'" },
		{ "[x for x in [1]] and x", "!name 'x' is not defined" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_builtins)
{
	static const struct vcase cases[] = {
		{ "cmp(1, 2), cmp('b', 'a'), cmp([1], [1]), -cmp(1, 2)",
		  "(-1, 1, 0, 1)" },
		{ "sorted(['b', 'A', 'c']), sorted('bca', reverse=True)",
		  "(['A', 'b', 'c'], ['c', 'b', 'a'])" },
		{ "sorted(['bb', 'a', 'ccc', 'dd'], key=len)",
		  "['a', 'bb', 'dd', 'ccc']" },
		{ "sorted([3, 1, 2], cmp=lambda x, y: cmp(y, x))", "[3, 2, 1]" },
		{ "sorted([1, 'a'])", "!TypeError" },
		{ "bool(''), bool('0'), int('-12'), int('z', 36), str(12)",
		  "(False, True, -12, 35, '12')" },
		{ "int('1.5')", "!invalid literal for int() with base 10: '1.5'" },
		{ "int('0x1f', 16), int(' 0b11 ', 0), int('1_0')",
		  "(31, 3, 10)" },
		{ "repr('it\\'s'), str(b'x'), repr([None])",
		  "('\"it\\'s\"', \"b'x'\", '[None]')" },
		{ "min(3, 1, 2), max('abc'), min([], default=0), max([2, 3], "
		  "key=lambda x: -x)", "(1, 'c', 0, 2)" },
		{ "min([])", "!min() arg is an empty sequence" },
		{ "any([0, '']), all((1, 'a')), any(1 // x for x in [1, 0])",
		  "(False, True, True)" },
		{ "list(enumerate('ab', 1)), list(zip('ab', [1, 2, 3]))",
		  "([(1, 'a'), (2, 'b')], [('a', 1), ('b', 2)])" },
		{ "map(len, ['a', 'bb']), filter(None, [0, 1, '', 'x'])",
		  "([1, 2], [1, 'x'])" },
		{ "list(map(lambda a, b: a + b, 'ab', 'cd'))", "['ac', 'bd']" },
		{ "list(range(3)), list(xrange(2)), range(1, 5, 2)",
		  "([0, 1, 2], [0, 1], range(1, 5, 2))" },
		{ "list('ab'), tuple([1]), dict(a=1), set('aab')",
		  "(['a', 'b'], (1,), {'a': 1}, {'a', 'b'})" },
		{ "dict([(1, 2), (3, 4)]), dict({'x': 1}, y=2)",
		  "({1: 2, 3: 4}, {'x': 1, 'y': 2})" },
		{ "isinstance('x', str), isinstance(True, int), "
		  "isinstance('x', (int, list)), isinstance('x', basestring), "
		  "isinstance(u'x', unicode)", "(True, True, False, True, True)" },
		{ "sum([1, 2, 3]), sum([[1], [2]], []), len({'a': 1, 'b': 2})",
		  "(6, [1, 2], 2)" },
		{ "sum(['a'])", "!unsupported operand type(s) for +: 'int' and 'str'" },
		{ "sum(['a'], '')", "!can't sum strings" },
		{ "reduce(lambda a, b: a + b, [1, 2, 3], 10)", "16" },
		{ "chr(0x20ac), ord('€'), hex(-255), oct(8), bin(5)",
		  "('€', 8364, '-0xff', '0o10', '0b101')" },
		{ "abs(-3), divmod(7, 2), pow(2, 10), pow(3, 4, 5), round(15, -1)",
		  "(3, (3, 1), 1024, 1, 20)" },
		{ "list(reversed('abc')), next(iter for iter in [1, 2])",
		  "(['c', 'b', 'a'], 1)" },
		{ "callable(len), callable(1), type('') is str, type(1) == int",
		  "(True, False, True, True)" },
		{ "format(5, '03d'), format('x', '>3'), format(None)",
		  "('005', '  x', 'None')" },
		{ "getattr('a', 'upper')(), hasattr('a', 'nope')",
		  "('A', False)" },
		{ "print('debug', 1, sep='', end='')", "None" },
		{ "open('/etc/passwd')", "!NameError: name 'open'" },
		{ "__import__('os')", "!NameError: name '__import__'" },
		{ "eval('1')", "!NameError: name 'eval'" },
		{ "ascii('é'), str.upper('x'), str.join('-', 'ab')",
		  "(\"'\\\\xe9'\", 'X', 'a-b')" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_containers)
{
	static const struct vcase cases[] = {
		{ "[x * 2 for x in range(4) if x % 2]", "[2, 6]" },
		{ "[(x, y) for x in 'ab' for y in 'cd' if x != 'b']",
		  "[('a', 'c'), ('a', 'd')]" },
		{ "{k: v for k, v in [('a', 1), ('b', 2)]}", "{'a': 1, 'b': 2}" },
		{ "sorted({x % 3 for x in range(9)})", "[0, 1, 2]" },
		{ "(x for x in 'ab')", "['a', 'b']" },
		{ "list(x for x in [])", "[]" },
		{ "next((x for x in [] ), 'none')", "'none'" },
		{ "{'a': 1}.get('a'), {'a': 1}.get('z'), {'a': 1}.get('z', 0)",
		  "(1, None, 0)" },
		{ "{'a': None}.get('a', 5), 'a' in {'a': None}",
		  "(None, True)" },
		{ "sorted({'b': 1, 'a': 2}.items()), list({'a': 1}.keys()), "
		  "list({'a': 1}.values())", "([('a', 2), ('b', 1)], ['a'], [1])" },
		{ "{'a': 1}.has_key('a'), {'a': 1}.iteritems()",
		  "(True, [('a', 1)])" },
		{ "[1, 2, 1].index(1), [1, 2, 1].count(1), (1, 2).index(2)",
		  "(0, 2, 1)" },
		{ "[1].index(5)", "!5 is not in list" },
		{ "(lambda l: (l.append(3), l.extend([4]), l.insert(0, 0), "
		  "l.pop(), l.remove(1), l.reverse(), l))([1, 2])",
		  "(None, None, None, 4, None, None, [3, 2, 0])" },
		{ "(lambda l: (l.sort(), l)[1])([3, 1, 2])", "[1, 2, 3]" },
		{ "(lambda l: (l.sort(key=lambda x: -x), l)[1])([3, 1, 2])",
		  "[3, 2, 1]" },
		{ "(lambda d: (d.setdefault('a', 1), d.pop('a'), "
		  "d.update(b=2), d))({})", "(1, 1, None, {'b': 2})" },
		{ "(lambda s: (s.add(1), s.discard(2), 1 in s, len(s)))(set())",
		  "(None, None, True, 1)" },
		{ "[*'ab', *[1]], {*'aa'}", "(['a', 'b', 1], {'a'})" },
		{ "{1, 2}.union([3]) == {1, 2, 3}, {1, 2}.issubset([1, 2, 3])",
		  "(True, True)" },
		{ "len([[]] * 3), [[0] * 2] * 2", "(3, [[0, 0], [0, 0]])" },
		{ "[1, 2, 3] * 3000000", "!MemoryError" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_strings)
{
	static const struct vcase cases[] = {
		{ "'INBOX.Sent'.startswith('INBOX.'), 'a.b'.endswith(('.b', "
		  "'x')), 'abc'.startswith('b', 1)", "(True, True, True)" },
		{ "'abc'.startswith(1)", "!startswith first arg must be str" },
		{ "'Ab'.lower(), 'Ab'.upper(), 'ab cd'.title(), 'aB'.swapcase(), "
		  "'hELLO'.capitalize()", "('ab', 'AB', 'Ab Cd', 'Ab', 'Hello')" },
		{ "'Straße'.upper(), 'ΣΑΣ ΟΔΟΣ'.lower(), 'ÉTÉ'.lower()",
		  "('STRASSE', 'σας οδος', 'été')" },
		{ "'a.b.c'.replace('.', '/'), 'aaa'.replace('a', 'b', 1), "
		  "'ab'.replace('', '.')", "('a/b/c', 'baa', '.a.b.')" },
		{ "'  x  '.strip(), 'xxaxx'.strip('x'), ' a '.lstrip(), "
		  "' a '.rstrip(), '\\u3000a\\u3000'.strip()",
		  "('x', 'a', 'a ', ' a', 'a')" },
		{ "'a b  c'.split(), 'a,b,'.split(','), 'a b c'.split(None, 1), "
		  "'a.b.c'.rsplit('.', 1), '  a b '.rsplit(None, 1)",
		  "(['a', 'b', 'c'], ['a', 'b', ''], ['a', 'b c'], ['a.b', 'c'], "
		  "['  a', 'b'])" },
		{ "'x'.split('')", "!empty separator" },
		{ "'/'.join(['a', 'b']), ''.join([])", "('a/b', '')" },
		{ "'-'.join([1])", "!expected str instance, int found" },
		{ "'abcb'.find('b'), 'abcb'.rfind('b'), 'abc'.find('z'), "
		  "'aüb'.find('b'), 'abcb'.find('b', 2)", "(1, 3, -1, 2, 3)" },
		{ "'abc'.index('z')", "!substring not found" },
		{ "'a.b'.partition('.'), 'a'.rpartition('.')",
		  "(('a', '.', 'b'), ('', '', 'a'))" },
		{ "'x'.center(4, '*'), 'x'.ljust(3), 'x'.rjust(3, '0'), "
		  "'-5'.zfill(4)", "('*x**', 'x  ', '00x', '-005')" },
		{ "'12'.isdigit(), 'a1'.isalnum(), 'ab'.isalpha(), ' '.isspace(), "
		  "'AB'.isupper(), 'ab'.islower(), 'Ab Cd'.istitle()",
		  "(True, True, True, True, True, True, True)" },
		{ "'{} {}'.format('a', 1), '{1}{0}'.format('a', 'b'), "
		  "'{x}'.format(x=[1])", "('a 1', 'ba', '[1]')" },
		{ "'{} {0}'.format(1)", "!cannot switch from automatic" },
		{ "'{:>5}|{:<3}|{:^5}|{:05d}|{:x}|{:,}'.format('a', 'b', 'c', "
		  "42, 255, 1234567)", "'    a|b  |  c  |00042|ff|1,234,567'" },
		{ "'{!r}'.format('x'), '{{}}'.format()", "(\"'x'\", '{}')" },
		{ "'%s|%5s|%-5s|%.2s|%d|%05d|%+d|%x|%X|%o|%c|%%|%r' % ('a', 'b', "
		  "'c', 'xyz', 7, 7, 7, 255, 255, 8, 65, 'q')",
		  "\"a|    b|c    |xy|7|00007|+7|ff|FF|10|A|%|'q'\"" },
		{ "'%(a)s-%(b)03d' % {'a': 'x', 'b': 5}", "'x-005'" },
		{ "'%(a)s' % {}", "!KeyError: 'a'" },
		{ "'%d' % 'x'", "!%d format: a real number is required" },
		{ "'%s' % [1, 2], '%s %s' % (1, 2)", "('[1, 2]', '1 2')" },
		{ "'%s %s' % (1,)", "!not enough arguments" },
		{ "'%s' % (1, 2)", "!not all arguments converted" },
		{ "'ab'.encode('ascii'), 'é'.encode('utf-8'), "
		  "b'\\xc3\\xa9'.decode('utf-8'), b'\\xe9'.decode('latin-1')",
		  "(b'ab', b'\\xc3\\xa9', 'é', 'é')" },
		{ "'é'.encode('ascii')", "!UnicodeEncodeError" },
		{ "b'\\xff'.decode('utf-8')", "!UnicodeDecodeError" },
		{ "'x'.encode('rot13')", "!LookupError: unknown encoding" },
		{ "'Entwürfe'.encode('imap4-utf-7'), "
		  "b'Entw&APw-rfe'.decode('imap4-utf-7'), "
		  "'&ZeVnLIqe-'.decode('imap4-utf-7'), 'a&b'.encode('imap4-utf-7')",
		  "(b'Entw&APw-rfe', 'Entwürfe', '日本語', b'a&-b')" },
		{ "b'&AGE-'.decode('imap4-utf-7')", "!UnicodeDecodeError" },
		{ "'abc'.removeprefix('a'), 'abc'.removesuffix('bc'), "
		  "'a\\tb'.expandtabs(4), 'a\\nb\\r\\nc'.splitlines()",
		  "('bc', 'a', 'a   b', ['a', 'b', 'c'])" },
		{ "b'AbC'.lower(), b'a.b'.split(b'.'), b'ab'.startswith(b'a')",
		  "(b'abc', [b'a', b'b'], True)" },
		{ "b'ab'.startswith('a')", "!a bytes-like object is required" },
		{ "'x' * 5000000", "!MemoryError" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_regex)
{
	static const struct vcase cases[] = {
		{ "re.sub('^INBOX\\.', '', 'INBOX.Sent')", "'Sent'" },
		{ "re.sub(r'(\\w+)\\.(\\w+)', r'\\2.\\1', 'a.b c.d')",
		  "'b.a d.c'" },
		{ "re.sub(r'(?P<x>\\w)', r'<\\g<x>\\g<0>>', 'ab', 1)",
		  "'<aa>b'" },
		{ "re.sub('a', r'\\n\\\\', 'a'), re.sub('a', '\\\\.', 'a')",
		  "('\\n\\\\', '\\\\.')" },
		{ "re.sub('x*', '-', 'abxd'), re.split('x*', 'axb')",
		  "('-a-b--d-', ['', 'a', '', 'b', ''])" },
		{ "re.sub('a', lambda m: m.group().upper() * 2, 'banana')",
		  "'bAAnAAnAA'" },
		{ "re.sub('a', lambda m: None, 'ab')", "'b'" },
		{ "re.sub('(a)|b', r'[\\1]', 'ab')", "'[a][]'" },
		{ "re.sub('a', r'\\2', 'a')", "!invalid group reference 2" },
		{ "re.sub('a', r'\\q', 'a')", "!bad escape \\q" },
		{ "re.sub('(', '', 'a')", "!re.error: missing closing parenthesis" },
		{ "re.sub('\\\\q', '', 'a')", "!re.error: bad escape \\q" },
		{ "re.search(r'\\d+', 'ab12c').group(), re.match('b', 'ab'), "
		  "re.fullmatch('a.', 'ab').span()", "('12', None, (0, 2))" },
		{ "re.search('(a)(x)?', 'ba').groups(), "
		  "re.search('(a)(x)?', 'ba').groups('-')",
		  "(('a', None), ('a', '-'))" },
		{ "re.search('(?P<k>é+)', 'xéé').groupdict(), "
		  "re.search('é+', 'xéé').span(), re.search('é', 'xé').start()",
		  "({'k': 'éé'}, (1, 3), 1)" },
		{ "re.search('(a)(b)', 'ab').group(2, 1), "
		  "re.search('(a)', 'a')[1], re.search('(a)', 'a').lastindex",
		  "(('b', 'a'), 'a', 1)" },
		{ "re.findall('a(b)?', 'aab'), re.findall('(a)(b)', 'ab'), "
		  "re.findall('a', 'aa')",
		  "(['', 'b'], [('a', 'b')], ['a', 'a'])" },
		{ "re.split('(-)', 'a-b', 1), re.split('[.]', 'a.b.c', maxsplit=1)",
		  "(['a', '-', 'b'], ['a', 'b.c'])" },
		{ "re.compile('a', re.I).search('xA').group(), "
		  "re.compile('a').pattern, re.compile('(a)(b)').groups",
		  "('A', 'a', 2)" },
		{ "re.compile('a', re.I | re.M)",
		  "re.compile('a', re.IGNORECASE|re.MULTILINE)" },
		{ "re.search('(?i)Inbox', 'INBOX') is not None, "
		  "re.match('.', '\\n'), re.match('(?s).', '\\n') is not None",
		  "(True, None, True)" },
		{ "re.search(r'\\w+', 'ÜBER straße').group(), "
		  "re.search(r'(?a)\\w+', 'über').group(), "
		  "re.search(r'\\d', '٣') is not None", "('ÜBER', 'ber', True)" },
		{ "re.search(r'a\\Z', 'a\\n'), re.search(r'a$', 'a\\n') "
		  "is not None", "(None, True)" },
		{ "re.sub(r'o{,2}', '0', 'ooo'), re.sub('a{', 'x', 'a{')",
		  "('000', 'x')" },
		{ "re.sub('[[:alpha:]]', '_', 'a:]')", "'a_'" },
		{ "re.sub('[[]', '_', 'a[')", "'a_'" },
		{ "re.escape('a.b'), re.escape('ü-x y')",
		  "('a\\\\.b', 'ü\\\\-x\\\\ y')" },
		{ "re.subn('a', 'b', 'aa'), re.sub('a', 'b', 'aaa', count=2)",
		  "(('bb', 2), 'bba')" },
		{ "re.sub('(?<=a)b', 'X', 'ab cb'), re.sub('b(?!c)', 'X', 'bc bd')",
		  "('aX cb', 'bc Xd')" },
		{ "re.sub(r'(a)\\1', 'X', 'aab'), re.sub(r'(?P<q>a)(?P=q)', 'X', "
		  "'aa')", "('Xb', 'X')" },
		{ "re.sub('(*LIMIT_MATCH=10)a', '', 'a')", "!nothing to repeat" },
		{ "re.sub('(?R)', '', 'a')", "!unknown extension" },
		{ "re.sub('a(?i)b', '', 'a')", "!global flags not at the start" },
		{ "re.match(r'(a+)+$', 'a' * 30 + 'b')",
		  "!too complex for this text" },
		{ "re.match('a', 'a').expand(r'\\g<0>!'), "
		  "re.match('(?P<n>a)', 'a').lastgroup", "('a!', 'n')" },
		{ "[m.span() for m in re.finditer('é', 'éxé')]",
		  "[(0, 1), (2, 3)]" },
		{ "re.compile('x').search('axbx', 2).start(), "
		  "re.compile('x').match('axbx', 1).span(), "
		  "re.compile('x$').search('axbx', 0, 2).start()",
		  "(3, (1, 2), 1)" },
		{ "re.sub(re.compile('a'), 'b', 'a'), re.compile(re.compile('a'))",
		  "('b', re.compile('a'))" },
		{ "re.sub(re.compile('a'), 'b', 'a', flags=re.I)",
		  "!cannot process flags argument" },
		{ "re.sub('a', 'b', 1)", "!expected string" },
		{ "re.IGNORECASE, re.I | re.X, re.A", "(2, 66, 256)" },
		{ "re.sub('(?x) a b # c\\n', '', 'abab')", "''" },
		{ "re.sub(r'\\x41\\u0042\\101\\0', '', 'ABA\\x00z')", "'z'" },
		{ "re.sub(r'[\\d-]', '', '1-a')", "'a'" },
		{ "re.search('(', 'x')", "!re.error" },
	};
	run_values(cases, ARRAY_SIZE(cases), NULL);
}

TEST(test_folder_calls)
{
	static const struct ccase cases[] = {
		{ "lambda foldername: re.sub('^Mail/', '', foldername)",
		  "Mail/list/x", "'list/x'" },
		{ "lambda foldername: foldername in [\n'Mail/INBOX',\n"
		  "'Mail/list/zaurus-general',\n'Mail/list/zaurus-dev',\n]",
		  "Mail/INBOX", "True" },
		{ "lambda f: f.decode('imap4-utf-7')", "Entw&APw-rfe",
		  "'Entwürfe'" },
		{ "lambda f: f.decode('imap4-utf-7').encode('utf-8')",
		  "Entw&APw-rfe", "b'Entw\\xc3\\xbcrfe'" },
		{ "lambda f: f.encode('imap4-utf-7')", "Entwürfe",
		  "b'Entw&APw-rfe'" },
		{ "lambda f: {'[Gmail]/Sent Mail': 'sent'}.get(f, f)",
		  "[Gmail]/Sent Mail", "'sent'" },
		{ "lambda f: f + 1", "INBOX",
		  "!rc:3: [Repository R] nametrans: column 13: TypeError" },
	};
	run_calls(cases, ARRAY_SIZE(cases), NULL);
}

/* ---- the typed API ---------------------------------------------------- */

static struct pyexpr *compile_ok(struct pyexpr_ctx *ctx, const char *text,
				 const char *option)
{
	struct pyexpr_origin o = { .file = "/home/u/.offlineimaprc",
				   .line = 12, .section = "Repository Remote",
				   .option = option };
	char *err = NULL;
	struct pyexpr *e = pyexpr_compile(ctx, text, &o, &err);
	if (!e)
		fprintf(stderr, "compile %s: %s\n", text, err);
	free(err);
	return e;
}

TEST(test_api_nametrans)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	struct pyexpr *e = compile_ok(ctx, "lambda foldername: re.sub("
				      "'^INBOX\\.', '', foldername)",
				      "nametrans");
	CHECK(e != NULL);
	if (!e)
		goto out;
	CHECK(pyexpr_is_callable(e));
	CHECK(pyexpr_accepts(e, 1));
	CHECK(!pyexpr_accepts(e, 2));
	char *r = NULL, *err = NULL;
	CHECK_INTEQ(pyexpr_call_string(e, "INBOX.Sent", &r, &err), 0);
	CHECK_STREQ(r, "Sent");
	free(r);
	pyexpr_free(&e);

	e = compile_ok(ctx, "lambda f: len(f)", "nametrans");
	CHECK_INTEQ(pyexpr_call_string(e, "INBOX", &r, &err), -1);
	CHECK_STREQ(err, "/home/u/.offlineimaprc:12: [Repository Remote] "
		    "nametrans: folder \"INBOX\": TypeError: the function must "
		    "return a string, not int");
	FREE(&err);
	pyexpr_free(&e);

	e = compile_ok(ctx, "lambda f: f[10]", "nametrans");
	CHECK_INTEQ(pyexpr_call_string(e, "INBOX", &r, &err), -1);
	CHECK_STREQ(err, "/home/u/.offlineimaprc:12: [Repository Remote] "
		    "nametrans: folder \"INBOX\": column 12: IndexError: string "
		    "index out of range");
	FREE(&err);
	pyexpr_free(&e);

	/* not callable */
	e = compile_ok(ctx, "'INBOX'", "nametrans");
	CHECK_INTEQ(pyexpr_call_string(e, "x", &r, &err), -1);
	CHECK(err && strstr(err, "must be a function of 1 argument"));
	FREE(&err);
	pyexpr_free(&e);

	/* Python 2 style: bytes result taken as is */
	e = compile_ok(ctx, "lambda f: f.encode('imap4-utf-7')", "nametrans");
	CHECK_INTEQ(pyexpr_call_string(e, "Entwürfe", &r, &err), 0);
	CHECK_STREQ(r, "Entw&APw-rfe");
	free(r);
	pyexpr_free(&e);
out:
	pyexpr_ctx_unref(&ctx);
}

TEST(test_api_filters)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	struct pyexpr *e = compile_ok(ctx, "lambda foldername: foldername "
				      "not in ['Trash',\n 'Spam']",
				      "folderfilter");
	bool b = true;
	char *err = NULL;
	const char *args[2] = { "Trash", NULL };
	CHECK_INTEQ(pyexpr_call_bool(e, "Trash", 1, args, &b, &err), 0);
	CHECK(!b);
	args[0] = "INBOX";
	CHECK_INTEQ(pyexpr_call_bool(e, "INBOX", 1, args, &b, &err), 0);
	CHECK(b);
	pyexpr_free(&e);

	/* mbnames folderfilter: two arguments; value-returning and/or */
	e = compile_ok(ctx, "lambda accountname, foldername: accountname == "
		       "'Work' and foldername", "folderfilter");
	args[0] = "Work";
	args[1] = "";
	CHECK_INTEQ(pyexpr_call_bool(e, "Work/", 2, args, &b, &err), 0);
	CHECK(!b);
	args[1] = "INBOX";
	CHECK_INTEQ(pyexpr_call_bool(e, "Work/INBOX", 2, args, &b, &err), 0);
	CHECK(b);
	CHECK_INTEQ(pyexpr_call_bool(e, "x", 1, args, &b, &err), -1);
	CHECK(err && strstr(err, "missing required positional argument: "
			    "'foldername'"));
	FREE(&err);
	pyexpr_free(&e);

	/* folderincludes */
	char **list = NULL;
	e = compile_ok(ctx, "['debian.user', 'debian.personal']",
		       "folderincludes");
	CHECK_INTEQ(pyexpr_get_strlist(e, &list, &err), 0);
	CHECK(list && list[0] && list[1] && !list[2]);
	if (list && list[1]) {
		CHECK_STREQ(list[0], "debian.user");
		CHECK_STREQ(list[1], "debian.personal");
	}
	strv_free(&list);
	pyexpr_free(&e);
	e = compile_ok(ctx, "(f.upper() for f in ['a', 'b'])",
		       "folderincludes");
	CHECK_INTEQ(pyexpr_get_strlist(e, &list, &err), 0);
	CHECK(list && list[1] && !strcmp(list[1], "B"));
	strv_free(&list);
	pyexpr_free(&e);
	e = compile_ok(ctx, "'INBOX'", "folderincludes");
	CHECK_INTEQ(pyexpr_get_strlist(e, &list, &err), -1);
	CHECK(err && strstr(err, "must be a list of folder names, not str"));
	FREE(&err);
	pyexpr_free(&e);
	e = compile_ok(ctx, "['a', 1]", "folderincludes");
	CHECK_INTEQ(pyexpr_get_strlist(e, &list, &err), -1);
	CHECK(err && strstr(err, "item 1 of the list"));
	FREE(&err);
	pyexpr_free(&e);
	pyexpr_ctx_unref(&ctx);
}

static void sort_check(struct pyexpr_ctx *ctx, const char *expr,
		       const char *const *in, const char *const *want, size_t n)
{
	struct pyexpr *e = compile_ok(ctx, expr, "foldersort");
	CHECK(e != NULL);
	if (!e)
		return;
	char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = (char *)in[i];
	char *err = NULL;
	CHECK_INTEQ(pyexpr_sort(e, names, n, &err), 0);
	if (err)
		fprintf(stderr, "%s\n", err);
	free(err);
	for (size_t i = 0; i < n; i++)
		CHECK_STREQ(names[i], want[i]);
	free(names);
	pyexpr_free(&e);
}

TEST(test_api_sort)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	static const char *const in[] = { "b", "Sent", "INBOX", "a", "INBOX.x" };
	static const char *const inbox_first[] = { "INBOX", "INBOX.x", "Sent",
						   "a", "b" };
	sort_check(ctx, "lambda x, y: (-1 if x == 'INBOX' else\n"
		   "1 if y == 'INBOX' else cmp(x, y))", in, inbox_first, 5);
	static const char *const rev[] = { "b", "a", "Sent", "INBOX.x",
					   "INBOX" };
	sort_check(ctx, "lambda x, y: -cmp(x, y)", in, rev, 5);
	/* one-argument key functions, and builtins */
	static const char *const bylen[] = { "b", "a", "Sent", "INBOX",
					     "INBOX.x" };
	sort_check(ctx, "len", in, bylen, 5);
	static const char *const lower[] = { "a", "b", "INBOX", "INBOX.x",
					     "Sent" };
	sort_check(ctx, "lambda f: f.lower()", in, lower, 5);
	sort_check(ctx, "str.lower", in, lower, 5);
	static const char *const plain[] = { "INBOX", "INBOX.x", "Sent", "a",
					     "b" };
	sort_check(ctx, "cmp", in, plain, 5);

	/* errors name both folders */
	struct pyexpr *e = compile_ok(ctx, "lambda x, y: x - y", "foldersort");
	char *names[2] = { "a", "b" };
	char *err = NULL;
	CHECK_INTEQ(pyexpr_sort(e, names, 2, &err), -1);
	CHECK(err && strstr(err, "folder \"b\" and \"a\": column 16: "
			    "TypeError: unsupported operand"));
	CHECK_STREQ(names[0], "a");
	FREE(&err);
	int c;
	CHECK_INTEQ(pyexpr_call_cmp(e, "x", "y", &c, &err), -1);
	FREE(&err);
	pyexpr_free(&e);
	e = compile_ok(ctx, "lambda x, y: cmp(len(x), len(y))", "foldersort");
	CHECK_INTEQ(pyexpr_call_cmp(e, "aa", "b", &c, &err), 0);
	CHECK_INTEQ(c, 1);
	pyexpr_free(&e);
	e = compile_ok(ctx, "'x'", "foldersort");
	CHECK_INTEQ(pyexpr_sort(e, names, 2, &err), -1);
	CHECK(err && strstr(err, "comparison function of two folder names"));
	FREE(&err);
	pyexpr_free(&e);
	pyexpr_ctx_unref(&ctx);
}

TEST(test_api_mbnames)
{
	/* SPEC 5.12 with the sample settings: header "mailboxes ", peritem
	 * "+%(accountname)s/%(foldername)s" (raw, quotes included), sep " ",
	 * footer "\n". */
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	struct pyexpr *h = compile_ok(ctx, "\"mailboxes \"", "header");
	struct pyexpr *s = compile_ok(ctx, "\" \"", "sep");
	struct pyexpr *f = compile_ok(ctx, "\"\\n\"", "footer");
	char *hv = NULL, *sv = NULL, *fv = NULL, *err = NULL;
	CHECK_INTEQ(pyexpr_get_string(h, &hv, &err), 0);
	CHECK_INTEQ(pyexpr_get_string(s, &sv, &err), 0);
	CHECK_INTEQ(pyexpr_get_string(f, &fv, &err), 0);
	static const char *const keys[] = { "accountname", "foldername" };
	const char *vals[2] = { "Work", "INBOX" };
	char *i1 = NULL, *i2 = NULL;
	const char *peritem = "\"+%(accountname)s/%(foldername)s\"";
	CHECK_INTEQ(pyexpr_format_mapping(peritem, 2, keys, vals, &i1, &err),
		    0);
	vals[1] = "Sent";
	CHECK_INTEQ(pyexpr_format_mapping(peritem, 2, keys, vals, &i2, &err),
		    0);
	char *text = xasprintf("%s%s%s%s%s", hv, i1, sv, i2, fv);
	CHECK_STREQ(text, "mailboxes \"+Work/INBOX\" \"+Work/Sent\"\n");
	free(text);
	free(hv);
	free(sv);
	free(fv);
	free(i1);
	free(i2);
	CHECK_INTEQ(pyexpr_format_mapping("%(nokey)s", 2, keys, vals, &i1,
					  &err), -1);
	CHECK_STREQ(err, "KeyError: 'nokey'");
	FREE(&err);
	CHECK_INTEQ(pyexpr_format_mapping("%(foldername)r %%", 2, keys, vals,
					  &i1, &err), 0);
	CHECK_STREQ(i1, "'Sent' %");
	free(i1);
	struct pyexpr *n = compile_ok(ctx, "42", "header");
	long port = 0;
	CHECK_INTEQ(pyexpr_get_int(n, &port, &err), 0);
	CHECK_INTEQ(port, 42);
	struct pyexpr *p = compile_ok(ctx, "'99' + '3'", "remoteporteval");
	CHECK_INTEQ(pyexpr_get_int(p, &port, &err), 0);
	CHECK_INTEQ(port, 993);
	pyexpr_free(&p);
	p = compile_ok(ctx, "'imap'", "remoteporteval");
	CHECK_INTEQ(pyexpr_get_int(p, &port, &err), -1);
	CHECK(err && strstr(err, "remoteporteval: ValueError: invalid "
			    "literal for int()"));
	FREE(&err);
	pyexpr_free(&p);
	p = compile_ok(ctx, "[]", "remoteporteval");
	CHECK_INTEQ(pyexpr_get_int(p, &port, &err), -1);
	CHECK(err && strstr(err, "must be an integer, not list"));
	FREE(&err);
	pyexpr_free(&p);
	CHECK_INTEQ(pyexpr_get_string(n, &hv, &err), -1);
	CHECK(err && strstr(err, "header: TypeError: the value must be a "
			    "string, not int"));
	FREE(&err);
	pyexpr_free(&n);
	pyexpr_free(&h);
	pyexpr_free(&s);
	pyexpr_free(&f);
	pyexpr_ctx_unref(&ctx);
}

TEST(test_compile_errors)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "lambda f: f +", "/rc:7: [Repository R] nametrans: column 14: "
		  "invalid syntax: unexpected end of line" },
		{ "lambda f: re.sub('a', 'b',\n f))", "/rc:8: [Repository R] "
		  "nametrans: column 4: unmatched ')'" },
		{ "lambda f: (f,\n  f.x(]", "/rc:8: [Repository R] nametrans: "
		  "column 7: closing parenthesis ']' does not match opening "
		  "parenthesis '(' on line 2" },
		{ "lambda f: foo(f)", "/rc:7: [Repository R] nametrans: column "
		  "11: NameError: name 'foo' is not defined" },
		{ "lambda f: f if f else", "column 22: invalid syntax" },
		{ "lambda f: 1.0", "column 11: floating-point" },
		{ "lambda f: print f", "column 17: invalid syntax" },
		{ "1 2", "column 3: invalid syntax: unexpected number" },
		{ "lambda: (yield)", "'yield' is not supported" },
		{ "lambda f: f$", "column 12: invalid character '$'" },
		{ "[x for x in 'ab']; 1", "column 18: invalid syntax" },
		{ "1 +\n\n2", "/rc:7: [Repository R] nametrans: column 4: "
		  "invalid syntax" },
		{ "'a' + 1", "/rc:7: [Repository R] nametrans: column 5: "
		  "TypeError: can only concatenate" },
		{ "\n[1,\n 2,\n 3 +]", "/rc:10: [Repository R] nametrans: "
		  "column 5: invalid syntax: unexpected ']'" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pyexpr_origin o = { .file = "/rc", .line = 7,
					   .section = "Repository R",
					   .option = "nametrans" };
		char *err = NULL;
		struct pyexpr *e = pyexpr_compile(ctx, cases[i].text, &o, &err);
		CHECK(e == NULL);
		CHECK(err && strstr(err, cases[i].err));
		if (!err || !strstr(err, cases[i].err))
			fprintf(stderr, "  %s\n    expected: %s\n    got: %s\n",
				cases[i].text, cases[i].err, err);
		free(err);
		pyexpr_free(&e);
	}
	/* no origin at all */
	char *err = NULL;
	struct pyexpr *e = pyexpr_compile(ctx, "(", NULL, &err);
	CHECK(!e);
	CHECK_STREQ(err, "<config>: column 1: '(' was never closed");
	free(err);
	pyexpr_ctx_unref(&ctx);
}

/* ---- pythonfile ------------------------------------------------------- */

static const char pythonfile[] =
	"# helpers\n"
	"from __future__ import print_function\n"
	"import re, os.path\n"
	"import subprocess as sp\n"
	"from re import sub as resub, IGNORECASE\n"
	"try:\n"
	"    import keyring\n"
	"except ImportError:\n"
	"    keyring = None\n"
	"    unicode = str\n"
	"\n"
	"class Account(object):\n"
	"    def name(self):\n"
	"        return 'x'\n"
	"prioritized = ['INBOX', 'personal', 'announce', 'list']\n"
	"\n"
	"def mycmp(x, y):\n"
	"    for prefix in prioritized:\n"
	"        xsw = x.startswith(prefix)\n"
	"        ysw = y.startswith(prefix)\n"
	"        if xsw and ysw:\n"
	"            return cmp(x, y)\n"
	"        elif xsw:\n"
	"            return -1\n"
	"        elif ysw:\n"
	"            return +1\n"
	"    return cmp(x, y)\n"
	"\n"
	"def test_mycmp():\n"
	"    import os, os.path\n"
	"    folders=os.listdir(os.path.expanduser('~/data/mail/tv@hq'))\n"
	"    folders.sort(mycmp)\n"
	"    print folders\n"
	"\n"
	"def get_pass(account):\n"
	"    return sp.check_output(['pass', account]).strip()\n"
	"HOME = os.path.expanduser('~')\n"
	"counter = [0]\n"
	"def bump(f):\n"
	"    counter.append(f)\n"
	"    return f\n"
	"def fact(n):\n"
	"    return 1 if n <= 1 else n * fact(n - 1)\n"
	"def loop(f):\n"
	"    i = 0\n"
	"    out = ''\n"
	"    while True:\n"
	"        i += 1\n"
	"        if i > 3:\n"
	"            break\n"
	"        if i == 2:\n"
	"            continue\n"
	"        out += f + str(i)\n"
	"    else:\n"
	"        out = 'never'\n"
	"    d = {}\n"
	"    d[f] = i\n"
	"    del d[f]\n"
	"    a, (b, c) = 1, [2, 3]\n"
	"    assert a == 1, 'a is 1'\n"
	"    return out, d, a + b + c\n"
	"def check(x):\n"
	"    if x < 0:\n"
	"        raise ValueError('negative: %d' % x)\n"
	"    return x\n"
	"def nested(prefix):\n"
	"    def inner(f):\n"
	"        return prefix + f\n"
	"    return inner\n"
	"dotted = nested('INBOX.')\n"
	"def uses_global(f):\n"
	"    return resub('^x', '', f, flags=IGNORECASE) + SUFFIX\n"
	"SUFFIX = '!'\n"
	"def late():\n"
	"    return undefined_thing\n"
	"if __name__ == '__main__':\n"
	"    print(test_mycmp())\n"
	"total = 0\n"
	"for n in range(5):\n"
	"    total += n\n"
	"gen = (x for x in [1, 2])\n"
	"BAD = 1 // 0\n"
	"def down(n):\n"
	"    return 0 if n == 0 else 1 + down(n - 1)\n";

TEST(test_pythonfile)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	char *err = NULL;
	CHECK_INTEQ(pyexpr_ctx_load_source(ctx, "~/.offlineimap.py",
					   pythonfile, &err), 0);
	if (err) {
		fprintf(stderr, "%s\n", err);
		free(err);
		pyexpr_ctx_unref(&ctx);
		return;
	}
	const char *const *w = pyexpr_ctx_warnings(ctx);
	size_t nw = 0;
	for (; w[nw]; nw++)
		;
	CHECK_INTEQ(nw, 5);
	if (nw == 5) {
		CHECK_STREQ(w[0], "~/.offlineimap.py:6:1: try statements are "
			    "not supported: statement skipped; unavailable: "
			    "keyring");
		CHECK_STREQ(w[1], "~/.offlineimap.py:12:1: class definitions "
			    "are not supported: statement skipped; "
			    "unavailable: Account");
		CHECK_STREQ(w[2], "~/.offlineimap.py:30:5: import of module "
			    "'os' is not supported: statement skipped; "
			    "unavailable: test_mycmp");
		CHECK(strstr(w[3], "~/.offlineimap.py:37:8: 'os' is "
			     "unavailable: ~/.offlineimap.py:3:12: import of "
			     "module 'os.path' is not supported: statement "
			     "skipped; unavailable: HOME"));
		CHECK_STREQ(w[4], "~/.offlineimap.py:82:9: ZeroDivisionError: "
			    "integer division or modulo by zero: statement "
			    "skipped; unavailable: BAD");
	}
	static const struct vcase cases[] = {
		{ "sorted(['b', 'list', 'INBOX', 'a', 'personal'], cmp=mycmp)",
		  "['INBOX', 'personal', 'list', 'a', 'b']" },
		{ "prioritized[0], total, unicode('x'), resub('a', 'b', 'a')",
		  "('INBOX', 10, 'x', 'b')" },
		{ "fact(10), loop('f'), check(3), dotted('Sent')",
		  "(3628800, ('f1f3', {}, 6), 3, 'INBOX.Sent')" },
		{ "check(-1)", "!ValueError: negative: -1 (in check at "
		  "~/.offlineimap.py:64:9)" },
		{ "uses_global('xa')", "'a!'" },
		{ "late()", "!NameError: name 'undefined_thing' is not defined "
		  "(in late at ~/.offlineimap.py:75:12)" },
		{ "test_mycmp()", "!'test_mycmp' is unavailable: "
		  "~/.offlineimap.py:30:5: import of module 'os' is not "
		  "supported" },
		{ "lambda f: get_pass(f)",
		  "<function <lambda>>" },
		{ "keyring", "!'keyring' is unavailable: ~/.offlineimap.py:6:1: "
		  "try statements are not supported" },
		{ "Account", "!'Account' is unavailable" },
		{ "BAD", "!ZeroDivisionError" },
		{ "bump('x')", "!cannot be modified while folders are synced" },
		{ "counter", "[0]" },
		{ "list(gen)", "!generator that belongs to the pythonfile" },
		{ "fact(300)", "!RecursionError" },
		{ "down(190)", "190" },
		{ "down(250)", "!RecursionError: maximum recursion depth "
		  "exceeded (200)" },
		{ "__name__", "'__offlineimap__'" },
	};
	run_values(cases, ARRAY_SIZE(cases), ctx);
	static const struct ccase calls[] = {
		{ "lambda f: get_pass(f)", "acct", "!'sp' is unavailable: "
		  "~/.offlineimap.py:4:8: import of module 'subprocess' is not "
		  "supported (in get_pass at ~/.offlineimap.py:36:12)" },
		{ "dotted", "Sent", "'INBOX.Sent'" },
	};
	run_calls(calls, ARRAY_SIZE(calls), ctx);
	/* loading twice is refused */
	CHECK_INTEQ(pyexpr_ctx_load_source(ctx, "x", "", &err), -1);
	FREE(&err);
	pyexpr_ctx_unref(&ctx);
}

TEST(test_pythonfile_errors)
{
	static const struct {
		const char *src;
		const char *err;
	} cases[] = {
		{ "x = (1,\ny = 2\n", "p.py:1:5: '(' was never closed" },
		{ "def f():\n    return 1\n  x = 2\n", "p.py:3:3: unindent does "
		  "not match any outer indentation level" },
		{ "def f():\nreturn 1\n", "p.py:2:1: expected an indented "
		  "block" },
		{ "x = 1\n    y = 2\n", "p.py:2:5: unexpected indent" },
		{ "x = = 1\n", "p.py:1:5: invalid syntax" },
		{ "def f(:\n  pass\n", "p.py:1:6: '(' was never closed" },
		{ "def f(1):\n  pass\n", "p.py:1:7: invalid syntax" },
		{ "s = 'abc\n", "p.py:1:5: unterminated string literal" },
		{ "x = ]\n", "p.py:1:5: unmatched ']'" },
		{ "else:\n  pass\n", "p.py:1:1: invalid syntax: 'else' without" },
		{ "x = 1 +\n", "p.py:1:8: invalid syntax" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
		char *err = NULL;
		CHECK_INTEQ(pyexpr_ctx_load_source(ctx, "p.py", cases[i].src,
						   &err), -1);
		CHECK(err && strstr(err, cases[i].err));
		if (!err || !strstr(err, cases[i].err))
			fprintf(stderr, "  %s\n    expected: %s\n    got: %s\n",
				cases[i].src, cases[i].err, err);
		free(err);
		pyexpr_ctx_unref(&ctx);
	}
	/* a file that does not exist, and one with NUL bytes */
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	char *err = NULL;
	CHECK_INTEQ(pyexpr_ctx_load_file(ctx, "/nonexistent/p.py", "~/p.py",
					 &err), -1);
	CHECK(err && strstr(err, "cannot open pythonfile ~/p.py: No such"));
	free(err);
	pyexpr_ctx_unref(&ctx);
	char path[] = "/tmp/pyexpr-test-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, "x = 1\n\0y = 2\n", 13) == 13);
		close(fd);
		ctx = pyexpr_ctx_new(NULL);
		CHECK_INTEQ(pyexpr_ctx_load_file(ctx, path, NULL, &err), -1);
		CHECK(err && strstr(err, "null bytes"));
		FREE(&err);
		pyexpr_ctx_unref(&ctx);
		fd = open(path, O_WRONLY | O_TRUNC);
		CHECK(write(fd, "x = 'ok'\r\ndef f(a):\r\n  return a\r\n", 33) ==
		      33);
		close(fd);
		ctx = pyexpr_ctx_new(NULL);
		CHECK_INTEQ(pyexpr_ctx_load_file(ctx, path, NULL, &err), 0);
		CHECK(check_one("f(x)", -1, NULL, "'ok'", ctx));
		pyexpr_ctx_unref(&ctx);
		unlink(path);
	}
}

/* ---- limits ------------------------------------------------------------ */

TEST(test_limits)
{
	struct pyexpr_limits lim;
	pyexpr_default_limits(&lim);
	lim.max_steps = 100000;
	lim.max_memory = 4 * 1024 * 1024;
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(&lim);
	static const struct vcase cases[] = {
		{ "sum(1 for x in range(10 ** 9))", "!" },
		{ "[x for x in range(10 ** 9)]", "!" },
		{ "'x' * 10 ** 9", "!MemoryError: result too large" },
		{ "'x' * -1", "''" },
		{ "[1] * 10 ** 18", "!MemoryError" },
		{ "2 ** 64", "!OverflowError" },
		{ "(lambda f: f(f))(lambda f: f(f))", "!RecursionError" },
		{ "re.match('(a*)*$', 'a' * 64 + 'b')", "!too complex" },
		{ "re.match(r'(\\w+\\s?)+$', 'a' * 40 + '!')", "!too complex" },
		{ "'{:99999999}'.format(1)", "!Too many decimal digits" },
		{ "'%99999999d' % 1", "!width too big" },
		{ "'a'.center(10 ** 12)", "!MemoryError" },
		{ "'abcdef'.replace('', 'x' * 1000000)", "!MemoryError" },
		{ "sorted(range(10 ** 6))", "!" },
	};
	run_values(cases, ARRAY_SIZE(cases), ctx);
	/* deep nesting in the parser */
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, '-');
	strbuf_addch(&sb, '1');
	CHECK(check_one(sb.buf, -1, NULL, "!too deeply nested", ctx));
	strbuf_reset(&sb);
	for (int i = 0; i < 50000; i++)
		strbuf_addstr(&sb, "not ");
	strbuf_addch(&sb, '1');
	CHECK(check_one(sb.buf, -1, NULL, "!too deeply nested", ctx));
	strbuf_reset(&sb);
	for (int i = 0; i < 150; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < 150; i++)
		strbuf_addch(&sb, ']');
	CHECK(check_one(sb.buf, -1, NULL, "!", ctx));
	strbuf_reset(&sb);
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&sb, "(lambda x: ");
	strbuf_addstr(&sb, "1");
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&sb, ")(1)");
	CHECK(check_one(sb.buf, -1, NULL, "1", ctx));
	strbuf_reset(&sb);
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "1 + ");
	strbuf_addstr(&sb, "1");
	CHECK(check_one(sb.buf, -1, NULL, "!", ctx));
	strbuf_release(&sb);
	pyexpr_ctx_unref(&ctx);
}

/* ---- threads ------------------------------------------------------------- */

struct worker {
	struct pyexpr *nametrans, *filter;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	static const char *const names[] = {
		"INBOX.Sent", "INBOX.Lists.debian", "Entw&APw-rfe", "INBOX",
		"INBOX.Trash",
	};
	static const char *const want[] = {
		"sent", "lists/debian", "entwürfe", "inbox", "trash",
	};
	for (int round = 0; round < 300; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			char *r = NULL, *err = NULL;
			if (pyexpr_call_string(w->nametrans, names[i], &r,
					       &err) < 0 || strcmp(r, want[i]))
				w->failures++;
			free(r);
			free(err);
			bool keep;
			if (pyexpr_call_bool(w->filter, names[i], 1, &names[i],
					     &keep, &err) < 0 ||
			    keep != (i != 4))
				w->failures++;
			free(err);
		}
	}
	return NULL;
}

TEST(test_threads)
{
	struct pyexpr_ctx *ctx = pyexpr_ctx_new(NULL);
	char *err = NULL;
	CHECK_INTEQ(pyexpr_ctx_load_source(ctx, "t.py",
		"MAP = {'Trash': 'trash'}\n"
		"def tr(f):\n"
		"    f = re.sub(r'^INBOX\\.', '', f).replace('.', '/')\n"
		"    return MAP.get(f, f.decode('imap4-utf-7').lower())\n",
		&err), 0);
	free(err);
	struct worker w[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		w[i].nametrans = compile_ok(ctx, "lambda f: tr(f)", "nametrans");
		w[i].filter = compile_ok(ctx, "lambda f: not re.search("
					 "'(?i)trash', f)", "folderfilter");
		w[i].failures = 0;
	}
	/* two workers share one compiled value, as folder threads do */
	pyexpr_free(&w[1].nametrans);
	w[1].nametrans = w[0].nametrans;
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_INTEQ(w[i].failures, 0);
	}
	w[1].nametrans = NULL;
	for (int i = 0; i < 4; i++) {
		pyexpr_free(&w[i].nametrans);
		pyexpr_free(&w[i].filter);
	}
	pyexpr_ctx_unref(&ctx);
}

RUN_TESTS(test_literals, test_operators, test_indexing, test_functions,
	  test_builtins, test_containers, test_strings, test_regex,
	  test_folder_calls, test_api_nametrans, test_api_filters,
	  test_api_sort, test_api_mbnames, test_compile_errors,
	  test_pythonfile, test_pythonfile_errors, test_limits, test_threads)
