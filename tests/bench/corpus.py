# SPDX-License-Identifier: GPL-2.0-or-later
"""The benchmark's deterministic mail corpus and the model of what every
synchroniser must end up with.

A Corpus is generated once per benchmark run from a fixed seed into a
template tree laid out exactly like Dovecot's Maildir++ store (folder
"a/b" is the directory ".a.b", names in modified UTF-7, INBOX at the top),
with message files already in cur/ under names Dovecot sorts into UID
order and whose S= and W= fields spare it from reading every file.  Each
benchmark user gets a copy made of hard links (message files are never
rewritten in place, by Dovecot or anyone: flag changes are renames), so a
fresh server mailbox of half a gigabyte costs a fraction of a second.

The model identifies a message by its Message-ID and knows the SHA-1 of
its text with LF line ends, its size with CRLF line ends (RFC822.SIZE) and
its flags as Maildir letters.  Changes() derives the deterministic 1%
changes of phase (c) and the state expected after them.
"""

import base64
import hashlib
import os
import random
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))

from imaphelper import utf7_decode, utf7_encode  # noqa: E402

SEED = 20260402

# folders: how many ordinary folders (taken in order from FOLDER_NAMES,
# then list-NN under Lists); per_folder: messages in each; bulk: size of
# one extra folder "Bulk" of small messages; big_every: one large
# attachment per this many messages.
PROFILES = {
    "small": {"folders": 5, "per_folder": 200, "bulk": 0,
              "big_every": 1000},
    "medium": {"folders": 50, "per_folder": 1000, "bulk": 0,
               "big_every": 1000},
    "large": {"folders": 20, "per_folder": 10000, "bulk": 100000,
              "big_every": 2000},
}

# Nested names always come after their parent, so that no folder has a
# parent that is not itself a mailbox (which tools treat differently).
FOLDER_NAMES = [
    "INBOX", "Sent", "Archive", "Archive/2024", "Entwürfe",
    "Projects", "Projects/Alpha", "Projects/Alpha/Specs", "Projects/Beta",
    "Черновики", "日本語のメール", "Reports & Notes", "Café", "Café/Menü",
    "Drafts", "Junk", "Archive/2023", "Archive/2022", "Travel",
    "Receipts", "Lists",
]

# Maildir info letters for the IMAP system flags the corpus uses (no
# \Deleted: a tool set to expunge would rightly drop those messages).
FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R",
                "\\Seen": "S", "\\Deleted": "T"}
LETTER_FLAGS = {v: k for k, v in FLAG_LETTERS.items()}

BASE_TIME = 1700000000
HOSTPART = "benchhost"


def folder_names(profile):
    p = PROFILES[profile]
    names = FOLDER_NAMES[:p["folders"]]
    n = 1
    while len(names) < p["folders"]:
        names.append("Lists/list-%02d" % n)
        n += 1
    if p["bulk"]:
        names.append("Bulk")
    return names


def server_dirname(name):
    """Dovecot Maildir++ directory of folder `name` ("" for INBOX)."""
    if name.upper() == "INBOX":
        return ""
    return "." + ".".join(utf7_encode(part) for part in name.split("/"))


def canonical_name(local_rel):
    """A tool's local folder path (relative to its Maildir root) -> the
    folder name it stands for: "." and "/" both separate levels, and each
    level in modified UTF-7 is decoded (tools keep the IMAP form)."""
    parts = re.split(r"[./]", local_rel)
    out = []
    for part in parts:
        if part.isascii():
            try:
                part = utf7_decode(part)
            except ValueError:
                pass
        out.append(part)
    return "/".join(out)


def letters(flags):
    return "".join(sorted(flags))


def info_flags(filename):
    """Maildir letters (system flags only) in a file name's info part."""
    for sep in (":2,", "!2,"):
        i = filename.rfind(sep)
        if i >= 0:
            return frozenset(c for c in filename[i + 3:] if c.isupper())
    return frozenset()


_TOLERATED = re.compile(rb"^(x-offlineimap|x-tuid):", re.I)


def normalised_hash(data):
    """SHA-1 of a message with CRLF turned into LF and the tracking
    headers some tools add on upload (X-OfflineIMAP, X-TUID) removed."""
    data = data.replace(b"\r\n", b"\n")
    end = data.find(b"\n\n")
    head = data if end < 0 else data[:end + 1]
    if b"x-offlineimap" in head.lower() or b"x-tuid" in head.lower():
        lines = head.split(b"\n")
        kept = []
        skipping = False
        for line in lines:
            if skipping and line[:1] in (b" ", b"\t"):
                continue
            skipping = bool(_TOLERATED.match(line))
            if not skipping:
                kept.append(line)
        head = b"\n".join(kept)
        data = head if end < 0 else head + data[end + 1:]
    return hashlib.sha1(data).hexdigest()


