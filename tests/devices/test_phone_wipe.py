"""Every scripted phone model through the whole erase, with the real adb client against the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from typing_extensions import override

from station import events, units
from station.certs.result import Status
from station.devices.phone.adb import PhoneNotReady
from station.erase.phone.prechecks import PhoneBlocked
from station.erase.phone.wipe import wipe_phone
from station.models import Certificate, PhoneCheck, Unit, WipeJob
from station.prompt import OperatorPrompt
from station.sim.adb_phone import SimulatedPhone
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(90)


class Technician(OperatorPrompt):
    """The hands and eyes at the bench: answers the station's questions and acts on the simulated phone."""

    def __init__(self, phone: SimulatedPhone, *, recovery: list[list[str]] | None = None, after_reset: str = "reenable",
                 allow_debugging: bool = True, photo: Path | None = None, sees_wizard: bool = True) -> None:
        self.phone = phone
        self.recovery = list(recovery or [["wipe_data", "reboot"]])
        self.after_reset = after_reset
        self.allow_debugging = allow_debugging
        self.photo_path = photo
        self.sees_wizard = sees_wizard
        self.told: list[str] = []
        self.asked: list[str] = []

    def tell(self, message: str) -> None:
        self.told.append(message)

    def confirm(self, question: str) -> bool:
        self.asked.append(question)
        if "allow USB debugging" in question:
            if self.allow_debugging:
                self.phone.accept_usb_debugging()
            return self.allow_debugging
        if "Wipe data/factory reset" in question:
            for item in self.recovery.pop(0):
                self.phone.recovery_select(item)
            return True
        if "photo show" in question:
            return self.sees_wizard
        raise AssertionError(f"unexpected question: {question}")

    @override
    def choose(self, question: str, options: list[str]) -> int | None:
        self.asked.append(question)
        if self.after_reset == "reenable":
            self.phone.enable_usb_debugging()
            self.after_reset = "photo"  # if asked again, fall back to the photo
            return 0
        if self.after_reset == "photo":
            return 1
        return 2

    @override
    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        raise AssertionError(f"unexpected question: {question}")

    def photo(self, question: str) -> Path | None:
        self.asked.append(question)
        return self.photo_path


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "setup-wizard.jpg"
    Image.new("RGB", (320, 240), (30, 90, 200)).save(path, "JPEG")
    return path


def _kinds(ctx, uid: str) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        return [e.kind for e in events.history(s, unit)]


def _certificate(ctx, result) -> dict:  # type: ignore[no-untyped-def]
    with ctx.store.reader() as s:
        cert = s.execute(select(Certificate).where(Certificate.wipe_job_id == result.job_id)).scalar_one()
        return json.loads(Path(cert.json_path).read_text())["certificate"]


def test_clean_encrypted_phone_is_purged_and_verified_over_adb(rig: AdbRig, fast) -> None:
    with fast.store.session() as s:  # scanned at intake by its IMEI: the erase must join this unit
        intake = units.create(s, fast.actor, {"imei": "490154203237518"}, device_class="phone").uid
    phone = rig.add("clean-fbe")
    tech = Technician(phone)
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.status is Status.FINISHED, result.reason
    assert result.sanitized
    assert result.method_type == "Purge" and result.technique == "crypto erase"
    assert result.media.kind == "mobile device" and result.media.bus == "adb"
    assert result.media.serial == "26021JEGR09977"
    assert result.verification is not None and result.verification.mode == "adb-setup-wizard"
    assert phone.state.resets == 1
    assert any(c.argv[-2:] == ["reboot", "recovery"] for c in result.commands)
    cert = _certificate(fast, result)
    assert cert["sanitized"] is True
    assert cert["appendix_g"]["media"]["media_type"] == "Mobile device"
    assert cert["appendix_g"]["sanitization"]["method_type"] == "Purge"
    assert cert["unit"]["identifiers"]["imei"] == "490154203237518"
    assert cert["unit"]["uid"] == intake
    with fast.store.reader() as s:
        job = s.get(WipeJob, result.job_id)
        unit = s.get(Unit, job.unit_id)
        assert unit.uid == intake and job.status == "FINISHED"
        assert unit.serial == "26021JEGR09977" and unit.make == "Google" and unit.model == "Pixel 6a"
        assert unit.wipe_status == "sanitized" and unit.certificate_id
        # the SKU's capacity from the phone's `df -k /data` (107,426,200 KiB of /data: a 128 GB phone)
        assert unit.capacity == "128 GB"
    kinds = _kinds(fast, intake)
    assert kinds.count("unit.updated") == 1  # the capacity, for the hub's SKU
    assert kinds[0] == "unit.created"
    for kind in ("phone.identified", "phone.prechecked", "wipe.started", "wipe.finished", "certificate.issued"):
        assert kind in kinds
    checks = result.verification.detail["checks"]
    assert [c["check"] for c in checks if c["passed"]] == [
        "same_phone", "device_provisioned", "user_setup_complete", "accounts", "user_apps", "user_files"]
    assert result.verification.detail["before_reset"] == {"accounts": 0, "user_apps": 2, "user_files": 2}


