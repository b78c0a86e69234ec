"""Translations: the catalogues are complete and compiled, `station --help` follows LANG, and a
user-facing string that is not marked for translation fails here (station/i18n.py says how to mark)."""

from __future__ import annotations

import ast
import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from station import i18n

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("es", "pl")
FIELD = r"\{\w*(?:[:!][^{}]*)?\}"  # a format field with its spec: {count}, {value:.2f}


def _po_entries(po: Path) -> dict[str, tuple[list[str], bool]]:
    """msgid -> (msgstr forms, fuzzy) of a .po file (the header left out); a string may go on over several lines."""
    out: dict[str, tuple[list[str], bool]] = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().split("\n")
        if any(x.startswith("#~") for x in lines):
            continue
        fields: dict[str, str] = {}
        key = ""
        for line in lines:
            if line.startswith(("msgid", "msgstr")):
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            forms = [v for k, v in fields.items() if k.startswith("msgstr")]
            out[fields["msgid"]] = (forms, any(x.startswith("#,") and "fuzzy" in x for x in lines))
    return out


def _marked_now(tmp: Path) -> set[str]:
    """What `make translations` would extract from the code as it is."""
    pot = tmp / "now.pot"
    files = subprocess.run(["git", "ls-files", "station/*.py"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(["xgettext", "-L", "Python", "--from-code=UTF-8", "-k_", "-kN_", "-ktr", "-kngettext:1,2",
                    "--no-wrap", "-o", str(pot), *files], cwd=ROOT, check=True)
    return set(_po_entries(pot))


@pytest.mark.parametrize("lang", LANGS)
def test_each_catalogue_translates_every_marked_string_and_is_compiled(lang: str, tmp_path: Path) -> None:
    po = ROOT / f"station/locale/{lang}/LC_MESSAGES/station.po"
    entries = _po_entries(po)
    lacking = sorted(_marked_now(tmp_path) - set(entries))
    assert not lacking, f"marked but not in {po.name} (run `make translations`, then translate): {lacking[:5]}"
    untranslated = sorted(m for m, (forms, fuzzy) in entries.items() if fuzzy or not all(forms))
    assert not untranslated, f"{lang}: untranslated or fuzzy: {untranslated[:5]}"
    for msgid, (forms, _) in entries.items():
        for form in forms:  # a lost or renamed field would raise, or show the wrong value, on screen
            assert set(re.findall(FIELD, form)) == set(re.findall(FIELD, msgid)), (lang, msgid, form)
            assert sorted(re.findall(r"%\(\w+\)\w|%\w", form)) == sorted(re.findall(r"%\(\w+\)\w|%\w", msgid)) or \
                len(forms) > 1, (lang, msgid, form)
    # The shipped .mo is the .po compiled now.
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "now.mo"), str(po)], check=True)
    with (tmp_path / "now.mo").open("rb") as now, po.with_suffix(".mo").open("rb") as shipped:
        assert gettext.GNUTranslations(now)._catalog == gettext.GNUTranslations(shipped)._catalog, \
            "station.mo is older than station.po: run `make translations`"


