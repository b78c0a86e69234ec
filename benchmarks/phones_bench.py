"""Phone figures with the real adb client against simulated phones on a private adb server.

- adb shell round trip (modern phone with shell_v2, old v1 phone with 4 KiB packets)
- reading one phone (identity + pre-checks: what `station phones` does per phone)
- how soon a reboot into recovery is seen: the station's re-dial (`adb disconnect; adb
  connect`) against waiting for the adb server's own reconnect (it retries every 10 s)
- a whole automatic erase (rooted phone, recovery --wipe_data, verification, certificate)
    python benchmarks/phones_bench.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from typing_extensions import override

from station.context import open_station
from station.erase.phone.wipe import inspect, wipe_phone
from station.prompt import OperatorPrompt
from station.sim.adb_models import clean_fbe, old_unencrypted
from station.sim.adb_rig import AdbRig


class NoQuestions(OperatorPrompt):
    def tell(self, message: str) -> None:
        pass

    def confirm(self, question: str) -> bool:
        raise AssertionError(question)

    @override
    def choose(self, question: str, options: list[str]) -> int | None:
        raise AssertionError(question)

    @override
    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        raise AssertionError(question)


def _ms(values: list[float]) -> str:
    values = sorted(values)
    return f"median {1000 * statistics.median(values):.1f} ms, p90 {1000 * values[int(0.9 * (len(values) - 1))]:.1f} ms"


def _timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _reboot_seen(rig: AdbRig, serial: str, redial: bool, limit: float = 30.0) -> float:
    rig.client.reboot(serial, "recovery")
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        listed = rig.client.listed(serial)
        state = rig.client.state(serial) if redial else (listed.state if listed else "absent")
        if state == "recovery":
            return time.perf_counter() - t0
        time.sleep(0.1)
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp, AdbRig(home=Path(tmp) / "adbhome", timeout=10) as rig:
        modern, old = rig.add(clean_fbe()), rig.add(old_unencrypted())
        for name, phone in (("shell_v2 phone", modern), ("v1 phone", old)):
            timed = _timed(lambda p=phone: rig.client.shell(p.serial, "id"), runs)  # type: ignore[misc]
            print(f"adb shell round trip, {name + ':':<17} {_ms(timed)}")
        ctx = open_station(Path(tmp) / "data")
        ctx.config.set("phone.adb_server_port", rig.client.server_port)
        print(f"identity + pre-checks of one phone:     "
              f"{_ms(_timed(lambda: inspect(ctx, rig.client, modern.serial), max(5, runs // 3)))}")
        for redial in (True, False):
            phone = rig.add(clean_fbe(f"REBOOT{int(redial)}"))
            seen = _reboot_seen(rig, phone.serial, redial)
            how = "re-dial (station)" if redial else "adb server's own retry"
            print(f"reboot -> recovery seen, {how}: {seen:.2f} s (the phone is back after "
                  f"{phone.model.boot_s:.1f} s)")
        for key, value in {"phone.command_timeout_s": 10.0, "phone.boot_timeout_s": 10.0,
                           "phone.reset_timeout_s": 20.0, "phone.poll_interval_s": 0.1}.items():
            ctx.config.set(key, value)
        rooted = rig.add(old_unencrypted("BENCH0001"))
        t0 = time.perf_counter()
        result = wipe_phone(ctx, rooted.serial, NoQuestions()).result
        total = time.perf_counter() - t0
        print(f"automatic erase end to end:             {total:.2f} s (sanitized={result.sanitized}, "
              f"{len(result.commands)} commands recorded, simulated boot {rooted.model.boot_s:.1f} s x2, "
              f"wipe {rooted.model.wipe_s:.1f} s)")
        ctx.close()


if __name__ == "__main__":
    main()
