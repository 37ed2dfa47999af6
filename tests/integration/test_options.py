# SPDX-License-Identifier: GPL-2.0-or-later
"""Account and repository options beyond the basics, through the real
binary: presynchook/postsynchook, status_backend, the warnings for
options this version accepts but does not implement, and the IMAP
client's LSUB (for subscribedonly) through imapprobe."""

import os
import re
import subprocess


def _config(ctx, account_extra="", local_extra="", remote_extra="",
            default="", user="alice"):
    """One account syncing `user` of the harness Dovecot (implicit TLS)
    into tmp/mail, with extra lines for each section."""
    dv = ctx.dovecot
    os.makedirs(os.path.join(ctx.tmp, "mail"), exist_ok=True)
    text = ""
    if default:
        text += "[DEFAULT]\n%s\n" % default
    text += ("[general]\naccounts = T\nmetadata = %(tmp)s/meta\n\n"
             "[Account T]\nlocalrepository = L\nremoterepository = R\n"
             "%(account)s\n"
             "[Repository L]\ntype = Maildir\nlocalfolders = %(tmp)s/mail\n"
             "%(local)s\n"
             "[Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\n"
             "remoteport = %(port)d\nssl = yes\nsslcacertfile = %(ca)s\n"
             "remoteuser = %(user)s\nremotepass = %(pw)s\n%(remote)s"
             % {"tmp": ctx.tmp, "port": dv.imaps_port, "ca": dv.ca_cert,
                "user": user, "pw": dv.password(user),
                "account": account_extra, "local": local_extra,
                "remote": remote_extra})
    return ctx.write_config(text, dedent=False)


def _line_of(path, text, start=0):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if n > start and line.startswith(text):
                return n
    raise AssertionError("%r not in %s" % (text, path))


def _sync(ctx, cfg, args=()):
    return ctx.run(["-c", cfg, "-u", "basic"] + list(args))


def _synced_inbox(ctx):
    return os.path.isdir(os.path.join(ctx.tmp, "mail", "INBOX", "cur"))


# ----- options accepted but not implemented -------------------------------

NOT_IMPLEMENTED = "not implemented in this version; ignored"


