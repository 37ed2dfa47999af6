# SPDX-License-Identifier: GPL-2.0-or-later
"""Curses.Blinkenlights in a real terminal: the binary runs inside a private
tmux server against the harness Dovecot, and the assertions read what tmux
shows (capture-pane, with -e for colours and attributes)."""

import os
import re
import shlex
import signal
import subprocess
import time

from syncworld import World, make_message

PLAIN = {"fg": None, "bg": None, "bold": False, "reverse": False}

# 8-colour numbers as tmux reports them.
RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE = 1, 2, 3, 4, 5, 6, 7


class Tmux:
    """One tmux server of our own (socket in ctx.tmp, no status line) with
    one window running the program through a small shell script:

        <program> 2>err        its pid in `pid`, exit status in `status`
        [stty -a]              into the pane once the program ended
        sleep                  keeps the pane (and what it shows) alive

    The pane's TERM is `term` (None: unset).  Used as a context manager
    so that the server and the program are gone after the test."""

    def __init__(self, ctx, args, width=100, height=30, term="screen",
                 alt_screen=True, show_stty=False, env=None, name="t",
                 interactive=False):
        self.ctx = ctx
        self.dir = os.path.join(ctx.tmp, "tmux-" + name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "sock")
        self.errfile = os.path.join(self.dir, "err")
        self.pidfile = os.path.join(self.dir, "pid")
        self.statusfile = os.path.join(self.dir, "status")
        self.donefile = os.path.join(self.dir, "done")
        conf = os.path.join(self.dir, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g status off\n"
                    "set -g default-terminal screen\n"
                    "set -g history-limit 5000\n"
                    "setw -g alternate-screen %s\n"
                    % ("on" if alt_screen else "off"))
        argv = [ctx.bin] + [str(a) for a in args]
        q = shlex.quote
        script = ["cd %s" % q(ctx.tmp)]
        if term is None:
            script.append("unset TERM")
        else:
            script.append("TERM=%s; export TERM" % q(term))
        script.append("sh -c 'echo $$ > %s; exec \"$0\" \"$@\"' %s 2>%s"
                      % (q(self.pidfile), " ".join(q(a) for a in argv),
                         q(self.errfile)))
        script.append("echo $? > %s.tmp; mv %s.tmp %s"
                      % (q(self.statusfile), q(self.statusfile),
                         q(self.statusfile)))
        if show_stty:
            script.append("echo \"exit status $(cat %s)\"; stty -a"
                          % q(self.statusfile))
        script.append(": > %s" % q(self.donefile))
        script.append("exec sleep 100000")
        runsh = os.path.join(self.dir, "run.sh")
        with open(runsh, "w") as f:
            f.write("\n".join(script) + "\n")
        self.env = ctx.env(dict({"TMUX": None, "TMUX_PANE": None},
                                **(env or {})))
        if not interactive:
            self.tmux("-f", conf, "new-session", "-d", "-x", str(width),
                      "-y", str(height), "-s", "t", "sh " + q(runsh))
            return
        # A shell with job control, for Ctrl-Z and fg.
        self.tmux("-f", conf, "new-session", "-d", "-x", str(width),
                  "-y", str(height), "-s", "t",
                  "bash --norc --noprofile -i")
        self.wait("the shell prompt", lambda rows: any(
            r.rstrip().endswith(("$", "#")) for r in rows), timeout=20)
        self.keys("sh " + q(runsh), "Enter")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pid = self.pid(wait=False)
        if pid and not os.path.exists(self.statusfile):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["tmux", "-S", self.sock, "kill-server"],
                       env=self.env, capture_output=True)
        self.ctx.check_output(self.stderr())
        return False

    def tmux(self, *args):
        proc = subprocess.run(["tmux", "-S", self.sock] + list(args),
                              env=self.env, capture_output=True, text=True,
                              timeout=30)
        assert proc.returncode == 0, "tmux %s: %s" % (args, proc.stderr)
        return proc.stdout

    # ---- observing ------------------------------------------------------

    def screen(self):
        """The visible pane, one string per row."""
        return self.tmux("capture-pane", "-p", "-t", "t").split("\n")[:-1]

    def text(self):
        return "\n".join(self.screen())

    def styled(self):
        """The visible pane as rows of (character, style) pairs."""
        return parse_styled(self.tmux("capture-pane", "-p", "-e", "-t",
                                      "t"))

    def alternate_on(self):
        return self.tmux("display", "-p", "-t", "t",
                         "#{alternate_on}").strip() == "1"

    def wait(self, what, pred, timeout=60):
        """Poll the screen until pred(rows) is true; fails with the last
        screen (and the program's stderr) otherwise."""
        deadline = time.time() + timeout
        while True:
            rows = self.screen()
            if pred(rows):
                return rows
            if time.time() > deadline:
                raise AssertionError(
                    "timed out waiting for %s; screen:\n%s\nstderr:\n%s"
                    % (what, "\n".join(rows), self.stderr()))
            time.sleep(0.1)

    def wait_text(self, needle, timeout=60):
        return self.wait(repr(needle),
                         lambda rows: needle in "\n".join(rows), timeout)

    def ended(self):
        return os.path.exists(self.statusfile)

    def wait_exit(self, timeout=60):
        deadline = time.time() + timeout
        while not os.path.exists(self.donefile):
            if time.time() > deadline:
                raise AssertionError("the program did not end; screen:\n%s"
                                     "\nstderr:\n%s"
                                     % (self.text(), self.stderr()))
            time.sleep(0.1)
        with open(self.statusfile) as f:
            return int(f.read().strip())

    def pid(self, wait=True):
        deadline = time.time() + (30 if wait else 0)
        while True:
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                if time.time() >= deadline:
                    return None
                time.sleep(0.05)

    def stderr(self):
        try:
            with open(self.errfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ---- acting ---------------------------------------------------------

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", "--", text)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y",
                  str(height))


