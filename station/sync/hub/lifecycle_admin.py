"""Lifecycle tags on the hub: read the published document, set a tag (publishing the next version),
and the quarterly review of tags older than 90 days. The published document is the one record."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from station.errors import UserFacingError
from station.sync.hub import configdocs
from station.value import lifecycle
from station.value.lifecycle import Lifecycle, Stage, Tag


def current(s: Session) -> Lifecycle:
    """The latest published tags (none published: no tags)."""
    doc = configdocs.get(s, lifecycle.KIND, lifecycle.NAME)
    return _parsed(doc.body, doc.version) if doc else lifecycle.EMPTY


# Tags change a few times a quarter and every recomputation reads them: parsing 5,000 TOML tables took
# longer than the SQL. A Lifecycle is frozen, so one parsed copy per published text is shared safely.
@lru_cache(maxsize=4)
def _parsed(body: str, version: int) -> Lifecycle:
    return lifecycle.parse(body, f"hub lifecycle tags v{version}")


def set_tag(s: Session, make: str, model: str, capacity: str, stage: str, tagged: date, by: str | None = None,
            note: str = "") -> tuple[Tag, int]:
    """Tag (or re-confirm) a model and publish the tags; returns the tag and the hub version."""
    try:
        chosen = Stage(stage)
    except ValueError:
        raise UserFacingError(f"'{stage}' is not a lifecycle stage; use one of {', '.join(Stage)}.") from None
    if not make.strip() or not model.strip():
        raise UserFacingError("A lifecycle tag needs the make and the model (the capacity may be left out).")
    before = current(s)
    try:
        number = int(before.version) + 1
    except ValueError:
        number = len(before.tags) + 1
    tag = Tag(make.strip(), model.strip(), capacity.strip(), chosen, tagged, by or "", note.strip())
    doc = before.with_tag(tag, str(number))
    version, _created = configdocs.publish(s, lifecycle.KIND, lifecycle.NAME, lifecycle.dump(doc), by)
    return tag, version


def review(s: Session, today: date, days: int = lifecycle.REVIEW_DAYS) -> list[Tag]:
    return current(s).due_for_review(today, days)
