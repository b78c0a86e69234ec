"""The hub's wire format (pydantic), which is also its published OpenAPI schema.

Strings refuse NUL characters and floats must be finite: PostgreSQL text and jsonb
cannot hold them, and a request the database would refuse must be a 422, never a 500.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, StringConstraints, ValidationInfo, field_validator

from station import limits
from station.events import canonical

HEX64 = r"^[0-9a-f]{64}$"
MAX_BATCH = limits.EVENT_BATCH_MAX
_MAX_DEPTH = limits.JSON_DEPTH_MAX

Name = Annotated[str, StringConstraints(min_length=1, max_length=limits.STATION_ID_MAX, pattern=r"^[^\x00\s]+$")]
ShortText = Annotated[str, StringConstraints(max_length=limits.OPERATOR_NAME_MAX, pattern=r"^[^\x00]*$")]
Hex64 = Annotated[str, StringConstraints(pattern=HEX64)]


def check_json(value: Any, depth: int = 0) -> None:
    """Reject what jsonb cannot store: NUL in strings, NaN/Infinity, absurd nesting."""
    if depth > _MAX_DEPTH:
        raise ValueError("payload is nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("payload strings may not contain NUL characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("payload numbers must be finite")
    elif isinstance(value, dict):
        for k, v in value.items():
            check_json(k, depth + 1)
            check_json(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            check_json(v, depth + 1)


def _str(v: str | None) -> str:
    return "null" if v is None else canonical(v)


def _int(v: int | None) -> str:
    return "null" if v is None else int.__repr__(v)


class EventIn(BaseModel):
    """One event exactly as the station hashed it, plus its chain links."""

    seq: int = Field(ge=1, le=2**62)
    station: Name
    unit: Annotated[str, StringConstraints(max_length=limits.UNIT_UID_MAX, pattern=r"^[^\x00]*$")] | None = None
    kind: Annotated[str, StringConstraints(min_length=1, max_length=limits.EVENT_KIND_MAX,
                                           pattern=limits.EVENT_KIND_PATTERN)]
    payload: dict[str, Any]
    operator: ShortText | None = None
    operator_id: int | None = Field(default=None, ge=-(2**62), le=2**62)
    at: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")]
    prev_hash: Hex64
    hash: Hex64
    _payload_text: str = PrivateAttr(default="")

    @field_validator("payload")
    @classmethod
    def _payload_storable(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        check_json(v)
        text = canonical(v)
        if len(text.encode("utf-8")) > limits.EVENT_PAYLOAD_MAX:
            raise ValueError(f"payload is larger than {limits.EVENT_PAYLOAD_MAX} bytes")
        if isinstance(info.context, dict):  # written once: the size check, the hashed body and storage share it
            info.context["payload_text"] = text
        return v

    def model_post_init(self, context: Any) -> None:
        if isinstance(context, dict) and "payload_text" in context:
            self._payload_text = context["payload_text"]

    def payload_text(self) -> str:
        """The payload's canonical JSON."""
        # read straight from pydantic's store: self._payload_text goes through a failed lookup and __getattr__
        return (self.__pydantic_private__ or {}).get("_payload_text") or canonical(self.payload)

    def canonical_body(self) -> str:
        """canonical(self.body()), put together around the payload's text instead of writing that again.
        The keys are in canonical (sorted) order; the values are written by the same encoder."""
        return (f'{{"at":{_str(self.at)},"kind":{_str(self.kind)},"operator":{_str(self.operator)},'
                f'"operator_id":{_int(self.operator_id)},"payload":{self.payload_text()},"seq":{_int(self.seq)},'
                f'"station":{_str(self.station)},"unit":{_str(self.unit)}}}')

    def body(self) -> dict[str, Any]:
        """The hashed body, field for field as station.events builds it."""
        return {
            "seq": self.seq, "station": self.station, "unit": self.unit, "kind": self.kind,
            "payload": self.payload, "operator": self.operator, "operator_id": self.operator_id, "at": self.at,
        }


class EventBatch(BaseModel):
    """Events are read one by one (each against EventIn), so one the hub refuses holds up no other."""

    station: Name
    events: list[dict[str, Any]] = Field(max_length=MAX_BATCH, description=(
        "Each item: seq, station, unit, kind, payload, operator, operator_id, at, prev_hash, hash."))


class WellFormedBatch(BaseModel):
    """The common case, read straight from the request's bytes in one pass: every event within the limits.
    A batch that does not fit is read again item by item (EventBatch, then EventIn each), so that one
    refused event holds up no other."""

    station: Name
    events: list[EventIn] = Field(max_length=MAX_BATCH)


# refused: the event broke a limit; the hub keeps its hash (the chain goes on) and an incident says why
Status = Literal["accepted", "repeat", "gap", "fork", "altered", "invalid", "refused"]


class EventResult(BaseModel):
    seq: int
    status: Status
    detail: str | None = None


class BatchReply(BaseModel):
    """Per-event outcome. accepted and repeat both mean 'the hub has it': the station marks it sent."""

    station: str
    head_seq: int
    head_hash: str
    expected_seq: int  # the next event the hub can attach; after a gap, send from here
    hub_time: str
    clock_skew_s: float | None
    results: list[EventResult]


class StationInfo(BaseModel):
    station: str
    head_seq: int
    head_hash: str
    hub_time: str
    clock_skew_s: float | None


class BlobState(BaseModel):
    sha256: str
    size: int
    received: int
    complete: bool


class BlobQuery(BaseModel):
    sha256: list[Hex64] = Field(max_length=MAX_BATCH)


class BlobQueryReply(BaseModel):
    blobs: list[BlobState]  # only the ones the hub knows (complete or partial)


class ConfigEntry(BaseModel):
    kind: str
    name: str
    version: int
    sha256: str
    published_at: str
    published_by: str | None = None
    withdrawn: bool = False  # stations drop a withdrawn document and fall back to their own


class ConfigIndex(BaseModel):
    documents: list[ConfigEntry]


class ConfigDocument(ConfigEntry):
    body: str


class Health(BaseModel):
    ok: bool
    hub_time: str
    schema_revision: str | None
