#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`make bench`: time this offlineimap against mbsync and offlineimap3 on
one throwaway Dovecot, and against the raw network bound.

For each run and each tool, a fresh server user gets an identical copy of
a deterministic corpus (see corpus.py), and the tool syncs it into an
empty Maildir:
  (a) initial full download,
  (b) no-op resync,
  (c) resync after 1% of the server's messages changed flags, 1% new
      messages arrived on the server and 1% of the local messages changed
      flags (the same messages for every tool),
  (d) peak RSS over (a)-(c) (GNU time's %M for the tool's process).
After (a) and (c) both the local Maildir (bodies by SHA-1, flags from the
file names) and the server (Message-IDs, sizes, flags) are compared with
the expected state; a tool with a wrong result is reported as FAILED with
the differences, gets no figures, and the exit status is 1.
The raw bound is one IMAPS connection that pipelines SELECT and
UID FETCH 1:* BODY.PEEK[] for every folder and discards the bodies.

mbsync (Debian isync), offlineimap3 and GNU time are installed with
apt-get when missing (as root).  Figures are medians over --runs runs.
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "harness"))

import corpus as corpus_mod  # noqa: E402
import server  # noqa: E402
import tools as tools_mod  # noqa: E402
from dovecot import Dovecot, DovecotError  # noqa: E402

PHASES = ("a", "b", "c")
TOOL_KEYS = [t.key for t in tools_mod.TOOLS] + ["raw"]


def say(text="", end="\n"):
    print(text, end=end, flush=True)


# ----- dependencies ---------------------------------------------------------

def _installed(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                       capture_output=True, text=True)
    return p.returncode == 0 and p.stdout.endswith(" ok installed")


def ensure_packages(tool_classes):
    """Install the Debian packages of the other tools, and GNU time (for
    the peak RSS), when missing."""
    need = [(t.package, t.binary) for t in tool_classes if t.package]
    if tool_classes:
        need.append(("time", tools_mod.TIME))
    missing = [pkg for pkg, binary in need
               if not (_installed(pkg) and os.access(binary, os.X_OK))]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit("bench: missing %s; run as root, or: apt-get "
                         "install %s (or leave them out with --tools)"
                         % (", ".join(missing), " ".join(missing)))
    say("==> Installing %s with apt-get" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update", "-q"],
                 ["apt-get", "install", "-y", "-q",
                  "--no-install-recommends"] + missing):
        if subprocess.run(argv, env=env).returncode != 0:
            raise SystemExit("bench: %s failed" % " ".join(argv))
    for pkg, binary in need:
        if not os.access(binary, os.X_OK):
            raise SystemExit("bench: %s still missing after installing %s"
                             % (binary, pkg))


# ----- one tool, one run ----------------------------------------------------

class ToolFailed(Exception):
    pass


def _check_run(res, what):
    if res.status < 0:
        raise ToolFailed("%s: `%s` was killed by signal %d after %.0f s "
                         "(see --timeout); output:\n%s"
                         % (what, " ".join(res.argv), -res.status,
                            res.seconds, res.output_tail()))
    if res.status != 0:
        raise ToolFailed("%s: `%s` exited with status %d; output:\n%s"
                         % (what, " ".join(res.argv), res.status,
                            res.output_tail()))


def _verify(what, expected, tool, dv, user):
    problems = tools_mod.compare(expected, tools_mod.local_state(tool.root),
                                 server.server_state(dv, user))
    if problems:
        raise ToolFailed("%s: wrong result:\n  %s"
                         % (what, "\n  ".join(problems)))


