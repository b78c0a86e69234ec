"""Where the station keeps its data: platformdirs, overridden by --data-dir or STATION_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "triage-station"
ENV_DATA_DIR = "STATION_DATA_DIR"


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: the --data-dir flag wins, then STATION_DATA_DIR, then the platform default."""
    if cli_value:
        path = Path(cli_value)
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return path.expanduser().resolve()


class DataDir:
    """Named locations inside one data dir. Creating it is explicit (`ensure`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

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
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = self.root.stat()
        # station.toml holds the hub token and the database every unit's history: nobody else lists or
        # opens them, whatever umask made the folder or whoever copied it in (a folder not ours is left)
        if st.st_mode & 0o077 and st.st_uid == os.geteuid():
            self.root.chmod(0o700)
        for p in (self.log_dir, self.blobs, self.certificates, self.jobs):
            p.mkdir(parents=True, exist_ok=True)
        self.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


HUB_DOCUMENTS = "hub"  # configuration documents pulled from the hub, as files the loaders read


def hub_documents(config_path: Path | None, kind: str) -> Path | None:
    """Folder of `kind` documents ('rules', 'layouts') the hub pushed to the station owning this
    settings file; None for settings not read from a data dir."""
    return config_path.parent / HUB_DOCUMENTS / kind if config_path is not None else None
