# SPDX-License-Identifier: GPL-2.0-or-later
"""The outcome tables of SPEC 4.8, with the fixes of SPEC 9, as declarative
scenarios against the harness Dovecot: each gives the start state of the
local Maildir (L), the status (S) and the server (R) and the expected end
state of all three, and is then run once more, which must change nothing.
Also: uploads with and without UIDPLUS, the \\Deleted/EXPUNGE rules of
4.10, and flag changes on more than 101 messages at once."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import (World, changes, make_message,  # noqa: E402
                       strip_tracking)
import dovecot  # noqa: E402

# Message 0 is synced and unchanged on all three sides in every scenario
# with a status, so that the mass-deletion guard (SPEC 9 row 7) never
# mistakes a scenario's deletion for an emptied folder.
ANCHOR = {0: "S"}


class Scenario:
    """start: L, S, R as {n: letters} (message n is make_message(n));
    S None = no status file (first sync).  Positive-UID local files get
    the UID the server gave message n (messages absent from R are
    appended and expunged, so their UID exists nowhere).  Lnew: local
    files without a UID; Lforeign: files with a UID and another folder's
    FMD5; Lnofmd5: files with ",U=" but no FMD5.
    expect: the state after each run, {"L":, "S":, "R":} ({n: letters});
    after the last one, one more run must report no change at all.
    quiet: the first run itself must report no change."""

    def __init__(self, ident, title, L=None, S=None, R=None, Lnew=None,
                 Lforeign=None, Lnofmd5=None, expect=(), remote_opts="",
                 anchor=True, quiet=False):
        self.ident, self.title = ident, title
        anchor = ANCHOR if anchor else {}

        def plus(d):
            return {**anchor, **(d or {})}
        self.L = plus(L)
        self.S = None if S is None else plus(S)
        self.R = plus(R)
        self.Lnew = Lnew or {}
        self.Lforeign = Lforeign or {}
        self.Lnofmd5 = Lnofmd5 or {}
        self.expect = [{k: plus(v) for k, v in e.items()} for e in expect]
        self.remote_opts = remote_opts
        self.quiet = quiet


def state(L, S, R):
    return {"L": L, "S": S, "R": R}


SCENARIOS = [
    # ---- the status existed (SPEC 4.8, first table) --------------------
    Scenario("lsr_unchanged", "L S R, nothing changed: nothing to do",
             L={1: "S", 2: ""}, S={1: "S", 2: ""}, R={1: "S", 2: ""},
             expect=[state({1: "S", 2: ""}, {1: "S", 2: ""},
                           {1: "S", 2: ""})], quiet=True),
    Scenario("lsr_merge_letters",
             "L S R: a letter added locally and another on the server: "
             "both kept",
             L={1: "S"}, S={1: ""}, R={1: "F"},
             expect=[state({1: "FS"}, {1: "FS"}, {1: "FS"})]),
    Scenario("lsr_merge_add_remove",
             "L S R: a letter removed locally, another added on the "
             "server",
             L={1: "S"}, S={1: "FS"}, R={1: "FRS"},
             expect=[state({1: "RS"}, {1: "RS"}, {1: "RS"})]),
    Scenario("lsr_same_change",
             "L S R: the same letter added on both sides",
             L={1: "FS"}, S={1: "S"}, R={1: "FS"},
             expect=[state({1: "FS"}, {1: "FS"}, {1: "FS"})]),
    Scenario("lsr_server_flags",
             "L S R: only the server changed: L copies R",
             L={1: "S", 2: "FS"}, S={1: "S", 2: "FS"},
             R={1: "DRS", 2: ""},
             expect=[state({1: "DRS", 2: ""}, {1: "DRS", 2: ""},
                           {1: "DRS", 2: ""})]),
    Scenario("lsr_local_flags",
             "L S R: only L changed (one message lost every letter): R "
             "copies L",
             L={1: "", 2: "DFRS"}, S={1: "FS", 2: ""}, R={1: "FS", 2: ""},
             expect=[state({1: "", 2: "DFRS"}, {1: "", 2: "DFRS"},
                           {1: "", 2: "DFRS"})]),
    Scenario("ls_deleted_on_server",
             "L S -: deleted on the server: deleted locally and from S",
             L={1: "S", 2: ""}, S={1: "S", 2: ""}, R={},
             expect=[state({}, {}, {})]),
    Scenario("sr_deleted_locally",
             "- S R: deleted locally: deleted on the server and from S",
             L={}, S={1: "S", 2: "F"}, R={1: "S", 2: "F"},
             expect=[state({}, {}, {})]),
    Scenario("lr_status_lost",
             "L - R: the status lost the record: adopted with the "
             "server's flags, never uploaded again (SPEC 9 row 6)",
             L={1: "S"}, S={}, R={1: "FS"},
             expect=[state({1: "FS"}, {1: "FS"}, {1: "FS"})]),
    Scenario("l_unknown_uid",
             "L - -: a UID neither the status nor the server knows is "
             "uploaded, not deleted (SPEC 9 row 11)",
             L={1: "S", 2: ""}, S={}, R={},
             expect=[state({1: "S", 2: ""}, {1: "S", 2: ""},
                           {1: "S", 2: ""})]),
    Scenario("s_only", "- S -: removed from the status",
             L={}, S={1: "S"}, R={},
             expect=[state({}, {}, {})]),
    Scenario("r_only", "- - R: downloaded with the server's flags",
             L={}, S={}, R={1: "FS", 2: "", 3: "RS"},
             expect=[state({1: "FS", 2: "", 3: "RS"},
                           {1: "FS", 2: "", 3: "RS"},
                           {1: "FS", 2: "", 3: "RS"})]),
    Scenario("new_local", "negative UID in L: uploaded (SPEC 4.6)",
             Lnew={1: "S", 2: "", 3: "DF"}, S={},
             expect=[state({1: "S", 2: "", 3: "DF"},
                           {1: "S", 2: "", 3: "DF"},
                           {1: "S", 2: "", 3: "DF"})]),
    Scenario("moved_in", "a file with another folder's FMD5 (moved in by "
             "the mail reader) is uploaded into this folder",
             Lforeign={1: "S"}, S={},
             expect=[state({1: "S"}, {1: "S"}, {1: "S"})]),
    Scenario("conflict_server_deletion",
             "conflict: a server deletion beats a local flag change",
             L={1: "FS"}, S={1: "S"}, R={},
             expect=[state({}, {}, {})]),
    Scenario("conflict_local_deletion",
             "conflict: a local deletion beats a server flag change",
             L={}, S={1: "S"}, R={1: "FRS"},
             expect=[state({}, {}, {})]),
    Scenario("trash_local",
             "T set locally: \\Deleted on the server, not expunged by "
             "itself (SPEC 4.10)",
             L={1: "ST"}, S={1: "S"}, R={1: "S"},
             expect=[state({1: "ST"}, {1: "ST"}, {1: "ST"})]),
    Scenario("trash_server",
             "\\Deleted set on the server for a synced message: T locally",
             L={1: "S"}, S={1: "S"}, R={1: "ST"},
             expect=[state({1: "ST"}, {1: "ST"}, {1: "ST"})]),
    Scenario("deleted_unknown_server",
             "a server message already marked \\Deleted that L and S do "
             "not know is not downloaded",
             L={}, S={}, R={1: "T", 2: "ST"},
             expect=[state({}, {}, {1: "T", 2: "ST"})], quiet=True),
    Scenario("expunge_no",
             "expunge = no: a local deletion only marks the server copy "
             "\\Deleted, and it does not come back",
             L={}, S={1: "S"}, R={1: "S"}, remote_opts="expunge = no\n",
             expect=[state({}, {}, {1: "ST"})]),

    # ---- no status: first sync of the folder (second table) ------------
    Scenario("first_lr", "first sync, L and R: L takes R's flags",
             L={1: "S", 2: "F"}, R={1: "FR", 2: "F"}, anchor=False,
             expect=[state({1: "FR", 2: "F"}, {1: "FR", 2: "F"},
                           {1: "FR", 2: "F"})]),
    Scenario("first_l_positive",
             "first sync, a positive UID the server does not have: left "
             "alone, uploaded by the next sync (SPEC 9 row 11)",
             L={1: "S"}, R={2: ""}, anchor=False,
             expect=[state({1: "S", 2: ""}, {2: ""}, {2: ""}),
                     state({1: "S", 2: ""}, {1: "S", 2: ""},
                           {1: "S", 2: ""})]),
    Scenario("first_r", "first sync, R only: downloaded",
             R={1: "S", 2: "", 3: "DFRS"}, anchor=False,
             expect=[state({1: "S", 2: "", 3: "DFRS"},
                           {1: "S", 2: "", 3: "DFRS"},
                           {1: "S", 2: "", 3: "DFRS"})]),
    Scenario("first_new_local",
             "first sync, a message without UID: left alone, uploaded by "
             "the next sync; an empty folder still gets its status file",
             Lnew={1: "F"}, anchor=False,
             expect=[state({1: "F"}, {}, {}),
                     state({1: "F"}, {1: "F"}, {1: "F"})]),
    Scenario("first_preexisting",
             "first sync over existing files: with this folder's U= and "
             "FMD5 adopted; without FMD5, or with another folder's, "
             "uploaded by the next sync",
             L={1: "S"}, R={1: "RS"}, Lnofmd5={2: ""}, Lforeign={3: "S"},
             anchor=False,
             expect=[state({1: "RS", 2: "", 3: "S"}, {1: "RS"}, {1: "RS"}),
                     state({1: "RS", 2: "", 3: "S"},
                           {1: "RS", 2: "", 3: "S"},
                           {1: "RS", 2: "", 3: "S"})]),
]


def setup(w, sc):
    """Build the start state; returns {n: server UID}."""
    return w.build("INBOX", L=sc.L, S=sc.S, R=sc.R, Lnew=sc.Lnew,
                   Lforeign=sc.Lforeign, Lnofmd5=sc.Lnofmd5)


def observe(w, label):
    """{"L":, "S":, "R":} as {n: letters}, checking on the way that no
    message is duplicated on either side and that every UID the local
    side and the status hold is the server's UID for that message."""
    server = w.server_by_no()
    local = w.local_by_no()
    ns = [n for n, _u, _l in server]
    assert len(ns) == len(set(ns)), "%s: duplicate on the server: %r" % (
        label, server)
    nl = [n for n, _u, _l in local]
    assert len(nl) == len(set(nl)), "%s: duplicate locally: %r" % (
        label, local)
    uid_on_server = {n: uid for n, uid, _l in server}
    n_of_uid = {uid: n for n, uid, _l in server}
    for n, uid, _l in local:
        if uid is not None and n in uid_on_server:
            assert uid == uid_on_server[n], \
                "%s: local message %d has UID %d, the server's is %d" % (
                    label, n, uid, uid_on_server[n])
    status = w.status()
    S = None
    if status is not None:
        S = {}
        for uid, letters in status.items():
            assert uid in n_of_uid, "%s: status UID %d is not on the " \
                "server (%r)" % (label, uid, server)
            S[n_of_uid[uid]] = letters
    return {"L": {n: l for n, _u, l in local}, "S": S,
            "R": {n: l for n, _u, l in server}}


