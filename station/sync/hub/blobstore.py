"""Content-addressed blobs in S3-compatible object storage, uploaded through the hub in resumable chunks.

A blob is named by its sha256. A chunk is accepted only at the offset where the hub's bytes
end, so a station that lost its connection asks how much arrived and continues from there.
PostgreSQL keeps the index (which blobs are finished, each station's unfinished upload); the
bytes go to the object storage (station.sync.hub.objects). Any hub instance can take any chunk.

Each station uploads to its own key: a station that claims a blob and stalls blocks only
itself, and an upload left alone for UPLOAD_TTL is aborted. A blob sent in one chunk (most
photos and PDFs) is checked in memory and stored in one PUT. A longer one becomes a multipart
upload; when its last byte arrives the hub reads it back, checks its sha256, and only then
copies it (server side) to the key readers get. A mismatch throws the upload away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from station.sync.hub.auth import now
from station.sync.hub.models import HubBlob, HubBlobUpload
from station.sync.hub.objects import PART_MIN, ObjectStore
from station.sync.hub.schemas import BlobState

MAX_CHUNK = 16 * 1024 * 1024
MAX_BLOB = 8 * 1024 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=24)  # an upload nobody added to for this long is thrown away
MISMATCH = "The uploaded bytes do not match the blob's sha256; the upload was discarded."


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
    s: Session, objects: ObjectStore, sha256: str, offset: int, total: int, data: bytes, station_id: str | None
) -> tuple[BlobState, str | None]:
    """Append `data` at `offset` of this station's upload of the blob of `total` bytes. Completing it checks
    the hash.

    Returns the new state and, when the finished content did not match its sha256, the reason: the
    upload was then discarded, and the caller commits that before answering 422.
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
    if offset == 0 and len(data) == total:  # the whole blob at once: check it here, one PUT, no upload state
        if hashlib.sha256(data).hexdigest() != sha256:
            _discard(s, objects, sha256, uploader)
            return BlobState(sha256=sha256, size=total, received=0, complete=False), MISMATCH
        objects.put(objects.final(sha256), data)
        return _finished(s, objects, sha256, total, uploader), None
    t = now()
    s.execute(pg_insert(HubBlobUpload).on_conflict_do_nothing().values(
        sha256=sha256, station_id=uploader, size=total, received=0, updated_at=t, parts=0, parted=0))
    up = s.get(HubBlobUpload, (sha256, uploader), with_for_update=True, populate_existing=True)
    assert up is not None
    if up.size != total:
        if up.received:
            raise BlobError(409, f"This station is uploading this blob with size {up.size}, not {total}.",
                            _upload_state(up))
        up.size = total
    if offset != up.received:
        raise BlobError(409, f"The hub holds {up.received} bytes of this blob; send from there.", _upload_state(up))
    end, tail_key, staging = offset + len(data), objects.tail(uploader, sha256), objects.staging(uploader, sha256)
    # the tail object may be longer than the row says (a crash after writing it): the row is the truth
    pending = (objects.get(tail_key)[:up.received - up.parted] if up.received > up.parted else b"") + data
    up.updated_at = t
    if end < total and len(pending) < PART_MIN:
        objects.put(tail_key, pending)
        up.received = end
        return _upload_state(up), None
    if up.upload_id is None:
        up.upload_id = objects.start(staging)
    objects.part(staging, up.upload_id, up.parts + 1, pending)
    up.parts, up.parted, up.received = up.parts + 1, end, end
    if end < total:
        return _upload_state(up), None
    objects.finish(staging, up.upload_id)
    h = hashlib.sha256()
    for block in objects.read(staging):
        h.update(block)
    if h.hexdigest() != sha256:
        _discard(s, objects, sha256, uploader)
        objects.delete(staging)
        return BlobState(sha256=sha256, size=total, received=0, complete=False), MISMATCH
    objects.copy(staging, objects.final(sha256))
    objects.delete(staging)
    return _finished(s, objects, sha256, total, uploader), None


def _finished(s: Session, objects: ObjectStore, sha256: str, total: int, uploader: str) -> BlobState:
    t = now()
    s.execute(pg_insert(HubBlob).on_conflict_do_nothing().values(
        sha256=sha256, size=total, received=total, complete=True, station_id=uploader, created_at=t,
        completed_at=t))  # another station finishing the same bytes first keeps its row: the bytes are equal
    _discard(s, objects, sha256, uploader)
    return BlobState(sha256=sha256, size=total, received=total, complete=True)


def _discard(s: Session, objects: ObjectStore, sha256: str, uploader: str) -> None:
    up = s.get(HubBlobUpload, (sha256, uploader))
    if up is None:
        return
    if up.upload_id:
        objects.abort(objects.staging(uploader, sha256), up.upload_id)
    objects.delete(objects.tail(uploader, sha256))
    s.execute(delete(HubBlobUpload).where(HubBlobUpload.sha256 == sha256, HubBlobUpload.station_id == uploader))


def expire_uploads(s: Session, objects: ObjectStore, older_than: timedelta = UPLOAD_TTL) -> int:
    """Abort unfinished uploads nobody added to for `older_than`, and multipart uploads the hub lost track of
    (an instance killed between starting one and committing); returns how many uploads were expired."""
    cutoff = now() - older_than
    stale = s.execute(select(HubBlobUpload.sha256, HubBlobUpload.station_id)
                      .where(HubBlobUpload.updated_at < cutoff)).all()
    for sha, station in stale:
        _discard(s, objects, sha, station)
    live = set(s.execute(select(HubBlobUpload.upload_id).where(HubBlobUpload.upload_id.is_not(None))).scalars())
    for key, upload_id in objects.uploads_started_before(cutoff):
        if upload_id not in live:
            objects.abort(key, upload_id)
    return len(stale)


def read(objects: ObjectStore, sha256: str) -> Iterator[bytes]:
    """The finished blob's bytes in order, a block at a time (never all in memory)."""
    return objects.read(objects.final(sha256))
