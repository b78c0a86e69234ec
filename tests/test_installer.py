"""Installer pieces parse and say what they must."""

from __future__ import annotations

import configparser
import re
import subprocess
from pathlib import Path

INSTALLER = Path(__file__).resolve().parents[1] / "installer"


def test_system_package_script_is_valid_bash_and_lists_xcb_libraries() -> None:
    script = INSTALLER / "system-packages.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    for pkg in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libxcb-xinerama0"):
        assert pkg in text


def test_system_package_script_is_a_no_op_when_everything_is_installed() -> None:
    r = subprocess.run(["bash", str(INSTALLER / "system-packages.sh"), "--test"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0
    assert "installing" not in r.stdout


def test_udev_rules_keep_modemmanager_off_scanners() -> None:
    rules = (INSTALLER / "udev" / "70-triage-station.rules").read_text()
    tty_rules = [line for line in rules.splitlines() if 'SUBSYSTEM=="tty"' in line]
    assert tty_rules
    joined = rules.replace("\\\n", " ")
    for line in joined.splitlines():
        if 'SUBSYSTEM=="tty"' in line:
            assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line
    assert re.search(r'SUBSYSTEM=="usb".*GROUP="triage"', rules)


def test_desktop_entry_starts_the_station() -> None:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(INSTALLER / "triage-station.desktop")
    entry = cp["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"].split()[0] == "station"


def test_install_system_script_is_valid_bash() -> None:
    assert subprocess.run(["bash", "-n", str(INSTALLER / "install-system.sh")]).returncode == 0


def test_install_system_never_puts_the_bench_user_in_the_disk_group() -> None:
    # Raw write access to every disk would let the GUI's user skip the helper and its system-disk guard.
    script = (INSTALLER / "install-system.sh").read_text()
    groups = re.findall(r"usermod\s+-a?G\s*(\S+)", script)
    assert groups, "install-system.sh no longer adds the bench user to any group"
    for arg in groups:
        assert "disk" not in arg.strip("'\"").split(","), arg
        assert "triage" in arg.strip("'\"").split(",")


def test_desktop_entry_names_an_icon_that_ships_with_it() -> None:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(INSTALLER / "triage-station.desktop")
    assert (INSTALLER / f"{cp['Desktop Entry']['Icon']}.svg").is_file()


def test_print_runtime_lists_what_the_station_package_depends_on() -> None:
    r = subprocess.run(["bash", str(INSTALLER / "system-packages.sh"), "--print-runtime"], capture_output=True,
                       text=True, timeout=30, check=True)
    listed = r.stdout.split()
    assert "libdmtx0b" in listed and "smartmontools" in listed and "libxcb-cursor0" in listed
    assert "python3-dev" not in listed and "xvfb" not in listed


def test_polkit_asks_for_a_password_before_every_root_wipe() -> None:
    """The helper runs as root: a rule that answers YES would let any program of the bench user wipe as root."""
    import xml.etree.ElementTree as ET

    asks = {"auth_self", "auth_self_keep", "auth_admin", "auth_admin_keep"}
    policy = ET.parse(INSTALLER / "polkit" / "org.triage-station.wipe.policy").getroot()
    defaults = policy.find("action[@id='org.triage-station.wipe']/defaults")
    assert defaults is not None
    assert {d.tag: (d.text or "").strip() for d in defaults} == {
        "allow_any": "no", "allow_inactive": "no", "allow_active": "auth_admin_keep"}
    rule = (INSTALLER / "polkit" / "50-triage-station-wipe.rules").read_text()
    code = "\n".join(line for line in rule.splitlines() if not line.lstrip().startswith("//"))
    results = re.findall(r"polkit\.Result\.(\w+)", code)
    assert results == ["AUTH_SELF_KEEP"] and results[0].lower() in asks
    for condition in ('action.id == "org.triage-station.wipe"', 'subject.isInGroup("triage")', "subject.local",
                      "subject.active"):
        assert condition in code
    assert re.search(r"\bYES\b|\bpolkit\.Result\.YES\b", code) is None
