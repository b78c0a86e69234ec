"""What goes to the printer is the preview, bit for bit: ESC/POS GS v 0 and ZPL ^GFA
captured by a TCP listener on 127.0.0.1, decoded back and compared with the bitmap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from station.config import Config
from station.devices.printer import escpos_job, zpl
from station.devices.printer.connection import PrinterSpec
from station.devices.printer.decode import escpos_image, zpl_images
from station.devices.printer.session import session_for_spec
from station.errors import DeviceError
from station.labels import layout
from station.labels.render import render
from station.sim.printer import SimPrinterServer
from tests.labels.helpers import SAMPLE, decode_all, same_pixels

CONFIG = Config({"printer.timeout_s": 2.0, "printer.profile": "TM-L90", "printer.dpi": 203})


@pytest.fixture
def zpl_printer() -> Iterator[SimPrinterServer]:
    srv = SimPrinterServer("zpl")
    yield srv
    srv.stop()


@pytest.fixture
def escpos_printer() -> Iterator[SimPrinterServer]:
    srv = SimPrinterServer("escpos")
    yield srv
    srv.stop()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "dpi"), [("2x1in", 203), ("2x1in", 300), ("62x29mm", 300), ("4x6in", 203),
                                           ("4x6in", 300)])
def test_zpl_gfa_over_tcp_is_pixel_identical(zpl_printer: SimPrinterServer, name: str, dpi: int) -> None:
    preview = render(layout.find(name), SAMPLE, dpi)
    session = session_for_spec(zpl_printer.spec, CONFIG)
    session.print_bitmap(preview)
    job = zpl_printer.wait_for_jobs(1)[0]
    assert job.raw.startswith(b"~HS^XA") and b"^GFA," in job.raw and job.raw.endswith(b"^XZ\r\n~HS")
    assert len(job.images) == 1 and same_pixels(job.images[0], preview)
    assert decode_all(job.images[0])["Code128"] == SAMPLE["uid"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "dpi"), [("2x1in", 203), ("62x29mm", 203)])
def test_escpos_raster_over_tcp_is_pixel_identical(escpos_printer: SimPrinterServer, name: str, dpi: int) -> None:
    preview = render(layout.find(name), SAMPLE, dpi)
    session = session_for_spec(escpos_printer.spec, CONFIG)
    assert session.dpi == 203  # from the TM-L90 profile, not the default profile (which has none)
    session.print_bitmap(preview)
    job = escpos_printer.wait_for_jobs(1)[0]
    assert b"\x1dv0" in job.raw and b"\x1d(L" not in job.raw  # GS v 0, never GS ( L graphics
    assert same_pixels(job.images[0], preview)


def test_escpos_tall_label_is_split_into_raster_fragments_that_stack_back() -> None:
    img = Image.effect_noise((576, 2000), 80).point(lambda v: 255 if v > 128 else 0).convert("1")
    raw = escpos_job.build_job(img, "TM-L90")
    assert raw.count(b"\x1dv0") == 3  # 960 + 960 + 80 rows; each fragment far under 65,525 bytes
    assert same_pixels(escpos_image(raw), img)


def test_escpos_label_wider_than_the_profile_is_refused_clearly(escpos_printer: SimPrinterServer) -> None:
    preview = render(layout.find("4x6in"), SAMPLE, 203)
    with pytest.raises(DeviceError, match=r"808 dots wide but a TM-L90 prints at most 576"):
        session_for_spec(escpos_printer.spec, CONFIG).print_bitmap(preview)
    assert escpos_printer.jobs == []


def test_escpos_file_backend_writes_the_raster(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    preview = render(layout.find("2x1in"), SAMPLE, 203)
    session = session_for_spec(PrinterSpec("escpos", "file", str(out)), CONFIG)
    session.print_bitmap(preview)
    assert same_pixels(escpos_image(out.read_bytes()), preview)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 30), st.binary(min_size=1, max_size=64), st.integers(0, 3))
def test_zpl_compression_round_trips_any_bitmap(wbytes: int, height: int, seed: bytes, style: int) -> None:
    # Long runs, blank rows, full rows and repeated rows: every branch of the compression.
    pattern = (seed * (wbytes * height // len(seed) + 1))[: wbytes * height]
    if style == 1:
        pattern = bytes(b if (i // wbytes) % 3 else 0 for i, b in enumerate(pattern))
    elif style == 2:
        pattern = bytes(0xFF if (i // wbytes) % 2 else b for i, b in enumerate(pattern))
    elif style == 3:
        pattern = pattern[:wbytes] * height
    img = Image.frombytes("1", (wbytes * 8, height), pattern)
    (back,) = zpl_images(zpl.build_job(img))
    assert same_pixels(back, img)


def test_zpl_compression_shrinks_a_real_label() -> None:
    img = render(layout.find("4x6in"), SAMPLE, 203)
    assert len(zpl.build_job(img)) < (img.width // 8) * img.height  # under the raw bytes, let alone hex