def run_scenario(ctx, sc, dv=None):
    w = World(ctx, extra_remote=sc.remote_opts, dovecot=dv)
    setup(w, sc)
    for i, want in enumerate(sc.expect):
        st, out, err = w.sync()
        if i == 0 and sc.quiet:
            assert not changes(out), "first run changed something:\n" + \
                "\n".join(changes(out))
        got = observe(w, "run %d" % (i + 1))
        assert got == want, "%s\nafter run %d:\n got  %r\n want %r\n%s" % (
            sc.title, i + 1, got, want, out)
    st, out, err = w.sync()
    assert not changes(out), "%s: the run after the last expected state " \
        "changed something:\n%s" % (sc.title, "\n".join(changes(out)))
    got = observe(w, "the final run")
    assert got == sc.expect[-1], "%s\nafter the final run:\n got  %r\n " \
        "want %r" % (sc.title, got, sc.expect[-1])
    return w


def _make_test(sc):
    def test(ctx):
        run_scenario(ctx, sc)
    test.__name__ = "test_table_" + sc.ident
    test.__doc__ = sc.title
    return test


for _sc in SCENARIOS:
    globals()["test_table_" + _sc.ident] = _make_test(_sc)
del _sc


# ---- uploads (SPEC 4.6, 6.9) --------------------------------------------