_MSGID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]*>)", re.I | re.M)


def message_id(head):
    m = _MSGID.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


class Text:
    """Deterministic filler text: a pool of lines drawn from a word list,
    so that bodies of any size are joined at C speed."""

    def __init__(self, rng):
        consonants = "bcdfghjklmnprstvwz"
        vowels = "aeiouy"
        words = []
        for _ in range(3000):
            n = rng.randint(1, 4)
            words.append("".join(rng.choice(consonants) + rng.choice(vowels)
                                 for _ in range(n)))
        words += ["Grüße", "naïve", "über", "façade", "déjà"]
        self.lines = []
        for _ in range(4096):
            line = []
            width = 0
            target = rng.randint(30, 76)
            while width < target:
                w = rng.choice(words)
                line.append(w)
                width += len(w) + 1
            self.lines.append(" ".join(line).capitalize())
        self.avg = sum(len(x.encode()) + 1 for x in self.lines) \
            / len(self.lines)

    def body(self, rng, size):
        n = max(1, int(size / self.avg))
        return "\n".join(rng.choices(self.lines, k=n)) + "\n"


SENDERS = ["Carol Example <carol@example.org>",
           "Dave Example <dave@example.net>",
           "Mailing List <list@lists.example.com>",
           "Jürgen Beispiel <juergen@example.de>",
           "Erin Example <erin@example.org>"]


def _rfc2822_date(t):
    import email.utils
    return email.utils.formatdate(t, localtime=False)


