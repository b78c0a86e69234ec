"""The hub's shift export reads the wipe ledger's one payload shape, for every job kind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from station import clock, units
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.erase import ledger
from station.sync import run_once
from station.sync.hub.shift_export import shift_rows
from station.wipe_record import JobKind, WipeStarted

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

# kind -> (method, verify, status, passed, reason): each job kind once, each ending its own way
JOBS = {
    JobKind.OVERWRITE: ("dod3", "full", Status.FINISHED, True, ""),
    JobKind.FIRMWARE: ("purge", "firmware", Status.FAILED, None, "The drive is still frozen after replug."),
    JobKind.PHONE_RESET: ("factory-reset", "post-reset", Status.ABORTED, None, "Stopped by the technician."),
    JobKind.IPHONE_ERASE: ("erase-all-content", "iphone-erase", Status.INTERRUPTED, None, "The station stopped."),
}


def test_hub_export_reads_every_job_kind(hub, tokens, make_station, hub_store) -> None:  # type: ignore[no-untyped-def]
    ctx = make_station("bench-l", hub.url, tokens.station("bench-l"))
    t0 = clock.now()
    uids = {}
    for kind, (method, verify, status, passed, reason) in JOBS.items():
        serial = f"SER-{kind.value}"
        with ctx.store.session() as s:
            uids[kind] = units.create(s, ctx.actor, {"serial": serial}, device_class="laptop").uid
        ledger.record_start(ctx, WipeStarted(job_id=f"J-{kind.value}", kind=kind, device=f"/dev/{kind.value}",
                                             serial=serial, method=method, verify=verify), unit_uid=uids[kind])
        result = WipeResult(job_id=f"J-{kind.value}", media=MediaFacts(path=f"/dev/{kind.value}", serial=serial),
                            method=method, method_type="Purge" if passed else "none", technique="overwrite",
                            status=status, reason=reason,
                            verification=Verification(mode=verify, passed=True) if passed else None)
        assert ledger.record_end(ctx, result, kind).recorded
    assert run_once(ctx).ok
    with hub_store.session() as s:
        rows = {r["uid"]: r for r in shift_rows(s, t0 - timedelta(minutes=1), clock.now() + timedelta(minutes=1))}
    got = {kind: (rows[uid]["wipe_method"], rows[uid]["wipe_status"], rows[uid]["wipe_reason"])
           for kind, uid in uids.items()}
    assert got == {
        JobKind.OVERWRITE: ("dod3", "sanitized", None),
        JobKind.FIRMWARE: ("purge", "failed", "The drive is still frozen after replug."),
        JobKind.PHONE_RESET: ("factory-reset", "aborted", "Stopped by the technician."),
        JobKind.IPHONE_ERASE: ("erase-all-content", "interrupted", "The station stopped."),
    }
    with ctx.store.reader() as s:  # the station's own units say the same
        assert {k: units.by_uid(s, uid).wipe_status for k, uid in uids.items()} == {  # type: ignore[union-attr]
            k: v[1] for k, v in got.items()}


def test_a_phone_sanitized_after_its_card_failed_is_failed_on_the_hub_too(hub, tokens, make_station,  # type: ignore[no-untyped-def]
                                                                         hub_store) -> None:
    # The hub took a unit's wipe status from its newest job's end: a phone wiped after its microSD
    # card failed read "sanitized" in the hub's shift log and dashboard while the station held it.
    from station import unit_media
    from station.sync.hub.console.fleet_rows import dashboard_rows

    ctx = make_station("bench-m", hub.url, tokens.station("bench-m"))
    t0 = clock.now()
    with ctx.store.session() as s:
        phone = units.create(s, ctx.actor, {"serial": "MOTO-1", "imei": "353627074869010"}, device_class="phone")
        uid = phone.uid
        assert unit_media.attach(s, ctx.actor, phone, "CARD-1", what="microSD card")

    def job(job_id: str, serial: str, passed: bool) -> None:
        kind = JobKind.PHONE_RESET if serial == "MOTO-1" else JobKind.OVERWRITE
        ledger.record_start(ctx, WipeStarted(job_id=job_id, kind=kind, device=f"/dev/{job_id}", serial=serial,
                                             method="clear", verify="sample"), unit_uid=uid)
        result = WipeResult(job_id=job_id, media=MediaFacts(path=f"/dev/{job_id}", serial=serial), method="clear",
                            method_type="Clear", technique="overwrite", status=Status.FINISHED,
                            reason="" if passed else "3 of 200 sampled ranges read back data",
                            verification=Verification(mode="sample", passed=passed))
        assert ledger.record_end(ctx, result, kind).recorded

    def on_hub() -> tuple[tuple[str, str | None], str]:
        assert run_once(ctx).ok
        window = (t0 - timedelta(minutes=1), clock.now() + timedelta(minutes=1))
        with hub_store.session() as s:
            row = {r["uid"]: r for r in shift_rows(s, *window)}[uid]
            board = dashboard_rows(s, *window, None)
        assert [r["wipe_status"] for r in board] == [row["wipe_status"]]  # the dashboard counts it alike
        with ctx.store.reader() as s:
            station = units.by_uid(s, uid).wipe_status  # type: ignore[union-attr]
        return (row["wipe_status"], row["wipe_reason"]), station

    job("J-card", "CARD-1", passed=False)
    job("J-phone", "MOTO-1", passed=True)  # the newest job sanitized its own medium
    (status, reason), station = on_hub()
    assert (status, station) == ("failed", "failed")
    assert reason is not None and "microSD card CARD-1" in reason
    job("J-card-2", "CARD-1", passed=True)
    (status, reason), station = on_hub()
    assert (status, reason, station) == ("sanitized", None, "sanitized")
