"""One exception tree for the whole station.

`UserFacingError` carries the sentence the technician reads, shown as written:
what happened, and what to do. `Cancelled` is silent. Anything else is a bug: it is
logged with its traceback and the technician sees a short message.
"""

from __future__ import annotations


class StationError(Exception):
    """Base of every error the station raises on purpose."""


class UserFacingError(StationError):
    """An error whose text is shown to the technician as-is.

    The message must say what happened and what to do, e.g.
    "Printer at 10.0.0.7:9100 did not answer in 3 s; the label is queued."
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class ConfigError(UserFacingError):
    """A settings or data file is wrong; the message names the file, and the key or line."""


class DeviceError(UserFacingError):
    """A device is missing, unplugged, busy or answered badly."""


class StoreError(UserFacingError):
    """The local database cannot be opened, migrated or written."""


class Cancelled(StationError):
    """The operator cancelled. Never shown as an error."""
