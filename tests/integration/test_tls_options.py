# SPDX-License-Identifier: GPL-2.0-or-later
"""The TLS options of an IMAP repository, driven through the real binary:
sslclientcert/sslclientkey (client certificates, checked at start-up),
tls_level and ssl_version (protocol versions), against Dovecot variants
that log the negotiated protocol or require a client certificate, and a
TLS 1.0-only server for the legacy levels."""

import os
import re
import socket
import ssl
import threading
import warnings

from dovecot import Dovecot, _openssl

# Dovecot variants shared by the tests of this file (started on first
# use, stopped with the other harness servers at exit).
_servers = {}
_servers_lock = threading.Lock()

# Puts "proto=<TLSv1.3 with cipher ...>" into every login line.
PROTO_LOG = ("login_log_format_elements = user=<%u> method=%m rip=%r "
             "lip=%l mpid=%e %c proto=<%k> session=<%{session}>\n")


class _CertDovecot(Dovecot):
    """Dovecot that asks for a client certificate signed by the harness
    CA and refuses logins without one."""

    def _write_conf(self):
        self.extra_conf = (PROTO_LOG +
                           "ssl_ca = <%s\n"
                           "ssl_verify_client_cert = yes\n"
                           "ssl_require_crl = no\n"
                           "auth_ssl_require_client_cert = yes\n"
                           % self.ca_cert)
        super()._write_conf()


def _server(kind):
    with _servers_lock:
        dv = _servers.get(kind)
        if dv is None or dv.proc is None:
            dv = (_CertDovecot() if kind == "cert"
                  else Dovecot(extra_conf=PROTO_LOG)).start()
            _servers[kind] = dv
        return dv


def _config(ctx, dv, extra="", port=None, host="127.0.0.1", user="alice",
            ca=None):
    """A one-account configuration syncing `user` of `dv` over implicit
    TLS, with `extra` lines added to the IMAP repository."""
    os.makedirs(os.path.join(ctx.tmp, "mail"), exist_ok=True)
    text = ("[general]\naccounts = T\nmetadata = %(tmp)s/meta\n\n"
            "[Account T]\nlocalrepository = L\nremoterepository = R\n\n"
            "[Repository L]\ntype = Maildir\nlocalfolders = %(tmp)s/mail\n\n"
            "[Repository R]\ntype = IMAP\nremotehost = %(host)s\n"
            "remoteport = %(port)d\nssl = yes\nsslcacertfile = %(ca)s\n"
            "remoteuser = %(user)s\nremotepass = %(pw)s\n%(extra)s"
            % {"tmp": ctx.tmp, "host": host,
               "port": port or dv.imaps_port, "ca": ca or dv.ca_cert,
               "user": user, "pw": dv.password(user), "extra": extra})
    return ctx.write_config(text, dedent=False)


def _line_of(path, prefix):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith(prefix):
                return n
    raise AssertionError("%s not in %s" % (prefix, path))


def _client_cert(dv, name, cn="alice", ca=True):
    """A client certificate and key; signed by dv's CA, or self-signed
    when ca is False.  Returns (cert, key) paths."""
    base = dv.path("pki", name)
    if not ca:
        key, cert = base + ".key", base + ".crt"
        _openssl("req", "-x509", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", key, "-out", cert, "-days", "30",
                 "-subj", "/CN=" + cn)
        return cert, key
    key, csr = dv._new_key_csr(base, cn)
    ext = base + ".ext"
    with open(ext, "w") as f:
        f.write("basicConstraints = CA:FALSE\n"
                "keyUsage = critical,digitalSignature\n"
                "extendedKeyUsage = clientAuth\n")
    cert = base + ".crt"
    _openssl("x509", "-req", "-in", csr, "-CA", dv.ca_cert, "-CAkey",
             dv.ca_key, "-set_serial",
             str(int.from_bytes(os.urandom(8), "big")), "-days", "30",
             "-sha256", "-extfile", ext, "-out", cert)
    return cert, key


def _login_protocols(dv, user):
    """The protocols of `user`'s successful logins, from the log."""
    with open(dv.log_path, errors="replace") as f:
        text = f.read()
    return re.findall(r"Login: user=<%s>.*proto=<(TLSv[0-9.]+) "
                      % re.escape(user), text)


