# SPDX-License-Identifier: GPL-2.0-or-later
"""Set up and inspect server state for tests, independently of our client.

Everything here goes through Python's imaplib, so a bug in the program
under test cannot hide itself by being on both sides of a check.  Folder
names are Unicode strings; they are converted to and from IMAP's modified
UTF-7 (RFC 3501 5.1.3) by the small codec below.

    with connect(dv, "alice") as imap:
        imap.populate({"INBOX": [make_message(1)], "Entwürfe": [...]})
        imap.fetch_all("INBOX")  # {uid: (flags, body, internaldate)}
"""

import base64
import datetime
import imaplib
import re
import ssl

# ----- modified UTF-7 -----------------------------------------------------


def utf7_encode(name):
    """Unicode folder name -> modified UTF-7 (an ASCII str)."""
    out = []
    run = []

    def flush():
        if run:
            raw = "".join(run).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def utf7_decode(name):
    """Modified UTF-7 -> Unicode.  Raises ValueError on malformed input."""
    out = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            if not 0x20 <= ord(ch) <= 0x7e:
                raise ValueError("non-ASCII character in %r" % (name,))
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i + 1)
        if end < 0:
            raise ValueError("unterminated shift in %r" % (name,))
        b64 = name[i + 1:end]
        if not b64:
            out.append("&")
        else:
            if not re.fullmatch(r"[A-Za-z0-9+,]+", b64):
                raise ValueError("bad base64 in %r" % (name,))
            b64 = b64.replace(",", "/")
            raw = base64.b64decode(b64 + "=" * (-len(b64) % 4))
            if len(raw) % 2:
                raise ValueError("odd UTF-16 length in %r" % (name,))
            out.append(raw.decode("utf-16-be"))
        i = end + 1
    return "".join(out)


def imap_quote(s):
    """An IMAP quoted string for an ASCII argument."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----- message factory ----------------------------------------------------

BASE_DATE = datetime.datetime(2026, 1, 5, 9, 30, 0,
                              tzinfo=datetime.timezone.utc)


def message_date(n):
    """The deterministic date of message number n (one hour apart)."""
    return BASE_DATE + datetime.timedelta(hours=n)


def make_message(n, subject=None, sender="Alice Example <alice@example.org>",
                 to="Bob Example <bob@example.org>", body=None, date=None,
                 msgid=None, headers=(), size=None):
    """A deterministic RFC 5322 message (bytes, CRLF line ends).

    n numbers the message and drives the defaults: Message-ID
    <n.oitest@example.org>, Date BASE_DATE + n hours, Subject "Test
    message n", a short body.  `headers` adds (name, value) pairs; `size`
    pads the body with text lines to at least that many bytes."""
    date = date or message_date(n)
    subject = "Test message %d" % n if subject is None else subject
    msgid = msgid or "<%d.oitest@example.org>" % n
    if body is None:
        body = ("This is test message number %d.\r\n"
                "It has two lines of text.\r\n" % n)
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [("From", sender), ("To", to), ("Subject", subject),
             ("Date", date.strftime("%a, %d %b %Y %H:%M:%S %z")
              if hasattr(date, "strftime") else str(date)),
             ("Message-ID", msgid), ("MIME-Version", "1.0"),
             ("Content-Type", "text/plain; charset=utf-8")]
    lines += list(headers)
    head = "".join("%s: %s\r\n" % hv for hv in lines).encode("utf-8")
    msg = head + b"\r\n" + body
    if size is not None:
        k = 0
        while len(msg) < size:
            msg += b"Padding line %06d for message %d.\r\n" % (k, n)
            k += 1
    return msg


# ----- the helper ---------------------------------------------------------

_FETCH_UID = re.compile(rb"UID (\d+)")
_FETCH_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_FETCH_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
_LIST_LINE = re.compile(rb'\(([^)]*)\) (NIL|"(?:[^"\\]|\\.)*") (.*)$')


def parse_internaldate(text):
    """IMAP INTERNALDATE text ("05-Jan-2026 09:30:00 +0000") -> aware
    datetime."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    return datetime.datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z")


def _imap_date(date):
    if isinstance(date, (int, float)):
        date = datetime.datetime.fromtimestamp(date, datetime.timezone.utc)
    if date.tzinfo is None:
        date = date.replace(tzinfo=datetime.timezone.utc)
    return imaplib.Time2Internaldate(date)


class IMAPError(Exception):
    pass


