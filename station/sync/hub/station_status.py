"""What a station says about itself with each sync: its software version and its outbox backlog.

Both arrive as request headers (station.limits names and bounds them) on the two calls every sync pass
makes, and land on the station's row, so the console's stations page can show which benches run old
software and which are holding back a pile of unsent records. A malformed value is refused with 422:
a station that sends one is not the station software.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from fastapi import HTTPException
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from station import limits
from station.sync.hub.models import HubStation

_VERSION = re.compile(limits.STATION_VERSION_PATTERN)


@dataclass(frozen=True)
class Status:
    version: str | None
    backlog: int | None

    @property
    def empty(self) -> bool:
        return self.version is None and self.backlog is None


def read(headers: Headers) -> Status:
    version = headers.get(limits.STATION_VERSION_HEADER)
    backlog = headers.get(limits.STATION_BACKLOG_HEADER)
    if version is not None and not _VERSION.match(version):
        raise HTTPException(422, f"{limits.STATION_VERSION_HEADER} must be a version such as 1.4.2 "
                                 "(letters, digits and . + _ ~ -, at most 40 characters).")
    count: int | None = None
    if backlog is not None:
        if not backlog.isdigit() or len(backlog) > 10 or int(backlog) > limits.STATION_BACKLOG_MAX:
            raise HTTPException(422, f"{limits.STATION_BACKLOG_HEADER} must be a whole number from 0 to "
                                     f"{limits.STATION_BACKLOG_MAX}.")
        count = int(backlog)
    return Status(version, count)


def record(s: Session, station_id: str, status: Status, at: datetime) -> None:
    if status.empty:
        return
    row = s.get(HubStation, station_id)
    if row is None:
        return
    if status.version is not None:
        row.version = status.version
    if status.backlog is not None:
        row.backlog, row.backlog_at = status.backlog, at
