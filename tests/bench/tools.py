# SPDX-License-Identifier: GPL-2.0-or-later
"""The synchronisers under test, how each is configured for speed, how a
run is timed and measured, and the local side of the checks: reading a
tool's Maildir back and applying phase (c)'s local flag changes.

Every tool syncs the same account layout: IMAPS to the harness Dovecot
(verified against the harness CA, host name "localhost"), a Maildir tree
with INBOX at <root>/INBOX and nested folders flattened with "." (the
offlineimap default, mbsync's "Flatten ."), folder names kept in IMAP's
modified UTF-7, full two-way sync with expunges, and each tool's default
durability (fsync) settings.
"""

import os
import re
import shutil
import signal
import subprocess
import threading
import time

from corpus import canonical_name, info_flags, message_id, normalised_hash

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class Tool:
    key = None        # --tools name
    label = None      # table row
    package = None    # Debian package providing it, when not ours

    def __init__(self, work, dv, user, extra=()):
        self.work = work
        self.dv = dv
        self.user = user
        self.extra = list(extra)
        self.root = os.path.join(work, "Maildir")
        os.makedirs(self.root, mode=0o700)

    def command(self):
        raise NotImplementedError

    @classmethod
    def version(cls):
        return ""

    @classmethod
    def describe(cls):
        """The table label with the version number, when known."""
        m = re.search(r"\b\d+(\.\d+)+\b", cls.version())
        return cls.label % (m.group(0) if m else "?")


