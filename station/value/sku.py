"""The SKU the value loop counts by: make + model + capacity, compared without case or spacing.

Stations type and read these fields in many spellings ("Apple"/"APPLE", "128 GB"/"128GB"); the
key folds them so one model is one row on the hub and one lookup on the bench. Capacity may be
empty: a model without a capacity (a tablet line, a laptop) is still a SKU.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_CAPACITY = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?b)$", re.IGNORECASE)
MAX_PART = 120


# A recomputation folds the same few thousand makes, models and capacities hundreds of thousands of times.
@lru_cache(maxsize=1 << 16)
def fold(text: str | None) -> str:
    """Lower case, single spaces, no ends: the comparable form of a make or model."""
    return _SPACE.sub(" ", (text or "").strip()).casefold()


@lru_cache(maxsize=1 << 14)
def fold_capacity(text: str | None) -> str:
    """'128 GB', '128gb' and '128GB' are one capacity: '128gb'. Anything else is folded as text."""
    t = fold(text)
    m = _CAPACITY.match(t)
    return f"{m.group(1)}{m.group(2)}" if m else t


@dataclass(frozen=True, order=True)
class Sku:
    make: str
    model: str
    capacity: str = ""

    @property
    def key(self) -> str:
        return key(self.make, self.model, self.capacity)

    def __str__(self) -> str:
        return " ".join(p for p in (self.make, self.model, self.capacity) if p)


@lru_cache(maxsize=1 << 16)
def key(make: str | None, model: str | None, capacity: str | None = None) -> str:
    """'apple|iphone 13|128gb': the one spelling the hub groups by and the bench looks up by."""
    return f"{fold(make)}|{fold(model)}|{fold_capacity(capacity)}"
