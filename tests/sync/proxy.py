"""A TCP proxy between station and hub that can cut the network at chosen moments.

- `cut_after_upload(n)`: once n bytes went station -> hub, every connection is cut.
- `drop_replies_to = b"POST /v1/events"`: such requests reach the hub, but their reply
  is thrown away and the connection closed: the hub committed, the station never heard.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.drop_replies_to: bytes | None = None
        self.uploaded = 0
        self.upload_limit: int | None = None
        self.cuts = 0
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after_upload(self, n: int | None) -> None:
        with self._lock:
            self.uploaded, self.upload_limit = 0, n

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self._cut_all()

    def _cut_all(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self._socks += [client, upstream]
            last: dict[str, bytes] = {"request": b""}
            threading.Thread(target=self._pump, args=(client, upstream, True, last), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False, last), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upward: bool, last: dict[str, bytes]) -> None:
        try:
            while data := src.recv(65536):
                if upward and data[:8].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"HEAD"):
                    last["request"] = data[:64]
                if upward:
                    with self._lock:
                        self.uploaded += len(data)
                        over = self.upload_limit is not None and self.uploaded > self.upload_limit
                    if over:
                        keep = len(data) - (self.uploaded - (self.upload_limit or 0))
                        if keep > 0:
                            dst.sendall(data[:keep])
                        self.cuts += 1
                        self._cut_all()
                        return
                elif self.drop_replies_to and last["request"].startswith(self.drop_replies_to):
                    self.cuts += 1
                    return  # the finally below closes both sides: the reply is lost
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):  # shutdown, not just close: the peer must see the end now
                    s.shutdown(socket.SHUT_RDWR)
