"""A throwaway PostgreSQL server from Debian's postgresql package, for tests and benchmarks.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster directory is
owned by the `postgres` user and initdb/pg_ctl run through `runuser -u postgres`.
As any other user they run directly. The server listens on 127.0.0.1 and a private
socket directory, so it never meets the system's own cluster.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin(name: str) -> str:
    for d in PG_BIN_DIRS:
        if (d / name).exists():
            return str(d / name)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found: install Debian's postgresql package (installer/system-packages.sh)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """initdb + pg_ctl start on a temp dir; stop() removes everything."""

    def __init__(self, *, durable: bool = False, keep: Path | None = None, settings: tuple[str, ...] = ()) -> None:
        # keep: a folder whose cluster outlives stop() and is started again as it is (a benchmark's filled database)
        self.keep = keep
        self.root = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="station-pg-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.port = free_port()
        self.durable = durable  # benchmarks keep fsync on; tests turn it off for speed
        self.settings = settings  # more "name=value" server settings
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *argv: str) -> None:
        cmd = list(argv)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    @property
    def reused(self) -> bool:
        return self.keep is not None and (self.data / "PG_VERSION").exists()

    def start(self) -> PostgresServer:
        if not self.reused:
            self._run(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--no-sync", "--locale=C")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts += "".join(f" -c {setting}" for setting in self.settings)
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-o", opts,
                  "-l", str(self.root / "server.log"), "start")
        atexit.register(self.stop)  # also when a run is interrupted: no server left behind
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str, template: str | None = None) -> str:
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def stop(self) -> None:
        if not self.root.exists():
            return
        try:
            if self.data.exists() and (self.data / "postmaster.pid").exists():
                # a kept cluster stops cleanly, so its next start needs no crash recovery
                mode = "fast" if self.keep else "immediate"
                self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        finally:
            if not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)
