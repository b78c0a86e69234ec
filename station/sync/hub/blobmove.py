"""`station hub move-blobs`: the photos and PDFs an older hub kept in PostgreSQL, moved to object storage.

Runs before the schema upgrade that drops blob_chunks (0008 refuses while it holds a finished
blob). Each blob is streamed in S3 parts, read back and checked against its sha256, and only
then are its rows in PostgreSQL deleted, one blob per transaction, so an interrupted move
resumes where it stopped.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.engine import Engine

from station.sync.hub.objects import PART_MIN, ObjectStore

_FINISHED = text("SELECT DISTINCT b.sha256, coalesce(b.station_id, '') FROM blobs b "
                 "JOIN blob_chunks c ON c.sha256 = b.sha256 AND c.station_id = coalesce(b.station_id, '') "
                 "WHERE b.complete")
_CHUNKS = text('SELECT data FROM blob_chunks WHERE sha256 = :sha AND station_id = :st ORDER BY "offset"')


def legacy_table(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT to_regclass('blob_chunks') IS NOT NULL")).scalar())


def move(engine: Engine, objects: ObjectStore) -> int:
    """Move every finished blob out of blob_chunks; returns how many were moved."""
    if not legacy_table(engine):
        return 0
    objects.prepare()
    with engine.connect() as conn:
        todo = conn.execute(_FINISHED).all()
    for sha, station in todo:
        key = objects.staging("move", sha)
        upload_id, number, pending = objects.start(key), 0, b""
        with engine.connect() as conn:
            for (data,) in conn.execute(_CHUNKS, {"sha": sha, "st": station}):
                pending += bytes(data)
                if len(pending) >= PART_MIN:
                    number += 1
                    objects.part(key, upload_id, number, pending)
                    pending = b""
        objects.part(key, upload_id, number + 1, pending)
        objects.finish(key, upload_id)
        h = hashlib.sha256()
        for block in objects.read(key):
            h.update(block)
        if h.hexdigest() != sha:
            objects.delete(key)
            raise RuntimeError(f"blob {sha} in PostgreSQL does not match its name; it was left there")
        objects.copy(key, objects.final(sha))
        objects.delete(key)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM blob_chunks WHERE sha256 = :sha"), {"sha": sha})
    return len(todo)
