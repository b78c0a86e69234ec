"""The shift log across stations: two benches work a scripted shift, sync, and the hub exports it.

Everything is real: the station services write their events (intake, intake edits, photos,
phone wipe records and certificates, grading, routing, a label printed on the simulated
network printer, finishing), the sync client sends them to a hub on PostgreSQL over HTTP,
and the export is asked for over HTTP with a reader token. Every figure is checked by hand.
Times are Berlin local on 2026-11-23 (UTC+1); the shift is 06:00-14:00.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import openpyxl
import pytest

from station import cli, clock, disposition, grading, operators, photos, units, workflow
from station.certs import certificate
from station.certs.result import MediaFacts, Status, Verification, WipeResult
from station.context import Operator, StationContext, open_station
from station.devices.printer.session import session_for_spec
from station.erase import ledger
from station.erase.phone import records
from station.labels import queue
from station.sim.printer import SimPrinterServer
from station.sync import run_once
from station.wipe_record import JobKind
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF
from tests.sync.pgserver import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
BERLIN = "Europe/Berlin"
IMEI_A1, IMEI_B1 = "356938035643809", "490154203237518"


def at(hhmm: str) -> datetime:
    """Berlin local time on 2026-11-23 (UTC+1 in November), as a UTC instant."""
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 23, h - 1, m, tzinfo=UTC)


@dataclass
class Bench:
    ctx: StationContext
    now: list[datetime]
    staff: dict[str, Operator]

    def step(self, hhmm: str, name: str) -> None:
        self.now[0] = at(hhmm)
        self.ctx.operator = self.staff[name]

    def intake(self, hhmm: str, name: str, idents: dict[str, str], **fields: str) -> str:
        self.step(hhmm, name)
        with self.ctx.store.session() as s:
            return units.create(s, self.ctx.actor, idents, device_class="phone", make="Google", model="Pixel 7",
                                **fields).uid

    def photograph(self, hhmm: str, uid: str) -> int:
        self.now[0] = at(hhmm)
        shots = [sh.name for sh in grading.required_shots("phone", self.ctx) if sh.required]
        for i, shot in enumerate(shots):
            frame = np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8)
            photos.save_photo(self.ctx, uid, frame, stage="intake", shot=shot, camera=None, quality={})
        return len(shots)

    def wipe(self, start: str, end: str, uid: str, serial: str, passed: bool) -> None:
        """What the phone wipe records: the job, its end, and the certificate (or failure report)."""
        self.now[0] = at(start)
        media = MediaFacts(path=f"adb:{serial}", kind="mobile device", bus="adb", vendor="Google", model="Pixel 7",
                           serial=serial)
        result = WipeResult(job_id=f"phone-{uid}", media=media, method="factory-reset", method_type="Purge",
                            technique="crypto erase", status=Status.FAILED, started_at=clock.iso())
        records.start_job(self.ctx, uid, result)
        self.now[0] = at(end)
        result.status = Status.FINISHED
        result.verification = Verification(mode="post-reset", passed=passed)
        result.reason = "" if passed else "Files survived the reset. The phone is not sanitized"
        result.ended_at = clock.iso()
        ledger.record_end(self.ctx, result, JobKind.PHONE_RESET)
        certificate.issue(self.ctx, result, uid)

    def grade_route(self, hhmm: str, uid: str) -> None:
        self.now[0] = at(hhmm)
        grading.record(self.ctx, uid, PHONE_B_PLUS)
        disposition.assign(self.ctx, uid)


@pytest.fixture
def printer() -> Iterator[SimPrinterServer]:
    srv = SimPrinterServer("zpl")
    yield srv
    srv.stop()


@pytest.fixture
def benches(hub, tokens, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], Bench]]:
    now = [at("05:00")]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    opened: list[StationContext] = []

    def make(station_id: str, *names: str, hub_url: str | None = None) -> Bench:
        data = tmp_path / station_id
        data.mkdir()
        (data / "station.toml").write_text(
            f'[station]\nid = "{station_id}"\ntimezone = "{BERLIN}"\n[label]\nauto_print = false\n'
            f'[org]\nname = "Acme Recycling"\n[sync]\nhub_url = "{hub_url or hub.url}"\nallow_insecure = true\n'
            f'token = "{tokens.station(station_id)}"\n')
        ctx = open_station(data)
        opened.append(ctx)
        staff = {}
        for name in names:
            role = "supervisor" if name == "Sue" else "technician"
            info = operators.add(ctx, name, role, pin="2468")
            staff[name] = Operator(info.id, name, role)
        return Bench(ctx, now, staff)

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def shift(benches, printer, tokens, hub) -> Iterator[dict[str, object]]:
    a, b = benches("bench-a", "Ann", "Sue"), benches("bench-b", "Bob", "Cid")
    # bench-a
    a0 = a.intake("05:30", "Ann", {"serial": "A0-SER"})  # came in during the night shift
    a.step("06:05", "Sue")
    assert workflow.finish(a.ctx, a0, override_reason="customer wants it back untouched").finished
    a1 = a.intake("06:10", "Ann", {"imei": IMEI_A1}, source="Acme Returns")
    a.step("06:12", "Ann")
    workflow.save_intake(a.ctx, a1, {"serial": "r58a1xyz", "return_reason": "screen flicker",
                                     "return_initiated_on": "2026-11-20", "shipping_cost": "6.40"})
    photos_a1 = a.photograph("06:15", a1)
    a.wipe("06:20", "06:40", a1, "R58A1XYZ", passed=True)
    a.grade_route("06:45", a1)
    a.now[0] = at("06:55")
    queue.print_unit(a.ctx, session_for_spec(printer.spec, a.ctx.config), a1)
    a.now[0] = at("07:00")
    assert workflow.finish(a.ctx, a1, label_unchecked_ok=True).finished  # the label is not scanned back
    a.now[0] = at("07:10")
    disposition.record_outcome(a.ctx, a1, "sold", amount=120.0, channel="wholesale_auction")
    a2 = a.intake("07:30", "Ann", {"serial": "A2-SER"})
    a.wipe("07:35", "07:50", a2, "A2-SER", passed=False)
    a.intake("14:00", "Ann", {"serial": "A3-LATE"})  # the next shift's first unit: outside
    # bench-b
    b0 = b.intake("06:00", "Bob", {"serial": "B0-SER"})  # exactly at the start: inside
    b1 = b.intake("08:00", "Bob", {"imei": IMEI_B1})
    photos_b1 = b.photograph("08:05", b1)
    b.wipe("08:20", "08:30", b1, "B1-SER", passed=True)
    b.grade_route("08:35", b1)
    b.now[0] = at("08:45")
    assert workflow.finish(b.ctx, b1).finished
    b2 = b.intake("09:00", "Cid", {"serial": "B2-SER"})
    b.now[0] = at("09:10")
    grading.record(b.ctx, b2, PHONE_B_PLUS)
    for bench in (a, b):
        assert run_once(bench.ctx).ok
    a.step("14:00", "Sue")  # the export is made at the end of the shift
    reader = tokens.reader("ann-supervisor")
    client = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {reader}"}, timeout=30)
    yield {"a": a, "b": b, "client": client, "reader": reader, "a0": a0, "a1": a1, "a2": a2, "b0": b0, "b1": b1,
           "b2": b2, "photos_a1": photos_a1, "photos_b1": photos_b1}
    client.close()


def _export(client: httpx.Client, start: str, end: str, **params: str) -> httpx.Response:
    return client.get("/v1/export/shift", params={"start": at(start).isoformat(), "end": at(end).isoformat(),
                                                   **params})


def _units(client: httpx.Client, start: str, end: str, **params: str) -> dict[str, dict[str, object]]:
    got = _export(client, start, end, **params)
    assert got.status_code == 200, got.text
    rows = got.json()["rows"]
    return {r["uid"]: r for r in rows}


def test_the_hub_rebuilds_one_row_per_station_and_unit(shift) -> None:
    rows = _units(shift["client"], "06:00", "14:00")
    u = shift
    # A3 came in at 14:00 (the end is exclusive); B0 at 06:00 (the start is inclusive)
    assert sorted((r["station"], uid) for uid, r in rows.items()) == sorted(
        [("bench-a", u["a0"]), ("bench-a", u["a1"]), ("bench-a", u["a2"]), ("bench-b", u["b0"]),
         ("bench-b", u["b1"]), ("bench-b", u["b2"])])
    a0, a1, a2, b1, b2 = (rows[u[k]] for k in ("a0", "a1", "a2", "b1", "b2"))
    # A0: in before the shift, finished by the supervisor past the checks at 06:05
    assert (a0["operators"], a0["sale_grade"], a0["route"], a0["finished_at"]) == (
        "Ann\nSue", None, None, "2026-11-23T05:05:00.000000Z")
    assert (a0["intake_at"], a0["cycle_minutes"]) == ("2026-11-23T04:30:00.000000Z", 35.0)
    # A1: the whole bench flow, with the serial typed at intake
    assert a1["identifiers"] == f"imei:{IMEI_A1}; serial:R58A1XYZ"
    assert (a1["serial"], a1["imei"], a1["device_class"], a1["make"], a1["model"]) == (
        "R58A1XYZ", IMEI_A1, "phone", "Google", "Pixel 7")
    assert (a1["source"], a1["return_reason"], a1["return_category"]) == ("Acme Returns", "screen flicker", None)
    assert (a1["cosmetic_grade"], a1["functional_code"], a1["sale_grade"], a1["grade_matrix"]) == (
        "B", "FF", "B+", PHONE_REF)
    assert a1["photos"] == u["photos_a1"] == 6
    assert (a1["wipe_method"], a1["wipe_status"]) == ("factory-reset", "sanitized")
    assert str(a1["certificate_id"]).startswith("C-20261123-")
    # the default rules: a sanitized Pixel 7 at B+ is worth 220, retail recovers 85%
    assert (a1["route"], a1["expected_value"], a1["estimated_value"]) == ("resell_retail", 187.0, 220.0)
    assert (a1["label_printed"], a1["operators"], a1["cycle_minutes"]) == (True, "Ann", 50.0)
    # A2: the reset left files behind: a failure report, no route, still open
    assert (a2["wipe_status"], a2["route"], a2["finished_at"], a2["cycle_minutes"]) == ("failed", None, None, None)
    assert str(a2["certificate_id"]).startswith("C-") and a2["wipe_reason"].startswith("Files survived")
    assert (b1["station"], b1["operators"], b1["cycle_minutes"], b1["label_printed"]) == ("bench-b", "Bob", 45.0, False)
    assert (b1["route"], b1["expected_value"], b1["serial"]) == ("resell_retail", 187.0, None)
    assert (b2["operators"], b2["sale_grade"], b2["wipe_status"], b2["photos"]) == ("Cid", "B+", None, 0)


def test_hub_rows_match_each_stations_own_shift_log(shift) -> None:
    """The hub rebuilds from events what each station keeps in its tables: the same values."""
    from station import shifts
    from station.reports import shift_rows

    rows = _units(shift["client"], "06:00", "14:00")
    for bench in (shift["a"], shift["b"]):
        w = shifts.Window(at("06:00"), at("14:00"))
        local = shift_rows.shift_log(bench.ctx, w).rows
        assert local and all(r["uid"] in rows for r in local)
        for mine in local:
            theirs = dict(rows[mine["uid"]])
            for key in ("intake_at", "finished_at"):  # instants on the hub, in the window's zone (UTC) here
                theirs[key] = clock.parse(theirs[key]) if theirs[key] else None
            assert {k: theirs[k] for k in mine} == mine
    a1 = rows[shift["a1"]]  # the value loop's columns, read on the hub from the same events
    assert (a1["return_initiated_on"], a1["shipping_cost"]) == ("2026-11-20", 6.40)
    assert a1["labour_minutes"] and a1["unit_cost"] and a1["unit_cost"] > 6.40 and a1["value_days"] > 3
    assert (a1["expected_value"], a1["realised_price"]) == (187.0, 120.0)  # the sale against its routed value


def test_operator_filter_and_window_edges(shift) -> None:
    u, client = shift, shift["client"]
    # Ann's events in the shift: A1 and A2 (A0 she took in before 06:00; Sue finished it)
    assert set(_units(client, "06:00", "14:00", operator="Ann")) == {u["a1"], u["a2"]}
    assert set(_units(client, "06:00", "14:00", operator="Sue")) == {u["a0"]}
    assert set(_units(client, "06:00", "14:00", operator="Cid")) == {u["b2"]}
    assert _units(client, "06:00", "14:00", operator="Nobody") == {}
    # a unit's row holds its whole history, whatever part of it fell in the window
    early = _units(client, "06:00", "06:10")
    assert set(early) == {u["a0"], u["b0"]} and early[u["a0"]]["finished_at"] is not None
    assert set(_units(client, "14:00", "22:00")) == {_late_uid(shift)}


def _late_uid(shift) -> str:
    with shift["a"].ctx.store.reader() as s:
        unit = units.find(s, "serial", "A3-LATE")
        assert unit is not None
        return unit.uid


def test_reader_token_only_and_clear_sentences_for_bad_input(shift, hub, tokens) -> None:
    params = {"start": at("06:00").isoformat(), "end": at("14:00").isoformat()}
    station_token = {"Authorization": f"Bearer {tokens.station('bench-z')}"}
    as_station = httpx.get(f"{hub.url}/v1/export/shift", params=params, headers=station_token)
    assert as_station.status_code == 403 and "reader" in as_station.json()["detail"]
    assert httpx.get(f"{hub.url}/v1/export/shift", params=params).status_code == 401
    swapped = {"start": params["end"], "end": params["start"]}
    backwards_as_station = httpx.get(f"{hub.url}/v1/export/shift", params=swapped, headers=station_token)
    assert backwards_as_station.status_code == 403  # the token is judged before the dates
    client = shift["client"]
    bad = client.get("/v1/export/shift", params={**params, "start": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("'start' must be an ISO date and time")
    naive = client.get("/v1/export/shift", params={**params, "end": "2026-11-23T14:00"})
    assert naive.status_code == 422 and "needs a UTC offset" in naive.json()["detail"]
    backwards = client.get("/v1/export/shift", params={"start": params["end"], "end": params["start"]})
    assert backwards.status_code == 422 and "must be later than" in backwards.json()["detail"]
    year = client.get("/v1/export/shift", params={**params, "end": "2027-11-23T14:00:00+01:00"})
    assert year.status_code == 422 and "at most 92 days" in year.json()["detail"]
    assert client.get("/v1/export/shift", params={"start": params["start"]}).status_code == 422


def _cli(bench: Bench, *args: str) -> int:
    return cli.main(["--data-dir", str(bench.ctx.data.root), "export", "shift", "--from", "2026-11-23T06:00",
                     "--to", "2026-11-23T14:00", "--supervisor", "Sue", "--hub", *args])


def test_cli_writes_csv_xlsx_and_pdf_from_the_hub(shift, tmp_path: Path, monkeypatch, capsys) -> None:
    from pypdf import PdfReader

    a, u = shift["a"], shift
    monkeypatch.setenv("STATION_PIN", "2468")
    token_file = tmp_path / "reader.token"
    token_file.write_text(shift["reader"] + "\n")
    out = tmp_path / "out"
    assert _cli(a, "--format", "csv", "--out", str(out / "all.csv"), "--reader-token-file", str(token_file)) == 0
    assert "6 units from 2 stations (hub)" in capsys.readouterr().out
    raw = (out / "all.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfStation,Unit,")  # the header first; the offsets say the zone
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(table[0])[:3] == ["Station", "Unit", "Identifiers"]
    a1 = next(r for r in table if r["Unit"] == u["a1"])
    assert (a1["Station"], a1["Sale grade"], a1["Route"], a1["Intake"], a1["Finished"], a1["Cycle time (min)"]) == (
        "bench-a", "B+", "resell_retail", "2026-11-23 06:10:00+01:00", "2026-11-23 07:00:00+01:00", "50.0")
    assert (a1["Label printed"], a1["Photos"], a1["Expected value"]) == ("yes", "6", "187.0")

    monkeypatch.setenv("STATION_HUB_READER_TOKEN", shift["reader"])
    assert _cli(a, "--format", "xlsx", "--out", str(out / "all.xlsx"), "--operator", "Bob") == 0
    wb = openpyxl.load_workbook(out / "all.xlsx")
    ws = wb["Shift log"]
    header = [c.value for c in ws[1]]
    values = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [(r["Station"], r["Unit"]) for r in values] == [("bench-b", u["b0"]), ("bench-b", u["b1"])]
    b1 = values[1]
    assert b1["Intake"] == datetime(2026, 11, 23, 8, 0) and b1["Finished"] == datetime(2026, 11, 23, 8, 45)
    assert (b1["Cycle time (min)"], b1["Expected value"], b1["Label printed"], b1["Photos"]) == (45.0, 187.0, False, 6)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}3"
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows()}
    assert (about["Time zone"], about["Operator filter"], about["Stations"]) == (BERLIN, "Bob", "bench-b")

    assert _cli(a, "--format", "pdf", "--out", str(out / "all.pdf")) == 0
    text = " ".join(page.extract_text() for page in PdfReader(out / "all.pdf").pages)
    assert "Shift report — all stations" in text and "times in Europe/Berlin" in text
    assert "6 / 5 / 3" in text  # touched / came in (all but A0) / finished (A0, A1, B1)
    assert "67% (2 sanitized, 1 failed)" in text and "45.0 / 50.0 min" in text
    assert "B+: 2, ungraded: 1" in text and "374.00" in text


def test_hub_export_summary_figures(shift) -> None:
    from station import shifts
    from station.reports import hub_pdf, hub_rows

    a = shift["a"]
    log = hub_rows.fetch(a.ctx.config, shifts.shift_at(a.ctx.config, at("10:00")), None, shift["reader"])
    assert log.zone == BERLIN and log.stations == ["bench-a", "bench-b"]
    k = hub_pdf.summarize(log, now=at("14:00"))
    assert (k.units, k.units_in, k.units_finished, k.hours) == (6, 5, 3, 8.0)
    assert k.grade_mix == {"B+": 2, "ungraded": 1} and k.routes == {"resell_retail": 2, "unrouted": 1}
    assert (k.wipes_passed, k.wipes_failed) == (2, 1)
    assert k.wipe_failures == {"failed: Files survived the reset. The phone is not sanitized": 1}
    assert (k.cycle_median_min, k.cycle_p90_min) == (45.0, 50.0)
    assert (k.expected_value, k.estimated_value) == (374.0, 440.0)
    assert k.diversion_rate == pytest.approx(2 / 3)  # A0 was finished without a route
    assert sorted(k.per_technician) == [("Ann", 1, 0.125), ("Bob", 1, 0.125), ("Sue", 1, 0.125)]
    assert k.per_station == [("bench-a", 3, 2, 187.0), ("bench-b", 3, 1, 187.0)]


def test_hub_down_or_token_refused_is_one_sentence_exit_1_and_no_file(shift, benches, tokens, tmp_path: Path,
                                                                      monkeypatch, capsys) -> None:
    monkeypatch.setenv("STATION_PIN", "2468")
    out = tmp_path / "never.xlsx"
    dead = benches("bench-c", "Sue", hub_url=f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("STATION_HUB_READER_TOKEN", shift["reader"])
    assert _cli(dead, "--format", "xlsx", "--out", str(out)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("station: The hub at http://127.0.0.1:") and "cannot be reached" in err
    assert "nothing was exported" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".never*"))

    monkeypatch.setenv("STATION_HUB_READER_TOKEN", tokens.station("bench-y"))  # a station token is no reader
    assert _cli(shift["a"], "--format", "csv", "--out", str(out)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("station: The hub refused the reader token:") and "create-reader" in err
    assert not out.exists()

    monkeypatch.delenv("STATION_HUB_READER_TOKEN")
    assert _cli(shift["a"], "--format", "csv", "--out", str(out)) == 2  # no token anywhere: a usage error
    assert "need a hub reader token" in capsys.readouterr().err and not out.exists()


def test_events_not_yet_on_the_hub_are_counted_and_said(shift, tmp_path: Path, monkeypatch, capsys) -> None:
    from station.reports import hub_rows
    from station.sync import outbox
    from station.ui.panels.supervisor import export_from_hub

    a = shift["a"]
    assert hub_rows.unsynced_note(a.ctx.store) is None  # the fixture synced everything
    late = a.intake("13:00", "Ann", {"serial": "LATE-1"})  # worked after the last sync
    queued = outbox.pending_unit_events(a.ctx.store)
    assert queued >= 1 and outbox.backlog(a.ctx.store)[outbox.EVENT] == queued
    what = "1 unit change made at this station is" if queued == 1 else f"{queued} unit changes made at this station are"
    note = f"{what} not on the hub yet, so not in this log; export again once the station has synced."
    assert hub_rows.unsynced_note(a.ctx.store) == note

    monkeypatch.setenv("STATION_PIN", "2468")
    monkeypatch.setenv("STATION_HUB_READER_TOKEN", shift["reader"])
    out = tmp_path / "all.csv"
    assert _cli(a, "--format", "csv", "--out", str(out)) == 0
    said = capsys.readouterr()
    assert "6 units from 2 stations (hub)" in said.out
    assert said.err.startswith("station: ") and "not on the hub yet, so not in this log" in said.err
    assert late not in out.read_text(encoding="utf-8")
    level, line = export_from_hub(a.ctx, "csv", out)  # the Supervisor panel's export: a warning
    assert level == "warn" and line == f"{note} Exported 6 units of all stations to {out}."

    assert run_once(a.ctx).ok  # synced: the same export now has the unit, and says nothing more
    assert hub_rows.unsynced_note(a.ctx.store) is None
    assert _cli(a, "--format", "csv", "--out", str(out)) == 0
    said = capsys.readouterr()
    assert "7 units from 2 stations (hub)" in said.out and said.err == ""
    assert late in out.read_text(encoding="utf-8")
    assert export_from_hub(a.ctx, "csv", out) == ("ok", f"Exported 7 units of all stations to {out}.")


def test_a_technician_cannot_export_from_the_hub(shift, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("STATION_PIN", "2468")
    monkeypatch.setenv("STATION_HUB_READER_TOKEN", shift["reader"])
    out = tmp_path / "all.csv"
    code = cli.main(["--data-dir", str(shift["a"].ctx.data.root), "export", "shift", "--from", "2026-11-23T06:00",
                     "--to", "2026-11-23T14:00", "--supervisor", "Ann", "--hub", "--format", "csv", "--out", str(out)])
    assert code == 2 and "Ann is a technician; exports need a supervisor." in capsys.readouterr().err
    assert not out.exists()