SGR = re.compile(r"\x1b\[([0-9;:]*)([A-Za-z])")


def parse_styled(text):
    """tmux capture-pane -e output as rows of (char, style dict); styles
    carry over from row to row as tmux only writes changes."""
    style = dict(PLAIN)
    rows = []
    for line in text.split("\n")[:-1]:
        row = []
        pos = 0
        for m in SGR.finditer(line):
            for ch in line[pos:m.start()]:
                row.append((ch, dict(style)))
            pos = m.end()
            if m.group(2) != "m":
                continue
            params = [int(p) if p else 0
                      for p in m.group(1).replace(":", ";").split(";")]
            i = 0
            while i < len(params):
                p = params[i]
                if p == 0:
                    style = dict(PLAIN)
                elif p == 1:
                    style["bold"] = True
                elif p == 22:
                    style["bold"] = False
                elif p == 7:
                    style["reverse"] = True
                elif p == 27:
                    style["reverse"] = False
                elif 30 <= p <= 37:
                    style["fg"] = p - 30
                elif 90 <= p <= 97:
                    style["fg"] = p - 90 + 8
                elif p == 39:
                    style["fg"] = None
                elif 40 <= p <= 47:
                    style["bg"] = p - 40
                elif 100 <= p <= 107:
                    style["bg"] = p - 100 + 8
                elif p == 49:
                    style["bg"] = None
                elif p in (38, 48) and i + 2 < len(params) and \
                        params[i + 1] == 5:
                    style["fg" if p == 38 else "bg"] = params[i + 2]
                    i += 2
                i += 1
        for ch in line[pos:]:
            row.append((ch, dict(style)))
        rows.append(row)
    return rows


def row_text(row):
    return "".join(ch for ch, _ in row)


def find_row(rows, pattern):
    """The first styled row whose text matches the regex `pattern`."""
    for row in rows:
        if re.search(pattern, row_text(row)):
            return row
    return None


def lights(row):
    """The light cells of an account row: everything after "<NAME>: "
    (tmux leaves out trailing blanks: black lights at the end)."""
    text = row_text(row)
    m = re.match(r"^.: \[[^\]]*\] +.*?:(?: |$)", text)
    assert m, text
    return row[m.end():]


def styles_in(rows):
    return [s for row in rows for _, s in row]


