"""A phone check whose command failed is "could not check", never a finding: the real adb
client against a simulated phone whose build lacks `find` (mksh answers 127)."""

from __future__ import annotations

import pytest

from station.erase.phone.verify import check_over_adb, failed_checks, read_baseline
from station.sim.adb_models import clean_fbe
from station.sim.adb_rig import AdbRig

pytestmark = pytest.mark.timeout(60)


def test_a_missing_find_is_could_not_check_not_one_user_file(rig: AdbRig) -> None:
    model = clean_fbe("NOFIND0001")
    model.missing, model.sdcard_files = ("find",), []
    phone = rig.add(model)
    assert read_baseline(rig.client, phone.serial).user_files is None
    v = check_over_adb(rig.client, phone.serial, None, phone.serial)
    files = next(c for c in v.detail["checks"] if c["check"] == "user_files")
    assert files["found"] is None and files["passed"] is False
    assert "could not check: 'find /sdcard/ -type f' exited 127" in files["error"]
    assert not v.passed
    assert "user_files could not be checked" in failed_checks(v) and "user_files is 1" not in failed_checks(v)
    apps = next(c for c in v.detail["checks"] if c["check"] == "user_apps")
    assert apps["found"] == 2 and "error" not in apps  # the commands that worked still report findings
