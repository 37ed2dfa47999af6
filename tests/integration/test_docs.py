# SPDX-License-Identifier: GPL-2.0-or-later
"""The documentation matches the program.

* Both man pages (doc/offlineimap.1, doc/offlineimaprc.5) render with
  `groff -ww -man` and `man -l` without a warning, and pass `mandoc -T
  lint` when mandoc is installed.
* offlineimaprc(5) documents exactly the options of core/config_schema.c,
  section kind by section kind, with the schema's type, default and
  "required", and says "not implemented" exactly where the schema's help
  text does.  The page is read by the convention stated in the comment at
  its top: option lists sit between a roff comment `.\\" options: KIND` and
  the next such comment or `.SH`; in a list, each option is a `.TP`
  paragraph whose tag line is `\\fBNAME\\fR (TYPE, ...)`.  The schema is
  read from the C source: every OPT(kind, "name", TYPE, default, required,
  help) entry of config_options[].
* offlineimap(1) has a tagged paragraph for every option, exit status,
  environment variable and user interface that `offlineimap -h` names, and
  no option that -h does not name.
* Every contrib/*/offlineimaprc is accepted by the real binary (parsed and
  validated, then run until the network with the servers replaced by a
  closed local port), and each Python expression in it gives the same
  result through our evaluator (the pyexpr_eval test tool) as through
  CPython, and the results its comments promise.  Against the harness
  Dovecot, the examples sync as their comments say (folders chosen and
  renamed, folder order, the mbnames file, the notmuch hook); a part
  whose feature is written but not yet called by the sync is skipped.
* `make install` puts the man pages (readable by `man -M`) and the
  examples in place, the installed binary syncs with the harness Dovecot
  through every installed UI, and `make uninstall` removes it all.
"""

import configparser
import functools
import os
import pty
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncworld import make_message  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MAN1 = os.path.join(REPO, "doc", "offlineimap.1")
MAN5 = os.path.join(REPO, "doc", "offlineimaprc.5")
SCHEMA = os.path.join(REPO, "core", "config_schema.c")
CONTRIB = os.path.join(REPO, "contrib")

# The words offlineimaprc(5) (and offlineimap.conf) use for each type.
TYPE_WORDS = {
    "STRING": "text", "BOOL": "yes/no", "INT": "integer", "FLOAT": "number",
    "PATH": "path", "LIST": "list", "PYEXPR": "Python",
    "RAW": "raw format",
}
KINDS = {"GENERAL": "general", "MBNAMES": "mbnames", "ACCOUNT": "account",
         "REPOSITORY": "repository", "REPO_MAILDIR": "maildir",
         "REPO_IMAP": "imap", "UI": "ui"}


# ---- reading the schema --------------------------------------------------

_C_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|/\*.*?\*/|//[^\n]*|\w+|\S',
                      re.S)


def _c_string(tok):
    body = tok[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(
        m.group(1), m.group(1)), body)


def read_schema():
    """[{kind, name, type, default, required}] from config_schema.c."""
    with open(SCHEMA) as f:
        text = f.read()
    start = text.index("config_options[]")
    toks = [t for t in _C_TOKEN.findall(text[start:])
            if not t.startswith(("/*", "//"))]
    options = []
    i = 0
    while i < len(toks):
        if toks[i] != "OPT" or toks[i + 1] != "(":
            i += 1
            continue
        i += 2
        args, cur, depth = [], [], 0
        while True:
            t = toks[i]
            i += 1
            if t == "(":
                depth += 1
            elif t == ")":
                if depth == 0:
                    args.append(cur)
                    break
                depth -= 1
            if t == "," and depth == 0:
                args.append(cur)
                cur = []
            else:
                cur.append(t)
        assert len(args) == 6, "cannot read OPT(%s)" % args

        def value(arg):
            if arg == ["NULL"]:
                return None
            assert all(t.startswith('"') for t in arg), arg
            return "".join(_c_string(t) for t in arg)
        assert args[0][0] in KINDS, args[0]
        assert args[2][0] in TYPE_WORDS, args[2]
        options.append({"kind": KINDS[args[0][0]], "name": value(args[1]),
                        "type": args[2][0], "default": value(args[3]),
                        "required": args[4] == ["true"],
                        "help": value(args[5]) or ""})
    assert len(options) > 50, "only %d options read from %s" % (
        len(options), SCHEMA)
    return options


# ---- reading roff --------------------------------------------------------

def roff_text(s):
    """Plain text of a roff text line or macro argument string."""
    s = re.sub(r'\\f(\[[^]]*\]|\(..|.)', "", s)
    for esc, ch in ((r"\-", "-"), (r"\(aq", "'"), (r"\(dq", '"'),
                    (r"\(lq", '"'), (r"\(rq", '"'), (r"\(em", "--"),
                    (r"\(bu", "*"), (r"\e", "\\"), (r"\&", ""),
                    (r"\%", ""), (r"\ ", " ")):
        s = s.replace(esc, ch)
    return s