def _first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except OSError:
        return ""
    lines = (p.stdout + p.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


class Us(Tool):
    key = "us"
    label = "offlineimap %s (this C port)"
    binary = os.path.join(REPO, "build", "offlineimap")

    def __init__(self, work, dv, user, extra=()):
        super().__init__(work, dv, user, extra)
        self.conf = os.path.join(work, "offlineimaprc")
        with open(self.conf, "w") as f:
            f.write("""\
[general]
accounts = Bench
metadata = {work}/metadata

[Account Bench]
localrepository = Local
remoterepository = Remote

[Repository Local]
type = Maildir
localfolders = {root}

[Repository Remote]
type = IMAP
remotehost = localhost
remoteport = {port}
ssl = yes
sslcacertfile = {ca}
remoteuser = {user}
remotepass = {password}
maxconnections = 4
""".format(work=work, root=self.root, port=dv.imaps_port, ca=dv.ca_cert,
           user=user, password=dv.password(user)))

    def command(self):
        argv = [self.binary, "-o", "-u", "quiet", "-c", self.conf]
        for opt in self.extra:
            argv += ["-k", opt]
        return argv

    @classmethod
    def version(cls):
        return _first_line([cls.binary, "--version"])


class Mbsync(Tool):
    key = "mbsync"
    label = "mbsync %s"
    package = "isync"
    binary = "/usr/bin/mbsync"

    def __init__(self, work, dv, user, extra=()):
        super().__init__(work, dv, user, extra)
        self.conf = os.path.join(work, "mbsyncrc")
        with open(self.conf, "w") as f:
            f.write("""\
IMAPAccount bench
Host localhost
Port {port}
User {user}
Pass "{password}"
SSLType IMAPS
CertificateFile {ca}

IMAPStore remote
Account bench

MaildirStore local
Path {root}/
Inbox {root}/INBOX
Flatten .

Channel bench
Far :remote:
Near :local:
Patterns *
Sync All
Create Near
Expunge Both
SyncState *
""".format(port=dv.imaps_port, user=user, password=dv.password(user),
           ca=dv.ca_cert, root=self.root))
        os.chmod(self.conf, 0o600)

    def command(self):
        return [self.binary, "-q", "-c", self.conf, "-a"] + self.extra

    @classmethod
    def version(cls):
        return _first_line([cls.binary, "--version"])


class OfflineIMAP3(Tool):
    key = "offlineimap3"
    label = "offlineimap3 %s"
    package = "offlineimap3"
    binary = "/usr/bin/offlineimap"

    def __init__(self, work, dv, user, extra=()):
        super().__init__(work, dv, user, extra)
        self.conf = os.path.join(work, "offlineimaprc")
        with open(self.conf, "w") as f:
            f.write("""\
[general]
accounts = Bench
metadata = {work}/metadata
ui = quiet

[Account Bench]
localrepository = Local
remoterepository = Remote

[Repository Local]
type = Maildir
localfolders = {root}

[Repository Remote]
type = IMAP
remotehost = localhost
remoteport = {port}
ssl = yes
sslcacertfile = {ca}
remoteuser = {user}
remotepass = {password}
maxconnections = 4
""".format(work=work, root=self.root, port=dv.imaps_port, ca=dv.ca_cert,
           user=user, password=dv.password(user)))

    def command(self):
        argv = [self.binary, "-o", "-u", "quiet", "-c", self.conf]
        for opt in self.extra:
            argv += ["-k", opt]
        return argv

    @classmethod
    def version(cls):
        return _first_line([cls.binary, "--version"])


TOOLS = [Us, Mbsync, OfflineIMAP3]


class RunResult:
    def __init__(self, argv, seconds, maxrss_kb, status, log):
        self.argv, self.seconds, self.maxrss_kb = argv, seconds, maxrss_kb
        self.status, self.log = status, log

    def output_tail(self, lines=40):
        try:
            with open(self.log, errors="replace") as f:
                text = f.read().splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


TIME = "/usr/bin/time"  # GNU time, Debian package "time"


def run_timed(argv, cwd, log, timeout):
    """Run argv with stdout and stderr appended to `log`; returns a
    RunResult with the wall time and the peak RSS of the process.

    The RSS comes from GNU time, which forks the tool from its own small
    image: wait4() on a child forked from this Python process would count
    the RSS of the Python process as it was before the exec (Linux keeps
    the high-water mark across exec), tens of megabytes of corpus model."""
    env = dict(os.environ, HOME=cwd, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    rssfile = log + ".rss"
    with open(log, "ab") as out:
        out.write(("\n$ %s\n" % " ".join(argv)).encode())
        out.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen([TIME, "-f", "%M", "-o", rssfile, "--"]
                                + argv, cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)

        def kill():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killer = threading.Timer(timeout, kill)
        killer.start()
        try:
            status = proc.wait()
        except BaseException:
            # Its own session does not get our Ctrl-C: take it down too.
            kill()
            proc.wait()
            raise
        finally:
            killer.cancel()
        seconds = time.monotonic() - t0
    maxrss = 0
    try:
        with open(rssfile) as f:
            lines = f.read().split()
        maxrss = int(lines[-1])
    except (OSError, ValueError, IndexError):
        pass
    return RunResult(argv, seconds, maxrss, status, log)


# ----- the local side -------------------------------------------------------

def local_folders(root):
    """{folder name: directory} of every Maildir folder under root."""
    out = {}
    for dirpath, dirs, _ in os.walk(root):
        if "cur" in dirs and "new" in dirs:
            rel = os.path.relpath(dirpath, root)
            if rel != ".":
                out[canonical_name(rel)] = dirpath
        dirs[:] = [d for d in dirs if d not in ("cur", "new", "tmp")]
    return out


def _message_files(folder_dir):
    for sub in ("cur", "new"):
        d = os.path.join(folder_dir, sub)
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            if not name.startswith("."):
                yield sub, name, os.path.join(d, name)


def local_state(root):
    """{folder: ({msgid: (sha, flags, path)}, [problems])}."""
    out = {}
    for name, d in local_folders(root).items():
        msgs, problems = {}, []
        for sub, fname, path in _message_files(d):
            with open(path, "rb") as f:
                data = f.read()
            mid = message_id(data[:data.find(b"\n\n") + 1 or 8192]) \
                or "<no Message-ID: %s>" % path
            if mid in msgs:
                problems.append("duplicate %s: %s and %s"
                                % (mid, msgs[mid][2], path))
            flags = info_flags(fname) if (sub == "cur" or ":2," in fname) \
                else frozenset()
            msgs[mid] = (normalised_hash(data), flags, path)
        out[name] = (msgs, problems)
    return out


def _toggle_name(sub, fname, letter):
    """The cur/ name of a message file with `letter` toggled."""
    m = re.match(r"^(.*?)([:!]2,)([^/]*)$", fname)
    if m:
        base, sep, info = m.groups()
    else:
        base, sep, info = fname, ":2,", ""
    flags = set(info)
    flags ^= {letter}
    return base + sep + "".join(sorted(flags))


def apply_local_changes(root, changes):
    """Phase (c) locally, as a mail reader would: toggle the Flagged
    letter of the chosen messages (moving them to cur/ if in new/).
    Returns how many files were renamed."""
    done = 0
    for name, d in local_folders(root).items():
        for sub, fname, path in list(_message_files(d)):
            with open(path, "rb") as f:
                head = f.read(8192)
            if message_id(head) in changes.local_toggle:
                new = _toggle_name(sub, fname, "F")
                os.rename(path, os.path.join(d, "cur", new))
                done += 1
    return done


# ----- comparison ---------------------------------------------------------

def compare(expected, local, server, limit=20):
    """Differences (strings) between the expected state {folder: {msgid:
    Msg}} and the tool's local Maildir and the server; [] when right."""
    problems = []

    def say(text):
        if len(problems) < limit:
            problems.append(text)
        elif len(problems) == limit:
            problems.append("... (more differences not shown)")

    for folder, want in sorted(expected.items()):
        for side, state in (("local", local), ("server", server)):
            if folder not in state:
                say("%s: folder %r missing" % (side, folder))
                continue
            have, extra_problems = state[folder]
            for p in extra_problems:
                say("%s %r: %s" % (side, folder, p))
            for mid, m in want.items():
                if mid not in have:
                    say("%s %r: message %s missing" % (side, folder, mid))
                    continue
                h = have[mid]
                if side == "local":
                    sha, flags = h[0], h[1]
                    if sha != m.sha:
                        say("local %r: body of %s differs (%s)"
                            % (folder, mid, h[2]))
                else:
                    flags, size = h[1], h[2]
                    if size != m.vsize:
                        say("server %r: size of %s is %d, expected %d"
                            % (folder, mid, size, m.vsize))
                if flags != m.flags:
                    say("%s %r: flags of %s are %r, expected %r"
                        % (side, folder, mid, "".join(sorted(flags)),
                           "".join(sorted(m.flags))))
            for mid in sorted(set(have) - set(want)):
                say("%s %r: unexpected message %s" % (side, folder, mid))
    for side, state in (("local", local), ("server", server)):
        for folder in sorted(set(state) - set(expected)):
            if state[folder][0]:
                say("%s: unexpected folder %r with %d messages"
                    % (side, folder, len(state[folder][0])))
    return problems


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
