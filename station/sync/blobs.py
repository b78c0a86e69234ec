"""Finding a queued blob on disk, and uploading it to the hub in resumable chunks.

Blobs live under DataDir.blobs named by their sha256, either flat (blobs/<sha>) or fanned
out (blobs/<ab>/<sha>), with or without an extension (photos are <sha>.jpg). The file is
hashed before upload: a damaged local file is reported, never sent as if it were the blob.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.paths import DataDir
from station.sync.client import HubClient, HubRejected

CHUNK = 4 * 1024 * 1024  # one request per chunk; a lost connection costs at most this much again
_SHA = re.compile(r"^[0-9a-f]{64}$")


class BlobProblem(Exception):
    """This one blob cannot be sent now (missing or damaged locally, refused by the hub); others can."""


_USUAL = ("", ".jpg", ".pdf", ".json", ".png")  # tried first by name; anything else by a (slower) glob


def find_blob(data: DataDir, sha256: str) -> Path | None:
    if not _SHA.match(sha256):
        return None
    folders = (data.blobs, data.blobs / sha256[:2])
    for folder in folders:
        for ext in _USUAL:
            if (folder / f"{sha256}{ext}").is_file():
                return folder / f"{sha256}{ext}"
    for folder in folders:
        for candidate in sorted(folder.glob(f"{sha256}.*")):
            if candidate.is_file() and not candidate.name.endswith(".tmp"):
                return candidate
    return None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


@dataclass
class Upload:
    sha256: str
    size: int
    sent: int = 0  # bytes sent in this attempt (less than size when resumed)
    skipped: bool = False  # the hub already had it


def upload(client: HubClient, data: DataDir, sha256: str, known: dict[str, Any] | None,
           chunk: int = CHUNK) -> Upload:
    """Send the blob unless the hub has it; resume after the bytes the hub already holds."""
    if known is not None and known.get("complete"):
        return Upload(sha256, int(known.get("size", 0)), skipped=True)
    path = find_blob(data, sha256)
    if path is None:
        raise BlobProblem(f"blob {sha256[:12]} is queued but its file is missing from {data.blobs}")
    size = path.stat().st_size
    whole = path.read_bytes() if size <= chunk else None  # small ones: read once, hash and send the same bytes
    if (hashlib.sha256(whole).hexdigest() if whole is not None else file_sha256(path)) != sha256:
        raise BlobProblem(f"{path} is damaged: its content no longer matches its sha256")
    offset = int(known["received"]) if known is not None and int(known.get("size", -1)) == size else 0
    result = Upload(sha256, size)
    with open(path, "rb") as fh:
        for _ in range(size // max(chunk, 1) + 8):  # bounded: a misbehaving hub cannot loop us forever
            if whole is not None:
                piece = whole[offset:offset + chunk]
            else:
                fh.seek(offset)
                piece = fh.read(chunk)
            try:
                state = client.put_chunk(sha256, offset, size, piece)
            except HubRejected as exc:
                if exc.status == 409 and isinstance(exc.body, dict) and "received" in exc.body:
                    offset = int(exc.body["received"])  # someone else moved it on; continue from there
                    continue
                raise BlobProblem(f"the hub refused blob {sha256[:12]}: {exc.message}") from exc
            result.sent += len(piece)
            if state.get("complete"):
                return result
            offset = int(state["received"])
    raise BlobProblem(f"the hub did not complete blob {sha256[:12]}; it will be retried")