def macro_text(line):
    """Plain text of a line such as `.BR \\-h ", " \\-\\-help`: the
    arguments of the alternating-font macros are joined as they are, those
    of the others with spaces."""
    if not line.startswith("."):
        return roff_text(line)
    name, _, rest = line[1:].partition(" ")
    parts = re.findall(r'"((?:[^"]|"")*)"|(\S+)', rest)
    sep = "" if name in ("BR", "BI", "IB", "IR", "RB", "RI") else " "
    return sep.join(roff_text((q or w).replace('""', '"'))
                    for q, w in parts)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def sections(lines):
    """{".SH title": [lines]}."""
    out, cur = {}, None
    for line in lines:
        if line.startswith(".SH "):
            cur = macro_text(line).strip()
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def tags(lines):
    """The plain text of each .TP tag line among `lines`."""
    return [macro_text(lines[i + 1]) for i, l in enumerate(lines[:-1])
            if l == ".TP"]


ENTRY = re.compile(r"^\\fB(\S+?)\\fR \((.*)\)$")


def read_man5_options():
    """[(kind, name, paren text, line number)] and a list of problems."""
    lines = read_lines(MAN5)
    kind = None
    entries, problems = [], []
    for i, line in enumerate(lines):
        m = re.match(r'^\.\\" options: (\S+)$', line)
        if m:
            kind = None if m.group(1) == "end" else m.group(1)
            if kind is not None and kind not in KINDS.values():
                problems.append("offlineimaprc.5:%d: unknown kind %r"
                                % (i + 1, kind))
            continue
        if line.startswith(".SH"):
            kind = None
            continue
        if line != ".TP" or i + 1 >= len(lines):
            continue
        m = ENTRY.match(lines[i + 1])
        if not m:
            continue
        name, paren = roff_text(m.group(1)), roff_text(m.group(2))
        if kind is None:
            problems.append("offlineimaprc.5:%d: option entry %s outside "
                            "an options list" % (i + 2, name))
            continue
        entries.append((kind, name, paren, i + 2))
    return entries, problems


def normalized_default(opt):
    d = opt["default"]
    if opt["type"] == "LIST":
        d = ", ".join(x.strip() for x in d.split(",") if x.strip())
    return d


# ---- man pages render cleanly --------------------------------------------

def test_man_pages_render_without_warnings(ctx):
    for tool in ("groff", "man"):
        assert shutil.which(tool), "%s is not installed (run " \
            "tests/harness/install-deps.sh)" % tool
    for page in (MAN1, MAN5):
        r = subprocess.run(["groff", "-ww", "-z", "-man", "-Tutf8", page],
                           capture_output=True, text=True)
        assert r.returncode == 0 and not r.stderr.strip(), \
            "groff -ww %s:\n%s" % (page, r.stderr)
        env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80",
                   LC_ALL="C.UTF-8")
        r = subprocess.run(["man", "-l", page], capture_output=True,
                           text=True, env=env)
        assert r.returncode == 0 and not r.stderr.strip(), \
            "man -l %s:\n%s" % (page, r.stderr)
        title = "OFFLINEIMAP(1)" if page == MAN1 else "OFFLINEIMAPRC(5)"
        assert r.stdout.startswith(title), r.stdout[:200]
        wide = [l for l in r.stdout.splitlines() if len(l) > 80]
        assert not wide, "%s: lines wider than 80 columns:\n%s" % (
            page, "\n".join(wide))
        for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "FILES",
                        "SEE ALSO"):
            assert "\n%s\n" % heading in r.stdout, (page, heading)


