# SPDX-License-Identifier: GPL-2.0-or-later
"""The two-way sync against the harness Dovecot: first sync, no-op resync,
changes on either side, the outcome-table fixes of SPEC 9, validity."""

import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import World, make_message, strip_tracking  # noqa: E402


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
    # With the override, the user's wish is done.
    cfg = open(w.config).read().replace(
        "[Account T]\n", "[Account T]\nallow_mass_delete = yes\n")
    open(w.config, "w").write(cfg)
    w.sync()
    assert w.server("INBOX") == {}


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