class Helper:
    """One logged-in imaplib connection; use connect() to make one."""

    def __init__(self, conn, user):
        self.conn = conn
        self.user = user
        self.selected = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
        self.conn = None

    def _ok(self, what, result):
        typ, data = result
        if typ != "OK":
            raise IMAPError("%s: %s %r" % (what, typ, data))
        return data

    def cmd(self, name, *args):
        """Any command through imaplib's generic path; returns the data
        list or raises IMAPError."""
        return self._ok(name, self.conn._simple_command(name, *args))

    # folders

    @staticmethod
    def _mbox(folder):
        return imap_quote(utf7_encode(folder))

    def create(self, folder):
        self._ok("CREATE " + folder, self.conn.create(self._mbox(folder)))

    def create_folders(self, folders):
        """Create each folder that does not exist yet."""
        existing = set(self.list_folders(selectable_only=False))
        for folder in folders:
            if folder not in existing:
                self.create(folder)
                existing.add(folder)

    def capabilities(self):
        """The server's current capability list (asked afresh)."""
        data = self._ok("CAPABILITY", self.conn.capability())
        return tuple(data[-1].decode("ascii").upper().split())

    def delete(self, folder):
        if self.selected == folder:
            self.conn.close()
            self.selected = None
        self._ok("DELETE " + folder, self.conn.delete(self._mbox(folder)))

    def rename(self, old, new):
        self._ok("RENAME " + old, self.conn.rename(self._mbox(old),
                                                   self._mbox(new)))

    def list_full(self):
        """[(attributes, delimiter or None, decoded name)] from LIST."""
        data = self._ok("LIST", self.conn.list('""', '"*"'))
        out = []
        i = 0
        while i < len(data):
            item = data[i]
            i += 1
            if item is None:
                continue
            if isinstance(item, tuple):  # name sent as a literal
                line, name = item[0], item[1]
                m = _LIST_LINE.match(line + b'""')
                name = name.decode("ascii")
            else:
                m = _LIST_LINE.match(item)
                raw = m.group(3)
                name = raw.decode("ascii")
                if name.startswith('"'):
                    name = re.sub(r'\\(.)', r'\1', name[1:-1])
            attrs = m.group(1).decode("ascii").split()
            delim = m.group(2).decode("ascii")
            delim = None if delim == "NIL" else \
                re.sub(r'\\(.)', r'\1', delim[1:-1])
            out.append((attrs, delim, utf7_decode(name)))
        return out

    def list_folders(self, selectable_only=True):
        """Sorted decoded folder names."""
        return sorted(name for attrs, _, name in self.list_full()
                      if not selectable_only or "\\Noselect" not in attrs)

    def exists(self, folder):
        return folder in self.list_folders(selectable_only=False)

    def select(self, folder, readonly=False):
        data = self._ok("SELECT " + folder,
                        self.conn.select(self._mbox(folder), readonly))
        self.selected = folder
        return int(data[0])

    def uidvalidity(self, folder):
        data = self._ok("STATUS " + folder,
                        self.conn.status(self._mbox(folder),
                                         "(UIDVALIDITY)"))
        m = re.search(rb"UIDVALIDITY (\d+)", data[0])
        return int(m.group(1))

    def status(self, folder):
        """{"MESSAGES": n, "UIDNEXT": n, "UIDVALIDITY": n, "UNSEEN": n}"""
        data = self._ok("STATUS " + folder, self.conn.status(
            self._mbox(folder), "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"))
        return {k.decode(): int(v) for k, v in
                re.findall(rb"([A-Z]+) (\d+)", data[0])}

    # messages

    def append(self, folder, body, flags=(), date=None):
        """Append one message; returns its UID (Dovecot has UIDPLUS).
        Note that imaplib turns every line end into CRLF."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        flag_arg = "(%s)" % " ".join(flags) if flags else None
        date_arg = _imap_date(date) if date is not None else None
        data = self._ok("APPEND " + folder, self.conn.append(
            self._mbox(folder), flag_arg, date_arg, body))
        m = _APPENDUID.search(data[-1] or b"")
        if not m:
            raise IMAPError("APPEND gave no APPENDUID: %r" % (data,))
        return int(m.group(2))

    def fetch_all(self, folder, keep_recent=False):
        """{uid: (frozenset of flags, body bytes, aware datetime)}.
        \\Recent is session state, so it is left out unless asked for."""
        if self.select(folder, readonly=True) == 0:
            return {}
        data = self._ok("UID FETCH", self.conn.uid(
            "FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])"))
        out = {}
        cur = None
        for item in data:
            # imaplib gives (prefix, literal) tuples, then the text after
            # the literal (b")" or b" FLAGS (...))") as a bytes item.
            if isinstance(item, tuple):
                if cur:
                    out.update(self._finish(cur, keep_recent))
                cur = {"meta": item[0], "body": item[1]}
            elif isinstance(item, bytes) and cur is not None:
                cur["meta"] += b" " + item
        if cur:
            out.update(self._finish(cur, keep_recent))
        return out

    @staticmethod
    def _flagset(meta, keep_recent):
        flags = _FETCH_FLAGS.search(meta).group(1).decode().split()
        return frozenset(f for f in flags
                         if keep_recent or f.lower() != "\\recent")

    @classmethod
    def _finish(cls, cur, keep_recent):
        meta = cur["meta"]
        uid = int(_FETCH_UID.search(meta).group(1))
        flags = cls._flagset(meta, keep_recent)
        date = parse_internaldate(_FETCH_DATE.search(meta).group(1))
        return {uid: (flags, cur["body"], date)}

    def flags(self, folder, keep_recent=False):
        """{uid: frozenset of flags} without fetching bodies."""
        if self.select(folder, readonly=True) == 0:
            return {}
        data = self._ok("UID FETCH", self.conn.uid("FETCH", "1:*",
                                                   "(UID FLAGS)"))
        out = {}
        for item in data:
            if isinstance(item, bytes):
                out[int(_FETCH_UID.search(item).group(1))] = \
                    self._flagset(item, keep_recent)
        return out

    def uids(self, folder):
        return sorted(self.flags(folder))

    @staticmethod
    def _uidset(uids):
        return ",".join(str(u) for u in sorted(uids))

    def set_flags(self, folder, uids, flags, mode="+"):
        """STORE flags on the UIDs: mode "+" adds, "-" removes, "=" sets."""
        if mode not in ("+", "-", "="):
            raise ValueError("mode must be +, - or =")
        uids = list(uids)
        if not uids:
            return
        self.select(folder)
        item = {"+": "+FLAGS.SILENT", "-": "-FLAGS.SILENT",
                "=": "FLAGS.SILENT"}[mode]
        self._ok("UID STORE", self.conn.uid(
            "STORE", self._uidset(uids), item, "(%s)" % " ".join(flags)))

    def expunge(self, folder):
        self.select(folder)
        self._ok("EXPUNGE", self.conn.expunge())

    def delete_messages(self, folder, uids):
        """Mark \\Deleted and expunge."""
        self.set_flags(folder, uids, ["\\Deleted"], "+")
        self.expunge(folder)

    def populate(self, spec):
        """Create folders and append messages.

        spec: {folder: [item, ...]} where an item is message bytes/str or
        a dict with "body" and optional "flags" (sequence) and "date"
        (datetime or epoch seconds).  Folders other than INBOX are created
        when missing.  Returns {folder: [uid, ...]} in item order."""
        existing = set(self.list_folders(selectable_only=False))
        result = {}
        # INBOX always exists; any case is INBOX (RFC 3501 5.1).
        for folder, items in spec.items():
            if folder.upper() != "INBOX" and folder not in existing:
                self.create(folder)
                existing.add(folder)
            uids = []
            for item in items:
                if isinstance(item, dict):
                    uids.append(self.append(folder, item["body"],
                                            item.get("flags", ()),
                                            item.get("date")))
                else:
                    uids.append(self.append(folder, item))
            result[folder] = uids
        return result


def connect(dv, user, password=None, mode="plain", auth="login",
            verify=True, timeout=10):
    """Log in to Dovecot `dv` as `user` with imaplib.

    mode: "plain" (no TLS), "starttls" or "imaps"; TLS is verified against
    the harness CA (the certificate names 127.0.0.1) unless verify is False.
    auth: "login" (LOGIN command) or "cram-md5".  Returns a Helper; raises
    imaplib.IMAP4.error (or ssl.SSLError) when the server says no."""
    if password is None:
        password = dv.users[user]
    ctx = None
    if mode in ("starttls", "imaps"):
        ctx = ssl.create_default_context()
        if verify:
            ctx.load_verify_locations(dv.ca_cert)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    if mode == "imaps":
        conn = imaplib.IMAP4_SSL(dv.host, dv.imaps_port,
                                 ssl_context=ctx, timeout=timeout)
    elif mode in ("plain", "starttls"):
        conn = imaplib.IMAP4(dv.host, dv.imap_port, timeout=timeout)
        if mode == "starttls":
            conn.starttls(ctx)
    else:
        raise ValueError("unknown mode %r" % (mode,))
    try:
        if auth == "login":
            conn.login(user, password)
        elif auth == "cram-md5":
            conn.login_cram_md5(user, password)
        else:
            raise ValueError("unknown auth %r" % (auth,))
    except BaseException:
        try:
            conn.shutdown()
        except OSError:
            pass
        raise
    return Helper(conn, user)