def check_upload(ctx, dv):
    w = World(ctx, dovecot=dv)
    w.put("INBOX", [make_message(1)])
    w.sync()
    names = [w.deliver_local("INBOX", make_message(n), letters=l)
             for n, l in ((2, "S"), (3, ""), (4, "FR"))]
    st, out, err = w.sync("-d", "imap")
    server = w.server_by_no()
    assert [(n, l) for n, _u, l in server] == \
        [(1, ""), (2, "S"), (3, ""), (4, "FR")], server
    # Re-filed under the server's UID; the originals are gone.
    local = w.local_by_no()
    assert [(n, u, l) for n, u, l in local] == \
        [(n, u, l) for n, u, l in server], (local, server)
    files = [name for _sub, name in w.local_files("INBOX")]
    assert not set(names) & set(files), files
    # The server copy is the local body plus the tracking header.
    for uid, (letters, body) in w.server().items():
        if b"msg1@" not in body:
            assert re.search(rb"\r\nX-OfflineIMAP: \S+\r\n", body), body
            n = int(re.search(rb"msg(\d+)@", body).group(1))
            assert strip_tracking(body) == make_message(n)
    st2, out2, _ = w.sync()
    assert not changes(out2), changes(out2)
    assert len(w.server()) == 4
    return out


def test_upload_with_uidplus(ctx):
    out = check_upload(ctx, None)
    assert "APPENDUID" in out, "the harness server should offer UIDPLUS"
    assert not re.search(r"UID SEARCH HEADER", out), out


