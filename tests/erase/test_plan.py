"""The planner's preference order, refusals and rationale (pure: facts in, plan out)."""

from __future__ import annotations

import json

import pytest

from station.devices.drive.facts import DriveFacts
from station.erase import profiles
from station.erase.plan import Plan, Refusal, plan_for


def _plan(facts: DriveFacts, level: str = "purge", profs: list[profiles.Profile] | None = None) -> Plan:
    result = plan_for(facts, level, profs)
    assert isinstance(result, Plan), getattr(result, "reason", result)
    return result


def _refusal(facts: DriveFacts, level: str = "purge") -> Refusal:
    result = plan_for(facts, level)
    assert isinstance(result, Refusal), result
    return result


NVME = dict(bus="nvme", model="N", format_supported=True)
SSD = dict(bus="ata", model="S", rotational=False, security_supported=True, security_enabled=False)
HDD = dict(bus="ata", model="H", rotational=True, security_supported=True, security_enabled=False,
           security_frozen=False)


def test_nvme_sanitize_crypto_is_purge_then_verify() -> None:
    p = _plan(DriveFacts(**NVME, sanitize_supported=True, sanitize_crypto=True, sanitize_block=True))
    assert (p.method, p.method_type, p.technique) == ("nvme-sanitize-crypto", "Purge", "crypto erase")
    actions = [s.action for s in p.steps]
    assert actions == ["seed-markers", "erase", "check-markers", "verify"]
    assert "NVMe" in p.rationale[0] or "NVME" in p.rationale[0]
    assert any("800-88" in r for r in p.rationale) and any("IEEE 2883" in r for r in p.rationale)


@pytest.mark.parametrize(("caps", "method"), [
    (dict(sanitize_block=True, sanitize_overwrite=True), "nvme-sanitize-block"),
    (dict(sanitize_overwrite=True), "nvme-sanitize-overwrite"),
    (dict(sanitize_supported=False, format_crypto_supported=True), "nvme-format-crypto"),
    (dict(sanitize_supported=False, format_crypto_supported=False), "nvme-format-user-data"),
    (dict(), "nvme-format-user-data"),  # SANICAP unknown (smartctl text): Format from OACS
])
def test_nvme_preference(caps: dict[str, bool], method: str) -> None:
    assert _plan(DriveFacts(**NVME, **caps)).method == method


def test_ata_security_erase_on_flash_is_only_clear() -> None:
    r = _refusal(DriveFacts(**SSD, sanitize_supported=False, enhanced_erase_supported=True))
    assert "ATA SECURITY ERASE on flash is only Clear; Purge of ATA flash is the SANITIZE feature set" in r.reason
    assert "NIST SP 800-88 Rev. 2; IEEE 2883-2022 techniques for flash media" in r.reason
    assert any("clear" in a for a in r.alternatives)
    clear = _plan(DriveFacts(**SSD, sanitize_supported=False), "clear")
    assert clear.method == "overwrite" and clear.method_type == "Clear"
    assert any("not Purge" in w for w in clear.warnings)


def test_ata_sanitize_preferred_over_security_erase_and_crypto_first() -> None:
    p = _plan(DriveFacts(**SSD, sanitize_supported=True, sanitize_block=True, sanitize_crypto=True))
    assert p.method == "ata-sanitize-crypto"
    hdd = _plan(DriveFacts(**HDD, sanitize_supported=True, sanitize_overwrite=True, enhanced_erase_supported=True))
    assert hdd.method == "ata-sanitize-overwrite" and hdd.expected_pattern == "zero"


def test_hdd_enhanced_security_erase_sets_a_recorded_password_and_unfreezes() -> None:
    p = _plan(DriveFacts(**{**HDD, "security_frozen": True}, sanitize_supported=False, enhanced_erase_supported=True))
    assert p.method == "ata-security-erase-enhanced"
    actions = [s.action for s in p.steps]
    assert actions.index("unfreeze") < actions.index("set-password") < actions.index("erase")
    assert "rtcwake" in p.steps[0].summary


def test_hdd_security_erase_blocked_by_expired_count_or_foreign_password() -> None:
    r = _refusal(DriveFacts(**{**HDD, "security_count_expired": True}, sanitize_supported=False))
    assert "power-cycle" in r.reason
    r = _refusal(DriveFacts(**{**HDD, "security_enabled": True}, sanitize_supported=False))
    assert "password is already set" in r.reason


def test_usb_bridge_without_passthrough() -> None:
    facts = DriveFacts(bus="usb", model="U", rotational=True, passthrough=False)
    r = _refusal(facts)
    assert r.reason == "USB bridge blocks ATA passthrough: Purge impossible; Clear by overwrite"
    clear = _plan(facts, "clear")
    assert clear.method == "overwrite" and "NOT erased" in clear.hidden_area


def test_usb_bridge_with_passthrough_uses_ata_commands() -> None:
    p = _plan(DriveFacts(bus="usb", passthrough=True, model="U", rotational=True, security_supported=True,
                         security_enabled=False, sanitize_supported=False))
    assert p.method == "ata-security-erase"