def test_options_unimplemented_warn_and_are_ignored(ctx):
    cfg = _config(ctx,
                  account_extra="maxage = 30\nquick = 5\n",
                  local_extra="readonly = yes\ncreatefolders = no\n"
                  "sync_deletes = no\n",
                  remote_extra="subscribedonly = yes\n"
                  "idlefolders = ['INBOX']\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    assert _synced_inbox(ctx)
    expected = [("Account T", "maxage"), ("Account T", "quick"),
                ("Repository L", "readonly"),
                ("Repository L", "createfolders"),
                ("Repository L", "sync_deletes"),
                ("Repository R", "subscribedonly"),
                ("Repository R", "idlefolders")]
    warnings = [l for l in err.splitlines() if NOT_IMPLEMENTED in l]
    assert len(warnings) == len(expected), err
    for section, option in expected:
        line = "warning: %s:%d: [%s] %s: %s" % (
            cfg, _line_of(cfg, option + " ="), section, option,
            NOT_IMPLEMENTED)
        assert line in warnings, (line, err)


def test_options_neutral_values_do_not_warn(ctx):
    cfg = _config(ctx,
                  account_extra="maxage = 0\nquick = 0\n"
                  "utf8foldernames = no\nstatus_backend = plain\n",
                  local_extra="readonly = no\ncreatefolders = yes\n"
                  "sync_deletes = true\n",
                  remote_extra="subscribedonly = off\nidlefolders = [ ]\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    assert "warning" not in err.lower(), err


def test_options_unimplemented_from_default_warn_once(ctx):
    # Inherited by both repositories, reported once, at its own line.
    cfg = _config(ctx, default="readonly = yes")
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    warnings = [l for l in err.splitlines() if NOT_IMPLEMENTED in l]
    assert warnings == ["warning: %s:2: [DEFAULT] readonly: %s"
                        % (cfg, NOT_IMPLEMENTED)], err
    # With -k the value is the command line's.
    cfg = _config(ctx)
    st, out, err = _sync(ctx, cfg, ["-k", "Account T:maxage=7"])
    assert st == 0, (st, out, err)
    assert ("warning: command line: [Account T] maxage: %s"
            % NOT_IMPLEMENTED) in err, err


# ----- status_backend -----------------------------------------------------

def test_options_status_backend(ctx):
    cfg = _config(ctx, account_extra="status_backend = sqlite\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 3, (st, out, err)
    assert ("%s:%d: [Account T] status_backend: 'sqlite': the sqlite "
            "status backend is not supported by this version; use plain "
            "(the default)" % (cfg, _line_of(cfg, "status_backend"))
            in err), err
    assert not os.path.exists(os.path.join(ctx.tmp, "meta"))
    cfg = _config(ctx, account_extra="status_backend = mbox\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 3, (st, out, err)
    assert re.search(r":\d+: \[Account T\] status_backend: 'mbox': unknown "
                     r"status backend \(use plain\)", err), err
    cfg = _config(ctx, account_extra="status_backend = plain\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 0 and not err.strip(), (st, out, err)


# ----- presynchook and postsynchook ---------------------------------------

def test_options_hooks_run_around_the_sync(ctx):
    order = os.path.join(ctx.tmp, "order")
    pre = ("echo pre-out; echo pre-err >&2; "
           "ls $HOME/mail > %s.pre 2>&1; echo pre >> %s" % (order, order))
    post = ("echo post-out; ls $HOME/mail > %s.post; echo post >> %s"
            % (order, order))
    cfg = _config(ctx, account_extra="presynchook = %s\npostsynchook = %s\n"
                  % (pre, post))
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    with open(order) as f:
        assert f.read() == "pre\npost\n"
    # Before the sync the Maildir is empty; after it INBOX is there.
    with open(order + ".pre") as f:
        assert f.read() == ""
    with open(order + ".post") as f:
        assert "INBOX" in f.read()
    lines = out.splitlines()
    assert "Account T: running presynchook: %s" % pre in lines, out
    assert "presynchook: pre-out" in lines and \
        "presynchook: pre-err" in lines, out
    assert "postsynchook: post-out" in lines, out
    first_sync = min(i for i, l in enumerate(lines) if "Syncing" in l)
    assert lines.index("presynchook: pre-out") < first_sync
    assert lines.index("postsynchook: post-out") > first_sync


def test_options_failing_presynchook_skips_the_sync(ctx):
    marker = os.path.join(ctx.tmp, "post-ran")
    cfg = _config(ctx, account_extra="presynchook = echo no network; "
                  "exit 3\npostsynchook = touch %s\n" % marker)
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert ('account "T": presynchook failed with exit status 3; skipping '
            'this sync' in err), err
    assert "presynchook: no network" in out, out
    assert not _synced_inbox(ctx)
    assert "Syncing" not in out
    assert not os.path.exists(marker)
    # Killed by a signal.
    cfg = _config(ctx, account_extra="presynchook = kill -TERM $$\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert re.search(r'presynchook was killed by signal 15 \(\w+\); '
                     r'skipping this sync', err), err
    assert not _synced_inbox(ctx)


def test_options_failing_postsynchook_is_an_error(ctx):
    cfg = _config(ctx, account_extra="postsynchook = exit 42\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert 'account "T": postsynchook failed with exit status 42' in err, err
    assert _synced_inbox(ctx)
    # After a failed sync it still runs.
    marker = os.path.join(ctx.tmp, "post-ran")
    cfg = _config(ctx, account_extra="postsynchook = touch %s\n" % marker,
                  user="bob")
    with open(cfg) as f:
        text = f.read()
    cfg = ctx.write_config(text.replace(
        "remotepass = %s" % ctx.dovecot.password("bob"),
        "remotepass = wrong"), dedent=False)
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert os.path.exists(marker)


def test_options_hook_environment(ctx):
    # No terminal input, default signal handling (we ignore SIGPIPE
    # ourselves), long lines split, a final line without newline kept.
    hook = ("read x; echo read=$?; grep -E '^Sig(Ign|Blk):' /proc/self/"
            "status | tr '\\t' ' '; head -c 5000 /dev/zero | tr '\\0' x; "
            "echo; printf last")
    cfg = _config(ctx, account_extra="presynchook = %s\n" % hook)
    st, out, err = _sync(ctx, cfg, ["-d", "thread"])
    assert st == 0, (st, out, err)
    lines = out.splitlines()
    assert "presynchook: read=1" in lines, out
    # Signals 1..31; glibc's posix_spawn leaves its own two internal
    # real-time signals ignored in the child of a threaded process.
    masks = dict(re.findall(r"^presynchook: (SigIgn|SigBlk): ([0-9a-f]+)$",
                            out, re.M))
    assert len(masks) == 2, out
    for name, mask in masks.items():
        assert int(mask, 16) & 0x7fffffff == 0, (name, mask)
    assert "presynchook: " + "x" * 4096 in lines, out
    assert "presynchook: " + "x" * 904 in lines, out
    assert "presynchook: last" in lines, out


# ----- LSUB (the client half of subscribedonly) ---------------------------

def test_options_lsub_lists_subscribed_folders(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as imap:
        imap.create_folders(["Lists", "Lists/C", "Work", "Junk"])
        for name in ("Lists/C", "Work"):
            imap.cmd("SUBSCRIBE", '"%s"' % name)
    pwfile = os.path.join(ctx.tmp, "pw")
    with open(pwfile, "w") as f:
        f.write(pw + "\n")
    script = os.path.join(ctx.tmp, "script")
    with open(script, "w") as f:
        f.write("lsub\t*\nlsub\tL%\nlsub\tNone*\n")
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    proc = subprocess.run([exe, "--host", dv.host, "--port",
                           str(dv.imaps_port), "--ssl", "--cafile",
                           dv.ca_cert, "--user", user, "--password-file",
                           pwfile, "--script", script],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          env=ctx.env(), cwd=ctx.tmp, timeout=60)
    out = proc.stdout.decode()
    ctx.check_output(proc.stderr)
    assert proc.returncode == 0, (out, proc.stderr)
    lines = out.splitlines()
    first = lines.index("LSUBS\t2")
    assert sorted(lines[first - 2:first]) == ["LSUB\tLists/C\tnoselect=0",
                                              "LSUB\tWork\tnoselect=0"], out
    # "L%" matches only the top level: Lists is not subscribed itself
    # but has a subscribed child, which LSUB reports as \Noselect.
    second = lines.index("LSUBS\t1", first + 1)
    assert lines[second - 1] == "LSUB\tLists\tnoselect=1", out
    assert lines[-1] == "LSUBS\t0", out
