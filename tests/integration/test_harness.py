# SPDX-License-Identifier: GPL-2.0-or-later
"""The test harness itself: the throwaway Dovecot, its certificates and the
imaplib helper that other tests trust to set up and check server state."""

import datetime
import imaplib
import os
import socket
import ssl
import warnings

from dovecot import Dovecot
from imaphelper import connect, make_message, utf7_decode, utf7_encode


def test_dovecot_starts_on_loopback(ctx):
    dv = ctx.dovecot
    assert dv.imap_port and dv.imaps_port and dv.imap_port != dv.imaps_port
    assert dv.imap_port not in (143, 993) and dv.imaps_port not in (143, 993)
    with socket.create_connection((dv.host, dv.imap_port), timeout=5) as s:
        greeting = s.recv(1024)
    assert greeting.startswith(b"* OK"), greeting
    assert b"STARTTLS" in greeting, greeting
    # Our own configuration, nothing from /etc/dovecot.
    with open(dv.conf_path) as f:
        conf = f.read()
    assert "/etc/dovecot" not in conf and "!include" not in conf
    assert dv.proc.poll() is None


def test_plain_login(ctx):
    dv = ctx.dovecot
    with connect(ctx.dovecot, "alice", mode="plain") as imap:
        assert imap.list_folders() == ["INBOX"]
        caps = imap.capabilities()
        for cap in ("UIDPLUS", "LITERAL+", "CONDSTORE", "QRESYNC", "MOVE"):
            assert cap in caps, caps
    with connect(dv, "bob") as imap:
        assert imap.list_folders() == ["INBOX"]


def test_starttls_verifies_against_test_ca(ctx):
    dv = ctx.dovecot
    with connect(dv, "alice", mode="starttls") as imap:
        sock = imap.conn.sock
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.version() in ("TLSv1.2", "TLSv1.3"), sock.version()
        cert = sock.getpeercert()
        sans = [v for _, v in cert["subjectAltName"]]
        assert "localhost" in sans and "127.0.0.1" in sans, sans
    # The system trust store does not know our CA.
    conn = imaplib.IMAP4(dv.host, dv.imap_port, timeout=10)
    try:
        conn.starttls(_empty_trust_context())
    except ssl.SSLCertVerificationError:
        pass
    else:
        raise AssertionError("STARTTLS verified without our CA")
    finally:
        try:
            conn.shutdown()
        except OSError:
            pass


def _empty_trust_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def test_imaps_verifies_against_test_ca(ctx):
    dv = ctx.dovecot
    with connect(dv, "bob", mode="imaps") as imap:
        assert imap.conn.sock.version() in ("TLSv1.2", "TLSv1.3")
        assert imap.list_folders() == ["INBOX"]
    # Host name checking is on: the certificate is not for other names.
    tctx = ssl.create_default_context(cafile=dv.ca_cert)
    with socket.create_connection((dv.host, dv.imaps_port), timeout=5) as s:
        try:
            tctx.wrap_socket(s, server_hostname="imap.example.org")
        except ssl.SSLCertVerificationError:
            pass
        else:
            raise AssertionError("wrong host name accepted")


def test_old_tls_refused(ctx):
    dv = ctx.dovecot
    tctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tctx.load_verify_locations(dv.ca_cert)
    try:
        # Let our side offer TLS 1.1 so that the refusal is the server's.
        tctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            tctx.minimum_version = ssl.TLSVersion.TLSv1
            tctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, AttributeError, ssl.SSLError):
        ctx.skip("this Python cannot offer TLS 1.1")
    with socket.create_connection((dv.host, dv.imaps_port), timeout=5) as s:
        try:
            tctx.wrap_socket(s, server_hostname="localhost")
        except (ssl.SSLError, OSError):
            pass
        else:
            raise AssertionError("TLS 1.1 accepted")


