# SPDX-License-Identifier: GPL-2.0-or-later
"""The two-way sync against the harness Dovecot: first sync, no-op resync,
changes on either side, the outcome-table fixes of SPEC 9, validity, the
folder structure (hostile server names, utf8foldernames, folderfilter and
friends, names that would share a local folder), a metadata directory
written by 4.0, -d maildir.  The outcome table itself is in
test_sync_scenarios.py, the crash tests in test_sync_crash.py."""

import os
import re
import shutil
import socket
import stat
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import (LETTER_FLAG, World, changes,  # noqa: E402
                       make_message, msgno, strip_tracking)
import dovecot  # noqa: E402


def test_first_sync_downloads_everything(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1), make_message(2)])
    w.put("INBOX", [make_message(3)], flags=("\\Seen", "\\Answered"))
    w.put("Work", [make_message(4)], flags=("\\Flagged",))
    w.sync()
    server = w.server("INBOX")
    local = w.local("INBOX")
    assert local == server, (local, server)
    assert w.local("Work") == w.server("Work")
    # new/ for unseen, cur/ for seen; names as SPEC 5.6.
    files = dict((n.split(",U=")[1].split(",")[0], (sub, n))
                 for sub, n in w.local_files("INBOX"))
    sub, name = files["3"]
    assert sub == "cur" and name.endswith(
        ",FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,RS"), name
    assert files["1"][0] == "new" and ":2," not in files["1"][1]
    # mtime = INTERNALDATE.
    dates = w.server_dates("INBOX")
    for uid, date in dates.items():
        assert int(os.stat(w.find_file("INBOX", uid)).st_mtime) == \
            int(date.timestamp())
    # Status FORMAT 1, validity files, 0700 folders.
    assert w.status("INBOX") == {u: f for u, (f, _b) in server.items()}
    assert w.validity("L", "INBOX") == 42
    with w.imap() as m:
        assert w.validity("R", "INBOX") == m.uidvalidity("INBOX")
    mode = stat.S_IMODE(os.stat(w.folder_dir("INBOX")).st_mode)
    assert mode == 0o700, oct(mode)


def test_noop_resync_transfers_nothing(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(i) for i in range(5)])
    w.sync()
    before = sorted(w.local_files("INBOX"))
    st, out, err = w.sync("-d", "imap")
    assert "Copy message" not in out, out
    assert "BODY.PEEK[]" not in out, "a body was fetched on a no-op resync"
    assert not re.search(r"> \S+ APPEND ", out), out
    assert sorted(w.local_files("INBOX")) == before


def test_new_local_message_is_uploaded_once(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1)])
    w.sync()
    body = make_message(2, subject="Written offline")
    name = w.deliver_local("INBOX", body, letters="S")
    w.sync()
    server = w.server("INBOX")
    assert len(server) == 2, server
    uploaded = [(f, b) for f, b in server.values() if b"offline" in b]
    assert len(uploaded) == 1
    flags, sbody = uploaded[0]
    assert flags == "S"
    assert strip_tracking(sbody) == body
    assert b"X-OfflineIMAP: " in sbody
    # The local file now carries the server UID; the original is gone.
    local = w.local("INBOX")
    assert name not in local and len(local) == 2, local
    assert set(local) == set(server)
    # A second run changes nothing.
    st, out, err = w.sync()
    assert "Copy message" not in out
    assert len(w.server("INBOX")) == 2


def test_flag_changes_travel_both_ways(ctx):
    w = World(ctx)
    uids = w.put("INBOX", [make_message(i) for i in range(3)])
    w.sync()
    # Local: mark 1 seen+flagged.  Server: mark 2 answered.
    w.set_local_flags("INBOX", uids[0], "FS")
    with w.imap() as m:
        m.set_flags("INBOX", [uids[1]], ["\\Answered"])
    w.sync()
    server = w.server("INBOX")
    local = w.local("INBOX")
    assert server[uids[0]][0] == "FS", server
    assert local[uids[1]][0] == "R", local
    assert {u: f for u, (f, _b) in server.items()} == \
        {u: f for u, (f, _b) in local.items()}
    assert w.status("INBOX") == {u: f for u, (f, _b) in local.items()}


