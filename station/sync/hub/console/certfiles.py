"""Which blobs are certificates, and the checks on them that /verify and the console show.

Stations upload a certificate's JSON and PDF as plain content-addressed blobs. `catch_up`
looks once at each blob completed since the newest one already looked at, and files the
certificate ones under (station, certificate id). A certificate is checked with the station's
own offline verifier (station.certs.verify); the key it must be signed with is the one
whose fingerprint the issuing station put in its chained `certificate.issued` event, which
reached the hub over that station's authenticated upload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station import events
from station.certs import keys
from station.certs import verify as cert_verify
from station.sync.hub import blobstore
from station.sync.hub.models import HubBlob, HubCertificate, HubCertificateFile, HubEvent, HubIncident
from station.sync.hub.objects import ObjectStore

MAX_CERT_FILE = 8 * 1024 * 1024
BATCH = 500


def _read(objects: ObjectStore, sha256: str, limit: int) -> bytes:
    out, n = [], 0
    for chunk in blobstore.read(objects, sha256):
        out.append(chunk)
        n += len(chunk)
        if n >= limit:
            break
    return b"".join(out)[:limit]


def _classify(objects: ObjectStore, sha256: str, size: int) -> tuple[str | None, str | None, str | None]:
    """(format, station, certificate id) of a blob; (None, None, None) for anything that is not a certificate."""
    if size > MAX_CERT_FILE:
        return None, None, None
    head = _read(objects, sha256, 8)
    if not (head.startswith(b"%PDF") or head.startswith(b"{")):
        return None, None, None
    raw, from_pdf = cert_verify.extract(_read(objects, sha256, size))
    try:
        env = json.loads(raw or b"")
        cert_id, station = env["certificate"]["id"], env["event"]["station"]
    except (ValueError, KeyError, TypeError):
        return None, None, None
    if not isinstance(cert_id, str) or not isinstance(station, str):
        return None, None, None
    return ("pdf" if from_pdf else "json"), station[:64], cert_id[:64]


def catch_up(s: Session, objects: ObjectStore) -> int:
    """File the blobs completed since the last look; returns how many were looked at."""
    since = s.execute(select(func.max(HubCertificateFile.completed_at))).scalar()
    q = select(HubBlob.sha256, HubBlob.size, HubBlob.completed_at).where(HubBlob.complete)
    if since is not None:
        q = q.where(HubBlob.completed_at >= since)
    found = s.execute(q.order_by(HubBlob.completed_at).limit(BATCH * 2)).all()
    known = set(s.execute(select(HubCertificateFile.sha256).where(
        HubCertificateFile.sha256.in_([r.sha256 for r in found]))).scalars()) if found else set()
    n = 0
    for sha, size, completed in found:
        if sha in known or n >= BATCH:
            continue
        fmt, station, cert_id = _classify(objects, sha, size)
        s.execute(pg_insert(HubCertificateFile).values(sha256=sha, station_id=station, cert_id=cert_id, format=fmt,
                                                       completed_at=completed).on_conflict_do_nothing())
        n += 1
    return n


def file_of(s: Session, station: str, cert_id: str, fmt: str) -> str | None:
    """The sha256 of a certificate's JSON or PDF as its station uploaded it."""
    return s.execute(select(HubCertificateFile.sha256).where(
        HubCertificateFile.station_id == station, HubCertificateFile.cert_id == cert_id,
        HubCertificateFile.format == fmt).limit(1)).scalar_one_or_none()


def content(objects: ObjectStore, sha256: str) -> bytes:
    return b"".join(blobstore.read(objects, sha256))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checks: list[cert_verify.Check]
    certificate: dict[str, Any] | None  # what the certificate states
    station: str | None
    issued_at: datetime | None


def verify(s: Session, data: bytes) -> Verdict:
    """Check a certificate file against the key its issuing station announced to this hub."""
    raw, _pdf = cert_verify.extract(data)
    station, cert_id = None, None
    try:
        env = json.loads(raw or b"")
        station, cert_id = str(env["event"]["station"]), str(env["certificate"]["id"])
        public = keys.public_from_b64(env["signature"]["public_key"])
    except (ValueError, KeyError, TypeError):
        public = None
    record = s.get(HubCertificate, (station, cert_id)) if station and cert_id else None
    trusted = public if (record is not None and public is not None
                         and keys.fingerprint(public) == record.payload.get("key_fingerprint")) else None

    def lookup(st: str, seq: int) -> tuple[dict[str, Any], events.ChainReport] | None:
        ev = s.get(HubEvent, (st, seq))
        if ev is None:
            return None
        broken = s.execute(select(HubIncident.detail).where(
            HubIncident.station_id == st, HubIncident.seq <= seq, HubIncident.resolved_at.is_(None),
            HubIncident.kind.in_(("fork", "altered"))).limit(1)).scalar_one_or_none()
        # every event was checked against the one before it when it arrived; an open fork says otherwise
        return {"hash": ev.hash}, events.ChainReport(broken is None, seq, broken)

    report = cert_verify.verify_bytes(data, trusted=trusted, lookup=lookup)
    if record is None:
        report.add("hub", False, "this hub has no record of this certificate from the station it names")
    elif trusted is None:
        report.add("hub", False, "the certificate is not signed with the key its station announced to this hub")
    else:
        report.add("hub", True, f"issued by station {station} with the key it announced "
                                f"({record.payload.get('key_fingerprint')}), recorded on {record.issued_at:%Y-%m-%d}")
    env = report.envelope or {}
    return Verdict(report.ok, report.checks, env.get("certificate") if isinstance(env, dict) else None,
                   station if record is not None else None, record.issued_at if record is not None else None)
