# SPDX-License-Identifier: GPL-2.0-or-later
"""Accounts and concurrency against the harness Dovecot: account slots,
parallel folder threads, the autorefresh loop with keep-alive, signals,
error classes with their exit statuses, -P profiles and -d thread."""

import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import World, make_message  # noqa: E402

LOGIN_RE = r"imap-login: Info: Login: user=<%s>,"


def accounts_config(ctx, names, general="", account_extra="",
                    remote_extra="", passwords=None):
    """A config with one account per name, each on a fresh Dovecot user
    with its own Maildir tree.  Returns (path, {name: (user, maildir)})."""
    dv = ctx.dovecot
    info = {}
    text = ("[general]\naccounts = %s\nmetadata = %s/meta\n%s\n"
            % (", ".join(names), ctx.tmp, general))
    for name in names:
        user, pw = ctx.new_user()
        if passwords and name in passwords:
            pw = passwords[name]
        maildir = os.path.join(ctx.tmp, "mail-" + name)
        os.makedirs(maildir, exist_ok=True)
        info[name] = (user, maildir)
        text += ("[Account %(n)s]\nlocalrepository = L%(n)s\n"
                 "remoterepository = R%(n)s\n%(ax)s\n"
                 "[Repository L%(n)s]\ntype = Maildir\n"
                 "localfolders = %(md)s\n\n"
                 "[Repository R%(n)s]\ntype = IMAP\n"
                 "remotehost = 127.0.0.1\nremoteport = %(port)d\n"
                 "ssl = yes\nsslcacertfile = %(ca)s\nremoteuser = %(u)s\n"
                 "remotepass = %(pw)s\n%(rx)s\n"
                 % {"n": name, "md": maildir, "port": dv.imaps_port,
                    "ca": dv.ca_cert, "u": user, "pw": pw,
                    "ax": account_extra, "rx": remote_extra})
    return ctx.write_config(text, name="rc-accounts"), info


def fill(ctx, user, folder, count, start=0, size=None):
    with ctx.dovecot.imap(user) as m:
        if folder != "INBOX" and folder not in m.list_folders():
            m.create(folder)
        for i in range(start, start + count):
            m.append(folder, make_message(i, extra_body="x" * (size or 0)))


def deliver(ctx, user, folder, count, size=2000):
    """Put `count` messages straight into the server's Maildir, as a
    delivery agent would: much faster than APPENDs."""
    dv = ctx.dovecot
    with dv.imap(user) as m:
        if folder != "INBOX" and folder not in m.list_folders():
            m.create(folder)
        m.select(folder)
    base = dv.maildir(user)
    if folder != "INBOX":
        base = os.path.join(base, "." + folder)
    for i in range(count):
        path = os.path.join(base, "new", "%d.M%dP%d.oitest"
                            % (time.time(), time.monotonic_ns(), i))
        with open(path, "wb") as f:
            f.write(make_message(i, extra_body="x" * size))
        if os.geteuid() == 0:
            os.chown(path, dv.mail_uid, dv.mail_gid)


def recording_env(ctx):
    rec = os.path.join(ctx.tmp, "record-%d" % time.monotonic_ns())
    return rec, {"OFFLINEIMAP_UI_PATH": ctx.uipath, "OI_RECORD_FILE": rec}


