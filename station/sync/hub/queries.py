"""Read side for supervisors and integrations: unit history, certificates, summaries across stations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from station import clock
from station.events import GENESIS, event_hash
from station.sync.hub.models import HubCertificate, HubEvent, HubIncident, HubStation, HubUnitKey
from station.sync.hub.sites import in_site

# Event kinds counted per station and per shift (work done, not every scan).
COUNTED = ("unit.created", "grade.recorded", "wipe.finished", "certificate.issued", "route.assigned",
           "label.printed", "unit.finished")


def _event(e: HubEvent) -> dict[str, Any]:
    return {"station": e.station_id, "seq": e.seq, "kind": e.kind, "unit": e.unit_uid, "at": clock.iso(e.at),
            "operator": e.operator_name, "payload": e.payload, "hash": e.hash, "received_at": clock.iso(e.received_at)}


def unit_history(s: Session, value: str, kind: str | None = None, limit: int = 1000,
                 site: str | None = None) -> dict[str, Any]:
    """Every event of every unit (at any station of `site`) that answered to `value` (serial, IMEI, uid...)."""
    q = select(HubUnitKey.station_id, HubUnitKey.unit_uid).where(HubUnitKey.value == value,
                                                                  in_site(HubUnitKey.station_id, site))
    if kind:
        q = q.where(HubUnitKey.kind == kind)
    units = sorted({(str(st), str(uid)) for st, uid in s.execute(q)})
    if not units:
        return {"query": value, "units": [], "events": []}
    evs = s.execute(
        select(HubEvent).where(tuple_(HubEvent.station_id, HubEvent.unit_uid).in_(units))
        .order_by(HubEvent.at, HubEvent.station_id, HubEvent.seq).limit(limit)
    ).scalars()
    return {"query": value, "units": [{"station": st, "unit": uid} for st, uid in units],
            "events": [_event(e) for e in evs]}


def _certificate(c: HubCertificate) -> dict[str, Any]:
    return {"id": c.id, "station": c.station_id, "seq": c.seq, "unit": c.unit_uid, "serial": c.serial,
            "sanitized": c.sanitized, "issued_at": clock.iso(c.issued_at), "payload": c.payload}


def certificates_by_id(s: Session, cert_id: str, station: str | None = None,
                       site: str | None = None) -> list[dict[str, Any]]:
    """The certificate(s) with this id: one per issuing station (more than one is an incident)."""
    q = select(HubCertificate).where(HubCertificate.id == cert_id, in_site(HubCertificate.station_id, site))
    if station:
        q = q.where(HubCertificate.station_id == station)
    return [_certificate(c) for c in s.execute(q.order_by(HubCertificate.issued_at)).scalars()]


def certificates_by_serial(s: Session, serial: str, site: str | None = None) -> list[dict[str, Any]]:
    rows = s.execute(
        select(HubCertificate).where(HubCertificate.serial == serial, in_site(HubCertificate.station_id, site))
        .order_by(HubCertificate.issued_at)
    ).scalars()
    return [_certificate(c) for c in rows]


def _counts(s: Session, start: datetime | None, end: datetime | None,
            site: str | None = None) -> dict[str, dict[str, Any]]:
    mine = in_site(HubEvent.station_id, site)
    q = select(HubEvent.station_id, HubEvent.kind, func.count()).where(mine) \
        .group_by(HubEvent.station_id, HubEvent.kind)
    u = select(HubEvent.station_id, func.count(func.distinct(HubEvent.unit_uid))).where(mine) \
        .group_by(HubEvent.station_id)
    if start is not None:
        q, u = q.where(HubEvent.at >= start), u.where(HubEvent.at >= start)
    if end is not None:
        q, u = q.where(HubEvent.at < end), u.where(HubEvent.at < end)
    out: dict[str, dict[str, Any]] = {}
    for station_id, kind, n in s.execute(q):
        row = out.setdefault(station_id, {"events": 0, "units": 0, "by_kind": {}})
        row["events"] += n
        if kind in COUNTED:
            row["by_kind"][kind] = n
    for station_id, n in s.execute(u):
        out.setdefault(station_id, {"events": 0, "units": 0, "by_kind": {}})["units"] = n
    return out


def station_summary(s: Session, start: datetime | None = None, end: datetime | None = None,
                    site: str | None = None) -> list[dict[str, Any]]:
    """Per station (of `site`): chain head, last contact, clock skew, open incidents, the version and backlog it
    last reported, work counts in [start, end)."""
    counts = _counts(s, start, end, site)
    open_incidents = dict(s.execute(
        select(HubIncident.station_id, func.count()).where(HubIncident.resolved_at.is_(None))
        .group_by(HubIncident.station_id)
    ).all())
    out = []
    for st in s.execute(select(HubStation).where(in_site(HubStation.id, site)).order_by(HubStation.id)).scalars():
        c = counts.get(st.id, {"events": 0, "units": 0, "by_kind": {}})
        out.append({
            "station": st.id, "site": st.site_id, "head_seq": st.head_seq, "revoked": st.revoked_at is not None,
            "last_seen_at": clock.iso(st.last_seen_at) if st.last_seen_at else None,
            "clock_skew_s": st.clock_skew_s, "open_incidents": open_incidents.get(st.id, 0),
            "version": st.version, "backlog": st.backlog,
            "backlog_at": clock.iso(st.backlog_at) if st.backlog_at else None, **c,
        })
    return out


def shift_windows(day: date, boundaries: str, tz: str) -> list[tuple[str, datetime, datetime]]:
    """[(name, start, end)] for the shifts starting on `day`; the last one runs into the next day."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    try:
        starts = sorted(time.fromisoformat(b.strip()) for b in boundaries.split(",") if b.strip())
    except ValueError as exc:
        raise ValueError(f"shift boundaries must be HH:MM times separated by commas, not {boundaries!r}") from exc
    if not starts:
        raise ValueError("at least one shift boundary is needed")
    moments = [datetime.combine(day, t, zone) for t in starts]
    moments.append(datetime.combine(day + timedelta(days=1), starts[0], zone))
    return [(f"{starts[i].strftime('%H:%M')}", moments[i], moments[i + 1]) for i in range(len(starts))]


