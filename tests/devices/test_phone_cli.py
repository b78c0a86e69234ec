"""`station phones` and `station wipe adb:SERIAL`, run as the technician runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.cli import main
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def data(tmp_path: Path, rig: AdbRig) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "station.toml").write_text(
        f"[phone]\nadb_server_port = {rig.client.server_port}\ncommand_timeout_s = 3.0\nboot_timeout_s = 2.0\n"
        "reset_timeout_s = 6.0\npoll_interval_s = 0.1\nsettle_s = 1.0\n")
    return d


def _station(data: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The `station` entry point in this process (a fresh interpreter costs seconds on the bench PC)."""
    capsys.readouterr()
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_phones_json_lists_states_identity_and_prechecks(rig: AdbRig, data: Path, capsys) -> None:
    clean, google, locked = rig.add("clean-fbe"), rig.add("fbe-google"), rig.add("unauthorized")
    code, out, err = _station(data, "phones", "--json", capsys=capsys)
    assert code == 0, err
    rows = {r["serial"]: r for r in json.loads(out)}
    assert set(rows) == {clean.serial, google.serial, locked.serial}

    ok = rows[clean.serial]
    assert ok["state"] == "device" and ok["transport"] == "tcp" and not ok["blocked"]
    assert ok["identity"]["imei"] == "490154203237518" and ok["identity"]["serial"] == "26021JEGR09977"
    assert ok["identity"]["android_version"] == "14" and ok["identity"]["battery_level"] == 80
    assert ok["prechecks"]["method_type"] == "Purge" and ok["prechecks"]["encryption"] == "file-based"

    frp = rows[google.serial]
    assert frp["blocked"] and "Factory Reset Protection" in frp["block_reason"]
    assert "jane" not in json.dumps(frp["prechecks"])

    no = rows[locked.serial]
    assert no["state"] == "unauthorized" and no["identity"] is None
    assert "Accept the USB debugging prompt on the phone" in no["instruction"]
    from station.context import open_station
    from station.models import Event

    ctx = open_station(data)
    with ctx.store.reader() as sess:
        assert sess.query(Event).count() == 0  # listing records nothing
    ctx.close()


def test_phones_table(rig: AdbRig, data: Path, capsys) -> None:
    rig.add("fbe-google")
    rig.add("unauthorized")
    out = _station(data, "phones", capsys=capsys)[1]
    assert "Google Pixel 6a" in out and "IMEI 356938035643809" in out and "BLOCKED" in out
    assert "[block] Google account signed in (j***@gmail.com)" in out
    assert "UNAUTHORIZED" in out and "Accept the USB debugging prompt" in out


def test_no_phones(data: Path, capsys) -> None:
    assert "No phones connected" in _station(data, "phones", capsys=capsys)[1]


def test_wipe_command_erases_a_rooted_phone_and_prints_the_certificate(rig: AdbRig, data: Path, capsys) -> None:
    phone = rig.add("old-unencrypted")
    code, out, err = _station(data, "wipe", f"adb:{phone.serial}", "--yes", "--json", capsys=capsys)
    assert code == 0, err + out
    (result,) = json.loads(out)  # the guidance went to stderr: stdout is only the JSON
    assert "Flagged: verified boot orange" in err
    assert result["sanitized"] and result["method_type"] == "Clear" and result["path"] == f"adb:{phone.serial}"
    assert result["verification"]["mode"] == "adb-setup-wizard"
    assert result["unit"] and Path(result["certificate"]).is_file() and Path(result["certificate_pdf"]).is_file()
    assert phone.state.resets == 1


def test_wipe_command_refuses_an_frp_locked_phone(rig: AdbRig, data: Path, capsys) -> None:
    phone = rig.add("fbe-google")
    code, _out, err = _station(data, "wipe", f"adb:{phone.serial}", "--yes", capsys=capsys)
    assert code == 2
    assert "station: Google Pixel 6a (26021JEGR08412, unit U" in err
    assert "Remove account" in err and phone.state.resets == 0