# ---- configurations ------------------------------------------------------

def world(ctx, autorefresh=None, password=True, extra_general=""):
    w = World(ctx, extra_account=("autorefresh = %s" % autorefresh)
              if autorefresh is not None else "",
              extra_general=extra_general)
    if not password:
        with open(w.config) as f:
            text = f.read()
        with open(w.config, "w") as f:
            f.write(text.replace("remotepass = %s\n" % w.password, ""))
    return w


def curses_args(w, *extra):
    return ["-c", w.config, "-u", "Curses.Blinkenlights"] + list(extra)


def assert_terminal_usable(t):
    """After the program: normal screen, echo and line editing back."""
    t.wait_exit()
    assert not t.alternate_on(), "left in the alternate screen:\n" + t.text()
    text = t.wait_text("exit status")
    text = "\n".join(text)
    assert re.search(r"(?<![-\w])echo(?![\w])", text), text
    assert re.search(r"(?<![-\w])icanon(?![\w])", text), text
    assert not re.search(r"(?<![\w])-echo(?![\w])", text), text


def wait_sleeping(t, timeout=60):
    """Wait until account T counts down, or fail with skip when the run
    ended by itself: this program ignores autorefresh."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = t.screen()
        for r in rows:
            m = re.match(r"^1: \[ *(\d+):(\d\d)\] +T:", r)
            if m:
                return int(m.group(1)) * 60 + int(m.group(2)), rows
        if t.ended():
            if t.wait_exit() == 0:
                t.ctx.skip("autorefresh not available yet")
            raise AssertionError("the program ended with status %d:\n%s"
                                 % (t.wait_exit(), t.stderr()))
        time.sleep(0.1)
    raise AssertionError("no countdown on the account row:\n%s\n%s"
                         % (t.text(), t.stderr()))


# ---- tests ----------------------------------------------------------------

def test_curses_sync_screen_and_colours(ctx):
    """A whole run: title bar, log lines naming the folders in the folder
    light's colour, the account rows, the status line; the final picture
    stays on a terminal without an alternate screen."""
    w = world(ctx)
    w.put("INBOX", [make_message(n) for n in range(3)])
    w.put("Work", [make_message(10 + n) for n in range(2)])
    with Tmux(ctx, curses_args(w), alt_screen=False) as t:
        st = t.wait_exit()
        assert st == 0, (st, t.stderr(), t.text())
        rows = t.styled()
        text = [row_text(r) for r in rows]
        screen = "\n".join(text)

        # Title bar: product and version left, copyright right, ending
        # one column before the edge (tmux drops the trailing blank),
        # white on blue, bold.
        assert text[0].startswith("OfflineIMAP "), screen
        assert len(text[0]) == 99 and text[0].endswith("developers"), \
            repr(text[0])
        title = [s for _, s in rows[0]]
        assert all(s["bg"] == BLUE and s["bold"] for s in title), title[:3]

        # The log names the folders, in the colour of a syncing folder.
        for folder in ("INBOX", "Work"):
            row = find_row(rows, r"^Syncing %s: IMAP -> Maildir" % folder)
            assert row, screen
            assert row[0][1]["fg"] == CYAN, row[0]
        row = find_row(rows, r"^Copy message \d+ IMAP\[INBOX\]")
        assert row and row[0][1]["fg"] == YELLOW, screen   # orange
        assert "Finished processing account T" in screen, screen

        # Account rows: T at the bottom with key 1, *Control above with
        # key 2 and the main thread's red light.
        acct = [i for i, r in enumerate(text) if re.match(r"^1: ", r)]
        assert acct and re.match(r"^1: \[ done \]             T:",
                                 text[acct[0]]), screen
        ctl = acct[0] - 1
        assert re.match(r"^2: \[active\]      \*Control: \.", text[ctl]), \
            screen
        dot = lights(rows[ctl])[0]
        assert dot[0] == "." and dot[1]["fg"] == RED, dot

        # (The status line under them is gone: ncurses clears the bottom
        # row for the shell when it ends.)
    assert len(w.local("INBOX")) == 3 and len(w.local("Work")) == 2


def test_curses_password_prompt_without_echo(ctx):
    """No remotepass: the prompt appears inside the screen, the account's
    light turns white, nothing typed is ever drawn, and the answer
    logs in."""
    w = world(ctx, password=False)
    w.put("INBOX", [make_message(1)])
    pw = w.password
    with Tmux(ctx, curses_args(w)) as t:
        rows = t.wait_text("Please enter password for account R:")
        screen = "\n".join(rows)
        assert " *** Input Required" in screen, screen
        # The prompt sits in the log pane, above the account rows.
        prompt = [i for i, r in enumerate(rows) if "enter password" in r]
        acct = [i for i, r in enumerate(rows) if re.match(r"^1: ", r)]
        assert prompt[0] < acct[0], screen
        styled = t.styled()
        row = find_row(styled, r"^1: \[active\] +T:")
        light = [c for c in lights(row) if c[0] != " "]
        assert light and light[0][0] == "." and \
            light[0][1]["fg"] == WHITE and light[0][1]["bold"], light
        # The status line says how to answer.
        assert rows[-1].startswith(" Password for R (account T)") and \
            "Esc refuse" in rows[-1], \
            rows[-1]

        half = len(pw) // 2
        t.type(pw[:half])
        time.sleep(0.5)
        assert pw[:half] not in t.text(), t.text()
        t.type(pw[half:])
        time.sleep(0.5)
        assert pw[:half] not in t.text() and pw not in t.text()
        t.keys("Enter")
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())
        assert pw not in t.text() and pw not in t.stderr()
    assert len(w.local("INBOX")) == 1


def test_curses_resize_and_back(ctx):
    """Shrinking to 40x12 (and further) and back redraws without a crash;
    nothing needs the 80x24 the layout is made for."""
    w = world(ctx, password=False)
    with Tmux(ctx, curses_args(w)) as t:
        t.wait_text("Please enter password")
        t.resize(40, 12)

        def small(rows):
            return len(rows) == 12 and rows[0].startswith(
                "OfflineIMAP") and "Copyright" not in rows[0] and \
                any(re.match(r"^1: \[active\] +T:", r) for r in rows) \
                and any(r.startswith(" *** Please enter") for r in rows)
        rows = t.wait("the 40x12 layout", small, timeout=20)
        assert all(len(r) <= 40 for r in rows), rows
        assert not t.ended()

        t.resize(100, 30)
        rows = t.wait("the 100x30 layout",
                      lambda rows: len(rows) == 30 and
                      "Copyright" in rows[0], timeout=20)
        assert any("Please enter password for account R:" in r
                   for r in rows), rows

        # Far below anything usable, then back once more.
        for size in ((12, 3), (1, 1), (100, 30)):
            t.resize(*size)
            time.sleep(0.5)
            assert not t.ended(), t.stderr()
        t.wait("the 100x30 layout again",
               lambda rows: "Copyright" in rows[0] and
               any("Please enter password" in r for r in rows), timeout=20)

        t.type(w.password)
        t.keys("Enter")
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())


def test_curses_small_terminal_from_the_start(ctx):
    """Started in 30x6: title cut, log squeezed, rows clipped; the run
    completes."""
    w = world(ctx)
    w.put("INBOX", [make_message(1)])
    with Tmux(ctx, curses_args(w), width=30, height=6,
              alt_screen=False) as t:
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())
        rows = t.screen()
        assert rows[0].startswith("OfflineIMAP"), rows
        assert any(r.startswith("1: [ done ]") for r in rows), rows
    assert len(w.local("INBOX")) == 1


def test_curses_monochrome_terminal(ctx):
    """A terminal without colours gets attributes: a reverse-video title
    bar and letters for the lights, no colour anywhere."""
    w = world(ctx)
    with Tmux(ctx, curses_args(w), term="vt100", alt_screen=False) as t:
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())
        rows = t.styled()
        assert row_text(rows[0]).startswith("OfflineIMAP"), rows[0]
        assert all(s["reverse"] for _, s in rows[0]), rows[0][:3]
        for s in styles_in(rows):
            assert s["fg"] is None and s["bg"] is None, s
        ctl = find_row(rows, r"^2: \[active\] +\*Control: ")
        assert ctl and lights(ctl)[0][0] == "*", row_text(ctl)


def test_curses_quit_key_restores_terminal(ctx):
    """q ends the run cleanly, status 0, and the terminal is usable
    again: normal screen, echo and canonical mode on."""
    w = world(ctx, autorefresh=1)
    with Tmux(ctx, curses_args(w), show_stty=True) as t:
        wait_sleeping(t)
        assert t.alternate_on()
        t.keys("q")
        assert_terminal_usable(t)
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())


def test_curses_signal_restores_terminal(ctx):
    """SIGTERM or SIGINT at the password prompt: the run stops, the
    terminal is restored, and the run's errors are printed on it."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        w = world(ctx, password=False)
        with Tmux(ctx, curses_args(w), show_stty=True,
                  name=sig.name) as t:
            t.wait_text("Please enter password")
            os.kill(t.pid(), sig)
            assert_terminal_usable(t)
            assert t.wait_exit() != 0
            lines = t.screen()
            assert any(re.match(r"^(ERROR|WARNING): .*%s" % sig.name, l)
                       for l in lines), lines