def _sync(ctx, cfg, args=()):
    return ctx.run(["-c", cfg, "-u", "basic"] + list(args))


def _assert_config_error(ctx, cfg, pattern):
    st, out, err = _sync(ctx, cfg)
    assert st == 3, (st, out, err)
    assert re.search(pattern, err), err
    assert not os.path.exists(os.path.join(ctx.tmp, "meta")), \
        "metadata directory created despite a config error"
    return err


# ----- protocol versions against Dovecot (ssl_min_protocol TLSv1.2) -------

def test_tls_default_negotiates_newest(ctx):
    dv = _server("proto")
    user, _ = dv.add_user()
    st, out, err = _sync(ctx, _config(ctx, dv, user=user))
    assert st == 0, (st, out, err)
    assert _login_protocols(dv, user) == ["TLSv1.3"], dv.log_text()


def test_tls_ssl_version_tls1_3_and_tls1_2(ctx):
    dv = _server("proto")
    for version, proto in (("tls1_3", "TLSv1.3"), ("tls1_2", "TLSv1.2")):
        user, _ = dv.add_user()
        cfg = _config(ctx, dv, "ssl_version = %s\n" % version, user=user)
        st, out, err = _sync(ctx, cfg)
        assert st == 0, (version, st, out, err)
        assert _login_protocols(dv, user) == [proto], dv.log_text()


def test_tls_level_names_connect(ctx):
    dv = _server("proto")
    for level in ("tls_secure", "tls_no_ssl", "tls_compat"):
        user, _ = dv.add_user()
        cfg = _config(ctx, dv, "tls_level = %s\n" % level, user=user)
        st, out, err = _sync(ctx, cfg)
        assert st == 0, (level, st, out, err)
        assert _login_protocols(dv, user) == ["TLSv1.3"], dv.log_text()


def test_tls_ssl_version_tls1_1_refused_by_server(ctx):
    dv = _server("proto")
    user, pw = dv.add_user()
    cfg = _config(ctx, dv, "ssl_version = tls1_1\n", user=user)
    st, out, err = _sync(ctx, cfg)
    assert st != 0, (st, out, err)
    assert "TLS handshake with 127.0.0.1 failed" in err, err
    assert "only TLS 1.1 (ssl_version = tls1_1)" in err, err
    assert pw not in out + err
    assert _login_protocols(dv, user) == [], dv.log_text()


def test_tls_ssl_version_with_tls_level(ctx):
    dv = _server("proto")
    # Not contradictory: fine.
    user, _ = dv.add_user()
    cfg = _config(ctx, dv, "tls_level = tls_secure\nssl_version = tls1_3\n",
                  user=user)
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    assert _login_protocols(dv, user) == ["TLSv1.3"], dv.log_text()
    # tls_no_ssl allows TLS 1.1, so only the server refuses it.
    cfg = _config(ctx, dv, "tls_level = tls_no_ssl\nssl_version = tls1_1\n")
    st, out, err = _sync(ctx, cfg)
    assert st == 1 and "only TLS 1.1" in err, (st, err)


# ----- a server that speaks nothing newer than TLS 1.0 ---------------------

class _Tls10Server:
    """Accepts TLS 1.0 only (as an old server would), records each
    handshake's outcome, greets with BYE and hangs up."""

    def __init__(self, cert, key):
        self.ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1
            self.ssl_ctx.maximum_version = ssl.TLSVersion.TLSv1
        # OpenSSL 3 needs security level 0 for TLS 1.0 on this side too.
        self.ssl_ctx.set_ciphers("ALL:@SECLEVEL=0")
        self.ssl_ctx.load_cert_chain(cert, key)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.results = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(10)
            try:
                with self.ssl_ctx.wrap_socket(conn,
                                              server_side=True) as t:
                    self.results.append(t.version())
                    t.sendall(b"* BYE old server going away\r\n")
            except (OSError, ssl.SSLError) as e:
                self.results.append("failed: %s" % e)
                conn.close()

    def close(self):
        self.sock.close()


