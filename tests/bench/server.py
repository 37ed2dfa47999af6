# SPDX-License-Identifier: GPL-2.0-or-later
"""Server-side steps of the benchmark, all independent of the programs
under test: give a user the corpus, wait until Dovecot has indexed it,
apply phase (c)'s server changes, read the server's state back for
verification, and the raw bound (one connection fetching every body).
"""

import os
import re
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))

import imaphelper  # noqa: E402
from corpus import FLAG_LETTERS, HOSTPART, message_id  # noqa: E402


class ServerError(Exception):
    pass


def _flag_letters(meta):
    m = re.search(rb"FLAGS \(([^)]*)\)", meta)
    out = set()
    for f in (m.group(1).split() if m else []):
        f = f.decode()
        if f == "\\Recent":
            continue
        out.add(FLAG_LETTERS.get(f, f))
    return frozenset(out)


def install_user(dv, corpus):
    """A fresh Dovecot user holding a copy of the corpus, indexed by
    Dovecot and checked (every folder has the right count); returns the
    user name."""
    user, _ = dv.add_user()
    maildir = dv.maildir(user)
    corpus.install(maildir)
    with dv.imap(user, timeout=600) as imap:
        for folder in corpus.folders:
            n = imap.select(folder.name)
            if n != len(folder.msgs):
                raise ServerError("server shows %d messages in %s, expected"
                                  " %d" % (n, folder.name, len(folder.msgs)))
    return user


def deliver(dv, user, folder_dirname, data, seq):
    """Deliver a message the way an MDA does: tmp/, then rename to new/."""
    maildir = os.path.join(dv.maildir(user), folder_dirname)
    when = int(time.time())
    base = "%d.M%dP%d.%s-new,S=%d,W=%d" % (when, seq, os.getpid(), HOSTPART,
                                           len(data),
                                           len(data) + data.count(b"\n"))
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    if os.geteuid() == 0:
        os.chown(tmp, dv.mail_uid, dv.mail_gid)
    os.rename(tmp, os.path.join(maildir, "new", base))


def _uid_map(imap):
    """{msgid: (uid, flag letters, rfc822 size)} of the selected folder,
    plus the list of duplicate Message-IDs."""
    typ, data = imap.conn.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE "
                              "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if typ != "OK":
        raise ServerError("UID FETCH failed: %r" % (data,))
    out, dups = {}, []
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, head = item
        uid = int(re.search(rb"UID (\d+)", meta).group(1))
        size = int(re.search(rb"RFC822\.SIZE (\d+)", meta).group(1))
        flags = _flag_letters(meta)
        if b"FLAGS" not in meta:
            # Dovecot may put FLAGS after the literal.
            flags = None
        mid = message_id(head) or "<no-id uid %d>" % uid
        if mid in out:
            dups.append(mid)
        out[mid] = [uid, flags, size]
    # Items after a literal come back as separate bytes entries.
    if any(v[1] is None for v in out.values()):
        typ, data = imap.conn.uid("FETCH", "1:*", "(UID FLAGS)")
        flags_by_uid = {}
        for item in data:
            if isinstance(item, bytes):
                uid = int(re.search(rb"UID (\d+)", item).group(1))
                flags_by_uid[uid] = _flag_letters(item)
        for v in out.values():
            v[1] = flags_by_uid.get(v[0], frozenset())
    return out, dups


def apply_server_changes(dv, user, corpus, changes):
    """Phase (c) on the server: toggle \\Seen on the chosen messages
    (UID STORE through IMAP, as another client would) and deliver the new
    messages into new/ (as an MDA would)."""
    with dv.imap(user, timeout=600) as imap:
        for folder in corpus.folders:
            want = {m.msgid for m in folder.msgs} & changes.server_toggle
            if not want:
                continue
            imap.select(folder.name)
            state, _ = _uid_map(imap)
            add = sorted(state[m][0] for m in want if "S" not in state[m][1])
            rem = sorted(state[m][0] for m in want if "S" in state[m][1])
            for uids, op in ((add, "+FLAGS.SILENT"), (rem, "-FLAGS.SILENT")):
                if uids:
                    typ, data = imap.conn.uid(
                        "STORE", ",".join(map(str, uids)), op, "(\\Seen)")
                    if typ != "OK":
                        raise ServerError("UID STORE failed: %r" % (data,))
    dirnames = {f.name: f.dirname for f in corpus.folders}
    for seq, (fname, msgid, data) in enumerate(changes.new):
        deliver(dv, user, dirnames[fname], data, seq)


