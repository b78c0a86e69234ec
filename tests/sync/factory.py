"""Test and benchmark data for sync: station events and photo blobs, written quickly.

Events are built exactly as station.events.append builds them (same body, same hash,
same outbox row), but inserted in bulk; tests check the result with verify_store_chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, insert, select

from station import clock, events
from station.context import StationContext
from station.models import Event, Outbox
from station.sync.hub.app import create_app
from station.sync.hub.limits import Limits
from station.sync.hub.objects import S3Settings
from tests.sync.pgserver import free_port

ROOT = Path(__file__).resolve().parents[2]


def add_events(ctx: StationContext, n: int, *, kind: str = "unit.scanned", unit_uid: str | None = None,
               payload: Callable[[int], dict[str, Any]] | None = None, sync: bool = True,
               operator: Callable[[int], str] = lambda _i: "Tess") -> list[int]:
    """Append n events to the station's chain in one transaction; returns their seqs."""
    with ctx.store.session() as s:
        last = s.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
        seq, prev = (last[0], last[1]) if last else (0, events.GENESIS)
        next_id = (s.execute(select(func.max(Event.id))).scalar() or 0) + 1
        rows, outbox, seqs = [], [], []
        for i in range(n):
            seq += 1
            body = payload(i) if payload else {"i": i, "scan": f"SN{seq:08d}"}
            ev = Event(id=next_id + i, seq=seq, station_id=ctx.station_id, unit_id=None, unit_uid=unit_uid,
                       kind=kind, payload=events.canonical(body), operator_id=None, operator_name=operator(i),
                       created_at=clock.iso(), prev_hash=prev, hash="")
            ev.hash = events.event_hash(prev, events._body(ev))
            prev = ev.hash
            rows.append({c: getattr(ev, c) for c in ("id", "seq", "station_id", "unit_id", "unit_uid", "kind",
                                                      "payload", "operator_id", "operator_name", "created_at",
                                                      "prev_hash", "hash")})
            outbox.append({"kind": "event", "ref": str(ev.id), "created_at": ev.created_at, "attempts": 0})
            seqs.append(seq)
        if rows:
            s.execute(insert(Event), rows)
            if sync:
                s.execute(insert(Outbox), outbox)
    return seqs


def add_photos(ctx: StationContext, n: int, size: int, seed: int = 0) -> list[str]:
    """n distinct incompressible 'photos' stored as blobs/<ab>/<sha>.jpg and queued for upload."""
    shas = []
    with ctx.store.session() as s:
        for i in range(n):
            content = hashlib.sha256(f"{seed}:{i}".encode()).digest() + os.urandom(max(0, size - 32))
            sha = hashlib.sha256(content).hexdigest()
            path = ctx.data.blobs / sha[:2] / f"{sha}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            events.enqueue_blob(s, sha)
            shas.append(sha)
    return shas


def write_station_config(data_dir: Path, station_id: str, hub_url: str, token: str, **extra: Any) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    lines = ["[station]", f'id = "{station_id}"', "[sync]", f'hub_url = "{hub_url}"', f'token = "{token}"']
    if hub_url.startswith("http://"):  # the test hubs serve plain http on 127.0.0.1
        extra.setdefault("allow_insecure", True)
    for key, value in extra.items():  # more [sync] settings
        lines.append(f"{key} = {json.dumps(value)}")
    (data_dir / "station.toml").write_text("\n".join(lines) + "\n")


class HubProcess:
    """`station hub serve` as a real process: started, killed -9, restarted on the same port."""

    def __init__(self, database_url: str, port: int, data_dir: Path, workers: int = 1, tls: bool = False,
                 s3: S3Settings | None = None) -> None:
        self.database_url, self.port, self.data_dir, self.workers = database_url, port, data_dir, workers
        if s3 is not None:  # hub.toml: the hub's settings file in its data dir
            data_dir.mkdir(parents=True, exist_ok=True)
            (data_dir / "station.toml").write_text(
                f'[hub]\ns3_endpoint = "{s3.endpoint}"\ns3_bucket = "{s3.bucket}"\ns3_prefix = "{s3.prefix}"\n'
                f's3_access_key = "{s3.access_key}"\ns3_secret_key = "{s3.secret_key}"\n')
        self.proc: subprocess.Popen[bytes] | None = None
        self.tls = tls  # the hub's own default: a certificate made on first start
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    def start(self, timeout: float = 60.0) -> HubProcess:
        env = {**os.environ, "STATION_HUB_DATABASE_URL": self.database_url, "PYTHONPATH": str(ROOT)}
        with open(self.data_dir / "hub.log", "ab") as log:  # the child keeps its own copy of the fd
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "station", "--data-dir", str(self.data_dir), "hub", "serve",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                 *([] if self.tls else ["--plain-http"])],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: {(self.data_dir / 'hub.log').read_text()}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1, verify=False).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("hub did not become ready")

    def fingerprint(self) -> str:
        """The fingerprint `station hub serve` printed for its own certificate."""
        for line in (self.data_dir / "hub.log").read_text().splitlines():
            if line.startswith("fingerprint "):
                return line.split()[1]
        raise AssertionError("the hub printed no fingerprint")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class ThreadHub:
    """The hub app served by uvicorn on a real socket, in a thread of the test process."""

    def __init__(self, database_url: str, port: int | None = None, limits: Limits | None = None,
                 s3: S3Settings | None = None, **uv: object) -> None:
        self.app = create_app(database_url, limits=limits, s3=s3)
        self.port = port or free_port()
        scheme = "https" if uv.get("ssl_certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", **uv))  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ThreadHub:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("hub thread did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
