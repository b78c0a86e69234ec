"""Fixtures shared by the phone tests: a simulated phone rig on a private adb server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from station.sim.adb_rig import AdbRig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[AdbRig]:
    """Simulated phones and their own adb server, killed at the end."""
    r = AdbRig(home=tmp_path / "adbhome", timeout=3.0).start()
    yield r
    r.close()


@pytest.fixture
def fast(ctx, rig: AdbRig):  # type: ignore[no-untyped-def]
    """The station, on the rig's private adb server, with timeouts sized for the simulator."""
    for key, value in {"phone.adb_server_port": rig.client.server_port, "phone.command_timeout_s": 3.0,
                       "phone.boot_timeout_s": 1.5, "phone.reset_timeout_s": 5.0, "phone.poll_interval_s": 0.1,
                       "phone.settle_s": 0.8}.items():
        ctx.config.set(key, value)
    return ctx