def test_man_pages_pass_mandoc_lint(ctx):
    if not shutil.which("mandoc"):
        ctx.skip("mandoc is not installed (tests/harness/install-deps.sh "
                 "installs it)")
    r = subprocess.run(["mandoc", "-T", "lint", MAN1, MAN5],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        r.stdout + r.stderr


# ---- offlineimaprc(5) and the schema -------------------------------------

def entry_text(lines, line):
    """Plain text of the option entry whose tag is on `line` (1-based)."""
    body = [macro_text(lines[line - 1])]
    for l in lines[line:]:
        if l.startswith((".TP", ".SS", ".SH", ".PP", '.\\" options')):
            break
        if not l.startswith('.\\"'):
            body.append(macro_text(l))
    return " ".join(body)


def test_man5_documents_exactly_the_schema(ctx):
    schema = read_schema()
    lines = read_lines(MAN5)
    entries, problems = read_man5_options()
    documented = {}
    for kind, name, paren, line in entries:
        if (kind, name) in documented:
            problems.append("offlineimaprc.5:%d: [%s] %s documented twice"
                            % (line, kind, name))
        documented[(kind, name)] = (paren, line)
    known = {(o["kind"], o["name"]): o for o in schema}
    for key, (paren, line) in sorted(documented.items()):
        if key not in known:
            problems.append("offlineimaprc.5:%d: %s option %s is not in "
                            "config_schema.c" % (line, key[0], key[1]))
    for key, opt in known.items():
        if key not in documented:
            problems.append("config_schema.c: %s option %s is not in "
                            "offlineimaprc.5" % key)
            continue
        paren, line = documented[key]
        word = TYPE_WORDS[opt["type"]]
        if not re.match(re.escape(word) + r"(,|$)", paren):
            problems.append("offlineimaprc.5:%d: %s: type should read %r, "
                            "not (%s)" % (line, opt["name"], word, paren))
        if opt["default"] is not None:
            want = "default " + normalized_default(opt)
            if want not in paren:
                problems.append("offlineimaprc.5:%d: %s: %r missing from "
                                "(%s)" % (line, opt["name"], want, paren))
        if opt["required"] and "required" not in paren:
            problems.append("offlineimaprc.5:%d: %s is required: say so "
                            "in (%s)" % (line, opt["name"], paren))
        # What the schema says is missing, the page says too, and the
        # reverse: the two change together when the feature lands.
        pending = "not implemented" in opt["help"].lower()
        if pending != ("not implemented" in
                       entry_text(lines, line).lower()):
            problems.append("offlineimaprc.5:%d: %s: config_schema.c %s "
                            "\"not implemented\" but the page %s" % (
                                line, opt["name"],
                                "says" if pending else "does not say",
                                "does not" if pending else "does"))
    assert not problems, "\n".join(problems)


def test_man5_describes_every_option(ctx):
    """No entry is only a tag: each has a sentence of its own."""
    lines = read_lines(MAN5)
    entries, _ = read_man5_options()
    short = []
    for kind, name, paren, line in entries:
        text = entry_text(lines, line)[len(macro_text(lines[line - 1])):]
        if len(text.strip()) < 20 or "." not in text:
            short.append("%s %s: %r" % (kind, name, text))
    assert not short, "\n".join(short)


# ---- offlineimap(1) and -h -----------------------------------------------

def help_blocks(text):
    """{"Options": [lines], "Exit status": [...], ...} of `offlineimap -h`."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Za-z ]*):$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def test_man1_matches_help(ctx):
    st, out, err = ctx.run(["-h"])
    assert st == 0, (st, err)
    blocks = help_blocks(out)
    for name in ("Options", "Exit status", "Environment"):
        assert name in blocks, "no %r block in -h:\n%s" % (name, out)

    help_opts = set()
    for line in blocks["Options"]:
        m = re.match(r"^  (--?[\w-]+(?:, --?[\w-]+)*)", line)
        if m:
            help_opts.update(m.group(1).split(", "))
    assert {"-1", "-a", "-c", "-h", "--help", "--version"} <= help_opts, \
        help_opts

    man = sections(read_lines(MAN1))
    man_opts = set()
    for tag in tags(man["OPTIONS"]):
        man_opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)",
                                   tag))
    assert help_opts == man_opts, (
        "options in -h but not in offlineimap.1: %s; in offlineimap.1 but "
        "not in -h: %s" % (sorted(help_opts - man_opts),
                           sorted(man_opts - help_opts)))

    # The synopsis names every option too.
    synopsis = " ".join(macro_text(l) for l in man["SYNOPSIS"])
    for opt in help_opts:
        assert re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt),
                         synopsis), "%s missing from SYNOPSIS" % opt

    statuses = {m.group(1) for l in blocks["Exit status"]
                for m in [re.match(r"^  (\d+)\s", l)] if m}
    man_statuses = {t.strip() for t in tags(man["EXIT STATUS"])}
    assert statuses and statuses == man_statuses, (statuses, man_statuses)

    envs = {m.group(1) for l in blocks["Environment"]
            for m in [re.match(r"^  ([A-Z][A-Z0-9_]+)\s", l)] if m}
    man_envs = {t.strip() for t in tags(man["ENVIRONMENT"])}
    assert envs and envs <= man_envs, (envs, man_envs)

    uis = set(re.findall(r"\b(?:Curses|TTY|Noninteractive)\.\w+", out))
    man_uis = {t.strip() for t in tags(man["USER INTERFACES"])}
    assert uis and uis <= man_uis, (uis, man_uis)


def test_man_pages_name_the_version(ctx):
    with open(os.path.join(REPO, "GNUmakefile")) as f:
        version = re.search(r"^VERSION\s*:?=\s*(\S+)", f.read(),
                            re.M).group(1)
    for page in (MAN1, MAN5):
        th = [l for l in read_lines(page) if l.startswith(".TH ")][0]
        assert '"offlineimap %s"' % version in th, (page, th, version)


# ---- contrib examples ----------------------------------------------------

def example_configs():
    found = []
    for d in sorted(os.listdir(CONTRIB)):
        path = os.path.join(CONTRIB, d, "offlineimaprc")
        if os.path.isfile(path):
            found.append(path)
    assert len(found) >= 4, found
    return found


def read_ini(path):
    """The file as ConfigParser reads it (no interpolation; option names in
    lower case; continuation lines joined with newlines)."""
    cp = configparser.RawConfigParser(
        strict=False, comment_prefixes=("#", ";"),
        inline_comment_prefixes=(";",), default_section="DEFAULT")
    with open(path) as f:
        cp.read_file(f)
    return cp


def expand(path, home):
    return home + path[1:] if path.startswith("~/") else path


def prepare_home(ctx, cfgpath):
    """Create what the example's header comment asks for, under HOME =
    ctx.tmp: the Maildir roots, the mbnames directory, the pythonfile."""
    cp = read_ini(cfgpath)
    for sec in cp.sections():
        if sec.startswith("Repository ") and \
                cp.get(sec, "type", fallback="") == "Maildir":
            os.makedirs(expand(cp.get(sec, "localfolders"), ctx.tmp),
                        exist_ok=True)
    if cp.getboolean("mbnames", "enabled", fallback=False):
        os.makedirs(os.path.dirname(expand(cp.get("mbnames", "filename"),
                                           ctx.tmp)), exist_ok=True)
    pyfile = cp.get("general", "pythonfile", fallback=None)
    if pyfile:
        srcs = [f for f in os.listdir(os.path.dirname(cfgpath))
                if f.endswith(".py")]
        assert len(srcs) == 1, "%s: pythonfile %s, but %s beside it" % (
            cfgpath, pyfile, srcs)
        shutil.copy(os.path.join(os.path.dirname(cfgpath), srcs[0]),
                    expand(pyfile, ctx.tmp))
    return cp


def config_located(text, paths):
    """Lines of `text` that point into one of `paths` with a line number:
    the form of every configuration and pythonfile error."""
    return [l for l in text.splitlines()
            if any(re.search(re.escape(p) + r":\d+", l) for p in paths)]


def test_contrib_examples_validate(ctx):
    """Each example passes parsing and validation: with a UI that does not
    exist the program gets as far as choosing the UI (status 200), which
    comes after the whole file was checked (status 3 otherwise)."""
    for cfg in example_configs():
        prepare_home(ctx, cfg)
        st, out, err = ctx.run(["-c", cfg, "-u", "No.Such.Interface"])
        assert st == 200, "%s: status %d\n%s" % (cfg, st, err)
        assert "No UIs were found usable" in err, (cfg, err)
        assert not re.search(r"(?im)^warning:", err), (cfg, err)
        assert not config_located(err, [cfg]), (cfg, err)


def test_contrib_examples_run_until_the_network(ctx):
    """Each example runs through account start-up (repositories,
    expressions, hooks disabled) until it connects, to a closed local port
    instead of its server: the only complaint is the refused connection."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))   # bound, never listening: refused
    port = closed.getsockname()[1]
    try:
        for cfg in example_configs():
            cp = prepare_home(ctx, cfg)
            args = ["-c", cfg, "-o", "-u", "Noninteractive.Basic"]
            for sec in cp.sections():
                if sec.startswith("Repository ") and \
                        cp.get(sec, "type", fallback="") == "IMAP":
                    args += ["-k", "%s:remotehost=127.0.0.1" % sec,
                             "-k", "%s:remoteport=%d" % (sec, port),
                             "-k", "%s:remotepass=unused" % sec]
                if sec.startswith("Account "):
                    for hook in ("presynchook", "postsynchook"):
                        if cp.has_option(sec, hook):
                            args += ["-k", "%s:%s=true" % (sec, hook)]
            st, out, err = ctx.run(args, timeout=120)
            both = out + err
            assert st == 1, "%s: status %d\n%s" % (cfg, st, both)
            assert re.search(r"(?i)refused|127\.0\.0\.1:%d" % port, both), \
                "%s: no connection error\n%s" % (cfg, both)
            paths = [cfg]
            pyfile = cp.get("general", "pythonfile", fallback=None)
            if pyfile:
                paths += [pyfile, expand(pyfile, ctx.tmp)]
            assert not config_located(both, paths), (cfg, both)
            assert not re.search(r"(?im)^warning: .*unknown option", both), \
                (cfg, both)
    finally:
        closed.close()


def test_contrib_mutt_example_is_consistent(ctx):
    """The muttrc sources the file [mbnames] writes, and its folder is the
    parent of the accounts' Maildir roots, as the peritem assumes."""
    cp = read_ini(os.path.join(CONTRIB, "mutt", "offlineimaprc"))
    with open(os.path.join(CONTRIB, "mutt", "muttrc")) as f:
        muttrc = f.read()
    sources = re.findall(r"(?m)^source\s+(\S+)", muttrc)
    assert cp.get("mbnames", "filename") in sources, sources
    folder = re.search(r"(?m)^set folder\s*=\s*(\S+)", muttrc).group(1)
    peritem = cp.get("mbnames", "peritem")
    assert peritem.startswith('"+%(accountname)s/'), peritem
    for acct in [a.strip() for a in cp.get("general", "accounts").split(",")]:
        local = cp.get("Account " + acct, "localrepository")
        root = cp.get("Repository " + local, "localfolders")
        assert root == folder + "/" + acct, (acct, root, folder)
        assert re.search(r"(?m)^folder-hook %s " % acct, muttrc), acct


def test_contrib_shell_scripts_parse(ctx):
    for root, _dirs, files in os.walk(CONTRIB):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                head = f.read(64)
            if not head.startswith(b"#!/bin/sh"):
                continue
            assert os.access(path, os.X_OK), "%s is not executable" % path
            r = subprocess.run(["sh", "-n", path], capture_output=True,
                               text=True)
            assert r.returncode == 0, (path, r.stderr)


def dovecot_args(ctx, section, user, password):
    """-k overrides pointing [section] at the harness Dovecot."""
    dv = ctx.dovecot
    return [a for opt in (
        "remotehost=127.0.0.1", "remoteport=%d" % dv.imaps_port, "ssl=yes",
        "sslcacertfile=" + dv.ca_cert, "remoteuser=" + user,
        "remotepass=" + password) for a in ("-k", "%s:%s" % (section, opt))]


def local_folders(root):
    """{Maildir folder name under root: number of messages}."""
    out = {}
    for dirpath, dirs, _files in os.walk(root):
        if {"cur", "new", "tmp"} <= set(dirs):
            out[os.path.relpath(dirpath, root)] = sum(
                len(os.listdir(os.path.join(dirpath, d)))
                for d in ("cur", "new"))
    return out


def test_contrib_uw_imapd_example_syncs(ctx):
    """The reference lists Mail/..., folderfilter keeps three folders and
    nametrans strips Mail/ (the Maildir separator being ".")."""
    cfg = os.path.join(CONTRIB, "uw-imapd", "offlineimaprc")
    prepare_home(ctx, cfg)
    user, pw = ctx.new_user()
    with ctx.dovecot.imap(user) as m:
        m.create_folders(["Mail", "Mail/INBOX", "Mail/list",
                          "Mail/list/zaurus-general", "Mail/list/zaurus-dev",
                          "Mail/list/other", "Archive"])
        for n, folder in enumerate(["Mail/INBOX", "Mail/INBOX",
                                    "Mail/list/zaurus-dev",
                                    "Mail/list/other", "Archive"]):
            m.append(folder, make_message(n))
    st, out, err = ctx.run(["-c", cfg, "-o", "-u", "basic"] +
                           dovecot_args(ctx, "Repository GerfRemote", user,
                                        pw))
    assert st == 0, out + err
    got = local_folders(os.path.join(ctx.tmp, "Mail"))
    assert got == {"INBOX": 2, "list.zaurus-dev": 1,
                   "list.zaurus-general": 0}, (got, out + err)


def test_contrib_pythonfile_example_orders_folders(ctx):
    """mycmp puts the prioritized prefixes first, in their order, then the
    other folders by name; with one connection that is the sync order."""
    cfg = os.path.join(CONTRIB, "pythonfile", "offlineimaprc")
    prepare_home(ctx, cfg)
    user, pw = ctx.new_user()
    with ctx.dovecot.imap(user) as m:
        m.create_folders(["Archive", "Sent", "list/debian", "announce",
                          "personal/friends", "Zoo"])
    st, out, err = ctx.run(["-c", cfg, "-o", "-u", "basic"] +
                           dovecot_args(ctx, "Repository MainRemote", user,
                                        pw))
    assert st == 0, out + err
    order = re.findall(r"(?m)^Syncing (\S+): IMAP -> Maildir$", out)
    assert order == ["INBOX", "personal/friends", "announce", "list/debian",
                     "Archive", "Sent", "Zoo"], (order, out + err)


def _called_in_core(function, defined_in):
    """Whether a core source other than `defined_in` calls `function`: a
    feature written but not yet wired into the sync is skipped, not
    failed, until then."""
    core = os.path.join(REPO, "core")
    for name in os.listdir(core):
        if name.endswith(".c") and name != defined_in:
            with open(os.path.join(core, name)) as f:
                if function + "(" in f.read():
                    return True
    return False


def test_contrib_mutt_example_writes_mailboxes(ctx):
    """Both accounts sync, and [mbnames] writes the mailboxes line that
    the muttrc sources."""
    cfg = os.path.join(CONTRIB, "mutt", "offlineimaprc")
    prepare_home(ctx, cfg)
    args = ["-c", cfg, "-o", "-u", "basic"]
    for acct in ("Personal", "Work"):
        user, pw = ctx.new_user()
        with ctx.dovecot.imap(user) as m:
            m.append("INBOX", make_message(1))
            if acct == "Personal":
                m.create_folders(["Sent"])
        args += dovecot_args(ctx, "Repository %sRemote" % acct, user, pw)
    st, out, err = ctx.run(args)
    assert st == 0, out + err
    for acct in ("Personal", "Work"):
        got = local_folders(os.path.join(ctx.tmp, "Mail", acct))
        assert got["INBOX"] == 1, (acct, got)
    mailboxes = os.path.join(ctx.tmp, ".mutt", "mailboxes")
    if not os.path.exists(mailboxes) and \
            not _called_in_core("mbnames_write", "mbnames.c"):
        ctx.skip("the sync does not call the [mbnames] writer yet")
    with open(mailboxes) as f:
        text = f.read()
    assert text == 'mailboxes "+Personal/INBOX" "+Personal/Sent" ' \
        '"+Work/INBOX"\n', text


def fake_notmuch(ctx):
    """A stand-in notmuch that appends its arguments to a log and answers
    "count" with 3; returns (PATH with it first, log path)."""
    bindir = os.path.join(ctx.tmp, "fakebin")
    os.makedirs(bindir, exist_ok=True)
    log = os.path.join(ctx.tmp, "notmuch.log")
    with open(os.path.join(bindir, "notmuch"), "w") as f:
        f.write("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %s\n"
                "case \"$1\" in count) echo 3 ;; esac\n" % log)
    os.chmod(os.path.join(bindir, "notmuch"), 0o755)
    return bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"), log


def test_contrib_notmuch_example_runs_notmuch_new(ctx):
    """After the sync, the postsynchook runs "notmuch new"."""
    cfg = os.path.join(CONTRIB, "notmuch", "offlineimaprc")
    prepare_home(ctx, cfg)
    path, log = fake_notmuch(ctx)
    user, pw = ctx.new_user()
    st, out, err = ctx.run(["-c", cfg, "-o", "-u", "basic"] +
                           dovecot_args(ctx, "Repository PersonalRemote",
                                        user, pw), env={"PATH": path})
    assert st == 0, out + err
    if not os.path.exists(log) and \
            not _called_in_core("hooks_postsync", "hooks.c"):
        ctx.skip("the sync does not run postsynchook yet")
    with open(log) as f:
        assert f.read() == "new --quiet\n", out + err


def test_contrib_notmuch_post_new_hook_tags(ctx):
    """The post-new hook files what "notmuch new" just indexed."""
    path, log = fake_notmuch(ctx)
    r = subprocess.run([os.path.join(CONTRIB, "notmuch", "post-new")],
                       capture_output=True, text=True,
                       env=ctx.env({"PATH": path, "DISPLAY": None,
                                    "WAYLAND_DISPLAY": None}))
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        calls = f.read().splitlines()
    assert calls[0] == "count tag:new", calls
    assert calls[-1] == "tag -new +inbox +unread -- tag:new", calls
    assert "tag -new +sent -- tag:new and folder:Sent" in calls, calls


# ---- the examples' Python expressions, ours against CPython --------------

SAMPLE_FOLDERS = [
    "INBOX", "INBOX.Drafts", "Sent", "Archive", "Trash", "Mail/INBOX",
    "Mail/Trash", "Mail/list/zaurus-general", "Mail/list/zaurus-dev",
    "Mail/list/other", "personal/friends", "announce", "list/debian",
    "Entw&APw-rfe",
]


def _py_cmp(a, b):
    return (a > b) - (a < b)


class PyexprTool:
    """The pyexpr_eval test tool in --batch mode (see its header)."""

    def __init__(self, ctx, pythonfile=None):
        tool = os.path.join(ctx.build, "tests", "tools", "pyexpr_eval")
        if not os.access(tool, os.X_OK):
            ctx.skip("%s is not built" % tool)
        argv = [tool] + (["--pythonfile", pythonfile] if pythonfile
                         else []) + ["--batch"]
        self.ctx = ctx
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=ctx.env(), text=True)

    @staticmethod
    def _enc(s):
        return "".join("%%%02X" % ord(c) if c in "%\t\n\r" or ord(c) < 32
                       else c for c in s)

    @staticmethod
    def _dec(s):
        return re.sub(r"%([0-9A-Fa-f]{2})",
                      lambda m: chr(int(m.group(1), 16)), s)

    def ask(self, *fields):
        self.proc.stdin.write("\t".join(self._enc(f) for f in fields) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "pyexpr_eval died: %s" % self.proc.stderr.read()
        status, _, rest = line.rstrip("\n").partition(" ")
        return status == "ok", self._dec(rest)

    def close(self):
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        err = self.proc.stderr.read()
        self.proc.wait(timeout=30)
        self.ctx.check_output(err)
        return out, err


def expression_options(cp, schema):
    """[(section, option, kind, text)] of the Python-expression options set
    in the file."""
    pyopts = {(o["kind"], o["name"]) for o in schema
              if o["type"] == "PYEXPR"}
    out = []
    for sec in cp.sections():
        if sec == "general":
            kinds = ["general"]
        elif sec == "mbnames":
            kinds = ["mbnames"]
        elif sec.startswith("Account "):
            kinds = ["account"]
        elif sec.startswith("Repository "):
            t = cp.get(sec, "type", fallback="")
            kinds = ["repository", {"Maildir": "maildir",
                                    "IMAP": "imap"}.get(t, "")]
        else:
            continue
        for opt in cp.options(sec):
            for kind in kinds:
                if (kind, opt) in pyopts:
                    out.append((sec, opt, kind, cp.get(sec, opt)))
    return out


def cpython_namespace(pythonfile):
    import re as re_module
    ns = {"re": re_module, "cmp": _py_cmp}
    if pythonfile:
        with open(pythonfile) as f:
            exec(compile(f.read(), pythonfile, "exec"), ns)
    return ns


def evaluate_both(ctx, cfg):
    """{(section, option): {input: (ours, cpython)}} for every expression
    of the example `cfg`, applied to SAMPLE_FOLDERS as its option wants."""
    cp = prepare_home(ctx, cfg)
    pyfile = cp.get("general", "pythonfile", fallback=None)
    pyfile = expand(pyfile, ctx.tmp) if pyfile else None
    ns = cpython_namespace(pyfile)
    tool = PyexprTool(ctx, pyfile)
    results = {}
    try:
        for sec, opt, kind, text in expression_options(
                cp, read_schema()):
            ok, msg = tool.ask("E", text)
            assert ok, "%s: [%s] %s: %s" % (cfg, sec, opt, msg)
            value = eval(text, dict(ns))
            res = results[(sec, opt)] = {}
            if opt == "foldersort":
                ok, ours = tool.ask("S", *SAMPLE_FOLDERS)
                assert ok, ours
                theirs = sorted(SAMPLE_FOLDERS,
                                key=functools.cmp_to_key(value))
                res["sorted"] = (ours[1:-1].split("\t"), theirs)
            elif callable(value):
                nargs = 2 if kind == "mbnames" else 1
                for folder in SAMPLE_FOLDERS:
                    args = (["Personal"] if nargs == 2 else []) + [folder]
                    ok, ours = tool.ask("C", *args)
                    assert ok, "%s: [%s] %s(%r): %s" % (cfg, sec, opt,
                                                       args, ours)
                    res[folder] = (ours, repr(value(*args)))
            else:
                ok, ours = tool.ask("V")
                assert ok, ours
                res[None] = (ours, repr(value))
    finally:
        tool.close()
    return results


def test_contrib_expressions_agree_with_cpython(ctx):
    seen = 0
    for cfg in example_configs():
        for key, res in evaluate_both(ctx, cfg).items():
            seen += 1
            for inp, (ours, theirs) in res.items():
                assert ours == theirs, "%s: [%s] %s on %r: ours %s, " \
                    "CPython %s" % (cfg, key[0], key[1], inp, ours, theirs)
    assert seen >= 6, seen   # nametrans, folderfilter, foldersort, mbnames


def test_contrib_expressions_do_what_the_comments_say(ctx):
    uw = evaluate_both(ctx, os.path.join(CONTRIB, "uw-imapd",
                                         "offlineimaprc"))
    nt = uw[("Repository GerfRemote", "nametrans")]
    assert nt["Mail/INBOX"][0] == "'INBOX'", nt
    assert nt["Mail/list/zaurus-dev"][0] == "'list/zaurus-dev'", nt
    ff = uw[("Repository GerfRemote", "folderfilter")]
    kept = sorted(f for f, (ours, _) in ff.items() if ours == "True")
    assert kept == ["Mail/INBOX", "Mail/list/zaurus-dev",
                    "Mail/list/zaurus-general"], kept

    ps = evaluate_both(ctx, os.path.join(CONTRIB, "pythonfile",
                                         "offlineimaprc"))
    order = ps[("Repository MainRemote", "foldersort")]["sorted"][0]
    assert order[:4] == ["INBOX", "INBOX.Drafts", "personal/friends",
                         "announce"], order
    assert order[4] == "list/debian" and order[5:] == sorted(order[5:]), \
        order

    mutt = evaluate_both(ctx, os.path.join(CONTRIB, "mutt",
                                           "offlineimaprc"))
    assert mutt[("mbnames", "header")][None][0] == "'mailboxes '"
    assert mutt[("mbnames", "sep")][None][0] == "' '"
    assert mutt[("mbnames", "footer")][None][0] == "'\\n'"


# ---- make install / uninstall --------------------------------------------

def _pty_run(argv, env, cwd, timeout=60, rows=24, cols=80):
    """Run argv on a new pseudo-terminal; returns (status, output)."""
    import fcntl
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0,
                                                     0))
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    status = None
    grace = time.time() + 10
    while time.time() < grace:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        time.sleep(0.05)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return status, data.decode("utf-8", "replace")


