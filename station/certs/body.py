"""The content of a certificate of sanitization (schema v2, see docs/certificate-schema.md).

Sanitization follows NIST SP 800-88 Rev. 2 (September 2025, which replaced Rev. 1) with
IEEE 2883-2022 techniques per media type. Every field of the Rev. 1 Appendix G sample
certificate is kept under `appendix_g`, filled from the job result, the unit, the
signed-in operator and the `org.*` / `cert.*` settings. Validation is a second person's:
it is never filled in with the performer's name (see cert_validation).
The rest is the evidence behind it: drive facts, HPA/DCO, SMART, every command run,
error and retried ranges, the throughput profile, times, station and host.

A result that is not `sanitized` gets a different title and a post-sanitization
classification saying the media was NOT sanitized: it can never read as a certificate.
"""

from __future__ import annotations

import platform
import secrets
from pathlib import Path
from typing import Any

from station import __version__, clock
from station.certs import validation as cert_validation
from station.certs.result import WipeResult, hidden_area_left
from station.config import Config
from station.i18n import N_

SCHEMA = "triage-station/certificate-of-sanitization"
SCHEMA_VERSION = 2  # 2: RFC 8785 canonical form, event and signing time signed, PAdES PDF
TITLE_OK = N_("Certificate of Sanitization")  # English in the signed JSON; the PDF translates the title
DMI_FIELDS = ("sys_vendor", "product_name", "product_version", "product_serial", "product_uuid",
              "board_vendor", "board_name", "bios_vendor", "bios_version", "bios_date", "chassis_type")

# How a method name maps to Appendix G "method used" when the engine did not say.
_TECHNIQUE_LABEL = {
    "overwrite": "Overwrite",
    "block erase": "Block Erase",
    "crypto erase": "Cryptographic Erase",
    "format nvm": "NVMe Format (User Data Erase / Cryptographic Erase)",
    "factory reset": "Factory Reset (device-managed cryptographic erase)",
    "factory reset (unencrypted)": "Factory Reset (data partition reformatted; the phone was not encrypted)",
    "security erase": "ATA Security Erase",
}


def new_id() -> str:
    """'C-20261123-7KQ2M9XH4P': sortable by day, 50 random bits, unambiguous to read out."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"C-{clock.now().strftime('%Y%m%d')}-" + "".join(secrets.choice(alphabet) for _ in range(10))


def host_dmi(root: Path = Path("/sys/class/dmi/id")) -> dict[str, str]:
    """The bench computer's DMI identity; unreadable fields (serials need root) are left out."""
    out: dict[str, str] = {}
    for name in DMI_FIELDS:
        try:
            value = (root / name).read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if value:
            out[name] = value
    return out


SIMULATED_PREFIX = "SIMULATED (demo mode, no real device): "


def is_simulated(result: WipeResult, demo: bool) -> bool:
    """A demo station's wipe, or a wipe of a simulated device (a demo bay) on any station."""
    return demo or result.media.extra.get("simulated") is True


def title_for(result: WipeResult) -> str:
    """What the document is, in one line; only a sanitized result is titled a certificate."""
    if result.sanitized:
        return TITLE_OK
    if result.status.value != "FINISHED":
        return f"Sanitization report: {result.status.value}, media NOT sanitized"
    v = result.verification
    if v is None or v.mode == "none":
        return N_("Sanitization report: NOT VERIFIED, media NOT sanitized")
    if not v.passed:
        return N_("Sanitization report: VERIFICATION FAILED, media NOT sanitized")
    if hidden_area_left(result.media.hpa_dco):
        return N_("Sanitization report: HIDDEN AREA NOT ERASED, media NOT sanitized")
    return N_("Sanitization report: FAILED, media NOT sanitized")