def events(rec):
    """[(callback, thread, account, text)] recorded so far."""
    try:
        with open(rec, errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return [tuple((l.split("\t") + ["", "", ""])[:4]) for l in lines]


def summaries(rec, account):
    return [e for e in events(rec) if e[0] == "info" and
            e[3].startswith("Account %s: " % account)]


def wait_for(what, cond, timeout=30, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError("program ended (status %s) while waiting "
                                 "for %s" % (proc.returncode, what))
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def logins(ctx, user):
    return len(re.findall(LOGIN_RE % re.escape(user),
                          ctx.dovecot.log_text()))


def local_bodies(maildir, folder):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, folder, sub)
        if os.path.isdir(d):
            for n in os.listdir(d):
                with open(os.path.join(d, n), "rb") as f:
                    out.append(f.read().replace(b"\r\n", b"\n"))
    return sorted(out)


def server_bodies(ctx, user, folder):
    with ctx.dovecot.imap(user) as m:
        return sorted(b.replace(b"\r\n", b"\n")
                      for _f, b, _d in m.fetch_all(folder).values())


def interrupt(sig):
    """`sig`, or SIGTERM when we run with `sig` ignored: the program then
    inherits that and keeps ignoring it (nohup; a background job of a
    shell without job control), and SIGTERM takes the same path."""
    if signal.getsignal(sig) == signal.SIG_IGN:
        return signal.SIGTERM
    return sig


def finish(ctx, proc, timeout=30):
    try:
        out, _ = proc.communicate(timeout=timeout)
    except Exception:
        proc.kill()
        proc.communicate()
        raise AssertionError("the program did not end within %ds" % timeout)
    return proc.returncode, out.decode("utf-8", "replace"), \
        ctx.spawned_stderr(proc)


# ---- account slots -----------------------------------------------------

def test_account_slots_parallel_and_in_turn(ctx):
    cfg, info = accounts_config(ctx, ["A", "B"])
    for name, (user, _md) in info.items():
        fill(ctx, user, "INBOX", 15)

    def order(rec):
        return [e[0] + ":" + e[2] for e in events(rec)
                if e[0] in ("acct", "acctdone")]

    # Two slots: B starts while A is still syncing.
    rec, env = recording_env(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "Test.Recording", "-k",
                            "maxsyncaccounts=2"], env=env)
    assert st == 0, (st, out, err)
    seq = order(rec)
    assert sorted(seq) == ["acct:A", "acct:B", "acctdone:A",
                           "acctdone:B"], seq
    assert seq.index("acct:B") < seq.index("acctdone:A"), seq
    for name, (user, md) in info.items():
        assert local_bodies(md, "INBOX") == server_bodies(ctx, user,
                                                          "INBOX")

    # One slot: strictly one after the other, and -d thread shows the
    # wait for it.
    rec, env = recording_env(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "Test.Recording", "-k",
                            "maxsyncaccounts=1", "-d", "thread"], env=env)
    assert st == 0, (st, out, err)
    assert order(rec) == ["acct:A", "acctdone:A", "acct:B",
                          "acctdone:B"], order(rec)
    debug = [e[3] for e in events(rec) if e[0] == "debug"]
    assert any("waiting for an account slot" in d for d in debug), debug
    assert any('thread "Account sync B" started' in d for d in debug)
    assert any('thread "Folder sync A[INBOX]" ended' in d for d in debug)
    # The summary line of each account.
    for name in ("A", "B"):
        s = summaries(rec, name)
        assert len(s) == 1 and "1 folder synced" in s[0][3], s
        assert "errors: 0" in s[0][3], s


def test_sleeping_accounts_give_their_slot_back(ctx):
    # SPEC 9 row 14: with one slot and autorefresh, B must not wait for
    # ever behind A.
    cfg, info = accounts_config(ctx, ["A", "B"],
                                general="maxsyncaccounts = 1",
                                account_extra="autorefresh = 0.02")
    rec, env = recording_env(ctx)
    proc = ctx.spawn(["-c", cfg, "-u", "Test.Recording"], env=env)
    wait_for("two cycles of each account",
             lambda: len(summaries(rec, "A")) >= 2 and
             len(summaries(rec, "B")) >= 2, proc=proc)
    proc.send_signal(signal.SIGTERM)
    st, out, err = finish(ctx, proc)
    assert st == 1, (st, err)
    done = [e[2] for e in events(rec) if e[0] == "acctdone"]
    assert sorted(done) == ["A", "B"], done


# ---- folder threads ------------------------------------------------------

def test_maxconnections_syncs_folders_in_parallel(ctx):
    w = World(ctx, extra_remote="maxconnections = 3")
    folders = ["INBOX", "F1", "F2", "F3", "F4"]
    for f in folders:
        deliver(ctx, w.user, f, 25, size=0)
    before = logins(ctx, w.user)
    rec, env = recording_env(ctx)
    st, out, err = ctx.run(["-c", w.config, "-u", "Test.Recording"],
                           env=env)
    assert st == 0, (st, out, err)
    # Server side: exactly three connections, open at the same time (the
    # pool keeps each until the end of the cycle).
    assert logins(ctx, w.user) - before == 3, ctx.dovecot.log_text()
    # Client side: folder threads overlapped, never more than three.
    live, most = set(), 0
    for cb, thread, _acct, _text in events(rec):
        if not thread.startswith("Folder sync T["):
            continue
        if cb == "registerthread":
            live.add(thread)
            most = max(most, len(live))
        elif cb == "unregisterthread":
            live.discard(thread)
    assert 2 <= most <= 3, most
    for f in folders:
        assert w.local(f) == w.server(f), f

    # -1: one folder thread at a time, hence a single connection.
    fill(ctx, w.user, "F1", 3, start=1000)
    before = logins(ctx, w.user)
    st, out, err = w.sync("-1", "-d", "thread")
    assert logins(ctx, w.user) - before == 1
    assert "waiting for a folder slot of repository R (1 of 1 in use)" \
        in out, out
    assert w.local("F1") == w.server("F1")