def server_state(dv, user):
    """{folder name: ({msgid: [uid, flags, size]}, [duplicate msgids])}
    for every selectable folder."""
    out = {}
    with dv.imap(user, timeout=600) as imap:
        for name in imap.list_folders(selectable_only=True):
            if imap.select(name, readonly=True) == 0:
                out[name] = ({}, [])
                continue
            msgs, dups = _uid_map(imap)
            out[name] = (msgs, ["duplicate %s" % d for d in dups])
    return out


# ----- the raw bound --------------------------------------------------------

class RawFetcher:
    """One TLS connection, LOGIN, then for each folder a pipelined SELECT
    and UID FETCH 1:* BODY.PEEK[] whose literals are read and discarded.
    Counts messages and bytes so that the caller can check it saw the
    whole corpus."""

    def __init__(self, host, port, ca, hostname):
        ctx = ssl.create_default_context()
        ctx.load_verify_locations(ca)
        raw = socket.create_connection((host, port), timeout=600)
        self.sock = ctx.wrap_socket(raw, server_hostname=hostname)
        self.buf = bytearray()
        self.pos = 0  # parsed up to here; the front is dropped on refill
        self.chunk = bytearray(1 << 18)
        self.view = memoryview(self.chunk)
        self.messages = 0
        self.bytes = 0
        self.tagn = 0
        self._line()  # greeting

    def _recv(self):
        n = self.sock.recv_into(self.chunk)
        if n == 0:
            raise ServerError("raw fetch: connection closed by the server")
        return n

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += self.view[:self._recv()]

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _skip(self, n):
        """Discard an n-byte literal, copying none of it that arrives
        after what is buffered."""
        avail = len(self.buf) - self.pos
        if avail >= n:
            self.pos += n
            return
        n -= avail
        self.buf.clear()
        self.pos = 0
        while n > 0:
            got = self._recv()
            if got > n:
                self.buf += self.view[n:got]
            n -= got

    def _tag(self):
        self.tagn += 1
        return b"R%d" % self.tagn

    def _wait(self, tags):
        """Read responses until every tag in `tags` has completed."""
        pending = set(tags)
        while pending:
            line = self._line()
            while line.endswith(b"}"):
                j = line.rfind(b"{")
                n = int(line[j + 1:-1].rstrip(b"+"))
                self.messages += 1
                self.bytes += n
                self._skip(n)
                line = self._line()
            tag, _, rest = line.partition(b" ")
            if tag in pending:
                if not rest.startswith(b"OK"):
                    raise ServerError("raw fetch: %s" % line.decode(
                        "ascii", "replace"))
                pending.discard(tag)

    def login(self, user, password):
        t = self._tag()
        self.sock.sendall(b"%s LOGIN %s %s\r\n" % (
            t, imaphelper.imap_quote(user).encode(),
            imaphelper.imap_quote(password).encode()))
        self._wait([t])

    def fetch_all(self, folders):
        """Fetch every body of these folders (modified UTF-7 names), all
        commands pipelined."""
        tags, out = [], []
        for name in folders:
            t1, t2 = self._tag(), self._tag()
            out.append(b"%s SELECT %s\r\n%s UID FETCH 1:* BODY.PEEK[]\r\n"
                       % (t1, imaphelper.imap_quote(name).encode(), t2))
            tags += [t1, t2]
        self.sock.sendall(b"".join(out))
        self._wait(tags)

    def close(self):
        try:
            t = self._tag()
            self.sock.sendall(b"%s LOGOUT\r\n" % t)
            self._wait([t])
        except (OSError, ServerError):
            pass
        self.sock.close()


def raw_fetch(dv, user, corpus):
    """Time one connection downloading the whole corpus; returns
    (seconds, messages, bytes)."""
    t0 = time.monotonic()
    r = RawFetcher(dv.host, dv.imaps_port, dv.ca_cert, dv.hostname)
    r.login(user, dv.password(user))
    r.fetch_all([imaphelper.utf7_encode(f.name) for f in corpus.folders])
    r.close()
    return time.monotonic() - t0, r.messages, r.bytes