def _method_details(result: WipeResult) -> str:
    parts = []
    if result.passes:
        parts.append("passes: " + ", ".join(result.passes))
    if result.bytes_written:
        parts.append(f"{result.bytes_written} bytes written")
    if result.media.size_bytes:
        parts.append(f"media size {result.media.size_bytes} bytes")
    if result.key_sha256:
        parts.append(f"per-job key sha256 {result.key_sha256}")
    firmware = result.media.extra.get("plan")
    if isinstance(firmware, dict) and firmware.get("steps"):
        parts.append("firmware plan: " + "; ".join(str(s.get("summary", "")) for s in firmware["steps"]))
    means = result.media.extra.get("erase_means")
    if means:
        parts.append(f"erase performed by: {means}")
    if result.reason:
        parts.append(f"outcome: {result.reason}")
    return ". ".join(parts) or result.method


def _verification_method(result: WipeResult) -> str:
    v = result.verification
    if v is None:
        return "none: not verified"
    label = {"full": "Full verification", "sample": "Sampling verification",
             "firmware-markers": "Firmware erase marker check with sampling", "none": "Not verified",
             "adb-setup-wizard": "Post-reset check over USB debugging: setup wizard state, no accounts, no user data",
             "visual-photo": "Technician's visual confirmation of the setup wizard, with a photo",
             "ios-setup-assistant": "Post-erase check over lockdownd: the same serial back in Setup Assistant, "
                                    "unactivated, with no Find My, passcode or profiles"}
    text = label.get(v.mode, v.mode)
    if v.percent_of_media:
        text += f" ({v.percent_of_media:.2f}% of the media read back"
        text += f", expected {v.expected})" if v.expected else ")"
    return text + (": passed" if v.passed else ": FAILED")


def hidden_area_statement(hpa_dco: dict[str, Any]) -> str:
    """What the certificate says about HPA/DCO: reset and erased, absent, or NOT erased."""
    if not hpa_dco:
        return "HPA/DCO state was not read for this media; any hidden area was not verified as erased."
    left = hidden_area_left(hpa_dco)
    if left:
        return left[0].upper() + left[1:] + "."
    if hpa_dco.get("hidden_area_erased") is True or hpa_dco.get("hpa_reset"):
        return "Hidden areas (HPA/DCO) were reset before sanitization and were erased with the rest of the media."
    if hpa_dco.get("hpa_enabled") is False and hpa_dco.get("dco_restricted") in (False, None):
        return "No HPA was found; the whole native capacity was addressed."
    return "HPA/DCO state: " + ", ".join(f"{k}={v}" for k, v in sorted(hpa_dco.items()))