def test_upload_without_uidplus(ctx):
    """The UID is learned by UID SEARCH HEADER X-OfflineIMAP <token>."""
    dv = dovecot.Dovecot.shared(uidplus=False)
    out = check_upload(ctx, dv)
    assert re.search(r"UID SEARCH HEADER X-OfflineIMAP", out), out


def test_scenarios_without_uidplus(ctx):
    """The upload rows of the table against a server without UIDPLUS."""
    dv = dovecot.Dovecot.shared(uidplus=False)
    for sc in SCENARIOS:
        if sc.ident in ("new_local", "l_unknown_uid", "moved_in",
                        "first_new_local", "first_preexisting"):
            run_scenario(ctx, sc, dv)


# ---- \Deleted and EXPUNGE (SPEC 4.10) ------------------------------------

def test_trashed_message_goes_with_the_next_expunge(ctx):
    """A message trashed in the mail reader (T) is only marked \\Deleted;
    the next EXPUNGE this program issues in the folder (for a local
    deletion) removes it from the server as well, and the sync after that
    deletes it locally."""
    w = World(ctx)
    a, b, c = w.put("INBOX", [make_message(n) for n in (1, 2, 3)])
    w.sync()
    w.set_local_flags("INBOX", a, "ST")
    w.sync()
    assert w.server()[a][0] == "ST"
    st, out, err = w.sync()
    assert not changes(out), changes(out)
    assert a in w.server()
    os.unlink(w.find_file("INBOX", b))
    w.sync()
    assert sorted(w.server()) == [c], w.server()
    w.sync()
    assert sorted(w.local()) == [c]
    assert sorted(w.status()) == [c]
    st, out, err = w.sync()
    assert not changes(out), changes(out)