def test_visual_confirmation_with_a_photo_when_debugging_stays_off(rig: AdbRig, fast, tmp_path: Path) -> None:
    phone = rig.add("clean-fbe")
    tech = Technician(phone, after_reset="photo", photo=_photo(tmp_path))
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.sanitized, result.reason
    v = result.verification
    assert v is not None and v.mode == "visual-photo" and v.detail["technician_confirmed"] is True
    digest = v.detail["photo"]["sha256"]
    assert (fast.data.blobs / digest).read_bytes() == (tmp_path / "setup-wizard.jpg").read_bytes()
    assert _certificate(fast, result)["verification"]["mode"] == "visual-photo"


def test_photo_not_confirmed_is_not_sanitized(rig: AdbRig, fast, tmp_path: Path) -> None:
    phone = rig.add("clean-fbe")
    tech = Technician(phone, after_reset="photo", photo=_photo(tmp_path), sees_wizard=False)
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.status is Status.FINISHED and not result.sanitized
    assert "did not confirm the setup wizard" in result.reason
    cert = _certificate(fast, result)
    assert cert["sanitized"] is False and "NOT sanitized" in cert["title"]


def test_google_account_blocks_before_anything_is_sent(rig: AdbRig, fast) -> None:
    phone = rig.add("fbe-google")
    with fast.store.session() as s:  # its capacity typed at intake: the technician's word stands
        units.create(s, fast.actor, {"serial": "26021JEGR08412"}, device_class="phone", capacity="256 GB")
    with pytest.raises(PhoneBlocked) as caught:
        wipe_phone(fast, phone.serial, Technician(phone))
    text = str(caught.value)
    assert "Google account signed in (j***@gmail.com)" in text
    assert "Factory Reset Protection" in text and "Remove account" in text
    assert "jane.doe" not in text  # the account is masked, also on the unit
    assert phone.state.resets == 0 and phone.mode == "android"
    assert not any("reboot" in h for h in phone.history)
    with fast.store.reader() as s:
        check = s.execute(select(PhoneCheck)).scalar_one()
        unit = s.get(Unit, check.unit_id)
        assert check.frp_account and check.blocked and check.encryption == "file-based"
        assert check.verified_boot == "green" and check.bootloader_locked is True
        assert unit.blocked_reason.startswith("Phone pre-check: Google account")
        assert unit.capacity == "256 GB"
        assert s.execute(select(WipeJob)).first() is None
    assert "unit.blocked" in _kinds(fast, caught.value.uid)


def test_device_owner_blocks_per_setting(rig: AdbRig, fast) -> None:
    from station.sim.adb_models import clean_fbe

    model = clean_fbe("MDM0001")
    model.device_owner = "com.example.mdm/.AdminReceiver"
    phone = rig.add(model)
    with pytest.raises(PhoneBlocked, match=r"Managed by an organisation \(com.example.mdm/.AdminReceiver\)"):
        wipe_phone(fast, phone.serial, Technician(phone))
    assert phone.state.resets == 0


def test_old_unencrypted_rooted_phone_is_cleared_by_recovery_command(rig: AdbRig, fast) -> None:
    phone = rig.add("old-unencrypted")
    tech = Technician(phone)
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.sanitized, result.reason
    assert result.method_type == "Clear" and result.technique == "factory reset (unencrypted)"
    assert result.media.extra["erase_means"] == "recovery-command"
    sent = [c.argv[c.argv.index("shell") + 1] if "shell" in c.argv else " ".join(c.argv[-2:]) for c in result.commands]
    assert "su 0 sh -c 'echo --wipe_data > /cache/recovery/command'; echo \"@@rc=$?@@\"" in sent
    assert "reboot recovery" in sent
    assert "recovery: --wipe_data" in phone.history and phone.state.resets == 1
    assert not any("Wipe data/factory reset" in q for q in tech.asked)  # no hands needed
    assert result.verification is not None and result.verification.mode == "adb-setup-wizard"
    assert result.verification.detail["before_reset"] == {"accounts": 0, "user_apps": 2, "user_files": 2}
    cert = _certificate(fast, result)
    assert cert["appendix_g"]["sanitization"]["method_type"] == "Clear"
    assert any("not a cryptographic erase" in n for n in result.notes)
    with fast.store.reader() as s:
        check = s.execute(select(PhoneCheck)).scalar_one()
        assert check.rooted and check.verified_boot == "orange" and check.bootloader_locked is False
        assert s.get(Unit, check.unit_id).capacity == "8 GB"  # 5.6 GB of /data: new unit, its capacity given


