"""Crosswalks from the station's grade to the scales buyers and auditors use (data: crosswalks.toml).

Each scheme (CTIA, R2v3 REC, B-Stock, Back Market) has fields, and each field has rules over the
unit's answers, not over one letter: device class, cosmetic grade, functional code, the screen and
body letters (front cover glass and display vs the rest), the liquid indicator, how serious the
defects are (none, minor: only the file's `minor_defects`, or key) and whether the unit's
sanitization has passed (R2v3 gives a functional category only to a sanitized unit, so the
crosswalk is computed again when the wipe status changes). On load every combination is checked to
be matched by exactly one rule per field, so a crosswalk can never give no answer or two answers;
a gap or an overlap is a ConfigError naming the file and line. A value may use {cosmetic},
{functional} and {sign} (+ fully functional, nothing untested, - defects), e.g. "{cosmetic}{sign}".
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from station.errors import ConfigError
from station.grading.evaluate import BER, FUNCTIONAL_CODES, SUFFIX, worse
from station.grading.matrix import CLASSES, COSMETIC, content_hash
from station.i18n import _
from station.toml_lines import load_cached, locate, read_document

SHIPPED = Path(__file__).with_name("crosswalks.toml")
YES_NO = ("yes", "no")
DEFECT_LEVELS = ("none", "minor", "key")
_DOMAIN: dict[str, tuple[str, ...]] = {
    "device_class": CLASSES, "cosmetic": COSMETIC, "functional": tuple(FUNCTIONAL_CODES), "screen": COSMETIC,
    "body": COSMETIC, "liquid": YES_NO, "defects": DEFECT_LEVELS, "sanitized": YES_NO,
}
_CONDITIONS = tuple(_DOMAIN)
_SCHEME_KEYS = {"title", "note", "applies_to", "fields", "rules"}
_RULE_KEYS = {"field", "value", "note", *_CONDITIONS}
_TEMPLATE = {"cosmetic", "functional", "sign"}


DefectLevel = Literal["none", "minor", "key"]


@dataclass(frozen=True)
class Inputs:
    """What a crosswalk reads about one graded unit."""

    device_class: str
    cosmetic: str
    functional: str
    screen: str
    body: str
    liquid: bool = False
    defects: DefectLevel = "none"
    sanitized: bool = False

    def facts(self) -> dict[str, str]:
        return {"device_class": self.device_class, "cosmetic": self.cosmetic, "functional": self.functional,
                "screen": self.screen, "body": self.body, "liquid": "yes" if self.liquid else "no",
                "defects": self.defects, "sanitized": "yes" if self.sanitized else "no"}


@dataclass(frozen=True)
class Rule:
    field: str
    value: str
    conditions: tuple[tuple[str, frozenset[str]], ...]
    line: int

    def matches(self, facts: dict[str, str]) -> bool:
        return all(facts.get(k) in allowed for k, allowed in self.conditions)


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
    minor_defects: frozenset[str] = frozenset()
    # Inputs repeat across a lot (one model, one grade), so each distinct one is walked once.
    _memo: dict[Inputs, dict[str, dict[str, str]]] = field(default_factory=dict, compare=False, repr=False)

    def defect_level(self, defects: tuple[str, ...] | list[str]) -> DefectLevel:
        """none, minor (every defect is in minor_defects) or key; BER is judged by the routes, not here."""
        tags = [d for d in defects if d != BER]
        if not tags:
            return "none"
        return "minor" if all(d in self.minor_defects for d in tags) else "key"

    def walk(self, i: Inputs) -> dict[str, dict[str, str]]:
        """{scheme: {field: value}} for every scheme that applies to this unit's class."""
        known = self._memo.get(i)
        if known is None:
            known = self._memo[i] = self._walk(i)
        return {k: dict(v) for k, v in known.items()}

    def _walk(self, i: Inputs) -> dict[str, dict[str, str]]:
        facts = i.facts()
        for k, allowed in _DOMAIN.items():
            if facts[k] not in allowed:
                raise ValueError(f"no crosswalk for {k} {facts[k]!r}")
        out: dict[str, dict[str, str]] = {}
        for s in self.schemes:
            if i.device_class not in s.applies_to:
                continue
            out[s.key] = {
                f: next(r for r in s.rules if r.field == f and r.matches(facts)).value.format(
                    cosmetic=i.cosmetic, functional=i.functional, sign=SUFFIX[i.functional])
                for f in s.fields
            }
        return out

    def apply(self, device_class: str, cosmetic: str, functional: str, *, screen: str | None = None,
              body: str | None = None, defects: tuple[str, ...] | list[str] = (), sanitized: bool = False
              ) -> dict[str, dict[str, str]]:
        """The crosswalks of a grade. Without the zone letters both are taken as the cosmetic letter
        (the cautious reading); without defects a defect code counts as key defects."""
        level = self.defect_level(defects) if defects else ("key" if functional in ("FD", "NF") else "none")
        return self.walk(Inputs(device_class, cosmetic, functional, screen or cosmetic, body or cosmetic,
                                "liquid" in defects, level, sanitized))


