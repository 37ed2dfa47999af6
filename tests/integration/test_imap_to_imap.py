# SPDX-License-Identifier: GPL-2.0-or-later
"""IMAP-to-IMAP sync (SPEC 4.9, 5.4): two users of the harness Dovecot, one
as the local repository and one as the remote; first sync, changes on
either side, a no-op resync, the UIDMapping file, and a crash after every
durable step."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dovecot  # noqa: E402  (tests/harness is on the path of run.py)
from syncworld import FLAG_LETTER, make_message, strip_tracking  # noqa: E402

MAPPING_LINE = re.compile(r"[1-9][0-9]*:[1-9][0-9]*\n")


class ImapWorld:
    """Local user A (repository L, type IMAP) and remote user B
    (repository R), a metadata directory and the config tying them
    together.  `users` reuses two users (see reset()); `dv` is the server
    of both (default: the run's shared one)."""

    count = 0

    def __init__(self, ctx, users=None, extra_local="", extra_remote="",
                 dv=None):
        self.ctx = ctx
        self.dv = dv or ctx.dovecot
        if users:
            (self.luser, self.lpass), (self.ruser, self.rpass) = users
        else:
            self.luser, self.lpass = self.dv.add_user()
            self.ruser, self.rpass = self.dv.add_user()
        ImapWorld.count += 1
        self.root = os.path.join(ctx.tmp, "i2i%d" % ImapWorld.count)
        self.meta = os.path.join(self.root, "meta")
        os.makedirs(self.root, exist_ok=True)
        dv = self.dv
        repo = ("type = IMAP\nremotehost = 127.0.0.1\nremoteport = %d\n"
                "ssl = yes\nsslcacertfile = %s\n"
                % (dv.imaps_port, dv.ca_cert))
        self.config = ctx.write_config(
            name="i2i%d.rc" % ImapWorld.count, text=(
                "[general]\naccounts = T\nmetadata = %s\n\n"
                "[Account T]\nlocalrepository = L\n"
                "remoterepository = R\n\n"
                "[Repository L]\n%sremoteuser = %s\nremotepass = %s\n%s\n"
                "[Repository R]\n%sremoteuser = %s\nremotepass = %s\n%s\n"
                % (self.meta, repo, self.luser, self.lpass, extra_local,
                   repo, self.ruser, self.rpass, extra_remote)))

    def users(self):
        return ((self.luser, self.lpass), (self.ruser, self.rpass))

    def reset(self):
        """Empty both mailboxes (every folder but INBOX deleted) so that
        the users can serve another world."""
        for user in (self.luser, self.ruser):
            with self.dv.imap(user) as m:
                for folder in sorted(m.list_folders(selectable_only=False),
                                     key=len, reverse=True):
                    if folder != "INBOX":
                        m.delete(folder)
                uids = m.uids("INBOX")
                if uids:
                    m.delete_messages("INBOX", uids)
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- running -------------------------------------------------------

    def sync(self, *args, env=None, expect=0, timeout=120):
        st, out, err = self.ctx.run(["-c", self.config, "-u", "basic"] +
                                    list(args), env=env, timeout=timeout)
        if expect is not None:
            assert st == expect, "exit %d, expected %d\n%s\n%s" % (
                st, expect, out, err)
        return st, out, err

    # ---- the two servers -----------------------------------------------

    def user(self, side):
        return self.luser if side == "local" else self.ruser

    def imap(self, side):
        return self.dv.imap(self.user(side))

    def msgs(self, side, folder="INBOX"):
        """{uid: (letters, body)}."""
        with self.imap(side) as m:
            if folder not in m.list_folders():
                return {}
            return {uid: ("".join(sorted(FLAG_LETTER[f] for f in flags
                                         if f in FLAG_LETTER)), body)
                    for uid, (flags, body, _date)
                    in m.fetch_all(folder).items()}

    def dates(self, side, folder="INBOX"):
        """{uid: INTERNALDATE}."""
        with self.imap(side) as m:
            return {uid: date for uid, (_f, _b, date)
                    in m.fetch_all(folder).items()}

    def content(self, side, folder="INBOX"):
        """Sorted [(letters, body without tracking headers)]."""
        return sorted((f, strip_tracking(b))
                      for f, b in self.msgs(side, folder).values())

    def folders(self, side):
        with self.imap(side) as m:
            return m.list_folders()

    def put(self, side, folder, bodies, flags=(), date=None):
        with self.imap(side) as m:
            if folder != "INBOX" and folder not in m.list_folders():
                m.create(folder)
            return [m.append(folder, b, flags=flags, date=date)
                    for b in bodies]

    def set_flags(self, side, folder, uids, flags, mode="+"):
        with self.imap(side) as m:
            m.set_flags(folder, uids, flags, mode)

    def delete(self, side, folder, uids):
        with self.imap(side) as m:
            m.delete_messages(folder, uids)

    def uidvalidity(self, side, folder):
        with self.imap(side) as m:
            return m.uidvalidity(folder)

    # ---- metadata ------------------------------------------------------

    def mapping_path(self, base="INBOX"):
        return os.path.join(self.meta, "Repository-L", "UIDMapping", base)

    def mapping_text(self, base="INBOX"):
        with open(self.mapping_path(base)) as f:
            return f.read()

    def mapping(self, base="INBOX"):
        """{local uid: remote uid}, checking the format of every line."""
        text = self.mapping_text(base)
        pairs = {}
        pos = 0
        while pos < len(text):
            m = MAPPING_LINE.match(text, pos)
            assert m, "bad mapping line at %d: %r" % (pos, text[pos:])
            local, remote = (int(x) for x in m.group(0).split(":"))
            assert local not in pairs, text
            assert remote not in pairs.values(), text
            pairs[local] = remote
            pos = m.end()
        return pairs

    def local_uid(self, remote, base="INBOX"):
        for local, r in self.mapping(base).items():
            if r == remote:
                return local
        raise AssertionError("remote UID %d is not mapped" % remote)

    def validity(self, repo, base):
        with open(os.path.join(self.meta, "Repository-" + repo,
                               "FolderValidity", base)) as f:
            return int(f.read().strip())

    def check_pairs(self, folder="INBOX", base=None):
        """Every pair joins two copies of one message with equal flags,
        and every message of both sides is paired."""
        local = self.msgs("local", folder)
        remote = self.msgs("remote", folder)
        pairs = self.mapping(base or folder)
        assert sorted(pairs) == sorted(local), (pairs, sorted(local))
        assert sorted(pairs.values()) == sorted(remote), \
            (pairs, sorted(remote))
        for lu, ru in pairs.items():
            lf, lb = local[lu]
            rf, rb = remote[ru]
            assert strip_tracking(lb) == strip_tracking(rb), (lu, ru)
            assert lf == rf, (lu, ru, lf, rf)


def assert_same(w, folder="INBOX"):
    local, remote = w.content("local", folder), w.content("remote", folder)
    assert local == remote, "%s:\nlocal  %r\nremote %r" % (folder, local,
                                                            remote)


def test_imap_to_imap_first_sync_copies_everything(ctx):
    w = ImapWorld(ctx)
    w.put("remote", "INBOX", [make_message(1), make_message(2)])
    w.put("remote", "INBOX", [make_message(3)],
          flags=("\\Seen", "\\Answered"), date=1262347200)
    w.put("remote", "Work", [make_message(4)], flags=("\\Flagged",))
    w.put("remote", "Work/Sub", [make_message(5), make_message(6)],
          flags=("\\Draft",))
    w.sync()
    assert w.folders("local") == w.folders("remote") == \
        ["INBOX", "Work", "Work/Sub"], w.folders("local")
    for folder, base in (("INBOX", "INBOX"), ("Work", "Work"),
                         ("Work/Sub", "Work.Sub")):
        assert_same(w, folder)
        w.check_pairs(folder, base)
        assert w.validity("L", base) == w.uidvalidity("local", folder)
        assert w.validity("R", base) == w.uidvalidity("remote", folder)
    assert len(w.msgs("local", "INBOX")) == 3
    # The local copies keep the server's INTERNALDATE.
    ldates, rdates = w.dates("local"), w.dates("remote")
    for lu, ru in w.mapping().items():
        assert ldates[lu] == rdates[ru], (ldates[lu], rdates[ru])
    assert sorted(int(d.timestamp()) for d in ldates.values())[0] == \
        1262347200
    assert sorted(f for f, _b in w.msgs("local", "INBOX").values()) == \
        ["", "", "RS"]
    # SPEC 5.4: "<localuid>:<remoteuid>\n" lines and nothing else; no
    # journal or temporary file left behind.
    text = w.mapping_text("INBOX")
    assert re.fullmatch(r"([1-9][0-9]*:[1-9][0-9]*\n){3}", text), text
    mapdir = os.path.dirname(w.mapping_path())
    assert sorted(os.listdir(mapdir)) == ["INBOX", "Work", "Work.Sub"], \
        os.listdir(mapdir)
    # Local copies carry the tracking header of their APPEND.
    for _f, body in w.msgs("local", "INBOX").values():
        assert re.search(rb"X-OfflineIMAP: oim-[0-9a-f]{32}\r\n", body)


def test_imap_to_imap_second_run_changes_nothing(ctx):
    w = ImapWorld(ctx)
    w.put("remote", "INBOX", [make_message(i) for i in range(4)])
    w.put("remote", "Work", [make_message(9)], flags=("\\Seen",))
    w.sync()
    before = (w.msgs("local"), w.msgs("remote"), w.mapping_text(),
              w.msgs("local", "Work"), w.msgs("remote", "Work"))
    mtime = os.stat(w.mapping_path()).st_mtime_ns
    st, out, err = w.sync("-d", "imap")
    assert "Copy message" not in out, out
    assert "BODY.PEEK[]" not in out, "a body was fetched on a no-op resync"
    assert not re.search(r"> \S+ APPEND ", out), out
    assert not re.search(r"> \S+ UID STORE ", out), out
    after = (w.msgs("local"), w.msgs("remote"), w.mapping_text(),
             w.msgs("local", "Work"), w.msgs("remote", "Work"))
    assert after == before
    assert os.stat(w.mapping_path()).st_mtime_ns == mtime


def test_imap_to_imap_new_messages_travel_once(ctx):
    w = ImapWorld(ctx)
    w.put("remote", "INBOX", [make_message(1)])
    w.sync()
    remote_new = make_message(2, subject="Arrived on the server")
    local_new = make_message(3, subject="Written on the local server")
    w.put("remote", "INBOX", [remote_new])
    (orig,) = w.put("local", "INBOX", [local_new], flags=("\\Seen",))
    st, out, err = w.sync()
    assert_same(w)
    for side in ("local", "remote"):
        bodies = [b for _f, b in w.content(side)]
        assert bodies.count(remote_new) == 1, (side, bodies)
        assert bodies.count(local_new) == 1, (side, bodies)
        assert len(bodies) == 3, (side, bodies)
    # The upload kept its flag; the original local message was re-filed
    # under the server's UID (SPEC 4.9) and is gone.
    assert ("S", local_new) in w.content("remote")
    assert orig not in w.msgs("local")
    w.check_pairs()
    st, out, err = w.sync()
    assert "Copy message" not in out, out
    assert len(w.msgs("local")) == len(w.msgs("remote")) == 3
    w.check_pairs()


def test_imap_to_imap_flag_changes_travel_both_ways(ctx):
    w = ImapWorld(ctx)
    uids = w.put("remote", "INBOX", [make_message(i) for i in range(4)])
    w.sync()
    l0, l3 = w.local_uid(uids[0]), w.local_uid(uids[3])
    w.set_flags("local", "INBOX", [l0], ["\\Flagged", "\\Seen"])
    w.set_flags("remote", "INBOX", [uids[1]], ["\\Answered"])
    w.set_flags("remote", "INBOX", [uids[2]], ["\\Seen", "\\Draft"])
    w.sync()
    remote = w.msgs("remote")
    assert remote[uids[0]][0] == "FS", remote
    assert remote[uids[1]][0] == "R", remote
    # Removals travel too.
    w.set_flags("local", "INBOX", [l0], ["\\Seen"], mode="-")
    w.set_flags("remote", "INBOX", [uids[2]], ["\\Draft"], mode="-")
    w.set_flags("local", "INBOX", [l3], ["\\Answered"])
    w.sync()
    local = w.msgs("local")
    remote = w.msgs("remote")
    assert remote[uids[0]][0] == "F", remote
    assert local[w.local_uid(uids[2])][0] == "S", local
    assert remote[uids[3]][0] == "R", remote
    w.check_pairs()
    st, out, err = w.sync("-d", "imap")
    assert not re.search(r"> \S+ UID STORE ", out), out


def test_imap_to_imap_deletions_travel_both_ways(ctx):
    w = ImapWorld(ctx)
    uids = w.put("remote", "INBOX", [make_message(i) for i in range(5)])
    w.sync()
    gone_local = w.local_uid(uids[0])
    w.delete("local", "INBOX", [gone_local])
    w.delete("remote", "INBOX", [uids[1]])
    w.sync()
    assert sorted(w.msgs("remote")) == uids[2:]
    assert len(w.msgs("local")) == 3
    assert_same(w)
    w.check_pairs()
    assert gone_local not in w.mapping()
    assert uids[1] not in w.mapping().values()
    # \Deleted locally (a mail reader's trash) reaches the server as
    # \Deleted; the server's next EXPUNGE (issued for another deletion,
    # SPEC 4.10) removes it there, and the sync after that locally.
    w.set_flags("local", "INBOX", [w.local_uid(uids[2])], ["\\Deleted"])
    w.sync()
    assert w.msgs("remote")[uids[2]][0] == "T"
    w.check_pairs()
    w.delete("local", "INBOX", [w.local_uid(uids[3])])
    w.sync()
    assert sorted(w.msgs("remote")) == uids[4:]
    w.sync()
    assert len(w.msgs("local")) == 1
    assert_same(w)
    w.check_pairs()


def test_imap_to_imap_expunge_off_keeps_deleted_copies_quiet(ctx):
    # With expunge = no on the local side, re-filed originals and deleted
    # copies stay on the local server flagged \Deleted; they must never be
    # taken for new local messages and uploaded.
    w = ImapWorld(ctx, extra_local="expunge = no\n")
    uids = w.put("remote", "INBOX", [make_message(i) for i in range(3)])
    w.sync()
    w.put("local", "INBOX", [make_message(7, subject="local only")])
    w.delete("remote", "INBOX", [uids[0]])
    w.sync()
    w.sync()
    st, out, err = w.sync()
    assert "Copy message" not in out, out
    remote = w.content("remote")
    assert len(remote) == 3, remote
    assert [b for _f, b in remote].count(
        make_message(7, subject="local only")) == 1
    live = sorted((f, strip_tracking(b)) for f, b in
                  w.msgs("local").values() if "T" not in f)
    assert live == remote


def test_imap_to_imap_lost_mapping_entries_are_dropped(ctx):
    # A pair whose local UID does not exist (a mapping edited by hand, or
    # a "-" record lost with a crash) is dropped when the folder is
    # listed, and the mapping file rewritten without it.
    w = ImapWorld(ctx)
    uids = w.put("remote", "INBOX", [make_message(i) for i in range(3)])
    w.sync()
    pairs = w.mapping()
    with open(w.mapping_path(), "a") as f:
        f.write("999999:424242\n")
    w.sync()
    assert w.mapping() == pairs
    assert sorted(w.msgs("remote")) == uids
    w.check_pairs()


def crash_after_every_step(ctx, dv=None):
    """Kill the program after each durable step of a sync that copies
    both ways, deletes on both sides and changes flags on both sides; a
    normal run afterwards must end in the uninterrupted run's state, with
    every message paired exactly once."""
    def scenario(w):
        uids = w.put("remote", "INBOX", [make_message(i) for i in range(4)])
        w.sync()
        w.put("remote", "INBOX", [make_message(10), make_message(11)])
        w.put("local", "INBOX", [make_message(20, subject="local one")])
        w.put("local", "INBOX", [make_message(21, subject="local two")],
              flags=("\\Seen",))
        w.delete("local", "INBOX", [w.local_uid(uids[0])])
        w.delete("remote", "INBOX", [uids[3]])
        w.set_flags("local", "INBOX", [w.local_uid(uids[1])], ["\\Flagged"])
        w.set_flags("remote", "INBOX", [uids[2]], ["\\Seen"])

    def outcome(w):
        return w.content("remote"), w.content("local")

    ref = ImapWorld(ctx, dv=dv)
    scenario(ref)
    st, out, err = ref.sync(env={"OFFLINEIMAP_TEST_COUNT_STEPS": "1"})
    steps = int(err.split("test: ")[1].split()[0])
    assert steps > 10, err
    expected = outcome(ref)
    assert expected[0] == expected[1]
    assert len(expected[0]) == 6, expected[0]
    ref.check_pairs()
    users = ref.users()
    ref.reset()

    kinds = set()
    for n in range(1, steps + 1):
        w = ImapWorld(ctx, users=users, dv=dv)
        scenario(w)
        st, out, err = w.sync(env={"OFFLINEIMAP_TEST_CRASH_AFTER": str(n)},
                              expect=None)
        m = re.search(r"crash injected after step %d \((.*)\)" % n, err)
        assert m, "no crash at step %d:\n%s" % (n, err)
        kinds.add(m.group(1))
        w.sync()
        w.sync()
        got = outcome(w)
        assert got == expected, "crash after step %d:\n%r\n%r\n%s" % (
            n, got, expected, err)
        w.check_pairs()
        w.reset()
    # Every kind of step of the mapping was interrupted at least once.
    for kind in ("IMAP APPEND", "UIDMapping journal record",
                 "UIDMapping journal removed", "rename"):
        assert kind in kinds, sorted(kinds)


def test_imap_to_imap_crash_after_every_step_loses_nothing(ctx):
    crash_after_every_step(ctx)


def test_imap_to_imap_without_uidplus(ctx):
    """Both servers without UIDPLUS: every APPEND's UID is learnt by UID
    SEARCH for its tracking header, on the local side too."""
    dv = dovecot.Dovecot.shared(uidplus=False)
    w = ImapWorld(ctx, dv=dv)
    w.put("remote", "INBOX", [make_message(1), make_message(2)],
          flags=("\\Seen",))
    w.sync()
    assert_same(w)
    w.check_pairs()
    w.put("local", "INBOX", [make_message(3, subject="local")])
    st, out, err = w.sync("-d", "imap")
    search = r'UID SEARCH HEADER "?X-OfflineIMAP"? "?%s-[0-9a-f]{32}'
    assert re.search(search % "oim", out), out      # the local side
    assert re.search(search % "oi", out), out       # the remote side
    assert len(w.msgs("remote")) == len(w.msgs("local")) == 3
    assert_same(w)
    w.check_pairs()
    st, out, err = w.sync()
    assert "Copy message" not in out, out


def test_imap_to_imap_crash_without_uidplus(ctx):
    crash_after_every_step(ctx, dovecot.Dovecot.shared(uidplus=False))
