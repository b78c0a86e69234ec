"""Content-addressed blobs in PostgreSQL, uploaded in resumable chunks.

A blob is named by its sha256. A chunk is accepted only at the offset where the stored
bytes end, so a station that lost its connection asks how much arrived and continues
from there. When the last byte arrives the whole content is hashed; a mismatch throws
the upload away. Any hub instance can take any chunk: the state lives in the database.
Each station uploads on its own, so a station that claims a blob and stalls blocks only
itself, and an upload left alone for UPLOAD_TTL is thrown away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station.sync.hub.auth import now
from station.sync.hub.models import HubBlob, HubBlobChunk, HubBlobUpload
from station.sync.hub.schemas import BlobState

MAX_CHUNK = 16 * 1024 * 1024
MAX_BLOB = 8 * 1024 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=24)  # an upload nobody added to for this long is thrown away


class BlobError(Exception):
    def __init__(self, status: int, message: str, state: BlobState | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.state = state


def _state(b: HubBlob) -> BlobState:
    return BlobState(sha256=b.sha256, size=b.size, received=b.received, complete=b.complete)


def _upload_state(u: HubBlobUpload) -> BlobState:
    return BlobState(sha256=u.sha256, size=u.size, received=u.received, complete=False)


def state(s: Session, sha256: str, station_id: str | None = None) -> BlobState | None:
    """The finished blob, else this station's own unfinished upload of it."""
    b = s.get(HubBlob, sha256)
    if b is not None and b.complete:
        return _state(b)
    u = s.get(HubBlobUpload, (sha256, station_id)) if station_id else None
    return _upload_state(u) if u is not None else None


def states(s: Session, shas: list[str], station_id: str | None = None) -> list[BlobState]:
    if not shas:
        return []
    done = {b.sha256: _state(b) for b in s.execute(
        select(HubBlob).where(HubBlob.sha256.in_(shas), HubBlob.complete)).scalars()}
    if station_id:
        for u in s.execute(select(HubBlobUpload).where(HubBlobUpload.sha256.in_(set(shas) - set(done)),
                                                      HubBlobUpload.station_id == station_id)).scalars():
            done[u.sha256] = _upload_state(u)
    return list(done.values())


def put_chunk(
    s: Session, sha256: str, offset: int, total: int, data: bytes, station_id: str | None
) -> tuple[BlobState, str | None]:
    """Append `data` at `offset` of this station's upload of the blob of `total` bytes. Completing it checks
    the hash.

    Each station uploads on its own (a claim of 8 GiB by one holds up no other). Returns the new
    state and, when the finished content did not match its sha256, the reason: the upload was
    then discarded, and the caller commits that before answering 422.
    """
    uploader = station_id or ""
    if total < 0 or total > MAX_BLOB:
        raise BlobError(413, f"A blob may hold at most {MAX_BLOB} bytes.")
    if len(data) > MAX_CHUNK:
        raise BlobError(413, f"A chunk may hold at most {MAX_CHUNK} bytes; send smaller chunks.")
    if offset < 0 or offset + len(data) > total:
        raise BlobError(400, f"A chunk of {len(data)} bytes at offset {offset} does not fit a blob of {total}.")
    if not data and total > 0:
        raise BlobError(400, "An empty chunk adds nothing; send the bytes from the offset the hub reported.")
    done = s.get(HubBlob, sha256)
    if done is not None and done.complete:
        return _state(done), None  # content-addressed: what we hold is already these bytes
    t = now()
    s.execute(pg_insert(HubBlobUpload).on_conflict_do_nothing().values(
        sha256=sha256, station_id=uploader, size=total, received=0, updated_at=t))
    up = s.get(HubBlobUpload, (sha256, uploader), with_for_update=True, populate_existing=True)
    assert up is not None
    if up.size != total:
        if up.received:
            raise BlobError(409, f"This station is uploading this blob with size {up.size}, not {total}.",
                            _upload_state(up))
        up.size = total
    if offset != up.received:
        raise BlobError(409, f"The hub holds {up.received} bytes of this blob; send from there.", _upload_state(up))
    if data:
        s.add(HubBlobChunk(sha256=sha256, station_id=uploader, offset=offset, data=data))
    up.received, up.updated_at = offset + len(data), t
    if up.received < up.size:
        return _upload_state(up), None
    h = hashlib.sha256(data) if offset == 0 else _hash_stored(s, sha256, uploader)
    if h.hexdigest() != sha256:
        s.flush()
        _discard(s, sha256, uploader)
        return BlobState(sha256=sha256, size=total, received=0, complete=False), \
            "The uploaded bytes do not match the blob's sha256; the upload was discarded."
    s.flush()
    won = s.execute(pg_insert(HubBlob).on_conflict_do_nothing().values(
        sha256=sha256, size=total, received=total, complete=True, station_id=uploader, created_at=t,
        completed_at=t).returning(HubBlob.sha256)).first()
    s.execute(delete(HubBlobUpload).where(HubBlobUpload.sha256 == sha256, HubBlobUpload.station_id == uploader))
    if won is None:  # another station finished the same bytes first: keep theirs
        s.execute(delete(HubBlobChunk).where(HubBlobChunk.sha256 == sha256, HubBlobChunk.station_id == uploader))
    return BlobState(sha256=sha256, size=total, received=total, complete=True), None


def _discard(s: Session, sha256: str, uploader: str) -> None:
    s.execute(delete(HubBlobChunk).where(HubBlobChunk.sha256 == sha256, HubBlobChunk.station_id == uploader))
    s.execute(delete(HubBlobUpload).where(HubBlobUpload.sha256 == sha256, HubBlobUpload.station_id == uploader))


def expire_uploads(s: Session, older_than: timedelta = UPLOAD_TTL) -> int:
    """Throw away unfinished uploads nobody added to for `older_than`; returns how many."""
    stale = s.execute(select(HubBlobUpload.sha256, HubBlobUpload.station_id)
                      .where(HubBlobUpload.updated_at < now() - older_than)).all()
    for sha, station in stale:
        _discard(s, sha, station)
    return len(stale)


def _hash_stored(s: Session, sha256: str, uploader: str) -> hashlib._Hash:
    s.flush()
    h = hashlib.sha256()
    for chunk in _chunks(s, sha256, uploader):
        h.update(chunk)
    return h


def _chunks(s: Session, sha256: str, uploader: str) -> Iterator[bytes]:
    offsets = s.execute(
        select(HubBlobChunk.offset).where(HubBlobChunk.sha256 == sha256, HubBlobChunk.station_id == uploader)
        .order_by(HubBlobChunk.offset)
    ).scalars().all()
    for off in offsets:
        yield s.execute(select(HubBlobChunk.data).where(
            HubBlobChunk.sha256 == sha256, HubBlobChunk.station_id == uploader, HubBlobChunk.offset == off,
        )).scalar_one()


def read(s: Session, sha256: str) -> Iterator[bytes]:
    """The finished blob's bytes in order, one chunk at a time (without holding all in memory)."""
    b = s.get(HubBlob, sha256)
    if b is None or not b.complete:
        return iter(())
    return _chunks(s, sha256, b.station_id or "")
