"""iPhone figures with the unmodified pymobiledevice3 against the simulated usbmuxd and lockdownd.

- identify + pre-checks of one trusted iPhone 12: what `station phones` does per iPhone (a
  lockdownd session over TLS, five domains, MCInstall's cloud configuration and profiles, the
  diagnostics relay's AppleSmartBattery), and the hot-plug scan without the two services
- a whole erase: pre-checks, Erase All Content and Settings through MCInstall, the device off
  the bus for `--off-bus` seconds, pairing again in Setup Assistant, verification, certificate
    python benchmarks/iphones_bench.py [--runs 10] [--erases 3] [--off-bus 0.3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from station.context import open_station
from station.devices.phone.ios import list_iphones
from station.erase.phone.ios_erase import wipe_iphone
from station.erase.phone.ios_prechecks import ios_checks
from station.prompt import TerminalPrompt
from station.sim.ios_models import iphone12
from station.sim.ios_usbmuxd import SimulatedUsbmuxd


def _ms(values: list[float]) -> str:
    values = sorted(values)
    return f"median {1000 * statistics.median(values):.0f} ms, p90 {1000 * values[int(0.9 * (len(values) - 1))]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--erases", type=int, default=3)
    parser.add_argument("--off-bus", type=float, default=0.3, help="seconds the simulated iPhone is off the bus")
    args = parser.parse_args()
    with SimulatedUsbmuxd() as muxd, tempfile.TemporaryDirectory() as tmp:
        os.environ["USBMUXD_SOCKET_ADDRESS"] = muxd.address
        pairing = Path(tmp, "pairing")
        t0 = time.perf_counter()
        muxd.add("iphone12")
        first = list_iphones(pairing)
        ios_checks(first[0].values, first[0].domains, first[0].services)
        print(f"first identify + pre-checks (pymobiledevice3 import included): {time.perf_counter() - t0:.2f} s")
        full, scan = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            [listed] = list_iphones(pairing)
            ios_checks(listed.values, listed.domains, listed.services)
            full.append(time.perf_counter() - t)
            t = time.perf_counter()
            list_iphones(pairing, services=False)
            scan.append(time.perf_counter() - t)
        print(f"identify + pre-checks, one trusted iPhone 12: {_ms(full)}")
        print(f"hot-plug scan (identity and lockdownd domains, no services): {_ms(scan)}")

        data = Path(tmp, "data")
        data.mkdir()
        (data / "station.toml").write_text("[phone]\npoll_interval_s = 0.05\nreset_timeout_s = 60.0\n")
        ctx = open_station(data)
        erases = []
        try:
            for _ in range(args.erases):
                model = iphone12(udid=f"00008101-{len(erases):015d}E", serial=f"F2LDK{len(erases):07d}")
                model.erase.off_bus_s = args.off_bus
                phone = muxd.add(model)
                t = time.perf_counter()
                result = wipe_iphone(ctx, phone.udid, TerminalPrompt(True)).result
                erases.append(time.perf_counter() - t)
                assert result.sanitized, result.reason
                muxd.unplug(phone)
        finally:
            ctx.close()
        print(f"erase end to end (off the bus {args.off_bus} s, verification, certificate PDF): "
              f"{', '.join(f'{e:.2f} s' for e in erases)}; after the first (the station's signing key and "
              f"the PDF libraries): median {statistics.median(erases[1:] or erases):.2f} s")


if __name__ == "__main__":
    main()
