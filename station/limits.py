"""The sizes both ends agree on: what a station may record is exactly what the hub accepts.

The station refuses at the source (an operator name, an event's payload) whatever the
hub's wire schema (station.sync.hub.schemas) would refuse, so no event can be recorded
that would later stall the upload of everything behind it.
"""

from __future__ import annotations

import json
from typing import Any

STATION_ID_MAX = 64
OPERATOR_NAME_MAX = 120
UNIT_UID_MAX = 32
EVENT_KIND_MAX = 40
EVENT_KIND_PATTERN = r"^[a-z0-9_.]+$"
EVENT_PAYLOAD_MAX = 64 * 1024  # bytes of the payload's canonical JSON
EVENT_BATCH_MAX = 5000  # events in one upload
EVENT_BATCH_BYTES = 8 * 1024 * 1024  # a station cuts its batches below this; the hub reads up to twice it
JSON_DEPTH_MAX = 32
CONFIG_NAME_PATTERN = r"^[a-z0-9_-]{1,64}$"


def payload_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))

# What a station reports about itself with each sync (request headers on /v1/stations/me and /v1/events):
# its software version and how many outbox rows it still has to send beyond that request. Shown on the
# console's stations page.
STATION_VERSION_HEADER = "X-Station-Version"
STATION_BACKLOG_HEADER = "X-Station-Backlog"
STATION_VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,39}$"
STATION_BACKLOG_MAX = 10**9
