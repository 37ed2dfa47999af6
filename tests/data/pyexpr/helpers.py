# SPDX-License-Identifier: GPL-2.0-or-later
# A realistic pythonfile: helper definitions for nametrans, folderfilter
# and foldersort, plus the things real files hold that the evaluator skips
# (imports of os/subprocess/keyring, a class, try/except) so the
# differential test exercises skipping too.  CPython runs it with a
# `cmp` shim; offlineimap-c loads it with its own evaluator.
import re
import os
import subprocess

try:
    import keyring
except ImportError:
    keyring = None


def get_password(account):
    return subprocess.check_output(["pass", "mail/" + account]).strip()


class Helper:
    def __init__(self, name):
        self.name = name


# The manual's example (foldersort = mycmp).
prioritized = ['INBOX', 'personal', 'announce', 'list']

def mycmp(x, y):
    for prefix in prioritized:
        xsw = x.startswith(prefix)
        ysw = y.startswith(prefix)
        if xsw and ysw:
            return cmp(x, y)
        elif xsw:
            return -1
        elif ysw:
            return +1
    return cmp(x, y)

GMAIL_MAP = {
    '[Gmail]/All Mail': 'archive',
    '[Gmail]/Sent Mail': 'sent',
    '[Gmail]/Drafts': 'drafts',
    '[Gmail]/Trash': 'trash',
    '[Gmail]/Spam': 'spam',
    '[Gmail]/Starred': 'flagged',
    '[Google Mail]/Bin': 'trash',
    '[Google Mail]/Sent Mail': 'sent',
}
REVERSE_MAP = dict((v, k) for k, v in GMAIL_MAP.items())
EXCLUDED = ('Trash', 'Spam', 'Junk', 'Bin')
SEP = '.'
order = {'INBOX': 0, 'Sent': 1, 'sent': 1, 'Drafts': 2, 'drafts': 2}


def gmail_nametrans(folder):
    """Map Gmail's special folders to short local names."""
    return GMAIL_MAP.get(folder, folder).replace(' ', '_')


def exclude(folder, patterns=EXCLUDED):
    for p in patterns:
        if p.lower() in folder.lower():
            return False
    return True


def strip_prefix(name, prefix='INBOX.'):
    if name.startswith(prefix):
        name = name[len(prefix):]
    return name.replace('.', '/')


def depth(name):
    n = 0
    for c in name:
        if c in './':
            n += 1
    return n


def sortkey(name):
    return (order.get(name, 10), name.lower())


def flatten(name):
    parts = [p for p in re.split(r'[./]', name) if p]
    return '-'.join(parts)


def translate(name):
    result = []
    i = 0
    while i < len(name):
        c = name[i]
        if c == ' ':
            result.append('_')
        elif c == '/':
            result.append('.')
        else:
            result.append(c)
        i += 1
    return ''.join(result)


def make_filter(*keep):
    def f(name):
        return name in keep
    return f

only_main = make_filter('INBOX', 'Sent', 'Drafts', 'INBOX.Sent')


def local_name(folder, account='work', **opts):
    base = folder.lower() if opts.get('lower') else folder
    return '%s/%s' % (account, base)


def classify(name):
    if name == 'INBOX':
        kind = 'inbox'
    elif re.search(r'(?i)sent', name):
        kind = 'sent'
    elif re.match(r'(?i).*(trash|bin|deleted)', name):
        kind = 'trash'
    else:
        kind = 'other'
    return kind


def count_words(name):
    total = 0
    for word in re.findall(r'\w+', name):
        total += len(word)
    else:
        total += 1000
    return total


def first_upper(name):
    for i, c in enumerate(name):
        if c.isupper():
            return i
    return -1


def uses_os(name):
    return os.path.basename(name)