# ---- autorefresh, keep-alive, signals -------------------------------------

def test_autorefresh_picks_up_new_mail_and_folders(ctx):
    w = World(ctx, extra_account="autorefresh = 0.02")
    w.put("INBOX", [make_message(1)])
    rec, env = recording_env(ctx)
    before = logins(ctx, w.user)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording"], env=env)
    wait_for("the first cycle", lambda: summaries(rec, "T"), proc=proc)
    assert len(w.local("INBOX")) == 1
    w.put("INBOX", [make_message(2)])
    w.put("Fresh", [make_message(3)])
    wait_for("the new message and folder",
             lambda: len(w.local("INBOX")) == 2 and
             len(w.local("Fresh")) == 1, proc=proc)
    # The cycle that brought them ends with its summary.
    wait_for("the second summary", lambda: len(summaries(rec, "T")) >= 2,
             proc=proc)
    # Without holdconnectionopen every cycle logs in anew.
    assert logins(ctx, w.user) - before >= 2
    proc.send_signal(signal.SIGTERM)
    st, out, err = finish(ctx, proc)
    assert st == 1, (st, err)
    assert w.local("Fresh") == w.server("Fresh")
    cbs = [e[0] for e in events(rec)]
    assert "sleep" in cbs and "close" == cbs[-1], cbs[-5:]


def test_sigusr1_syncs_now_and_sigusr2_ends_after_the_sync(ctx):
    # An hour between syncs: only SIGUSR1 can bring the second one.
    w = World(ctx, extra_account="autorefresh = 60")
    w.put("INBOX", [make_message(1)])
    rec, env = recording_env(ctx)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording"], env=env)
    wait_for("the first sleep",
             lambda: any(e[0] == "sleep" for e in events(rec)), proc=proc)
    w.put("INBOX", [make_message(2)])
    start = time.monotonic()
    proc.send_signal(signal.SIGUSR1)
    wait_for("the second cycle", lambda: len(summaries(rec, "T")) == 2,
             timeout=20, proc=proc)
    assert time.monotonic() - start < 20
    assert len(w.local("INBOX")) == 2
    wait_for("the second sleep",
             lambda: len([e for e in events(rec) if e[0] == "sleep"]) == 2,
             proc=proc)
    proc.send_signal(signal.SIGUSR2)
    st, out, err = finish(ctx, proc, timeout=20)
    assert st == 0, (st, err)
    assert [e[0] for e in events(rec)].count("acctdone") == 1


def test_holdconnectionopen_keeps_one_connection_alive(ctx):
    w = World(ctx, extra_account="autorefresh = 0.05",
              extra_remote="holdconnectionopen = yes\nkeepalive = 1")
    w.put("INBOX", [make_message(1)])
    log = os.path.join(ctx.tmp, "trace.log")
    rec, env = recording_env(ctx)
    before = logins(ctx, w.user)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording", "-d",
                      "imap,thread", "-l", log], env=env)
    wait_for("two cycles", lambda: len(summaries(rec, "T")) >= 2,
             timeout=40, proc=proc)
    # SIGHUP finishes like SIGTERM (unless nohup made us ignore it).
    proc.send_signal(interrupt(signal.SIGHUP))
    st, out, err = finish(ctx, proc)
    assert st == 1, (st, err)
    text = open(log, errors="replace").read()
    assert re.search(r"> \S+ NOOP", text), text[-3000:]
    assert "Keep alive R" in text, text[-2000:]
    # One login for every cycle, and LOGOUT at the end.
    assert logins(ctx, w.user) - before == 1, ctx.dovecot.log_text()
    assert re.search(r"> \S+ LOGOUT", text)


