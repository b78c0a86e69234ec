"""Certificates: issued in one transaction, signed, chained, and every tampering caught."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from station import cli, events
from station.certs import certificate, keys
from station.certs import verify as cert_verify
from station.certs.result import CommandRecord, MediaFacts, Status, Verification, WipeResult
from station.models import Certificate, Event, Outbox
from station.units import create

APPENDIX_G = {
    "person": ["name", "title", "organization", "location", "phone"],
    "media": ["make_vendor", "model", "serial_number", "media_property_number", "media_type", "source",
              "classification", "data_backed_up", "backup_location"],
    "sanitization": ["method_type", "method_used", "method_details", "tool_used", "tool_version",
                     "verification_method", "post_sanitization_classification", "notes"],
    "validation": ["name", "title", "organization", "date"],
    "signature": ["method", "key_fingerprint", "signed_for"],
}
EVIDENCE = ["drive", "hpa_dco", "smart", "commands", "errors", "throughput", "job", "verification", "station",
            "unit", "operator", "chain", "issued_at"]


def result(status: Status = Status.FINISHED, passed: bool = True, **kw: object) -> WipeResult:
    media = MediaFacts(path="/dev/sdz", bus="ata", vendor="Acme", model="AC-1000", serial="SN123", firmware="F1",
                       size_bytes=1 << 30, rotational=True, hpa_dco={"hpa_enabled": False, "dco_supported": True},
                       smart={"smart_passed": True, "power_on_hours": 1234})
    base = dict(
        job_id="J-1", media=media, method="purge", method_type="Purge", technique="security erase", status=status,
        reason="" if status is Status.FINISHED else "drive vanished at 40%",
        verification=Verification(mode="firmware-markers", passed=passed, percent_of_media=10.0, expected="zero"),
        commands=[CommandRecord(["hdparm", "--security-erase", "PASS", "/dev/sdz"], 0, "ok", "2026-01-01T00:00:00Z",
                                61.5)],
        throughput=[(1.0, 100_000_000), (2.0, 200_000_000)], started_at="2026-01-01T00:00:00Z",
        ended_at="2026-01-01T00:01:02Z", retried_ranges=[(4096, 512)],
    )
    base.update(kw)
    return WipeResult(**base)  # type: ignore[arg-type]


@pytest.fixture
def configured(ctx):  # type: ignore[no-untyped-def]
    ctx.config.set("org.name", "Acme Recycling")
    ctx.config.set("org.phone", "+1 555 0100")
    ctx.config.set("station.location", "Bench 4, Building B")
    ctx.config.set("cert.customer_name", "Big Bank")
    return ctx


def _trusted(ctx) -> keys.Ed25519PublicKey:  # type: ignore[no-untyped-def]
    return keys.load_or_create(ctx.data).public


def test_issue_writes_row_event_blobs_and_files(configured) -> None:  # type: ignore[no-untyped-def]
    ctx = configured
    with ctx.store.session() as s:
        uid = create(s, ctx.actor, {"serial": "SN123", "asset_tag": "AT-00042"}).uid
    issued = certificate.issue(ctx, result(), uid)
    assert issued.sanitized and issued.json_path.exists() and issued.pdf_path and issued.pdf_path.exists()
    with ctx.store.reader() as s:
        row = s.get(Certificate, issued.id)
        assert row is not None and row.sha256 == issued.sha256 and row.sanitized
        ev = s.execute(select(Event).where(Event.kind == "certificate.issued")).scalar_one()
        assert json.loads(ev.payload)["sha256"] == issued.sha256 and ev.unit_uid == uid
        blobs = {o.ref for o in s.execute(select(Outbox).where(Outbox.kind == "blob")).scalars()}
        assert len(blobs) == 2 and all((ctx.data.blobs / b).exists() for b in blobs)
        assert events.verify_store_chain(s).ok
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert doc["title"] == "Certificate of Sanitization" and doc["sanitized"] is True
    assert doc["appendix_g"]["media"]["media_property_number"] == "AT-00042"
    assert doc["appendix_g"]["person"]["organization"] == "Acme Recycling"
    report = cert_verify.verify_bytes(issued.json_path.read_bytes(), trusted=_trusted(ctx))
    assert report.ok, report.checks


def test_every_appendix_g_field_and_the_evidence_are_present(configured) -> None:  # type: ignore[no-untyped-def]
    issued = certificate.issue(configured, result(), None)
    doc = json.loads(issued.json_path.read_text())["certificate"]
    g = doc["appendix_g"]
    for section, names in APPENDIX_G.items():
        for name in names:
            assert name in g[section], f"Appendix G {section}.{name} missing"
            assert g[section][name] is not None
    assert g["media_destination"]
    for key in EVIDENCE:
        assert key in doc, key
    assert doc["commands"][0]["argv"][:2] == ["hdparm", "--security-erase"]
    assert doc["errors"]["retried_ranges"] == [[4096, 512]]
    assert doc["smart"]["power_on_hours"] == 1234 and doc["station"]["id"] == configured.station_id
    assert "host_dmi" in doc["station"]


def test_every_single_byte_change_is_caught(configured) -> None:  # type: ignore[no-untyped-def]
    issued = certificate.issue(configured, result(), None)
    data = issued.json_path.read_bytes()
    trusted = _trusted(configured)
    assert cert_verify.verify_bytes(data, trusted=trusted).ok
    step = max(1, len(data) // 600)
    positions = sorted(set(range(0, len(data), step)) | {len(data) - 1, len(data) - 2})
    for pos in positions:
        for new in {data[pos] ^ 0x01, ord(" ") if data[pos] != ord(" ") else ord("\t")}:
            tampered = data[:pos] + bytes([new]) + data[pos + 1:]
            assert not cert_verify.verify_bytes(tampered, trusted=trusted).ok, f"byte {pos} -> {new!r} not caught"


def test_wrong_or_missing_key_fails(configured) -> None:  # type: ignore[no-untyped-def]
    data = certificate.issue(configured, result(), None).json_path.read_bytes()
    other = Ed25519PrivateKey.generate().public_key()
    wrong = cert_verify.verify_bytes(data, trusted=other)
    assert not wrong.ok and "not by the trusted key" in {c.name: c.detail for c in wrong.checks}["signature"]
    assert not cert_verify.verify_bytes(data, trusted=None).ok


def test_resigned_with_another_key_fails_against_the_station_key(configured) -> None:  # type: ignore[no-untyped-def]
    import base64
    env = json.loads(certificate.issue(configured, result(), None).json_path.read_text())
    forger = Ed25519PrivateKey.generate()
    env["certificate"]["sanitized"] = True
    signed = certificate.canonical_bytes(env["certificate"])
    env["signature"]["value"] = base64.b64encode(forger.sign(signed)).decode()
    env["signature"]["public_key"] = base64.b64encode(keys.raw_public(forger.public_key())).decode()
    assert not cert_verify.verify_bytes(certificate.file_bytes(env), trusted=_trusted(configured)).ok


@pytest.mark.parametrize(("status", "passed"), [(Status.FAILED, False), (Status.INTERRUPTED, False),
                                           (Status.ABORTED, False), (Status.FINISHED, False)])
def test_failed_or_interrupted_never_says_sanitized(configured, status: Status, passed: bool) -> None:  # type: ignore[no-untyped-def]
    issued = certificate.issue(configured, result(status, passed), None)
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert issued.sanitized is False and doc["sanitized"] is False
    assert doc["title"] != "Certificate of Sanitization" and "NOT sanitized" in doc["title"]
    assert doc["appendix_g"]["sanitization"]["post_sanitization_classification"].startswith("NOT SANITIZED")
    assert "Quarantine" in doc["appendix_g"]["media_destination"]
    assert cert_verify.verify_bytes(issued.json_path.read_bytes(), trusted=_trusted(configured)).ok


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("passed", [True, False])
def test_the_unit_and_the_hub_name_the_outcome_alike(status: Status, passed: bool) -> None:
    from station.sync.hub.shift_export import wipe_status
    r = result(status, passed)
    expected = {Status.INTERRUPTED: "interrupted", Status.ABORTED: "aborted"}.get(status, "failed")
    assert r.unit_status == ("sanitized" if status is Status.FINISHED and passed else expected)
    # The hub rebuilds wipe_status from the wipe's event, the station from the result itself.
    assert wipe_status({"status": r.status.value, "sanitized": r.sanitized}) == r.unit_status


@settings(max_examples=40, deadline=None)
@given(status=st.sampled_from(list(Status)), passed=st.booleans(), verified=st.booleans(),
       bad=st.booleans(), mtype=st.sampled_from(["Clear", "Purge", "none"]))
def test_title_follows_sanitized_for_any_outcome(status: Status, passed: bool, verified: bool, bad: bool,
                                                 mtype: str) -> None:
    from station.certs import body as cert_body
    from station.config import Config
    r = result(status, passed, method_type=mtype, bad_ranges=[(0, 512)] if bad else [])
    if not verified:
        r.verification = None
    doc = cert_body.build(Config(), r, cert_id="C-1", station_id="s", operator=None, unit=None,
                          key_fingerprint="f", chain={}, dmi={})
    assert doc["sanitized"] is r.sanitized
    assert (doc["title"] == "Certificate of Sanitization") is r.sanitized


def test_pdf_qr_decodes_to_id_and_hash(configured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    import cv2

    issued = certificate.issue(configured, result(), None)
    assert issued.pdf_path is not None
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(issued.pdf_path),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(cv2.imread(str(page)))
    assert text == f"triage-station-cert:v1:{issued.id}:{issued.sha256}"  # docs/certificate-schema.md


def test_pdf_qr_opens_the_sites_verify_page_when_one_is_set(configured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    import cv2

    configured.config.set("cert.verify_url", "https://hub.example/verify/")
    issued = certificate.issue(configured, result(), None)
    assert issued.pdf_path is not None
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(issued.pdf_path),
                    str(tmp_path / "page")], check=True, timeout=60)
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(cv2.imread(str(next(tmp_path.glob("page*.png")))))
    assert text == f"https://hub.example/verify/{issued.id}"


def test_pdf_verifies_and_an_edited_pdf_does_not(configured) -> None:  # type: ignore[no-untyped-def]
    issued = certificate.issue(configured, result(), None)
    assert issued.pdf_path is not None
    pdf = issued.pdf_path.read_bytes()
    trusted = _trusted(configured)
    assert cert_verify.verify_bytes(pdf, trusted=trusted).ok
    edited = pdf.replace(b"/Title", b"/Titlf", 1)
    assert edited != pdf
    assert not cert_verify.verify_bytes(edited, trusted=trusted).ok
    assert not cert_verify.verify_bytes(b"%PDF-1.4 not really", trusted=trusted).ok


def test_cli_verify_show_export_and_chain_tampering(configured, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ctx = configured
    issued = certificate.issue(ctx, result(), None)
    d = str(ctx.data.root)
    assert cli.main(["--data-dir", d, "cert", "verify", str(issued.json_path)]) == 0
    assert cli.main(["--data-dir", d, "cert", "verify", str(issued.pdf_path)]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "is in the station log" in out
    assert cli.main(["--data-dir", d, "cert", "show", str(issued.pdf_path)]) == 0
    assert issued.id in capsys.readouterr().out
    pem = tmp_path / "station.pub.pem"
    assert cli.main(["--data-dir", d, "cert", "export-key", "--out", str(pem)]) == 0
    assert keys.load_or_create(ctx.data).fingerprint in capsys.readouterr().out
    other = tmp_path / "other.pem"
    other.write_bytes(keys.public_pem(Ed25519PrivateKey.generate().public_key()))
    assert cli.main(["--data-dir", d, "cert", "verify", "--key", str(other), str(issued.json_path)]) == 1
    assert "NOT VALID" in capsys.readouterr().out
    # Edit an earlier event in the log: the certificate's chain no longer checks out.
    with ctx.store.session() as s:
        first = s.execute(select(Event).order_by(Event.seq).limit(1)).scalar_one()
        first.payload = first.payload.replace("}", ',"x":1}', 1)
    assert cli.main(["--data-dir", d, "cert", "verify", "--key", str(pem), str(issued.json_path)]) == 1
    assert "log is broken" in capsys.readouterr().out


def test_batch_summary_pdf(configured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    a = certificate.issue(configured, result(), None)
    b = certificate.issue(configured, result(Status.FAILED, False), None)
    out = tmp_path / "batch.pdf"
    assert cli.main(["--data-dir", str(configured.data.root), "cert", "batch", "--title", "Lot LOT-7",
                     "--out", str(out), str(a.json_path), str(b.pdf_path)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    flat = "".join(text.split())
    assert "Lot LOT-7" in text and a.id in flat and b.id in flat and "1 NOT sanitized" in text


def test_station_key_is_private_and_stable(ctx) -> None:  # type: ignore[no-untyped-def]
    k1 = keys.load_or_create(ctx.data)
    assert stat.S_IMODE(os.stat(k1.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ctx.data.keys).st_mode) == 0o700
    os.chmod(k1.path, 0o644)
    k2 = keys.load_or_create(ctx.data)
    assert k2.fingerprint == k1.fingerprint and stat.S_IMODE(os.stat(k1.path).st_mode) == 0o600
    assert len(k1.fingerprint.split(":")) == 16


@pytest.mark.parametrize(("hpa_dco", "words"), [
    ({}, "was not read"),
    ({"hpa_enabled": True, "hpa_hidden_sectors": 2048}, "2048 sectors) is present and was NOT erased"),
    ({"dco_restricted": True, "hpa_enabled": False}, "was NOT erased"),
    ({"hpa_checked": True, "hpa_reset": True, "hidden_area_erased": True}, "were reset before sanitization"),
    ({"hpa_enabled": False, "dco_restricted": False}, "No HPA was found"),
])
def test_hidden_area_statement(hpa_dco: dict[str, object], words: str) -> None:
    from station.certs.body import hidden_area_statement
    assert words in hidden_area_statement(hpa_dco)


def test_batch_summary_for_a_lot(configured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from station import clock
    from station.models import Lot, LotUnit
    ctx = configured
    with ctx.store.session() as s:
        uids = [create(s, ctx.actor, {"serial": f"SN-L{i}"}).uid for i in range(2)]
    first = certificate.issue(ctx, result(Status.FAILED, False), uids[0])
    again = certificate.issue(ctx, result(), uids[0])  # the unit was wiped again: the newest counts
    other = certificate.issue(ctx, result(), uids[1])
    with ctx.store.session() as s:
        from station.units import by_uid
        lot = Lot(code="LOT-9", created_at=clock.iso())
        s.add(lot)
        s.flush()
        for uid in uids:
            unit = by_uid(s, uid)
            assert unit is not None
            s.add(LotUnit(lot_id=lot.id, unit_id=unit.id, added_at=clock.iso()))
    out = tmp_path / "lot.pdf"
    d = str(ctx.data.root)
    assert cli.main(["--data-dir", d, "cert", "batch", "--lot", "LOT-9", "--out", str(out)]) == 0
    flat = "".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True,
                                  timeout=60).stdout.split())
    assert again.id in flat and other.id in flat and first.id not in flat
    assert cli.main(["--data-dir", d, "cert", "batch", "--lot", "LOT-NONE", "--out", str(out)]) == 2


def test_pdf_with_the_customer_logo(configured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from PIL import Image
    logo = tmp_path / "logo.png"
    Image.new("RGB", (400, 120), (200, 30, 30)).save(logo)
    configured.config.set("cert.customer_logo", str(logo))
    issued = certificate.issue(configured, result(), None)
    assert issued.pdf_path is not None
    info = subprocess.run(["pdfimages", "-list", str(issued.pdf_path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    sizes = {tuple(line.split()[3:5]) for line in info.splitlines()[2:] if len(line.split()) > 5}
    assert ("400", "120") in sizes, info


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]


def test_a_demo_certificate_says_simulated_in_its_pdf_json_and_verify(configured, capsys) -> None:  # type: ignore[no-untyped-def]
    ctx = configured
    d = str(ctx.data.root)
    real = certificate.issue(ctx, result(), None)
    ctx.demo = True
    demo = certificate.issue(ctx, result(), None)
    ctx.demo = False
    bay = certificate.issue(ctx, result(media=MediaFacts(path="/data/sim-bays/bay1.img", bus="ata", vendor="Simulated",
                                                          serial="SIM-1", extra={"simulated": True})), None)

    for issued in (demo, bay):  # a demo station, or a simulated device on any station
        body = json.loads(issued.json_path.read_bytes())["certificate"]
        assert body["simulated"] is True and body["title"].startswith("SIMULATED")
        pages = _pdf_pages(issued.pdf_path)
        assert pages and all("no real device was erased" in page for page in pages)  # the watermark, every page
        for path in (issued.json_path, issued.pdf_path):
            assert cli.main(["--data-dir", d, "cert", "verify", str(path)]) == 3
            out = capsys.readouterr().out
            assert "ok   simulated: SIMULATED" in out and out.rstrip().splitlines()[-1].startswith("SIMULATED")
    body = json.loads(real.json_path.read_bytes())["certificate"]
    assert body["simulated"] is False and not any("SIMULATED" in page for page in _pdf_pages(real.pdf_path))
    assert cli.main(["--data-dir", d, "cert", "verify", str(real.json_path)]) == 0
    assert "SIMULATED" not in capsys.readouterr().out

    # The mark is signed: dropping it from a demo certificate, or adding it to a real one, breaks the certificate.
    for issued, value in ((demo, False), (real, True)):
        env = json.loads(issued.json_path.read_bytes())
        env["certificate"]["simulated"] = value
        issued.json_path.write_bytes(certificate.file_bytes(env))
        assert cli.main(["--data-dir", d, "cert", "verify", str(issued.json_path)]) == 1
        assert "NOT VALID" in capsys.readouterr().out


def test_a_certificate_cannot_say_real_for_simulated_media() -> None:
    """What the verifier holds the signed fields to, should a signer write a mixed document."""
    body = {"simulated": False, "title": certificate.cert_body.TITLE_OK, "drive": {"extra": {"simulated": True}}}
    report = cert_verify.Report()
    cert_verify._check_simulated(report, body, {"payload": {}})
    assert not report.ok and not report.simulated
    for said, chained in ((True, False), (False, True), ("yes", True)):
        report = cert_verify.Report()
        body = {"simulated": said, "title": cert_verify.SIMULATED_PREFIX + "x", "drive": {"extra": {}}}
        cert_verify._check_simulated(report, body, {"payload": {"simulated": chained}})
        assert not report.ok, (said, chained)
    older = cert_verify.Report()  # a demo certificate from before the field: its media still says so
    cert_verify._check_simulated(older, {"title": "x", "drive": {"extra": {"simulated": True}}}, {"payload": {}})
    assert older.simulated
