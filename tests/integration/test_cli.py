# SPDX-License-Identifier: GPL-2.0-or-later
"""Command line, start-up order, configuration errors, UI choice, log file
and the instance lock, observed from outside the binary."""

import fcntl
import os
import re
import signal
import stat
import subprocess
import time

MINIMAL = """\
[general]
accounts = Test
metadata = {tmp}/meta
ui = Noninteractive.Basic

[Account Test]
localrepository = Local
remoterepository = Remote

[Repository Local]
type = Maildir
localfolders = {tmp}/mail

[Repository Remote]
type = IMAP
remotehost = 127.0.0.1
remoteuser = nobody
remotepass = nothing
"""


def minimal_config(ctx, extra="", text=None):
    os.makedirs(os.path.join(ctx.tmp, "mail"), exist_ok=True)
    body = (text if text is not None else MINIMAL).format(tmp=ctx.tmp)
    return ctx.write_config(body + extra)


def dovecot_config(ctx, accounts=("Test",), extra_general="", user="alice"):
    """A config whose accounts all log in to the harness Dovecot."""
    dv = ctx.dovecot
    os.makedirs(os.path.join(ctx.tmp, "mail"), exist_ok=True)
    text = ("[general]\naccounts = %s\nmetadata = %s/meta\n%s\n"
            % (", ".join(accounts), ctx.tmp, extra_general))
    for name in accounts:
        text += (
            "[Account %(n)s]\nlocalrepository = Local%(n)s\n"
            "remoterepository = Remote%(n)s\n\n"
            "[Repository Local%(n)s]\ntype = Maildir\n"
            "localfolders = %(tmp)s/mail\n\n"
            "[Repository Remote%(n)s]\ntype = IMAP\n"
            "remotehost = 127.0.0.1\nremoteport = %(port)d\nssl = yes\n"
            "sslcacertfile = %(ca)s\nremoteuser = %(user)s\n"
            "remotepass = %(pw)s\n\n"
            % {"n": name, "tmp": ctx.tmp, "port": dv.imaps_port,
               "ca": dv.ca_cert, "user": user, "pw": dv.password(user)})
    return ctx.write_config(text)


def reap_pty_child(pid, fd, grace=10):
    """Wait for a program run on a pty; a hung one is killed (and the test
    then fails on its status) rather than hanging the suite."""
    deadline = time.time() + grace
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            os.close(fd)
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return status


# ---- options that end before any configuration is read ----------------

def test_help_lists_every_option(ctx):
    for args in (["-h"], ["--help"], ["-o", "stop-here", "--help"]):
        st, out, err = ctx.run(args)
        assert st == 0, (args, st, err)
        for opt in ("-1", "-P", "-a", "-c", "-d", "-k", "-l", "-o", "-u",
                    "-h", "--help", "--version"):
            assert re.search(r"(^|\s)%s\b" % re.escape(opt), out), opt
        assert "Exit status" in out
        assert err == ""


def test_version_names_plugins(ctx):
    st, out, err = ctx.run(["--version"])
    assert st == 0, err
    assert re.match(r"offlineimap \d+\.\d+\.\d+", out), out
    for name in ("TTY.TTYUI", "Noninteractive.Basic", "Noninteractive.Quiet"):
        assert name in out, out


def test_unknown_option_is_usage_error(ctx):
    st, out, err = ctx.run(["-x"])
    assert st == 2, st
    assert "invalid option -- 'x'" in err
    assert "usage: offlineimap" in err
    assert out == ""
    st, out, err = ctx.run(["--frobnicate"])
    assert st == 2 and "usage:" in err


def test_missing_argument_is_usage_error(ctx):
    for opt in ("-c", "-a", "-d", "-l", "-u", "-P", "-k"):
        st, out, err = ctx.run([opt])
        assert st == 2, (opt, st)
        assert "requires an argument" in err, err
        assert "usage:" in err


def test_missing_config_file(ctx):
    path = os.path.join(ctx.tmp, "nope.rc")
    st, out, err = ctx.run(["-c", path])
    assert st == 1, st
    assert err == " *** Config file %s does not exist; aborting!\n" % path


def test_default_config_is_home_offlineimaprc(ctx):
    env = {"HOME": ctx.tmp}
    st, out, err = ctx.run([], env=env)
    assert st == 1
    assert "%s/.offlineimaprc does not exist" % ctx.tmp in err


