"""`station grade`, `station lots`, `station route` and `station outcome` from the command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from station import operators
from station.cli import main
from station.context import open_station
from station.grading.library import SHIPPED_DIR
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF, PHONE_VERSION, set_fields, unit


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_matrices_show_and_check(capsys, data_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, data_dir, "grade", "matrices", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["id"] for r in rows if r["active"]} == {"phone", "tablet", "laptop", "desktop",
                                                                    "drive", "other"}
    code, out = run(capsys, data_dir, "grade", "show", "--class", "phone")
    assert code == 0 and "1  yes          Yes, boots to the lock or setup screen   [pass]" in out
    assert "not_checked  Not checked yet (no charger or cable for it here) (default)" in out
    bad = tmp_path / "bad.toml"
    bad.write_text((SHIPPED_DIR / "drive.toml").read_text().replace('cosmetic = "B"', 'cosmetic = "B-"', 1))
    code, out = run(capsys, data_dir, "grade", "check", str(SHIPPED_DIR / "phone.toml"), str(bad))
    assert code == 2 and "ok  " in out and f"BAD {bad}, line " in out and "'cosmetic' is 'B-'" in out


def test_activate_needs_a_supervisor_pin(capsys, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = open_station(data_dir)
    operators.add(ctx, "Sam Super", "supervisor", pin="4321")
    operators.add(ctx, "Tia Tech", "technician", pin="1234")
    ctx.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    code, out = run(capsys, data_dir, "grade", "activate", "phone", PHONE_VERSION, "--as", "Tia Tech")
    assert code == 2 and "Only a supervisor can switch" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("4321\n"))
    code, out = run(capsys, data_dir, "grade", "activate", "phone", PHONE_VERSION, "--as", "Sam Super")
    assert code == 0 and f"{PHONE_REF} is now the active phone matrix" in out


def test_grade_route_lot_and_outcome_from_scripts(capsys, data_dir: Path, tmp_path: Path) -> None:
    ctx = open_station(data_dir)
    uid = unit(ctx, "phone", "iPhone 14", serial="F2LXK0QJ")
    ctx.close()
    answers = [f"{k}={v}" for k, v in PHONE_B_PLUS.items()]
    code, out = run(capsys, data_dir, "grade", "record", "F2LXK0QJ", *answers)
    assert code == 0 and f"{uid}: B+ (cosmetic B, functional FF) with {PHONE_REF}" in out
    assert "r2v3: functional R2 controlled stream (not sanitized yet), cosmetic C5" in out
    code, out = run(capsys, data_dir, "grade", "record", uid, "glass=light", "battery=worn",
                    "--cosmetic", "C", "--reason", "deep dent under the case")
    assert code == 2 and "Only a supervisor may override" in out
    code, out = run(capsys, data_dir, "route", uid)
    assert code == 2 and "sanitization has not passed" in out
    code, out = run(capsys, data_dir, "route", uid, "--preview")
    assert code == 0 and "proposed: Resell (retail / eCommerce)" in out and "blocked:" in out
    ctx = open_station(data_dir)
    set_fields(ctx, uid, wipe_status="sanitized")
    ctx.close()
    code, out = run(capsys, data_dir, "route", uid)
    assert code == 0 and "routed: Resell (retail / eCommerce) (resell_retail); expected value 306.00" in out
    code, out = run(capsys, data_dir, "lots", "create", "--code", "LOT-CLI-1")
    assert code == 0
    code, out = run(capsys, data_dir, "lots", "add", "LOT-CLI-1", uid, "NOT-A-UNIT")
    assert code == 2 and f"added {uid} to LOT-CLI-1: 1 units" in out and "refused NOT-A-UNIT" in out
    code, out = run(capsys, data_dir, "lots", "manifest", "LOT-CLI-1", "--format", "xlsx", "--out",
                    str(tmp_path / "lot.xlsx"))
    assert code == 0 and load_workbook(tmp_path / "lot.xlsx")["Manifest"]["B2"].value == uid
    code, out = run(capsys, data_dir, "outcome", "record", uid, "sold", "--grade", "B+", "--amount", "300")
    assert code == 0 and "the route was right" in out
    code, out = run(capsys, data_dir, "outcome", "accuracy")
    assert "disposition accuracy 100.0% (1 of 1 units with an outcome)" in out
    code, out = run(capsys, data_dir, "grade", "history", uid)
    assert out.count(PHONE_REF) == 1


def test_a_bad_matrix_dir_is_reported_with_the_setting(capsys, data_dir: Path, tmp_path: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "station.toml").write_text(f'[grading]\nmatrix_dir = "{tmp_path / "nowhere"}"\n')
    code, out = run(capsys, data_dir, "grade", "matrices")
    assert code == 2 and "the grading matrix folder does not exist. Fix grading.matrix_dir." in out


@pytest.mark.parametrize("before", [True, False])
def test_flags_may_follow_the_answers(capsys, data_dir: Path, before: bool) -> None:
    """Audit: `grade record UNIT --no-defaults Q=A` failed (flags had to come first)."""
    ctx = open_station(data_dir)
    uid = unit(ctx, "phone", "Pixel 7", serial="NODEF1")
    ctx.close()
    flag = ["--no-defaults"]
    args = [uid, *flag, "glass=light"] if before else [uid, "glass=light", *flag]
    code, out = run(capsys, data_dir, "grade", "record", *args)
    assert code == 2 and "is not answered yet" in out  # no defaults: the power question stays open
    code, out = run(capsys, data_dir, "grade", "record", uid, "--bogus", "glass=light")
    assert code == 2 and "'--bogus' is not an option" in out


def test_enter_through_every_question_is_not_tested(capsys, data_dir: Path) -> None:
    """Audit: Enter on every question gave A+ fully functional, R2v3 F5 and Back Market Premium."""
    ctx = open_station(data_dir)
    uid = unit(ctx, "phone", "Pixel 7", serial="ENTER1")
    ctx.close()
    code, out = run(capsys, data_dir, "grade", "record", uid)
    assert code == 0 and f"{uid}: A (cosmetic A, functional NT)" in out
    assert "F5" not in out and "Premium" not in out


def test_route_lists_open_routes_and_a_supervisor_overrides_a_gate(capsys, data_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = open_station(data_dir)
    operators.add(ctx, "Sam Super", "supervisor", pin="4321")
    uid = unit(ctx, "phone", "iPhone 14", serial="FRP1")
    ctx.close()
    answers = [f"{k}={v}" for k, v in {**PHONE_B_PLUS, "locks": "account"}.items()]
    assert run(capsys, data_dir, "grade", "record", uid, *answers)[0] == 0
    ctx = open_station(data_dir)
    set_fields(ctx, uid, wipe_status="sanitized")
    ctx.close()
    code, out = run(capsys, data_dir, "route", uid, "--options")
    assert code == 0 and "closed resell_retail" in out and "open   hold" in out and "account-locked" in out
    code, out = run(capsys, data_dir, "route", uid, "--to", "resell_retail", "--reason", "lock removed by phone")
    assert code == 2 and "A supervisor may override this gate" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("4321\n"))
    code, out = run(capsys, data_dir, "route", uid, "--to", "resell_retail", "--reason", "lock removed by phone",
                    "--override", "--as", "Sam Super")
    assert code == 0 and "routed: Resell" in out
    code, out = run(capsys, data_dir, "route", uid, "--to", "recycle", "--reason", "buyer backed out",
                    "--vendor", "metro_ewaste")
    assert code == 0 and "downstream vendor: Metro E-Waste Recycling" in out


def test_check_refuses_what_matrices_refuses(capsys, data_dir: Path, tmp_path: Path) -> None:
    """A second file with the id@version of another (given alongside, or already in the station's folder)."""
    phone = (SHIPPED_DIR / "phone.toml").read_text()
    copy = tmp_path / "phone-copy.toml"
    copy.write_text(phone.replace('title = "', 'title = "Edited ', 1))
    code, out = run(capsys, data_dir, "grade", "check", str(copy))
    assert code == 2 and f"BAD {copy}: {PHONE_REF} is also defined in {SHIPPED_DIR / 'phone.toml'}" in out
    # The station's configured folder is the one compared with, and two given files with each other.
    folder = tmp_path / "matrices"
    folder.mkdir()
    data_dir.mkdir(exist_ok=True)
    (data_dir / "station.toml").write_text(f'[grading]\nmatrix_dir = "{folder}"\n')
    other = tmp_path / "phone-other.toml"
    other.write_text(phone)
    code, out = run(capsys, data_dir, "grade", "check", str(copy), str(other))
    assert code == 2 and f"ok  {copy}: {PHONE_REF}" in out
    assert f"BAD {other}: {PHONE_REF} is also defined in {copy}" in out
    code, out = run(capsys, data_dir, "grade", "check", str(copy))
    assert code == 0 and f"ok  {copy}" in out


@pytest.mark.parametrize(("old", "new", "words"), [
    ('key = "power"', 'key = "glass"', "question key 'glass' is used twice"),
    ('key = "yes"', 'key = "no"', "option key 'no' is used twice in this question"),
])
def test_check_refuses_duplicate_question_and_option_keys(capsys, data_dir: Path, tmp_path: Path, old: str,
                                                          new: str, words: str) -> None:
    bad = tmp_path / "dup.toml"
    bad.write_text((SHIPPED_DIR / "phone.toml").read_text().replace(old, new, 1))
    code, out = run(capsys, data_dir, "grade", "check", str(bad))
    assert code == 2 and f"BAD {bad}, line " in out and words in out, out