def test_deletions_travel_both_ways(ctx):
    w = World(ctx)
    uids = w.put("INBOX", [make_message(i) for i in range(4)])
    w.sync()
    os.unlink(w.find_file("INBOX", uids[0]))
    with w.imap() as m:
        m.delete_messages("INBOX", [uids[1]])
    w.sync()
    assert sorted(w.server("INBOX")) == uids[2:]
    assert sorted(w.local("INBOX")) == uids[2:]
    assert sorted(w.status("INBOX")) == uids[2:]


def test_lost_status_does_not_duplicate(ctx):
    # SPEC 4.8 "L, no S, R": adopted, never uploaded again.
    w = World(ctx)
    w.put("INBOX", [make_message(i) for i in range(3)])
    w.sync()
    os.unlink(w.status_path("INBOX"))
    w.sync()
    st, out, err = w.sync()
    assert len(w.server("INBOX")) == 3
    assert len(w.local("INBOX")) == 3
    assert "Copy message" not in out


def test_message_moved_between_local_folders(ctx):
    w = World(ctx)
    (uid, _other) = w.put("INBOX", [make_message(7), make_message(9)])
    w.put("Archive", [make_message(8)])
    w.sync()
    src = w.find_file("INBOX", uid)
    os.rename(src, os.path.join(w.folder_dir("Archive"), "cur",
                                os.path.basename(src)))
    w.sync()
    assert uid not in w.server("INBOX")
    bodies = [strip_tracking(b) for _f, b in w.server("Archive").values()]
    assert bodies.count(make_message(7)) == 1, bodies
    assert len(w.local("Archive")) == 2
    assert list(w.local("INBOX")) == [_other]


def test_uidvalidity_change_skips_folder(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1)])
    w.put("Work", [make_message(2)])
    w.sync()
    with w.imap() as m:
        m.delete("Work")
        m.create("Work")
    w.put("Work", [make_message(3)])
    w.put("INBOX", [make_message(4)])
    st, out, err = w.sync(expect=1)
    assert "UID validity problem for folder Work" in out + err, out + err
    assert len(w.local("INBOX")) == 2        # other folders still synced
    assert len(w.local("Work")) == 1         # nothing deleted, nothing new


def test_mass_deletion_is_refused(ctx):
    w = World(ctx)
    uids = w.put("INBOX", [make_message(i) for i in range(3)])
    w.sync()
    for uid in uids:
        os.unlink(w.find_file("INBOX", uid))
    st, out, err = w.sync(expect=1)
    assert "not deleting them on the server" in out + err, out + err
    assert len(w.server("INBOX")) == 3
    # The end-of-cycle summary counts the warning and the failed folder.
    assert re.search(r"Account T: 0 folders synced, 1 not synced; .*"
                     r"warnings: 1; errors: 1;", out), out
    # With the override, the user's wish is done.
    cfg = open(w.config).read().replace(
        "[Account T]\n", "[Account T]\nallow_mass_delete = yes\n")
    open(w.config, "w").write(cfg)
    w.sync()
    assert w.server("INBOX") == {}


def test_removed_local_folder_is_not_propagated(ctx):
    """The whole local folder removed while its status exists: the folder
    is recreated empty, but nothing is deleted on the server."""
    w = World(ctx)
    w.put("INBOX", [make_message(i) for i in range(3)])
    w.put("Work", [make_message(5)])
    w.sync()
    shutil.rmtree(w.folder_dir("INBOX"))
    for _ in range(2):
        st, out, err = w.sync(expect=1)
        assert "not deleting them on the server" in out + err, out + err
        assert len(w.server("INBOX")) == 3
        assert w.local("INBOX") == {}
    # The advice given works: without the status, everything comes back.
    os.unlink(w.status_path("INBOX"))
    w.sync()
    assert len(w.local("INBOX")) == 3