def test_station_help_speaks_the_desktop_language() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    r = subprocess.run([sys.executable, "-m", "station", "--help"], env={**env, "LANG": "es_ES.UTF-8"},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for words in ("uso: station", "argumentos posicionales", "mantenimiento de la base de datos local",
                  "iniciar la aplicación del puesto"):
        assert words in r.stdout, r.stdout[:600]


def test_polish_help_and_english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from station.cli import build_parser

    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    try:
        monkeypatch.setenv("LANG", "pl_PL.UTF-8")
        i18n.use(None)
        text = build_parser(("station.commands.db",)).format_help()
        assert "użycie: station" in text and "konserwacja lokalnej bazy danych" in text, text
        monkeypatch.setenv("LANG", "C.UTF-8")
        i18n.use(None)
        text = build_parser(("station.commands.db",)).format_help()
        assert "usage: station" in text and "local database maintenance" in text, text
    finally:
        i18n.use("en")


def test_a_subcommands_help_speaks_the_desktop_language(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from station.cli import build_parser

    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "pl_PL.UTF-8")
    try:
        i18n.use(None)
        with pytest.raises(SystemExit):
            build_parser(("station.commands.wipe",)).parse_args(["wipe", "--help"])
        text = capsys.readouterr().out
        assert "użycie: station wipe" in text and "nie pytaj przed wymazaniem" in text, text
    finally:
        i18n.use("en")


def test_a_setting_overrides_the_desktop_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "pl")
    try:
        assert i18n.language_of(i18n.use("es")) == "es" and i18n._("options") == "opciones"
        assert i18n.language_of(i18n.use(None)) == "pl" and i18n._("options") == "opcje"
        assert i18n.language_of(i18n.use("en")) == "en" and i18n._("options") == "options"
    finally:
        i18n.use("en")


# --- strings that must be marked ----------------------------------------------------------------------------
# Two rules. In the interface (station/ui) and in what is printed on paper (labels, certificates, the shift PDF),
# any literal that reads as text is suspect: a string with a space, or a word with a capital (" DEMO ", "Serial",
# "&Print"), unless it sits in a place that is not shown (an object name, a style sheet, a key sequence, a log
# line, a comparison, a dictionary lookup). Lowercase single words ("units", "printer.kind") are keys there.
# In the rest of the core only the places that reach the technician are checked: the sentence (and hint) of every
# UserFacingError and its subclasses, argparse's help/description/epilog and parser.error(), and print() in the
# command modules.
_WRAPPERS = {"_", "tr", "ngettext", "N_", "translate"}
_NOT_SHOWN = {"setObjectName", "setStyleSheet", "setProperty", "property", "QKeySequence", "cue_style", "submit",
              "setApplicationName", "index", "get", "startswith", "endswith", "split", "join", "replace", "strip",
              "strftime", "getattr", "hasattr", "setattr", "isinstance", "debug", "info", "warning", "exception",
              "critical", "getLogger", "Signal", "emit_cue", "cast", "TypeVar", "NewType", "field", "removeprefix",
              "ValueError", "TypeError", "KeyError", "RuntimeError",  # a programming error is logged, not shown
              "compile", "fullmatch", "match", "search", "sub"}  # a regular expression