def make_message(rng, text, key, n, when, size, attachment=0):
    """One message (bytes, LF line ends) with Message-ID <key@bench>."""
    subject = " ".join(rng.choice(text.lines).split()[:6])
    head = ("Return-Path: <bench@example.org>\n"
            "Date: %s\n"
            "From: %s\n"
            "To: Alice Example <alice@example.org>\n"
            "Subject: [%s] %s\n"
            "Message-ID: <%s@bench.example>\n"
            "MIME-Version: 1.0\n"
            % (_rfc2822_date(when), rng.choice(SENDERS), n, subject, key))
    if not attachment:
        return (head + "Content-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: 8bit\n\n"
                + text.body(rng, size)).encode()
    boundary = "=-bench-%s" % key
    blob = base64.encodebytes(rng.randbytes(attachment * 3 // 4))
    return (head + "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
            "This is a multi-part message in MIME format.\n\n"
            "--%s\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n%s\n"
            "--%s\nContent-Type: application/octet-stream\n"
            "Content-Disposition: attachment; filename=\"data-%s.bin\"\n"
            "Content-Transfer-Encoding: base64\n\n"
            % (boundary, boundary, text.body(rng, size), boundary, key)
            ).encode() + blob + ("\n--%s--\n" % boundary).encode()


def _base_flags(rng):
    f = set()
    if rng.random() < 0.7:
        f.add("S")
    if rng.random() < 0.05:
        f.add("F")
    if rng.random() < 0.08:
        f.add("R")
    if rng.random() < 0.01:
        f.add("D")
    return frozenset(f)


def _size(rng, bulk):
    if bulk:
        return rng.randint(800, 2500)
    # Log-uniform 2-20 KB: most mail is small.
    return int(2048 * 10 ** rng.random())


class Msg:
    __slots__ = ("msgid", "sha", "vsize", "flags")

    def __init__(self, msgid, sha, vsize, flags):
        self.msgid, self.sha, self.vsize, self.flags = \
            msgid, sha, vsize, flags


class Folder:
    def __init__(self, name):
        self.name = name
        self.dirname = server_dirname(name)
        self.msgs = []


class Corpus:
    """The generated template: folders, each with Msgs in UID order."""

    def __init__(self, profile, root, seed=SEED, uid=None, gid=None,
                 progress=None):
        self.profile = profile
        self.root = root
        self.uid, self.gid = uid, gid
        self.folders = []
        rng = random.Random(seed)
        self.text = Text(rng)
        p = PROFILES[profile]
        names = folder_names(profile)
        total = p["folders"] * p["per_folder"] + p["bulk"]
        self.bytes = 0
        done = 0
        seq = 0
        for fi, name in enumerate(names):
            folder = Folder(name)
            bulk = name == "Bulk" and p["bulk"]
            count = p["bulk"] if bulk else p["per_folder"]
            fdir = os.path.join(root, folder.dirname)
            self._mkdirs(fdir, maildirfolder=bool(folder.dirname))
            cur = os.path.join(fdir, "cur")
            for n in range(count):
                seq += 1
                key = "f%d.m%d" % (fi, n)
                attach = 0
                if not bulk and rng.randrange(p["big_every"]) == 0:
                    # Log-uniform 100 KB - 2 MB.
                    attach = int(100 * 1024 * 20 ** rng.random())
                when = BASE_TIME + seq
                data = make_message(rng, self.text, key, n, when,
                                    _size(rng, bulk), attach)
                flags = _base_flags(rng)
                vsize = len(data) + data.count(b"\n")
                fname = "%d.M%dP%d.%s,S=%d,W=%d:2,%s" % (
                    when, seq, fi, HOSTPART, len(data), vsize,
                    letters(flags))
                path = os.path.join(cur, fname)
                with open(path, "wb") as f:
                    f.write(data)
                os.utime(path, (when, when))
                if self.uid is not None:
                    os.chown(path, self.uid, self.gid)
                folder.msgs.append(Msg("<%s@bench.example>" % key,
                                       normalised_hash(data), vsize, flags))
                self.bytes += vsize
                done += 1
                if progress and done % 10000 == 0:
                    progress(done, total)
            self.folders.append(folder)
        self.count = done

    def _mkdirs(self, path, maildirfolder=False):
        for sub in ("", "cur", "new", "tmp"):
            d = os.path.join(path, sub)
            os.makedirs(d, mode=0o700, exist_ok=True)
            if self.uid is not None:
                os.chown(d, self.uid, self.gid)
        if maildirfolder:
            mf = os.path.join(path, "maildirfolder")
            open(mf, "w").close()
            if self.uid is not None:
                os.chown(mf, self.uid, self.gid)

    def install(self, maildir):
        """Give a server user (Maildir `maildir`, not existing yet) a copy
        of the corpus made of hard links (copies across file systems)."""
        for folder in self.folders:
            src = os.path.join(self.root, folder.dirname)
            dst = os.path.join(maildir, folder.dirname)
            self._mkdirs(dst, maildirfolder=bool(folder.dirname))
            s, d = os.path.join(src, "cur"), os.path.join(dst, "cur")
            for name in os.listdir(s):
                a, b = os.path.join(s, name), os.path.join(d, name)
                try:
                    os.link(a, b)
                except OSError:
                    shutil.copy2(a, b)
                    if self.uid is not None:
                        os.chown(b, self.uid, self.gid)

    def expected(self):
        """{folder name: {msgid: Msg}} of the corpus as generated."""
        return {f.name: {m.msgid: m for m in f.msgs} for f in self.folders}


class Changes:
    """The deterministic 1% changes of phase (c): server flag changes
    (toggle \\Seen), new messages delivered to the server, local flag
    changes (toggle \\Flagged), chosen by Message-ID so that every tool
    gets exactly the same ones."""

    def __init__(self, corpus, seed=SEED + 1):
        rng = random.Random(seed)
        every = [(f, m) for f in corpus.folders for m in f.msgs]
        k = max(1, len(every) // 100)
        picked = rng.sample(range(len(every)), 2 * k)
        self.server_toggle = {every[i][1].msgid for i in picked[:k]}
        self.local_toggle = {every[i][1].msgid for i in picked[k:]}
        # New mail goes to folders in proportion to their size.
        self.new = []  # [(folder name, msgid, bytes)]
        self.new_msgs = {}  # folder name -> {msgid: Msg}
        for j in range(k):
            folder = every[rng.randrange(len(every))][0]
            key = "new%d" % j
            bulk = folder.name == "Bulk"
            data = make_message(rng, corpus.text, key, j,
                                BASE_TIME + 10 ** 7 + j, _size(rng, bulk))
            msgid = "<%s@bench.example>" % key
            self.new.append((folder.name, msgid, data))
            self.new_msgs.setdefault(folder.name, {})[msgid] = Msg(
                msgid, normalised_hash(data),
                len(data) + data.count(b"\n"), frozenset())
        self.corpus = corpus

    def expected(self):
        """{folder: {msgid: Msg}} once (c) has been synchronised."""
        out = {}
        for f in self.corpus.folders:
            d = {}
            for m in f.msgs:
                flags = set(m.flags)
                if m.msgid in self.server_toggle:
                    flags ^= {"S"}
                if m.msgid in self.local_toggle:
                    flags ^= {"F"}
                d[m.msgid] = Msg(m.msgid, m.sha, m.vsize, frozenset(flags))
            d.update(self.new_msgs.get(f.name, {}))
            out[f.name] = d
        return out
