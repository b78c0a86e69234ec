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
