# SPDX-License-Identifier: GPL-2.0-or-later
"""A sync test world: one fresh Dovecot user (the remote), a Maildir tree
and a metadata directory (the local side), a config tying them together,
and readers for every side, all independent of the program under test."""

import email.utils
import hashlib
import os
import re
import shutil
import socket
import time

FLAG_LETTER = {"\\Seen": "S", "\\Answered": "R", "\\Flagged": "F",
               "\\Deleted": "T", "\\Draft": "D"}
LETTER_FLAG = {v: k for k, v in FLAG_LETTER.items()}

NAME_RE = re.compile(r",U=(\d+)")
FMD5_RE = re.compile(r",FMD5=([0-9a-f]{32})")
MSGNO_RE = re.compile(rb"Message-ID: <msg(\d+)@example\.org>")
STATUS_MAGIC = ("OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - "
                "FORMAT 1")
# What the UI prints when a run changes something (Noninteractive.Basic).
CHANGE_EVENTS = ("Copy message", "Deleting ", "Adding flags",
                 "Deleting flags")


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


def msgno(body):
    """The number n of a make_message(n) body (server copies included)."""
    m = MSGNO_RE.search(body)
    return int(m.group(1)) if m else None


def fmd5(folder):
    """SPEC 5.6: MD5 of the local folder name."""
    return hashlib.md5(folder.encode()).hexdigest()


def changes(out):
    """The lines of a run's output that report a change."""
    return [l for l in out.splitlines()
            if any(e in l for e in CHANGE_EVENTS)]