def test_profile_requires_single(ctx):
    cfg = minimal_config(ctx)
    prof = os.path.join(ctx.tmp, "prof")
    st, out, err = ctx.run(["-P", prof, "-c", cfg])
    assert st == 100, st
    assert err.strip() == "FATAL: profile mode REQUIRES -1"
    assert not os.path.exists(prof)


# ---- configuration errors stop before any disk change -------------------

def assert_config_error(ctx, text, pattern, status=3, args=()):
    cfg = ctx.write_config(text.format(tmp=ctx.tmp))
    st, out, err = ctx.run(["-c", cfg] + list(args))
    assert st == status, (st, out, err)
    assert re.search(pattern.replace("CFG", re.escape(cfg)), err), err
    assert len(err.strip().splitlines()) == 1, err
    assert not os.path.exists(os.path.join(ctx.tmp, "meta")), \
        "metadata directory created despite a config error"
    return err


def test_config_syntax_error_names_line(ctx):
    assert_config_error(ctx, "[general]\naccounts = A\nthis is junk\n",
                        r"CFG:3")
    assert_config_error(ctx, "ui = basic\n[general]\n", r"CFG:1")


def test_config_bad_bool_names_file_line_option(ctx):
    text = MINIMAL.replace("type = IMAP\n", "type = IMAP\nssl = maybe\n")
    line = text.format(tmp="x").splitlines().index("ssl = maybe") + 1
    assert_config_error(ctx, text, r"CFG:%d: .*Repository Remote.*ssl.*maybe"
                        % line)


def test_config_bad_int(ctx):
    text = MINIMAL.replace("type = IMAP\n",
                           "type = IMAP\nmaxconnections = lots\n")
    assert_config_error(ctx, text, r"CFG:\d+: .*maxconnections.*lots")


def test_config_unknown_repository_type(ctx):
    text = MINIMAL.replace("type = Maildir", "type = Mbox")
    assert_config_error(ctx, text, r"CFG:\d+: .*Repository Local.*type.*Mbox")


def test_config_missing_repository_section(ctx):
    text = MINIMAL.replace("remoterepository = Remote",
                           "remoterepository = Nowhere")
    assert_config_error(ctx, text, r"CFG:\d+: .*remoterepository.*Nowhere")


def test_config_remote_must_be_imap(ctx):
    text = MINIMAL.replace("remoterepository = Remote",
                           "remoterepository = Local")
    assert_config_error(ctx, text, r"CFG:\d+: .*(IMAP|Maildir)")


def test_config_interpolation_error(ctx):
    text = MINIMAL.replace("remotepass = nothing",
                           "remotepass = %(undefined)s")
    assert_config_error(ctx, text, r"CFG:\d+: .*remotepass.*undefined")


def test_override_with_k(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-k", "Repository Remote:ssl=maybe"])
    assert st == 3, (st, err)
    assert "ssl" in err and "maybe" in err
    st, out, err = ctx.run(["-c", cfg, "-k", "no-equals-sign"])
    assert st == 2, (st, err)
    # -k general:accounts=... selects a different account list.
    st, out, err = ctx.run(["-c", cfg, "-k", "accounts=Other"])
    assert st == 1, (st, err)
    assert 'Unknown Account "Other"' in err


def test_unknown_account(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-a", "Nope"])
    assert st == 1, (st, err)
    assert err.startswith('ERROR: Unknown Account "Nope"\n\n'
                          'The account "Nope" does not exist.  '
                          'Valid accounts are:\nTest\n'), err


def test_unknown_account_without_accounts(ctx):
    text = "[general]\naccounts = Ghost\nmetadata = {tmp}/meta\n"
    cfg = ctx.write_config(text.format(tmp=ctx.tmp))
    st, out, err = ctx.run(["-c", cfg])
    assert st == 1
    assert ('The account "Ghost" does not exist because no accounts are '
            'defined!') in err


# ---- UI selection --------------------------------------------------------

def test_no_usable_ui(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "Does.NotExist"])
    assert st == 200, (st, err)
    assert "ERROR: No UIs were found usable!" in err
    assert "Does.NotExist" in err


def test_forced_tty_ui_says_why(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "TTY.TTYUI"],
                           stdin=subprocess.DEVNULL)
    assert st == 200, (st, err)
    assert "TTY.TTYUI" in err and "terminal" in err, err


