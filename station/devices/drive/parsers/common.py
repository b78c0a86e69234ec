"""Small, forgiving helpers shared by the drive-output parsers.

Outputs come from many tool versions and locales ("1,000,204,886,016",
"4 000 787 030 016", "1.000.204.886.016"): numbers are read digit-group-agnostic,
and a field that is missing or unreadable is simply None.
"""

from __future__ import annotations

import re

_GROUPED = re.compile(r"^\s*(\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+|\d+)")


def text_or_none(value: object) -> str | None:
    """A JSON field as text: numbers are spelled out, lists, objects and booleans are unreadable (None).

    Saved reports come from anywhere; a field of the wrong type must read as unknown, not crash.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def clean(text: str) -> str:
    """Text without NULs and carriage returns (some captures are half binary)."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def grouped_int(value: object) -> int | None:
    """The leading integer of `value`, whatever the thousands separator."""
    value = text_or_none(value)
    if not value:
        return None
    m = _GROUPED.match(value)
    if not m:
        return None
    return int(re.sub(r"\D", "", m.group(1)))


def first_int(value: object) -> int | None:
    value = text_or_none(value)
    if not value:
        return None
    m = re.search(r"-?\d+", value)
    return int(m.group(0)) if m else None


def number(value: object) -> int | None:
    """'0x1f' is hex, '31' is decimal; anything else is None."""
    value = text_or_none(value)
    if value is None:
        return None
    v = value.strip().split()[0] if value.strip() else ""
    try:
        return int(v, 16) if v.lower().startswith("0x") else int(v, 10)
    except ValueError:
        return None


def key_values(text: str, sep: str = ":") -> dict[str, str]:
    """'Key:   value' lines, first occurrence wins, keys stripped (inner spaces kept)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if sep not in line:
            continue
        key, _, value = line.partition(sep)
        key = key.strip()
        if key and key not in out:
            out[key] = value.strip()
    return out


def bit(value: int | None, n: int) -> bool | None:
    return None if value is None else bool(value >> n & 1)


def rotation(value: object) -> tuple[bool | None, int | None]:
    """'Solid State Device' -> (False, None); '7200 rpm' / '5400' -> (True, 7200)."""
    value = text_or_none(value)
    if not value:
        return None, None
    if "solid state" in value.lower():
        return False, None
    rpm = first_int(value)
    if rpm is not None and rpm > 1:
        return True, rpm
    return None, None


def strip_or_none(value: object) -> str | None:
    value = text_or_none(value)
    if value is None:
        return None
    v = value.strip()
    return v or None