def test_curses_countdown_and_blinking_light(ctx):
    """Between syncs the account row counts down as [MMM:SS] and the
    account's light blinks red and black; then the next sync starts."""
    w = world(ctx, autorefresh=0.05)
    with Tmux(ctx, curses_args(w)) as t:
        first, _ = wait_sleeping(t)
        assert first <= 3
        seen_secs, seen_light = set(), set()
        deadline = time.time() + 8
        while time.time() < deadline and not (len(seen_secs) >= 2 and
                                              {"red", "off"} <= seen_light):
            rows = t.styled()
            row = find_row(rows, r"^1: \[ *\d+:\d\d\] +T:")
            if row:
                m = re.match(r"^1: \[ *(\d+):(\d\d)\]", row_text(row))
                seen_secs.add(int(m.group(2)))
                cells = lights(row)
                if cells and cells[0][0] == "." and \
                        cells[0][1]["fg"] == RED:
                    seen_light.add("red")
                elif not cells or cells[0][0] == " ":
                    seen_light.add("off")
            time.sleep(0.1)
        assert len(seen_secs) >= 2, seen_secs
        assert {"red", "off"} <= seen_light, seen_light
        assert "Next sync in 0:03" in t.text(), t.text()
        # The countdown ends and a new cycle syncs again.
        t.wait("a second cycle",
               lambda rows: "\n".join(rows).count("Next sync in") >= 2,
               timeout=30)
        t.keys("q")
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())


