#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`make demo`: sync a sample mailbox from a throwaway Dovecot into a fresh
Maildir with build/offlineimap, and show the result.

Nothing outside a temporary directory is touched; the server listens on
free loopback ports and is stopped at the end (also on Ctrl-C).  The exit
status is offlineimap's.  KEEP_TMP=1 keeps the directories for a look.
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from dovecot import Dovecot, DovecotError  # noqa: E402
from imaphelper import connect, make_message, utf7_decode  # noqa: E402

USER = "alice"
NOTE = ("Note: the sync engine has not landed yet; this demo shows start-up,"
        " login and the folder list so far")

SENDERS = ["Carol Example <carol@example.org>",
           "Dave Example <dave@example.net>",
           "Mailing List <list@lists.example.com>",
           "Erin Example <erin@example.org>"]
SUBJECTS = ["Lunch on Friday?", "Minutes of the weekly meeting",
            "[list] Release 2.4 announced", "Photos from the trip",
            "Re: budget for next quarter", "Your parcel is on its way",
            "Invitation: design review", "Re: Re: travel plans",
            "Reminder: dentist appointment", "Weekend hike"]


def sample_mailbox():
    """The populate() spec for alice's sample mail."""
    inbox = []
    for n in range(1, 21):
        flags = []
        if n <= 12:
            flags.append("\\Seen")
        if n in (3, 8, 15):
            flags.append("\\Flagged")
        if n in (2, 5):
            flags.append("\\Answered")
        body = ("Hello Alice,\r\n\r\nthis is sample message %d of the "
                "offlineimap demo.\r\n\r\nRegards\r\n" % n)
        inbox.append({"body": make_message(
            n, subject=SUBJECTS[n % len(SUBJECTS)],
            sender=SENDERS[n % len(SENDERS)],
            to="Alice Example <alice@example.org>", body=body),
            "flags": flags, "date": _date(n)})
    sent = [{"body": make_message(100 + n, subject="Re: " + SUBJECTS[n],
                                  sender="Alice Example <alice@example.org>",
                                  to=SENDERS[n % len(SENDERS)]),
             "flags": ["\\Seen"], "date": _date(30 + n)} for n in range(3)]
    archive = [{"body": make_message(200 + n, subject="Old thread %d" % n),
                "flags": ["\\Seen"], "date": _date(-200 + n)}
               for n in range(5)]
    drafts = [{"body": make_message(300 + n, subject="Draft %d: Entwurf" % n,
                                    sender="Alice Example "
                                    "<alice@example.org>"),
               "flags": ["\\Draft", "\\Seen"], "date": _date(40 + n)}
              for n in range(2)]
    return {"INBOX": inbox, "Sent": sent, "Archive/2026": archive,
            "Entwürfe": drafts}


def _date(n):
    return datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc) \
        + datetime.timedelta(hours=n * 7)


def write_config(tmp, dv):
    meta = os.path.join(tmp, "metadata")
    maildir = os.path.join(tmp, "Maildir")
    os.makedirs(maildir, mode=0o700)
    conf = os.path.join(tmp, "offlineimaprc")
    with open(conf, "w") as f:
        f.write("""\
# Written by tests/harness/demo.py for a throwaway Dovecot.
[general]
accounts = Demo
metadata = {meta}

[Account Demo]
localrepository = Local
remoterepository = Remote

[Repository Local]
type = Maildir
localfolders = {maildir}

[Repository Remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {port}
ssl = yes
sslcacertfile = {ca}
remoteuser = {user}
remotepass = {password}
""".format(meta=meta, maildir=maildir, port=dv.imaps_port, ca=dv.ca_cert,
           user=USER, password=dv.password(USER)))
    os.chmod(conf, 0o600)
    return conf, maildir


def maildir_folders(root):
    """[(folder name relative to root, message count)], sorted."""
    out = []
    for dirpath, dirs, files in os.walk(root):
        if "cur" in dirs and "new" in dirs:
            count = 0
            for sub in ("cur", "new"):
                count += sum(1 for e in os.listdir(os.path.join(dirpath, sub))
                             if not e.startswith("."))
            rel = os.path.relpath(dirpath, root)
            out.append(("." if rel == "." else rel, count))
        dirs[:] = sorted(d for d in dirs if d not in ("cur", "new", "tmp"))
    return sorted(out)


def show_name(name):
    try:
        decoded = utf7_decode(name)
    except ValueError:
        return name
    return name if decoded == name else "%s (%s)" % (name, decoded)


def say(text=""):
    print(text, flush=True)


def main(argv):
    binary = os.path.join(REPO, "build", "offlineimap")
    if len(argv) == 2 and argv[0] == "--bin":  # try another build
        binary = os.path.abspath(argv[1])
    elif argv:
        say("usage: demo.py [--bin PATH-TO-OFFLINEIMAP]")
        return 2
    if not os.access(binary, os.X_OK):
        say("demo: %s is missing; run `make` first" % binary)
        return 1
    keep = os.environ.get("KEEP_TMP", "") not in ("", "0")
    tmp = tempfile.mkdtemp(prefix="oi-demo-")
    status = 1
    try:
        say("==> Starting a throwaway Dovecot IMAP server on 127.0.0.1 ...")
        with Dovecot() as dv:
            say("    IMAP on port %d (STARTTLS), IMAPS on port %d, "
                "test CA %s" % (dv.imap_port, dv.imaps_port, dv.ca_cert))
            spec = sample_mailbox()
            with connect(dv, USER) as imap:
                imap.populate(spec)
            say("==> Gave %s some sample mail: %s" % (USER, ", ".join(
                "%s (%d)" % (f, len(m)) for f, m in spec.items())))
            conf, maildir = write_config(tmp, dv)
            ui = "TTY.TTYUI" if sys.stdin.isatty() and sys.stdout.isatty() \
                else "Noninteractive.Basic"
            argv = [binary, "-o", "-c", conf, "-u", ui]
            say("==> Running: %s" % " ".join(argv))
            say()
            try:
                status = subprocess.run(argv, cwd=tmp, timeout=600).returncode
            except subprocess.TimeoutExpired:
                say("demo: offlineimap did not finish within 10 minutes")
                status = 1
            if status < 0:  # killed by a signal: report it the shell's way
                status = 128 - status
            say()
            say("==> offlineimap exited with status %d" % status)
            folders = maildir_folders(maildir)
            total = sum(c for _, c in folders)
            if folders:
                say("==> The local Maildir %s now holds:" % maildir)
                width = max(len(show_name(f)) for f, _ in folders)
                for name, count in folders:
                    say("    %-*s  %d message%s" % (width, show_name(name),
                                                   count,
                                                   "" if count == 1 else "s"))
            else:
                say("==> The local Maildir %s is still empty." % maildir)
            if total == 0:
                say()
                say(NOTE)
            say("==> Stopping the server.")
    except DovecotError as e:
        say("demo: %s" % e)
        status = 1
    except KeyboardInterrupt:
        say("\ndemo: interrupted")
        status = 130
    finally:
        if keep:
            say("demo: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
