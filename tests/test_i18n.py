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

# Files whose every user-facing string is marked. A file joins when it is converted; the rest are listed in
# docs/translations.md until they are.
MARKED_CORE = ("station/cli.py", "station/commands/db.py")
MARKED_UI: tuple[str, ...] = ("station/ui/main_window.py", "station/ui/step_tracker.py", "station/ui/status.py",
                              "station/ui/panels/intake.py")


def _po_entries(po: Path) -> dict[str, tuple[list[str], bool]]:
    """msgid -> (msgstr forms, fuzzy) of a --no-wrap .po file (the header left out)."""
    out: dict[str, tuple[list[str], bool]] = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().split("\n")
        ids = [ast.literal_eval(x[6:]) for x in lines if x.startswith("msgid ")]
        if not ids or not ids[0] or any(x.startswith("#~") for x in lines):
            continue
        forms = [ast.literal_eval(x.split(" ", 1)[1]) for x in lines if x.startswith("msgstr")]
        out[ids[0]] = (forms, any(x.startswith("#,") and "fuzzy" in x for x in lines))
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
            assert set(re.findall(r"\{\w*\}", form)) == set(re.findall(r"\{\w*\}", msgid)), (lang, msgid, form)
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


def test_a_setting_overrides_the_desktop_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "pl")
    try:
        assert i18n.language_of(i18n.use("es")) == "es" and i18n._("options") == "opciones"
        assert i18n.language_of(i18n.use(None)) == "pl" and i18n._("options") == "opcje"
        assert i18n.language_of(i18n.use("en")) == "en" and i18n._("options") == "options"
    finally:
        i18n.use("en")


# --- strings that must be marked ----------------------------------------------------------------------------
_WRAPPERS = {"_", "tr", "ngettext", "translate"}
_QT_TEXT_CALLS = {"setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "addTab", "setTabText",
                  "setTitle", "setStatusTip", "showMessage", "setLabelText", "addItem", "setHeaderLabels",
                  "setAccessibleName", "setWhatsThis", "heading", "hint", "addRow"}
_QT_WIDGETS = {"QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QRadioButton", "QAction", "QToolButton"}


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


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
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _unmarked(node.func.value)
    return False  # a call to _()/tr(), a variable, a value computed elsewhere


def unmarked_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) in _WRAPPERS:
            continue
        name = _name(node.func)
        if name in _QT_TEXT_CALLS | _QT_WIDGETS or name.endswith("Error"):
            args = node.args[1:] if name == "addTab" else node.args[:1]
            found += [f"{where}:{a.lineno}" for a in args if _unmarked(a)]
        found += [f"{where}:{k.value.lineno}" for k in node.keywords
                  if k.arg in ("help", "description") and _unmarked(k.value)]
    return found


def test_every_user_facing_string_of_the_converted_files_is_marked() -> None:
    found = [hit for f in (*MARKED_CORE, *MARKED_UI) for hit in unmarked_strings(ROOT / f)]
    assert not found, f"user-facing text not marked for translation (wrap it in _() or self.tr()): {found}"


def test_the_check_finds_what_it_is_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('raise UserFacingError(f"Disk {x} is full")\nlabel.setText("Intake")\n'
                      'QPushButton(self.tr("Print"))\np.add_argument("--x", help=_("fine"))\n'
                      'p.add_parser("y", help="not fine")\n')
    assert unmarked_strings(sample) == ["sample.py:1", "sample.py:2", "sample.py:5"]
