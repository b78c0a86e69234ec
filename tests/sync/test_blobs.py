"""Content-addressed blobs: sent once whoever has them, checked against their sha256, resumable."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from station.sync import run_once
from station.sync.blobs import find_blob
from station.sync.hub.objects import ObjectStore
from tests.sync.factory import add_photos

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_a_blob_the_hub_already_has_is_not_sent_again(hub, tokens, make_station):
    a = make_station("bench-a", hub.url, tokens.station("bench-a"))
    b = make_station("bench-b", hub.url, tokens.station("bench-b"))
    shared = add_photos(a, 3, 50_000, seed=1)
    for sha in shared:  # the same files (e.g. one certificate PDF template) exist at bench-b too
        src = find_blob(a.data, sha)
        dst = b.data.blobs / sha
        dst.write_bytes(src.read_bytes())
    from station import events
    with b.store.session() as s:
        for sha in shared:
            events.enqueue_blob(s, sha)
    first = run_once(a)
    assert first.blobs_sent == 3 and first.bytes_sent == 150_000
    second = run_once(b)
    assert second.ok and second.blobs_skipped == 3 and second.blobs_sent == 0 and second.bytes_sent == 0


def test_hub_discards_bytes_that_do_not_match_the_name(hub, tokens):
    auth = {"Authorization": f"Bearer {tokens.station('bench-1')}"}
    content = b"x" * 1000
    wrong = hashlib.sha256(b"something else").hexdigest()
    r = httpx.put(f"{hub.url}/v1/blobs/{wrong}", params={"offset": 0, "total": 1000}, content=content, headers=auth)
    assert r.status_code == 422 and r.json()["received"] == 0
    # in two chunks: the mismatch is found at the end and the whole upload is thrown away
    r1 = httpx.put(f"{hub.url}/v1/blobs/{wrong}", params={"offset": 0, "total": 1000}, content=content[:600],
                   headers=auth)
    assert r1.status_code == 200 and r1.json() == {"sha256": wrong, "size": 1000, "received": 600, "complete": False}
    r2 = httpx.put(f"{hub.url}/v1/blobs/{wrong}", params={"offset": 600, "total": 1000}, content=content[600:],
                   headers=auth)
    assert r2.status_code == 422
    assert httpx.get(f"{hub.url}/v1/blobs/{wrong}", headers=auth).status_code == 404  # nothing kept


def test_a_chunk_at_the_wrong_offset_is_refused_with_where_to_continue(hub, tokens):
    auth = {"Authorization": f"Bearer {tokens.station('bench-1')}"}
    content = bytes(range(256)) * 8
    sha = hashlib.sha256(content).hexdigest()
    httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 0, "total": len(content)}, content=content[:1000],
              headers=auth)
    skip = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 1500, "total": len(content)},
                     content=content[1500:], headers=auth)
    assert skip.status_code == 409 and skip.json()["received"] == 1000
    done = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 1000, "total": len(content)},
                     content=content[1000:], headers=auth)
    assert done.status_code == 200 and done.json()["complete"] is True
    # a finished blob accepts a repeat of any chunk as a no-op
    again = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 0, "total": len(content)}, content=content,
                      headers=auth)
    assert again.status_code == 200 and again.json()["complete"] is True


def test_blob_files_are_found_flat_or_fanned_out_with_or_without_extension(ctx):
    content = b"blob"
    sha = hashlib.sha256(content).hexdigest()
    assert find_blob(ctx.data, sha) is None
    for path in (ctx.data.blobs / sha, ctx.data.blobs / sha[:2] / f"{sha}.pdf"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        assert find_blob(ctx.data, sha) == path
        path.unlink()
    assert find_blob(ctx.data, "../../etc/passwd") is None


def test_one_station_claiming_a_huge_upload_does_not_block_another(hub, tokens, hub_store, s3):
    content = bytes(range(256)) * 40
    sha = hashlib.sha256(content).hexdigest()
    squatter = {"Authorization": f"Bearer {tokens.station('bench-x')}"}
    owner = {"Authorization": f"Bearer {tokens.station('bench-1')}"}
    claim = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 0, "total": 8 * 1024**3},
                      content=b"\0" * 1000, headers=squatter)
    assert claim.status_code == 200 and claim.json()["size"] == 8 * 1024**3
    mine = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": 0, "total": len(content)}, content=content,
                     headers=owner)
    assert mine.status_code == 200 and mine.json()["complete"] is True
    readers = {"Authorization": f"Bearer {tokens.reader('ann')}"}
    assert httpx.get(f"{hub.url}/v1/blobs/{sha}/content", headers=readers).content == content
    # the squatter's half upload is only its own, and it expires
    assert httpx.get(f"{hub.url}/v1/blobs/{sha}", headers=squatter).json()["complete"] is True
    from station.sync.hub import blobstore

    other = hashlib.sha256(b"never finished").hexdigest()
    httpx.put(f"{hub.url}/v1/blobs/{other}", params={"offset": 0, "total": 100}, content=b"x" * 10, headers=owner)
    objects = ObjectStore(s3)
    assert objects.size(objects.tail("bench-x", sha)) == 1000  # the squatter's bytes: under its own key
    with hub_store.session() as s:
        assert blobstore.expire_uploads(s, objects, timedelta(hours=1)) == 0
        assert blobstore.expire_uploads(s, objects, timedelta(0)) == 2  # the squatter's and this one
        assert blobstore.state(s, other, "bench-1") is None
    assert objects.size(objects.tail("bench-x", sha)) is None and objects.size(objects.tail("bench-1", other)) is None


def test_photos_and_pdfs_go_to_object_storage_in_resumable_multipart_uploads(hub, tokens, make_station, hub_store,
                                                                             s3):
    """A blob over one chunk becomes an S3 multipart upload (parts of at least 5 MiB) under the station's own
    key; a station that lost its connection continues where the hub's bytes end; PostgreSQL holds no byte."""
    from sqlalchemy import text

    from station.sync.hub.objects import PART_MIN

    token = tokens.station("bench-1")
    ctx = make_station("bench-1", hub.url, token)
    [sha] = add_photos(ctx, 1, 2 * PART_MIN + 123_456, seed=7)
    content = find_blob(ctx.data, sha).read_bytes()
    auth = {"Authorization": f"Bearer {token}"}
    chunk = 3 * 1024 * 1024  # below S3's part minimum: the hub gathers chunks into parts
    for offset in (0, chunk, 2 * chunk):  # then the connection drops
        r = httpx.put(f"{hub.url}/v1/blobs/{sha}", params={"offset": offset, "total": len(content)},
                      content=content[offset:offset + chunk], headers=auth, timeout=60)
        assert r.status_code == 200 and r.json()["received"] == offset + chunk
    objects = ObjectStore(s3)
    with hub_store.session() as s:
        up = s.execute(text("SELECT parts, parted, upload_id FROM blob_uploads WHERE station_id = 'bench-1'")).one()
        assert up.parts == 1 and up.parted == 2 * chunk and up.upload_id  # one 6 MiB part, then a 3 MiB tail
    assert objects.size(objects.tail("bench-1", sha)) == chunk and objects.size(objects.final(sha)) is None
    report = run_once(ctx)  # the station asks how far the hub got and sends only the rest
    assert report.ok and report.blobs_sent == 1 and report.bytes_sent == len(content) - 3 * chunk
    readers = {"Authorization": f"Bearer {tokens.reader('ann')}"}
    assert httpx.get(f"{hub.url}/v1/blobs/{sha}/content", headers=readers, timeout=60).content == content
    assert objects.get(objects.final(sha)) == content
    assert objects.size(objects.staging("bench-1", sha)) is None and objects.size(objects.tail("bench-1", sha)) is None
    assert objects.uploads_started_before(datetime.now(UTC) + timedelta(days=1)) == []
    with hub_store.session() as s:
        tables = set(s.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert "blob_chunks" not in tables and s.execute(text("SELECT count(*) FROM blob_uploads")).scalar() == 0
        assert s.execute(text("SELECT pg_column_size(b.*) FROM blobs b")).scalar() < 300  # an index row, no bytes


def test_uploads_the_hub_lost_track_of_are_aborted_and_a_bad_multipart_blob_is_thrown_away(hub, tokens, hub_store,
                                                                                          s3):
    from station.sync.hub import blobstore
    from station.sync.hub.objects import PART_MIN

    objects = ObjectStore(s3)
    lost = objects.start(objects.staging("bench-9", "0" * 64))  # a hub killed before it committed the upload
    with hub_store.session() as s:
        blobstore.expire_uploads(s, objects, timedelta(hours=1))
        assert len(objects.uploads_started_before(datetime.now(UTC) + timedelta(days=1))) == 1  # still young
        blobstore.expire_uploads(s, objects, timedelta(0))
    assert objects.uploads_started_before(datetime.now(UTC) + timedelta(days=1)) == [], lost
    auth = {"Authorization": f"Bearer {tokens.station('bench-1')}"}
    content = b"y" * (PART_MIN + 10)
    wrong = hashlib.sha256(b"not these bytes").hexdigest()
    first = httpx.put(f"{hub.url}/v1/blobs/{wrong}", params={"offset": 0, "total": len(content)},
                      content=content[:PART_MIN], headers=auth, timeout=60)
    assert first.status_code == 200 and first.json()["received"] == PART_MIN
    last = httpx.put(f"{hub.url}/v1/blobs/{wrong}", params={"offset": PART_MIN, "total": len(content)},
                     content=content[PART_MIN:], headers=auth, timeout=60)
    assert last.status_code == 422 and last.json()["received"] == 0
    assert objects.size(objects.final(wrong)) is None and objects.size(objects.staging("bench-1", wrong)) is None
    assert httpx.get(f"{hub.url}/v1/blobs/{wrong}", headers=auth).status_code == 404


def test_blobs_an_older_hub_kept_in_postgresql_are_moved_before_the_upgrade_drops_them(pg, seaweed):
    """Upgrading must never drop the only copy of a photo: 0008 refuses while blob_chunks holds one."""
    from alembic import command
    from sqlalchemy import text

    from station.sync.hub import blobmove
    from station.sync.hub.db import alembic_config, make_engine, migrate

    engine = make_engine(pg.create_database("hub_legacy_blobs"), pool_size=1)
    command.upgrade(alembic_config(engine), "0007")
    content = os.urandom(300_000)
    sha = hashlib.sha256(content).hexdigest()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blobs (sha256, size, received, complete, station_id, created_at) "
                          "VALUES (:sha, :n, :n, true, 'bench-1', now())"), {"sha": sha, "n": len(content)})
        for off in range(0, len(content), 100_000):
            conn.execute(text('INSERT INTO blob_chunks (sha256, station_id, "offset", data) VALUES '
                              "(:sha, 'bench-1', :off, :data)"), {"sha": sha, "off": off,
                                                                  "data": content[off:off + 100_000]})
    with pytest.raises(RuntimeError, match="move-blobs"):
        migrate(engine)
    objects = ObjectStore(seaweed.settings(prefix="hub_legacy_blobs/"))
    assert blobmove.move(engine, objects) == 1
    assert objects.get(objects.final(sha)) == content
    migrate(engine)
    assert not blobmove.legacy_table(engine) and blobmove.move(engine, objects) == 0
    engine.dispose()