def test_crash_after_every_step_loses_nothing(ctx):
    """Kill the program after each durable step of a sync that downloads,
    uploads, deletes and changes flags; a normal run afterwards must end
    in the same state as an uninterrupted run: nothing lost, nothing
    duplicated."""
    def scenario(w):
        uids = w.put("INBOX", [make_message(i) for i in range(4)])
        w.sync()
        w.put("INBOX", [make_message(10), make_message(11)])
        w.deliver_local("INBOX", make_message(20, subject="local one"))
        w.deliver_local("INBOX", make_message(21, subject="local two"),
                        letters="S")
        os.unlink(w.find_file("INBOX", uids[0]))
        w.set_local_flags("INBOX", uids[1], "F")
        with w.imap() as m:
            m.set_flags("INBOX", [uids[2]], ["\\Seen"])

    def outcome(w):
        server = sorted((f, strip_tracking(b))
                        for f, b in w.server("INBOX").values())
        local = sorted((f, b) for f, b in w.local("INBOX").values())
        return server, local

    ref = World(ctx)
    scenario(ref)
    st, out, err = ref.sync(env={"OFFLINEIMAP_TEST_COUNT_STEPS": "1"})
    steps = int(err.split("test: ")[1].split()[0])
    assert steps > 5, err
    expected = outcome(ref)
    assert expected[0] == expected[1]

    for n in range(1, steps + 1):
        w = World(ctx)
        scenario(w)
        st, out, err = w.sync(env={"OFFLINEIMAP_TEST_CRASH_AFTER": str(n)},
                              expect=None)
        w.sync()
        w.sync()
        got = outcome(w)
        assert got == expected, "crash after step %d:\n%r\n%r" % (
            n, got, expected)


# ---- hostile folder names from the server (SPEC 5.5, 9 row 12) -----------

# Names as the test helper takes them (Unicode; "\x7f" reaches the server
# as modified UTF-7 "c&AH8-d": Dovecot refuses the other control
# characters, which only utf8foldernames can produce from a real server).
LONG_ESCAPED = "%41" * 80        # 240 bytes, 400 once "%" is escaped
HOSTILE = {
    "/": ["..", "../escaped1", "a/../../escaped2", ".", "./dot", "cur",
          "new", "tmp", "x/cur/y", "~", "L" * 250, "P%2Fq", "c\x7fd",
          LONG_ESCAPED],
    ".": ["/etc/escaped3", "dir/sub", "cur", "new", "tmp",
          "x.cur.y", "offlineimap.uidvalidity", "~", "L" * 250, "P%2Fq",
          "c\x7fd", "slash/", LONG_ESCAPED],
}


def all_paths(top):
    out = set()
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            out.add(os.path.join(root, n))
    return out


