"""Walk the WHOLE real-drive corpus: every file parses, plans, and states what it says.

Expectations come from the files themselves (simple greps over each file's own text),
never from a list of file names, so new corpus files are checked the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from station.devices.drive.parsers import parse_file
from station.erase import plan, profiles

SKIP = {"README.md", "SOURCES.tsv"}


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in SKIP)


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")


def _hdparm_security_word(text: str, word: str) -> bool | None:
    """From an hdparm -I Security block: 'frozen' vs 'not frozen' (None when the block is absent)."""
    block = re.split(r"^Security:\s*$", text, maxsplit=1, flags=re.M)
    if len(block) < 2:
        return None
    for line in block[1].splitlines()[1:9]:
        words = line.split()
        if words == [word]:
            return True
        if words == ["not", word]:
            return False
    return None


def _expected(path: Path, text: str) -> dict[str, object]:
    """What the file itself states about the facts that matter."""
    exp: dict[str, object] = {}
    if path.suffix == ".json":
        doc = json.loads(text)
        sec = doc.get("ata_security") if isinstance(doc, dict) else None
        if isinstance(sec, dict):
            exp["security_frozen"] = sec.get("frozen")
            exp["security_enabled"] = sec.get("enabled")
        if isinstance(doc, dict) and isinstance(doc.get("rotation_rate"), int):
            exp["rotational"] = doc["rotation_rate"] > 0
        if isinstance(doc, dict) and isinstance(doc.get("sanicap"), int):
            exp["sanitize_crypto"] = bool(doc["sanicap"] & 1)
            exp["sanitize_block"] = bool(doc["sanicap"] & 2)
        protocol = (doc.get("device") or {}).get("protocol") if isinstance(doc, dict) else None
        if protocol == "NVMe":
            exp["bus"] = "nvme"
        return exp
    m = re.search(r"^ATA Security is:\s*(.*)$", text, re.M)
    if m:
        value = m.group(1).lower()
        if "frozen" in value:
            exp["security_frozen"] = "not frozen" not in value
        if value.startswith(("enabled", "disabled")):
            exp["security_enabled"] = value.startswith("enabled")
    if re.search(r"^Rotation Rate:\s*Solid State Device", text, re.M) or \
            re.search(r"Nominal Media Rotation Rate:\s*Solid State Device", text):
        exp["rotational"] = False
    elif re.search(r"^Rotation Rate:\s*\d+ rpm", text, re.M) or re.search(r"Nominal Media Rotation Rate:\s*\d+", text):
        exp["rotational"] = True
    if "Commands/features:" in text:
        exp["sanitize_supported"] = bool(re.search(r"^\s*\*?\s+SANITIZE feature set", text, re.M))
        exp["sanitize_crypto"] = "CRYPTO_SCRAMBLE_EXT command" in text
        exp["sanitize_block"] = "BLOCK_ERASE_EXT command" in text
        for word in ("frozen", "enabled", "locked", "supported"):
            state = _hdparm_security_word(text, word)
            if state is not None:
                exp[f"security_{word}"] = state
    sanicap = re.search(r"^sanicap\s*:\s*(0x[0-9a-fA-F]+|\d+)", text, re.M)
    if sanicap:
        value = int(sanicap.group(1), 0)
        exp["sanitize_crypto"] = bool(value & 1)
        exp["sanitize_block"] = bool(value & 2)
        exp["sanitize_overwrite"] = bool(value & 4)
    if re.search(r"^(NVMe Version|Number of Namespaces):", text, re.M) or "NVME Identify Controller" in text:
        exp["bus"] = "nvme"
    elif re.search(r"^Transport protocol:\s*SAS", text, re.M):
        exp["bus"] = "scsi"
    elif re.search(r"^Model Family:.*\(USB", text, re.M):
        exp["bus"] = "usb"
    elif re.search(r"^(S?ATA Version is):", text, re.M):
        exp["bus"] = "ata"
    progress = re.search(r"\(SSTAT\)\s*:\s*0x([0-9a-f]+)", text)
    if progress:
        exp["sanitize_in_progress"] = int(progress.group(1), 16) & 7 == 2
    return exp


def test_whole_corpus_parses_plans_and_states_the_facts_that_matter(corpus: Path) -> None:
    files = corpus_files(corpus)
    assert len(files) > 300, "the corpus should hold hundreds of real outputs"
    shipped = profiles.load_all()
    checked_fields = 0
    mismatches: list[str] = []
    for path in files:
        facts = parse_file(path)  # any exception is a bug: the test fails with it
        text = _text(path)
        for field, value in _expected(path, text).items():
            if value is None:
                continue
            checked_fields += 1
            if getattr(facts, field) != value:
                got = getattr(facts, field)
                mismatches.append(f"{path.relative_to(corpus)}: {field} is {got!r}, file says {value!r}")
        for level in plan.LEVELS:
            result = plan.plan_for(facts, level, shipped)
            if isinstance(result, plan.Refusal):
                assert result.reason, f"{path}: a refusal must give its reason"
            else:
                assert result.steps and result.rationale, f"{path}: a plan needs steps and a rationale"
                assert result.method_type == ("Clear" if level == "clear" else "Purge")
                assert any(s.action == "verify" for s in result.steps)
    assert not mismatches, "\n".join(mismatches[:30])
    assert checked_fields > 500


@pytest.mark.parametrize("folder", ["smartctl/ata", "smartctl/nvme", "smartctl/scsi", "smartctl/usb", "hdparm",
                                    "smartctl-json", "nvme-id-ctrl"])
def test_every_identity_is_read(corpus: Path, folder: str) -> None:
    """Each real report names a model and a size or firmware; the parser must find them."""
    files = corpus_files(corpus / folder)
    assert files
    for path in files:
        facts = parse_file(path)
        assert facts.model, f"{path}: no model read"
        assert facts.firmware or facts.size_bytes, f"{path}: neither firmware nor size read"
        assert facts.bus in ("ata", "nvme", "scsi", "usb"), f"{path}: bus {facts.bus!r}"


def test_purge_on_the_corpus_follows_the_preference_order(corpus: Path) -> None:
    """Spot the rules across all files: sanitize before security erase, no SE Purge on flash."""
    shipped = profiles.load_all()
    seen = set()
    for path in corpus_files(corpus):
        facts = profiles.apply(parse_file(path), profiles.find(shipped, parse_file(path)))
        result = plan.plan_for(facts, "purge", shipped)
        if isinstance(result, plan.Refusal):
            continue
        seen.add(result.method)
        if result.method.startswith("ata-security"):
            assert facts.is_flash is False, f"{path}: Security Erase chosen as Purge on non-HDD media"
            assert not facts.sanitize_supported, f"{path}: Security Erase chosen although SANITIZE is supported"
        if facts.sanitize_crypto and facts.bus in ("ata", "nvme"):
            assert result.method.endswith("sanitize-crypto"), f"{path}: crypto sanitize not preferred"
    assert {"ata-sanitize-crypto", "ata-security-erase"} <= seen or {"nvme-format-crypto"} <= seen
