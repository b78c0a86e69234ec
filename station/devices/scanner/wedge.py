"""Tell a keyboard-wedge scan from typing, without Qt.

A wedge scanner is a keyboard that types very fast. The decoder is fed one key at a
time with its time and an opaque token (the GUI's copy of the key event) and answers
with a `Step`: hold the key for now, hand back earlier held keys to deliver after all
(they were typing), and/or a complete scan.

Two modes, chosen by settings:
- With a prefix (e.g. STX): only a key burst that starts with the prefix is held, so
  typing is delivered at once; the scan runs to the suffix.
- Without a prefix: every printable key is held for at most `max_gap_ms`. A burst
  whose keys all came within `max_gap_ms` of each other, at least `min_length` long
  and ended by the suffix, is a scan. Anything else is delivered, in order: typing is
  delayed by at most `max_gap_ms`, never swallowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_BURST = 512  # no scan is longer; a stuck key is typing


@dataclass
class Step(Generic[T]):
    hold: bool = False  # swallow the key just fed (it is in the buffer, or in `replay`)
    replay: list[T] = field(default_factory=list)  # deliver these now, in order
    scan: str | None = None


class WedgeDecoder(Generic[T]):
    def __init__(self, prefix: str = "", suffix: str = "\r", max_gap_ms: float = 35, min_length: int = 6) -> None:
        self.prefix, self.suffix = prefix, suffix
        self.max_gap_ms, self.min_length = float(max_gap_ms), max(1, int(min_length))
        self._buf: list[tuple[str, T]] = []
        self._last = 0.0

    # -- what the GUI asks -------------------------------------------------------------
    def wants(self, ch: str | None) -> bool:
        """Would this key be held? (Asked before shortcuts get a chance at it.)"""
        if ch is None:
            return False
        return bool(self._buf) or self._starts(ch)

    def deadline(self) -> float | None:
        """When `timeout()` should be called if no key comes first."""
        return self._last + self.max_gap_ms if self._buf else None

    def key(self, ch: str | None, token: T, t_ms: float) -> Step[T]:
        """Feed one key press. `ch` None means a key that cannot be part of a scan (arrows, F-keys...)."""
        step: Step[T] = Step()
        if self._buf and t_ms - self._last > self.max_gap_ms:
            self._end(step)  # the timer was late; the burst ended before this key
        if ch is None:
            self._end(step)
            return step  # not held: delivered after what was held before it
        if not self._buf and not self._starts(ch):
            return step
        self._buf.append((ch, token))
        self._last = t_ms
        step.hold = True
        text = "".join(c for c, _ in self._buf)
        if self.prefix:
            if not (text.startswith(self.prefix) or self.prefix.startswith(text)):
                self._release(step)  # looked like the prefix, was not
            elif self.suffix and len(text) >= len(self.prefix) + len(self.suffix) and text.endswith(self.suffix):
                self._complete(step, text[len(self.prefix):len(text) - len(self.suffix)])
        elif self.suffix and text.endswith(self.suffix):
            body = text[: len(text) - len(self.suffix)]
            if len(body) >= self.min_length:
                self._complete(step, body)
            else:
                self._release(step)  # short: someone typed a word and pressed Enter
        if len(self._buf) > MAX_BURST:
            self._release(step)
        return step

    def timeout(self, t_ms: float) -> Step[T]:
        """The quiet gap passed: end the burst (a scan only for scanners sending no suffix)."""
        step: Step[T] = Step()
        if self._buf and t_ms - self._last >= self.max_gap_ms:
            self._end(step)
        return step

    def flush(self) -> Step[T]:
        """End any burst now (focus change, tests, shutdown)."""
        step: Step[T] = Step()
        self._end(step)
        return step

    # -- internals ------------------------------------------------------------------------
    def _starts(self, ch: str) -> bool:
        if self.prefix:
            return ch == self.prefix[0]
        # A lone suffix (Enter) or a control character never starts a scan.
        return ch.isprintable() and not (self.suffix and ch == self.suffix[0])

    def _end(self, step: Step[T]) -> None:
        text = "".join(c for c, _ in self._buf)
        if not self._buf:
            return
        if self.prefix and not self.suffix and text.startswith(self.prefix) and len(text) > len(self.prefix):
            self._complete(step, text[len(self.prefix):])
        elif not self.prefix and not self.suffix and len(text) >= self.min_length:
            self._complete(step, text)
        else:
            self._release(step)

    def _complete(self, step: Step[T], body: str) -> None:
        self._buf.clear()
        step.scan = body or None

    def _release(self, step: Step[T]) -> None:
        step.replay.extend(token for _, token in self._buf)
        self._buf.clear()
