"""A simulated Android phone: an adbd on 127.0.0.1 that the real `adb` client connects to.

`adb connect 127.0.0.1:PORT` talks to it exactly as to a phone over TCP: CNXN, optional
AUTH (RSA token signed by the host's key, or the host's public key shown as the "Allow
USB debugging?" prompt), then OPEN/OKAY/WRTE/CLSE streams for shell (raw or shell
protocol v2) and reboot services. A reboot closes every connection and the port for the
model's boot time, then the phone listens again in its new mode (Android, recovery,
sideload) with the matching banner, so the host sees it drop and come back.

The technician's hands are methods: accept_usb_debugging(), recovery_select(),
enable_usb_debugging(), unplug()/plug().
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from station.sim.adb_models import PhoneModel
from station.sim.adb_session import AdbdConnection
from station.sim.adb_shell import PhoneState

log = logging.getLogger(__name__)

MODES = ("android", "recovery", "sideload", "off")


class SimulatedPhone:
    def __init__(self, model: PhoneModel, host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self.state = PhoneState.new(model)
        self.host = host
        self.port = port
        self.mode = "android"
        self.adb_enabled = True
        self.plugged = True
        self.authorized_keys: list[tuple[int, int]] = []  # (e, n) of hosts allowed "always"
        self.history: list[str] = []  # what happened to the phone, for tests and the demo log
        self._lock = threading.RLock()
        self._listener: socket.socket | None = None
        self._conns: set[AdbdConnection] = set()
        self._stopped = threading.Event()
        self._drops_done = 0

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def serial(self) -> str:
        """The adb serial of this phone as the host lists it."""
        return f"{self.host}:{self.port}"

    def start(self) -> SimulatedPhone:
        self._update_listener()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._update_listener()

    def __enter__(self) -> SimulatedPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def adb_available(self) -> bool:
        if self._stopped.is_set() or not self.plugged:
            return False
        available = {"android": self.adb_enabled, "recovery": self.model.recovery_adb, "sideload": True}
        return available.get(self.mode, False)

    def _update_listener(self) -> None:
        """Listen while adbd runs in the current mode; otherwise close the port and every connection."""
        with self._lock:
            if self.adb_available() and self._listener is None:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.port))
                sock.listen(8)
                sock.settimeout(0.1)
                self.port = sock.getsockname()[1]
                self._listener = sock
                threading.Thread(target=self._accept_loop, args=(sock,), name=f"adbd-{self.port}",
                                 daemon=True).start()
            elif not self.adb_available():
                if self._listener is not None:
                    # shutdown() first: close() alone leaves the port listening until the accept thread's
                    # poll returns, and a host connecting in that window would wait on a dead socket.
                    with contextlib.suppress(OSError):
                        self._listener.shutdown(socket.SHUT_RDWR)
                    self._listener.close()
                    self._listener = None
                for conn in list(self._conns):
                    conn.close()
                self._conns.clear()

    def _accept_loop(self, sock: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not sock:
                    return
            try:
                client, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                if self._listener is not sock:
                    client.close()
                    return
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small replies must not wait 40 ms
                conn = AdbdConnection(self, client)
                self._conns.add(conn)
            conn.start()

    def forget(self, conn: AdbdConnection) -> None:
        with self._lock:
            self._conns.discard(conn)

    # --- what the phone does on its own ------------------------------------------------------

    def _set_mode(self, mode: str) -> None:
        """A new mode is a new adbd (or none): every host connection drops and must dial again."""
        with self._lock:
            self.mode = "off"
            self._update_listener()
            self.mode = mode
            self.history.append(f"mode {mode}")
            self._update_listener()

    def _later(self, seconds: float, fn: object, *args: object) -> None:
        def run() -> None:
            if not self._stopped.wait(seconds):
                fn(*args)  # type: ignore[operator]

        threading.Thread(target=run, daemon=True).start()

    def reboot(self, target: str = "android", wipe: bool = False) -> None:
        """Power-cycle into `target` (android, recovery, sideload, bootloader); `wipe`: recovery wipes itself."""
        self.history.append(f"reboot {target}" + (" (wipe requested)" if wipe else ""))
        self._set_mode("off")
        mode = {"": "android", "bootloader": "off"}.get(target, target)
        if mode not in MODES:
            mode = "android"
        self._later(self.model.boot_s, self._arrive, mode, wipe)

    def _arrive(self, mode: str, wipe: bool) -> None:
        self._set_mode(mode)
        if mode != "recovery":
            return
        command = self.state.files.get("/cache/recovery/command", b"")
        if wipe or b"--wipe_data" in command:
            self._later(self.model.wipe_s, self._recovery_auto_wipe)
        elif self.model.auto_technician:
            self._later(self.model.auto_technician_s, self._auto_technician)

    def _recovery_auto_wipe(self) -> None:
        self.history.append("recovery: --wipe_data")
        self.state.files.pop("/cache/recovery/command", None)
        self._wipe()
        self.reboot("android")

    def _auto_technician(self) -> None:
        if self.recovery_select("wipe_data"):
            self.recovery_select("reboot")

    def _wipe(self) -> None:
        self.state.factory_reset()
        self.authorized_keys.clear()  # /data/misc/adb/adb_keys is user data
        self.adb_enabled = self.model.adb_after_reset
        self.history.append("data wiped")

    # --- the technician's hands --------------------------------------------------------------

    def accept_usb_debugging(self) -> None:
        """Tap 'Allow' (with 'Always allow from this computer') on every pending prompt."""
        if self.model.auth == "never":  # locked with an unknown PIN: nobody can reach the prompt
            self.history.append("usb debugging prompt could not be answered")
            return
        for conn in list(self._conns):
            conn.accept_pending_key()

    def enable_usb_debugging(self) -> None:
        with self._lock:
            self.adb_enabled = True
            self.state.settings["global"]["adb_enabled"] = "1"
            self.history.append("usb debugging enabled")
            self._update_listener()

    def recovery_select(self, item: str) -> bool:
        """Pick a recovery menu item; returns False when the phone dropped off before it finished."""
        if self.mode not in ("recovery", "sideload"):
            raise RuntimeError(f"the phone is in {self.mode}, not in recovery")
        self.history.append(f"recovery menu: {item}")
        if item == "wipe_data":
            if self._drops_done < self.model.wipe_drops:
                self._drops_done += 1
                self.history.append("dropped off during the wipe")
                self._set_mode("off")
                time.sleep(self.model.boot_s)
                self._set_mode("recovery")
                return False
            time.sleep(self.model.wipe_s)
            self._wipe()
        elif item == "reboot":
            self.reboot("android")
        elif item == "sideload":
            self._set_mode("sideload")
        elif item == "cancel":
            self._set_mode("recovery")
        else:
            raise ValueError(f"no recovery menu item {item!r}")
        return True

    def unplug(self) -> None:
        with self._lock:
            self.plugged = False
            self._update_listener()

    def plug(self) -> None:
        with self._lock:
            self.plugged = True
            self._update_listener()
