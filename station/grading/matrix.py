"""A grading matrix: versioned data, loaded and validated with errors that name file and line.

One TOML file per matrix (see station/grading/matrices/phone.toml for the annotated layout):
top-level id / version / device_class / title, `[[questions]]` each with `[[questions.options]]`,
and `[[shots]]`, the photo set the class requires. An option's effects are a cosmetic cap
(A best .. E beyond economic repair: the worst cap chosen wins) and a functional effect
(pass / fail / untested / dead). A question may be asked only `when` earlier answers hold,
which is how "does not power on" skips every functional test. A default (what Enter takes)
never claims a passed test, so Enter through a form records "not checked", never a pass.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.i18n import _
from station.toml_lines import locate, toml_error

COSMETIC = ("A", "B", "C", "D", "E")  # best to worst; beyond economic repair (BER) is a flag, not a letter
FUNCTIONAL_EFFECTS = ("pass", "fail", "untested", "dead")
CLASSES = ("phone", "tablet", "laptop", "desktop", "drive", "other")
SHOT_STAGES = ("intake", "defect", "final")
QUESTION_KINDS = ("cosmetic", "functional", "check")
ZONES = ("screen", "body")  # where a cosmetic cap counts: buyer scales tell screen from body scratches
MAX_OPTIONS = 9  # options are chosen with the number keys 1..9

_TOP_KEYS = {"id", "version", "device_class", "title", "description", "scale", "questions", "shots"}
_QUESTION_KEYS = {"key", "text", "kind", "help", "when", "default", "zone", "options"}
_OPTION_KEYS = {"key", "label", "cosmetic", "functional", "defect", "ber"}
_SHOT_KEYS = {"name", "stage", "description", "required"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    number: int  # 1-based position: the number key that chooses it
    cosmetic: str | None = None
    functional: str | None = None
    defect: str | None = None
    ber: bool = False  # choosing it makes the unit beyond economic repair


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    options: tuple[Option, ...]
    when: tuple[tuple[str, frozenset[str]], ...] = ()
    default: str | None = None
    help: str = ""
    zone: str = "body"

    @cached_property
    def _by_key(self) -> dict[str, Option]:
        return {o.key: o for o in self.options}

    def option(self, key: str) -> Option | None:
        return self._by_key.get(key)

    def by_number(self, number: int) -> Option | None:
        return self.options[number - 1] if 1 <= number <= len(self.options) else None

    def applies(self, answers: Mapping[str, str]) -> bool:
        """Asked only when every `when` condition holds for the answers given so far."""
        return all(answers.get(q) in allowed for q, allowed in self.when)


@dataclass(frozen=True)
class Shot:
    """One photo the class requires (or offers, when required is False)."""

    name: str
    stage: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class Matrix:
    id: str
    version: str
    device_class: str
    title: str
    questions: tuple[Question, ...]
    shots: tuple[Shot, ...]
    sha256: str  # of the file's exact bytes: what a Grade row records
    text: str
    source: str
    description: str = ""
    scale: str = ""  # the published scale the cosmetic letters follow, e.g. CTIA's

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @cached_property
    def _by_key(self) -> dict[str, Question]:
        return {q.key: q for q in self.questions}

    def question(self, key: str) -> Question | None:
        return self._by_key.get(key)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Natural order for versions like 2024.1 < 2024.10 < 2025.1 (numbers compare as numbers)."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-_]", version))


class _Reader:
    """Schema checks for one file; every failure names the file, the line and the problem."""

    def __init__(self, text: str, source: str) -> None:
        self.text, self.source = text, source

    def fail(self, path: tuple[str | int, ...], problem: str) -> ConfigError:
        return ConfigError(_("{source}, line {line}: {problem}").format(
                source=self.source, line=locate(self.text, path), problem=problem))

    def table(self, value: Any, path: tuple[str | int, ...], allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"'{_dotted(path)}' must be a table.")
        for k in value:
            if k not in allowed:
                raise self.fail((*path, k), f"unknown key '{k}' (allowed: {', '.join(sorted(allowed))}).")
        return value

    def text_field(self, t: dict[str, Any], path: tuple[str | int, ...], key: str, *, required: bool = True,
                   choices: tuple[str, ...] | None = None, name: bool = False) -> str | None:
        if key not in t:
            if required:
                raise self.fail(path, f"'{_dotted(path)}' is missing '{key}'.")
            return None
        v = t[key]
        if not isinstance(v, str) or not v.strip():
            raise self.fail((*path, key), f"'{key}' must be non-empty text, not {v!r}.")
        if choices is not None and v not in choices:
            raise self.fail((*path, key), f"'{key}' is {v!r}; it must be one of {', '.join(choices)}.")
        if name and not _NAME.match(v):
            raise self.fail((*path, key), f"'{key}' {v!r} must be lower-case letters, digits and '_'.")
        return v

    def array(self, t: dict[str, Any], path: tuple[str | int, ...], key: str) -> list[Any]:
        v = t.get(key)
        if not isinstance(v, list) or not v:
            raise self.fail((*path, key) if key in t else path, f"'{key}' must be a non-empty list of tables.")
        return v


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p + 1}]" if isinstance(p, int) else (f".{p}" if k else p) for k, p in enumerate(path)) or "top"


def parse(text: str, source: str) -> Matrix:
    """Validate and build a Matrix from TOML text; ConfigError names `source` and the line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(source, exc) from exc
    r = _Reader(text, source)
    top = r.table(raw, (), _TOP_KEYS)
    mid = r.text_field(top, (), "id", name=True)
    version = r.text_field(top, (), "version")
    device_class = r.text_field(top, (), "device_class", choices=CLASSES)
    title = r.text_field(top, (), "title")
    assert mid and version and device_class and title
    questions = _questions(r, top)
    shots = _shots(r, top)
    scale = r.text_field(top, (), "scale", required=False) or ""
    return Matrix(mid, version, device_class, title, questions, shots, content_hash(text), text, source,
                  description=str(top.get("description", "")), scale=scale)


