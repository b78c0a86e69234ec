"""Committed records survive kill -9: every event reported committed is there, the chain verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import select

from station import events, store
from station.context import open_station
from station.models import Event

WRITER = textwrap.dedent("""
    import sys
    from station import events, units
    from station.context import open_station

    ctx = open_station(sys.argv[1])
    n = 0
    while True:
        with ctx.store.session() as s:
            unit = units.create(s, ctx.actor, {"serial": f"KILL-{n}"})
            ev = events.append(s, ctx.actor, "unit.scanned", {"n": n}, unit)
            seq = ev.seq
        print(seq, flush=True)  # only after the commit returned
        n += 1
""")


def test_sigkill_while_writing_loses_no_committed_event(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)], stdout=subprocess.PIPE, text=True)
    reported: list[int] = []
    assert proc.stdout is not None
    try:
        while len(reported) < 150:
            line = proc.stdout.readline()
            assert line, "writer died before it was killed"
            reported.append(int(line))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Lines printed after the last one we read were committed too; read what is left in the pipe.
    reported += [int(x) for x in proc.stdout.read().split()]

    assert store.check(data / "station.sqlite3").ok
    ctx = open_station(data)
    try:
        with ctx.store.reader() as s:
            present = set(s.execute(select(Event.seq)).scalars())
            report = events.verify_store_chain(s)
    finally:
        ctx.close()
    missing = [seq for seq in reported if seq not in present]
    assert not missing, f"committed events lost after kill -9: {missing[:10]}"
    assert report.ok, report.problem
    assert report.checked >= len(reported)
