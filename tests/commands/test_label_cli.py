"""`station label ...` for scripts and re-prints at another bench."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from station.cli import main
from station.context import StationContext
from station.labels import queue
from station.sim.printer import SimPrinterServer
from tests.labels.helpers import decode_all, make_unit, same_pixels


@pytest.mark.usefixtures("ctx")
def test_layouts_lists_the_shipped_three(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["label", "layouts"]) == 0
    out = capsys.readouterr().out
    assert "2x1in" in out and "62x29mm" in out and "4x6in" in out and "(default)" in out


def test_render_writes_the_exact_bitmap(ctx: StationContext, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    uid = make_unit(ctx)
    out = tmp_path / "label.png"
    assert main(["label", "render", uid, "--layout", "4x6in", "--dpi", "300", "--out", str(out)]) == 0
    expected = queue.render_unit(ctx, uid, "4x6in", 300)
    with Image.open(out) as png:
        assert png.mode == "1" and round(png.info["dpi"][0]) == 300
        assert same_pixels(png, expected.image)
    assert expected.sha256 in capsys.readouterr().out


@pytest.mark.timeout(30)
def test_print_queue_retry_and_status(ctx: StationContext, capsys: pytest.CaptureFixture[str]) -> None:
    uid = make_unit(ctx)
    sim = SimPrinterServer("zpl")
    name = sim.spec.name
    try:
        sim.set_fault("refuse")
        assert main(["label", "print", uid, "--printer", name]) == 2
        err = capsys.readouterr().err
        assert err.startswith("station: Printer at 127.0.0.1:") and "The label is queued (job 1)" in err
        assert main(["label", "status", "--printer", name]) == 1
        assert main(["label", "queue"]) == 0
        assert "1 label(s) queued" in capsys.readouterr().out
        sim.set_fault(None)
        assert main(["label", "retry", "--printer", name]) == 0
        assert "1 label(s) printed, 0 still queued" in capsys.readouterr().out
        assert decode_all(sim.wait_for_jobs(1)[0].images[0])["Code128"] == uid
        assert main(["label", "scan-back", uid, uid]) == 0
        assert main(["label", "scan-back", uid, "U999"]) == 1
        assert "LABEL MISMATCH" in capsys.readouterr().out
    finally:
        sim.stop()


def test_print_without_a_printer_says_how_to_set_one(ctx: StationContext,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    uid = make_unit(ctx)
    assert main(["label", "print", uid]) == 2
    assert "No label printer is set: set printer.kind and printer.connection" in capsys.readouterr().err
