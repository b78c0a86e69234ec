"""Label rendering and printing figures.

- render: layout + fields to the 1-bit bitmap, per layout and DPI (median of N);
- job size and build time: ZPL ^GFA with ASCII compression vs plain hex, ESC/POS GS v 0;
- print: render + queue + send to the simulated network printer on 127.0.0.1 (ZPL),
  status asked before and after the job, decoded back and checked identical.
    python benchmarks/labels_bench.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from station import units
from station.context import open_station
from station.devices.printer import escpos_job, zpl
from station.devices.printer.session import session_for_spec
from station.labels import layout, queue
from station.labels.render import render
from station.sim.printer import SimPrinterServer

SAMPLE = {
    "uid": "U1A2B3C4D", "grade": "B+", "cosmetic": "B", "functional": "F1", "ident": "356938035643809",
    "imei": "356938035643809", "serial": "C02XK1JHJG5J", "model": "Apple iPhone 12 Pro", "wipe": "WIPED",
    "certificate": "CERT-2026-000123", "route": "resale", "lot": "LOT-0042", "date": "2026-11-23",
    "operator": "Ana Silva", "station": "bench-3",
}


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    n = ap.parse_args().repeat
    print("layout    dpi   dots        render ms  ZPL bytes (hex)      ZPL build ms  ESC/POS bytes  build ms")
    for name in ("2x1in", "62x29mm", "4x6in"):
        lay = layout.find(name)
        for dpi in (203, 300):
            img = render(lay, SAMPLE, dpi)
            r_ms = timed(lambda lay=lay, dpi=dpi: render(lay, SAMPLE, dpi), n)
            z = zpl.build_job(img)
            z_ms = timed(lambda img=img: zpl.build_job(img), n)
            hex_size = (img.width // 8) * img.height * 2
            profile = "TM-L90" if img.width <= 576 else None
            e_size, e_ms = ("-", "-")
            if profile:
                e_size = str(len(escpos_job.build_job(img, profile)))
                e_ms = f"{timed(lambda img=img: escpos_job.build_job(img, 'TM-L90'), n):.2f}"
            print(f"{name:9} {dpi:4}  {img.width:4}x{img.height:<5}  {r_ms:9.2f}  {len(z):7} ({hex_size:7})"
                  f"  {z_ms:12.2f}  {e_size:>13}  {e_ms:>8}")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_station(Path(tmp))
        server = SimPrinterServer("zpl")
        try:
            ctx.config.set("printer.timeout_s", 3.0)
            printer = session_for_spec(server.spec, ctx.config)
            with ctx.store.session() as s:
                uid = units.create(s, ctx.actor, {"imei": "356938035643809"}, model="iPhone 12", sale_grade="A").uid
            for name in ("2x1in", "4x6in"):
                samples = []
                for _ in range(n):
                    t = time.perf_counter()
                    queue.print_unit(ctx, printer, uid, name)
                    samples.append(time.perf_counter() - t)
                print(f"print {name} to the simulated ZPL printer (render+queue+status+send+status+events): "
                      f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms, n={n}")
            server.wait_for_jobs(2 * n)
        finally:
            server.stop()
            ctx.close()


if __name__ == "__main__":
    main()