_KEY_NAMES = {"Return", "Enter", "Space", "Delete", "Escape", "Backspace", "Tab", "Up", "Down", "Left", "Right"}
_PROPER_NAMES = {"Reboot system now",  # Android recovery's own words, matched on the phone's screen
                 "B-Stock", "Back Market", "Triage station", "R2v3", "NIST SP 800-88", "NIST SP 800-88 Rev. 1",
                 "NIST SP 800-88 Rev. 2", "IEEE 2883-2022", "Clear", "Purge",  # NIST's categories, never translated
                 "Helvetica", "Helvetica-Bold", "Courier", "DejaVu Sans",
                 "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansCondensed", "DejaVuSansCondensed-Bold",  # font files
                 "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
PAPER = ("station/labels/*.py", "station/reports/shift_pdf.py", "station/certs/pdf.py",
         "station/certificates/pdf*.py")
# Core modules whose own words reach the screen as they are (scan verdicts, phone instructions, the drive guard's
# and the wipe plan's reasons): the interface rule too. A literal that is data (an event payload, a record kept
# for auditors, a word a device answers) says so with a `# data: why` comment on its statement.
COMPOSED = ("station/workflow.py", "station/devices/phone/states.py", "station/devices/phone/ios.py",
            "station/devices/phone/adb.py", "station/erase/guard.py", "station/erase/disk_users.py",
            "station/devices/drives.py", "station/erase/plan.py", "station/erase/plan_words.py",
            "station/erase/methods.py", "station/erase/run.py", "station/identifiers.py",
            "station/erase/phone/prechecks.py", "station/erase/phone/ios_prechecks.py", "station/disposition.py",
            "station/disposition_gates.py", "station/route_step.py", "station/unit_media.py",
            "station/history_words.py")


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _reads_as_text(s: str) -> bool:
    if not re.search(r"[A-Za-z]{2}", s) or s.strip() in _KEY_NAMES | _PROPER_NAMES:
        return False
    if re.match(r"^(Q[A-Z]\w+)?#[\w-]+$", s.strip()):  # a style sheet's selector
        return False
    if re.fullmatch(r"[A-Z0-9_:+\-. /%]+", s.strip()):  # a command word, CMD:..., an abbreviation (IMEI, OK)
        return False
    if re.match(r"^(Ctrl|Alt|Shift|Meta)\+", s) or re.fullmatch(r"F\d+", s):
        return False
    return " " in s.strip() or bool(re.match(r"^&?[A-Z][a-z]", s.strip()))


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _unmarked(node: ast.expr) -> bool:
    """Literal words shown as they are: a string constant with letters, an f-string, or a sum of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_unmarked(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _unmarked(node.left) or _unmarked(node.right)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) or _unmarked(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return _unmarked(node.func.value)
    return False  # a call to _()/tr(), a variable, a value computed elsewhere


def _statement_lines(node: ast.AST, up: dict[ast.AST, ast.AST]) -> range:
    """The lines of the statement holding `node`, and the comment line just above it."""
    while not isinstance(node, ast.stmt) and node in up:
        node = up[node]
    first = getattr(node, "lineno", 1)
    return range(max(first - 1, 1), (getattr(node, "end_lineno", None) or first) + 1)


def _text_literals(tree: ast.AST, source: list[str]) -> list[int]:
    """Lines of literals that read as text and are not in a place that is not shown (the interface rule)."""
    up = _parents(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and _reads_as_text(node.value)):
            continue
        if isinstance(up.get(node), ast.Expr):  # a docstring
            continue
        at: ast.AST = node
        while isinstance(up.get(at), (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.IfExp, ast.BoolOp)):
            at = up[at]
        whole = "".join(str(n.value) for n in ast.walk(at) if isinstance(n, ast.Constant))
        if re.search(r"[\w-]+\s*:\s*[^;{}]*;", whole) and re.search(r"[{}]", whole):  # a style sheet
            continue
        if isinstance(up.get(at), (ast.Tuple, ast.List, ast.Set)) and isinstance(up.get(up[at]), ast.Compare):
            at = up[at]  # x in ("A", "B")
        elif isinstance(up.get(at), ast.Tuple) and isinstance(up.get(up[at]), ast.Call) and \
                _name(up[up[at]].func) in _NOT_SHOWN:
            at = up[at]  # line.startswith(("A", "B"))
        if any("# data:" in source[n - 1] for n in _statement_lines(node, up)):
            continue
        parent = up.get(at)
        if isinstance(parent, ast.Call) and (_name(parent.func) in _WRAPPERS | _NOT_SHOWN or (
                _name(parent.func) == "emit" and parent.args and parent.args[0] is at)):
            continue  # a signal's first argument is its level or kind
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and \
                _name(parent.func.value) in ("log", "logging", "logger"):
            continue
        if isinstance(parent, ast.Call) and _name(parent.func) == "partial" and parent.args and \
                _name(parent.args[0]) in _WRAPPERS:
            continue  # partial(QCoreApplication.translate, "Context"): the context is a name
        if isinstance(parent, (ast.Subscript, ast.Compare)) or (isinstance(parent, ast.Dict) and at in parent.keys) \
                or (isinstance(parent, ast.keyword) and parent.arg in ("objectName", "styleSheet")):
            continue
        found.append(node.lineno)
    return found


def _user_facing_errors(files: list[Path]) -> set[str]:
    """UserFacingError and every class that derives from it, by name, across the package."""
    names, bases = {"UserFacingError"}, {}
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {_name(b) for b in node.bases}
    grew = True
    while grew:
        new = {n for n, b in bases.items() if b & names} - names
        names |= new
        grew = bool(new)
    return names


def unmarked_strings(path: Path, errors: set[str] = frozenset({"UserFacingError"}), *, interface: bool = False,
                     commands: bool = False) -> list[str]:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = [f"{where}:{n}" for n in _text_literals(tree, text.splitlines())] if interface else []
    # super().__init__(...) inside a UserFacingError subclass is that error's sentence too.
    raised_by_super = {id(call) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
                       and {_name(b) for b in cls.bases} & errors for call in ast.walk(cls)
                       if isinstance(call, ast.Call) and _name(call.func) == "__init__"
                       and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call)
                       and _name(call.func.value.func) == "super"}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) in _WRAPPERS:
            continue
        name = _name(node.func)
        args: list[ast.expr] = []
        if name in errors or id(node) in raised_by_super:
            args = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]
        elif name == "error" and _name(getattr(node.func, "value", node.func)) in ("parser", "p", "ap", "sub"):
            args = node.args[:1]
        elif commands and name == "print":
            args = node.args
        args += [k.value for k in node.keywords if k.arg in ("help", "description", "epilog")]
        found += [f"{where}:{a.lineno}" for a in args if _unmarked(a)]
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def _station_files(pattern: str = "station/*.py") -> list[Path]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / f for f in out.split()]


def test_every_user_facing_string_is_marked() -> None:
    files = [f for f in _station_files() if "/sim/" not in str(f) and "/sync/hub/" not in str(f)]
    errors = _user_facing_errors(files)
    paper = {f for pattern in (*PAPER, *COMPOSED) for f in ROOT.glob(pattern)}
    found = []
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        found += unmarked_strings(f, errors, interface=rel.startswith("station/ui/") or f in paper,
                                  commands=rel.startswith("station/commands/") or rel == "station/cli.py")
    assert not found, (f"{len(found)} user-facing strings not marked for translation (wrap them in _() or "
                       f"self.tr(), N_() for a constant; tests/test_i18n.py says what counts): {found[:40]}")


def test_the_check_finds_what_it_is_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('raise UserFacingError(f"Disk {x} is full")\nlabel.setText("Intake")\n'
                      'QPushButton(self.tr("Print"))\np.add_argument("--x", help=_("fine"))\n'
                      'p.add_parser("y", help="not fine")\nraise LabelQueued("queued on {p}".format(p=p))\n'
                      'COLUMNS = ("Serial", "Model")\nw.setObjectName("Scan verdict")\n'
                      'if key in ("Return", "A"): pass\n'
                      'x = {"Keep me": 1}["Keep me"]\nmsg.emit("warn", "Unit not found")\n'
                      'return ScanOutcome("created", "good", f"New unit {uid}.")\n'
                      'payload["label"] = ("label not checked"  # data: the event keeps English\n'
                      '                    if x else "Label checked")\n'
                      '# data: a record for auditors\nrec = Record("Timed out")\n'
                      'if line.startswith(("List of devices", "*")): raise ValueError("not a field")\n'
                      'class Blocked(LabelQueued):\n    def __init__(self, n):\n'
                      '        super().__init__(f"{n} cannot be erased yet.")\n')
    assert unmarked_strings(sample, {"UserFacingError", "LabelQueued"}) == \
        ["sample.py:1", "sample.py:5", "sample.py:6", "sample.py:20"]
    assert unmarked_strings(sample, {"UserFacingError", "LabelQueued"}, interface=True) == \
        ["sample.py:1", "sample.py:2", "sample.py:5", "sample.py:6", "sample.py:7", "sample.py:11", "sample.py:12",
         "sample.py:20"]