def test_cram_md5(ctx):
    dv = ctx.dovecot
    with connect(dv, "alice", mode="plain", auth="cram-md5") as imap:
        assert "AUTH=CRAM-MD5" in imap.conn.capabilities
        assert imap.list_folders() == ["INBOX"]
    try:
        connect(dv, "alice", password="wrong", auth="cram-md5")
    except imaplib.IMAP4.error:
        pass
    else:
        raise AssertionError("CRAM-MD5 with a wrong password accepted")


def test_wrong_password_fails(ctx):
    dv = ctx.dovecot
    for mode in ("plain", "imaps"):
        try:
            connect(dv, "alice", password="not-" + dv.password("alice"),
                    mode=mode)
        except imaplib.IMAP4.error as e:
            assert "AUTHENTICATIONFAILED" in str(e), e
        else:
            raise AssertionError("wrong password accepted (%s)" % mode)
    try:
        connect(dv, "mallory", password="x")
    except (imaplib.IMAP4.error, KeyError):
        pass
    else:
        raise AssertionError("unknown user accepted")


def test_populate_fetch_round_trip(ctx):
    dv = ctx.dovecot
    when = datetime.datetime(2024, 2, 29, 23, 59, 58,
                             tzinfo=datetime.timezone(
                                 datetime.timedelta(hours=-3, minutes=-30)))
    spec = {
        "INBOX": [make_message(1),
                  {"body": make_message(2), "flags": ["\\Seen"]},
                  {"body": make_message(3, size=20000),
                   "flags": ["\\Flagged", "\\Answered", "$Work"],
                   "date": when}],
        "Archive/2026": [{"body": make_message(4), "flags": ["\\Draft"]}],
    }
    with connect(dv, "alice") as imap:
        uids = imap.populate(spec)
        assert uids == {"INBOX": [1, 2, 3], "Archive/2026": [1]}, uids
        got = imap.fetch_all("INBOX")
        assert sorted(got) == [1, 2, 3]
        assert got[1][0] == frozenset() and got[1][1] == make_message(1)
        assert got[2][0] == {"\\Seen"} and got[2][1] == make_message(2)
        assert got[3][0] == {"\\Flagged", "\\Answered", "$Work"}, got[3][0]
        assert got[3][1] == make_message(3, size=20000)
        assert len(got[3][1]) >= 20000
        assert got[3][2] == when, got[3][2]  # same instant
        arch = imap.fetch_all("Archive/2026")
        assert arch[1][0] == {"\\Draft"} and arch[1][1] == make_message(4)
        # Flags and expunge.
        imap.set_flags("INBOX", [1, 2], ["\\Seen", "\\Flagged"], "+")
        imap.set_flags("INBOX", [2], ["\\Seen"], "-")
        assert imap.flags("INBOX") == {
            1: {"\\Seen", "\\Flagged"}, 2: {"\\Flagged"},
            3: {"\\Flagged", "\\Answered", "$Work"}}
        imap.delete_messages("INBOX", [2])
        assert imap.uids("INBOX") == [1, 3]
        validity = imap.uidvalidity("INBOX")
        assert validity > 0
        assert imap.status("INBOX")["MESSAGES"] == 2
        assert imap.list_folders() == ["Archive/2026", "INBOX"]
    # The messages are on disk in the server's Maildir, under the test dir.
    assert os.path.isdir(os.path.join(dv.maildir("alice"), "cur")) or \
        os.path.isdir(os.path.join(dv.maildir("alice"), "new"))


def test_message_factory_is_deterministic(ctx):
    a, b = make_message(7), make_message(7)
    assert a == b and a != make_message(8)
    head, _, body = a.partition(b"\r\n\r\n")
    assert b"Message-ID: <7.oitest@example.org>" in head
    assert b"Subject: Test message 7" in head
    assert b"Date: Mon, 05 Jan 2026 16:30:00 +0000" in head, head
    assert b"\n" not in a.replace(b"\r\n", b"")
    assert body.endswith(b"\r\n")


