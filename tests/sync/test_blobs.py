"""Content-addressed blobs: sent once whoever has them, checked against their sha256, resumable."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from station.sync import run_once
from station.sync.blobs import find_blob
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


def test_one_station_claiming_a_huge_upload_does_not_block_another(hub, tokens, hub_store):
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
    from datetime import timedelta

    from station.sync.hub import blobstore

    other = hashlib.sha256(b"never finished").hexdigest()
    httpx.put(f"{hub.url}/v1/blobs/{other}", params={"offset": 0, "total": 100}, content=b"x" * 10, headers=owner)
    with hub_store.session() as s:
        assert blobstore.expire_uploads(s, timedelta(hours=1)) == 0
        assert blobstore.expire_uploads(s, timedelta(0)) == 2  # the squatter's and this one
        assert blobstore.state(s, other, "bench-1") is None
