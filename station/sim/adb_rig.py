"""A private adb server with simulated phones connected to it: for tests and for demo mode.

The server runs the real `adb` on its own port (and, for tests, its own key folder), so it
never touches the technician's adb server on 5037 nor another test's. close() stops the
phones and always kills that server.
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

from station.devices.phone.adb import AdbClient
from station.errors import DeviceError
from station.sim.adb_models import MODELS, PhoneModel
from station.sim.adb_phone import SimulatedPhone


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AdbRig:
    def __init__(self, port: int = 0, *, home: Path | None = None, adb_path: str = "adb",
                 timeout: float = 5.0) -> None:
        if home is not None:
            home.mkdir(parents=True, exist_ok=True)
        self.client = AdbClient(adb_path, port or free_port(), timeout=timeout, home=home)
        self.chosen_port = port == 0
        self.phones: list[SimulatedPhone] = []

    def start(self) -> AdbRig:
        # A port found free can be taken by another program before adb binds it (seen once in
        # CI: "protocol fault"); a port this rig chose itself is then simply chosen again.
        for attempt in range(3):
            try:
                self.client.start_server()
                return self
            except DeviceError:
                if not self.chosen_port or attempt == 2:
                    raise
                self.client.server_port = free_port()
        return self

    def add(self, model: PhoneModel | str, *, connect: bool = True, settle_s: float = 2.0) -> SimulatedPhone:
        """Start a simulated phone; with `connect`, `adb connect` it and wait until its state settles."""
        if isinstance(model, str):
            model = MODELS[model]()
        phone = SimulatedPhone(model).start()
        self.phones.append(phone)
        if connect:
            self.client.connect(phone.serial)
            deadline = time.monotonic() + settle_s
            want = "unauthorized" if model.auth in ("never", "manual") else "device"
            while self.client.state(phone.serial) != want and time.monotonic() < deadline:
                time.sleep(0.05)
        return phone

    def close(self) -> None:
        for phone in self.phones:
            phone.stop()
        with contextlib.suppress(Exception):  # the server may already be gone; never leave the caller half torn down
            self.client.kill_server()

    def __enter__(self) -> AdbRig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