def test_tls_levels_against_tls1_0_server(ctx):
    dv = ctx.dovecot
    srv = _Tls10Server(dv.good_cert, dv.good_key)
    try:
        # Default and tls_secure: TLS 1.2 or newer, so no handshake.
        for extra in ("", "tls_level = tls_secure\n"):
            cfg = _config(ctx, dv, extra, port=srv.port)
            st, out, err = _sync(ctx, cfg)
            assert st == 1, (extra, st, err)
            assert "TLS handshake with 127.0.0.1 failed" in err, err
            assert "this client accepts TLS 1.2 or newer" in err, err
        # The legacy levels and the exact version reach the server,
        # which then hangs up on purpose.
        for extra in ("tls_level = tls_no_ssl\n",
                      "tls_level = tls_compat\n",
                      "ssl_version = tls1\n",
                      "tls_level = tls_compat\nssl_version = tls1\n"):
            before = len(srv.results)
            cfg = _config(ctx, dv, extra, port=srv.port)
            st, out, err = _sync(ctx, cfg)
            assert st == 1, (extra, st, err)
            assert "handshake" not in err, (extra, err)
            assert "old server going away" in err, (extra, err)
            assert srv.results[before:] == ["TLSv1"], (extra, srv.results)
    finally:
        srv.close()


# ----- configuration checks -----------------------------------------------

def test_tls_bad_level_and_version_names(ctx):
    dv = ctx.dovecot
    cfg = _config(ctx, dv, "tls_level = paranoid\n")
    line = _line_of(cfg, "tls_level")
    _assert_config_error(ctx, cfg, r"%s:%d: \[Repository R\] tls_level: "
                         r"'paranoid': unknown level" % (re.escape(cfg),
                                                          line))
    for bad in ("ssl3", "TLS1_2", "tls1.2"):
        cfg = _config(ctx, dv, "ssl_version = %s\n" % bad)
        _assert_config_error(ctx, cfg, r"%s:%d: \[Repository R\] "
                             r"ssl_version: '%s': unknown version.*SSLv3 "
                             r"are never used" % (re.escape(cfg),
                                                  _line_of(cfg, "ssl_"),
                                                  re.escape(bad)))


def test_tls_contradictory_level_and_version(ctx):
    dv = ctx.dovecot
    for version in ("tls1", "tls1_1"):
        cfg = _config(ctx, dv, "tls_level = tls_secure\n"
                      "ssl_version = %s\n" % version)
        _assert_config_error(ctx, cfg, r"%s:%d: \[Repository R\] "
                             r"ssl_version: conflicts with tls_level: "
                             r"tls_level tls_secure allows only TLS 1.2"
                             % (re.escape(cfg), _line_of(cfg, "ssl_")))
    # From [DEFAULT] the line of the inherited value is named.
    cfg = _config(ctx, dv, "ssl_version = tls1\n")
    with open(cfg) as f:
        text = f.read()
    cfg = ctx.write_config("[DEFAULT]\ntls_level = tls_secure\n\n" + text,
                           dedent=False)
    _assert_config_error(ctx, cfg, r"%s:%d: .*ssl_version: conflicts"
                         % (re.escape(cfg), _line_of(cfg, "ssl_")))


def test_tls_client_cert_needs_both(ctx):
    dv = ctx.dovecot
    cert, key = _client_cert(dv, "half")
    for opt, path, other in (("sslclientcert", cert, "sslclientkey"),
                             ("sslclientkey", key, "sslclientcert")):
        cfg = _config(ctx, dv, "%s = %s\n" % (opt, path))
        _assert_config_error(ctx, cfg, r"%s:%d: \[Repository R\] %s: %s "
                             r"is not set: a client certificate needs both"
                             % (re.escape(cfg), _line_of(cfg, opt), opt,
                                other))


def test_tls_client_key_mismatch_refused_at_start(ctx):
    dv = ctx.dovecot
    cert, _ = _client_cert(dv, "mine")
    _, other_key = _client_cert(dv, "other")
    cfg = _config(ctx, dv, "sslclientcert = %s\nsslclientkey = %s\n"
                  % (cert, other_key))
    err = _assert_config_error(
        ctx, cfg, r"%s:%d: \[Repository R\] sslclientkey: sslclientkey "
        r"\"%s\" is not the private key of sslclientcert"
        % (re.escape(cfg), _line_of(cfg, "sslclientkey"),
           re.escape(other_key)))
    assert "Establishing connection" not in err


