"""`station wipe ios:UDID`: Erase All Content and Settings through MCInstall, with the unmodified pymobiledevice3
against the simulated iPhone, followed through its reboot and verified before anything is certified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.cli import main
from station.context import open_station
from station.devices.phone.ios import read_iphone
from station.erase.phone.ios_verify import verify_erased
from station.models import PhoneCheck, Unit, WipeJob
from station.sim.ios_usbmuxd import SimulatedUsbmuxd
from station.wipe_record import JobKind

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def muxd(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedUsbmuxd]:
    with SimulatedUsbmuxd() as server:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", server.address)
        yield server


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "station.toml").write_text("[phone]\npoll_interval_s = 0.05\nreset_timeout_s = 20.0\n")
    return d


def _wipe(data: Path, udid: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["--data-dir", str(data), "wipe", f"ios:{udid}", "--yes", "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def _certificate(row: dict) -> dict:
    return json.loads(Path(row["certificate"]).read_text())


def test_clean_iphone_12_is_erased_verified_and_certified_as_purge(muxd, data: Path, capsys) -> None:
    phone = muxd.add("iphone12")
    code, [row] = _wipe(data, phone.udid, capsys)
    assert code == 0, row
    assert row["sanitized"] and row["status"] == "FINISHED" and row["method_type"] == "Purge"
    assert row["path"] == f"ios:{phone.udid}" and row["serial"] == "F2LDK3XYN6Y1"
    assert row["verification"]["mode"] == "ios-setup-assistant" and row["verification"]["passed"]
    assert "com.apple.mobile.MCInstall:EraseDevice" in phone.lockdownd.requests
    assert phone.lockdownd.model.erase.erased == 1
    cert = json.dumps(_certificate(row))
    assert "Cryptographic Erase" in cert and "Purge" in cert and "F2LDK3XYN6Y1" in cert
    assert "the same serial back in Setup Assistant" in cert and "passed" in cert
    ctx = open_station(data)
    try:
        with ctx.store.reader() as s:
            job = s.get(WipeJob, row["job_id"])
            assert job is not None and job.verify == "iphone-erase" and job.status == "FINISHED"
            unit = s.get(Unit, job.unit_id)
            assert unit is not None and unit.wipe_status == "sanitized" and unit.make == "Apple"
            assert unit.capacity == "128 GB"  # lockdownd's TotalDiskCapacity, 128,000,000,000 bytes
        from station.erase import ledger

        assert ledger.kind_of(job) is JobKind.IPHONE_ERASE
    finally:
        ctx.close()


def test_a_drop_mid_erase_is_followed_and_a_different_serial_is_never_certified(muxd, data: Path, capsys) -> None:
    dropping, swapped = muxd.add("iphone12-drops"), muxd.add("iphone12-swapped")
    capsys.readouterr()
    code = main(["--data-dir", str(data), "wipe", f"ios:{dropping.udid}", f"ios:{swapped.udid}", "--yes", "--json"])
    rows = {r["path"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 1  # one of the two is not sanitized
    came_back = rows[f"ios:{dropping.udid}"]
    assert came_back["sanitized"], came_back
    # it left the bus three times (the erase's reboot and two drops) and came back each time
    steps = _certificate(came_back)
    assert json.dumps(steps).count("left the bus") == 3 and json.dumps(steps).count("back on the bus") == 3
    other = rows[f"ios:{swapped.udid}"]
    assert not other["sanitized"] and other["status"] == "FINISHED"
    assert "G6TZK1ABN7Q2" in other["reason"] and "F2LDK3XYN6Y6" in other["reason"]
    assert not other["verification"]["passed"]
    assert "VERIFICATION FAILED, media NOT sanitized" in json.dumps(_certificate(other))


@pytest.mark.parametrize(("model", "words"), [
    ("iphone12-activation-lock", "Activation Lock"),
    ("iphone13-supervised", "Enrolled in device management (Acme Logistics)"),
])
def test_locked_iphones_are_refused_and_held(muxd, data: Path, capsys, model: str, words: str) -> None:
    phone = muxd.add(model)
    capsys.readouterr()
    assert main(["--data-dir", str(data), "wipe", f"ios:{phone.udid}", "--yes"]) == 2  # refused, as FRP is
    assert words in capsys.readouterr().err
    assert phone.lockdownd.model.erase.erased == 0
    assert not any("EraseDevice" in r for r in phone.lockdownd.requests)
    ctx = open_station(data)
    try:
        with ctx.store.reader() as s:
            check = s.query(PhoneCheck).one()
            unit = s.get(Unit, check.unit_id)
            assert check.frp_account and check.blocked  # what the route gates read as an account lock
            assert unit is not None and words in (unit.blocked_reason or "")
    finally:
        ctx.close()


def test_passcode_locked_untrusted_iphone_gets_an_instruction(muxd, data: Path, capsys) -> None:
    phone = muxd.add("iphone11-untrusted")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "wipe", f"ios:{phone.udid}", "--yes"]) == 2  # refused, as FRP is
    err = capsys.readouterr().err
    assert "not ready to erase" in err and "locked with a passcode" in err
    assert not any("EraseDevice" in r for r in phone.lockdownd.requests)
    phone.lockdownd.tap_trust()
    listed = read_iphone(phone.udid, data / "pairing")
    assert listed is not None and listed.state == "ready"  # trusted now: the same command would erase it


def test_verification_fails_on_each_thing_the_erase_should_have_removed() -> None:
    from station.devices.phone.ios import ListedIPhone

    good_values = {"SerialNumber": "S1", "ActivationState": "Unactivated", "PasswordProtected": False}
    good_domains = {"com.apple.purplebuddy": {}, "com.apple.fmip": {"IsAssociated": False}}
    back = ListedIPhone("U", "ready", "USB", values=dict(good_values), domains=dict(good_domains),
                        services={"profiles": {}})
    assert verify_erased("S1", back).passed
    for key, bad in (("ActivationState", "Activated"), ("PasswordProtected", True), ("SerialNumber", "S2")):
        back.values = {**good_values, key: bad}
        assert not verify_erased("S1", back).passed, key
    back.values = dict(good_values)
    back.domains = {**good_domains, "com.apple.purplebuddy": {"SetupDone": True}}
    assert not verify_erased("S1", back).passed
    back.domains = {"com.apple.fmip": {"IsAssociated": False}}  # Setup Assistant state unreadable
    assert not verify_erased("S1", back).passed
    back.domains, back.services = dict(good_domains), {"profiles": None}
    assert not verify_erased("S1", back).passed


def test_a_managed_iphone_is_held_and_graded_with_what_it_measured(muxd, data: Path) -> None:
    from station import disposition, grading
    from station.errors import UserFacingError
    from tests.grading.helpers import PHONE_B_PLUS, set_fields

    company = muxd.add("iphone13-supervised")
    assert main(["--data-dir", str(data), "wipe", f"ios:{company.udid}", "--yes"]) == 2
    ctx = open_station(data)
    try:
        with ctx.store.reader() as s:
            unit = s.get(Unit, s.query(PhoneCheck).one().unit_id)
            assert unit is not None
            uid = unit.uid
        # the technician clicked "no locks" and "battery good"; the iPhone said MDM and 75 %
        graded = grading.record(ctx, uid, PHONE_B_PLUS)
        assert graded.computed.answers["locks"] == "mdm" and graded.computed.answers["battery"] == "worn"
        assert graded.functional == "FD" and {"mdm", "battery"} <= set(graded.computed.defects)
        set_fields(ctx, uid, wipe_status="sanitized")  # only the lock holds it now
        assert disposition.preview(ctx, uid).route == "hold"
        with pytest.raises(UserFacingError, match="Activation Lock or MDM"):
            disposition.assign(ctx, uid, "resell_retail", "looks fine to me")
    finally:
        ctx.close()


def test_an_iphone_that_does_not_come_back_is_failed_not_certified(muxd, data: Path) -> None:
    from station.erase.phone.ios_erase import wipe_iphone
    from station.prompt import TerminalPrompt
    from station.wipe_record import Status

    phone = muxd.add("iphone12")
    phone.lockdownd.model.erase.off_bus_s = 30.0  # still erasing when the station stops waiting
    ctx = open_station(data)
    try:
        ctx.config.set("phone.reset_timeout_s", 1.0)
        result = wipe_iphone(ctx, phone.udid, TerminalPrompt(True)).result
        assert result.status is Status.FAILED and not result.sanitized and result.verification is None
        assert "did not come back within 1 s" in result.reason
        assert result.media.extra["reset_log"][-2:] == ["left the bus", "not back after 1 s"]
        with ctx.store.reader() as s:
            job = s.get(WipeJob, result.job_id)
            assert job is not None and job.status == "FAILED"
    finally:
        ctx.close()