def parse(text: str, source: str) -> Crosswalks:
    raw, fail = read_document(text, source)

    version = raw.pop("version", None)
    if not isinstance(version, str) or not version:
        raise fail(("version",), "'version' must be non-empty text.")
    minor = raw.pop("minor_defects", [])
    if not isinstance(minor, list) or not all(isinstance(d, str) for d in minor):
        raise fail(("minor_defects",), "'minor_defects' must be a list of defect tags.")
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
    return Crosswalks(version, content_hash(text), tuple(schemes), frozenset(minor))


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
    try:
        names = {n for _, n, _, _ in string.Formatter().parse(value) if n is not None}
    except ValueError:  # an unmatched '{' or '}'
        names = {"{"}
    if names - _TEMPLATE:
        raise fail((*path, "value"), "'value' may only use {cosmetic}, {functional} and {sign}.")
    conditions = []
    for c in _CONDITIONS:
        if c in raw:
            allowed = raw[c]
            if not isinstance(allowed, list) or not allowed or \
                    any(not isinstance(v, str) or v not in _DOMAIN[c] for v in allowed):
                raise fail((*path, c), f"'{c}' must list values from {', '.join(_DOMAIN[c])}.")
            conditions.append((c, frozenset(allowed)))
    return Rule(field, value, tuple(conditions), locate(text, path))


def _combinations(s: Scheme) -> list[dict[str, str]]:
    """Every combination of the inputs the scheme's rules read (the others cannot change a match);
    cosmetic is the worse of screen and body whenever a rule reads a zone."""
    used = {k for r in s.rules for k, _ in r.conditions}
    dims = [k for k in ("functional", "liquid", "defects", "sanitized") if k in used]
    zoned = bool(used & {"screen", "body"})
    letters: list[dict[str, str]] = (
        [{"screen": a, "body": b, "cosmetic": worse(a, b)} for a, b in itertools.product(COSMETIC, COSMETIC)]
        if zoned else [{"cosmetic": c, "screen": c, "body": c} for c in COSMETIC])
    out: list[dict[str, str]] = []
    for cls in sorted(s.applies_to):
        for values in itertools.product(*(_DOMAIN[k] for k in dims)):
            base: dict[str, str] = {"device_class": cls}
            base.update(zip(dims, values, strict=True))
            out.extend({**base, **z} for z in letters)
    return out


def _check_complete(s: Scheme, source: str, text: str) -> None:
    """Exactly one rule per field for every combination of inputs the scheme covers."""
    for facts in _combinations(s):
        for f in s.fields:
            hits = [r for r in s.rules if r.field == f and r.matches(facts)]
            if len(hits) == 1:
                continue
            shown = ", ".join(f"{k} {v}" for k, v in facts.items())
            if not hits:
                raise ConfigError(_("{source}, line {line}: crosswalk '{key}' gives no '{field}' for {shown}; "
                                    "add a rule that covers it.").format(
                        source=source, line=locate(text, (s.key,)), key=s.key, field=f, shown=shown))
            raise ConfigError(_("{source}, line {line}: crosswalk '{key}' rule overlaps line {other} for "
                                "{shown}; make the rules exclusive.").format(
                    source=source, line=hits[1].line, key=s.key, other=hits[0].line, shown=shown))


def load(path: Path = SHIPPED) -> Crosswalks:
    return load_cached(parse, path, "cannot be read ({exc}).")