def test_tls_client_cert_unusable_files(ctx):
    dv = ctx.dovecot
    cert, key = _client_cert(dv, "files")
    missing = os.path.join(ctx.tmp, "nonexistent.pem")
    # A missing certificate, a certificate that is a key, a missing key,
    # a key that is a certificate.
    cases = (
        (missing, key, "sslclientcert",
         r"cannot read sslclientcert \"%s\": No such file"
         % re.escape(missing)),
        (key, key, "sslclientcert", r"is not a usable PEM certificate"),
        (cert, missing, "sslclientkey",
         r"cannot read sslclientkey \"%s\": No such file"
         % re.escape(missing)),
        (cert, cert, "sslclientkey", r"is not a usable PEM private key"),
    )
    for c, k, opt, pattern in cases:
        cfg = _config(ctx, dv, "sslclientcert = %s\nsslclientkey = %s\n"
                      % (c, k))
        _assert_config_error(ctx, cfg, r"%s:%d: \[Repository R\] %s: .*%s"
                             % (re.escape(cfg), _line_of(cfg, opt), opt,
                                pattern))
    # A passphrase-protected key is refused rather than prompted for.
    enc = os.path.join(ctx.tmp, "enc.key")
    _openssl("pkey", "-in", key, "-out", enc, "-aes256", "-passout",
             "pass:secret")
    cfg = _config(ctx, dv, "sslclientcert = %s\nsslclientkey = %s\n"
                  % (cert, enc))
    _assert_config_error(ctx, cfg, r"%s:%d: .*sslclientkey: .*protected "
                         r"by a passphrase" % (re.escape(cfg),
                                               _line_of(cfg, "sslclientkey")))


def test_tls_client_cert_home_relative_path(ctx):
    # ~ in the paths is the user's home (HOME = ctx.tmp here).
    dv = _server("cert")
    user, _ = dv.add_user()
    cert, key = _client_cert(dv, "tilde-" + user)
    os.makedirs(os.path.join(ctx.tmp, ".certs"))
    for src, name in ((cert, "me.crt"), (key, "me.key")):
        with open(src, "rb") as f, \
                open(os.path.join(ctx.tmp, ".certs", name), "wb") as g:
            g.write(f.read())
    cfg = _config(ctx, dv, "sslclientcert = ~/.certs/me.crt\n"
                  "sslclientkey = ~/.certs/me.key\n", user=user)
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)


# ----- client certificates against Dovecot --------------------------------

def test_tls_client_cert_presented(ctx):
    dv = _server("cert")
    user, pw = dv.add_user()
    # Without a certificate the server refuses the login.
    cfg = _config(ctx, dv, user=user)
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert "valid SSL certificate" in err, err
    assert _login_protocols(dv, user) == []
    # With one signed by the CA it accepts it, over implicit TLS...
    cert, key = _client_cert(dv, "client-" + user)
    cfg = _config(ctx, dv, "sslclientcert = %s\nsslclientkey = %s\n"
                  % (cert, key), user=user)
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    assert len(_login_protocols(dv, user)) == 1, dv.log_text()
    # ...and after STARTTLS.
    with open(cfg) as f:
        text = f.read()
    text = text.replace("remoteport = %d\nssl = yes\n" % dv.imaps_port,
                        "remoteport = %d\nssl = no\nstarttls = yes\n"
                        % dv.imap_port)
    cfg = ctx.write_config(text, dedent=False)
    st, out, err = _sync(ctx, cfg)
    assert st == 0, (st, out, err)
    assert len(_login_protocols(dv, user)) == 2, dv.log_text()
    assert pw not in out + err


def test_tls_client_cert_from_unknown_ca_rejected(ctx):
    dv = _server("cert")
    user, _ = dv.add_user()
    cert, key = _client_cert(dv, "rogue-" + user, ca=False)
    cfg = _config(ctx, dv, "sslclientcert = %s\nsslclientkey = %s\n"
                  % (cert, key), user=user)
    st, out, err = _sync(ctx, cfg)
    assert st == 1, (st, out, err)
    assert _login_protocols(dv, user) == [], dv.log_text()
