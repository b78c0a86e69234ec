"""Split the byte stream of a serial scanner into scans.

Scanners end each scan with CR, LF or CR LF (configurable on the scanner), some wrap
it in STX ... ETX. Bytes arrive in arbitrary chunks, so the framer keeps the partial
scan until its terminator. A scanner set to send no terminator is handled by
`flush()`, which the reader calls after a quiet gap.
"""

from __future__ import annotations

STX, ETX = 0x02, 0x03
TERMINATORS = frozenset({0x0D, 0x0A, ETX, 0x04})  # CR, LF, ETX, EOT
MAX_SCAN = 4096  # a runaway stream without terminators is cut, not buffered forever


class ScanFramer:
    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes) -> list[str]:
        """Scans completed by `data`, in order. Empty scans (CR LF pairs) are dropped."""
        scans: list[str] = []
        for byte in data:
            if byte in TERMINATORS:
                scans.extend(self._take())
            elif byte == STX:
                self._buf.clear()  # a new frame starts; anything before it was noise
            else:
                self._buf.append(byte)
                if len(self._buf) >= MAX_SCAN:
                    scans.extend(self._take())
        return scans

    def flush(self) -> list[str]:
        """The partial scan, for scanners that send no terminator."""
        return self._take()

    def _take(self) -> list[str]:
        if not self._buf:
            return []
        raw = bytes(self._buf)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # latin-1 never fails; the classifier says what is garbage
            text = raw.decode("latin-1")
        self._buf.clear()
        return [text]