def test_sigterm_mid_download_loses_and_duplicates_nothing(ctx):
    w = World(ctx)
    total = 300
    deliver(ctx, w.user, "INBOX", total)
    rec, env = recording_env(ctx)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording"], env=env)
    wait_for("some downloads",
             lambda: len([e for e in events(rec)
                          if e[0] == "copyingmessage"]) >= 10, proc=proc)
    proc.send_signal(signal.SIGTERM)
    st, out, err = finish(ctx, proc)
    assert st == 1, (st, err)
    got = len(w.local_files("INBOX"))
    assert 0 < got < total, got
    warnings = [e for e in events(rec) if e[0] == "warn"]
    assert any("SIGTERM received" in e[3] for e in warnings), warnings
    assert not [e for e in events(rec) if e[0] == "error"]
    assert events(rec)[-1][0] == "close"
    # The next run completes the job: every message once, bodies equal.
    w.sync()
    local = local_bodies(w.maildir, "INBOX")
    assert len(local) == total
    assert local == server_bodies(ctx, w.user, "INBOX")
    assert w.local("INBOX") == w.server("INBOX")


def test_second_sigint_aborts_at_once(ctx):
    sig = interrupt(signal.SIGINT)
    name = signal.Signals(sig).name
    w = World(ctx)
    # A server that never answers: the first SIGINT cannot finish the
    # connection attempt, the second one must not wait for it.
    with open(w.config) as f:
        text = f.read()
    with open(w.config, "w") as f:
        f.write(text.replace("remotehost = 127.0.0.1",
                             "preauthtunnel = sleep 30\n"
                             "remotehost = 127.0.0.1"))
    rec, env = recording_env(ctx)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording"], env=env)
    wait_for("the account to start",
             lambda: any(e[0] == "acct" for e in events(rec)), proc=proc)
    time.sleep(0.3)
    proc.send_signal(sig)
    wait_for("the first interrupt's report",
             lambda: any(name + " received" in e[3] for e in events(rec)),
             proc=proc)
    start = time.monotonic()
    proc.send_signal(sig)
    st, out, err = finish(ctx, proc, timeout=10)
    assert time.monotonic() - start < 5
    assert st == 1, (st, err)
    assert "aborting now" in err, err
    assert events(rec)[-1][0] == "close"


# ---- error classes ---------------------------------------------------------

def test_unselectable_folder_is_reported_and_the_others_sync(ctx):
    w = World(ctx, extra_remote="maxconnections = 2")
    for i, f in enumerate(["Aaa", "Broken", "Ccc"]):
        w.put(f, [make_message(10 * i + 1), make_message(10 * i + 2)])
    broken = os.path.join(ctx.dovecot.maildir(w.user), ".Broken")
    # Still listed, but SELECT fails on the server.
    os.chmod(broken, 0)
    try:
        st, out, err = w.sync(expect=1)
    finally:
        os.chmod(broken, 0o700)
    reports = [l for l in (out + err).splitlines() if "Broken" in l and
               "ERROR" in l]
    assert len(reports) == 1, out + err
    assert 'account "T"' in reports[0], reports
    assert w.local("Aaa") == w.server("Aaa")
    assert w.local("Ccc") == w.server("Ccc")
    assert w.local("INBOX") == w.server("INBOX")
    summary = [l for l in out.splitlines() if l.startswith("Account T: ")]
    assert summary and "1 not synced" in summary[0], out
    # Once the folder can be selected again, everything syncs: status 0.
    w.sync()
    assert w.local("Broken") == w.server("Broken")


