"""Sanitization figures: corpus parse + plan rate, certificate issue and verify times.

    python benchmarks/sanitization_certificates.py [N]

Uses a throwaway data dir; the drive corpus from STATION_DRIVE_CORPUS or ../shared.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from station.certs import certificate, keys  # noqa: E402
from station.certs import verify as cert_verify  # noqa: E402
from station.certs.result import CommandRecord, MediaFacts, Status, Verification, WipeResult  # noqa: E402
from station.context import open_station  # noqa: E402
from station.devices.drive.parsers import parse_file  # noqa: E402
from station.erase import plan, profiles  # noqa: E402

CORPUS = Path(os.environ.get("STATION_DRIVE_CORPUS", ROOT.parent / "shared" / "corpus" / "drives"))


def corpus_rate() -> None:
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".txt", ".json")]
    shipped = profiles.load_all()
    t0 = time.perf_counter()
    for p in files:
        facts = parse_file(p)
        plan.plan_for(facts, "purge", shipped)
        plan.plan_for(facts, "clear", shipped)
    dt = time.perf_counter() - t0
    print(f"corpus: {len(files)} files parsed and planned (clear+purge) in {dt:.2f} s "
          f"= {1000 * dt / len(files):.2f} ms per file")


def sample_result(i: int) -> WipeResult:
    media = MediaFacts(path="/dev/sdz", bus="ata", vendor="Acme", model="AC-1000", serial=f"SN{i:06d}",
                       size_bytes=1 << 40, rotational=True)
    return WipeResult(f"J{i}", media, "clear", "Clear", "overwrite", Status.FINISHED,
                      verification=Verification("sample", True, percent_of_media=10.0, expected="zero"),
                      commands=[CommandRecord(["smartctl", "--json", "-x", "/dev/sdz"], 0, "{}" * 200,
                                              "2026-01-01T00:00:00.000000Z", 0.2)] * 5,
                      throughput=[(float(s), s * 200_000_000) for s in range(0, 5400, 10)])


def certificates(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_station(Path(tmp) / "data")
        trusted = keys.load_or_create(ctx.data).public
        issue, vjson, vpdf = [], [], []
        for i in range(n):
            t0 = time.perf_counter()
            c = certificate.issue(ctx, sample_result(i), None)
            issue.append(time.perf_counter() - t0)
            data = c.json_path.read_bytes()
            t0 = time.perf_counter()
            assert cert_verify.verify_bytes(data, trusted=trusted).ok
            vjson.append(time.perf_counter() - t0)
            assert c.pdf_path is not None
            pdf = c.pdf_path.read_bytes()
            t0 = time.perf_counter()
            assert cert_verify.verify_bytes(pdf, trusted=trusted).ok
            vpdf.append(time.perf_counter() - t0)
        ctx.close()
    for name, xs in (("issue (sign, chain, JSON+PDF, DB)", issue), ("verify JSON", vjson), ("verify PDF", vpdf)):
        print(f"{name}: median {1000 * statistics.median(xs):.1f} ms, max {1000 * max(xs):.1f} ms over {n}")
    print(f"JSON {len(data)} bytes, PDF {len(pdf)} bytes")


if __name__ == "__main__":
    corpus_rate()
    certificates(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
