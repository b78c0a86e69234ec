"""Parser behaviour on the format variants the tools produce (versions, locales, damage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.devices.drive.facts import DriveFacts
from station.devices.drive.parsers import hdparm, parse, parse_file
from station.devices.drive.parsers.common import grouped_int, number
from station.errors import UserFacingError


@pytest.mark.parametrize(("text", "value"), [
    ("1,000,204,886,016 bytes [1.00 TB]", 1000204886016),
    ("4 000 787 030 016 bytes [4,00 TB]", 4000787030016),
    ("1.000.204.886.016 bytes", 1000204886016),
    ("1\u202f000\u202f204\u202f886\u202f016 bytes", 1000204886016),
    ("512", 512),
    ("", None),
    ("unknown", None),
])
def test_numbers_in_every_locale(text: str, value: int | None) -> None:
    assert grouped_int(text) == value


def test_hex_and_decimal_fields() -> None:
    assert number("0x1f") == 31 and number("31") == 31 and number("0") == 0 and number("zz") is None


SMARTCTL_LOCKED = """smartctl 7.4 2023-08-01 r5530 [x86_64-linux-6.1.0] (local build)
=== START OF INFORMATION SECTION ===
Device Model:     TEST DISK
Serial Number:    X1
Firmware Version: 1.0
User Capacity:    500.107.862.016 bytes [500 GB]
Sector Size:      512 bytes logical/physical
Rotation Rate:    7200 rpm
ATA Version is:   ACS-3
ATA Security is:  ENABLED, PW level HIGH, **LOCKED** [SEC4]
"""


def test_smartctl_text_locked_drive_and_dotted_capacity() -> None:
    f = parse(SMARTCTL_LOCKED)
    assert f.bus == "ata" and f.rotational is True and f.rpm == 7200
    assert f.size_bytes == 500107862016 and f.logical_sector == 512 and f.physical_sector == 512
    assert f.security_supported and f.security_enabled and f.security_locked


def test_smartctl_text_missing_sections_are_unknown_not_errors() -> None:
    f = parse("smartctl 5.41 2011-06-09 r3365\n=== START OF INFORMATION SECTION ===\nDevice Model: OLD\n")
    assert f.model == "OLD" and f.security_frozen is None and f.rotational is None and f.size_bytes is None


def test_smartctl_json_usb_bridge_and_failed_command_bits() -> None:
    doc = {"json_format_version": [1, 0], "smartctl": {"exit_status": 2},
           "device": {"name": "/dev/sdb", "type": "usbjmicron", "protocol": "ATA"},
           "model_name": "WDC WD10EZEX", "rotation_rate": 7200,
           "ata_security": {"state": 41, "string": "Disabled, frozen [SEC2]", "enabled": False, "frozen": True}}
    f = parse(json.dumps(doc))
    assert f.bus == "usb" and f.passthrough is True and f.security_frozen is True and f.rotational is True
    assert any("exit status 2" in n for n in f.notes)


def test_nvme_id_ctrl_plain_hex_without_prefix_and_json() -> None:
    f = parse("NVME Identify Controller:\nvid     : 0x1c5c\nsn      : S1  \nmn      : M1  \nfr      : F1\n"
              "oacs    : 0x17\nsanicap : 0x3\nnn      : 1\nfna     : 0x4\n")
    assert (f.format_supported, f.sanitize_crypto, f.sanitize_block, f.sanitize_overwrite) == (True, True, True, False)
    assert f.format_crypto_supported and f.format_all_namespaces is False
    j = parse(json.dumps({"vid": 1, "mn": "M2 ", "oacs": 2, "sanicap": 4, "fna": 1}))
    assert j.model == "M2" and j.sanitize_overwrite and not j.sanitize_crypto and j.format_all_namespaces


def test_nvme_sanitize_log_json_nested_by_device() -> None:
    f = parse(json.dumps({"nvme0": {"sprog": 32768, "sstat": {"status": 2}}}))
    assert f.sanitize_in_progress and f.sanitize_progress_percent == 50.0
    done = parse(json.dumps({"sprog": 65535, "sstat": 1}))
    assert done.sanitize_in_progress is False and done.sanitize_last_status == "completed successfully"


def test_hdparm_hpa_dco_and_sanitize_status_outputs() -> None:
    assert hdparm.parse_hpa("\n/dev/sda:\n max sectors   = 976771055/976773168, HPA is enabled\n") == (
        976771055, 976773168, True)
    assert hdparm.parse_hpa("garbage") is None
    assert hdparm.parse_dco_real_max("DCO Revision: 0x0002\nReal max sectors: 976773168\n") == 976773168
    running = hdparm.parse_sanitize_status(
        "/dev/sda:\nIssuing SANITIZE_STATUS command\nSanitize status:\n"
        "    State:    SD2 Sanitize operation In Process\n    Progress: 0x41c2 (25%)\n")
    assert running["in_progress"] and running["percent"] == 25.0
    done = hdparm.parse_sanitize_status("State:    SD0 Sanitize Idle\nLast Sanitize Operation Completed Without Error")
    assert done["last"] == "succeeded" and not done["in_progress"]
    assert hdparm.parse_sanitize_status("State:    SD1 Sanitize Frozen")["frozen"]


@pytest.mark.parametrize("content", ["", "hello world\n", "{\"some\": \"json\"}", "{broken json"])
def test_unrecognised_input_is_a_user_facing_error(content: str) -> None:
    with pytest.raises(UserFacingError) as err:
        parse(content, "x.txt")
    assert "x.txt" in str(err.value)


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match=r"missing\.txt"):
        parse_file(tmp_path / "missing.txt")


def test_merge_keeps_first_stated_value_and_fills_gaps() -> None:
    a = DriveFacts(source="a", model="M", security_frozen=None, rotational=False)
    b = DriveFacts(source="b", model="other", security_frozen=True, rotational=True)
    m = a.merge(b)
    assert (m.model, m.security_frozen, m.rotational, m.source) == ("M", True, False, "a+b")
    assert DriveFacts.from_dict(m.to_dict()) == m


def _with_nul_noise(text: str) -> str:
    """NULs as a serial console or a tool killed mid-write leaves them: padding, and inside lines."""
    return "\x00" * 64 + text.replace("\n", "\x00\n", 5) + "\x00" * 512


def test_binary_noise_in_a_capture_does_not_break_parsing(corpus: Path, tmp_path: Path) -> None:
    """Every real text capture, with NUL bytes added, parses to the same facts as without them."""
    captures = sorted(p for p in corpus.rglob("*.txt") if p.parent != corpus)
    assert len(captures) >= 100, f"only {len(captures)} text captures under {corpus}"
    for path in captures:
        clean = parse_file(path)
        noisy = tmp_path / path.name
        noisy.write_text(_with_nul_noise(path.read_bytes().decode("utf-8", errors="replace")))
        assert b"\x00" in noisy.read_bytes()
        assert parse_file(noisy).to_dict() == clean.to_dict(), path


def test_an_unknown_usb_bridge_is_a_usb_disk_without_passthrough() -> None:
    from station.devices.drive.parsers import smartctl_text

    text = ("smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-28-amd64] (local build)\n"
            "/dev/sdc: Unknown USB bridge [0x46f4:0x0001 (0x000)]\n"
            "Please specify device type with the -d option.\n")
    f = smartctl_text.parse(text)
    assert (f.bus, f.passthrough, f.usb_bridge) == ("usb", False, "USB bridge 0x46f4:0x0001")
