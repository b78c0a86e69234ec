"""Lifecycle tags per model (seed 004): New Launch, Active, Pre-EOL, EOL, Dead Stock, each with its date.

The hub keeps the tags as one versioned configuration document (kind "lifecycle", name "models"),
edited with `station hub lifecycle set` and pushed to stations like any other document. A tag
whose capacity is empty covers every capacity of that model; a tag with a capacity wins over it.
The quarterly review lists tags older than REVIEW_DAYS: a tag is confirmed by setting it again.

    version = "3"
    [[models]]
    make = "Apple"
    model = "iPhone 12"
    capacity = "128GB"     # optional
    stage = "eol"          # new_launch | active | pre_eol | eol | dead_stock
    tagged = 2026-06-30    # TOML date the stage was set or last confirmed
    by = "anna"            # optional
    note = "successor shipped"  # optional
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import tomli_w

from station.toml_lines import load_cached, read_document
from station.value import sku as skus

KIND, NAME = "lifecycle", "models"
REVIEW_DAYS = 90  # "updated quarterly"
_KEYS = {"make", "model", "capacity", "stage", "tagged", "by", "note"}


class Stage(StrEnum):
    NEW_LAUNCH = "new_launch"
    ACTIVE = "active"
    PRE_EOL = "pre_eol"
    EOL = "eol"
    DEAD_STOCK = "dead_stock"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rank(self) -> int:
        """0 for New Launch .. 4 for Dead Stock: 'Pre-EOL or later' is rank >= 2."""
        return list(Stage).index(self)

    @property
    def winding_down(self) -> bool:
        return self.rank >= Stage.PRE_EOL.rank


_LABELS = {Stage.NEW_LAUNCH: "New Launch", Stage.ACTIVE: "Active", Stage.PRE_EOL: "Pre-EOL", Stage.EOL: "EOL",
           Stage.DEAD_STOCK: "Dead Stock"}


@dataclass(frozen=True)
class Tag:
    make: str
    model: str
    capacity: str
    stage: Stage
    tagged: date
    by: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        return skus.key(self.make, self.model, self.capacity)

    @property
    def sku(self) -> skus.Sku:
        return skus.Sku(self.make, self.model, self.capacity)

    def age_days(self, today: date) -> int:
        return (today - self.tagged).days


@dataclass(frozen=True)
class Lifecycle:
    version: str
    source: str
    tags: tuple[Tag, ...]

    @cached_property
    def _by_key(self) -> dict[str, Tag]:
        return {t.key: t for t in self.tags}

    def tag_for(self, make: str | None, model: str | None, capacity: str | None = None) -> Tag | None:
        """The tag of this SKU, else the model's capacity-less tag, else None (untagged)."""
        return self._by_key.get(skus.key(make, model, capacity)) or self._by_key.get(skus.key(make, model, ""))

    def stage_of(self, make: str | None, model: str | None, capacity: str | None = None) -> Stage | None:
        tag = self.tag_for(make, model, capacity)
        return tag.stage if tag else None

    def due_for_review(self, today: date, days: int = REVIEW_DAYS) -> list[Tag]:
        """Tags not set or confirmed for more than `days`, oldest first."""
        return sorted((t for t in self.tags if t.age_days(today) > days), key=lambda t: (t.tagged, t.key))

    def with_tag(self, tag: Tag, version: str) -> Lifecycle:
        """A new document with `tag` replacing the tag of the same SKU (or added)."""
        kept = [t for t in self.tags if t.key != tag.key]
        return replace(self, version=version, tags=tuple(sorted([*kept, tag], key=lambda t: t.key)))


EMPTY = Lifecycle("0", "(no lifecycle tags)", ())


def _text(raw: dict[str, Any], k: str, fail: Any, path: tuple[str | int, ...], required: bool = False) -> str:
    v = raw.get(k, "")
    if not isinstance(v, str) or len(v) > skus.MAX_PART or (required and not v.strip()):
        raise fail((*path, k), f"'{k}' must be {'non-empty ' if required else ''}text of at most "
                               f"{skus.MAX_PART} characters.")
    return v.strip()


def parse(text: str, source: str) -> Lifecycle:
    raw, fail = read_document(text, source, {"version", "models"})
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        raise fail(("version",), "'version' must be non-empty text.")
    models = raw.get("models", [])
    if not isinstance(models, list):
        raise fail(("models",), "'models' must be a list of [[models]] tables.")
    tags: dict[str, Tag] = {}
    for i, m in enumerate(models):
        path: tuple[str | int, ...] = ("models", i)
        if not isinstance(m, dict):
            raise fail(path, "each [[models]] entry must be a table.")
        for k in m:
            if k not in _KEYS:
                raise fail((*path, k), f"unknown key '{k}' in a tag (allowed: {', '.join(sorted(_KEYS))}).")
        try:
            stage = Stage(str(m.get("stage")))
        except ValueError:
            raise fail((*path, "stage"), f"'stage' must be one of {', '.join(Stage)}.") from None
        tagged = m.get("tagged")
        if not isinstance(tagged, date) or hasattr(tagged, "hour"):
            raise fail((*path, "tagged"), "'tagged' must be a date (tagged = 2026-06-30).")
        tag = Tag(_text(m, "make", fail, path, True), _text(m, "model", fail, path, True),
                  _text(m, "capacity", fail, path), stage, tagged, _text(m, "by", fail, path),
                  _text(m, "note", fail, path))
        if tag.key in tags:
            raise fail(path, f"{tag.sku} is tagged twice; keep one tag per model and capacity.")
        tags[tag.key] = tag
    return Lifecycle(version.strip(), source, tuple(tags.values()))


def dump(doc: Lifecycle) -> str:
    """The document as TOML text that `parse` reads back to the same tags."""
    rows = []
    for t in doc.tags:
        row: dict[str, Any] = {"make": t.make, "model": t.model}
        if t.capacity:
            row["capacity"] = t.capacity
        row.update(stage=str(t.stage), tagged=t.tagged)
        row.update({k: v for k, v in (("by", t.by), ("note", t.note)) if v})
        rows.append(row)
    return "# Lifecycle tags per model (station/value/lifecycle.py).\n" + tomli_w.dumps(
        {"version": doc.version, "models": rows})


def load(path: Path) -> Lifecycle:
    return load_cached(parse, path, "the lifecycle tags cannot be read ({exc}).")


def pushed(folder: Path | None) -> Lifecycle:
    """The tags the hub pushed into `folder` (paths.hub_documents(config_file, KIND)), else none."""
    path = folder / f"{NAME}.toml" if folder is not None else None
    return load(path) if path is not None and path.is_file() else EMPTY


def review_cutoff(today: date, days: int = REVIEW_DAYS) -> date:
    return today - timedelta(days=days)
