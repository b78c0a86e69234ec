"""Content-addressed blobs in PostgreSQL, uploaded in resumable chunks.

A blob is named by its sha256. A chunk is accepted only at the offset where the stored
bytes end, so a station that lost its connection asks how much arrived and continues
from there. When the last byte arrives the whole content is hashed; a mismatch throws
the upload away. Any hub instance can take any chunk: the state lives in the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station.sync.hub.auth import now
from station.sync.hub.models import HubBlob, HubBlobChunk
from station.sync.hub.schemas import BlobState

MAX_CHUNK = 16 * 1024 * 1024
MAX_BLOB = 8 * 1024 * 1024 * 1024


class BlobError(Exception):
    def __init__(self, status: int, message: str, state: BlobState | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.state = state


def _state(b: HubBlob) -> BlobState:
    return BlobState(sha256=b.sha256, size=b.size, received=b.received, complete=b.complete)


def state(s: Session, sha256: str) -> BlobState | None:
    b = s.get(HubBlob, sha256)
    return _state(b) if b is not None else None


def states(s: Session, shas: list[str]) -> list[BlobState]:
    if not shas:
        return []
    return [_state(b) for b in s.execute(select(HubBlob).where(HubBlob.sha256.in_(shas))).scalars()]


def put_chunk(
    s: Session, sha256: str, offset: int, total: int, data: bytes, station_id: str | None
) -> tuple[BlobState, str | None]:
    """Append `data` at `offset` of the blob of `total` bytes. Completing it checks the hash.

    Returns the new state and, when the finished content did not match its sha256, the
    reason: the upload was then discarded, and the caller commits that before answering 422.
    """
    if total < 0 or total > MAX_BLOB:
        raise BlobError(413, f"A blob may hold at most {MAX_BLOB} bytes.")
    if len(data) > MAX_CHUNK:
        raise BlobError(413, f"A chunk may hold at most {MAX_CHUNK} bytes; send smaller chunks.")
    if offset < 0 or offset + len(data) > total:
        raise BlobError(400, f"A chunk of {len(data)} bytes at offset {offset} does not fit a blob of {total}.")
    if not data and total > 0:
        raise BlobError(400, "An empty chunk adds nothing; send the bytes from the offset the hub reported.")
    s.execute(pg_insert(HubBlob).on_conflict_do_nothing().values(
        sha256=sha256, size=total, received=0, complete=False, station_id=station_id, created_at=now()
    ))
    blob = s.get(HubBlob, sha256, with_for_update=True, populate_existing=True)
    assert blob is not None
    if blob.complete:
        return _state(blob), None  # content-addressed: what we hold is already these bytes
    if blob.size != total:
        if blob.received:
            raise BlobError(409, f"This blob is being uploaded with size {blob.size}, not {total}.", _state(blob))
        blob.size = total
    if offset != blob.received:
        raise BlobError(409, f"The hub holds {blob.received} bytes of this blob; send from there.", _state(blob))
    if data:
        s.add(HubBlobChunk(sha256=sha256, offset=offset, data=data))
    blob.received = offset + len(data)
    if blob.received == blob.size:
        h = hashlib.sha256(data) if offset == 0 else _hash_stored(s, sha256)
        if h.hexdigest() != sha256:
            s.flush()
            s.execute(delete(HubBlobChunk).where(HubBlobChunk.sha256 == sha256))
            blob.received = 0
            return _state(blob), "The uploaded bytes do not match the blob's sha256; the upload was discarded."
        blob.complete, blob.completed_at = True, now()
    return _state(blob), None


def _hash_stored(s: Session, sha256: str) -> hashlib._Hash:
    s.flush()
    h = hashlib.sha256()
    for chunk in read(s, sha256):
        h.update(chunk)
    return h


def read(s: Session, sha256: str) -> Iterator[bytes]:
    """The blob's bytes in order, one chunk at a time (without holding all in memory)."""
    offsets = s.execute(
        select(HubBlobChunk.offset).where(HubBlobChunk.sha256 == sha256).order_by(HubBlobChunk.offset)
    ).scalars().all()
    for off in offsets:
        yield s.execute(
            select(HubBlobChunk.data).where(HubBlobChunk.sha256 == sha256, HubBlobChunk.offset == off)
        ).scalar_one()
