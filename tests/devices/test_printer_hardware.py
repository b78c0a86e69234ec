"""A real label printer: `pytest -m hardware --device=zpl@tcp://10.0.0.7:9100` (or escpos@usb:VID:PID).

Prints one 2x1in test label and checks the printer reports ready before and after.
Deselected by default; with the marker and no printer named, it fails (it never skips).
"""

from __future__ import annotations

import pytest

from station.config import Config
from station.devices.printer.connection import parse_name
from station.devices.printer.session import session_for_spec
from station.labels import layout
from station.labels.render import render
from tests.labels.helpers import SAMPLE


@pytest.mark.hardware
def test_real_printer_prints_a_test_label(request: pytest.FixtureRequest) -> None:
    names = [d for d in request.config.getoption("--device") if "@" in d]
    assert names, "name the printer: --device=zpl@tcp://HOST:9100 or --device=escpos@usb:VID:PID"
    for name in names:
        session = session_for_spec(parse_name(name), Config())
        assert session.status() == "ready", session.status()
        session.print_bitmap(render(layout.find("2x1in"), {**SAMPLE, "model": "TEST LABEL"}, session.dpi))
        assert session.status() == "ready"