def test_lost_connection_is_reported_once_and_the_next_cycle_reconnects(
        ctx):
    w = World(ctx, extra_account="autorefresh = 60",
              extra_remote="holdconnectionopen = yes")
    w.put("INBOX", [make_message(1)])
    rec, env = recording_env(ctx)
    proc = ctx.spawn(["-c", w.config, "-u", "Test.Recording"], env=env)
    wait_for("the first sleep",
             lambda: any(e[0] == "sleep" for e in events(rec)), proc=proc)
    # The server drops the connection we hold while we sleep.
    r = subprocess.run(["doveadm", "-c", ctx.dovecot.conf_path, "kick",
                        w.user], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    w.put("INBOX", [make_message(2)])
    for n in (2, 3):
        # A sync-now request counts only once the account sleeps.
        wait_for("sleep %d" % (n - 1),
                 lambda: len([e for e in events(rec)
                              if e[0] == "sleep"]) >= n - 1, proc=proc)
        proc.send_signal(signal.SIGUSR1)
        wait_for("cycle %d" % n, lambda: len(summaries(rec, "T")) >= n,
                 proc=proc)
        if len(w.local("INBOX")) == 2:
            break
    assert len(w.local("INBOX")) == 2
    errors = [e for e in events(rec) if e[0] == "error"]
    # Either the pool noticed and reconnected at once, or the one cycle
    # that met the dead connection says so, once, naming the account.
    assert len(errors) <= 1, errors
    assert all('account "T"' in e[3] for e in errors), errors
    proc.send_signal(signal.SIGTERM)
    st, out, err = finish(ctx, proc)
    assert st == 1, (st, err)


def test_failed_account_does_not_stop_the_others(ctx):
    cfg, info = accounts_config(ctx, ["Good", "Bad"],
                                general="maxsyncaccounts = 2",
                                passwords={"Bad": "wrong-password"})
    fill(ctx, info["Good"][0], "INBOX", 3)
    fill(ctx, info["Bad"][0], "INBOX", 3)
    st, out, err = ctx.run(["-c", cfg, "-u", "basic"])
    assert st == 1, (st, out, err)
    user, md = info["Good"]
    assert local_bodies(md, "INBOX") == server_bodies(ctx, user, "INBOX")
    bad = [l for l in (out + err).splitlines()
           if l.startswith("ERROR") and "Bad" in l]
    assert len(bad) == 1, out + err
    assert "Finished processing account Good" in out


# ---- profiling --------------------------------------------------------------

def test_profile_files_per_thread(ctx):
    w = World(ctx)
    w.put("INBOX", [make_message(1), make_message(2)])
    w.put("Work", [make_message(3)])
    prof = os.path.join(ctx.tmp, "prof")
    st, out, err = w.sync("-1", "-P", prof)
    files = sorted(os.listdir(prof))
    by_name = {}
    for n in files:
        assert re.match(r"^\d+_.+\.prof$", n), n
        by_name[n.split("_", 1)[1][:-5]] = open(os.path.join(prof, n)).read()
    for thread in ("MainThread", "Account sync T", "Folder sync T[INBOX]",
                   "Folder sync T[Work]"):
        assert thread in by_name, files
    acct = by_name["Account sync T"]
    assert acct.startswith("OfflineIMAP thread profile, format 1\n")
    assert "thread: Account sync T\n" in acct
    assert re.search(r"^cpu seconds: \d+\.\d{6}$", acct, re.M), acct
    assert re.search(r"^list folders +1 +\d+\.\d+ +\d+\.\d+$", acct,
                     re.M), acct
    assert re.search(r"^connect +1 ", acct, re.M), acct
    inbox = by_name["Folder sync T[INBOX]"]
    assert re.search(r"^sync folder +1 ", inbox, re.M), inbox
    assert re.search(r"^messages downloaded +2$", inbox, re.M), inbox
    assert re.search(r"^IMAP bytes received +\d+$", inbox, re.M), inbox
    # The engine's phases: two downloads, each one fetch and one save.
    for phase in ("open folder", "compare", "status"):
        assert re.search(r"^%s +\d+ +\d+\.\d{6} +\d+\.\d{6}$" % phase,
                         inbox, re.M), (phase, inbox)
    for phase in ("fetch", "save"):
        assert re.search(r"^%s +2 +\d+\.\d{6} +\d+\.\d{6}$" % phase,
                         inbox, re.M), (phase, inbox)
    # The IMAP command table, after the phases and before the counters.
    assert re.search(r"^IMAP command +calls +wall s +mean ms$", inbox,
                     re.M), inbox
    assert (inbox.index("\nphase ") < inbox.index("\nIMAP command ")
            < inbox.index("\ncounter ")), inbox
    assert re.search(r"^SELECT +1 +\d+\.\d{6} +\d+\.\d{3}$", inbox,
                     re.M), inbox
    assert re.search(r"^UID FETCH +[1-9]\d* +\d+\.\d{6} +\d+\.\d{3}$",
                     inbox, re.M), inbox
    # A second run with local changes: upload, flags, APPEND, UID STORE.
    w.deliver_local("INBOX", make_message(4))
    w.set_local_flags("INBOX", 1, "S")
    prof2 = os.path.join(ctx.tmp, "prof2")
    w.sync("-1", "-P", prof2)
    inbox2 = [open(os.path.join(prof2, n)).read() for n in os.listdir(prof2)
              if n.endswith("_Folder sync T[INBOX].prof")]
    assert len(inbox2) == 1, os.listdir(prof2)
    inbox2 = inbox2[0]
    for line in (r"upload +1 ", r"flags +1 ", r"APPEND +1 ",
                 r"UID STORE +[1-9]"):
        assert re.search("^" + line, inbox2, re.M), (line, inbox2)