def test_curses_hotkey_syncs_before_countdown_ends(ctx):
    """Account T's hotkey (1) ends its one-minute sleep at once: a message
    that arrived on the server meanwhile is downloaded long before the
    countdown would have ended."""
    w = world(ctx, autorefresh=1)
    with Tmux(ctx, curses_args(w)) as t:
        secs, _ = wait_sleeping(t)
        assert secs > 30, secs
        w.put("INBOX", [make_message(7)])
        started = time.time()
        t.keys("1")
        t.wait_text("Sync now requested for account T", timeout=10)
        t.wait("the new message copied",
               lambda rows: any(re.match(r"^Copy message \d+ IMAP\[INBOX\]",
                                         r) for r in rows), timeout=20)
        assert time.time() - started < 25
        # Back to sleeping, with a fresh minute; the status line counts
        # what this cycle did.
        secs, rows = wait_sleeping(t)
        assert secs > 30, secs
        assert re.match(r"^ T: INBOX  copied 1  deleted 0  flags 0 ",
                        rows[-1]), rows[-1]
        assert "1-2 sync now  q quit" in rows[-1], rows[-1]
        assert len(w.local("INBOX")) == 1
        t.keys("q")
        st = t.wait_exit()
        assert st == 0, (st, t.stderr())


def test_curses_scroll_back_and_log_settings(ctx):
    """[ui.Curses.Blinkenlights] loglines sets the log pane's height and
    bufferlines how far back it scrolls; Up/Down/PgUp/PgDn/Home/End move
    through it and the status line says when the view is not following."""
    w = world(ctx, autorefresh=1)
    with open(w.config, "a") as f:
        f.write("\n[ui.Curses.Blinkenlights]\nloglines = 6\n"
                "bufferlines = 12\n")
    with Tmux(ctx, curses_args(w)) as t:
        _, rows = wait_sleeping(t)
        acct = min(i for i, r in enumerate(rows) if re.match(r"^\d: ", r))
        pane = rows[acct - 6:acct]
        # Six log rows right above the account rows, nothing above them.
        assert all(r == "" for r in rows[1:acct - 6]), rows
        assert all(pane), rows
        assert pane[-1] == "Next sync in 1:00", rows

        def view(what, pred):
            return t.wait(what, lambda rows: pred(
                rows[acct - 6:acct], rows[-1]), timeout=10)

        t.keys("Up")
        rows = view("one line back", lambda p, st: "scrolled back 1 " in st)
        assert rows[acct - 1] == pane[-2], rows
        t.keys("NPage")
        view("following again", lambda p, st: p == pane and "q quit" in st)
        t.keys("Home")
        rows = view("the oldest line", lambda p, st: "scrolled back" in st)
        top = rows[acct - 6:acct]
        back = int(re.search(r"scrolled back (\d+)", rows[-1]).group(1))
        # 12 lines kept, at least 6 of them on screen.
        assert 1 <= back <= 6, rows[-1]
        t.keys("PPage")
        time.sleep(0.5)
        assert t.screen()[acct - 6:acct] == top, "scrolled past the top"
        t.keys("Down")
        view("one line down", lambda p, st:
             "scrolled back %d " % (back - 1) in st or
             (back == 1 and "q quit" in st))
        t.keys("End")
        view("following again", lambda p, st: p == pane and "q quit" in st)
        t.keys("q")
        assert t.wait_exit() == 0, t.stderr()