def test_modified_utf7_round_trip(ctx):
    cases = {"Entwürfe": "Entw&APw-rfe", "日本語": "&ZeVnLIqe-",
             "a&b": "a&-b", "~peter/mail/台北/日本語":
             "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "INBOX": "INBOX"}
    for name, enc in cases.items():
        assert utf7_encode(name) == enc, (name, utf7_encode(name))
        assert utf7_decode(enc) == name, (enc, utf7_decode(enc))
    for bad in ("&Jjo", "&Jjo!-", "caf\u00e9"):
        try:
            utf7_decode(bad)
        except ValueError:
            pass
        else:
            raise AssertionError("accepted %r" % bad)
    dv = ctx.dovecot
    with connect(dv, "alice") as imap:
        imap.populate({"Entwürfe": [make_message(1)],
                       "日本語": [make_message(2)],
                       "Entwürfe/Ältere": []})
        names = imap.list_folders()
        assert names == ["Entwürfe", "Entwürfe/Ältere", "INBOX", "日本語"], \
            names
        # What the server really has is modified UTF-7.
        raw = imap.conn.list('""', '"*"')[1]
        assert any(b'"Entw&APw-rfe"' in r or b" Entw&APw-rfe" in r
                   for r in raw if isinstance(r, bytes)), raw
        assert imap.fetch_all("日本語")[1][1] == make_message(2)
        imap.delete("Entwürfe/Ältere")
        assert "Entwürfe/Ältere" not in imap.list_folders()


def test_mailboxes_are_reset_between_tests(ctx):
    # The previous tests put mail into alice's INBOX; each test starts
    # from empty mailboxes on the shared server.
    with connect(ctx.dovecot, "alice") as imap:
        assert imap.list_folders() == ["INBOX"]
        assert imap.uids("INBOX") == []


def test_new_user_is_isolated(ctx):
    dv = ctx.dovecot
    user, password = ctx.new_user()
    assert user not in ("alice", "bob") and dv.password(user) == password
    with connect(dv, user) as imap:
        imap.populate({"INBOX": [make_message(1)]})
        assert imap.uids("INBOX") == [1]
    with connect(dv, "alice") as imap:
        assert imap.uids("INBOX") == []
    user2, _ = ctx.new_user()
    assert user2 != user
    with connect(dv, user2) as imap:
        assert imap.uids("INBOX") == []


def test_plaintext_auth_disabled_variant(ctx):
    with Dovecot(disable_plaintext_auth=True) as dv:
        conn = imaplib.IMAP4(dv.host, dv.imap_port, timeout=10)
        try:
            assert "LOGINDISABLED" in conn.capabilities, conn.capabilities
            try:
                conn.login("alice", dv.password("alice"))
            except imaplib.IMAP4.error:
                pass
            else:
                raise AssertionError("LOGIN in clear accepted")
        finally:
            conn.shutdown()
        with connect(dv, "alice", mode="starttls") as imap:
            assert imap.list_folders() == ["INBOX"]
        with connect(dv, "alice", mode="imaps") as imap:
            assert imap.list_folders() == ["INBOX"]
        tmp = dv.tmp
    assert not os.path.exists(tmp)


def test_bad_certificate_variants(ctx):
    for kind, expect in (("selfsigned", "self-signed"),
                         ("expired", "expired"),
                         ("wronghost", "mismatch")):
        with Dovecot(server_cert=kind) as dv:
            try:
                connect(dv, "alice", mode="imaps")
            except ssl.SSLCertVerificationError as e:
                assert expect.lower() in str(e).lower(), (kind, e)
            else:
                raise AssertionError("%s certificate accepted" % kind)
            # Without verification the server is usable.
            with connect(dv, "alice", mode="imaps", verify=False) as imap:
                assert imap.list_folders() == ["INBOX"]
            fp = dv.fingerprint()
            assert len(fp) == 64 and fp != dv.fingerprint(dv.good_cert)