def check_hostile_names(ctx, server_sep, local_sep, utf8="no"):
    dv = dovecot.Dovecot.shared(separator=server_sep, layout="index")
    w = World(ctx, dovecot=dv, extra_local="sep = %s\n" % local_sep,
              extra_account="utf8foldernames = %s\n" % utf8)
    names = HOSTILE[server_sep]
    for i, name in enumerate(names):
        w.put(name, [make_message(100 + i)])
    w.put("INBOX", [make_message(1)])
    before = all_paths(ctx.tmp)
    st, out, err = w.sync(expect=None)
    text = out + err
    # Nothing outside the Maildir and the metadata directory.
    for p in all_paths(ctx.tmp) - before:
        assert p == w.meta or p.startswith(w.maildir + os.sep) or \
            p.startswith(w.meta + os.sep), "written outside: %r" % p
    for top in (os.path.dirname(ctx.tmp), "/", "/etc", w.root,
                os.path.dirname(w.root)):
        bad = [n for n in os.listdir(top) if "escaped" in n]
        assert not bad, (top, bad)
    # Status and validity files are plain files right in their
    # directories.
    for d in (os.path.join(w.meta, "Account-T", "LocalStatus"),
              os.path.join(w.meta, "Repository-L", "FolderValidity"),
              os.path.join(w.meta, "Repository-R", "FolderValidity")):
        for n in os.listdir(d):
            assert os.path.isfile(os.path.join(d, n)), (d, n)
    # Every message is in exactly one local folder, or its folder was
    # refused with a message naming it.
    found = {}
    for root, _dirs, files in os.walk(w.maildir):
        if os.path.basename(root) in ("cur", "new"):
            for n in files:
                with open(os.path.join(root, n), "rb") as f:
                    no = msgno(f.read())
                assert no not in found, (no, root, found[no])
                found[no] = os.path.dirname(root)
    assert found.get(1) == w.folder_dir("INBOX"), found
    refused = []
    for i, name in enumerate(names):
        if 100 + i not in found:
            refused.append(name)
            assert name in text, "folder %r neither synced nor named " \
                "in a message:\n%s" % (name, text)
    # Only what cannot be stored is refused: a name whose escaped
    # component is longer than a file name can be.
    assert refused == [LONG_ESCAPED], refused
    # A message written locally into the hostile ".."-like folders goes
    # to the right server folder.
    target = names[1]
    d = found[100 + 1]
    for sub in ("cur", "new", "tmp"):
        assert os.path.isdir(os.path.join(d, sub)), d
    with open(os.path.join(d, "new", "1.local.host"), "wb") as f:
        f.write(make_message(999).replace(b"\r\n", b"\n"))
    st, out, err = w.sync(expect=None)
    st, out, err = w.sync(expect=None)
    assert not changes(out), changes(out)
    with w.imap() as m:
        got = [msgno(b) for _f, b, _d in m.fetch_all(target).values()]
    assert sorted(got) == [101, 999], got
    return w


def test_hostile_folder_names_slash_server_dot_local(ctx):
    check_hostile_names(ctx, "/", ".")


def test_hostile_folder_names_slash_server_slash_local(ctx):
    check_hostile_names(ctx, "/", "/", utf8="yes")


def test_hostile_folder_names_dot_server_dot_local(ctx):
    check_hostile_names(ctx, ".", ".")


def test_hostile_folder_names_dot_server_slash_local(ctx):
    check_hostile_names(ctx, ".", "/", utf8="yes")


# ---- utf8foldernames (SPEC 10) ---------------------------------------------

def test_utf8foldernames(ctx):
    """Local folder and metadata names in UTF-8, the server's in modified
    UTF-7, both ways; the default keeps the server's bytes."""
    names = ["Entwürfe", "日本語", "Archiv/Entwürfe"]
    w = World(ctx, extra_account="utf8foldernames = yes\n",
              extra_local="sep = /\n")
    for i, name in enumerate(names):
        w.put(name, [make_message(10 + i)])
    w.sync()
    for i, name in enumerate(names):
        assert [n for n, _u, _l in w.local_by_no(name)] == [10 + i], name
        assert os.path.isfile(w.status_path(name.replace("/", "."))), name
    assert os.path.isfile(os.path.join(
        w.meta, "Repository-L", "FolderValidity", "Archiv.Entwürfe"))
    # A message written locally reaches the server folder it belongs to.
    w.deliver_local("日本語", make_message(20))
    w.deliver_local("Archiv/Entwürfe", make_message(21))
    w.sync()
    assert [n for n, _u, _l in w.server_by_no("日本語")] == [11, 20]
    assert [n for n, _u, _l in w.server_by_no("Archiv/Entwürfe")] == \
        [12, 21]
    assert [(n, u is not None) for n, u, _l in w.local_by_no("日本語")] == \
        [(11, True), (20, True)]
    st, out, err = w.sync()
    assert not changes(out), changes(out)

    # Without the option the local names are the server's bytes.
    v = World(ctx)
    v.put("Entwürfe", [make_message(1)])
    v.sync()
    assert os.path.isdir(v.folder_dir("Entw&APw-rfe"))
    assert not os.path.exists(v.folder_dir("Entwürfe"))