def test_curses_suspend_and_resume(ctx):
    """Ctrl-Z from an interactive shell: the normal screen while the
    program is stopped, the full screen again after fg."""
    w = world(ctx, autorefresh=1)
    with Tmux(ctx, curses_args(w), interactive=True) as t:
        wait_sleeping(t)
        assert t.alternate_on()
        t.keys("C-z")
        t.wait_text("Stopped", timeout=10)
        assert not t.alternate_on(), t.text()
        t.keys("fg", "Enter")
        t.wait("the screen back", lambda rows: rows[0].startswith(
            "OfflineIMAP") and any(re.match(r"^1: \[", r) for r in rows),
            timeout=10)
        assert t.alternate_on()
        t.keys("q")
        assert t.wait_exit() == 0, t.stderr()


def test_curses_unusable_terminal_falls_back(ctx):
    """A terminal curses cannot drive: the UI says why and the next one in
    the list runs."""
    w = world(ctx, extra_general="ui = Curses.Blinkenlights, TTY.TTYUI")
    cases = [
        ("dumb", 'TERM is "dumb"'),
        (None, "TERM is not set"),
        ("no-such-terminal",
         'no terminfo entry for TERM "no-such-terminal"'),
    ]
    for term, why in cases:
        with Tmux(ctx, ["-c", w.config], term=term,
                  name=term or "unset") as t:
            st = t.wait_exit()
            err = t.stderr()
            assert st == 0, (term, st, err)
            assert "UI Curses.Blinkenlights: %s" % why in err, (term, err)
            assert "trying the next one" in err, err
            # TTY.TTYUI's thread-name lines.
            assert "Account sync T:" in t.text(), t.text()

    # Not a terminal at all (standard input and output are pipes).
    cfg = w.config
    with open(cfg) as f:
        text = f.read()
    with open(cfg, "w") as f:
        f.write(text.replace("TTY.TTYUI", "Noninteractive.Basic"))
    st, out, err = ctx.run(["-c", cfg])
    assert st == 0, (st, err)
    assert "UI Curses.Blinkenlights: standard input is not a terminal" \
        in err, err
    assert "Processing account T" in out, out
