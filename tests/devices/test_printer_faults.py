"""A printer that refuses, closes mid-job, goes silent, runs out of paper or is paused:
one clear sentence each, and nothing is recorded as printed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station.config import Config
from station.devices.printer.session import session_for_spec
from station.errors import DeviceError
from station.labels import layout
from station.labels.render import render
from station.sim.printer import SimPrinterServer
from tests.labels.helpers import SAMPLE, same_pixels

CONFIG = Config({"printer.timeout_s": 0.5, "printer.profile": "TM-L90"})

EXPECTED = {
    "refuse": "refused the connection: check it is switched on",
    "silent": "did not answer in 0.5 s",
    "close_mid_job": "closed the connection mid-job",
    "paper_out": "is out of labels: load a new roll",
    "offline": {"zpl": "is paused: press its pause button", "escpos": "is offline (cover open or an error)"},
}


@pytest.fixture(params=["zpl", "escpos"])
def printer(request: pytest.FixtureRequest) -> Iterator[SimPrinterServer]:
    srv = SimPrinterServer(request.param)
    yield srv
    srv.stop()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_gives_one_clear_sentence_then_recovers(printer: SimPrinterServer, fault: str) -> None:
    preview = render(layout.find("2x1in"), SAMPLE, 203)
    session = session_for_spec(printer.spec, CONFIG)
    printer.set_fault(fault)
    with pytest.raises(DeviceError) as err:
        session.print_bitmap(preview)
    want = EXPECTED[fault]
    text = want[printer.protocol] if isinstance(want, dict) else want
    assert str(err.value).startswith(f"Printer at 127.0.0.1:{printer.port} ")
    assert text in str(err.value)
    assert printer.jobs == []
    if fault != "close_mid_job":  # that one answers a bare status query, and fails only with a job
        assert session.status() != "ready" and text in session.status()
    printer.set_fault(None)
    assert session.status() == "ready"
    session.print_bitmap(preview)
    assert same_pixels(printer.wait_for_jobs(1)[0].images[0], preview)


def test_unknown_host_name_is_named() -> None:
    from station.devices.printer.connection import PrinterSpec

    session = session_for_spec(PrinterSpec("zpl", "tcp", "no-such-printer.invalid", 9100), CONFIG)
    with pytest.raises(DeviceError, match=r"no-such-printer\.invalid"):
        session.print_bitmap(render(layout.find("2x1in"), SAMPLE, 203))