def test_fallback_list_skips_missing_and_bad_abi(ctx):
    rec = os.path.join(ctx.tmp, "record")
    cfg = minimal_config(ctx, text=MINIMAL.replace(
        "ui = Noninteractive.Basic",
        "ui = Tk.Blinkenlights, Does.NotExist, Test.BadABI, Test.NoSymbol, "
        "Test.Recording, Noninteractive.Basic"))
    st, out, err = ctx.run(["-c", cfg, "-a", "Test"],
                           env={"OFFLINEIMAP_UI_PATH": ctx.uipath,
                                "OI_RECORD_FILE": rec})
    # The account itself fails (nothing listens), but the UI was chosen.
    assert os.path.exists(rec), err
    events = open(rec).read()
    assert "acct\t" in events, events
    # The bad-ABI plugin is refused with both versions and its file.
    m = re.search(r"badabi\.so.*99\.0.*1\.(\d+|x)", err)
    assert m, err
    assert "nosymbol" in err.lower(), err


def test_unusable_plugin_falls_through(ctx):
    rec = os.path.join(ctx.tmp, "record")
    cfg = minimal_config(ctx, text=MINIMAL.replace(
        "ui = Noninteractive.Basic", "ui = Test.Recording, Noninteractive.Quiet"))
    st, out, err = ctx.run(["-c", cfg],
                           env={"OFFLINEIMAP_UI_PATH": ctx.uipath,
                                "OI_RECORD_FILE": rec,
                                "OI_RECORD_UNUSABLE": "1"})
    assert not os.path.exists(rec) or open(rec).read() == ""
    assert "Test.Recording" in err, err
    assert "OfflineIMAP" not in out  # Quiet prints no banner


def test_each_ui_by_name(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "Noninteractive.Basic"])
    assert "OfflineIMAP" in out and "Processing account Test" in out, out
    st, out, err = ctx.run(["-c", cfg, "-u", "basic"])
    assert "Processing account Test" in out, out
    for quiet in ("Noninteractive.Quiet", "quiet"):
        st, out, err = ctx.run(["-c", cfg, "-u", quiet])
        assert "Processing account" not in out and "OfflineIMAP" not in out
        # ...but errors still show.
        assert st == 1 and err.strip(), (st, err)


def test_tty_ui_in_a_pty(ctx):
    import pty
    cfg = minimal_config(ctx)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ctx.bin, [ctx.bin, "-c", cfg, "-u", "ttyui"])
    data = b""
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    status = reap_pty_child(pid, fd)
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    assert os.WIFEXITED(status), "the program hung:\n" + text
    assert "OfflineIMAP" in text, text
    assert "Account sync Test:\n   ***** Processing account Test" in text, text


# ---- debug, log file -----------------------------------------------------

def test_debug_types(ctx):
    cfg = minimal_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-d", "imap, bogus", "-d", "thread"])
    both = out + err
    assert "Now debugging for imap: IMAP protocol debugging" in both, both
    assert "Now debugging for thread: Threading debugging" in both
    assert "Invalid debug type: bogus" in both


def test_logfile_routing(ctx):
    cfg = minimal_config(ctx)
    log = os.path.join(ctx.tmp, "run.log")
    st, out, err = ctx.run(["-c", cfg, "-l", log, "-d", "thread"])
    text = open(log).read()
    lines = text.splitlines()
    assert lines[0].startswith("OfflineIMAP"), lines[:4]
    assert lines[3].startswith("Args:") and "-l" in lines[3], lines[:4]
    assert "Account sync Test: ***** Processing account Test" in text, text
    # Debug goes only to the file; errors (stderr) land in the file too.
    assert "DEBUG[" not in out
    assert "ERROR" in text or "rror" in text, text
    assert "ERROR" not in err


# ---- instance lock -------------------------------------------------------

def test_metadata_dir_mode(ctx):
    cfg = minimal_config(ctx)
    ctx.run(["-c", cfg])
    meta = os.path.join(ctx.tmp, "meta")
    assert stat.S_IMODE(os.stat(meta).st_mode) == 0o700
    assert os.path.exists(os.path.join(meta, "lock"))