def test_locked_drive_and_running_sanitize_are_refused_with_the_way_out() -> None:
    assert "recorded password" in _refusal(DriveFacts(**HDD, security_locked=True)).reason
    r = _refusal(DriveFacts(bus="nvme", sanitize_in_progress=True, sanitize_progress_percent=35.5))
    assert "35.5%" in r.reason and "in progress" in r.reason


def test_hpa_is_reset_before_the_erase_and_said_so() -> None:
    p = _plan(DriveFacts(**HDD, hpa_supported=True, hpa_enabled=True, native_max_sectors=1000,
                         current_max_sectors=900, dco_supported=True), "clear")
    assert [s.action for s in p.steps][:2] == ["hpa-reset", "dco-restore"]
    assert "100 hidden sectors" in p.steps[0].summary
    assert "reset before the erase" in p.hidden_area


def test_unknown_interface() -> None:
    r = _refusal(DriveFacts(model="?"))
    assert "interface is not stated" in r.reason
    assert _plan(DriveFacts(model="?"), "clear").method == "overwrite"


def test_profile_removes_a_method_the_drive_reports_but_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken-crypto.toml").write_text(
        'schema = 1\nid = "broken-crypto"\nversion = 3\nkind = "drive"\n[match]\nmodel = "^S$"\n'
        '[quirks]\nreported_but_fail = ["ata-sanitize-crypto"]\n[timeouts]\n"ata-sanitize-block" = 1200\n'
        '[test]\nmodel = "S"\nbus = "ata"\nexpect_purge = "ata-sanitize-block"\n')
    profs = profiles.load_all(tmp_path)
    p = _plan(DriveFacts(**SSD, sanitize_supported=True, sanitize_crypto=True, sanitize_block=True), profs=profs)
    assert p.method == "ata-sanitize-block" and p.profiles == ["broken-crypto@3"]
    assert any("reported but fails" in r for r in p.rationale)
    assert next(s for s in p.steps if s.action == "erase").timeout_s == 1200


def test_plans_and_refusals_serialise() -> None:
    planned, refused = plan_for(DriveFacts(**NVME), "purge"), plan_for(DriveFacts(bus="usb"), "purge")
    assert isinstance(planned, Plan) and isinstance(refused, Refusal)
    doc = json.loads(json.dumps(planned.to_dict()))
    assert (doc["kind"], doc["method"], doc["level"]) == ("plan", planned.method, "purge")
    assert [s["action"] for s in doc["steps"]] == [s.action for s in planned.steps]
    assert "facts" not in doc
    doc = json.loads(json.dumps(refused.to_dict()))
    assert (doc["kind"], doc["level"], doc["reason"]) == ("refusal", "purge", refused.reason)
    assert doc["alternatives"] == refused.alternatives and refused.reason


def test_unknown_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        plan_for(DriveFacts(), "destroy")


def test_refusal_names_the_missing_security_and_sanitize_feature_sets() -> None:
    facts = DriveFacts(bus="ata", model="QEMU HARDDISK", rotational=False, security_supported=False,
                       sanitize_supported=False)
    reason = _refusal(facts).reason
    assert "ATA Security feature set" in reason and "SANITIZE feature set" in reason


@pytest.mark.parametrize("facts", [
    DriveFacts(**HDD, enhanced_erase_supported=True, hpa_supported=True, dco_supported=True),
    DriveFacts(**{**HDD, "security_frozen": True}),
    DriveFacts(**NVME, sanitize_supported=None, nvme_namespaces=2, format_crypto_supported=True),
    DriveFacts(**SSD, sanitize_supported=False),
    DriveFacts(bus="usb", model="U", passthrough=False, usb_bridge="JMS578"),
    DriveFacts(bus="ata", model="L", security_locked=True),
    DriveFacts(bus="ata", model="R", sanitize_in_progress=True, sanitize_progress_percent=40),
    DriveFacts(bus="mmc", model="M"),
], ids=["hdd", "frozen", "nvme", "ssd-no-purge", "usb-bridge", "locked", "sanitizing", "mmc"])
def test_every_word_of_a_plan_is_kept_in_english_and_shown_translated(facts: DriveFacts) -> None:
    """The plan's reasons, steps and warnings were English on the Wipe panel and in `station wipe plan` in every
    language. They stay English in the plan (a job's files and its certificate keep them), and each reads back
    into a template the catalogues translate, so a sentence added without one fails here."""
    from station import i18n

    texts: list[str] = []
    for level in ("clear", "purge"):
        r = plan_for(facts, level)
        if isinstance(r, Refusal):
            texts += [r.reason, *(a for a in r.alternatives if not a.startswith("station "))]
        else:
            texts += [*r.rationale, *r.warnings, r.hidden_area, *(s.summary for s in r.steps),
                      *(s.reason for s in r.steps if s.reason not in ("Clear", "Purge"))]
    try:
        for lang in ("es", "pl"):
            i18n.use(lang)
            for text in texts:
                said = i18n.shown(text)
                assert said != text and "{" not in said, (lang, text)
    finally:
        i18n.use("en")
    assert all(i18n.shown(t) == t for t in texts)
