"""Files written whole or not at all, and OS errors turned into the sentence a technician reads.

A crash or a full disk halfway through `write_bytes` leaves a 0-byte or cut file where a
good one was (a label PNG, a key, a record). Here the bytes go to a temporary file in the
same folder, are fsynced, and only then take the name, so a reader sees the old file or
the new one.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from station.errors import UserFacingError
from station.i18n import _

_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is mounted read-only",
    errno.EIO: "the disk reported an I/O error",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
    errno.ENOENT: "its folder does not exist",
}
# Failures of the disk itself rather than of one command: the CLI words them even where no one expected them.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def why(exc: OSError) -> str:
    """A short cause for an OSError, in words."""
    return _WHY.get(exc.errno or 0, exc.strerror or str(exc))


def write_error(path: Path, exc: OSError, what: str = "") -> UserFacingError:
    thing = f"{what} {path}" if what else str(path)
    return UserFacingError(_("Could not write {thing}: {why}. Nothing was half-written; free some space or "
                             "choose another place, and try again.").format(thing=thing, why=why(exc)))


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, exclusive: bool = False) -> bool:
    """Write `data` to `path` in one step. With `exclusive`, an existing file is kept and False returned.

    Raises OSError; callers turn it into a sentence with `write_error`.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            try:
                os.link(tmp, path)  # fails if the name exists: two first starts cannot both win
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _sync_dir(path.parent)
    return True


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a directory; the data is already safe
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
