#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The test-suite runner: unit-test binaries, integration tests and module
boundary checks, for one or more build trees.

    python3 tests/run.py --build build --build build-asan [-k WORD]...

Per build tree DIR (holding offlineimap, ui/, testui/, tests/):

  * every unit-test binary DIR/tests/test_* runs from the repository root;
    its last stdout line must be "N passed, N failed" and its exit status
    0; a crash, a missing line or a sanitizer report counts as a failure;
  * every function test_* of tests/integration/test_*.py runs, in file
    order, as fn(ctx) with a fresh Context (see below); a test fails by
    raising (normally AssertionError), and also when any program it ran
    through ctx printed a sanitizer report;
  * every DIR/ui/*.so must export exactly one symbol, oi_ui_plugin.

Once per run, the sources are checked for curses includes outside
ui-plugins/ and OpenSSL includes outside core/tls.c and core/crypto.c
(tests/ is exempt from both).

Each result is one line, "ok <build> <test>" or "FAIL <build> <test>:
<reason>" followed by indented details; the last line is "N passed, N
failed" over everything (unit-test cases count one each).  The exit
status is 0 iff nothing failed and something ran.  Filters (-k WORD or
plain arguments) keep the tests whose name contains any WORD
(case-insensitive).  KEEP_TMP=1 keeps the temporary directories.
"""

import argparse
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

# Keep the source tree clean of __pycache__ directories.
sys.dont_write_bytecode = True

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(REPO, "tests", "harness")
INTEGRATION = os.path.join(REPO, "tests", "integration")
sys.path.insert(0, HARNESS)
sys.path.insert(0, INTEGRATION)

import dovecot as dovecot_mod  # noqa: E402  (needs the path above)

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
}
RESULT_LINE = re.compile(r"^(\d+) passed, (\d+) failed$")
KEEP_TMP = os.environ.get("KEEP_TMP", "") not in ("", "0")


class Skip(Exception):
    """Raised through ctx.skip(): the test does not apply here."""


class TestTimeout(AssertionError):
    pass


def sanitizer_report(text):
    """The sanitizer report in `text` (from its first marker line, at most
    40 lines), or None."""
    if not text:
        return None
    for marker in SANITIZER_MARKERS:
        pos = text.find(marker)
        if pos >= 0:
            start = text.rfind("\n", 0, pos) + 1
            lines = text[start:].splitlines()
            return "\n".join(lines[:40])
    return None


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data, text):
    if data is None:
        return "" if text else b""
    return data.decode("utf-8", "replace") if text else data


class Context:
    """What an integration test receives.

    bin      absolute path of the offlineimap binary under test
    build    the build directory (absolute)
    uipath   DIR/testui, the test plugins (for $OFFLINEIMAP_UI_PATH)
    tmp      a fresh temporary directory, removed after the test; HOME of
             every program run through ctx
    repo     the repository root
    sanitized  True when the binary was built with ASan/UBSan
    dovecot  the run's shared harness Dovecot, started on first use; its
             mailboxes are emptied and its extra users dropped before each
             test (see dovecot.Dovecot)

    run(args, env=, input=, timeout=60) -> (status, stdout, stderr);
    spawn(args) -> Popen for background runs; env(extra) the environment
    they get; write_config(text) -> path; new_user() -> (name, password)
    on the shared Dovecot; check_output(text) to have other captured
    output scanned for sanitizer reports; skip(reason).
    """

    def __init__(self, runner, build, name):
        self._runner = runner
        self.build = build
        self.bin = os.path.join(build, "offlineimap")
        self.uipath = os.path.join(build, "testui")
        self.repo = REPO
        self.name = name
        self.sanitized = runner.is_sanitized(build)
        self.tmp = tempfile.mkdtemp(prefix="oi-test-")
        self._outputs = []   # stderr texts to scan for sanitizer reports
        self._procs = []     # (Popen, stderr file or None) from spawn()

    @property
    def dovecot(self):
        return self._runner.get_dovecot()

    def new_user(self):
        """A fresh user with an empty mailbox on the shared Dovecot;
        returns (name, password)."""
        return self.dovecot.add_user()

    def skip(self, reason):
        raise Skip(reason)

    def env(self, extra=None):
        """The environment for programs under test: ours, minus anything
        that would make results depend on the caller's shell, plus the
        sanitizer options and HOME = tmp; `extra` entries override (a value
        of None removes the variable)."""
        env = dict(os.environ)
        env.pop("OFFLINEIMAP_UI_PATH", None)
        env.update(SANITIZER_ENV)
        env["HOME"] = self.tmp
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def _argv(self, args):
        args = [str(a) for a in args]
        if args and args[0] == self.bin:
            return args
        return [self.bin] + args

    def run(self, args, env=None, input=None, timeout=60, stdin=None,
            cwd=None, text=True):
        """Run the binary with `args` (a leading ctx.bin is allowed) and
        return (status, stdout, stderr), as str unless text=False.  stdin
        is /dev/null unless `input` (str or bytes) or `stdin` is given;
        the working directory is tmp unless `cwd` is given.
        A timeout kills the process group and fails the test."""
        argv = self._argv(args)
        if isinstance(input, str):
            input = input.encode("utf-8")
        if input is not None:
            stdin = subprocess.PIPE
        elif stdin is None:
            stdin = subprocess.DEVNULL
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env(env),
                                cwd=cwd or self.tmp, start_new_session=True)
        self._procs.append((proc, None))
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            out, err = proc.communicate()
            err_text = _decode(err, True)
            self._outputs.append(err_text)
            raise TestTimeout("timed out after %ss: %s\n--- stdout ---\n%s"
                              "--- stderr ---\n%s"
                              % (timeout, " ".join(argv),
                                 _decode(out, True), err_text)) from None
        finally:
            # Whatever the program left in its group (tunnels, helpers)
            # goes with it; the reaped leader's group id stays reserved
            # while members live, so this cannot hit a stranger.
            kill_group(proc.pid)
        self._outputs.append(_decode(err, True))
        return proc.returncode, _decode(out, text), _decode(err, text)

    def spawn(self, args, env=None, stdin=None, stdout=None, stderr=None,
              cwd=None):
        """Start the binary in the background (own process group; killed
        after the test if still running).  stdout defaults to a pipe;
        stderr to a file that is scanned for sanitizer reports after the
        test (read it with ctx.spawned_stderr(proc)).  Returns the Popen."""
        errfile = None
        if stderr is None:
            fd, errfile = tempfile.mkstemp(prefix="stderr-", dir=self.tmp)
            stderr = fd
        try:
            proc = subprocess.Popen(
                self._argv(args),
                stdin=subprocess.DEVNULL if stdin is None else stdin,
                stdout=subprocess.PIPE if stdout is None else stdout,
                stderr=stderr, env=self.env(env), cwd=cwd or self.tmp,
                start_new_session=True)
        finally:
            if errfile:
                os.close(fd)
        self._procs.append((proc, errfile))
        proc.stderr_path = errfile
        return proc

    def spawned_stderr(self, proc):
        if not getattr(proc, "stderr_path", None):
            return ""
        with open(proc.stderr_path, errors="replace") as f:
            return f.read()

    def check_output(self, text):
        """Also scan `text` (output captured another way) for sanitizer
        reports after the test."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self._outputs.append(text)

    def write_config(self, text, name="offlineimaprc", dedent=True):
        """Write a configuration file into tmp; returns its path."""
        if dedent:
            text = textwrap.dedent(text)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def finish(self):
        """Kill leftovers and return the first sanitizer report, if any."""
        for proc, errfile in self._procs:
            if proc.poll() is None:
                kill_group(proc.pid)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            else:
                kill_group(proc.pid)
            for stream in (proc.stdout, proc.stdin, proc.stderr):
                if stream:
                    try:
                        stream.close()
                    except OSError:
                        pass
            if errfile:
                try:
                    self._outputs.append(self.spawned_stderr(proc))
                except OSError:
                    pass
        report = None
        for text in self._outputs:
            report = sanitizer_report(text)
            if report:
                break
        if KEEP_TMP:
            print("  (kept %s)" % self.tmp, flush=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return report


def _terminate(signum, frame):
    raise KeyboardInterrupt("terminated")


def _alarm(signum, frame):
    raise TestTimeout("test took longer than its time limit (see "
                      "--test-timeout)")


class Runner:
    def __init__(self, args):
        self.args = args
        self.filters = [f.lower() for f in args.filters]
        self.passed = 0
        self.failed = 0
        self.ran = 0
        self.dovecot = None
        self.dovecot_error = None
        self.deadline = time.monotonic() + args.suite_timeout
        self.modules = None
        self._sanitized = {}

    # ----- bookkeeping ----------------------------------------------------

    def wanted(self, name):
        return not self.filters or any(f in name.lower()
                                       for f in self.filters)

    def ok(self, build, name, note=""):
        self.passed += 1
        print("ok %s %s%s" % (build, name, note), flush=True)

    def fail(self, build, name, reason, details="", count=1):
        self.failed += count
        text = reason.strip() or "failed"
        first = text.splitlines()[0]
        short = first if len(first) <= 300 else first[:300] + "..."
        print("FAIL %s %s: %s" % (build, name, short), flush=True)
        body = [text] if text != short else []
        if details and details.strip():
            body.append(details.rstrip())
        if body:
            print(textwrap.indent("\n".join(body), "    "), flush=True)

    def out_of_time(self):
        return time.monotonic() > self.deadline

    def is_sanitized(self, build):
        if build not in self._sanitized:
            try:
                with open(os.path.join(build, "offlineimap"), "rb") as f:
                    data = f.read()
                self._sanitized[build] = b"__asan_init" in data or \
                    b"__ubsan_handle" in data
            except OSError:
                self._sanitized[build] = False
        return self._sanitized[build]

    # ----- shared Dovecot -------------------------------------------------

    def get_dovecot(self):
        if self.dovecot is None:
            if self.dovecot_error:
                raise RuntimeError("the harness Dovecot failed to start "
                                   "earlier in this run")
            try:
                self.dovecot = dovecot_mod.Dovecot().start()
            except Exception as e:
                self.dovecot_error = e
                raise
        return self.dovecot

    def stop_dovecot(self):
        if self.dovecot is not None:
            self.dovecot.stop()
            self.dovecot = None

    # ----- source boundaries ----------------------------------------------

    def source_files(self, exclude_dirs):
        for root, dirs, files in os.walk(REPO):
            rel = os.path.relpath(root, REPO)
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and not d.startswith("build")
                and os.path.normpath(os.path.join(rel, d)) not in
                exclude_dirs)
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.normpath(os.path.join(rel, name))

    def grep_includes(self, pattern, exclude_dirs, allowed):
        bad = []
        rx = re.compile(pattern, re.M)
        for rel in self.source_files(exclude_dirs):
            if rel in allowed:
                continue
            with open(os.path.join(REPO, rel), errors="replace") as f:
                text = f.read()
            for m in rx.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                bad.append("%s:%d: %s" % (rel, line, m.group(0).strip()))
        return bad

    def boundary_checks(self):
        checks = [
            ("boundary/curses-includes",
             r'^[ \t]*#[ \t]*include[ \t]*[<"](?:ncursesw?/)?'
             r'(?:n?cursesw?|term|panel|menu|form|termcap)\.h[>"]',
             {"ui-plugins", "tests"}, set(),
             "curses is included outside ui-plugins/"),
            ("boundary/openssl-includes",
             r'^[ \t]*#[ \t]*include[ \t]*[<"]openssl/',
             {"tests"}, {"core/tls.c", "core/crypto.c"},
             "OpenSSL is included outside core/tls.c and core/crypto.c"),
        ]
        for name, pattern, excl, allowed, what in checks:
            if not self.wanted(name):
                continue
            self.ran += 1
            bad = self.grep_includes(pattern, excl, allowed)
            if bad:
                self.fail("source", name, what, "\n".join(bad))
            else:
                self.ok("source", name)

    def plugin_exports(self, build, label):
        name = "boundary/plugin-exports"
        if not self.wanted(name):
            return
        self.ran += 1
        problems = []
        srcs = sorted(f[:-2] for f in os.listdir(os.path.join(REPO,
                                                              "ui-plugins"))
                      if f.endswith(".c"))
        uidir = os.path.join(build, "ui")
        sos = sorted(f for f in os.listdir(uidir) if f.endswith(".so")) \
            if os.path.isdir(uidir) else []
        for src in srcs:
            if src + ".so" not in sos:
                problems.append("%s/ui/%s.so is missing" % (label, src))
        usual = re.compile(r"^(_init|_fini|_edata|_end|__bss_start|"
                           r"__data_start|data_start|__dso_handle|"
                           r"_IO_stdin_used|__gmon_start__|_ITM_\w+|"
                           r"_?__(asan|ubsan|sanitizer|lsan|odr_asan)\w*"
                           r"|__odr_asan\S*)$")
        for so in sos:
            path = os.path.join(uidir, so)
            proc = subprocess.run(["nm", "-D", "--defined-only", path],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                problems.append("nm %s failed: %s" % (so, proc.stderr))
                continue
            syms = []
            for line in proc.stdout.splitlines():
                parts = line.split()
                if len(parts) < 3:
                    continue
                kind, sym = parts[-2], parts[-1].split("@")[0]
                if kind == "A" or usual.match(sym):
                    continue
                syms.append((kind, sym))
            names = [s for _, s in syms]
            if names != ["oi_ui_plugin"]:
                problems.append("%s exports %s; expected only oi_ui_plugin"
                                % (so, ", ".join(names) or "nothing"))
            elif syms[0][0] not in "DRBGSV":
                problems.append("%s: oi_ui_plugin is not a data symbol "
                                "(nm type %s)" % (so, syms[0][0]))
        if problems:
            self.fail(label, name, problems[0], "\n".join(problems[1:]))
        else:
            self.ok(label, name, " (%d plugins)" % len(sos))

    # ----- unit tests -----------------------------------------------------

    def unit_tests(self, build, label):
        tdir = os.path.join(build, "tests")
        if not os.path.isdir(tdir):
            return
        for name in sorted(os.listdir(tdir)):
            path = os.path.join(tdir, name)
            if not name.startswith("test_") or "." in name or \
                    not os.path.isfile(path) or not os.access(path, os.X_OK):
                continue
            tname = "unit/" + name
            if not self.wanted(tname):
                continue
            if self.out_of_time():
                return
            self.ran += 1
            env = dict(os.environ)
            env.update(SANITIZER_ENV)
            try:
                proc = subprocess.Popen([path], cwd=REPO, env=env,
                                        stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE,
                                        start_new_session=True)
                try:
                    out, err = proc.communicate(
                        timeout=self.args.unit_timeout)
                    timed_out = False
                finally:
                    kill_group(proc.pid)
            except subprocess.TimeoutExpired:
                out, err = proc.communicate()
                timed_out = True
            out = out.decode("utf-8", "replace")
            err = err.decode("utf-8", "replace")
            lines = [l for l in out.splitlines() if l.strip()]
            m = RESULT_LINE.match(lines[-1].strip()) if lines else None
            npass, nfail = (int(m.group(1)), int(m.group(2))) if m \
                else (0, 0)
            problems = []
            if timed_out:
                problems.append("timed out after %ds"
                                % self.args.unit_timeout)
            if proc.returncode < 0:
                problems.append("killed by signal %d" % -proc.returncode)
            elif proc.returncode != 0 and not timed_out:
                problems.append("exit status %d" % proc.returncode)
            if not m:
                problems.append('no "N passed, N failed" line')
            report = sanitizer_report(err)
            if report:
                problems.append("sanitizer report")
            self.passed += npass
            if nfail:
                problems.insert(0, "%d of %d cases failed"
                                % (nfail, npass + nfail))
            if problems:
                # Failing cases count one each; a crash, missing line or
                # sanitizer report with no failing case counts as one.
                details = [err.rstrip()] if err.strip() else []
                if not m and lines:
                    details.append("--- stdout tail ---\n" +
                                   "\n".join(lines[-10:]))
                self.fail(label, tname, "; ".join(problems),
                          "\n".join(details), count=nfail or 1)
            else:
                print("ok %s %s (%d passed)" % (label, tname, npass),
                      flush=True)

    # ----- integration tests ----------------------------------------------

    def load_modules(self):
        """[(module name, module or None, [(test name, fn)], error)]."""
        if self.modules is not None:
            return self.modules
        self.modules = []
        if not os.path.isdir(INTEGRATION):
            return self.modules
        for fname in sorted(os.listdir(INTEGRATION)):
            if not (fname.startswith("test_") and fname.endswith(".py")):
                continue
            modname = fname[:-3]
            path = os.path.join(INTEGRATION, fname)
            try:
                spec = importlib.util.spec_from_file_location(modname, path)
                mod = importlib.util.module_from_spec(spec)
                sys.modules[modname] = mod
                spec.loader.exec_module(mod)
            except Exception:
                self.modules.append((modname, None, [],
                                     traceback.format_exc()))
                continue
            tests = [(n, f) for n, f in vars(mod).items()
                     if n.startswith("test_") and callable(f)
                     and getattr(f, "__module__", None) == modname]
            tests.sort(key=lambda t: t[1].__code__.co_firstlineno
                       if hasattr(t[1], "__code__") else 0)
            self.modules.append((modname, mod, tests, None))
        return self.modules

    def integration_tests(self, build, label):
        for modname, mod, tests, error in self.load_modules():
            if error:
                if self.wanted(modname):
                    self.ran += 1
                    self.fail(label, modname, "cannot import", error)
                continue
            for tname, fn in tests:
                full = "%s.%s" % (modname, tname)
                if not self.wanted(full):
                    continue
                if self.out_of_time():
                    return
                self.run_one(build, label, full, fn)

    def run_one(self, build, label, full, fn):
        if self.dovecot is not None:
            try:
                self.dovecot.reset_mail()
            except OSError as e:
                print("warning: cannot reset the Dovecot mailboxes: %s" % e,
                      flush=True)
        ctx = Context(self, build, full)
        reason = details = None
        skipped = None
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(self.args.test_timeout)
        try:
            fn(ctx)
        except Skip as e:
            skipped = str(e) or "skipped"
        except AssertionError as e:
            reason = str(e) or "assertion failed"
            if isinstance(e, TestTimeout):
                details = "".join(traceback.format_tb(e.__traceback__))
            else:
                details = traceback.format_exc()
        except Exception as e:
            reason = "%s: %s" % (type(e).__name__, e)
            details = traceback.format_exc()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
            report = ctx.finish()
        if report:
            # A sanitizer report explains any assertion it caused, so it
            # comes first.
            then = ""
            if reason:
                first = reason.splitlines()[0]
                then = "(the test then failed with: %s)" % (
                    first if len(first) <= 200 else first[:200] + "...")
            reason = "sanitizer report: " + report.splitlines()[0]
            details = "\n".join(x for x in (report, then) if x)
        if skipped is not None and reason is None:
            print("skip %s %s: %s" % (label, full, skipped), flush=True)
            return
        self.ran += 1
        if reason is None:
            self.ok(label, full)
        else:
            self.fail(label, full, reason, details or "")

    # ----- fuzzers ----------------------------------------------------------

    def fuzzers(self, fuzzdir):
        """Run each libFuzzer target briefly; any finding fails it."""
        bindir = os.path.join(os.path.abspath(fuzzdir), "fuzz")
        if not os.path.isdir(bindir):
            return
        for name in sorted(os.listdir(bindir)):
            path = os.path.join(bindir, name)
            full = "fuzz/" + name
            if not name.startswith("fuzz_") or "." in name or \
                    not os.access(path, os.X_OK) or not self.wanted(full):
                continue
            self.ran += 1
            work = tempfile.mkdtemp(prefix="oi-fuzz-")
            try:
                # Seeds are copied: the fuzzer writes new inputs into its
                # corpus directory and the repository must stay clean.
                corpus = os.path.join(work, "corpus")
                seeds = os.path.join(REPO, "tests", "fuzz", "corpus",
                                     name[len("fuzz_"):])
                if os.path.isdir(seeds):
                    shutil.copytree(seeds, corpus)
                else:
                    os.mkdir(corpus)
                proc = subprocess.run(
                    [path, "-max_total_time=%d" % self.args.fuzz_seconds,
                     "-rss_limit_mb=2048", "-timeout=10",
                     "-artifact_prefix=%s/" % work, corpus],
                    capture_output=True, text=True, cwd=work,
                    timeout=self.args.fuzz_seconds + 120)
                if proc.returncode == 0:
                    self.ok("fuzz", full)
                else:
                    tail = "\n".join(proc.stderr.splitlines()[-30:])
                    self.fail("fuzz", full, "fuzzer found a problem "
                              "(exit %d)" % proc.returncode, tail)
            except subprocess.TimeoutExpired:
                self.fail("fuzz", full, "fuzzer did not stop in time")
            finally:
                shutil.rmtree(work, ignore_errors=True)

    # ----- the run --------------------------------------------------------

    def run(self):
        # SIGTERM takes the same clean-up path as Ctrl-C: spawned programs
        # and the shared Dovecot must not outlive the runner.
        signal.signal(signal.SIGTERM, _terminate)
        try:
            self.boundary_checks()
            for build_arg in self.args.builds:
                build = os.path.abspath(build_arg)
                label = build_arg.rstrip("/")
                if not os.path.isdir(build):
                    self.ran += 1
                    self.fail(label, "(build)", "no such directory %s"
                              % build)
                    continue
                self.unit_tests(build, label)
                if not os.access(os.path.join(build, "offlineimap"),
                                 os.X_OK):
                    self.ran += 1
                    self.fail(label, "(build)", "%s/offlineimap is missing;"
                              " integration tests not run" % label)
                else:
                    self.integration_tests(build, label)
                self.plugin_exports(build, label)
            for fuzzdir in self.args.fuzz:
                self.fuzzers(fuzzdir)
            if self.out_of_time():
                self.ran += 1
                self.fail("-", "(suite)", "suite time limit of %ds reached;"
                          " remaining tests not run"
                          % self.args.suite_timeout)
        except KeyboardInterrupt:
            self.ran += 1
            self.fail("-", "(suite)", "interrupted")
        finally:
            self.stop_dovecot()
        print("%d passed, %d failed" % (self.passed, self.failed),
              flush=True)
        return 0 if self.failed == 0 and self.ran > 0 else 1


def main(argv):
    ap = argparse.ArgumentParser(
        description="Run the offlineimap test suite.")
    ap.add_argument("--build", dest="builds", action="append",
                    metavar="DIR", help="a build tree (repeatable)")
    ap.add_argument("-k", dest="kfilters", action="append", default=[],
                    metavar="WORD", help="only tests whose name contains "
                    "WORD (repeatable)")
    ap.add_argument("filters", nargs="*", metavar="WORD",
                    help="same as -k")
    ap.add_argument("--fuzz", action="append", default=[], metavar="DIR",
                    help="a libFuzzer build tree whose fuzz/fuzz_* targets "
                    "run briefly (repeatable)")
    ap.add_argument("--fuzz-seconds", type=int, default=20,
                    help="seconds per fuzz target (default 20)")
    ap.add_argument("--test-timeout", type=int, default=300,
                    help="seconds per integration test (default 300)")
    ap.add_argument("--unit-timeout", type=int, default=300,
                    help="seconds per unit-test binary (default 300)")
    ap.add_argument("--suite-timeout", type=int, default=3600,
                    help="seconds for the whole run (default 3600)")
    args = ap.parse_args(argv)
    if not args.builds:
        args.builds = ["build"]
    args.filters = args.kfilters + args.filters
    os.chdir(REPO)
    return Runner(args).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