class World:
    """dovecot: the server to use (default: the run's shared one, ctx's);
    e.g. dovecot.Dovecot.shared(uidplus=False)."""

    def __init__(self, ctx, extra_account="", extra_local="",
                 extra_remote="", extra_general="", dovecot=None):
        self.ctx = ctx
        self.dovecot = dovecot or ctx.dovecot
        if dovecot is None:
            self.user, self.password = ctx.new_user()
        else:
            self.user, self.password = dovecot.add_user()
        # Several worlds may live in one test: each gets its own tree.
        World.count = getattr(World, "count", 0) + 1
        self.root = os.path.join(ctx.tmp, "world%d" % World.count)
        self.maildir = os.path.join(self.root, "Mail")
        self.meta = os.path.join(self.root, "meta")
        os.makedirs(self.maildir, exist_ok=True)
        dv = self.dovecot
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

    def reset(self):
        """Empty the server account and the local tree and metadata, to
        start another run from scratch with the same user (cheaper than a
        new one)."""
        with self.imap() as m:
            for folder in sorted(m.list_folders(selectable_only=False),
                                 reverse=True):
                if folder != "INBOX":
                    m.delete(folder)
            uids = m.uids("INBOX")
            if uids:
                m.delete_messages("INBOX", uids)
        for d in (self.maildir, self.meta):
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(self.maildir)

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
        return self.dovecot.imap(self.user)

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

    def write_local(self, folder, body, uid=None, letters="", sub=None,
                    style="ours", folder_md5=None):
        """A message file as this program (style "ours": no info part in
        new/) or 4.0 ("4.0": ":2," even in new/) names it, with ,U=uid and
        the folder's FMD5 (folder_md5 overrides it; "" leaves FMD5 out)
        when uid is given; returns its path."""
        d = self.folder_dir(folder)
        for s_ in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, s_), mode=0o700, exist_ok=True)
        sub = sub or ("cur" if letters else "new")
        World.seq = getattr(World, "seq", 0) + 1
        name = "%d_%d.%d.%s" % (time.time(), World.seq, os.getpid(),
                                socket.gethostname())
        if uid is not None:
            md5 = fmd5(folder) if folder_md5 is None else folder_md5
            name += ",U=%d" % uid + (",FMD5=%s" % md5 if md5 else "")
        if style == "4.0" or sub == "cur" or letters:
            name += ":2," + "".join(sorted(letters))
        path = os.path.join(d, sub, name)
        with open(path, "wb") as f:
            f.write(body.replace(b"\r\n", b"\n"))
        return path

    def burn_uid(self, folder, body):
        """A UID the server gave to `body` and then expunged."""
        with self.imap() as m:
            if folder != "INBOX" and folder not in m.list_folders():
                m.create(folder)
            uid = m.append(folder, body)
            m.delete_messages(folder, [uid])
        return uid

    def build(self, folder, L=None, S=None, R=None, Lnew=None,
              Lforeign=None, Lnofmd5=None):
        """Make a start state without running the program.  L, S, R:
        {n: letters} of the local side, the status (None: no status file)
        and the server, message n being make_message(n).  A message in L
        or S gets the UID the server gave it; one absent from R is
        appended and expunged first, so that its UID exists nowhere.
        Lnew: files without UID (as a mail reader writes them); Lforeign:
        files with a UID and another folder's FMD5; Lnofmd5: with ",U="
        but no FMD5.  Returns {n: UID}."""
        L, R, Lnew = L or {}, R or {}, Lnew or {}
        Lforeign, Lnofmd5 = Lforeign or {}, Lnofmd5 or {}
        known = sorted(set(L) | set(S or {}) | set(R))
        uid_of = {}
        with self.imap() as m:
            if folder != "INBOX" and folder not in m.list_folders():
                m.create(folder)
            # Expunged before anything else is there: R may hold
            # \Deleted messages.
            gone = [n for n in known if n not in R]
            for n in gone:
                uid_of[n] = m.append(folder, make_message(n))
            if gone:
                m.delete_messages(folder, [uid_of[n] for n in gone])
            for n in known:
                if n not in gone:
                    uid_of[n] = m.append(
                        folder, make_message(n),
                        flags=[LETTER_FLAG[c] for c in R[n]])
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.folder_dir(folder), sub),
                        mode=0o700, exist_ok=True)
        for n, letters in L.items():
            self.write_local(folder, make_message(n), uid=uid_of[n],
                             letters=letters)
        for n, letters in Lnew.items():
            self.deliver_local(folder, make_message(n), letters=letters)
        for n, letters in Lforeign.items():
            self.write_local(folder, make_message(n), uid=self.burn_uid(
                folder, make_message(n)), letters=letters,
                folder_md5=fmd5("Elsewhere"))
        for n, letters in Lnofmd5.items():
            self.write_local(folder, make_message(n), uid=self.burn_uid(
                folder, make_message(n)), letters=letters, folder_md5="")
        if S is not None:
            self.write_status({uid_of[n]: l for n, l in S.items()},
                              folder)
        return uid_of

    # ---- by message number (make_message(n)) ---------------------------

    def server_by_no(self, folder="INBOX"):
        """[(n, uid, letters)] of the server's messages, sorted."""
        return sorted((msgno(b), uid, f)
                      for uid, (f, b) in self.server(folder).items())

    def local_by_no(self, folder="INBOX"):
        """[(n, uid or None, letters)] of the local messages, sorted (a
        UID counts only with this folder's FMD5)."""
        out = []
        for sub, name in self.local_files(folder):
            with open(os.path.join(self.folder_dir(folder), sub, name),
                      "rb") as f:
                n = msgno(f.read())
            m, h = NAME_RE.search(name), FMD5_RE.search(name)
            uid = int(m.group(1)) if m and h and \
                h.group(1) == fmd5(folder) else None
            letters = name.split(":2,")[1] if ":2," in name else ""
            out.append((n, uid, "".join(sorted(c for c in letters
                                               if c.isupper()))))
        return sorted(out, key=lambda t: (t[0], t[1] or 0, t[2]))

    # ---- metadata ------------------------------------------------------

    def write_status(self, records, folder="INBOX"):
        """A LocalStatus file as 4.0 writes it: {uid: letters}."""
        path = self.status_path(folder)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w") as f:
            f.write(STATUS_MAGIC + "\n")
            for uid, letters in records.items():
                f.write("%d:%s\n" % (uid, "".join(sorted(letters))))

    def write_validity(self, repo, folder, value):
        d = os.path.join(self.meta, "Repository-" + repo, "FolderValidity")
        os.makedirs(d, mode=0o700, exist_ok=True)
        with open(os.path.join(d, folder), "w") as f:
            f.write("%d\n" % value)

    def status_path(self, folder="INBOX"):
        return os.path.join(self.meta, "Account-T", "LocalStatus", folder)

    def status(self, folder="INBOX"):
        """{uid: letters}; None when there is no status file."""
        if not os.path.exists(self.status_path(folder)):
            return None
        with open(self.status_path(folder)) as f:
            lines = f.read().splitlines()
        assert lines[0] == STATUS_MAGIC, lines[:1]
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
