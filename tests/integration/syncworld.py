# SPDX-License-Identifier: GPL-2.0-or-later
"""A sync test world: one fresh Dovecot user (the remote), a Maildir tree
and a metadata directory (the local side), a config tying them together,
and readers for every side, all independent of the program under test."""

import email.utils
import os
import re
import time

FLAG_LETTER = {"\\Seen": "S", "\\Answered": "R", "\\Flagged": "F",
               "\\Deleted": "T", "\\Draft": "D"}
LETTER_FLAG = {v: k for k, v in FLAG_LETTER.items()}

NAME_RE = re.compile(r",U=(\d+)")
FMD5_RE = re.compile(r",FMD5=([0-9a-f]{32})")


def make_message(n, subject=None, extra_body=""):
    """A small RFC 5322 message with CRLF line ends, distinct per n."""
    subject = subject or "Message %d" % n
    return ("From: Alice <alice@example.org>\r\n"
            "To: Bob <bob@example.org>\r\n"
            "Subject: %s\r\n"
            "Date: Mon, 02 Mar 2026 15:%02d:00 +0000\r\n"
            "Message-ID: <msg%d@example.org>\r\n"
            "\r\n"
            "Body of message %d.\r\n%s" % (subject, n % 60, n, n,
                                           extra_body)).encode()


class World:
    def __init__(self, ctx, extra_account="", extra_local="",
                 extra_remote="", extra_general=""):
        self.ctx = ctx
        self.user, self.password = ctx.new_user()
        # Several worlds may live in one test: each gets its own tree.
        World.count = getattr(World, "count", 0) + 1
        self.root = os.path.join(ctx.tmp, "world%d" % World.count)
        self.maildir = os.path.join(self.root, "Mail")
        self.meta = os.path.join(self.root, "meta")
        os.makedirs(self.maildir, exist_ok=True)
        dv = ctx.dovecot
        self.config = ctx.write_config(name="rc%d" % World.count, text=
            "[general]\naccounts = T\nmetadata = %s\n%s\n"
            "[Account T]\nlocalrepository = L\nremoterepository = R\n%s\n"
            "[Repository L]\ntype = Maildir\nlocalfolders = %s\n%s\n"
            "[Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\n"
            "remoteport = %d\nssl = yes\nsslcacertfile = %s\n"
            "remoteuser = %s\nremotepass = %s\n%s\n"
            % (self.meta, extra_general, extra_account, self.maildir,
               extra_local, dv.imaps_port, dv.ca_cert, self.user,
               self.password, extra_remote))

    # ---- running -------------------------------------------------------

    def sync(self, *args, env=None, expect=0, timeout=120):
        st, out, err = self.ctx.run(["-c", self.config, "-u", "basic"] +
                                    list(args), env=env, timeout=timeout)
        if expect is not None:
            assert st == expect, "exit %d, expected %d\n%s\n%s" % (
                st, expect, out, err)
        return st, out, err

    # ---- the server ----------------------------------------------------

    def imap(self):
        return self.ctx.dovecot.imap(self.user)

    def server(self, folder="INBOX"):
        """{uid: (letters, body)} on the server."""
        with self.imap() as m:
            return {uid: ("".join(sorted(FLAG_LETTER[f] for f in flags
                                         if f in FLAG_LETTER)), body)
                    for uid, (flags, body, _date)
                    in m.fetch_all(folder).items()}

    def server_dates(self, folder="INBOX"):
        with self.imap() as m:
            return {uid: date for uid, (_f, _b, date)
                    in m.fetch_all(folder).items()}

    def put(self, folder, bodies, flags=()):
        with self.imap() as m:
            if folder != "INBOX" and folder not in m.list_folders():
                m.create(folder)
            return [m.append(folder, b, flags=flags) for b in bodies]

    # ---- the Maildir ---------------------------------------------------

    def folder_dir(self, folder):
        return os.path.join(self.maildir, folder)

    def local_files(self, folder="INBOX"):
        """[(subdir, name)] of the messages in a local folder."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.folder_dir(folder), sub)
            if os.path.isdir(d):
                out += [(sub, n) for n in sorted(os.listdir(d))
                        if not n.startswith(".")]
        return out

    def local(self, folder="INBOX"):
        """{uid or name: (letters, body with CRLF)}: messages without a
        UID are keyed by file name."""
        out = {}
        for sub, name in self.local_files(folder):
            with open(os.path.join(self.folder_dir(folder), sub, name),
                      "rb") as f:
                body = f.read().replace(b"\r\n", b"\n").replace(b"\n",
                                                                 b"\r\n")
            m = NAME_RE.search(name)
            letters = name.split(":2,")[1] if ":2," in name else ""
            letters = "".join(sorted(c for c in letters if c.isupper()))
            out[int(m.group(1)) if m else name] = (letters, body)
        return out

    def deliver_local(self, folder, body, letters="", sub=None):
        """A message written by a mail reader: no UID in its name."""
        d = self.folder_dir(folder)
        for s in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, s), exist_ok=True)
        sub = sub or ("cur" if letters else "new")
        name = "%d.M%dP%d.testhost" % (time.time(), time.monotonic_ns(),
                                       os.getpid())
        if sub == "cur":
            name += ":2," + letters
        with open(os.path.join(d, sub, name), "wb") as f:
            f.write(body.replace(b"\r\n", b"\n"))
        return name

    def find_file(self, folder, uid):
        for sub, name in self.local_files(folder):
            m = NAME_RE.search(name)
            if m and int(m.group(1)) == uid:
                return os.path.join(self.folder_dir(folder), sub, name)
        return None

    def set_local_flags(self, folder, uid, letters):
        path = self.find_file(folder, uid)
        base = os.path.basename(path).split(":2,")[0]
        sub = "cur"
        new = os.path.join(self.folder_dir(folder), sub,
                           base + ":2," + "".join(sorted(letters)))
        os.rename(path, new)

    # ---- metadata ------------------------------------------------------

    def status_path(self, folder="INBOX"):
        return os.path.join(self.meta, "Account-T", "LocalStatus", folder)

    def status(self, folder="INBOX"):
        with open(self.status_path(folder)) as f:
            lines = f.read().splitlines()
        assert lines[0] == ("OFFLINEIMAP LocalStatus CACHE DATA - DO NOT "
                            "MODIFY - FORMAT 1"), lines[:1]
        out = {}
        for line in lines[1:]:
            uid, letters = line.split(":")
            out[int(uid)] = letters
        return out

    def validity(self, repo, folder):
        with open(os.path.join(self.meta, "Repository-" + repo,
                               "FolderValidity", folder)) as f:
            return int(f.read().strip())


def strip_tracking(body):
    """Server copies of uploads carry our tracking header."""
    return re.sub(rb"X-OfflineIMAP: [^\r\n]*\r\n", b"", body)


def rfc2822_epoch(date):
    return email.utils.mktime_tz(email.utils.parsedate_tz(date))