def run_tool(cls, args, dv, corpus, changes, expected, workdir):
    """(a), (b), (c) for one tool on a fresh user; returns {phase:
    seconds, "rss": kB}.  Raises ToolFailed."""
    user = server.install_user(dv, corpus)
    work = os.path.join(workdir, cls.key)
    os.makedirs(work)
    extra = args.us_option if cls is tools_mod.Us else []
    tool = cls(work, dv, user, extra)
    log = os.path.join(work, "output.log")
    out = {}
    rss = 0
    try:
        for phase in PHASES:
            if phase == "c":
                server.apply_server_changes(dv, user, corpus, changes)
                n = tools_mod.apply_local_changes(tool.root, changes)
                if n != len(changes.local_toggle):
                    raise ToolFailed("(c): found %d of the %d local messages"
                                     " to change" % (n,
                                                     len(changes.local_toggle)
                                                     ))
            if phase != "a":
                # Out of the timing: let the clock leave the second of
                # the last change, as it would between real syncs (mbsync
                # otherwise sleeps 1 s because of timestamp granularity).
                time.sleep(1.1)
            os.sync()  # nobody else's dirty pages in this tool's fsyncs
            res = tools_mod.run_timed(tool.command(), work, log,
                                      args.timeout)
            _check_run(res, "(%s)" % phase)
            out[phase] = res.seconds
            rss = max(rss, res.maxrss_kb)
            say("  (%s) %s" % (phase, _secs(res.seconds)), end="")
            if phase in expected:
                _verify("(%s)" % phase, expected[phase], tool, dv, user)
                say(" verified", end="")
    finally:
        if not args.keep:
            tools_mod.remove_tree(work)
            tools_mod.remove_tree(dv.maildir(user))
    out["rss"] = rss
    return out


def self_test(dv, corpus, tmp):
    """Check the checker, without any synchroniser: a Maildir copied from
    the corpus must pass (also with CRLF line ends and an X-OfflineIMAP
    header), and each kind of damage must be reported.  Returns the
    list of failures."""
    user = server.install_user(dv, corpus)
    root = os.path.join(tmp, "selftest")
    for folder in corpus.folders:
        d = os.path.join(root, folder.dirname.lstrip(".") or "INBOX")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub))
        src = os.path.join(corpus.root, folder.dirname, "cur")
        for name in sorted(os.listdir(src)):
            shutil.copy(os.path.join(src, name), os.path.join(d, "cur"))
    expected = corpus.expected()
    failures = []

    def check(what, want):
        got = tools_mod.compare(expected, tools_mod.local_state(root),
                                server.server_state(dv, user))
        missing = [w for w in want if not any(w in g for g in got)]
        extra = [g for g in got if not any(w in g for w in want)]
        if missing or extra:
            failures.append("%s: expected reports of %r, got %r"
                            % (what, want, got))

    check("pristine copy", [])
    inbox = os.path.join(root, "INBOX", "cur")
    names = sorted(os.listdir(inbox))
    paths = [os.path.join(inbox, n) for n in names]
    with open(paths[0], "rb") as f:
        data = f.read()
    with open(paths[0], "wb") as f:
        f.write(b"X-OfflineIMAP: 1234-5678\n\t folded\n"
                + data.replace(b"\n", b"\r\n"))
    check("CRLF and X-OfflineIMAP", [])

    ids = []
    for p in paths[:5]:
        with open(p, "rb") as f:
            ids.append(corpus_mod.message_id(f.read(4096)))
    os.rename(paths[1], paths[1] + "T")
    with open(paths[2], "ab") as f:
        f.write(b"x")
    os.unlink(paths[3])
    shutil.copy(paths[4], os.path.join(inbox, "copy:2,S"))
    with dv.imap(user) as imap:
        imap.set_flags("Sent", [1], ["\\Flagged"], "+")
    server.deliver(dv, user, "", corpus_mod.make_message(
        random.Random(1), corpus.text, "extra", 1, corpus_mod.BASE_TIME,
        500), 0)
    check("damage", ["local 'INBOX': flags of %s are" % ids[1],
                     "local 'INBOX': body of %s differs" % ids[2],
                     "local 'INBOX': message %s missing" % ids[3],
                     "local 'INBOX': duplicate %s" % ids[4],
                     "server 'Sent': flags of",
                     "server 'INBOX': unexpected message <extra@"])
    tools_mod.remove_tree(root)
    tools_mod.remove_tree(dv.maildir(user))
    return failures