# ---- a metadata directory made by OfflineIMAP 4.0 (SPEC 5.1-5.6) ---------

def test_reuses_a_4_0_status_directory(ctx):
    """Files named as 4.0 names them (":2," in new/ too), FORMAT 1 status
    files with records in no particular order, FolderValidity files: the
    next sync downloads nothing, uploads nothing, renames nothing."""
    w = World(ctx)
    server = {"INBOX": {1: "", 2: "S", 3: "RS", 4: "DF"},
              "Work/Sub": {5: "S", 6: ""}}
    uids = {f: dict(zip(msgs, (w.put(f, [make_message(n)],
                                     [LETTER_FLAG[c] for c in letters])[0]
                               for n, letters in msgs.items())))
            for f, msgs in server.items()}
    with w.imap() as m:
        validity = {f: m.uidvalidity(f) for f in server}
    for folder, msgs in server.items():
        local = folder.replace("/", ".")        # sep = "." locally
        for n, letters in msgs.items():
            w.write_local(local, make_message(n), uid=uids[folder][n],
                          letters=letters, style="4.0")
        # 4.0 wrote the records in its dict's (hash) order.
        w.write_status({uids[folder][n]: msgs[n]
                        for n in sorted(msgs, reverse=True)}, local)
        w.write_validity("L", local, 42)
        w.write_validity("R", local, validity[folder])
    before = {f: sorted(w.local_files(f.replace("/", ".")))
              for f in server}
    meta_before = {p: open(p, "rb").read()
                   for p in all_paths(w.meta) if os.path.isfile(p)}
    st, out, err = w.sync("-d", "imap")
    assert not changes(out), changes(out)
    assert "BODY.PEEK[]" not in out and not re.search(r" APPEND ", out)
    assert not re.search(r"UID STORE", out), out
    for f in server:
        assert sorted(w.local_files(f.replace("/", "."))) == before[f]
        assert len(w.server(f)) == len(server[f])
    for p, data in meta_before.items():
        assert open(p, "rb").read() == data, "%s was rewritten" % p
    # And it goes on syncing: a server flag change renames the 4.0 file,
    # keeping its UID and FMD5.
    with w.imap() as m:
        m.set_flags("INBOX", [uids["INBOX"][1]], ["\\Flagged"])
    w.sync()
    assert dict((n, l) for n, _u, l in w.local_by_no("INBOX"))[1] == "F"
    assert w.find_file("INBOX", uids["INBOX"][1])


# ---- -d maildir --------------------------------------------------------

def test_maildir_debug_output(ctx):
    w = World(ctx)
    a, b = w.put("INBOX", [make_message(1), make_message(2)])
    st, out, err = w.sync("-d", "maildir")
    assert re.search(r"DEBUG\[maildir\]: .*wrote message %d as new/" % a,
                     out), out
    os.unlink(w.find_file("INBOX", a))
    w.deliver_local("INBOX", make_message(3))
    with w.imap() as m:
        m.set_flags("INBOX", [b], ["\\Seen"])
    st, out, err = w.sync("-d", "maildir")
    assert re.search(r"DEBUG\[maildir\]: .*renamed new/\S+ to cur/\S+:2,S",
                     out), out
    assert re.search(r"DEBUG\[maildir\]: .*deleted message", out), out
    st, out, err = w.sync()
    assert "DEBUG[" not in out


# ---- folderfilter, nametrans, folderincludes, foldersort (SPEC 4.2, 6.5) --

