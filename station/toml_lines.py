"""Where in a TOML data file a problem is: line numbers for schema errors and syntax errors.

tomllib reports the line of a syntax error only inside its message, and nothing for a value that
parses but is wrong; these helpers give every ConfigError of the data loaders a line to point at.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from station.errors import ConfigError
from station.i18n import _

T = TypeVar("T")


def toml_error(source: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """A TOML syntax error as a ConfigError naming the file and, when tomllib says it, the line."""
    m = re.search(r"at line (\d+)", str(exc))
    where = f", line {m.group(1)}" if m else ""
    return ConfigError(_("{source}{where}: not valid TOML ({exc}). Fix the file and reload.").format(
            source=source, where=where, exc=exc))


Fail = Callable[[tuple[str | int, ...], str], ConfigError]


def read_document(text: str, source: str, allowed: Collection[str] | None = None) -> tuple[dict[str, Any], Fail]:
    """A data file's top table, and `fail(path, problem)`: an error naming the file and the key's line.
    Top-level keys outside `allowed` are refused, since a misspelt one would silently mean its default."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(source, exc) from exc

    def fail(path: tuple[str | int, ...], problem: str) -> ConfigError:
        return ConfigError(_("{source}, line {line}: {problem}").format(
                source=source, line=locate(text, path), problem=problem))

    unknown = [k for k in raw if k not in allowed] if allowed is not None else []
    if unknown:
        raise fail((unknown[0],), f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed or ()))}).")
    return raw, fail


def locate(text: str, path: tuple[str | int, ...]) -> int:
    """1-based line of the key at `path` (e.g. ("questions", 2, "options", 0, "cosmetic")) in TOML text.

    Follows `[[array.of.tables]]` headers by occurrence and `[table]` headers by name, then finds
    `key =` inside that block. Good enough for the header style the data files use; falls back to
    the line of the innermost block found.
    """
    lines = text.splitlines()
    start, end, prefix, i = 0, len(lines), "", 0
    any_header = re.compile(r"^\s*\[")
    while i < len(path):
        seg, nxt = path[i], (path[i + 1] if i + 1 < len(path) else None)
        name = f"{prefix}{seg}"
        if isinstance(nxt, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(name) + r"\s*\]\]")
            hits = [j for j in range(start, end) if header.match(lines[j])]
            if nxt >= len(hits):
                break
            start, end = hits[nxt], (hits[nxt + 1] if nxt + 1 < len(hits) else end)
            prefix, i = name + ".", i + 2
            continue
        table = re.compile(r"^\s*\[{1,2}\s*" + re.escape(name) + r"\s*\]")
        if nxt is not None:
            hit = next((j for j in range(start, end) if table.match(lines[j])), None)
            if hit is None:  # only dotted sub-tables exist ([routes.x] without [routes]): look for those
                prefix, i = name + ".", i + 1
                continue
            start = hit
            # the block runs to the next header that is not one of its own sub-tables ([name.sub])
            own = re.compile(r"^\s*\[{1,2}\s*" + re.escape(name) + r"\.")
            end = next((j for j in range(hit + 1, end) if any_header.match(lines[j]) and not own.match(lines[j])), end)
            prefix, i = name + ".", i + 1
            continue
        key = re.compile(r"^\s*\"?" + re.escape(str(seg)) + r"\"?\s*=")
        for j in range(start, end):
            if key.match(lines[j]) or table.match(lines[j]):
                return j + 1
        break
    return start + 1


@lru_cache(maxsize=32)
def _parsed(parse: Callable[[str, str], Any], path: str, _mtime: float) -> Any:
    return parse(Path(path).read_text(encoding="utf-8"), path)


def load_cached(parse: Callable[[str, str], T], path: Path, unreadable: str) -> T:
    """`parse(text, path)` of a data file, parsed again only when its mtime changes.

    `unreadable` completes the sentence "PATH: ... cannot be read (why)" when the file cannot be read."""
    try:
        return _parsed(parse, str(path), path.stat().st_mtime)
    except OSError as exc:
        raise ConfigError(f"{path}: {unreadable.format(exc=exc)}") from exc