def build(
    config: Config,
    result: WipeResult,
    *,
    cert_id: str,
    station_id: str,
    operator: dict[str, Any] | None,
    unit: dict[str, Any] | None,
    key_fingerprint: str,
    chain: dict[str, Any],
    dmi: dict[str, str] | None = None,
    simulated: bool = False,
) -> dict[str, Any]:
    """The certificate document (unsigned), with only JSON-native values. `simulated`: issued for a demo
    mode's simulated device, so it certifies no real erase; it is signed like the rest and says so in its title."""
    media, issued = result.media, clock.iso()
    unit = unit or {}
    org = config["org.name"]
    performer = (operator or {}).get("name") or "unknown operator"
    sanitized = result.sanitized
    identifiers = unit.get("identifiers") or {}
    technique = _TECHNIQUE_LABEL.get(result.technique, result.technique or result.method)
    notes = list(result.notes)
    if media.kind != "mobile device":  # phones have no HPA/DCO
        notes.append(hidden_area_statement(media.hpa_dco))
    if not sanitized:
        why = result.shortfall() or result.status.value
        notes.append(f"NOT SANITIZED: {why}" + (f". {result.reason}" if result.reason and result.reason != why else ""))
    appendix_g = {
        "person": {
            "name": performer,
            "title": config["cert.performer_title"],
            "organization": org,
            "location": config["station.location"] or config["org.address"],
            "phone": config["org.phone"],
        },
        "media": {
            "make_vendor": media.vendor,
            "model": media.model,
            "serial_number": media.serial,
            "media_property_number": identifiers.get("asset_tag") or unit.get("uid") or "",
            "media_type": _media_type(result),
            "source": unit.get("source") or config["cert.customer_name"] or "",
            "classification": config["cert.media_classification"],
            "data_backed_up": config["cert.data_backed_up"],
            "backup_location": config["cert.backup_location"],
        },
        "sanitization": {
            "method_type": result.method_type,
            "method_used": technique,
            "method_details": _method_details(result),
            "tool_used": result.tool,
            "tool_version": f"triage-station {__version__}",
            "verification_method": _verification_method(result),
            "post_sanitization_classification": (
                config["cert.post_classification"] if sanitized
                else "NOT SANITIZED: the original classification still applies"
            ),
            "notes": " ".join(notes),
        },
        "media_destination": config["cert.media_destination"] if sanitized else "Quarantine: not sanitized",
        "signature": {
            "method": "Ed25519 digital signature by the station key",
            "key_fingerprint": key_fingerprint,
            "signed_for": performer,
            "date": issued[:10],
        },
        "validation": cert_validation.block(config, performer, org, issued),
    }
    v = result.verification
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "id": cert_id,
        "title": (SIMULATED_PREFIX if simulated else "") + title_for(result)
        + (cert_validation.PENDING_SUFFIX if sanitized and cert_validation.required(config) else ""),
        "sanitized": sanitized,
        "simulated": simulated,
        "outcome": result.status.value,
        "issued_at": issued,
        "standards": STANDARDS,
        "appendix_g": appendix_g,
        "drive": {
            "path": media.path, "kind": media.kind, "bus": media.bus, "vendor": media.vendor,
            "model": media.model, "serial": media.serial, "firmware": media.firmware,
            "size_bytes": media.size_bytes, "logical_sector": media.logical_sector,
            "physical_sector": media.physical_sector, "rotational": media.rotational, "extra": media.extra,
        },
        "hpa_dco": {**media.hpa_dco, "statement": hidden_area_statement(media.hpa_dco)},
        "smart": media.smart,
        "job": {
            "id": result.job_id, "method": result.method, "method_type": result.method_type,
            "technique": result.technique, "status": result.status.value, "reason": result.reason,
            "passes": result.passes, "bytes_written": result.bytes_written, "key_sha256": result.key_sha256,
            "started_at": result.started_at, "ended_at": result.ended_at,
        },
        "verification": None if v is None else {
            "mode": v.mode, "passed": v.passed, "bytes_read": v.bytes_read, "ranges_read": v.ranges_read,
            "percent_of_media": v.percent_of_media, "expected": v.expected,
            "mismatches": [list(m) for m in v.mismatches], "detail": v.detail,
        },
        "commands": [
            {"argv": c.argv, "exit_code": c.exit_code, "output": c.output, "started_at": c.started_at,
             "seconds": c.seconds}
            for c in result.commands
        ],
        "errors": {"bad_ranges": [list(r) for r in result.bad_ranges],
                   "retried_ranges": [list(r) for r in result.retried_ranges]},
        "throughput": [list(t) for t in result.throughput],
        "station": {
            "id": station_id, "name": config["station.name"], "location": config["station.location"],
            "software": f"triage-station {__version__}", "python": platform.python_version(),
            "host": platform.node(), "host_dmi": host_dmi() if dmi is None else dmi,
        },
        "unit": unit or None,
        "operator": operator,
        "organization": {"name": org, "phone": config["org.phone"], "address": config["org.address"]},
        "customer": {"name": config["cert.customer_name"]},
        "chain": chain,
    }
    return body


STANDARDS = {
    "sanitization": "NIST SP 800-88 Rev. 2 (September 2025)",
    "techniques": "IEEE 2883-2022 (sanitization methods per media type and interface)",
    "record": "every field of the NIST SP 800-88 Rev. 1 Appendix G sample certificate",
}


def _media_type(result: WipeResult) -> str:
    m = result.media
    if m.kind != "drive":
        return m.kind.capitalize()
    if m.bus == "nvme":
        return "Flash memory (NVMe SSD)"
    if m.rotational is True:
        return "Magnetic (hard disk drive)"
    if m.rotational is False:
        return "Flash memory (solid state drive)"
    return f"Drive ({m.bus or 'unknown bus'})"
