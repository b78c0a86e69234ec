"""Simulated drive bays for demo mode: image files in the data folder.

Each bay is a real file in <data dir>/sim-bays, wiped for real by the same engine and
worker process as a physical drive (O_DIRECT where the filesystem allows it), read
back by the same verification, and certified the same way, marked simulated. No
privileges are needed. Removing a bay's file pulls it; it comes back at the next scan.

A bay is created sparse, so opening the demo costs no disk space, and is preallocated
by jobs.start() just before its first wipe, because first writes into holes run
several times slower than into allocated blocks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from station.config import Config
from station.devices.drive.discover import Drive
from station.devices.drives import DriveEntry, DriveTable, Verdict
from station.i18n import N_
from station.media import Bus, MediaFacts
from station.paths import DataDir

BAYS = 4
BAY_BYTES = 128 << 20
MODELS = ("Demo SATA SSD", "Demo SATA HDD", "Demo NVMe SSD", "Demo USB stick")


def bay_serial(folder: Path, bay: int) -> str:
    # Stable per data folder, distinct between benches running demos side by side.
    return f"SIM{bay}-{hashlib.sha256(str(folder).encode()).hexdigest()[:8].upper()}"


def make_bays(folder: Path, bays: int = BAYS, size: int = BAY_BYTES) -> None:
    """Create the missing bay files (sparse: see preallocate())."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, bays + 1):
        path = folder / f"bay{i}.img"
        if not path.exists():
            with open(path, "wb") as fh:
                fh.truncate(size)



def bay_drive(folder: Path, path: Path) -> Drive:
    bay = int(path.stem.removeprefix("bay") or 0)
    model = MODELS[(bay - 1) % len(MODELS)]
    buses: dict[str, Bus] = {"Demo NVMe SSD": "nvme", "Demo USB stick": "usb"}
    bus = buses.get(model, "ata")
    facts = MediaFacts(path=str(path), bus=bus, vendor="Simulated", model=model, serial=bay_serial(folder, bay),
                       firmware="SIM1", size_bytes=path.stat().st_size, logical_sector=512,
                       physical_sector=4096, rotational=model.endswith("HDD"),
                       extra={"simulated": True, "port": f"bay {bay}"})
    return Drive(name=path.stem, path=str(path), sys_path=str(path), facts=facts, port=f"bay {bay}",
                 simulated=True)


class SimDriveDriver(DriveTable):
    missing = N_("{label} is not in its bay. Put it back and try again.")

    def __init__(self, data_dir: Path, bays: int = BAYS, size: int = BAY_BYTES) -> None:
        super().__init__()
        self.folder = DataDir(data_dir).bays
        make_bays(self.folder, bays, size)

    def scan(self) -> list[DriveEntry]:
        return [DriveEntry(bay_drive(self.folder, p), Verdict(True)) for p in sorted(self.folder.glob("bay*.img"))]

    def monitor(self) -> None:
        return None  # no kernel events for files: the panel rescans on a timer instead


def sim_factory(_config: Config, data_dir: Path) -> SimDriveDriver:
    return SimDriveDriver(data_dir)
