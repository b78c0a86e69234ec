"""Label layouts: TOML data files, validated on load with errors naming the file and line.

A layout gives the label size in millimetres and a list of elements, each placed in
millimetres so one file renders at 203 or 300 dpi. Example:

    name = "2x1in"
    width = 50.8          # mm
    height = 25.4
    dpi = 203             # used when the printer does not say

    [[element]]
    type = "text"         # text | code128 | qr | datamatrix | box
    text = "{grade}"      # fields in braces, see fields.FIELDS
    x = 37.0              # box of the element, mm from the top left
    y = 11.0
    w = 13.0
    h = 13.0
    size = 11.0           # em height in mm; shrinks to fit w and h
"""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from station import i18n
from station.config import Config
from station.errors import ConfigError
from station.i18n import _
from station.labels.fields import FIELDS
from station.paths import hub_documents
from station.toml_lines import locate

SHIPPED = Path(__file__).with_name("layouts")
TYPES = ("text", "code128", "qr", "datamatrix", "box")
FONTS = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansCondensed", "DejaVuSansCondensed-Bold",
         "DejaVuSansMono", "DejaVuSansMono-Bold")
_COMMON = {"type": str, "x": float, "y": float, "w": float, "h": float}
_KEYS: dict[str, dict[str, type]] = {
    "text": {**_COMMON, "text": str, "size": float, "font": str, "align": str, "invert": bool},
    "code128": {**_COMMON, "data": str, "human_readable": bool},
    "qr": {**_COMMON, "data": str, "error": str},
    "datamatrix": {**_COMMON, "data": str},
    "box": {**_COMMON, "thickness": float, "fill": bool},
}
_REQUIRED = {"text": ("text", "size"), "code128": ("data",), "qr": ("data",), "datamatrix": ("data",), "box": ()}
_TOP = {"name": str, "title": str, "width": float, "height": float, "dpi": int, "element": list,
        "native_zpl": bool}


@dataclass(frozen=True)
class Element:
    type: str
    x: float
    y: float
    w: float
    h: float
    text: str = ""  # for text; `data` for barcodes
    size: float = 3.0
    font: str = "DejaVuSans"
    align: str = "left"
    invert: bool = False
    human_readable: bool = False
    error: str = "m"
    thickness: float = 0.3
    fill: bool = False
    line: int = 0  # where it is in the file, for messages


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    width: float
    height: float
    dpi: int
    elements: tuple[Element, ...]
    path: Path
    native_zpl: bool = False  # ZPL printers draw text and barcodes themselves
    fields: frozenset[str] = field(default_factory=frozenset)

    def dots(self, dpi: int) -> tuple[int, int]:
        """Bitmap size at `dpi`. The width is rounded down to whole bytes (8 dots): the
        printer gets exactly the bitmap the preview shows, with no padding column."""
        w = int(self.width * dpi / 25.4) // 8 * 8
        return w, round(self.height * dpi / 25.4)

    def in_language(self, language: str) -> Layout:
        """The layout with its own words ("Wipe: {wipe}") in `language` where the catalogues have them."""
        words = i18n.catalogue(language or "en").gettext
        return replace(self, elements=tuple(replace(e, text=words(e.text)) if e.type == "text" and e.text else e
                                            for e in self.elements))


def _element_lines(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().replace(" ", "") == "[[element]]"]


def _check_type(where: str, key: str, value: Any, want: type) -> Any:
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise ConfigError(_("{where}: '{key}' must be {name}, not {value!r}.").format(
                where=where, key=key, name=want.__name__, value=value))
    # TOML allows nan and inf, and every comparison with nan is false, so a range check
    # after this point would wave it through.
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(_("{where}: '{key}' must be a finite number of millimetres, not {value}.").format(
                where=where, key=key, value=value))
    return value


def _template_fields(where: str, template: str) -> set[str]:
    names = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(_("{where}: '{template}' has unbalanced braces ({exc}).").format(
                where=where, template=template, exc=exc)) from exc
    for _lit, name, _spec, _conv in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            raise ConfigError(_("{where}: unknown field '{{{name}}}'. Known fields: {fields}.").format(
                    where=where, name=name, fields=', '.join(sorted(FIELDS))))
        names.add(name)
    return names


