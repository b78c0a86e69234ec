"""`station plan --facts-from FILE --level clear|purge [--json]` on real corpus files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station import cli


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.usefixtures("data_dir")
def test_plan_json_for_an_nvme_id_ctrl(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = corpus / "nvme-id-ctrl" / "Intel__INTEL_SSDPD2KS150T8__1.txt"
    code, out, _ = _run(capsys, "plan", "--facts-from", str(f), "--level", "purge", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["facts"]["sanitize_crypto"] is True
    assert doc["result"]["kind"] == "plan" and doc["result"]["method"] == "nvme-sanitize-crypto"


@pytest.mark.usefixtures("data_dir")
def test_refusal_still_exits_zero_and_says_why(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = corpus / "nvme-sanitize-log" / "SSSTC__CA6-8D1024__1.txt"
    code, out, _ = _run(capsys, "plan", "--facts-from", str(f), "--level", "purge")
    assert code == 0 and "REFUSED" in out and "in progress" in out


@pytest.mark.usefixtures("data_dir")
def test_two_reports_combine(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """smartctl text lacks SANITIZE; hdparm -I of the same model adds it."""
    smart = next((corpus / "smartctl" / "ata").glob("*.txt"))
    hd = corpus / "hdparm" / "Micron__Micron_5300_MTFDDAK1T9TDS__1.txt"
    code, out, _ = _run(capsys, "plan", "--facts-from", str(hd), "--facts-from", str(smart), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["facts"]["source"] == "hdparm+smartctl-text"
    assert doc["result"]["method"] == "ata-sanitize-crypto"


@pytest.mark.usefixtures("data_dir")
def test_clear_level_text_output(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = next((corpus / "smartctl" / "usb").glob("WDC*"))
    code, out, _ = _run(capsys, "plan", "--facts-from", str(f), "--level", "clear")
    assert code == 0 and "Plan: Clear by overwrite" in out and "Drive facts:" in out


@pytest.mark.usefixtures("data_dir")
def test_unreadable_report_is_exit_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\n")
    code, _, err = _run(capsys, "plan", "--facts-from", str(bad))
    assert code == 2 and "notes.txt is not a drive report" in err
