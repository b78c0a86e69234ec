"""Files in a wipe job's folder, written by a worker that may run as root for its caller.

The caller chooses the folder and owns it, so nothing in it is trusted: the worker opens
the folder once (O_DIRECTORY | O_NOFOLLOW, after checking who owns it) and reaches every
file relative to that descriptor, never through a link, and only ever writes files it
has just created itself (O_EXCL): a name planted there is unlinked, never written through.
Job ids are checked against a strict pattern before they reach a path or a log, and any
text from the spec that reaches the log is escaped.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_SPEC_BYTES = 1 << 20
_CREATE = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class Untrusted(Exception):
    """The job folder or its spec is not what the station writes; nothing was done."""


def check_job_id(job_id: object) -> str:
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise Untrusted(f"the job id {escape(str(job_id))} is not a station job id")
    return job_id


def escape(text: str, limit: int = 300) -> str:
    """One log line's worth of text: control characters (newlines above all) shown, not obeyed."""
    out = text.encode("unicode_escape").decode("ascii")
    return out if len(out) <= limit else out[:limit] + "..."


def open_dir(path: Path, *, owner: int | None = None) -> int:
    """A descriptor on the job folder. `owner`: the caller's uid, when running for someone else:
    the folder must be a real directory of the caller's or root's, writable by no one else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise Untrusted(f"{escape(str(path))} is not a job folder ({exc.strerror})") from exc
    st = os.fstat(fd)
    if owner is not None and (st.st_uid not in (owner, 0) or st.st_mode & 0o022):
        os.close(fd)
        raise Untrusted(f"{escape(str(path))} belongs to uid {st.st_uid} or is writable by others")
    return fd


def create(dir_fd: int, name: str, mode: int = 0o644, *, readable: bool = False) -> int:
    """A new file `name` in the folder, created by us now; whatever had that name goes first."""
    flags = _CREATE | (os.O_RDWR if readable else os.O_WRONLY)
    try:
        return os.open(name, flags, mode, dir_fd=dir_fd)
    except FileExistsError:
        os.unlink(name, dir_fd=dir_fd)  # a planted link or file: removed, never followed
        return os.open(name, flags, mode, dir_fd=dir_fd)


def write_atomic(dir_fd: int, name: str, content: bytes) -> None:
    """Replace `name` with `content` by a rename from a fresh temporary file; durable."""
    tmp = f".{name}.tmp"
    fd = create(dir_fd, tmp)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a link itself, not its target
    os.fsync(dir_fd)


def write_json(dir_fd: int, name: str, doc: dict[str, Any]) -> None:
    write_atomic(dir_fd, name, json.dumps(doc, indent=1, sort_keys=True).encode("utf-8"))


def read_json(dir_fd: int, name: str) -> dict[str, Any]:
    """A JSON object from a regular file in the folder (no link), of bounded size."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as exc:
        raise Untrusted(f"{name} cannot be opened ({exc.strerror})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Untrusted(f"{name} is not a regular file")
        data = os.read(fd, MAX_SPEC_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SPEC_BYTES:
        raise Untrusted(f"{name} is larger than {MAX_SPEC_BYTES} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Untrusted(f"{name} is not readable JSON") from exc
    if not isinstance(doc, dict):
        raise Untrusted(f"{name} is not a JSON object")
    return doc


def exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return False
    return True
