# SPDX-License-Identifier: GPL-2.0-or-later
"""A throwaway Dovecot IMAP server on loopback for tests and the demo.

Each Dovecot object owns a temporary directory holding a test CA, server
certificates made with the openssl command-line tool, a complete
dovecot.conf (nothing from /etc/dovecot is included), a passwd-file and the
users' mail homes.  The server runs in the foreground in its own process
group on free ports picked at start; stopping kills that group.  Servers
are stopped on leaving the `with` block, on an exception, at interpreter
exit and on SIGINT/SIGTERM.

    with Dovecot() as dv:
        dv.imap_port, dv.imaps_port, dv.ca_cert, dv.users["alice"]

As root, mail processes run as the system user "oitest" (Dovecot refuses
uid 0; tests/harness/install-deps.sh creates the account); otherwise
everything runs as the calling user.  The system Dovecot (/etc/dovecot,
/run/dovecot, ports 143/993) is never touched.
"""

import atexit
import hashlib
import os
import grp
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

DEFAULT_USERS = {"alice": "s3cr3t-Pa55", "bob": "hunter2-Bob"}
TEST_ACCOUNT = "oitest"
LOOPBACK = "127.0.0.1"

# Every running server, so that atexit and the signal handlers can stop
# whatever a crashing or interrupted test left behind.
_live = set()
_live_lock = threading.Lock()
_handlers_installed = False


class DovecotError(Exception):
    """Dovecot could not be set up or started."""


def _stop_all():
    with _live_lock:
        servers = list(_live)
    for dv in servers:
        dv.stop()


def _on_signal(signum, frame):
    _stop_all()
    prev = _prev_handlers.get(signum, signal.SIG_DFL)
    if callable(prev):
        prev(signum, frame)
    elif prev != signal.SIG_IGN:
        # Re-raise with the default action so the exit status says
        # "killed by SIGxxx", as it would have without us.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


_prev_handlers = {}


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    if threading.current_thread() is not threading.main_thread():
        return  # signal.signal only works there; atexit still covers us
    for signum in (signal.SIGINT, signal.SIGTERM):
        prev = signal.getsignal(signum)
        if prev == signal.SIG_IGN:
            continue  # e.g. SIGINT in a background job: keep ignoring it
        _prev_handlers[signum] = prev
        signal.signal(signum, _on_signal)
    atexit.register(_stop_all)
    _handlers_installed = True


