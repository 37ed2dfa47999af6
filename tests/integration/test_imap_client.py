# SPDX-License-Identifier: GPL-2.0-or-later
"""The IMAP client layer against the harness Dovecot (and a tiny scripted
server for what Dovecot will not do), driven through tests/tools/imapprobe:
authentication mechanisms, TLS verification and pinning, STARTTLS, the
PREAUTH tunnel, LIST with non-ASCII names, body fetch, credentials never
appearing in any output; the message commands (APPEND with flags and
dates, SEARCH, STORE, EXPUNGE, STATUS, pipelined body fetch, vanished
messages) and the connection pool with threads and reconnection."""

import datetime
import os
import re
import socket
import subprocess
import threading

from dovecot import Dovecot
from imaphelper import make_message


def _probe(ctx, args, timeout=60):
    """Run imapprobe; returns (status, stdout, stderr) as str."""
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    proc = subprocess.run([exe] + [str(a) for a in args],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          env=ctx.env(), cwd=ctx.tmp, timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    ctx.check_output(err)
    return proc.returncode, out, err


def _pwfile(ctx, password, name="pw"):
    path = os.path.join(ctx.tmp, name)
    with open(path, "w") as f:
        f.write(password + "\n")
    return path


def _login_args(ctx, user, password):
    return ["--user", user, "--password-file", _pwfile(ctx, password)]


def _assert_secret_hidden(password, *texts):
    for t in texts:
        assert password not in t, "password leaked:\n" + t


def _sent_lines(stderr):
    """The client lines of an -d imap trace."""
    return [l for l in stderr.splitlines()
            if l.startswith("DEBUG[imap]: ") and " > " in l]


def test_login_each_mechanism(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    expect = {"CRAM-MD5": "AUTHENTICATE CRAM-MD5",
              "PLAIN": "AUTHENTICATE PLAIN <authentication data hidden>",
              "LOGIN": 'LOGIN "%s" <password hidden>' % user}
    for mech, line in expect.items():
        st, out, err = _probe(ctx, ["--host", dv.host, "--port",
                                    dv.imap_port, "--starttls=no",
                                    "--auth", mech, "-d",
                                    "--list", "", "*"]
                              + _login_args(ctx, user, pw))
        assert st == 0, (mech, err)
        assert "CONNECTED tls=0 preauth=0" in out, out
        assert "FOLDER\t/\t" in out and "\tINBOX\tINBOX" in out, out
        sent = _sent_lines(err)
        assert any(l.endswith(line) for l in sent), (mech, sent)
        # every line is stamped MM:SS.cc
        assert all(l[13:21][2] == ":" and l[13:21][5] == "."
                   for l in sent), sent
        _assert_secret_hidden(pw, out, err)


def test_wrong_password_is_a_clear_error(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    for mech in ("CRAM-MD5", "LOGIN"):
        st, out, err = _probe(ctx, ["--host", dv.host, "--port",
                                    dv.imap_port, "--starttls=no",
                                    "--auth", mech, "-d"]
                              + _login_args(ctx, user, pw + "-wrong"))
        assert st == 3, (st, err)
        assert "rejected the login" in err and \
            "Authentication failed" in err, err
        _assert_secret_hidden(pw + "-wrong", out, err)


def test_imaps_with_harness_ca(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    # "localhost" may resolve to ::1 first, where nothing listens: every
    # address must be tried.
    for host in ("localhost", "127.0.0.1"):
        st, out, err = _probe(ctx, ["--host", host, "--port",
                                    dv.imaps_port, "--ssl", "--cafile",
                                    dv.ca_cert, "-d"]
                              + _login_args(ctx, user, pw))
        assert st == 0, err
        assert "CONNECTED tls=1" in out, out
        _assert_secret_hidden(pw, out, err)


def _assert_refused_before_login(st, out, err, fingerprint):
    assert st == 1, (st, out, err)
    assert "CONNECTED" not in out
    assert fingerprint in err, err
    # Not a single command went out, let alone a credential.
    assert _sent_lines(err) == [], err


def test_untrusted_ca_refused_with_fingerprint(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    other_ca, _ = dv.make_self_signed("other-ca")
    for extra in ([], ["--cafile", other_ca]):
        st, out, err = _probe(ctx, ["--host", "localhost", "--port",
                                    dv.imaps_port, "--ssl", "-d"] + extra
                              + _login_args(ctx, user, pw))
        _assert_refused_before_login(st, out, err, dv.fingerprint())
        assert "verification failed" in err, err
        _assert_secret_hidden(pw, out, err)


def test_wrong_pin_refused_with_fingerprint(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    st, out, err = _probe(ctx, ["--host", "localhost", "--port",
                                dv.imaps_port, "--ssl", "-d", "--cafile",
                                dv.ca_cert, "--fingerprint", "ab" * 32]
                          + _login_args(ctx, user, pw))
    _assert_refused_before_login(st, out, err, dv.fingerprint())
    assert "matches no cert_fingerprint" in err, err


def test_correct_pin_passes_without_ca(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    sha1 = dv.fingerprint(algo="sha1").upper()
    sha1_colons = ":".join(sha1[i:i + 2] for i in range(0, len(sha1), 2))
    for pin in (dv.fingerprint(), sha1_colons):
        st, out, err = _probe(ctx, ["--host", dv.host, "--port",
                                    dv.imaps_port, "--ssl",
                                    "--fingerprint", "00" * 32,
                                    "--fingerprint", pin]
                              + _login_args(ctx, user, pw))
        assert st == 0, err
        assert "CONNECTED tls=1" in out, out


def test_wrong_host_name_refused(ctx):
    with Dovecot(server_cert="wronghost") as dv:
        user, pw = dv.add_user()
        st, out, err = _probe(ctx, ["--host", "localhost", "--port",
                                    dv.imaps_port, "--ssl", "--cafile",
                                    dv.ca_cert, "-d"]
                              + _login_args(ctx, user, pw))
        _assert_refused_before_login(st, out, err, dv.fingerprint())
        assert "hostname mismatch" in err or "host" in err, err
        # STARTTLS checks the name the same way.
        st, out, err = _probe(ctx, ["--host", "localhost", "--port",
                                    dv.imap_port, "--starttls=yes",
                                    "--cafile", dv.ca_cert, "-d"]
                              + _login_args(ctx, user, pw))
        assert st == 1 and dv.fingerprint() in err, err
        assert not any("LOGIN" in l or "AUTHENTICATE" in l
                       for l in _sent_lines(err)), err
        _assert_secret_hidden(pw, out, err)


def test_starttls(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    for mode in ("yes", "auto"):
        st, out, err = _probe(ctx, ["--host", "localhost", "--port",
                                    dv.imap_port, "--starttls=" + mode,
                                    "--cafile", dv.ca_cert, "-d",
                                    "--auth", "PLAIN"]
                              + _login_args(ctx, user, pw))
        assert st == 0, err
        assert "CONNECTED tls=1" in out, out
        sent = _sent_lines(err)
        i_tls = [i for i, l in enumerate(sent) if l.endswith(" STARTTLS")]
        i_auth = [i for i, l in enumerate(sent) if "AUTHENTICATE" in l]
        assert i_tls and i_auth and i_tls[0] < i_auth[0], sent
        _assert_secret_hidden(pw, out, err)


class _ScriptedServer:
    """A one-connection IMAP server on loopback that greets with the given
    capabilities, answers CAPABILITY, and records everything it receives."""

    def __init__(self, caps, hang_up_on=None):
        self.caps = caps
        self.hang_up_on = hang_up_on
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(30)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            conn.sendall(b"* OK [CAPABILITY " + self.caps + b"] ready\r\n")
            buf = b""
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                self.received += data
                buf += data
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    parts = line.split(b" ")
                    if len(parts) < 2:
                        continue
                    tag, cmd = parts[0], parts[1].upper()
                    if cmd == self.hang_up_on:
                        conn.sendall(b"* LIST () \"/\" {5}\r\nab")
                        return
                    if cmd == b"CAPABILITY":
                        conn.sendall(b"* CAPABILITY " + self.caps +
                                     b"\r\n" + tag + b" OK done\r\n")
                    elif cmd == b"LOGIN":
                        conn.sendall(tag + b" OK logged in\r\n")
                    elif cmd == b"LOGOUT":
                        conn.sendall(b"* BYE bye\r\n" + tag + b" OK\r\n")
                        return
                    else:
                        conn.sendall(tag + b" NO not here\r\n")

    def close(self):
        self.sock.close()
        self.thread.join(5)


def test_no_credentials_without_required_starttls(ctx):
    pw = "Never-Sent-9"
    srv = _ScriptedServer(b"IMAP4rev1 AUTH=PLAIN AUTH=CRAM-MD5")
    try:
        st, out, err = _probe(ctx, ["--host", "127.0.0.1", "--port",
                                    srv.port, "--starttls=yes", "-d"]
                              + _login_args(ctx, "joe", pw))
    finally:
        srv.close()
    assert st == 1, (st, err)
    assert "does not offer STARTTLS" in err, err
    assert b"LOGIN" not in srv.received.upper() and \
        b"AUTHENTICATE" not in srv.received.upper(), srv.received
    assert b"joe" not in srv.received
    _assert_secret_hidden(pw, out, err)


def test_no_plaintext_credentials_when_logindisabled(ctx):
    pw = "Never-Sent-10"
    srv = _ScriptedServer(b"IMAP4rev1 AUTH=PLAIN LOGINDISABLED")
    try:
        st, out, err = _probe(ctx, ["--host", "127.0.0.1", "--port",
                                    srv.port, "--starttls=auto"]
                              + _login_args(ctx, "joe", pw))
    finally:
        srv.close()
    assert st == 1, (st, err)
    assert "LOGINDISABLED" in err, err
    assert b"joe" not in srv.received, srv.received


def _tunnel_command(dv, user):
    cmd = ("USER=%s HOME=%s exec /usr/lib/dovecot/imap -c %s "
           "-o stats_writer_socket_path=" % (user, dv.home(user),
                                              dv.conf_path))
    if os.geteuid() == 0:
        # Dovecot's mail processes refuse to run as root.
        cmd = cmd.replace("exec ", "exec setpriv --reuid=%d --regid=%d "
                          "--clear-groups " % (dv.mail_uid, dv.mail_gid))
    return cmd


def test_preauth_tunnel(ctx):
    dv = ctx.dovecot
    user, _ = ctx.new_user()
    with dv.imap(user) as h:
        h.create("Tunnelled")
    st, out, err = _probe(ctx, ["--tunnel", _tunnel_command(dv, user),
                                "-d", "--list", "", "*"])
    assert st == 0, err
    assert "CONNECTED tls=0 preauth=1" in out, out
    assert "\tTunnelled\tTunnelled" in out, out
    # no authentication on a pre-authenticated connection
    assert not any("LOGIN" in l or "AUTHENTICATE" in l
                   for l in _sent_lines(err)), err
    # the tunnel's own stderr ends up in our output, not on a terminal
    st, out, err = _probe(ctx, ["--tunnel", "echo oops-from-tunnel >&2; "
                                "printf '* PREAUTH hi\\r\\n'; "
                                "read line; printf '%s OK\\r\\n' "
                                "\"${line%% *}\"; read line"])
    assert "oops-from-tunnel" in err, err


def test_list_non_ascii_folder(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        h.create("Ärger")
        h.create("Entwürfe/Alt")
        h.create('Sent "Items"')
    st, out, err = _probe(ctx, ["--host", dv.host, "--port", dv.imap_port,
                                "--starttls=no", "--list", "", "*"]
                          + _login_args(ctx, user, pw))
    assert st == 0, err
    lines = out.splitlines()
    assert "FOLDER\t/\t-\t&AMQ-rger\tÄrger" in lines or \
        any(l.endswith("\t&AMQ-rger\tÄrger") for l in lines), out
    assert any(l.endswith("\tEntw&APw-rfe/Alt\tEntwürfe/Alt")
               for l in lines), out
    assert any(l.endswith('\tSent "Items"\tSent "Items"')
               for l in lines), out
    # a reference and a pattern that need quoting
    st, out, err = _probe(ctx, ["--host", dv.host, "--port", dv.imap_port,
                                "--starttls=no", "--list", "Entw&APw-rfe/",
                                "*"] + _login_args(ctx, user, pw))
    assert st == 0, err
    assert any(l.endswith("\tEntw&APw-rfe/Alt\tEntwürfe/Alt")
               for l in out.splitlines()), out


def test_fetch_body(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    body = make_message(1, body="line one\r\n(unbalanced\r\n" * 50)
    with dv.imap(user) as h:
        uid = h.append("INBOX", body)
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    args = [exe, "--host", dv.host, "--port", str(dv.imap_port),
            "--starttls=no", "-d", "--fetch", "INBOX", str(uid)] + \
        _login_args(ctx, user, pw)
    proc = subprocess.run(args, capture_output=True, env=ctx.env(),
                          cwd=ctx.tmp, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    ctx.check_output(err)
    assert proc.returncode == 0, err
    assert proc.stdout.startswith(b"CONNECTED"), proc.stdout[:100]
    got = proc.stdout.split(b"\n", 1)[1]
    assert got == body, (len(got), len(body))
    assert "read literal size %d" % len(body) in err, err
    # a UID that does not exist
    st, out, err = _probe(ctx, ["--host", dv.host, "--port", dv.imap_port,
                                "--starttls=no", "--fetch", "INBOX",
                                uid + 100] + _login_args(ctx, user, pw))
    assert st == 4, (st, err)


def test_large_body_streams_in_bounded_memory(ctx):
    if ctx.sanitized:
        ctx.skip("peak RSS is meaningless under ASan")
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    line = b"0123456789abcdefghijklmnopqrstuvwxyz" * 2 + b"\r\n"
    body = make_message(2, body="x") + line * (20 * 1024 * 1024 // len(line))
    with dv.imap(user) as h:
        uid = h.append("INBOX", body)
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    out_path = os.path.join(ctx.tmp, "body.out")
    # Run under a tiny Python wrapper so that RUSAGE_CHILDREN covers only
    # the probe, not whatever this runner started before.
    script = ("import resource, subprocess, sys\n"
              "with open(sys.argv[1], 'wb') as f:\n"
              "    st = subprocess.call(sys.argv[2:], stdout=f)\n"
              "print(st, resource.getrusage(resource.RUSAGE_CHILDREN)"
              ".ru_maxrss)\n")
    def peak(extra):
        args = [exe, "--host", dv.host, "--port", str(dv.imap_port),
                "--starttls=no"] + extra + _login_args(ctx, user, pw)
        proc = subprocess.run(["python3", "-c", script, out_path] + args,
                              capture_output=True, env=ctx.env(),
                              cwd=ctx.tmp, timeout=120)
        ctx.check_output(proc.stderr)
        st, maxrss_kb = proc.stdout.split()
        assert int(st) == 0, proc.stderr
        return int(maxrss_kb)

    # The same program doing no fetch: libraries and start-up.
    baseline = peak(["--list", "", "INBOX"])
    fetching = peak(["--fetch", "INBOX", str(uid)])
    with open(out_path, "rb") as f:
        got = f.read().split(b"\n", 1)[1]
    assert got == body, (len(got), len(body))
    # A 20 MB body held in memory would add 20 MB or more.
    assert fetching < baseline + 4 * 1024, \
        "peak RSS %d kB fetching vs %d kB baseline" % (fetching, baseline)


def test_connection_lost_mid_command(ctx):
    # The server dies inside a literal of a LIST answer: a clean error,
    # no crash, no leak (under ASan), no hang.
    srv = _ScriptedServer(b"IMAP4rev1", hang_up_on=b"LIST")
    try:
        st, out, err = _probe(ctx, ["--host", "127.0.0.1", "--port",
                                    srv.port, "--starttls=no", "--list",
                                    "", "*"]
                              + _login_args(ctx, "joe", "pw-joe-1"))
    finally:
        srv.close()
    assert st == 1, (st, err)
    assert "CONNECTED" in out, out
    assert "connection closed" in err, err


# ----- message commands (tests/tools/imapprobe --script) ------------------

def _script_probe(ctx, dv, user, pw, lines, extra=(), timeout=120,
                  port=None):
    """Run imapprobe with a script (a list of tab-separated command
    lines); returns (status, stdout lines, stderr)."""
    path = os.path.join(ctx.tmp, "script")
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    st, out, err = _probe(ctx, ["--host", dv.host, "--port",
                                port or dv.imap_port, "--starttls=no",
                                "--script", path] + list(extra)
                          + _login_args(ctx, user, pw), timeout=timeout)
    return st, out.splitlines(), err


def _fields(lines, word):
    """The tab-separated fields of every output line starting with
    word."""
    return [l.split("\t")[1:] for l in lines if l.split("\t")[0] == word]


def _kv(fields):
    return dict(f.split("=", 1) for f in fields)


def _write(ctx, name, data):
    path = os.path.join(ctx.tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _uidspec(uids):
    return ",".join(str(u) for u in uids)


def test_append_flags_date_and_fetch_back(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    # 8-bit text, a lone dot line, a long line, no final CRLF
    body = make_message(1, body=b"h\xc3\xa9llo\r\n.\r\n" + b"x" * 3000 +
                        b"\r\nend")
    msg = _write(ctx, "msg", body)
    big = _write(ctx, "big", make_message(2, size=300000))
    date = "05-Jan-2026 06:00:00 -0330"      # 09:30 UTC
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "select\tINBOX",
        "append\tINBOX\t\\Seen,\\Flagged,$Label\t%s\t%s" % (date, msg),
        "append\tINBOX\t\\Answered\t-\t%s\tstream" % big,
        "append\tINBOX\t-\t 1-Jul-2024 23:59:59 +0545\t%s" % msg,
        "msgs",
        "bodies\t%s\t1-3" % ctx.tmp,
    ], extra=["-d"])
    assert st == 0, err
    assert not _fields(out, "ERROR"), out
    appended = _fields(out, "APPENDED")
    assert [a[1] for a in appended] == ["1", "2", "3"], out
    with dv.imap(user) as h:
        validity = h.uidvalidity("INBOX")
        server = h.fetch_all("INBOX")
    # APPENDUID: this message's own [APPENDUID validity uid]
    assert all(int(a[0]) == validity for a in appended), (appended,
                                                         validity)
    assert server[1][1] == body and server[3][1] == body
    assert server[2][1] == make_message(2, size=300000)
    assert server[1][0] == {"\\Seen", "\\Flagged", "$Label"}, server[1][0]
    assert server[2][0] == {"\\Answered"}, server[2][0]
    utc = datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc)
    assert server[1][2] == utc, server[1][2]
    assert server[3][2] == datetime.datetime(
        2024, 7, 1, 18, 14, 59, tzinfo=datetime.timezone.utc), server[3][2]
    # the wire form: numeric zones, space-padded day, LITERAL+ (Dovecot)
    sent = _sent_lines(err)
    assert any(l.endswith('APPEND "INBOX" (\\Flagged \\Seen $Label) '
                          '" 5-Jan-2026 06:00:00 -0330" {%d+}' % len(body))
               for l in sent), sent
    assert any('" 1-Jul-2024 23:59:59 +0545"' in l for l in sent), sent
    assert any(l.endswith("write literal size %d" % len(body))
               for l in sent), sent
    # and back through our own listing and body fetch
    msgs = {int(m[0]): m for m in _fields(out, "MSG")}
    assert sorted(msgs) == [1, 2, 3], out
    assert set(msgs[1][1].split(",")) - {"\\Recent"} == \
        {"\\Flagged", "\\Seen"}, msgs[1]
    assert msgs[1][2] == "$Label", msgs[1]
    assert int(msgs[1][4]) == int(utc.timestamp()), msgs[1]
    assert int(msgs[1][5]) == len(body), msgs[1]
    assert int(msgs[2][5]) == len(make_message(2, size=300000))
    for uid, want in ((1, body), (3, body),
                      (2, make_message(2, size=300000))):
        with open(os.path.join(ctx.tmp, str(uid)), "rb") as f:
            assert f.read() == want, uid
    assert _kv(_fields(out, "BODIES")[0]) == \
        {"ok": "3", "missing": "0", "failed": "0"}, out


def test_append_pipelined_and_errors(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    msg = _write(ctx, "msg", make_message(3))
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "append-many\tINBOX\t25\t%s" % msg,
        "append\tNo such box\t-\t-\t%s" % msg,
        "append\tINBOX\tbad(keyword\t-\t%s" % msg,
        "append\tINBOX\t-\tnot a date\t%s" % msg,
        "noop",
    ], extra=["-d"])
    assert st == 0, err
    many = _fields(out, "APPENDED-MANY")[0]
    assert many[0] == "25" and [int(u) for u in many[1:]] == \
        list(range(1, 26)), many
    # the server's refusal, with its text and response code
    assert 'APPEND to "No such box" failed: [TRYCREATE]' in \
        _fields(out, "ERROR")[0][1], out
    assert "cannot be sent as a flag keyword" in _fields(out, "ERROR")[1][1]
    assert "bad date" in _fields(out, "ERROR")[2][1], out
    assert _fields(out, "NOOP") == [[]], out     # still usable
    # pipelined: many APPENDs written before the first completion
    first_ok = next(i for i, l in enumerate(err.splitlines())
                    if re.search(r" < \w+ OK \[APPENDUID", l))
    before = [l for l in err.splitlines()[:first_ok]
              if " > " in l and " APPEND " in l]
    assert len(before) >= 10, before
    with dv.imap(user) as h:
        assert len(h.uids("INBOX")) == 25


def test_append_waits_for_continuation_without_literal_plus(ctx):
    with Dovecot(extra_conf="imap_capability = IMAP4rev1 UIDPLUS") as dv:
        user, pw = dv.add_user()
        body = make_message(4, size=10000)
        msg = _write(ctx, "msg", body)
        st, out, err = _script_probe(ctx, dv, user, pw, [
            "append\tINBOX\t\\Seen\t-\t%s" % msg,
            "append-many\tINBOX\t4\t%s" % msg,
            "append\tMissing\t-\t-\t%s" % msg,
            "noop",
        ], extra=["-d"])
        assert st == 0, err
        assert _fields(out, "APPENDED")[0][1] == "1", out
        assert _fields(out, "APPENDED-MANY")[0] == ["4", "2", "3", "4",
                                                    "5"], out
        assert "[TRYCREATE]" in _fields(out, "ERROR")[0][1], out
        assert _fields(out, "NOOP") == [[]], out
        lines = err.splitlines()
        # a synchronising literal, and its data only after the "+"
        i = next(i for i, l in enumerate(lines)
                 if l.endswith("{%d}" % len(body)) and " APPEND " in l)
        j = next(j for j, l in enumerate(lines) if j > i and " < + " in l)
        k = next(k for k, l in enumerate(lines)
                 if k > i and "write literal size %d" % len(body) in l)
        assert i < j < k, lines[i:k + 1]
        # no APPEND went out while a "+" was awaited
        waiting = False
        for l in lines:
            if " > " in l and " APPEND " in l and l.endswith("}"):
                assert not waiting, "APPEND sent while waiting for +"
                waiting = True
            elif " < + " in l or (" < " in l and " NO " in l):
                waiting = False
        with dv.imap(user) as h:
            got = h.fetch_all("INBOX")
        assert len(got) == 5 and all(v[1] == body for v in got.values())
        assert got[1][0] == {"\\Seen"}


def test_search(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        uids = h.populate({"INBOX": [
            make_message(i, headers=[("X-Track", "tok-%d" % i)])
            for i in range(1, 6)] + [
            make_message(9, headers=[("X-Track", "Grüße 9")])]})["INBOX"]
        h.set_flags("INBOX", uids[:2], ["\\Seen"])
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "select\tINBOX",
        "search-header\tX-Track\ttok-3",
        "search-header\tX-Track\tno-such-token",
        "search-header\tX-Track\tGrüße 9",
        "search\tUNSEEN",
        "search\tALL",
        "search\tFOO BAR",
        "search\tUID 2:4",
    ], extra=["-d"])
    assert st == 0, err
    res = _fields(out, "SEARCH")
    assert res[0] == [str(uids[2])], out
    assert res[1] == [], out
    assert res[2] == [str(uids[5])], out
    assert res[3] == [str(u) for u in uids[2:]], out
    assert res[4] == [str(u) for u in uids], out
    assert res[5] == ["2", "3", "4"], out
    errs = _fields(out, "ERROR")
    assert len(errs) == 1 and errs[0][0] == "search" and \
        "failed: BAD" in errs[0][1], out
    sent = _sent_lines(err)
    assert any(l.endswith('UID SEARCH HEADER "X-Track" "tok-3"')
               for l in sent), sent
    assert any("UID SEARCH CHARSET UTF-8 HEADER" in l for l in sent), sent


def test_store_flags_on_300_uids(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    msg = _write(ctx, "msg", make_message(5))
    # 400 messages; the 300 chosen ones have gaps, so the set needs many
    # ranges, and a 200-byte line limit forces several commands
    chosen = [u for u in range(1, 401) if u % 4 != 0]
    assert len(chosen) == 300
    removed = chosen[::2]
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "append-many\tINBOX\t400\t%s" % msg,
        "select\tINBOX",
        "store\t+\t\\Flagged,\\Seen,$Work\t%s" % _uidspec(reversed(chosen)),
        "store\t-\t\\Seen\t%s" % _uidspec(removed),
        "store\t+\t-\t1-400",
        "store\t+\tbad\"kw\t1",
    ], extra=["-d", "--max-line", "200"])
    assert st == 0, err
    assert len(_fields(out, "STORED")) == 3, out
    assert "cannot be sent as a flag keyword" in \
        _fields(out, "ERROR")[0][1], out
    sent = _sent_lines(err)
    stores = [l.split(" > ", 1)[1] for l in sent if " UID STORE " in l]
    plus = [l for l in stores if "+FLAGS.SILENT" in l]
    minus = [l for l in stores if "-FLAGS.SILENT" in l]
    assert len(plus) > 2 and len(minus) > 1, stores
    assert all(len(l) + 2 <= 200 for l in stores), stores
    # sorted, compressed sets: ascending and "a:b" runs
    for l in plus:
        assert l.endswith(" +FLAGS.SILENT (\\Flagged \\Seen $Work)"), l
        uidset = l.split(" ")[3]
        nums = [int(x) for part in uidset.split(",")
                for x in part.split(":")]
        assert nums == sorted(nums), uidset
        assert ":" in uidset, uidset
    # pipelined: several STOREs before the first completion
    lines = err.splitlines()
    first_done = next(i for i, l in enumerate(lines)
                      if re.search(r" < \w+ OK Store", l))
    assert sum(1 for l in lines[:first_done]
               if " > " in l and "+FLAGS.SILENT" in l) > 1
    with dv.imap(user) as h:
        flags = h.flags("INBOX")
    for uid in range(1, 401):
        want = set()
        if uid in chosen:
            want = {"\\Flagged", "$Work"} | (
                set() if uid in removed else {"\\Seen"})
        assert flags[uid] == want, (uid, flags[uid], want)


def test_expunge_and_uid_expunge(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        uids = h.populate({"INBOX": [make_message(i)
                                     for i in range(1, 9)]})["INBOX"]
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "select\tINBOX",
        "store\t+\t\\Deleted\t%d,%d" % (uids[0], uids[1]),
        "expunge",
        "store\t+\t\\Deleted\t%d,%d" % (uids[2], uids[3]),
        "uid-expunge\t%d" % uids[2],
        "msgs",
        "check",
    ])
    assert st == 0, err
    assert len(_fields(out, "EXPUNGED")) == 2, out
    assert _fields(out, "CHECKED") == [[]], out
    listed = [int(m[0]) for m in _fields(out, "MSG")]
    # UID EXPUNGE removed only its UID, not the other \Deleted one
    assert listed == uids[3:], listed
    with dv.imap(user) as h:
        assert h.uids("INBOX") == uids[3:]
        assert "\\Deleted" in h.flags("INBOX")[uids[3]]


def test_uid_expunge_needs_uidplus(ctx):
    with Dovecot(extra_conf="imap_capability = IMAP4rev1 LITERAL+") as dv:
        user, pw = dv.add_user()
        with dv.imap(user) as h:
            uids = h.populate({"INBOX": [make_message(1),
                                         make_message(2)]})["INBOX"]
            h.set_flags("INBOX", uids, ["\\Deleted"])
        st, out, err = _script_probe(ctx, dv, user, pw, [
            "select\tINBOX", "uid-expunge\t%d" % uids[0], "msgs"])
        assert st == 0, err
        assert "UIDPLUS" in _fields(out, "ERROR")[0][1], out
        assert len(_fields(out, "MSG")) == 2, out   # nothing expunged


def test_pipelined_fetch_of_200_bodies(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    bodies = [make_message(i, size=500 + 37 * i) for i in range(1, 201)]
    with dv.imap(user) as h:
        uids = h.populate({"INBOX": bodies})["INBOX"]
    outdir = os.path.join(ctx.tmp, "bodies")
    os.mkdir(outdir)
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "examine\tINBOX",
        "bodies\t%s\t%s" % (outdir, _uidspec(uids)),
    ], extra=["-d"])
    assert st == 0, err
    assert _kv(_fields(out, "BODIES")[0]) == \
        {"ok": "200", "missing": "0", "failed": "0"}, out
    for uid, body in zip(uids, bodies):
        with open(os.path.join(outdir, str(uid)), "rb") as f:
            assert f.read() == body, uid
    # Round trips, independent of timing: how many UID FETCH commands
    # were written before the first one completed.  One at a time would
    # be 1; the default cap is 32 in flight.
    lines = err.splitlines()
    fetch_tags = {}
    for i, l in enumerate(lines):
        m = re.search(r" > (\w+) UID FETCH \d+ \(UID BODY.PEEK\[\]\)$", l)
        if m:
            fetch_tags[m.group(1)] = i
    assert len(fetch_tags) == 200, len(fetch_tags)
    first_done = min(i for i, l in enumerate(lines)
                     if re.search(r" < (\w+) OK", l) and
                     re.search(r" < (\w+) OK", l).group(1) in fetch_tags)
    in_flight = sum(1 for i in fetch_tags.values() if i < first_done)
    assert in_flight >= 30, in_flight
    # and with a cap of 4, never more than 4 outstanding
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "examine\tINBOX",
        "bodies\t%s\t%s" % (outdir, _uidspec(uids[:40])),
    ], extra=["-d", "--max-inflight", "4"])
    assert st == 0, err
    outstanding, peak = set(), 0
    for l in err.splitlines():
        m = re.search(r" > (\w+) UID FETCH ", l)
        if m:
            outstanding.add(m.group(1))
            peak = max(peak, len(outstanding))
        m = re.search(r" < (\w+) (OK|NO|BAD)", l)
        if m:
            outstanding.discard(m.group(1))
    assert peak == 4, peak


def test_status(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        h.create("Ärger")
        uids = h.populate({"Ärger": [make_message(i)
                                     for i in range(1, 4)]})["Ärger"]
        h.set_flags("Ärger", uids[:1], ["\\Seen"])
        want = h.status("Ärger")
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "status\t&AMQ-rger", "status\tINBOX", "status\tNope"])
    assert st == 0, err
    got = [_kv(f) for f in _fields(out, "STATUS")]
    assert int(got[0]["messages"]) == 3 == want["MESSAGES"], got
    assert int(got[0]["uidnext"]) == want["UIDNEXT"], got
    assert int(got[0]["uidvalidity"]) == want["UIDVALIDITY"], got
    assert int(got[0]["unseen"]) == 2 == want["UNSEEN"], got
    assert got[1]["messages"] == "0", got
    assert 'STATUS "Nope" failed: ' in _fields(out, "ERROR")[0][1], out


def test_vanished_message_is_not_found(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        uids = h.populate({"INBOX": [make_message(i)
                                     for i in range(1, 4)]})["INBOX"]
    path = os.path.join(ctx.tmp, "script")
    with open(path, "w") as f:
        f.write("select\tINBOX\nmsgs\npause\nbodies\t%s\t%s\nmsgs\n"
                % (ctx.tmp, _uidspec(uids)))
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    proc = subprocess.Popen(
        [exe, "--host", dv.host, "--port", str(dv.imap_port),
         "--starttls=no", "--script", path] + _login_args(ctx, user, pw),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=ctx.env(), cwd=ctx.tmp)
    try:
        out = []
        for line in proc.stdout:
            out.append(line.decode().rstrip("\n"))
            if out[-1] == "PAUSED":
                break
        assert len(_fields(out, "MSG")) == 3, out
        # another client expunges the middle message meanwhile
        with dv.imap(user) as h:
            h.delete_messages("INBOX", [uids[1]])
        rest, err = proc.communicate(b"\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err.decode("utf-8", "replace")
    ctx.check_output(err)
    out += rest.decode().splitlines()
    assert proc.returncode == 0, err
    body = {int(b[0]): b for b in _fields(out, "BODY")}
    assert body[uids[0]][1] == "1" and body[uids[2]][1] == "1", out
    assert body[uids[1]][1:] == ["0", "-"], out     # not found, no error
    assert not _fields(out, "ERROR"), out
    assert _kv(_fields(out, "BODIES")[0]) == \
        {"ok": "2", "missing": "1", "failed": "0"}
    # the listing afterwards no longer has it
    assert [int(m[0]) for m in _fields(out, "MSG")][3:] == \
        [uids[0], uids[2]], out


def test_fetch_list_ranges(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        uids = h.populate({"INBOX": [make_message(i)
                                     for i in range(1, 6)]})["INBOX"]
        h.create("Empty")
    st, out, err = _script_probe(ctx, dv, user, pw, [
        "select\tINBOX",
        "msgs\t%d" % uids[3],
        # "n:*" with n above every UID: the server answers with the last
        # message anyway, which must not be listed
        "msgs\t%d" % (uids[-1] + 10),
        "msgs\t%d\t%d" % (uids[1], uids[2]),
        "select\tEmpty",
        "msgs",
    ], extra=["-d"])
    assert st == 0, err
    counts = [int(c[0]) for c in _fields(out, "MSGS")]
    assert counts == [2, 0, 2, 0], out
    # nothing asked of an empty mailbox
    sent = _sent_lines(err)
    after_empty = sent[next(i for i, l in enumerate(sent)
                            if 'SELECT "Empty"' in l):]
    assert not any("UID FETCH" in l for l in after_empty), after_empty


class _Relay:
    """A TCP relay to Dovecot whose connections the test can cut."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.accepted = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
                up = socket.create_connection(self.upstream)
            except OSError:
                return
            with self.lock:
                self.conns += [client, up]
                self.accepted += 1
            for a, b in ((client, up), (up, client)):
                threading.Thread(target=self._pump, args=(a, b),
                                 daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def close(self):
        self.sock.close()
        self.cut()


def test_pool_threads_and_reconnect(ctx):
    dv = ctx.dovecot
    user, pw = ctx.new_user()
    with dv.imap(user) as h:
        h.populate({"INBOX": [make_message(i) for i in range(1, 4)]})
    relay = _Relay(dv.host, dv.imap_port)
    path = os.path.join(ctx.tmp, "script")
    with open(path, "w") as f:
        f.write("pool-new\t2\talways\n"
                "pool-run\t4\t10\tINBOX\n"
                "pause\n"
                "pool-run\t4\t10\tINBOX\n"
                "pool-keepalive\n"
                "pool-drop\n"
                "pool-keepalive\n")
    exe = os.path.join(ctx.build, "tests", "tools", "imapprobe")
    proc = subprocess.Popen(
        [exe, "--host", "127.0.0.1", "--port", str(relay.port),
         "--starttls=no", "--script", path, "-d"]
        + _login_args(ctx, user, pw),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=ctx.env(), cwd=ctx.tmp)
    try:
        out = []
        for line in proc.stdout:
            out.append(line.decode().rstrip("\n"))
            if out[-1] == "PAUSED":
                break
        first = _kv(_fields(out, "POOL")[0])
        # 4 threads, maxconnections 2: never more than 2 in use, and
        # only 2 made (plus the probe's own connection: 3 in all)
        assert first["max_in_use"] == "2", first
        assert first["opened"] == "2" and first["errors"] == "0", first
        assert first["listed"] == str(40 * 3), first
        assert relay.accepted == 3, relay.accepted
        # the server side goes away while the pool is idle
        relay.cut()
        rest, err = proc.communicate(b"\n", timeout=120)
    finally:
        relay.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err.decode("utf-8", "replace")
    ctx.check_output(err)
    out += rest.decode().splitlines()
    # (the probe's own connection was cut too, but the script does not
    # use it after the pause)
    second = _kv(_fields(out, "POOL")[1])
    assert second["errors"] == "0", (second, err[-3000:])
    assert second["discarded"] == "2" and second["opened"] == "4", second
    assert second["max_in_use"] == "2", second
    assert _kv(_fields(out, "KEEPALIVE")[0]) == {"ok": "2", "dead": "0"}
    assert _kv(_fields(out, "KEEPALIVE")[1]) == {"ok": "0", "dead": "0"}
    assert _fields(out, "POOL-DROPPED") == [[]], out
    # drop sent LOGOUT on both pooled connections
    assert len(re.findall(r" > \w+ LOGOUT", err)) >= 2, err[-2000:]


class _FetchServer:
    """A scripted server for FETCH answers Dovecot never gives: a FETCH
    without UID, bodies ahead of their UID, a body answered under the
    wrong command, a NO for one message, a hang-up in the middle of a
    pipelined batch.  Commands may arrive pipelined."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, tag, words):
        cmd = b" ".join(words[:2]).upper()
        if words[0].upper() == b"CAPABILITY":
            return (b"* CAPABILITY IMAP4rev1 LITERAL+\r\n" + tag +
                    b" OK done\r\n")
        if words[0].upper() in (b"LOGIN", b"NOOP"):
            return tag + b" OK done\r\n"
        if words[0].upper() == b"SELECT":
            return (b"* 4 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag +
                    b" OK [READ-WRITE] selected\r\n")
        if cmd == b"UID FETCH" and words[2] == b"1:*":
            return (b"* 1 FETCH (FLAGS (\\Seen) INTERNALDATE "
                    b"\"05-Jan-2026 06:00:00 -0330\")\r\n"
                    b"* 2 FETCH (UID 5 FLAGS ())\r\n"
                    b"* 3 FETCH (UID 6 FLAGS (\\Seen $X) INTERNALDATE "
                    b"\"5-Jan-2026 06:00:00 -0330\" RFC822.SIZE 10)\r\n"
                    b"* 4 FETCH (UID 6 FLAGS (\\Seen \\Answered))\r\n" +
                    tag + b" OK done\r\n")
        if cmd == b"UID FETCH":
            uid = int(words[2])
            if uid == 5:     # the body ahead of its UID
                return (b"* 2 FETCH (BODY[] {5}\r\nhello UID 5)\r\n" +
                        tag + b" OK done\r\n")
            if uid == 6:
                return tag + b" NO [SERVERBUG] cannot read message 6\r\n"
            if uid == 7:     # expunged: nothing
                return tag + b" OK done\r\n"
            if uid == 8:
                return b"* 4 FETCH (UID 8 BODY[] NIL)\r\n" + tag + \
                    b" OK done\r\n"
            if uid == 9:
                return (tag + b" NO [EXPUNGEISSUE] Some messages "
                        b"were expunged\r\n")
            if uid == 10:    # message 11's body, under command 10
                return (b"* 9 FETCH (BODY[] {3}\r\nabc UID 11)\r\n" +
                        tag + b" OK done\r\n")
            if uid == 11:
                return tag + b" OK done\r\n"
            if uid == 22:
                return None  # hang up
            return (b"* 1 FETCH (UID %d BODY[] {2}\r\nok)\r\n" % uid +
                    tag + b" OK done\r\n")
        if words[0].upper() == b"LOGOUT":
            return b"* BYE bye\r\n" + tag + b" OK\r\n"
        return tag + b" BAD what\r\n"

    def _serve(self):
        self.sock.settimeout(30)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            conn.sendall(b"* OK ready\r\n")
            buf = b""
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    words = line.split(b" ")
                    if len(words) < 2:
                        continue
                    reply = self._answer(words[0], words[1:])
                    if reply is None:
                        self._hang_up(conn)
                        return
                    conn.sendall(reply)

    @staticmethod
    def _hang_up(conn):
        # Close our side cleanly and drain what the client still sends:
        # closing with unread data would send a RST, which can destroy
        # replies the client has not read yet, so the outcome of the test
        # would depend on timing.
        try:
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(5)
            while conn.recv(4096):
                pass
        except OSError:
            pass

    def close(self):
        self.sock.close()
        self.thread.join(5)


def test_fetch_misbehaving_server(ctx):
    srv = _FetchServer()
    path = os.path.join(ctx.tmp, "script")
    with open(path, "w") as f:
        f.write("select\tINBOX\nmsgs\nbodies\t%s\t5-11\nnoop\n"
                "bodies\t%s\t20-25\nnoop\n" % (ctx.tmp, ctx.tmp))
    try:
        st, out, err = _probe(ctx, ["--host", "127.0.0.1", "--port",
                                    srv.port, "--starttls=no", "--script",
                                    path] + _login_args(ctx, "joe", "pw-1"))
    finally:
        srv.close()
    lines = out.splitlines()
    # the FETCH without UID is skipped with a warning; of two answers for
    # one UID the later one wins; the zone is honoured
    assert "No UID in message with options" in err, err
    msgs = _fields(lines, "MSG")
    assert [m[0] for m in msgs] == ["5", "6"], lines
    assert msgs[1][1:3] == ["\\Answered,\\Seen", "-"], msgs
    assert msgs[0][3] == "-" and msgs[0][4] == "-1", msgs
    body = {b[0]: b[1:] for b in _fields(lines, "BODY")}
    assert body["5"][0] == "1", body            # UID after the body: fine
    with open(os.path.join(ctx.tmp, "5"), "rb") as f:
        assert f.read() == b"hello"
    assert body["6"][0] == "-1" and \
        "[SERVERBUG] cannot read message 6" in body["6"][1], body
    assert body["7"] == ["0", "-"], body        # vanished
    assert body["8"] == ["0", "-"], body        # BODY[] NIL
    assert body["9"] == ["0", "-"], body        # [EXPUNGEISSUE]
    # a body that went to the wrong command is not trusted for either
    assert body["10"][0] == "-1" and body["11"][0] == "-1", body
    assert "ahead of its UID" in body["10"][1], body
    # the connection is still fine after all that
    assert _fields(lines, "NOOP")[0] == [], lines
    assert _kv(_fields(lines, "BODIES")[0]) == \
        {"ok": "1", "missing": "3", "failed": "3"}, lines
    # a hang-up in the middle of a pipelined batch: every message gets
    # its outcome, the ones answered before it succeeded
    assert body["20"][0] == "1" and body["21"][0] == "1", body
    for uid in ("22", "23", "24", "25"):
        assert body[uid][0] == "-1" and "connection closed" in \
            body[uid][1], body
    assert _kv(_fields(lines, "BODIES")[1]) == \
        {"ok": "2", "missing": "0", "failed": "4"}, lines
    assert st == 1 and "connection lost" in err, (st, err)