def test_lock_contention(ctx):
    cfg = minimal_config(ctx)
    meta = os.path.join(ctx.tmp, "meta")
    os.mkdir(meta, 0o700)
    fd = os.open(os.path.join(meta, "lock"), os.O_WRONLY | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        st, out, err = ctx.run(["-c", cfg])
    finally:
        os.close(fd)
    assert st == 1, (st, err)
    assert ("Another OfflineIMAP is running with the same metadatadir; "
            "exiting.") in err
    assert "Processing account" not in out


def test_lock_of_killed_process_does_not_block(ctx):
    cfg = minimal_config(ctx)
    meta = os.path.join(ctx.tmp, "meta")
    os.mkdir(meta, 0o700)
    holder = subprocess.Popen(
        ["python3", "-c",
         "import fcntl,os,sys,time\n"
         "fd=os.open(sys.argv[1],os.O_WRONLY|os.O_CREAT)\n"
         "fcntl.flock(fd,fcntl.LOCK_EX)\nprint('locked',flush=True)\n"
         "time.sleep(60)\n", os.path.join(meta, "lock")],
        stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    st, out, err = ctx.run(["-c", cfg])
    assert "Another OfflineIMAP" not in err, err
    assert "Processing account Test" in out


def test_two_real_instances(ctx):
    cfg = dovecot_config(ctx)
    # The first instance holds the lock while it asks the UI for nothing:
    # keep it busy with a slow tunnel so the second one meets the lock.
    slow = cfg + ".slow"
    with open(cfg) as f, open(slow, "w") as g:
        g.write(f.read().replace("remotehost = 127.0.0.1",
                                 "preauthtunnel = sleep 5\n"
                                 "remotehost = 127.0.0.1"))
    first = subprocess.Popen([ctx.bin, "-c", slow, "-u", "quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        lock = os.path.join(ctx.tmp, "meta", "lock")
        while time.time() < deadline and not os.path.exists(lock):
            time.sleep(0.05)
        time.sleep(0.3)
        st, out, err = ctx.run(["-c", cfg, "-u", "quiet"])
        assert st == 1, (st, err)
        assert "Another OfflineIMAP is running" in err
    finally:
        first.kill()
        first.wait()


# ---- whole runs against the harness Dovecot --------------------------------

def test_single_threaded_accounts_run_in_order(ctx):
    rec = os.path.join(ctx.tmp, "record")
    cfg = dovecot_config(ctx, accounts=("A", "B", "C"),
                         extra_general="maxsyncaccounts = 3")
    st, out, err = ctx.run(["-1", "-c", cfg, "-u", "Test.Recording"],
                           env={"OFFLINEIMAP_UI_PATH": ctx.uipath,
                                "OI_RECORD_FILE": rec})
    assert st == 0, (st, out, err)
    seq = [l.split("\t")[0] + ":" + l.split("\t")[2]
           for l in open(rec).read().splitlines()
           if l.split("\t")[0] in ("acct", "acctdone")]
    assert seq == ["acct:A", "acctdone:A", "acct:B", "acctdone:B",
                   "acct:C", "acctdone:C"], seq


def test_once_ignores_default_autorefresh(ctx):
    cfg = dovecot_config(ctx)
    with open(cfg) as f:
        text = f.read()
    with open(cfg, "w") as f:
        f.write("[DEFAULT]\nautorefresh = 0.05\n\n" + text)
    st, out, err = ctx.run(["-o", "-c", cfg, "-u", "basic"], timeout=30)
    assert st == 0, (st, out, err)
    assert out.count("Processing account Test") == 1


def test_profile_mode_writes_thread_files(ctx):
    cfg = dovecot_config(ctx)
    prof = os.path.join(ctx.tmp, "prof")
    st, out, err = ctx.run(["-1", "-P", prof, "-c", cfg, "-u", "basic"])
    assert st == 0, (st, err)
    assert "profile mode engaged" in err
    names = os.listdir(prof)
    assert any(n.endswith("_MainThread.prof") for n in names), names
    assert any(n.endswith("_Account sync Test.prof") for n in names), names
    st, out, err = ctx.run(["-1", "-P", prof, "-c", cfg, "-u", "basic"])
    assert st == 1 and "exists" in err, (st, err)


def test_password_never_in_output(ctx):
    cfg = dovecot_config(ctx)
    log = os.path.join(ctx.tmp, "debug.log")
    pw = ctx.dovecot.password("alice")
    st, out, err = ctx.run(["-c", cfg, "-u", "basic", "-d", "imap"])
    assert st == 0, (st, out, err)
    assert "DEBUG[imap]" in out, out
    assert pw not in out and pw not in err
    st, out, err = ctx.run(["-c", cfg, "-u", "basic", "-d", "imap,thread",
                            "-l", log])
    assert st == 0, (st, err)
    text = open(log).read()
    assert "LOGIN" in text or "AUTHENTICATE" in text, text
    assert pw not in text and pw not in out and pw not in err


def test_folders_mirrored(ctx):
    with ctx.dovecot.imap("alice") as imap:
        imap.create_folders(["Work", "Entw\u00fcrfe"])
    cfg = dovecot_config(ctx)
    st, out, err = ctx.run(["-c", cfg, "-u", "basic"])
    assert st == 0, (st, err)
    assert "Syncing INBOX: IMAP -> Maildir" in out, out
    assert "Syncing Work: IMAP -> Maildir" in out, out
    for name in ("INBOX", "Work", "Entw&APw-rfe"):
        for sub in ("cur", "new", "tmp"):
            assert os.path.isdir(os.path.join(ctx.tmp, "mail", name, sub))


def test_noninteractive_ui_refuses_to_prompt(ctx):
    cfg = dovecot_config(ctx)
    with open(cfg) as f:
        text = f.read()
    pw = ctx.dovecot.password("alice")
    with open(cfg, "w") as f:
        f.write(text.replace("remotepass = %s\n" % pw, ""))
    st, out, err = ctx.run(["-c", cfg, "-u", "basic"])
    assert st == 1, (st, out, err)
    assert ("Prompting for a password is not supported in noninteractive "
            "mode") in err, err
    assert "remotepass" in err, err   # says how to configure one


def test_tty_ui_prompts_without_echo(ctx):
    import pty
    cfg = dovecot_config(ctx)
    with open(cfg) as f:
        text = f.read()
    pw = ctx.dovecot.password("alice")
    with open(cfg, "w") as f:
        f.write(text.replace("remotepass = %s\n" % pw, ""))
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ctx.bin, [ctx.bin, "-c", cfg, "-u", "TTY.TTYUI"])
    data = b""
    sent = False
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if not sent and b"Enter password: " in data:
            os.write(fd, pw.encode() + b"\r")
            sent = True
    status = reap_pty_child(pid, fd)
    text = data.decode("utf-8", "replace")
    assert sent, text
    assert "RemoteTest: Enter password: " in text, text
    assert pw not in text, "typed password echoed"
    assert "Finished processing account Test" in text, text
    assert os.WEXITSTATUS(status) == 0, text


def test_install_and_uninstall(ctx):
    if os.path.basename(ctx.build.rstrip("/")) != "build":
        return  # one variant is enough: it builds its own tree
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    dest = os.path.join(ctx.tmp, "dest")
    bdir = os.path.join(ctx.tmp, "b")
    common = ["make", "-s", "-C", repo, "BUILD=" + bdir, "DESTDIR=" + dest,
              "PREFIX=/opt/oi"]
    r = subprocess.run(common + ["install"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    binary = os.path.join(dest, "opt/oi/bin/offlineimap")
    uidir = os.path.join(dest, "opt/oi/lib/offlineimap/ui")
    assert os.access(binary, os.X_OK)
    assert sorted(os.listdir(uidir))[:3] == ["basic.so", "quiet.so",
                                             "ttyui.so"] or \
        {"basic.so", "quiet.so", "ttyui.so"} <= set(os.listdir(uidir))
    # The installed binary finds its plugins without the source tree.
    env = dict(os.environ)
    env.pop("OFFLINEIMAP_UI_PATH", None)
    out = subprocess.run([binary, "--version"], capture_output=True,
                         text=True, env=env, cwd=ctx.tmp).stdout
    assert "Noninteractive.Basic (%s/basic.so)" % uidir in \
        out.replace("/bin/../lib/", "/lib/"), out
    r = subprocess.run(common + ["uninstall"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(binary)
    assert not os.path.exists(uidir)