def free_port():
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _traversable_by_others(path):
    """True if every ancestor of `path` lets other users through."""
    path = os.path.abspath(path)
    while True:
        try:
            if not os.stat(path).st_mode & 0o001:
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _openssl(*args, cwd=None):
    proc = subprocess.run(["openssl"] + list(args), cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise DovecotError("openssl %s failed:\n%s%s"
                           % (" ".join(args), proc.stdout, proc.stderr))
    return proc.stdout


def cert_fingerprint(cert_path, algo="sha256"):
    """Hex digest (lower case, no colons) of a PEM certificate's DER form."""
    with open(cert_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.new(algo, der).hexdigest()


class _Relay:
    """A byte-for-byte TCP relay on loopback whose upstream connections
    come from another loopback address (see Dovecot's
    disable_plaintext_auth)."""

    def __init__(self, host, port, source):
        self.upstream = (host, port)
        self.source = source
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True,
                         name="dovecot-relay").start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                up.bind((self.source, 0))
                up.connect(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.closed:
                    client.close()
                    up.close()
                    return
                self.conns += [client, up]
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
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        with self.lock:
            self.closed = True
            conns, self.conns = self.conns, []
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


class Dovecot:
    """A private Dovecot instance; see the module docstring.

    users: {name: password}; default alice and bob (DEFAULT_USERS).
    disable_plaintext_auth: True makes Dovecot refuse LOGIN/PLAIN before
        TLS (it then advertises LOGINDISABLED on the plain port).  Dovecot
        treats a client whose address equals the server's as secure, so in
        this mode imap_port is a relay that reaches Dovecot from
        127.0.0.2; the relay is byte-transparent, STARTTLS included.
    separator: the hierarchy separator of the (only) namespace.
    server_cert: which certificate the server presents: "good" (CA-signed
        for localhost and 127.0.0.1), "selfsigned", "expired" or
        "wronghost" (CA-signed for wrong.example).
    extra_conf: text appended to dovecot.conf (later settings win), e.g.
        "imap_capability = IMAP4rev1 LITERAL+" to hide UIDPLUS.
    uidplus: False announces a capability list without UIDPLUS (and the
        other extensions a "dumb" server lacks, see NO_UIDPLUS_CAPS).
        Dovecot still sends [APPENDUID] codes, which RFC 4315 lets a
        client trust only from a server announcing UIDPLUS.
    acl: True loads Dovecot's ACL plugin (per-mailbox dovecot-acl files,
        read afresh on every access), so that set_read_only() can make a
        folder read-only: SELECT then answers [READ-ONLY].
    layout: None for Dovecot's default Maildir++ layout, or "index"
        (LAYOUT=index): mailbox names live only in Dovecot's index, so it
        accepts names the default layout refuses (".", "..", "../x",
        "a.b" with separator "/", "cur", "~"), as other servers do.
    keep_tmp: keep the directory after stopping; default from $KEEP_TMP.

    After start(): host ("127.0.0.1"), hostname ("localhost"), imap_port
    (STARTTLS offered), imaps_port, ca_cert/ca_key, server_cert/server_key
    (what is served), good_cert/good_key, conf_path, log_path, tmp, users.
    Helpers: password(user), add_user(), reset_mail(), imap(user) (an
    imaphelper session), maildir(user), set_read_only(user, folder),
    Dovecot.shared(**kw) (one started instance per set of arguments,
    shared by the whole process), make_self_signed(),
    make_expired(), make_wrong_host(), make_ca_signed(), fingerprint(),
    log_text().
    """

    # What a server without UIDPLUS announces (uidplus=False).
    NO_UIDPLUS_CAPS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                       "LITERAL+ NAMESPACE CHILDREN UNSELECT")

    ACL_CONF = """\
mail_plugins = $mail_plugins acl
protocol imap {
  mail_plugins = $mail_plugins acl imap_acl
}
plugin {
  acl = vfile:cache_secs=0
}
"""

    def __init__(self, users=None, disable_plaintext_auth=False,
                 separator="/", server_cert="good", extra_conf="",
                 keep_tmp=None, start_timeout=20.0, uidplus=True,
                 layout=None, acl=False):
        if layout not in (None, "index"):
            raise ValueError("unknown layout %r" % (layout,))
        if server_cert not in ("good", "selfsigned", "expired", "wronghost"):
            raise ValueError("unknown server_cert %r" % (server_cert,))
        self.users = dict(DEFAULT_USERS if users is None else users)
        self._initial_users = dict(self.users)
        self._spares = [("user%d" % i, "pw-user%d-%s"
                         % (i, os.urandom(4).hex()))
                        for i in range(1, self.SPARE_USERS + 1)]
        self._spares = [(n, p) for n, p in self._spares
                        if n not in self.users]
        self._spare_next = 0
        self._file_users = dict(self.users)
        self._file_users.update(self._spares)
        self.disable_plaintext_auth = disable_plaintext_auth
        self.separator = separator
        self.server_cert_kind = server_cert
        self.extra_conf = extra_conf
        self.uidplus = uidplus
        self.layout = layout
        self.acl = acl
        if keep_tmp is None:
            keep_tmp = os.environ.get("KEEP_TMP", "") not in ("", "0")
        self.keep_tmp = keep_tmp
        self.start_timeout = start_timeout
        self.host = LOOPBACK
        self.hostname = "localhost"
        self.tmp = None
        self.proc = None
        self.imap_port = None
        self.imaps_port = None
        self.direct_imap_port = None
        self._relay = None
        self._user_seq = 0
        self._passwd_stamp = 0
        self._lock = threading.Lock()
        self._pick_accounts()

    # ----- accounts -------------------------------------------------------

    def _pick_accounts(self):
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(TEST_ACCOUNT)
            except KeyError:
                raise DovecotError(
                    "user %r does not exist; run tests/harness/"
                    "install-deps.sh as root" % TEST_ACCOUNT) from None
            self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid

            def exists(name):
                try:
                    pwd.getpwnam(name)
                    return True
                except KeyError:
                    return False
            # Debian's dovecot-core creates these; fall back to ours.
            self.internal_user = "dovecot" if exists("dovecot") \
                else TEST_ACCOUNT
            try:
                self.internal_group = grp.getgrnam(self.internal_user).gr_name
            except KeyError:
                self.internal_group = grp.getgrgid(pw.pw_gid).gr_name
            self.login_user = "dovenull" if exists("dovenull") \
                else TEST_ACCOUNT
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            self.mail_uid, self.mail_gid = os.geteuid(), os.getegid()
            self.internal_user = self.login_user = me
            self.internal_group = grp.getgrgid(os.getegid()).gr_name

    # ----- paths ----------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def home(self, user):
        return self.path("home", user)

    def maildir(self, user):
        """The user's Maildir on the server side (for inspection only)."""
        return os.path.join(self.home(user), "Maildir")

    @property
    def log_path(self):
        return self.path("dovecot.log")

    def log_text(self):
        out = []
        for name in ("dovecot.log", "dovecot.stderr"):
            try:
                with open(self.path(name), errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            if text:
                out.append("--- %s ---\n%s" % (name, text))
        return "".join(out)

    # ----- certificates ---------------------------------------------------

    def _make_ca(self):
        d = self.path("pki")
        os.makedirs(d, exist_ok=True)
        self.ca_key = os.path.join(d, "ca.key")
        self.ca_cert = os.path.join(d, "ca.crt")
        _openssl("req", "-x509", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", self.ca_key, "-out", self.ca_cert,
                 "-days", "3650", "-subj", "/CN=offlineimap test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _new_key_csr(self, base, cn):
        key, csr = base + ".key", base + ".csr"
        _openssl("req", "-new", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
        return key, csr

    def _ext_file(self, base, names):
        sans = ",".join(("IP:" if n.replace(".", "").isdigit() else "DNS:")
                        + n for n in names)
        ext = base + ".ext"
        with open(ext, "w") as f:
            f.write("basicConstraints = CA:FALSE\n"
                    "keyUsage = critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage = serverAuth\n"
                    "subjectAltName = %s\n" % sans)
        return ext

    def make_ca_signed(self, name, names=None, days=825):
        """A CA-signed server certificate; returns (cert, key) paths."""
        names = names or [name]
        base = self.path("pki", name)
        key, csr = self._new_key_csr(base, name)
        cert = base + ".crt"
        _openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert,
                 "-CAkey", self.ca_key, "-set_serial",
                 str(int.from_bytes(os.urandom(8), "big")),
                 "-days", str(days), "-sha256",
                 "-extfile", self._ext_file(base, names), "-out", cert)
        return cert, key

    def make_self_signed(self, name="localhost"):
        """A self-signed certificate for localhost/127.0.0.1 that our CA
        did not sign; returns (cert, key) paths."""
        base = self.path("pki", "selfsigned-" + name)
        key, cert = base + ".key", base + ".crt"
        _openssl("req", "-x509", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", key, "-out", cert, "-days", "825",
                 "-subj", "/CN=" + name,
                 "-addext", "subjectAltName=DNS:%s,IP:127.0.0.1" % name)
        return cert, key

    def make_expired(self, name="localhost"):
        """A CA-signed certificate for localhost/127.0.0.1 that expired in
        2021; returns (cert, key) paths."""
        d = self.path("pki", "expired-ca")
        os.makedirs(os.path.join(d, "new"), exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("%016X\n" % int.from_bytes(os.urandom(8), "big"))
        cnf = os.path.join(d, "ca.cnf")
        # `openssl ca` is the only CLI path that accepts explicit past
        # validity dates on OpenSSL 3.0.
        with open(cnf, "w") as f:
            f.write("[ca]\ndefault_ca = test\n"
                    "[test]\ndir = %s\ndatabase = $dir/index.txt\n"
                    "new_certs_dir = $dir/new\nserial = $dir/serial\n"
                    "default_md = sha256\npolicy = any\n"
                    "unique_subject = no\n"
                    "[any]\ncommonName = supplied\n" % d)
        base = self.path("pki", "expired-" + name)
        key, csr = self._new_key_csr(base, name)
        cert = base + ".crt"
        _openssl("ca", "-batch", "-config", cnf, "-cert", self.ca_cert,
                 "-keyfile", self.ca_key, "-in", csr, "-out", cert,
                 "-startdate", "20200101000000Z",
                 "-enddate", "20210101000000Z", "-notext",
                 "-extfile", self._ext_file(base, [name, "127.0.0.1"]))
        return cert, key

    def make_wrong_host(self, name="wrong.example"):
        """A CA-signed certificate for a host name other than localhost
        (and no IP address); returns (cert, key) paths."""
        return self.make_ca_signed(name, [name])

    def fingerprint(self, cert=None, algo="sha256"):
        """Fingerprint of `cert` (default: the certificate served)."""
        return cert_fingerprint(cert or self.server_cert, algo)

    def _make_pki(self):
        self._make_ca()
        self.good_cert, self.good_key = self.make_ca_signed(
            "localhost", ["localhost", "127.0.0.1"])
        maker = {
            "good": lambda: (self.good_cert, self.good_key),
            "selfsigned": self.make_self_signed,
            "expired": self.make_expired,
            "wronghost": self.make_wrong_host,
        }[self.server_cert_kind]
        self.server_cert, self.server_key = maker()
        # Only Dovecot's config process (root, or the calling user) reads
        # the key file, so it can stay private.
        os.chmod(self.server_key, 0o600)

    # ----- users ----------------------------------------------------------
    #
    # Dovecot's passwd-file driver re-reads the file at most once per
    # second (and only when its mtime or size changed), so a user written
    # now may stay unknown until the next second.  To hand out fresh users
    # instantly, the file also holds SPARE_USERS spare accounts
    # "user1".."userN" from the start; add_user() without arguments gives
    # out the next one.

    SPARE_USERS = 64

    def _write_passwd(self):
        lines = []
        for user, password in self._file_users.items():
            for ch in ":\n":
                if ch in user or ch in password:
                    raise ValueError("%r not allowed in user/password" % ch)
            lines.append("%s:{PLAIN}%s:%d:%d::%s::\n"
                         % (user, password, self.mail_uid, self.mail_gid,
                            self.home(user)))
        tmp = self.path("users.new")
        with open(tmp, "w") as f:
            f.writelines(lines)
        os.chmod(tmp, 0o644)
        # Give every version a new mtime, even two same-sized versions
        # written within one second.
        self._passwd_stamp = max(int(time.time()), self._passwd_stamp + 1)
        os.utime(tmp, (self._passwd_stamp, self._passwd_stamp))
        # rename makes the switch atomic: no lookup sees half a file.
        os.rename(tmp, self.path("users"))

    def _write_passwd_and_wait(self):
        """Rewrite the running server's passwd-file and wait until Dovecot
        is sure to see it (the next wall-clock second)."""
        self._write_passwd()
        if self.proc is not None:
            now = time.time()
            time.sleep(int(now) + 1.05 - now)

    def _make_home(self, user):
        home = self.home(user)
        os.makedirs(home, exist_ok=True)
        os.chmod(home, 0o700)
        if os.geteuid() == 0:
            os.chown(home, self.mail_uid, self.mail_gid)

    def password(self, user):
        return self.users[user]

    def reset_mail(self):
        """Empty every mailbox and forget the users handed out by
        add_user() since construction.  Only call this while no IMAP
        session is open, e.g. between two tests sharing one server."""
        with self._lock:
            self.users = dict(self._initial_users)
            self._spare_next = 0
            if not self.tmp:
                return
            home_root = self.path("home")
            for name in os.listdir(home_root):
                shutil.rmtree(os.path.join(home_root, name),
                              ignore_errors=True)
            for user in self.users:
                self._make_home(user)

    def add_user(self, name=None, password=None):
        """A user with an empty mailbox; returns (name, password).  Without
        arguments: the next spare user (instant).  With a name or password
        not yet in the file the server's passwd-file is rewritten, which
        takes up to a second to be seen."""
        with self._lock:
            if name is None and password is None:
                while self._spare_next < len(self._spares):
                    name, password = self._spares[self._spare_next]
                    self._spare_next += 1
                    if name not in self.users:
                        break
                else:
                    name = None
            if name is None:
                while True:
                    self._user_seq += 1
                    name = "extra%d" % self._user_seq
                    if name not in self._file_users:
                        break
            if password is None:
                password = self._file_users.get(name) or \
                    "pw-%s-%s" % (name, os.urandom(4).hex())
            self.users[name] = password
            if self._file_users.get(name) != password:
                self._file_users[name] = password
                if self.tmp:
                    self._write_passwd_and_wait()
            if self.tmp:
                self._make_home(name)
        return name, password

    def set_read_only(self, user, folder, read_only=True):
        """With acl=True: make `folder` of `user` read-only for its owner
        (rights "lr"), or writable again.  Default Maildir++ layout only."""
        if not self.acl or self.layout:
            raise ValueError("set_read_only needs acl=True and the "
                             "default layout")
        d = self.maildir(user)
        if folder.upper() != "INBOX":
            d = os.path.join(d, "." + folder.replace(self.separator, "."))
        path = os.path.join(d, "dovecot-acl")
        if not read_only:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            return
        with open(path, "w") as f:
            f.write("owner lr\n")
        os.chown(path, self.mail_uid, self.mail_gid)

    def imap(self, user, **kw):
        """A logged-in imaphelper.Helper for `user` (see
        imaphelper.connect for the keyword arguments); use it in a `with`
        block so that the session is logged out."""
        import imaphelper
        return imaphelper.connect(self, user, **kw)

    # ----- configuration --------------------------------------------------

    def _write_conf(self):
        t = self.tmp
        conf = """\
# Generated by tests/harness/dovecot.py: a complete, private configuration.
base_dir = {t}/run
state_dir = {t}/state
instance_name = oi-test-{pid}
log_path = {t}/dovecot.log
info_log_path = {t}/dovecot.log
debug_log_path = {t}/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "
auth_verbose = yes
protocols = imap
listen = {host}
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {internal_group}
first_valid_uid = 1
last_valid_uid = 0
first_valid_gid = 1
last_valid_gid = 0

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = {dpa}
auth_mechanisms = plain login cram-md5
# Tests fail logins on purpose: no failure delay, no per-IP penalty.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {t}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {t}/users
}}

mail_location = maildir:~/Maildir{layout}
namespace inbox {{
  inbox = yes
  prefix =
  separator = {sep}
}}

service imap-login {{
  {login_chroot}
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
{caps}
{acl}
{extra}
""".format(t=t, pid=os.getpid(), host=self.host,
           acl=self.ACL_CONF if self.acl else "",
           layout=":LAYOUT=%s" % self.layout if self.layout else "",
           caps="" if self.uidplus
           else "imap_capability = " + self.NO_UIDPLUS_CAPS,
           internal_user=self.internal_user, login_user=self.login_user,
           internal_group=self.internal_group,
           # chroot needs root; without it the login process simply
           # runs in the normal file system.
           login_chroot="" if os.geteuid() == 0 else "chroot =",
           cert=self.server_cert, key=self.server_key,
           dpa="yes" if self.disable_plaintext_auth else "no",
           sep=self.separator, imap_port=self.imap_port,
           imaps_port=self.imaps_port, extra=self.extra_conf)
        self.conf_path = self.path("dovecot.conf")
        with open(self.conf_path, "w") as f:
            f.write(conf)

    # ----- life cycle -----------------------------------------------------

    def _make_tmp(self):
        base = tempfile.gettempdir()
        # Mail and auth processes run as other users and must reach the
        # directory; /tmp is world-traversable on every sane system.
        if os.geteuid() == 0 and not _traversable_by_others(base):
            base = "/tmp"
        self.tmp = tempfile.mkdtemp(prefix="oi-dovecot-", dir=base)
        os.chmod(self.tmp, 0o755)
        os.makedirs(self.path("home"))
        os.chmod(self.path("home"), 0o755)

    def start(self):
        """Set up and start the server; returns self.  Raises
        DovecotError (with the Dovecot log) when it does not come up."""
        if self.proc is not None:
            return self
        _install_handlers()
        self._make_tmp()
        try:
            self._make_pki()
            for user in self.users:
                self._make_home(user)
            self._write_passwd()
            # A port picked free may be taken before Dovecot binds it.
            for attempt in range(3):
                self.imap_port = free_port()
                self.imaps_port = free_port()
                while self.imaps_port == self.imap_port:
                    self.imaps_port = free_port()
                self.direct_imap_port = self.imap_port
                self._write_conf()
                if self.disable_plaintext_auth:
                    self._relay = _Relay(self.host, self.direct_imap_port,
                                         "127.0.0.2")
                    self.imap_port = self._relay.port
                err = self._spawn_and_wait()
                if err is None:
                    return self
                self._kill()
                if "in use" not in self.log_text() or attempt == 2:
                    raise DovecotError("Dovecot did not start: %s\n%s"
                                       % (err, self.log_text()))
                for name in ("dovecot.log", "dovecot.stderr"):
                    try:
                        os.unlink(self.path(name))
                    except OSError:
                        pass
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn_and_wait(self):
        errf = open(self.path("dovecot.stderr"), "wb")
        try:
            self.proc = subprocess.Popen(
                ["dovecot", "-F", "-c", self.conf_path],
                stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                start_new_session=True, cwd=self.tmp)
        finally:
            errf.close()
        with _live_lock:
            _live.add(self)
        deadline = time.monotonic() + self.start_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "exited with status %d" % self.proc.returncode
            try:
                self._probe(self.imap_port, tls=False)
                self._probe(self.imaps_port, tls=True)
                return None
            except (OSError, ssl.SSLError, DovecotError) as e:
                last = str(e)
            time.sleep(0.05)
        return "no IMAP greeting within %.0f s (%s)" % (self.start_timeout,
                                                        last)

    def _probe(self, port, tls):
        with socket.create_connection((self.host, port), timeout=2) as s:
            if tls:
                ctx = ssl.create_default_context()
                if self.server_cert_kind == "good":
                    ctx.load_verify_locations(self.ca_cert)
                else:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                with ctx.wrap_socket(s, server_hostname=self.hostname) as t:
                    line = t.recv(1024)
            else:
                line = s.recv(1024)
        if not line.startswith(b"* OK"):
            raise DovecotError("unexpected greeting %r" % (line,))

    def _kill(self):
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.close()
        proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the master leads its group
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        # Wait for the master without reaping it: while it is a zombie
        # its group id cannot be reused, so the final SIGKILL to the
        # group reaches only Dovecot's own stragglers.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                info = os.waitid(os.P_PID, pgid,
                                 os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            if info is not None:
                break
            time.sleep(0.02)
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def stop(self):
        """Stop the server and remove its directory (unless keep_tmp).
        Safe to call more than once, and from signal handlers."""
        with _live_lock:
            _live.discard(self)
        self._kill()
        tmp, self.tmp = self.tmp, None
        if tmp is None:
            return
        if self.keep_tmp:
            print("dovecot: kept %s" % tmp, flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    # ----- shared instances -------------------------------------------------

    _shared = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, **kw):
        """A started instance made with these keyword arguments, shared by
        every caller in this process that asks for the same ones (e.g.
        Dovecot.shared(uidplus=False) for all tests that need a server
        without UIDPLUS).  It is stopped at interpreter exit or on
        SIGINT/SIGTERM like any other.  Its users are fresh spare users
        (add_user()); nothing resets it between callers."""
        key = tuple(sorted(kw.items()))
        with cls._shared_lock:
            dv = cls._shared.get(key)
            if dv is None or dv.proc is None or dv.proc.poll() is not None:
                if dv is not None:
                    dv.stop()
                dv = cls(**kw).start()
                cls._shared[key] = dv
            return dv

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return "<Dovecot imap=%s imaps=%s tmp=%s>" % (
            self.imap_port, self.imaps_port, self.tmp)