def run_raw(args, dv, corpus):
    user = server.install_user(dv, corpus)
    try:
        os.sync()
        seconds, msgs, nbytes = server.raw_fetch(dv, user, corpus)
    finally:
        if not args.keep:
            tools_mod.remove_tree(dv.maildir(user))
    if msgs != corpus.count or nbytes != corpus.bytes:
        raise ToolFailed("raw fetch saw %d messages, %d bytes; the corpus "
                         "has %d, %d" % (msgs, nbytes, corpus.count,
                                         corpus.bytes))
    return {"a": seconds}


# ----- the report -----------------------------------------------------------

def _secs(x):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0f s" % x
    if x >= 10:
        return "%.1f s" % x
    return "%.2f s" % x


def _mb(kb):
    return "-" if kb is None else "%.1f MB" % (kb / 1024)


def _ratio(x, ref):
    if x is None or not ref:
        return "-"
    return "%.2fx" % (x / ref)


def table(results, labels, failed):
    """Markdown table: medians and ratios to mbsync."""
    med = {}
    for key, runs in results.items():
        med[key] = {}
        for col in PHASES + ("rss",):
            vals = [r[col] for r in runs if col in r]
            med[key][col] = statistics.median(vals) if vals else None
    ref = med.get("mbsync") if "mbsync" not in failed else None
    rows = ["| tool | (a) initial | vs mbsync | (b) no-op | vs mbsync "
            "| (c) 1% changed | vs mbsync | peak RSS | vs mbsync |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key in labels:
        if key in failed:
            rows.append("| %s | FAILED | | | | | | | |" % labels[key])
            continue
        if key not in med:
            continue
        m = med[key]
        cells = [labels[key]]
        for col in PHASES:
            cells += [_secs(m[col]), _ratio(m[col], ref and ref[col])]
        cells += [_mb(m["rss"]), _ratio(m["rss"], ref and ref["rss"])]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = ", %.0f GB RAM" % (kb / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        pass
    fs = ""
    try:
        p = subprocess.run(["df", "--output=fstype", tempfile.gettempdir()],
                           capture_output=True, text=True)
        fs = ", %s on %s" % (p.stdout.split()[-1], tempfile.gettempdir())
    except (OSError, IndexError):
        pass
    return "%s, %d cores%s%s, Linux %s" % (cpu, os.cpu_count() or 0, mem,
                                          fs, platform.release())


# ----- main -----------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench.py", description="Benchmark this offlineimap against "
        "mbsync and offlineimap3 on a throwaway Dovecot.")
    ap.add_argument("--profile", choices=sorted(corpus_mod.PROFILES),
                    default="medium", help="corpus size (default medium)")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs per tool; medians are reported (default 3)")
    ap.add_argument("--tools", default=",".join(TOOL_KEYS),
                    help="comma-separated subset of %s (default all)"
                    % ",".join(TOOL_KEYS))
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directories (and print them)")
    ap.add_argument("--bin", default=tools_mod.Us.binary,
                    help="our binary (default build/offlineimap)")
    ap.add_argument("--us-option", action="append", default=[],
                    metavar="[SECTION:]OPTION=VALUE",
                    help="extra -k override for our binary (repeatable)")
    ap.add_argument("--self-test", action="store_true",
                    help="only check that the result checks catch damage "
                    "(they always run once before the benchmark)")
    ap.add_argument("--timeout", type=float, default=3600,
                    help="seconds before one sync is killed (default 3600)")
    args = ap.parse_args(argv)
    keys = [k.strip() for k in args.tools.split(",") if k.strip()]
    bad = [k for k in keys if k not in TOOL_KEYS]
    if bad or not keys:
        ap.error("unknown tool(s) %s; choose from %s"
                 % (",".join(bad), ",".join(TOOL_KEYS)))
    args.tools = [k for k in TOOL_KEYS if k in keys]
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)
    tools_mod.Us.binary = os.path.abspath(args.bin)
    classes = [c for c in tools_mod.TOOLS if c.key in args.tools]
    if tools_mod.Us in classes and not os.access(tools_mod.Us.binary,
                                                 os.X_OK):
        say("bench: %s is missing; run `make` first" % tools_mod.Us.binary)
        return 1
    ensure_packages(classes)

    labels = {}
    for c in classes:
        labels[c.key] = c.describe()
    if "raw" in args.tools:
        labels["raw"] = "raw bound (1 connection)"

    tmp = tempfile.mkdtemp(prefix="oi-bench-")
    os.chmod(tmp, 0o755)
    say("==> Benchmark: profile %s, %d run(s), tools %s"
        % (args.profile, args.runs, ", ".join(args.tools)))
    say("    machine: %s" % machine())
    results = {k: [] for k in args.tools}
    failed = {}
    try:
        with Dovecot(keep_tmp=args.keep) as dv:
            say("==> Dovecot on 127.0.0.1: IMAPS port %d" % dv.imaps_port)
            t0 = time.monotonic()
            root = os.path.join(tmp, "corpus")
            uid = dv.mail_uid if os.geteuid() == 0 else None
            corpus = corpus_mod.Corpus(
                args.profile, root, uid=uid,
                gid=dv.mail_gid if uid is not None else None,
                progress=lambda n, t: say("    %d/%d messages" % (n, t)))
            changes = corpus_mod.Changes(corpus)
            expected = {"a": corpus.expected(), "c": changes.expected()}
            say("==> Corpus: %d folders, %d messages, %.1f MB (generated "
                "in %.1f s); phase (c): %d server flag changes, %d new, "
                "%d local flag changes"
                % (len(corpus.folders), corpus.count, corpus.bytes / 1e6,
                   time.monotonic() - t0, len(changes.server_toggle),
                   len(changes.new), len(changes.local_toggle)))
            t0 = time.monotonic()
            problems = self_test(dv, corpus, tmp)
            if problems:
                say("bench: the result checks are broken:\n  "
                    + "\n  ".join(problems))
                return 1
            say("==> The result checks pass a copy of the corpus and catch "
                "damage (%.1f s)" % (time.monotonic() - t0))
            if args.self_test:
                return 0
            for run in range(1, args.runs + 1):
                workdir = os.path.join(tmp, "run%d" % run)
                os.makedirs(workdir)
                for key in args.tools:
                    if key in failed:
                        continue
                    say("    run %d %-13s" % (run, key), end="")
                    try:
                        if key == "raw":
                            r = run_raw(args, dv, corpus)
                        else:
                            cls = next(c for c in classes if c.key == key)
                            r = run_tool(cls, args, dv, corpus, changes,
                                         expected, workdir)
                    except (ToolFailed, server.ServerError) as e:
                        failed[key] = str(e)
                        say("\n    FAILED %s" % e)
                        continue
                    results[key].append(r)
                    if key == "raw":
                        say("  %s, %d messages, %.1f MB" % (
                            _secs(r["a"]), corpus.count, corpus.bytes / 1e6))
                    else:
                        say("  RSS %s" % _mb(r["rss"]))
    except DovecotError as e:
        say("bench: %s" % e)
        return 1
    except KeyboardInterrupt:
        say("\nbench: interrupted")
        return 130
    finally:
        if args.keep:
            say("bench: kept %s" % tmp)
        else:
            tools_mod.remove_tree(tmp)

    say()
    say("Profile %s: %d folders, %d messages, %.1f MB; medians of %d run(s)"
        % (args.profile, len(corpus.folders), corpus.count,
           corpus.bytes / 1e6, args.runs))
    say()
    say(table(results, labels, failed))
    say()
    if failed:
        for key, why in failed.items():
            say("FAILED %s: %s" % (labels[key], why.splitlines()[0]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
