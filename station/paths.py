"""Where the station keeps its data.

Installed from the package (its /etc/triage-station/station.toml exists), a bench PC has one
station shared by every technician's account: data in /var/lib/triage-station (group `triage`,
setgid, so whoever is signed in writes files the next account can open) and IT's settings in
/etc/triage-station. From a checkout, the per-user platformdirs folder. --data-dir and
STATION_DATA_DIR override both.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "triage-station"
ENV_DATA_DIR = "STATION_DATA_DIR"
SYSTEM_CONFIG = Path("/etc/triage-station/station.toml")  # shipped by the package: its presence marks an install
SYSTEM_DATA_DIR = Path("/var/lib/triage-station")


def installed() -> bool:
    return SYSTEM_CONFIG.is_file()


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: the --data-dir flag wins, then STATION_DATA_DIR, then the package's shared
    folder when installed, then the per-user platform default."""
    if cli_value:
        path = Path(cli_value)
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    elif installed():
        path = SYSTEM_DATA_DIR
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return path.expanduser().resolve()


def private_mode(folder: Path) -> int:
    """Mode for a file only the station may read: its user's alone, or its group's too when the folder
    is a shared one (setgid, as the package makes /var/lib/triage-station): never anyone else's."""
    try:
        shared = bool(folder.stat().st_mode & stat.S_ISGID)
    except OSError:
        shared = False
    return 0o660 if shared else 0o600


class DataDir:
    """Named locations inside one data dir. Creating it is explicit (`ensure`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def system_config(self) -> Path | None:
        """IT's settings under /etc, read before the data dir's own station.toml (which the Supervisor
        panel writes): only for the package's shared data dir."""
        if self.root == SYSTEM_DATA_DIR.resolve() and installed():
            return SYSTEM_CONFIG
        return None

    @property
    def shared(self) -> bool:
        return private_mode(self.root) == 0o660

    @property
    def database(self) -> Path:
        return self.root / "station.sqlite3"

    @property
    def config_file(self) -> Path:
        return self.root / "station.toml"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def bays(self) -> Path:
        """Drive images the engine may wipe like drives (demo mode's bays); no other file is ever wiped."""
        return self.root / "sim-bays"

    @property
    def blobs(self) -> Path:
        """Content-addressed files (photos, certificate PDFs) by sha256."""
        return self.root / "blobs"

    @property
    def certificates(self) -> Path:
        return self.root / "certificates"

    @property
    def jobs(self) -> Path:
        """Progress and evidence files written by wipe worker processes."""
        return self.root / "jobs"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    def ensure(self) -> DataDir:
        if self.shared:
            # A shared bench's folder (setgid, the package's): everything this account creates here (logs,
            # blobs, the database) must stay writable by the next technician's account: group yes, others no.
            os.umask(0o007)
        else:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            st = self.root.stat()
            # station.toml holds the hub token and the database every unit's history: nobody else lists or
            # opens them, whatever umask made the folder or whoever copied it in (a folder not ours is left)
            if st.st_mode & 0o077 and st.st_uid == os.geteuid():
                self.root.chmod(0o700)
        for p in (self.log_dir, self.blobs, self.certificates, self.jobs):
            p.mkdir(parents=True, exist_ok=True)
        # The signing key: readable by the station's group when shared (the app signs as whoever is
        # signed in), by the station's user alone otherwise; writable by no group.
        self.keys.mkdir(parents=True, exist_ok=True, mode=0o750 if self.shared else 0o700)
        return self


HUB_DOCUMENTS = "hub"  # configuration documents pulled from the hub, as files the loaders read


def hub_documents(config_path: Path | None, kind: str) -> Path | None:
    """Folder of `kind` documents ('rules', 'layouts') the hub pushed to the station owning this
    settings file; None for settings not read from a data dir."""
    return config_path.parent / HUB_DOCUMENTS / kind if config_path is not None else None
