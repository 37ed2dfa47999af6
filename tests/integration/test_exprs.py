# SPDX-License-Identifier: GPL-2.0-or-later
"""Python-expression options as the program uses them: *eval options,
start-up errors with file, line and column, and mbnames."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import World, make_message  # noqa: E402


def edit(path, old, new):
    text = open(path).read()
    assert old in text, old
    open(path, "w").write(text.replace(old, new, 1))


def test_eval_options_connect(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1)])
    port = ctx.dovecot.imaps_port
    edit(w.config, "remotehost = 127.0.0.1\nremoteport = %d\n" % port,
         "remotehosteval = '127.0.0.' + str(1)\n"
         "remoteporteval = %d + 0\n" % port)
    edit(w.config, "remoteuser = %s\nremotepass = %s\n" % (
        w.user, w.password),
        "remoteuser = nobody\nremoteusereval = %r\n"
        "remotepasseval = ''.join(%r)\n" % (w.user, list(w.password)))
    st, out, err = w.sync("-d", "imap")
    assert len(w.local("INBOX")) == 1
    assert w.password not in out + err


def test_expression_error_names_file_line_column(ctx):
    w = World(ctx)
    edit(w.config, "[Repository R]\n",
         "[Repository R]\nnametrans = lambda f: f.replace('a', 'b'\n")
    line = open(w.config).read().splitlines().index(
        "nametrans = lambda f: f.replace('a', 'b'") + 1
    st, out, err = w.sync(expect=3)
    assert re.search(r"%s:%d: \[Repository R\] nametrans: column \d+"
                     % (re.escape(w.config), line), err), err
    assert not os.path.exists(w.meta), "metadata written despite the error"


def test_wrong_arity_is_a_start_up_error(ctx):
    w = World(ctx)
    edit(w.config, "[Repository R]\n",
         "[Repository R]\nfolderfilter = lambda a, b, c: True\n")
    st, out, err = w.sync(expect=3)
    assert "folderfilter" in err and "one argument" in err, err


def test_mbnames_file_written(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1)])
    w.put("Sent", [make_message(2)])
    mb = os.path.join(w.root, "mailboxes")
    edit(w.config, "[Account T]\n",
         "[mbnames]\nenabled = yes\nfilename = %s\n"
         "header = \"mailboxes \"\n"
         "peritem = \"+%%(accountname)s/%%(foldername)s\"\n"
         "sep = \" \"\nfooter = \"\\n\"\n\n[Account T]\n" % mb)
    w.sync()
    assert open(mb).read() == 'mailboxes "+T/INBOX" "+T/Sent"\n', \
        open(mb).read()


def test_info_shows_the_plan_and_changes_nothing(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1)])
    w.put("Spam", [make_message(2)])
    w.put("Lists/dev", [make_message(3)])
    edit(w.config, "[Repository R]\n",
         "[Repository R]\n"
         "folderfilter = lambda f: f != 'Spam'\n"
         "nametrans = lambda f: re.sub('^Lists/', 'L-', f)\n"
         "foldersort = lambda x, y: -cmp(x, y)\n")
    meta_before = os.path.exists(w.meta)
    st, out, err = ctx.run(["--info", "-c", w.config])
    assert st == 0, (st, out, err)
    lines = out.splitlines()
    assert lines[0] == "[Account T]", lines
    rows = [l.split("\t") for l in lines[1:] if "\t" in l]
    assert rows[:2] == [["Lists/dev", "include", "L-dev"],
                        ["INBOX", "include", "INBOX"]], rows
    assert ["Spam", "exclude", "Spam"] in rows, rows
    assert os.path.exists(w.meta) == meta_before
    assert os.listdir(w.maildir) == [], os.listdir(w.maildir)
    assert "OfflineIMAP" not in out      # no banner in the listing