def test_folder_selection_and_names(ctx):
    w = World(ctx, extra_remote=(
        "folderfilter = lambda f: f not in ['Spam', 'Trash']\n"
        "nametrans = lambda f: re.sub('^Work', 'Job', f)\n"
        "folderincludes = ['Trash', 'Missing', 'INBOX']\n"
        "foldersort = lambda x, y: -cmp(x, y)\n"))
    for i, f in enumerate(["INBOX", "Work", "Work/Sub", "Spam", "Trash",
                           "Archive"]):
        w.put(f, [make_message(i)])
    st, out, err = w.sync()
    local = sorted(os.listdir(w.maildir))
    # Spam is filtered out; Trash comes back through folderincludes;
    # Missing does not exist on the server and is skipped silently;
    # INBOX is not synced twice (SPEC 9 row 15).
    assert local == ["Archive", "INBOX", "Job", "Job.Sub", "Trash"], local
    assert [n for n, _u, _l in w.local_by_no("Job.Sub")] == [2]
    assert os.path.isfile(w.status_path("Job.Sub"))
    assert os.path.isfile(os.path.join(w.meta, "Repository-R",
                                       "FolderValidity", "Work.Sub"))
    # foldersort, on the visible names.
    order = re.findall(r"^Syncing (\S+): IMAP -> Maildir", out, re.M)
    assert order == ["Trash", "Work/Sub", "Work", "INBOX", "Archive"], out
    st, out, err = w.sync()
    assert not changes(out), changes(out)


def test_folders_that_would_share_a_local_folder(ctx):
    """Server folders "a.b" and "a/b" both become the local "a.b" (sep
    "."): only the first is synced, with a warning; the other's messages
    never mix into it."""
    dv = dovecot.Dovecot.shared(separator="/", layout="index")
    w = World(ctx, dovecot=dv)
    w.put("a.b", [make_message(1)])
    w.put("a/b", [make_message(2)])
    st, out, err = w.sync(expect=None)
    assert re.search(r"server folders \"a\.b\" and \"a/b\" would share",
                     out + err), out + err
    assert [n for n, _u, _l in w.local_by_no("a.b")] == [1]
    st, out, err = w.sync(expect=None)
    assert not changes(out), changes(out)
    assert [n for n, _u, _l in w.server_by_no("a.b")] == [1]
    assert [n for n, _u, _l in w.server_by_no("a/b")] == [2]


