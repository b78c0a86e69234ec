"""Crosswalks from the station's grade to the scales buyers and auditors use (data: crosswalks.toml).

Each scheme (CTIA, R2v3 REC, B-Stock, Back Market) has fields, and each field has rules over
device class, cosmetic grade and functional code. On load every combination of class x cosmetic
x functional is checked to be matched by exactly one rule per field, so a crosswalk can never
give no answer or two answers; a gap or an overlap is a ConfigError naming the file and line.
A value may use {cosmetic} and {functional}, e.g. "{cosmetic}+".
"""

from __future__ import annotations

import itertools
import string
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.grading.evaluate import FUNCTIONAL_CODES
from station.grading.matrix import CLASSES, COSMETIC, content_hash
from station.grading.toml_lines import locate, toml_error

SHIPPED = Path(__file__).with_name("crosswalks.toml")
_CONDITIONS = ("device_class", "cosmetic", "functional")
_SCHEME_KEYS = {"title", "note", "applies_to", "fields", "rules"}
_RULE_KEYS = {"field", "value", "note", *_CONDITIONS}
_DOMAIN = {"device_class": CLASSES, "cosmetic": COSMETIC, "functional": tuple(FUNCTIONAL_CODES)}


@dataclass(frozen=True)
class Rule:
    field: str
    value: str
    conditions: tuple[tuple[str, frozenset[str]], ...]
    line: int

    def matches(self, facts: dict[str, str]) -> bool:
        return all(facts[k] in allowed for k, allowed in self.conditions)


@dataclass(frozen=True)
class Scheme:
    key: str
    title: str
    applies_to: frozenset[str]
    fields: tuple[str, ...]
    rules: tuple[Rule, ...]
    note: str = ""


@dataclass(frozen=True)
class Crosswalks:
    version: str
    sha256: str
    schemes: tuple[Scheme, ...]

    def compute(self, device_class: str, cosmetic: str, functional: str) -> dict[str, dict[str, str]]:
        """{scheme: {field: value}} for every scheme that applies to this class, from the rules."""
        facts = {"device_class": device_class, "cosmetic": cosmetic, "functional": functional}
        out: dict[str, dict[str, str]] = {}
        for s in self.schemes:
            if device_class not in s.applies_to:
                continue
            out[s.key] = {
                f: next(r for r in s.rules if r.field == f and r.matches(facts)).value.format(
                    cosmetic=cosmetic, functional=functional)
                for f in s.fields
            }
        return out

    @cached_property
    def _table(self) -> dict[tuple[str, str, str], dict[str, dict[str, str]]]:
        # The domain is tiny (6 classes x 5 grades x 4 codes), so every answer is computed once.
        return {k: self.compute(*k) for k in itertools.product(CLASSES, COSMETIC, FUNCTIONAL_CODES)}

    def apply(self, device_class: str, cosmetic: str, functional: str) -> dict[str, dict[str, str]]:
        """{scheme: {field: value}} for every scheme that applies to this class."""
        found = self._table.get((device_class, cosmetic, functional))
        if found is None:
            raise ValueError(f"no crosswalk for {device_class}/{cosmetic}/{functional}")
        return {k: dict(v) for k, v in found.items()}


def parse(text: str, source: str) -> Crosswalks:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(source, exc) from exc

    def fail(path: tuple[str | int, ...], problem: str) -> ConfigError:
        return ConfigError(f"{source}, line {locate(text, path)}: {problem}")

    version = raw.pop("version", None)
    if not isinstance(version, str) or not version:
        raise fail(("version",), "'version' must be non-empty text.")
    schemes = []
    for key, body in raw.items():
        if not isinstance(body, dict):
            raise fail((key,), f"'{key}' must be a table describing one crosswalk.")
        for k in body:
            if k not in _SCHEME_KEYS:
                raise fail((key, k), f"unknown key '{k}' in crosswalk '{key}'.")
        fields = body.get("fields")
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
            raise fail((key, "fields"), f"crosswalk '{key}' needs fields = [\"...\"].")
        applies = body.get("applies_to", list(CLASSES))
        if not isinstance(applies, list) or any(c not in CLASSES for c in applies):
            raise fail((key, "applies_to"), f"'{key}.applies_to' must list classes from {', '.join(CLASSES)}.")
        rules = [_rule(text, key, i, r, fields, fail) for i, r in enumerate(body.get("rules", []))]
        scheme = Scheme(key, str(body.get("title", key)), frozenset(applies), tuple(fields), tuple(rules),
                        str(body.get("note", "")))
        _check_complete(scheme, source, text)
        schemes.append(scheme)
    return Crosswalks(version, content_hash(text), tuple(schemes))


def _rule(text: str, scheme: str, i: int, raw: Any, fields: list[str], fail: Any) -> Rule:
    path: tuple[str | int, ...] = (f"{scheme}.rules", i)
    if not isinstance(raw, dict):
        raise fail(path, "each rule must be a table.")
    for k in raw:
        if k not in _RULE_KEYS:
            raise fail((*path, k), f"unknown key '{k}' in a rule (allowed: {', '.join(sorted(_RULE_KEYS))}).")
    field, value = raw.get("field"), raw.get("value")
    if field not in fields:
        raise fail((*path, "field"), f"'field' must be one of {', '.join(fields)}.")
    if not isinstance(value, str):
        raise fail((*path, "value"), "'value' must be text.")
    names = {n for _, n, _, _ in string.Formatter().parse(value) if n is not None}
    if names - {"cosmetic", "functional"}:
        raise fail((*path, "value"), "'value' may only use {cosmetic} and {functional}.")
    conditions = []
    for c in _CONDITIONS:
        if c in raw:
            allowed = raw[c]
            if not isinstance(allowed, list) or not allowed or any(v not in _DOMAIN[c] for v in allowed):
                raise fail((*path, c), f"'{c}' must list values from {', '.join(_DOMAIN[c])}.")
            conditions.append((c, frozenset(allowed)))
    return Rule(field, value, tuple(conditions), locate(text, path))


def _check_complete(s: Scheme, source: str, text: str) -> None:
    """Exactly one rule per field for every class x cosmetic x functional the scheme covers."""
    for cls, cos, fn in itertools.product(sorted(s.applies_to), COSMETIC, FUNCTIONAL_CODES):
        facts = {"device_class": cls, "cosmetic": cos, "functional": fn}
        for f in s.fields:
            hits = [r for r in s.rules if r.field == f and r.matches(facts)]
            if not hits:
                raise ConfigError(f"{source}, line {locate(text, (s.key,))}: crosswalk '{s.key}' gives no "
                                  f"'{f}' for a {cls} graded {cos}/{fn}; add a rule that covers it.")
            if len(hits) > 1:
                raise ConfigError(f"{source}, line {hits[1].line}: crosswalk '{s.key}' rule overlaps line "
                                  f"{hits[0].line} for a {cls} graded {cos}/{fn}; make the rules exclusive.")


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: float) -> Crosswalks:
    return parse(Path(path).read_text(encoding="utf-8"), path)


def load(path: Path = SHIPPED) -> Crosswalks:
    try:
        return _load_cached(str(path), path.stat().st_mtime)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}).") from exc
