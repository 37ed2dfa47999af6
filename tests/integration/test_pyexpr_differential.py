# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test of the configuration-expression evaluator
(core/pyexpr): every expression below is evaluated by our tool
(tests/tools/pyexpr_eval) and by CPython (python3 with a small shim: cmp,
list-returning map/filter/zip, an 'imap4-utf-7' codec), applied to lists of
realistic folder names from Gmail, Courier, Exchange, UW-IMAP, Dovecot and
non-ASCII layouts, with a realistic pythonfile (tests/data/pyexpr/
helpers.py).  The repr() of every result, or the exception class of every
error, must agree."""

import json
import os
import re
import shutil
import subprocess

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "data", "pyexpr")
PYTHONFILE = os.path.join(DATA, "helpers.py")

GMAIL = ['INBOX', '[Gmail]/All Mail', '[Gmail]/Drafts', '[Gmail]/Sent Mail',
         '[Gmail]/Spam', '[Gmail]/Starred', '[Gmail]/Trash',
         '[Gmail]/Important', '[Google Mail]/Bin', '[Google Mail]/Sent Mail',
         'Work/Projects', 'Receipts', 'Notes']
COURIER = ['INBOX', 'INBOX.Sent', 'INBOX.Drafts', 'INBOX.Trash',
           'INBOX.Lists.debian-user', 'INBOX.Lists.lkml', 'INBOX.spam',
           'INBOX.Archives.2019', 'INBOX.personal', 'INBOX.announce']
EXCHANGE = ['INBOX', 'Sent Items', 'Deleted Items', 'Drafts',
            'Junk E-mail', 'Calendar', 'Contacts', 'Journal', 'Notes',
            'Tasks', 'Outbox', 'Sync Issues', 'Sync Issues/Conflicts',
            'Inbox/Projects/2023']
UW = ['INBOX', 'Mail/INBOX', 'Mail/list/zaurus-general',
      'Mail/list/zaurus-dev', 'Mail/sent-mail', '~/mail/saved-messages',
      '#mh/inbox', 'mail/postponed-msgs', 'list', 'personal']
DOVECOT = ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive',
           'Archive/2022', 'lists/dovecot', 'lists/postfix-users',
           'Virtual/All', 'announce']
NONASCII = ['Entwürfe', 'Gesendete Objekte', 'Papierkorb',
            'Éléments envoyés', 'Корзина', '送信済み', 'Entw&APw-rfe',
            '&BCcENQRABD0EPgQyBDgEOgQ4-', 'Sent &- Received', 'ΣΟΦΟΣ',
            'straße', 'Ünïcödé/Ümläüt']
ALL = []
for _l in (GMAIL, COURIER, EXCHANGE, UW, DOVECOT, NONASCII):
    for _f in _l:
        if _f not in ALL:
            ALL.append(_f)
UTF7 = ['INBOX', 'Entw&APw-rfe', '&BCcENQRABD0EPgQyBDgEOgQ4-',
        'Sent &- Received', '&ZeVnLIqe-', 'Gesendete Objekte',
        '[Gmail]/Gesendet', 'Ko&AQ0-ka']
LISTS = {'ALL': ALL, 'GMAIL': GMAIL, 'COURIER': COURIER,
         'EXCHANGE': EXCHANGE, 'UW': UW, 'DOVECOT': DOVECOT,
         'NONASCII': NONASCII, 'UTF7': UTF7}

# (kind, expression, folder list)
#   map   call with each folder, compare repr of the result
#   mb    call with (account, folder) for each folder
#   sort  pyexpr_sort() of the list vs sorted() with cmp_to_key / key
#   value the expression's value itself
#   list  pyexpr_get_strlist() (folderincludes) vs list(value)
CASES = [
    # --- the manual's and SPEC's examples ---
    ('map', "lambda foldername: \\\nre.sub('^Mail/', '', foldername)", 'UW'),
    ('map', "lambda foldername: foldername in [\n'Mail/INBOX',\n"
            "'Mail/list/zaurus-general',\n'Mail/list/zaurus-dev',\n]", 'UW'),
    ('map', r"lambda foldername: re.sub('^INBOX\.', '', foldername)",
     'COURIER'),
    ('map', "lambda foldername: foldername not in ['Trash',\n"
            "                                                     'Spam']",
     'ALL'),
    ('list', "['debian.user', 'debian.personal']", None),
    ('sort', "lambda x, y: (-1 if x == 'INBOX' else\n"
             "                             1 if y == 'INBOX' else cmp(x, y))",
     'ALL'),
    ('sort', "mycmp", 'COURIER'),
    ('sort', "mycmp", 'UW'),
    ('sort', "mycmp", 'DOVECOT'),
    ('value', '"mailboxes "', None),
    ('value', '" "', None),
    ('value', '"\\n"', None),
    ('mb', "lambda accountname, foldername: foldername != 'Trash'", 'DOVECOT'),
    ('sort', "lambda x, y: -cmp(x, y)", 'ALL'),
    ('sort', "lambda x, y: cmp(x, y)", 'ALL'),
    ('map', "lambda name: name", 'ALL'),
    ('map', "lambda f: 1", 'GMAIL'),
    ('map', "lambda f: 0", 'GMAIL'),
    # --- Gmail ---
    ('map', "lambda f: re.sub(r'^\\[Gmail\\]/', '', f)", 'GMAIL'),
    ('map', "lambda f: re.sub(r'^\\[(Gmail|Google Mail)\\]/', '', f)", 'GMAIL'),
    ('map', "lambda f: f.replace('[Gmail]/', '').replace(' ', '_')", 'GMAIL'),
    ('map', "lambda f: {'[Gmail]/All Mail': 'archive', "
            "'[Gmail]/Sent Mail': 'sent', '[Gmail]/Trash': 'trash'}"
            ".get(f, f)", 'GMAIL'),
    ('map', "lambda f: f not in ['[Gmail]/All Mail', '[Gmail]/Important',"
            " '[Gmail]/Starred', '[Gmail]/Spam']", 'GMAIL'),
    ('map', "lambda f: not f.startswith('[Gmail]') or f == '[Gmail]/Sent Mail'",
     'GMAIL'),
    ('map', "lambda f: f.startswith(('[Gmail]/', '[Google Mail]/'))", 'GMAIL'),
    ('map', "gmail_nametrans", 'GMAIL'),
    ('map', "lambda f: gmail_nametrans(f).lower()", 'GMAIL'),
    ('map', "lambda f: REVERSE_MAP.get(f, f)", 'GMAIL'),
    ('map', "lambda f: re.sub(r'\\s+', '-', re.sub(r'^\\[.*?\\]/', '', f)).lower()",
     'GMAIL'),
    ('map', "lambda f: 'gmail.' + f.split('/')[-1].replace(' ', '')", 'GMAIL'),
    ('map', "lambda f: re.match(r'\\[(?P<svc>[^]]+)\\]/(?P<rest>.*)', f)"
            " and re.match(r'\\[(?P<svc>[^]]+)\\]/(?P<rest>.*)', f)"
            ".group('rest')", 'GMAIL'),
    ('map', "lambda f: '.'.join(x.strip('[]') for x in f.split('/'))", 'GMAIL'),
    ('map', "lambda f: exclude(f)", 'GMAIL'),
    ('map', "lambda f: exclude(f, ('Important', 'Starred'))", 'GMAIL'),
    ('sort', "lambda x, y: cmp(gmail_nametrans(x), gmail_nametrans(y))", 'GMAIL'),
    # --- Courier (INBOX.-prefixed, '.' separator) ---
    ('map', "lambda f: f[6:] if f.startswith('INBOX.') else f", 'COURIER'),
    ('map', "lambda f: re.sub(r'^INBOX\\.?', '', f) or 'INBOX'", 'COURIER'),
    ('map', "lambda f: f.replace('INBOX.', '', 1).replace('.', '/')", 'COURIER'),
    ('map', "strip_prefix", 'COURIER'),
    ('map', "lambda f: strip_prefix(f, prefix='INBOX.Lists.')", 'COURIER'),
    ('map', "lambda f: f.split('.')", 'COURIER'),
    ('map', "lambda f: f.rsplit('.', 1)", 'COURIER'),
    ('map', "lambda f: f.split('.', 1)[-1]", 'COURIER'),
    ('map', "lambda f: f.partition('.')", 'COURIER'),
    ('map', "lambda f: f.rpartition('.')[2]", 'COURIER'),
    ('map', "lambda f: f.count('.')", 'COURIER'),
    ('map', "lambda f: f.find('.Lists.'), f.rfind('.'), f.index('INBOX')",
     'COURIER'),
    ('map', "lambda f: not re.search(r'(?i)spam|trash', f)", 'COURIER'),
    ('map', "lambda f: f.lower() not in ('inbox.spam', 'inbox.trash')",
     'COURIER'),
    ('map', "lambda f: re.sub(r'\\.', '/', f[len('INBOX.'):]) "
            "if f != 'INBOX' else f", 'COURIER'),
    ('map', "lambda f: '/'.join(reversed(f.split('.')))", 'COURIER'),
    ('map', "lambda f: 'Lists' in f.split('.')", 'COURIER'),
    ('map', "lambda f: re.sub(r'^INBOX\\.Lists\\.(.*)$', r'lists/\\1', f)",
     'COURIER'),
    ('map', "lambda f: re.sub(r'(\\d{4})$', r'year-\\g<1>', f)", 'COURIER'),
    ('map', "lambda f: re.subn(r'\\.', '/', f)", 'COURIER'),
    ('map', "lambda f: re.sub('\\\\.', '/', f, 1)", 'COURIER'),
    ('map', "lambda f: re.sub('[.]', '/', f, count=1)", 'COURIER'),
    # --- Exchange ---
    ('map', "lambda f: f not in ['Calendar', 'Contacts', 'Journal', 'Notes',"
            " 'Tasks', 'Outbox', 'Sync Issues'] and "
            "not f.startswith('Sync Issues/')", 'EXCHANGE'),
    ('map', "lambda f: {'Sent Items': 'Sent', 'Deleted Items': 'Trash',"
            " 'Junk E-mail': 'Junk'}.get(f, f)", 'EXCHANGE'),
    ('map', "lambda f: f.replace(' ', '_').lower()", 'EXCHANGE'),
    ('map', "lambda f: re.sub(r'(?i)^inbox/', 'INBOX.', f)", 'EXCHANGE'),
    ('map', "lambda f: re.sub(r'\\W+', '_', f)", 'EXCHANGE'),
    ('map', "lambda f: f.title()", 'EXCHANGE'),
    ('map', "lambda f: f.swapcase()", 'EXCHANGE'),
    ('map', "lambda f: f.capitalize()", 'EXCHANGE'),
    ('map', "lambda f: f.split()", 'EXCHANGE'),
    ('map', "lambda f: f.split(None, 1)", 'EXCHANGE'),
    ('map', "lambda f: f.rsplit(None, 1)", 'EXCHANGE'),
    ('map', "lambda f: ' '.join(w.capitalize() for w in f.split())",
     'EXCHANGE'),
    ('map', "lambda f: f.center(20, '*')", 'EXCHANGE'),
    ('map', "lambda f: f.ljust(15, '.') + '|' + f.rjust(15)", 'EXCHANGE'),
    ('map', "lambda f: f.zfill(12)", 'EXCHANGE'),
    ('map', "lambda f: f.endswith(('Items', 'mail'))", 'EXCHANGE'),
    ('map', "lambda f: f.endswith('s', 0, 5)", 'EXCHANGE'),
    ('map', "lambda f: f.startswith('Items', 5)", 'EXCHANGE'),
    ('map', "lambda f: f.isalpha(), f.isalnum(), f.istitle(), f.isupper()",
     'EXCHANGE'),
    ('map', "lambda f: f.strip('SIN'), f.lstrip('S'), f.rstrip('s')",
     'EXCHANGE'),
    ('sort', "lambda x, y: cmp(x.lower(), y.lower())", 'EXCHANGE'),
    ('sort', "lambda f: f.lower()", 'EXCHANGE'),
    ('sort', "str.lower", 'EXCHANGE'),
    ('sort', "len", 'EXCHANGE'),
    ('sort', "lambda f: (len(f), f)", 'EXCHANGE'),
    # --- UW-IMAP (reference-based, ~/mail/...) ---
    ('map', "lambda f: re.sub(r'^(~/)?[Mm]ail/', '', f)", 'UW'),
    ('map', "lambda f: f.startswith('Mail/')", 'UW'),
    ('map', "lambda f: f[5:] if f[:5] == 'Mail/' else f", 'UW'),
    ('map', "lambda f: f.replace('~/', 'home/').replace('#mh/', 'mh.')", 'UW'),
    ('map', "lambda f: re.sub(r'^#(\\w+)/', r'\\1:', f)", 'UW'),
    ('map', "lambda f: re.sub(r'[~#]', lambda m: {'~': 'HOME', '#': 'NS'}"
            "[m.group(0)], f)", 'UW'),
    ('map', "lambda f: f.split('/')[1:] or [f]", 'UW'),
    ('map', "lambda f: f.count('/') < 2", 'UW'),
    ('map', "lambda f: re.search(r'zaurus-(\\w+)$', f) is not None", 'UW'),
    ('map', "lambda f: re.findall(r'[a-z]+', f)", 'UW'),
    ('map', "lambda f: re.split(r'[/-]', f)", 'UW'),
    ('map', "lambda f: re.split(r'(/)', f, maxsplit=1)", 'UW'),
    ('map', "lambda f: [m.span() for m in re.finditer(r'/', f)]", 'UW'),
    ('map', "lambda f: re.match(r'(\\w+)/(\\w+)?', f) and "
            "re.match(r'(\\w+)/(\\w+)?', f).groups()", 'UW'),
    ('map', "lambda f: re.fullmatch(r'[\\w/-]+', f) is not None", 'UW'),
    ('map', "lambda f: re.escape(f)", 'UW'),
    ('map', "lambda f: re.sub(re.escape('Mail/'), '', f)", 'UW'),
    ('map', "lambda f: re.compile(r'^mail/', re.I).sub('', f)", 'UW'),
    ('map', "lambda f: re.compile(r'list/(.*)').search(f).group(1) "
            "if re.compile(r'list/(.*)').search(f) else None", 'UW'),
    ('sort', "mycmp", 'UW'),
    # --- Dovecot ---
    ('map', "lambda f: f.replace('/', '.')", 'DOVECOT'),
    ('map', "lambda f: f != 'Virtual/All' and not f.startswith('Virtual/')",
     'DOVECOT'),
    ('map', "lambda f: f.split('/')[0]", 'DOVECOT'),
    ('map', "lambda f: 'lists.' + f[6:] if f.startswith('lists/') else f",
     'DOVECOT'),
    ('map', "lambda f: depth(f)", 'DOVECOT'),
    ('map', "lambda f: sortkey(f)", 'DOVECOT'),
    ('map', "lambda f: flatten(f)", 'DOVECOT'),
    ('map', "lambda f: only_main(f)", 'DOVECOT'),
    ('map', "lambda f: local_name(f)", 'DOVECOT'),
    ('map', "lambda f: local_name(f, 'home', lower=True)", 'DOVECOT'),
    ('map', "lambda f: classify(f)", 'ALL'),
    ('map', "lambda f: count_words(f)", 'ALL'),
    ('map', "lambda f: first_upper(f)", 'ALL'),
    ('sort', "sortkey", 'DOVECOT'),
    ('sort', "lambda x, y: cmp(sortkey(x), sortkey(y))", 'DOVECOT'),
    ('sort', "lambda x, y: cmp(depth(x), depth(y)) or cmp(x, y)", 'DOVECOT'),
    ('mb', "lambda acct, f: acct == 'Work' and f not in ('Junk', 'Trash')",
     'DOVECOT'),
    ('mb', "lambda a, f: '%s/%s' % (a, f)", 'DOVECOT'),
    ('mb', "lambda a, f: re.search('^(INBOX|Sent)$', f) is not None",
     'DOVECOT'),
    # --- non-ASCII names, code points, modified UTF-7 ---
    ('map', "lambda f: len(f)", 'NONASCII'),
    ('map', "lambda f: f[0], f[-1], f[1:4], f[::-1], f[::2]", 'NONASCII'),
    ('map', "lambda f: f.upper(), f.lower()", 'NONASCII'),
    ('map', "lambda f: f.casefold()", 'NONASCII'),
    ('map', "lambda f: f.isalpha(), f.isascii()", 'NONASCII'),
    ('map', "lambda f: repr(f)", 'NONASCII'),
    ('map', "lambda f: ascii(f)", 'NONASCII'),
    ('map', "lambda f: re.sub(r'\\w', 'x', f)", 'NONASCII'),
    ('map', "lambda f: re.sub(r'(?a)\\w', 'x', f)", 'NONASCII'),
    ('map', "lambda f: re.findall(r'\\w+', f)", 'NONASCII'),
    ('map', "lambda f: re.search(r'ü|é|ß', f) and re.search(r'ü|é|ß', f)"
            ".span()", 'NONASCII'),
    ('map', "lambda f: re.sub(r'(?i)ü', 'ue', f)", 'NONASCII'),
    ('map', "lambda f: f.encode('utf-8')", 'NONASCII'),
    ('map', "lambda f: f.encode('imap4-utf-7')", 'NONASCII'),
    ('map', "lambda f: f.encode('imap4-utf-7').decode('ascii')", 'NONASCII'),
    ('map', "lambda f: f.encode('imap4-utf-7').decode('imap4-utf-7') == f",
     'NONASCII'),
    ('map', "lambda f: f.encode('ascii', 'replace')", 'NONASCII'),
    ('map', "lambda f: f.encode('latin-1', 'ignore')", 'NONASCII'),
    ('map', "lambda f: f.encode('ascii')", 'NONASCII'),
    ('map', "lambda f: f.encode().decode('imap4-utf-7')", 'UTF7'),
    ('map', "lambda f: bytes(f, 'ascii').decode('imap4-utf-7').upper()",
     'UTF7'),
    ('map', "lambda f: [ord(c) for c in f[:3]]", 'NONASCII'),
    ('map', "lambda f: ''.join(chr(ord(c) + 1) for c in f[:4])", 'NONASCII'),
    ('map', "lambda f: f.find('ü'), f.count('e'), 'ü' in f", 'NONASCII'),
    ('map', "lambda f: f.replace('ü', 'ue').replace('ß', 'ss')", 'NONASCII'),
    ('map', "lambda f: '%-12s|%5.3s|' % (f, f)", 'NONASCII'),
    ('map', "lambda f: '{:>12}|{:^9.4}|'.format(f, f)", 'NONASCII'),
    ('map', "lambda f: f'{f!r:>20}'", 'NONASCII'),
    ('sort', "lambda x, y: cmp(x, y)", 'NONASCII'),
    ('sort', "lambda f: f.casefold()", 'NONASCII'),
    # --- expressions, operators, truthiness, builtins on folder names ---
    ('map', "lambda f: f and f[0] or 'empty'", 'ALL'),
    ('map', "lambda f: len(f) > 5 and f.isupper() or f.islower()", 'ALL'),
    ('map', "lambda f: 'x' if 'a' < f[:1] <= 'm' else 'y'", 'ALL'),
    ('map', "lambda f: 3 < len(f) < 10", 'ALL'),
    ('map', "lambda f: not f", 'ALL'),
    ('map', "lambda f: f * 2 if len(f) < 5 else f[:5] + '...'", 'ALL'),
    ('map', "lambda f: (f + '/' + f).split('/')", 'ALL'),
    ('map', "lambda f: f.lower().startswith('in') or f.endswith('box')", 'ALL'),
    ('map', "lambda f: (lambda s: s[::-1])(f)", 'ALL'),
    ('map', "lambda f, suffix='!': f + suffix", 'ALL'),
    ('map', "lambda f, *rest: (f, rest)", 'DOVECOT'),
    ('map', "lambda f, **kw: (f, kw)", 'DOVECOT'),
    ('map', "lambda f: (lambda prefix: lambda s: prefix + s)('local.')(f)",
     'ALL'),
    ('map', "lambda f: [c for c in f if c.isupper()]", 'ALL'),
    ('map', "lambda f: {c: f.count(c) for c in f if c in 'aeiou'}", 'ALL'),
    ('map', "lambda f: sorted(set(f.lower()))[:5]", 'ALL'),
    ('map', "lambda f: list(map(len, f.split('/')))", 'ALL'),
    ('map', "lambda f: list(filter(None, re.split('[/.]', f)))", 'ALL'),
    ('map', "lambda f: map(str.upper, f.split('.'))", 'COURIER'),
    ('map', "lambda f: filter(lambda p: p != 'INBOX', f.split('.'))",
     'COURIER'),
    ('map', "lambda f: list(enumerate(f.split('/'), 1))", 'GMAIL'),
    ('map', "lambda f: list(zip(f.split('/'), range(10)))", 'GMAIL'),
    ('map', "lambda f: sum(len(p) for p in f.split('/'))", 'ALL'),
    ('map', "lambda f: max(f.split('/'), key=len)", 'ALL'),
    ('map', "lambda f: min(f.lower())", 'ALL'),
    ('map', "lambda f: any(p in f for p in ('Sent', 'sent'))", 'ALL'),
    ('map', "lambda f: all(c.isalnum() or c in ' ./' for c in f)", 'ALL'),
    ('map', "lambda f: sorted(f.split('/'), key=len, reverse=True)", 'ALL'),
    ('map', "lambda f: sorted(f.split('/'), reverse=True)", 'ALL'),
    ('map', "lambda f: tuple(f.split('/'))", 'ALL'),
    ('map', "lambda f: dict(zip('abc', f))", 'ALL'),
    ('map', "lambda f: dict(name=f, n=len(f))", 'ALL'),
    ('map', "lambda f: bool(f), int(len(f)), str(len(f)) + f", 'ALL'),
    ('map', "lambda f: isinstance(f, str) and not isinstance(f, (int, list))",
     'ALL'),
    ('map', "lambda f: f == f[:] and f is not None", 'ALL'),
    ('map', "lambda f: f.lower() in [x.lower() for x in ['inbox', 'SENT']]",
     'ALL'),
    ('map', "lambda f: [x for x in f.split('/') for y in range(2)]", 'GMAIL'),
    ('map', "lambda f: [(a, b) for a in f[:2] for b in f[:2] if a != b]",
     'ALL'),
    ('map', "lambda f: next((p for p in f.split('/') if p.startswith('S')),"
            " None)", 'ALL'),
    ('map', "lambda f: '%(name)s has %(n)d chars' % {'name': f, 'n': len(f)}",
     'ALL'),
    ('map', "lambda f: '%s:%r:%5d:%-5s|%x' % (f, f, len(f), f[:3], len(f))",
     'ALL'),
    ('map', "lambda f: '{0}/{0}'.format(f)", 'ALL'),
    ('map', "lambda f: '{name!s:.3}-{n:04d}'.format(name=f, n=len(f))", 'ALL'),
    ('map', "lambda f: '{}-{}'.format(*f.split('/', 1) + ['x'])", 'ALL'),
    ('map', "lambda f: f'{f.lower()}.{len(f):x}'", 'ALL'),
    ('map', "lambda f: f'{f!r}' + F'{{literal}}'", 'ALL'),
    ('map', "lambda f: 'It''s ' \"a \" '''quoted''' \"\"\"name\"\"\" + f",
     'ALL'),
    ('map', "lambda f: r'\\d' + '\\d' + '\\n' + '\\x41\\u00e9\\101' + f", 'ALL'),
    ('map', "lambda f: f.join(['<', '>'])", 'ALL'),
    ('map', "lambda f: f.split('/')[::-1][0]", 'ALL'),
    ('map', "lambda f: f[-3:], f[:-3], f[100:], f[-100:2], f[1:-1:2]", 'ALL'),
    ('map', "lambda f: f.expandtabs(), f.splitlines(), f.isdigit()", 'ALL'),
    ('map', "lambda f: f.removeprefix('INBOX.').removesuffix('Mail')", 'ALL'),
    ('map', "lambda f: int('0' + ''.join(c for c in f if c.isdigit()))",
     'ALL'),
    ('map', "lambda f: (len(f) // 3, len(f) % 3, -len(f) // 3, 2 ** len(f))",
     'ALL'),
    ('map', "lambda f: len(f) | 1, len(f) & 6, len(f) ^ 5, len(f) << 2, ~len(f)",
     'ALL'),
    ('map', "lambda f: divmod(len(f), 4), abs(-len(f)), pow(2, len(f), 7)",
     'ALL'),
    ('map', "lambda f: hex(len(f)), oct(len(f)), bin(len(f))", 'ALL'),
    ('map', "lambda f: [1, 2] + [len(f)] * 2, (f,) * 2", 'ALL'),
    ('map', "lambda f: {'a': [f], 'b': (f,), 'c': {}}", 'ALL'),
    ('map', "lambda f: list(range(len(f) % 4)), list(range(1, 10, 3))[::-1]",
     'ALL'),
    ('map', "lambda f: cmp(f, 'M'), cmp(len(f), 5)", 'ALL'),
    ('map', "lambda f: f.lower() == f.upper().lower() != ''", 'ALL'),
    ('map', "lambda f: f.format() if '{' not in f else f", 'ALL'),
    ('map', "lambda f: ('trash' in f.lower()) + ('sent' in f.lower())", 'ALL'),
    ('map', "lambda f: [w for w in re.split(r'\\W+', f) if w][-1:]", 'ALL'),
    ('map', "lambda f: re.sub(r'(\\w)(\\w*)', lambda m: m.group(1).upper() +"
            " m.group(2), f)", 'ALL'),
    ('map', "lambda f: re.sub(r'(?P<first>\\w+)', r'<\\g<first>>', f, 2)",
     'ALL'),
    ('map', "lambda f: re.sub(r'^', '>', f), re.sub(r'$', '<', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'\\b', '|', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'a*', '-', f)", 'ALL'),
    ('map', "lambda f: re.split(r'x*', f)", 'ALL'),
    ('map', "lambda f: re.findall(r'(\\w)(\\w)?', f)", 'ALL'),
    ('map', "lambda f: re.search(r'(?P<w>[A-Z]\\w*)', f) and "
            "re.search(r'(?P<w>[A-Z]\\w*)', f).groupdict()", 'ALL'),
    ('map', "lambda f: [(m.start(), m.end(), m.group()) for m in "
            "re.finditer(r'[aeiou]+', f)]", 'ALL'),
    ('map', "lambda f: re.match(r'.*?(\\w+)\\W*$', f).group(1) if "
            "re.match(r'.*?(\\w+)\\W*$', f) else ''", 'ALL'),
    ('map', "lambda f: bool(re.match(r'(?i)inbox', f)), "
            "bool(re.match('inbox', f, re.IGNORECASE))", 'ALL'),
    ('map', "lambda f: re.sub('(?x) [aeiou]  # vowels\\n', '', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'(.)\\1', r'<\\1\\1>', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'(?<=/)(\\w)', lambda m: m.group(1).lower(), f)",
     'ALL'),
    ('map', "lambda f: re.sub(r'\\s+(?=\\w)', '_', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'[^\\x00-\\x7f]', '?', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'\\d{2,}', lambda m: str(int(m.group()) + 1), f)",
     'ALL'),
    ('map', "lambda f: re.sub(r'o{,2}', 'O', f)", 'ALL'),
    ('map', "lambda f: re.sub(r'(a|b)?c', r'[\\1]', f + 'c')", 'ALL'),
    ('map', "lambda f: re.search(r'\\Ainbox\\Z', f, re.I) is not None", 'ALL'),
    ('map', "lambda f: re.match(r'^(\\w+)\\.(?P<rest>.+)$', f).expand("
            "r'\\g<rest>-\\1') if re.match(r'^(\\w+)\\.(?P<rest>.+)$', f)"
            " else f", 'ALL'),
    ('map', "lambda f: re.compile(r'(\\w+)').findall(f, 2), "
            "re.compile('x').pattern", 'ALL'),
    ('map', "lambda f: re.search(r'(a)|(b)', f + 'b').lastindex", 'ALL'),
    ('map', "lambda f: re.match(r'(I)(N)', f) and re.match(r'(I)(N)', f)[2]",
     'ALL'),
    ('map', "lambda f: re.split(r'/', f, 1)[0]", 'ALL'),
    ('map', "lambda f: translate(f)", 'ALL'),
    ('map', "lambda f: strip_prefix(f, 'Mail/')", 'ALL'),
    # --- values: folderincludes, mbnames pieces, pure expressions ---
    ('list', "['INBOX.Archive', 'INBOX.Lists.' + 'debian']", None),
    ('list', "[f for f in ('Sent', 'Drafts', 'Trash') if f != 'Trash']", None),
    ('list', "('INBOX',)", None),
    ('list', "list(GMAIL_MAP)[:3]", None),
    ('list', "sorted(REVERSE_MAP)", None),
    ('list', "['lists.%s' % n for n in ['debian', 'lkml']]", None),
    ('list', "(f.upper() for f in ['a', 'b'])", None),
    ('value', "'mailboxes' + ' '", None),
    ('value', "'\\n'.join(['a', 'b']) + '\\n'", None),
    ('value', "\"\"\"multi\nline\"\"\"", None),
    ('value', "'imap.' + 'example.org'", None),
    ('value', "'%s.%s' % ('imap', 'example.org')", None),
    ('value', "(1, 'a', None, True, [], {})", None),
    ('value', "[1, 2, 3][1:], [1, 2, 3][::-1], (1, 2)[-1]", None),
    ('value', "'\\t\\x00\\x7f\\u00ff\\u0100\\U0001F600 \\'\"'", None),
    ('value', "b'abc\\xff', 'a\\qb', b'\\N'", None),
    ('value', "sorted(['b', 'a', 'C'], key=str.lower)", None),
    ('value', "sorted([3, 1, 2], reverse=True)", None),
    ('value', "1 if [] else 2, 3 if 'x' else 4, None or 0 or 'z', 1 and 2",
     None),
    ('value', "1 < 2 < 3, 1 < 3 < 2, 'a' in 'abc', 1 not in [1], None is None",
     None),
    ('value', "min(3, 1, 2), max([4, 9]), min([], default=7)", None),
    ('value', "list(reversed([1, 2, 3])), len({'a': 1}), len(range(5))", None),
    ('value', "{'a': 1}.get('a'), {'a': 1}.get('b', 2), sorted({'x': 1, "
              "'y': 2}.items())", None),
    ('value', "[(k, v) for k, v in sorted(dict(b=2, a=1).items())]", None),
    ('value', "int('42'), int(' -7 '), int('ff', 16), int('0x10', 0), "
              "int(True)", None),
    ('value', "str(None), str(1), str([1, 'a']), repr('x'), str(b'x')", None),
    ('value', "'a,b,,c'.split(','), ' a  b '.split(), 'a b c'.split(' ', 1)",
     None),
    ('value', "'%d%%' % 50, '%5s|%-5s|' % ('ab', 'cd'), '%c%c' % (65, 'b')",
     None),
    ('value', "'%03d|%+d|% d|%.2d' % (7, 7, 7, 7)", None),
    ('value', "'{:>6}|{:<6}|{:^6}|{:*^7}'.format('a', 'b', 'c', 'd')", None),
    ('value', "'{:,}|{:+}|{:#x}|{:08.3f}|{:.1%}'.format(1234567, 5, 255, 3, 1)",
     None),
    ('value', "'{0[1]}|{1[k]}'.format('xy', {'k': 'v'})", None),
    ('value', "f'{1 + 2}{\"x\"!r}{3:>3}{\"s\":{2}}'", None),
    ('value', "[x * y for x in range(3) for y in range(x)]", None),
    ('value', "{x % 3: x for x in range(10)}", None),
    ('value', "sorted({x % 3 for x in range(10)})", None),
    ('value', "(lambda *a, **k: (a, sorted(k.items())))(1, 2, x=3)", None),
    ('value', "(lambda a, b=2, *c: (a, b, c))(1), (lambda a, b=2: a + b)(1, b=5)",
     None),
    ('value', "(lambda f: [f(n) for n in range(6)])("
              "lambda n: n if n < 2 else n * 2)", None),
    ('value', "[n for n in range(20) if n % 2 if n % 3]", None),
    ('value', "sum([[1], [2, 3]], []), sum(range(5)), sum([], 10)", None),
    ('value', "list(zip([1, 2, 3], 'ab')), list(enumerate('ab'))", None),
    ('value', "any([]), all([1, 0]), any(x for x in [0, '', 'a'])", None),
    ('value', "'abc'.index('c'), 'abcabc'.rindex('b'), 'aaa'.count('aa')",
     None),
    ('value', "'ab'.replace('', '-'), 'aaa'.replace('a', 'b', 2)", None),
    ('value', "'Hello World'.istitle(), 'hello'.islower(), '  '.isspace()",
     None),
    ('value', "'x'.join('abc'), '-'.join([]), ''.join(['a', 'b'])", None),
    ('value', "'a\\nb\\r\\nc'.splitlines(), 'a\\nb'.splitlines(True)", None),
    ('value', "re.sub('(a)(x)?', r'\\2', 'banana')", None),
    ('value', "re.split(r'(,)|;', 'a,b;c')", None),
    ('value', "re.findall(r'\\d+', 'a1b22c333'), re.findall(r'(a)(b)', 'abab')",
     None),
    ('value', "re.compile('a+', re.I | re.M).flags, re.compile(r'(?P<x>a)')"
              ".groupindex['x']", None),
    ('value', "re.escape('a.b*c[d] e/f-g'), re.escape('ü')", None),
    ('value', "re.search('(?P<n>b+)', 'abbc').group(0, 'n', 1)", None),
    ('value', "re.match('a', 'ba'), re.search('a', 'ba').start()", None),
    ('value', "re.fullmatch('a|ab', 'ab').group(), re.match('a|ab', 'ab')"
              ".group()", None),
    ('value', "re.subn('x*', '-', 'abc'), re.sub('(?m)^', '#', 'a\\nb')", None),
    ('value', "re.sub(r'a', r'\\n\\t\\\\', 'xax')", None),
    ('value', "[m.group() for m in re.finditer(r'\\w+', 'a bb ccc')]", None),
    ('value', "re.match(r'(?s).', '\\n') is not None, re.match(r'.', '\\n')",
     None),
    ('value', "re.search(r'[[]', 'a[b').start(), re.search(r'[]a]', 'x]').span()",
     None),
    ('value', "re.sub(r'\\101', 'x', 'ABA'), re.sub(r'[\\0101]', 'y', 'A')",
     None),
    ('value', "GMAIL_MAP['[Gmail]/Trash'], len(GMAIL_MAP), prioritized[1:]",
     None),
    ('value', "mycmp('INBOX', 'list'), mycmp('b', 'a'), mycmp('list', 'list')",
     None),
    ('value', "[f for f in sorted(GMAIL_MAP) if exclude(f)]", None),
    ('value', "sorted(['list.x', 'INBOX', 'b', 'announce', 'a'], "
              "key=sortkey)", None),
    ('value', "True + True, True * 3, -True", None),
    ('value', "[] == [], [1] == (1,), {} == {}, (1, [2]) == (1, [2])", None),
    ('value', "(1, 2) < (1, 3), [1, 2] > [1], 'B' < 'a', 'é' > 'z'", None),
    ('value', "'abc'[1], 'abc'[-1], 'abc'[5:], 'abcdef'[::-2]", None),
    ('value', "type('') is str, type(1) == int, str.upper('x')", None),
    ('value', "chr(233), ord('é'), chr(0x1F600), len('\\U0001F600')", None),
    ('value', "'x' * 0, 'x' * -1, [0] * 3, 3 * 'ab'", None),
    ('value', "divmod(-7, 2), -7 // 2, -7 % 2, 7 % -2, 2 ** 10", None),
    ('value', "round(1234, -2), round(1250, -2), round(7)", None),
    ('value', "list(range(10, 0, -3)), range(3), list(range(0))", None),
    ('value', "dict([('a', 1), ('b', 2)]), dict({'c': 3}, d=4)", None),
    ('value', "set() == set([]), len({1, 1, 2}), {1, 2} & {2, 3} == {2}",
     None),
    ('value', "sorted({'b', 'a'} | {'c'}), sorted({1, 2, 3} - {2})", None),
    ('value', "[1, 2, 3].index(2), (1, 2, 1).count(1), 'abc'.find('z')", None),
    ('value', "'Straße'.upper(), 'ΣΟΦΟΣ'.lower(), 'İ'.lower()", None),
    ('value', "'ǅ'.isupper(), 'ǅ'.istitle(), 'ß'.casefold()", None),
    ('value', "'a\\x00b', '\\\\', '\\'', \"'\\\"\"", None),
    ('value', "'Entwürfe'.encode('imap4-utf-7'), b'&ZeVnLIqe-'.decode("
              "'imap4-utf-7')", None),
]

SHIM = r'''
import base64, builtins, codecs, functools, inspect, json, re, sys


def cmp(a, b):
    return (a > b) - (a < b)


def _enc(s, errors='strict'):
    out, buf = [], []

    def flush():
        if buf:
            b = ''.join(buf).encode('utf-16-be')
            out.append('&' + base64.b64encode(b).decode().rstrip('=')
                       .replace('/', ',') + '-')
            del buf[:]
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append('&-' if ch == '&' else ch)
        else:
            buf.append(ch)
    flush()
    return ''.join(out).encode('ascii'), len(s)


def _dec(b, errors='strict'):
    s = bytes(b).decode('ascii')
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '&':
            j = s.index('-', i)
            if j == i + 1:
                out.append('&')
            else:
                chunk = s[i + 1:j].replace(',', '/')
                chunk += '=' * (-len(chunk) % 4)
                out.append(base64.b64decode(chunk).decode('utf-16-be'))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out), len(b)


def _search(name):
    if name.replace('-', '_') in ('imap4_utf_7', 'imap4_utf7'):
        return codecs.CodecInfo(_enc, _dec, name='imap4-utf-7')
    return None


codecs.register(_search)


def listmap(*a):
    return list(builtins.map(*a))


def listfilter(*a):
    return list(builtins.filter(*a))


def listzip(*a):
    return list(builtins.zip(*a))


def listenum(*a, **k):
    return list(builtins.enumerate(*a, **k))


def listrev(x):
    return list(builtins.reversed(x))


def listsorted(it, key=None, reverse=False, cmp=None):
    if cmp is not None:
        key = functools.cmp_to_key(cmp)
    return builtins.sorted(it, key=key, reverse=reverse)


BASE = {'cmp': cmp, 'map': listmap, 'filter': listfilter, 'zip': listzip,
        'enumerate': listenum, 'reversed': listrev, 'sorted': listsorted,
        're': re}


def errname(e):
    if isinstance(e, re.error):
        return 're.error'
    return type(e).__name__


def norm(v):
    if inspect.isgenerator(v):
        return list(v)
    return v


def nargs(f):
    try:
        ps = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return 2 if f is cmp else 1
    pos = [p for p in ps if p.kind in (p.POSITIONAL_ONLY,
                                       p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in ps):
        return 2
    required = [p for p in pos if p.default is p.empty]
    return 2 if len(pos) >= 2 and len(required) <= 2 else 1


def main():
    req = json.load(sys.stdin)
    ns = dict(BASE)
    with open(req['pythonfile']) as f:
        exec(compile(f.read(), req['pythonfile'], 'exec'), ns)
    out = []
    for kind, expr, items in req['cases']:
        res = []
        try:
            value = norm(eval(expr, dict(ns)))
        except Exception as e:
            out.append([['error', errname(e)]] * max(1, len(items or [1])))
            continue
        if kind == 'value':
            res.append(['ok', repr(value)])
        elif kind == 'list':
            try:
                res.append(['ok', '\t'.join(list(value))])
            except Exception as e:
                res.append(['error', errname(e)])
        elif kind == 'sort':
            try:
                if nargs(value) == 2:
                    s = builtins.sorted(items,
                                        key=functools.cmp_to_key(value))
                else:
                    s = builtins.sorted(items, key=value)
                res.append(['ok', '[' + '\t'.join(s) + ']'])
            except Exception as e:
                res.append(['error', errname(e)])
        else:
            for item in items:
                try:
                    args = item if kind == 'mb' else [item]
                    res.append(['ok', repr(norm(value(*args)))])
                except Exception as e:
                    res.append(['error', errname(e)])
        out.append(res)
    json.dump(out, sys.stdout)


main()
'''


def _enc_field(s):
    out = []
    for ch in s:
        if ch in '%\t\n\r' or ord(ch) < 32:
            out.append('%%%02X' % ord(ch))
        else:
            out.append(ch)
    return ''.join(out)


def _dec_field(s):
    return re.sub(r'%([0-9A-F]{2})', lambda m: chr(int(m.group(1), 16)), s)


ERRNAME = re.compile(r'^expr: (?:line \d+, )?(?:column \d+: )?'
                     r'([A-Za-z_][\w.]*)(?::|$)')


def our_errname(msg, compiling=False):
    m = ERRNAME.match(msg)
    if m:
        return m.group(1)
    # a compile error without an exception name is a syntax error
    return 'SyntaxError' if compiling else msg


def build_requests():
    cases = []
    for kind, expr, listname in CASES:
        items = LISTS[listname] if listname else None
        if kind == 'mb':
            items = [['Work', f] for f in items] + \
                [['Home', f] for f in items[:3]]
        cases.append((kind, expr, items))
    return cases


def run_ours(ctx, cases):
    tool = os.path.join(ctx.build, "tests", "tools", "pyexpr_eval")
    if not os.access(tool, os.X_OK):
        raise AssertionError("%s is missing (make tests)" % tool)
    lines = []
    for kind, expr, items in cases:
        lines.append("E\t" + _enc_field(expr))
        if kind == 'value':
            lines.append("V")
        elif kind == 'list':
            lines.append("L")
        elif kind == 'sort':
            lines.append("S\t" + "\t".join(_enc_field(i) for i in items))
        else:
            for item in items:
                args = item if kind == 'mb' else [item]
                lines.append("C\t" + "\t".join(_enc_field(a) for a in args))
    proc = subprocess.run([tool, "--pythonfile", PYTHONFILE, "--batch"],
                          input="\n".join(lines) + "\n", capture_output=True,
                          text=True, env=ctx.env(), timeout=600)
    ctx.check_output(proc.stderr)
    assert proc.returncode == 0, "pyexpr_eval failed (%d): %s" % (
        proc.returncode, proc.stderr[-2000:])
    replies = proc.stdout.splitlines()
    assert len(replies) == len(lines), \
        "pyexpr_eval answered %d of %d lines; stderr: %s" % (
            len(replies), len(lines), proc.stderr[-2000:])
    out = []
    k = 0
    for kind, expr, items in cases:
        compiled = replies[k]
        k += 1
        n = 1 if kind in ('value', 'list', 'sort') else len(items)
        res = []
        for _ in range(n):
            r = replies[k]
            k += 1
            status, _, text = r.partition(" ")
            text = _dec_field(text)
            if status == "ok":
                res.append(['ok', text])
            else:
                res.append(['error', our_errname(text), text])
        if not compiled.startswith("ok"):
            msg = _dec_field(compiled.partition(" ")[2])
            res = [['error', our_errname(msg, True), msg] for _ in res]
        out.append(res)
    return out


def run_cpython(ctx, python, cases):
    shim = os.path.join(ctx.tmp, "pyexpr_shim.py")
    with open(shim, "w") as f:
        f.write(SHIM)
    req = {'pythonfile': PYTHONFILE, 'cases': cases}
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.run([python, shim], input=json.dumps(req),
                          capture_output=True, text=True, env=env,
                          timeout=300, cwd=ctx.tmp)
    assert proc.returncode == 0, "CPython shim failed: %s" % proc.stderr
    return json.loads(proc.stdout)


def test_pyexpr_differential(ctx):
    python = shutil.which("python3")
    if not python:
        ctx.skip("python3 is not installed: the differential test of the "
                 "expression evaluator needs CPython")
    exprs = set(e for _, e, _ in CASES)
    assert len(exprs) >= 150, "only %d distinct expressions" % len(exprs)
    cases = build_requests()
    ours = run_ours(ctx, cases)
    theirs = run_cpython(ctx, python, cases)
    mismatches = []
    seen = set()
    total = 0
    for (kind, expr, items), o, t in zip(cases, ours, theirs):
        inputs = items if kind not in ('value', 'list', 'sort') else [None]
        if kind == 'list' or kind == 'value':
            inputs = [None]
        for idx, inp in enumerate(inputs):
            total += 1
            a = o[idx] if idx < len(o) else ['missing']
            b = t[idx] if idx < len(t) else ['missing']
            if a[:2] != b[:2] and expr not in seen:
                seen.add(expr)
                mismatches.append("%s %r on %r:\n      ours:    %s\n"
                                  "      CPython: %s" % (
                                      kind, expr, inp, a[-1] if a[0] ==
                                      'error' else a[1], b[1]))
    assert not mismatches, ("%d of %d expressions differ from CPython "
                            "(first input shown):\n%s" % (
                                len(mismatches), len(CASES),
                                "\n".join(mismatches[:80])))
