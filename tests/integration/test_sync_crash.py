# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash safety by brute force (issue 4, STYLE section 9): for several small
sync scenarios, kill the program with SIGKILL right after its Nth durable
step (OFFLINEIMAP_TEST_CRASH_AFTER=N, for every N up to the step count of an
uninterrupted run, OFFLINEIMAP_TEST_COUNT_STEPS=1), then run it normally
twice: message bodies (by hash, the tracking header stripped) and flags on
both sides and in the status must equal those of the uninterrupted run:
nothing lost, nothing duplicated."""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import World, strip_tracking  # noqa: E402
import dovecot  # noqa: E402


def digest(body):
    return hashlib.sha256(strip_tracking(body)).hexdigest()[:16]


def outcome(w, folders):
    """Per folder: sorted (body hash, letters) of the server, the local
    side and the status (a status UID the server lacks shows as None)."""
    out = {}
    for folder in folders:
        server = w.server(folder)
        status = w.status(folder) or {}
        out[folder] = {
            "R": sorted((digest(b), f) for f, b in server.values()),
            "L": sorted((digest(b), f) for f, b in w.local(folder).values()),
            "S": sorted(((digest(server[u][1]) if u in server else "-"), f)
                        for u, f in status.items()),
        }
    return out


def crash_everywhere(ctx, prepare, folders=("INBOX",), dv=None,
                     extra_remote=""):
    """prepare(w) makes the start state; the rest is described above."""
    w = World(ctx, dovecot=dv, extra_remote=extra_remote)
    prepare(w)
    st, out, err = w.sync(env={"OFFLINEIMAP_TEST_COUNT_STEPS": "1"})
    steps = int(err.split("test: ")[1].split()[0])
    w.sync()
    expected = outcome(w, folders)
    for f in folders:
        assert expected[f]["R"] == expected[f]["L"] == expected[f]["S"], \
            "the uninterrupted run did not converge: %r" % (expected,)
    assert steps > 0, err
    for n in range(1, steps + 1):
        w.reset()
        prepare(w)
        st, out, err = w.sync(env={"OFFLINEIMAP_TEST_CRASH_AFTER": str(n)},
                              expect=None)
        assert n == steps or st != 0, \
            "step %d of %d: the run was not interrupted" % (n, steps)
        w.sync(expect=None)
        w.sync()
        got = outcome(w, folders)
        assert got == expected, "crash after step %d of %d:\n got  %r\n " \
            "want %r\n%s" % (n, steps, got, expected, err)
    return steps


def test_crash_downloads(ctx):
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", R={1: "S", 2: "", 3: "FR"}))


def test_crash_uploads(ctx):
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", L={0: "S"}, S={0: "S"}, R={0: "S"},
        Lnew={1: "S", 2: ""}))


def test_crash_uploads_without_uidplus(ctx):
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", L={0: "S"}, S={0: "S"}, R={0: "S"},
        Lnew={1: "S", 2: ""}), dv=dovecot.Dovecot.shared(uidplus=False))


def test_crash_deletions(ctx):
    # 2 deleted locally, 1 deleted on the server.
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", L={0: "S", 1: "S"}, S={0: "S", 1: "S", 2: "F"},
        R={0: "S", 2: "F"}))


def test_crash_flags(ctx):
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", L={0: "S", 1: "FS", 2: "S", 3: ""},
        S={0: "S", 1: "S", 2: "S", 3: "S"},
        R={0: "S", 1: "S", 2: "RS", 3: "S"}))


def test_crash_unknown_uid(ctx):
    # SPEC 9 row 11: re-labelled and uploaded, never deleted.
    crash_everywhere(ctx, lambda w: w.build(
        "INBOX", L={0: "S", 1: "F"}, S={0: "S"}, R={0: "S"}))


def test_crash_moved_message(ctx):
    def prepare(w):
        uids = w.build("INBOX", L={0: "S", 1: "F"}, S={0: "S", 1: "F"},
                       R={0: "S", 1: "F"})
        w.build("Archive", L={5: "S"}, S={5: "S"}, R={5: "S"})
        src = w.find_file("INBOX", uids[1])
        os.rename(src, os.path.join(w.folder_dir("Archive"), "cur",
                                    os.path.basename(src)))
    crash_everywhere(ctx, prepare, folders=("Archive", "INBOX"))
