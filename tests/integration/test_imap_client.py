# SPDX-License-Identifier: GPL-2.0-or-later
"""The IMAP client layer against the harness Dovecot (and a tiny scripted
server for what Dovecot will not do), driven through tests/tools/imapprobe:
authentication mechanisms, TLS verification and pinning, STARTTLS, the
PREAUTH tunnel, LIST with non-ASCII names, body fetch, and credentials
never appearing in any output."""

import os
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