def _questions(r: _Reader, top: dict[str, Any]) -> tuple[Question, ...]:
    out: list[Question] = []
    for qi, qraw in enumerate(r.array(top, (), "questions")):
        path: tuple[str | int, ...] = ("questions", qi)
        q = r.table(qraw, path, _QUESTION_KEYS)
        key = r.text_field(q, path, "key", name=True)
        text = r.text_field(q, path, "text")
        kind = r.text_field(q, path, "kind", choices=QUESTION_KINDS)
        assert key and text and kind
        if any(prev.key == key for prev in out):
            raise r.fail((*path, "key"), f"question key '{key}' is used twice.")
        options = _options(r, q, path)
        default = r.text_field(q, path, "default", required=False)
        if default is not None and not any(o.key == default for o in options):
            raise r.fail((*path, "default"), f"default '{default}' is not one of the options of '{key}'.")
        claimed = next((o for o in options if o.key == default and o.functional == "pass"), None)
        if claimed is not None:
            # Enter on a question must never record a test that was not run: the default of a
            # test question is its "not checked" answer, or there is none.
            raise r.fail((*path, "default"), f"default '{default}' records a passed test; a default may not claim "
                         "a result. Make the default the 'not checked' option (functional = \"untested\") or "
                         "drop it.")
        when = _when(r, q.get("when"), path, out)
        zone = r.text_field(q, path, "zone", required=False, choices=ZONES) or "body"
        out.append(Question(key, text, kind, options, when, default, str(q.get("help", "")), zone))
    return tuple(out)


def _options(r: _Reader, q: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Option, ...]:
    raws = r.array(q, path, "options")
    if len(raws) > MAX_OPTIONS:
        raise r.fail((*path, "options", MAX_OPTIONS), f"at most {MAX_OPTIONS} options (number keys 1-9).")
    options: list[Option] = []
    for oi, oraw in enumerate(raws):
        opath: tuple[str | int, ...] = (*path, "options", oi)
        o = r.table(oraw, opath, _OPTION_KEYS)
        key = r.text_field(o, opath, "key", name=True)
        label = r.text_field(o, opath, "label")
        assert key and label
        if any(prev.key == key for prev in options):
            raise r.fail((*opath, "key"), f"option key '{key}' is used twice in this question.")
        cosmetic = r.text_field(o, opath, "cosmetic", required=False, choices=COSMETIC)
        functional = r.text_field(o, opath, "functional", required=False, choices=FUNCTIONAL_EFFECTS)
        defect = r.text_field(o, opath, "defect", required=False, name=True)
        if defect and functional not in ("fail", "dead"):
            raise r.fail((*opath, "defect"), "a 'defect' tag needs functional = \"fail\" or \"dead\".")
        ber = o.get("ber", False)
        if not isinstance(ber, bool):
            raise r.fail((*opath, "ber"), "'ber' must be true or false.")
        options.append(Option(key, label, oi + 1, cosmetic, functional, defect, ber))
    return tuple(options)


def _when(r: _Reader, raw: Any, path: tuple[str | int, ...], earlier: list[Question]
          ) -> tuple[tuple[str, frozenset[str]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        raise r.fail((*path, "when"), "'when' must be a table like { power = [\"yes\"] }.")
    out: list[tuple[str, frozenset[str]]] = []
    for qkey, allowed in raw.items():
        target = next((q for q in earlier if q.key == qkey), None)
        if target is None:
            raise r.fail((*path, "when"), f"'when' refers to '{qkey}', which is not an earlier question.")
        values = [allowed] if isinstance(allowed, str) else allowed
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise r.fail((*path, "when"), f"'when.{qkey}' must be an option key or a list of them.")
        for v in values:
            if target.option(v) is None:
                raise r.fail((*path, "when"), f"'when.{qkey}' names '{v}', which is not an option of '{qkey}'.")
        out.append((qkey, frozenset(values)))
    return tuple(out)


def _shots(r: _Reader, top: dict[str, Any]) -> tuple[Shot, ...]:
    out: list[Shot] = []
    for si, sraw in enumerate(r.array(top, (), "shots")):
        path: tuple[str | int, ...] = ("shots", si)
        s = r.table(sraw, path, _SHOT_KEYS)
        name = r.text_field(s, path, "name", name=True)
        stage = r.text_field(s, path, "stage", choices=SHOT_STAGES)
        description = r.text_field(s, path, "description")
        assert name and stage and description
        required = s.get("required", True)
        if not isinstance(required, bool):
            raise r.fail((*path, "required"), "'required' must be true or false.")
        if any(prev.name == name for prev in out):
            raise r.fail((*path, "name"), f"shot '{name}' is listed twice.")
        out.append(Shot(name, stage, description, required))
    return tuple(out)


def load_file(path: Path) -> Matrix:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path}: cannot be read ({exc}). Check the file and its permissions.").format(
                path=path, exc=exc)) from exc
    return parse(text, str(path))
