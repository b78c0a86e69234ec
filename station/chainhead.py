"""The event chain's head, kept outside the database file: the anchor for the chain's tail.

The hash chain shows any event removed, edited or reordered in the middle, but not the
last events vanishing: a deleted or truncated WAL, or a `DELETE` of the newest rows,
leaves a shorter chain that still verifies. So after every commit that appended events,
the head (seq, hash) is also written to `station.chain-head.json` beside the database, atomically
(temporary file, fsync, rename, fsync of the folder), and the head the hub acknowledged
is added there after each sync. `station db check` compares the database with both.

The file only moves forward, and only over a chain that still holds the head it records:
once events are found missing it keeps naming them until someone restores the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station import atomic, paths
from station.errors import StoreError
from station.i18n import _

log = logging.getLogger(__name__)

SUFFIX = ".chain-head.json"  # station.sqlite3 -> station.chain-head.json: not caught by 'rm station.sqlite3*'


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Anchor:
    local: Head | None  # the newest head this station committed
    hub: Head | None  # the newest head the hub said it holds


def path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + SUFFIX)


def _head(raw: Any) -> Head | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("seq"), int) or not isinstance(raw.get("hash"), str):
        raise ValueError("a head needs an integer seq and a string hash")
    return Head(raw["seq"], raw["hash"])


def read(path: Path) -> Anchor | None:
    """The anchor, None when there is none yet; StoreError when the file is unreadable or damaged."""
    try:
        raw = json.loads(path.read_bytes())
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        return Anchor(_head(raw.get("local")), _head(raw.get("hub")))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(_("The chain head record {path} cannot be read ({strerror}).").format(
                path=path, strerror=exc.strerror)) from exc
    except ValueError as exc:
        raise StoreError(_("The chain head record {path} is damaged ({exc}); the newest events cannot be "
                           "checked against it. Run 'station db check'.").format(path=path, exc=exc)) from exc


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Two processes commit in turn but write the file after their commits: the lock and the
    # "only forward" rule keep the slower one from moving the head back.
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, paths.private_mode(path.parent))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _dump(anchor: Anchor) -> bytes:
    def one(h: Head | None) -> dict[str, Any] | None:
        return None if h is None else {"seq": h.seq, "hash": h.hash}
    return json.dumps({"local": one(anchor.local), "hub": one(anchor.hub)}, indent=1).encode() + b"\n"


def advance(path: Path, head: Head) -> None:
    """Record `head` as the chain's newest committed event, unless a newer one is recorded."""
    with _locked(path):
        current = _read_quiet(path)
        if current.local is not None and current.local.seq >= head.seq:
            return
        atomic.write_atomic(path, _dump(Anchor(head, current.hub)), paths.private_mode(path.parent))


def note_hub(path: Path, head: Head) -> None:
    """Record that the hub holds the chain up to `head`."""
    with _locked(path):
        current = _read_quiet(path)
        if current.hub is not None and current.hub.seq >= head.seq:
            return
        atomic.write_atomic(path, _dump(Anchor(current.local, head)), paths.private_mode(path.parent))


def _read_quiet(path: Path) -> Anchor:
    try:
        return read(path) or Anchor(None, None)
    except StoreError as exc:
        log.warning("%s", exc)  # a damaged record is replaced by the next good head
        return Anchor(None, None)


def missing(anchor: Anchor | None, db_head: Head | None, hash_at: dict[int, str | None]) -> list[str]:
    """Sentences for every way the database falls short of the anchor; empty when it holds.

    `hash_at[seq]` is the database's hash of event `seq` (None when there is no such event), for the
    seqs the anchor names.
    """
    if anchor is None:
        return []
    problems = []
    last = db_head.seq if db_head else 0
    for who, head in (("this station last recorded", anchor.local), ("the hub acknowledged", anchor.hub)):
        if head is None:
            continue
        if head.seq > last:
            first = last + 1
            span = f"event #{first} is" if first == head.seq else \
                f"events #{first} to #{head.seq} ({head.seq - last}) are"
            problems.append(f"{span} missing: {who} event #{head.seq} as the chain's head, "
                            f"and the database ends at #{last}")
        elif hash_at.get(head.seq) != head.hash:
            problems.append(f"event #{head.seq} is not the event {who} as the chain's head: events up to "
                            f"#{head.seq} were lost and the chain was written again over them")
    return problems