def test_unauthorized_phone_is_refused_with_the_instruction(rig: AdbRig, fast) -> None:
    phone = rig.add("unauthorized")
    tech = Technician(phone, allow_debugging=True)  # taps... but this phone's prompt never takes
    with pytest.raises(PhoneNotReady) as caught:
        wipe_phone(fast, phone.serial, tech)
    assert caught.value.state == "unauthorized"
    assert "Accept the USB debugging prompt on the phone" in str(caught.value)
    assert sum("allow USB debugging" in q for q in tech.asked) == 3
    with fast.store.reader() as s:
        assert s.execute(select(Unit)).first() is None  # nothing could be read, nothing recorded


def test_phone_dropping_mid_reset_comes_back_in_recovery_and_is_reset_again(rig: AdbRig, fast) -> None:
    phone = rig.add("drops-mid-reset")
    tech = Technician(phone, recovery=[["wipe_data"], ["wipe_data", "reboot"]])
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.sanitized, result.reason
    assert "dropped off during the wipe" in phone.history and phone.state.resets == 1
    assert any("back in recovery: the reset did not finish" in t for t in tech.told)
    log = result.media.extra["reset_log"]
    assert any("attempt 1" in n and "did not finish" in n for n in log)
    assert any("attempt 2" in n and "left recovery" in n for n in log)
    assert "Erased by factory reset in recovery" in " ".join(result.notes)
    assert result.method_type == "Purge"


def test_phone_rebooted_without_reset_fails_verification(rig: AdbRig, fast) -> None:
    """Dropped mid-wipe, then 'Reboot system now': Android starts with the owner's data still there."""
    phone = rig.add("drops-mid-reset")
    tech = Technician(phone, recovery=[["wipe_data", "reboot"]])
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.status is Status.FINISHED and not result.sanitized
    assert "still holds its owner's data" in result.reason and "user_apps is 2" in result.reason
    assert phone.state.resets == 0
    with fast.store.reader() as s:
        unit = s.get(Unit, s.get(WipeJob, result.job_id).unit_id)
        assert unit.wipe_status == "failed"
    assert _certificate(fast, result)["sanitized"] is False


def test_rooted_phone_without_cache_is_reset_by_the_system_request(rig: AdbRig, fast) -> None:
    """A/B phones have no /cache: the rooted path asks the system itself (FACTORY_RESET broadcast)."""
    from station.sim.adb_models import clean_fbe

    model = clean_fbe("USERDEBUG01")
    model.rooted, model.has_cache_partition, model.adb_after_reset, model.auth = True, False, True, "none"
    model.props["ro.build.type"] = "userdebug"
    phone = rig.add(model)
    tech = Technician(phone)
    result = wipe_phone(fast, phone.serial, tech).result
    assert result.sanitized, result.reason
    assert result.media.extra["erase_means"] == "reset-broadcast" and result.method_type == "Purge"
    assert any("am broadcast -a android.intent.action.FACTORY_RESET -p android" in " ".join(c.argv)
               for c in result.commands)
    assert phone.history.count("data wiped") == 1 and not tech.asked


def test_a_different_phone_on_the_cable_fails_verification(rig: AdbRig, fast) -> None:
    """After the reset another (fresh) phone answers on the same connection: it proves nothing."""
    from station.sim.adb_models import clean_fbe

    phone = rig.add("clean-fbe")
    fresh = clean_fbe("OTHER00001")
    fresh.auth = "none"
    imposter = SimulatedPhone(fresh, port=phone.port)
    imposter.state.factory_reset()  # its own setup wizard, with nothing on it

    class Swapper(Technician):
        @override
        def choose(self, question: str, options: list[str]) -> int | None:
            phone.stop()
            imposter.start()
            rig.phones.append(imposter)
            return 0

    result = wipe_phone(fast, phone.serial, Swapper(phone)).result
    assert result.status is Status.FINISHED and not result.sanitized
    same = result.verification.detail["checks"][0]
    assert same == {"check": "same_phone", "expected": "26021JEGR09977", "found": "OTHER00001", "passed": False}
    assert result.reason.startswith("A different phone (serial OTHER00001) answered after the reset")