def shift_summary(s: Session, day: date, boundaries: str, tz: str, site: str | None = None) -> list[dict[str, Any]]:
    """Per shift of `day`, per station: events, distinct units and work counts (station clock)."""
    return [
        {"shift": name, "start": clock.iso(start), "end": clock.iso(end),
         "stations": [{"station": sid, **c} for sid, c in sorted(_counts(s, start, end, site).items())]}
        for name, start, end in shift_windows(day, boundaries, tz)
    ]


def incidents(s: Session, station_id: str | None = None, open_only: bool = False,
              site: str | None = None) -> list[dict[str, Any]]:
    q = select(HubIncident).where(in_site(HubIncident.station_id, site)).order_by(HubIncident.id)
    if station_id:
        q = q.where(HubIncident.station_id == station_id)
    if open_only:
        q = q.where(HubIncident.resolved_at.is_(None))
    return [{"id": i.id, "station": i.station_id, "kind": i.kind, "seq": i.seq, "detail": i.detail,
             "at": clock.iso(i.at), "resolved_at": clock.iso(i.resolved_at) if i.resolved_at else None}
            for i in s.execute(q.limit(1000)).scalars()]


def verify_station_chain(s: Session, station_id: str, batch: int = 5000) -> dict[str, Any]:
    """Re-walk a station's stored chain from genesis, recomputing every hash from the stored body."""
    import json

    prev, expected, n = GENESIS, 1, 0
    rows = s.execute(
        select(HubEvent.seq, HubEvent.prev_hash, HubEvent.hash, HubEvent.body)
        .where(HubEvent.station_id == station_id).order_by(HubEvent.seq).execution_options(yield_per=batch)
    )
    for seq, prev_hash, h, body in rows:
        if seq != expected or prev_hash != prev or event_hash(prev, json.loads(body)) != h:
            return {"station": station_id, "ok": False, "checked": n, "problem": f"event #{seq}"}
        prev, expected, n = h, expected + 1, n + 1
    return {"station": station_id, "ok": True, "checked": n, "head_hash": prev}