def test_expunge_no_keeps_deleted_messages_on_the_server(ctx):
    w = World(ctx, extra_remote="expunge = no\n")
    a, b = w.put("INBOX", [make_message(1), make_message(2)])
    w.sync()
    os.unlink(w.find_file("INBOX", a))
    w.set_local_flags("INBOX", b, "ST")
    w.sync()
    server = w.server()
    assert server[a][0] == "T" and server[b][0] == "ST", server
    assert sorted(w.local()) == [b]
    for _ in range(2):
        st, out, err = w.sync()
        assert not changes(out), changes(out)
    assert sorted(w.server()) == [a, b]
    assert sorted(w.local()) == [b]


# ---- STORE on many messages (SPEC 6.10, 9 row 9) --------------------------

def test_flags_on_more_than_101_messages(ctx):
    """130 non-contiguous UIDs gain a flag on each side in one run."""
    w = World(ctx)
    uids = w.put("INBOX", [make_message(n) for n in range(260)])
    w.sync()
    evens, odds = uids[0::2], uids[1::2]
    for uid in evens:
        w.set_local_flags("INBOX", uid, "F")
    with w.imap() as m:
        m.set_flags("INBOX", odds, ["\\Answered"])
    st, out, err = w.sync("-d", "imap")
    server = w.server()
    local = w.local()
    assert all(server[u][0] == "F" for u in evens), server
    assert all(server[u][0] == "R" for u in odds)
    assert {u: f for u, (f, _b) in server.items()} == \
        {u: f for u, (f, _b) in local.items()}
    assert w.status() == {u: f for u, (f, _b) in local.items()}
    stores = re.findall(r"UID STORE (\S+) \+FLAGS", out)
    assert stores and sum(len(s.split(",")) for s in stores) == 130, stores
    st, out, err = w.sync()
    assert not changes(out), changes(out)


# ---- read-only server folders (SPEC 4.7, 9 row 4) -------------------------

def test_read_only_folder_keeps_local_data(ctx):
    dv = dovecot.Dovecot.shared(acl=True)
    w = World(ctx, dovecot=dv)
    w.build("RO", R={1: "S", 2: "S", 3: ""})
    w.sync()
    dv.set_read_only(w.user, "RO")
    uids = {n: u for n, u, _l in w.server_by_no("RO")}
    os.unlink(w.find_file("RO", uids[2]))          # local deletion
    w.set_local_flags("RO", uids[3], "F")          # local flag change
    name = w.deliver_local("RO", make_message(4))  # new local message
    st, out, err = w.sync()
    text = out + err
    for what in ("not be copied", "no flags", "no messages have been deleted"):
        assert re.search(r"WARNING: .*read-only.*" + what, text, re.I |
                         re.S), (what, text)
    # The server is unchanged; the local deletion and flag change are
    # undone from the server; the new message stays, untouched and
    # unrecorded, until the folder can be written.
    assert [(n, l) for n, _u, l in w.server_by_no("RO")] == \
        [(1, "S"), (2, "S"), (3, "")]
    assert [(n, l) for n, _u, l in w.local_by_no("RO")] == \
        [(1, "S"), (2, "S"), (3, ""), (4, "")]
    assert name in [n for _s, n in w.local_files("RO")]
    assert sorted(w.status("RO")) == sorted(uids.values())
    st, out, err = w.sync()
    assert not changes(out), changes(out)
    # ignore-readonly silences the warnings.
    cfg = open(w.config).read().replace(
        "[general]\n", "[general]\nignore-readonly = yes\n")
    open(w.config, "w").write(cfg)
    st, out, err = w.sync()
    assert "read-only" not in (out + err).lower(), out + err
    # Writable again: the new message is uploaded.
    dv.set_read_only(w.user, "RO", False)
    w.sync()
    assert [(n, l) for n, _u, l in w.server_by_no("RO")] == \
        [(1, "S"), (2, "S"), (3, ""), (4, "")]
    st, out, err = w.sync()
    assert not changes(out), changes(out)