def parse(text: str, path: Path) -> Layout:
    """Validate a layout's TOML text. Every error names the file and, where known, the line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML ({exc}).").format(path=path, exc=exc)) from exc
    for key, value in raw.items():
        if key not in _TOP:
            raise ConfigError(_("{path}:{line}: unknown key '{key}'.").format(
                    path=path, line=locate(text, (key,)), key=key))
        _check_type(f"{path}:{locate(text, (key,))}", key, value, _TOP[key])
    for key in ("name", "width", "height", "element"):
        if key not in raw:
            raise ConfigError(_("{path}: '{key}' is missing.").format(path=path, key=key))
    width, height = float(raw["width"]), float(raw["height"])
    if not (5 <= width <= 300 and 5 <= height <= 600):
        raise ConfigError(_("{path}: label size {width} x {height} mm is out of range (5-300 x 5-600).").format(
                path=path, width=width, height=height))
    dpi = raw.get("dpi", 203)
    if dpi not in (150, 180, 200, 203, 300, 600):
        raise ConfigError(_("{path}:{line}: dpi {dpi} is not a printer resolution.").format(
                path=path, line=locate(text, ('dpi',)), dpi=dpi))
    # The bitmap is a whole number of bytes wide, so the usable width is a little less than
    # the label's; check against the narrowest of the resolutions a layout is printed at.
    usable = min(int(width * d / 25.4) // 8 * 8 * 25.4 / d for d in (203, 300, dpi))
    starts = _element_lines(text)
    elements: list[Element] = []
    used: set[str] = set()
    for n, item in enumerate(raw["element"]):
        line = starts[n] if n < len(starts) else 0
        elements.append(_element(text, path, (n, line), item, usable, height, used))
    return Layout(str(raw["name"]), str(raw.get("title", raw["name"])), width, height, int(dpi),
                  tuple(elements), path, bool(raw.get("native_zpl", False)), frozenset(used))


def _element(text: str, path: Path, at_line: tuple[int, int], item: Any, width: float, height: float,
             used: set[str]) -> Element:
    index, line = at_line  # the element's place in the array and its [[element]] header line (0: inline)
    where = f"{path}:{line}"
    if not isinstance(item, dict):
        raise ConfigError(_("{where}: each [[element]] must be a table.").format(where=where))
    kind = item.get("type")
    if kind not in TYPES:
        raise ConfigError(_("{where}: element type {kind!r} is not one of {types}.").format(
                where=where, kind=kind, types=', '.join(TYPES)))
    allowed = _KEYS[kind]
    values: dict[str, Any] = {}
    for key, value in item.items():
        kline = f"{path}:{locate(text, ('element', index, key))}" if line else where
        if key == "data" and kind != "text":
            values["text"] = _check_type(kline, key, value, str)
            continue
        if key not in allowed:
            raise ConfigError(_("{where}: '{key}' is not a setting of a {kind} element.").format(
                    where=kline, key=key, kind=kind))
        values[key] = _check_type(kline, key, value, allowed[key])
    for key in ("x", "y", "w", "h", *_REQUIRED[kind]):
        if key not in item:
            raise ConfigError(_("{where}: the {kind} element needs '{key}'.").format(where=where, kind=kind, key=key))
    el = Element(line=line, **values)

    def at(key: str) -> str:
        return f"{path}:{locate(text, ('element', index, key))}" if line and key in item else where

    if el.w <= 0 or el.h <= 0 or el.x < 0 or el.y < 0 or el.x + el.w > width + 0.01 or el.y + el.h > height + 0.01:
        raise ConfigError(_("{where}: the {kind} element ({x}, {y}, {w} x {h} mm) is off the label (usable area "
                            "{width:.2f} x {height} mm).").format(
                where=where, kind=kind, x=el.x, y=el.y, w=el.w, h=el.h, width=width, height=height))
    for key in ("size", "thickness"):
        if getattr(el, key) <= 0:
            raise ConfigError(_("{where}: '{key}' must be more than 0 mm, not {value}.").format(
                    where=at(key), key=key, value=getattr(el, key)))
    if el.font not in FONTS:
        raise ConfigError(_("{where}: font '{font}' is not one of {fonts}.").format(
                where=at('font'), font=el.font, fonts=', '.join(FONTS)))
    if el.align not in ("left", "center", "right"):
        raise ConfigError(_("{where}: align must be left, center or right, not '{align}'.").format(
                where=at('align'), align=el.align))
    if el.error not in ("l", "m", "q", "h"):
        raise ConfigError(_("{where}: QR error level must be l, m, q or h, not '{error}'.").format(
                where=at('error'), error=el.error))
    if kind != "box":
        used |= _template_fields(at("data" if "data" in item else "text"), el.text)
    return el


def load(path: Path) -> Layout:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path}: cannot be read ({exc}).").format(path=path, exc=exc)) from exc
    return parse(text, path)


def folders(extra: str = "", pushed: Path | None = None) -> list[Path]:
    """Where layouts are looked up: the configured folder first, then those the hub pushed, then the shipped ones."""
    return ([Path(extra).expanduser()] if extra else []) + ([pushed] if pushed else []) + [SHIPPED]


def available(extra: str = "", pushed: Path | None = None) -> dict[str, Path]:
    """Layout name -> file; an earlier folder's layout overrides a later one of that name."""
    found: dict[str, Path] = {}
    for folder in reversed(folders(extra, pushed)):
        for p in sorted(folder.glob("*.toml")):
            found[p.stem] = p
    return found


def for_config(config: Config) -> dict[str, Path]:
    """The layouts this station can use: settings' folder, the hub's pushed layouts, the shipped ones."""
    return available(config.get_str("label.layout_dir"), hub_documents(config.path, "layouts"))


def find(name: str, extra: str = "", pushed: Path | None = None) -> Layout:
    files = available(extra, pushed)
    if name not in files:
        raise ConfigError(_("No label layout named '{name}'. Known layouts: {files}.").format(
                name=name, files=', '.join(sorted(files)) or 'none'))
    layout = load(files[name])
    if layout.name != name:
        raise ConfigError(_("{file}: its name is '{name}' but the file is named '{stem}'; make them match.").format(
                file=files[name], name=layout.name, stem=name))
    return layout