def _install_config(ctx, name, user, password):
    dv = ctx.dovecot
    local = os.path.join(ctx.tmp, "mail-" + name)
    os.makedirs(local)
    return ctx.write_config(
        "[general]\naccounts = Test\nmetadata = %(tmp)s/meta-%(n)s\n\n"
        "[Account Test]\nlocalrepository = Local\n"
        "remoterepository = Remote\n\n"
        "[Repository Local]\ntype = Maildir\nlocalfolders = %(local)s\n\n"
        "[Repository Remote]\ntype = IMAP\nremotehost = 127.0.0.1\n"
        "remoteport = %(port)d\nssl = yes\nsslcacertfile = %(ca)s\n"
        "remoteuser = %(user)s\nremotepass = %(pw)s\n"
        % {"tmp": ctx.tmp, "n": name, "local": local,
           "port": dv.imaps_port, "ca": dv.ca_cert, "user": user,
           "pw": password}, name="rc-" + name, dedent=False), local


def test_install_man_pages_examples_and_sync(ctx):
    if os.path.basename(ctx.build.rstrip("/")) != "build":
        return  # one variant is enough: it builds its own tree
    dest = os.path.join(ctx.tmp, "dest")
    bdir = os.path.join(ctx.tmp, "b")
    common = ["make", "-s", "-j2", "-C", REPO, "BUILD=" + bdir,
              "DESTDIR=" + dest, "PREFIX=/opt/oi"]
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    r = subprocess.run(common + ["install"], capture_output=True, text=True,
                       timeout=900, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = os.path.join(dest, "opt/oi")
    mandir = os.path.join(prefix, "share/man")
    for page, src in (("man1/offlineimap.1", MAN1),
                      ("man5/offlineimaprc.5", MAN5)):
        path = os.path.join(mandir, page)
        with open(path, "rb") as a, open(src, "rb") as b:
            assert a.read() == b.read(), path
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644, path
    # man finds them through the installed tree's layout.
    menv = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80",
                LC_ALL="C.UTF-8")
    for sec, name, title in (("1", "offlineimap", "OFFLINEIMAP(1)"),
                             ("5", "offlineimaprc", "OFFLINEIMAPRC(5)")):
        r = subprocess.run(["man", "-M", mandir, sec, name],
                           capture_output=True, text=True, env=menv)
        assert r.returncode == 0 and r.stdout.startswith(title), \
            (name, r.returncode, r.stderr, r.stdout[:200])
        assert not r.stderr.strip(), r.stderr

    examples = os.path.join(prefix, "share/doc/offlineimap/examples")
    for rel in ("offlineimap.conf", "offlineimap.conf.minimal"):
        assert os.path.isfile(os.path.join(examples, rel)), rel
    for root, _dirs, files in os.walk(CONTRIB):
        for name in files:
            src = os.path.join(root, name)
            got = os.path.join(examples, os.path.relpath(src, CONTRIB))
            assert os.path.isfile(got), got
            assert os.access(got, os.X_OK) == os.access(src, os.X_OK), got

    # The installed program syncs with each installed UI, without the
    # source tree.
    binary = os.path.join(prefix, "bin/offlineimap")
    uidir = os.path.join(prefix, "lib/offlineimap/ui")
    plugins = sorted(os.listdir(uidir))
    assert {"basic.so", "quiet.so", "ttyui.so"} <= set(plugins), plugins
    user, password = ctx.new_user()
    with ctx.dovecot.imap(user, password=password) as m:
        m.append("INBOX", make_message(1, subject="Installed"))
    runenv = ctx.env()
    for so in plugins:
        ui = so[:-3]
        cfg, local = _install_config(ctx, ui, user, password)
        argv = [binary, "-o", "-c", cfg, "-u", ui]
        if ui in ("ttyui", "blinkenlights"):
            status, text = _pty_run(argv, dict(runenv, TERM="xterm"),
                                    ctx.tmp)
            ctx.check_output(text)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
                (ui, status, text)
        else:
            p = subprocess.run(argv, capture_output=True, text=True,
                               env=runenv, cwd=ctx.tmp, timeout=120,
                               stdin=subprocess.DEVNULL)
            ctx.check_output(p.stderr)
            text = p.stdout + p.stderr
            assert p.returncode == 0, (ui, p.returncode, text)
            if ui == "quiet":
                assert not p.stdout.strip(), p.stdout
        files = [f for sub in ("new", "cur")
                 for f in os.listdir(os.path.join(local, "INBOX", sub))]
        assert len(files) == 1, (ui, files, text)

    r = subprocess.run(common + ["uninstall"], capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    left = [os.path.relpath(os.path.join(root, f), dest)
            for root, _dirs, files in os.walk(dest) for f in files]
    assert not left, left
    assert not os.path.exists(os.path.join(prefix, "share/doc/offlineimap"))