class ScriptedIMAP:
    """A tiny plain-text IMAP server on loopback for what Dovecot will not
    produce: folder names with raw control characters.  Every folder holds
    one message (make_message(100 + i)); it speaks just what a sync of
    such folders needs (LOGIN, LIST, SELECT, UID FETCH, NOOP, CHECK,
    LOGOUT) and takes literals in commands as the client sends them."""

    def __init__(self, folders, delim="/"):
        self.folders = list(folders)
        self.delim = delim
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.selected = {}
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def _astring(name):
        return b"{%d}\r\n%s" % (len(name), name)

    def _read_command(self, f):
        """One command line with its literals inlined, or None."""
        line = f.readline()
        if not line:
            return None
        data = b""
        while True:
            m = re.search(rb"\{(\d+)(\+?)\}\r\n$", line)
            if not m:
                return data + line.rstrip(b"\r\n")
            data += line[:m.start()]
            if not m.group(2):
                f.write(b"+ go on\r\n")
                f.flush()
            data += f.read(int(m.group(1)))
            line = f.readline()

    @staticmethod
    def _args(rest):
        """Atoms, quoted strings and (inlined) literals of a command."""
        out = []
        for m in re.finditer(rb'"((?:[^"\\]|\\.)*)"|(\S+)', rest):
            out.append(re.sub(rb"\\(.)", rb"\1", m.group(1))
                       if m.group(1) is not None else m.group(2))
        return out

    def _serve(self, conn):
        f = conn.makefile("rwb")
        sel = None
        try:
            f.write(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] scripted\r\n")
            f.flush()
            while True:
                line = self._read_command(f)
                if line is None:
                    return
                tag, _, rest = line.partition(b" ")
                cmd, _, rest = rest.partition(b" ")
                cmd = cmd.upper()
                out = b""
                if cmd == b"CAPABILITY":
                    out = b"* CAPABILITY IMAP4rev1 LITERAL+\r\n"
                elif cmd == b"LIST":
                    if rest.endswith(b'""') and rest.count(b'"') == 4:
                        out = b'* LIST (\\Noselect) "%s" ""\r\n' % \
                            self.delim.encode()
                    else:
                        for name in [b"INBOX"] + self.folders:
                            out += b'* LIST () "%s" %s\r\n' % (
                                self.delim.encode(), self._astring(name))
                elif cmd in (b"SELECT", b"EXAMINE"):
                    # The name arrives quoted or as a literal; a literal
                    # inlined by _read_command ends the line.
                    name = self._args(rest)[0] if not rest.startswith(
                        b"{") else rest
                    known = [b"INBOX"] + self.folders
                    if name not in known:
                        f.write(tag + b" NO no such folder\r\n")
                        f.flush()
                        continue
                    sel = known.index(name)
                    out = (b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n"
                           b"* OK [UIDNEXT 2] n\r\n")
                    tag_ok = b" OK [READ-WRITE] selected"
                elif cmd == b"UID" and rest.upper().startswith(b"FETCH"):
                    body = make_message(100 + sel - 1 if sel else 1)
                    if b"BODY" in rest.upper():
                        out = b"* 1 FETCH (UID 1 BODY[] {%d}\r\n%s)\r\n" % (
                            len(body), body)
                    else:
                        out = (b'* 1 FETCH (UID 1 FLAGS (\\Seen) '
                               b'INTERNALDATE "05-Jan-2026 09:30:00 +0000"'
                               b' RFC822.SIZE %d)\r\n' % len(body))
                elif cmd == b"LOGOUT":
                    f.write(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
                    f.flush()
                    return
                elif cmd not in (b"LOGIN", b"NOOP", b"CHECK"):
                    f.write(tag + b" BAD not scripted\r\n")
                    f.flush()
                    continue
                f.write(out + tag + (tag_ok if cmd in (b"SELECT",
                                                       b"EXAMINE")
                                     else b" OK done") + b"\r\n")
                f.flush()
        except (OSError, ValueError):
            pass
        finally:
            conn.close()


def test_folder_names_with_control_characters(ctx):
    names = [b"ctl\x01x", b"tab\tname", b"esc\x1b[31m", b"../up\x02",
             b"del\x7f", b"a/\x03/b"]
    srv = ScriptedIMAP(names)
    try:
        for sep in (".", "/"):
            w = World(ctx, extra_local="sep = %s\n" % sep)
            cfg = open(w.config).read()
            cfg = re.sub(r"remoteport = \d+\nssl = yes\n",
                         "remoteport = %d\nssl = no\n" % srv.port, cfg)
            open(w.config, "w").write(cfg)
            before = all_paths(ctx.tmp)
            st, out, err = w.sync(expect=None)
            for p in all_paths(ctx.tmp) - before:
                assert p == w.meta or p.startswith(w.maildir + os.sep) or \
                    p.startswith(w.meta + os.sep), "written outside: %r" % p
            assert not [n for n in os.listdir(os.path.dirname(w.root))
                        if n.startswith("up")]
            found = {}
            for root, _dirs, files in os.walk(w.maildir):
                for n in files:
                    with open(os.path.join(root, n), "rb") as f:
                        found[msgno(f.read())] = root
                rel = os.path.relpath(root, w.maildir)
                assert not any(ord(c) < 0x20 or ord(c) == 0x7f
                               for c in rel), "raw control character " \
                    "in %r" % rel
            assert sorted(found) == [1] + [100 + i
                                           for i in range(len(names))], \
                (found, out, err)
            st, out, err = w.sync(expect=None)
            assert not changes(out), changes(out)
    finally:
        srv.close()
