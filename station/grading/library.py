"""Which matrices exist, which one is active per device class, and switching it.

Matrices come from files (the shipped folder, or `grading.matrix_dir`) and from configuration
applied to this station (AppliedConfig rows of kind "matrix": a supervisor's activation, or a
version the hub pushed down). An AppliedConfig row keeps the matrix's full text, so the active
version keeps working even after its file is gone. The most recently applied matrix of a class
is active; with none applied, the newest file version of the class is.
Grades record id, version and hash, so switching never changes an old result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, events
from station.config import Config
from station.context import StationContext
from station.errors import ConfigError, UserFacingError
from station.grading.matrix import Matrix, Shot, load_file, parse, version_key
from station.i18n import _
from station.models import AppliedConfig

SHIPPED_DIR = Path(__file__).with_name("matrices")
APPLIED_KIND = "matrix"


Origin = Literal["file", "applied"]  # a matrix file in the folder, or one applied from the hub


@dataclass(frozen=True)
class Available:
    matrix: Matrix
    origin: Origin
    active: bool = False


def matrix_dir(config: Config | None) -> Path:
    configured = config["grading.matrix_dir"] if config is not None else ""
    return Path(configured).expanduser() if configured else SHIPPED_DIR


def same_ref(matrices: Iterable[Matrix]) -> Iterator[tuple[Matrix, str]]:
    """Each matrix whose id@version an earlier one (another file) already has, with the sentence why.

    A folder may hold each version once: grades record id@version, so two texts under one name
    would make an old grade's meaning depend on which file was read.
    """
    seen: dict[tuple[str, str], Matrix] = {}
    for m in matrices:
        other = seen.setdefault((m.id, m.version), m)
        if other is not m and other.source != m.source:
            yield m, f"{m.source}: {m.ref} is also defined in {other.source}; give one of them a new version."


@lru_cache(maxsize=16)
def _dir_cached(folder: str, _stamp: tuple[tuple[str, float, int], ...]) -> tuple[Matrix, ...]:
    found = [load_file(path) for path in sorted(Path(folder).glob("*.toml"))]
    for _m, why in same_ref(found):
        raise ConfigError(why)
    return tuple(found)


def load_dir(folder: Path) -> tuple[Matrix, ...]:
    """Every matrix file in `folder`, validated (cached until a file changes)."""
    if not folder.is_dir():
        raise ConfigError(_("{folder}: the grading matrix folder does not exist. Fix grading.matrix_dir.").format(
                folder=folder))
    stamp = tuple((p.name, p.stat().st_mtime, p.stat().st_size) for p in sorted(folder.glob("*.toml")))
    return _dir_cached(str(folder), stamp)


@lru_cache(maxsize=64)
def _parse_applied(text: str, source: str) -> Matrix:
    return parse(text, source)


def _applied(s: Session) -> list[tuple[Matrix, str]]:
    """Applied matrices with their applied_at, most recent first."""
    rows = s.execute(
        select(AppliedConfig).where(AppliedConfig.kind == APPLIED_KIND).order_by(AppliedConfig.applied_at.desc())
    ).scalars()
    return [(_parse_applied(r.body, f"applied matrix '{r.name}' version {r.version}"), r.applied_at) for r in rows]


def _newest(files: tuple[Matrix, ...], device_class: str) -> Matrix | None:
    of_class = [m for m in files if m.device_class == device_class]
    return max(of_class, key=lambda m: version_key(m.version)) if of_class else None


def _active_in(s: Session | None, files: tuple[Matrix, ...], device_class: str) -> Matrix:
    if s is not None:
        for m, _at in _applied(s):
            if m.device_class == device_class:
                return m
    found = _newest(files, device_class)
    if found is not None:
        return found
    if device_class != "other":
        return _active_in(s, files, "other")
    raise ConfigError(_("No grading matrix for class 'other' is available; restore the shipped matrices."))


def active(ctx: StationContext, device_class: str) -> Matrix:
    """The matrix a unit of `device_class` is graded with now (class 'other' when the class has none)."""
    files = load_dir(matrix_dir(ctx.config))
    with ctx.store.reader() as s:
        return _active_in(s, files, device_class)


def available(ctx: StationContext) -> list[Available]:
    files = load_dir(matrix_dir(ctx.config))
    with ctx.store.reader() as s:
        applied = [m for m, _ in _applied(s)]
        actives = {c: _active_in(s, files, c).sha256 for c in {m.device_class for m in (*files, *applied)}}
    out: dict[tuple[str, str, str], Available] = {}
    found: list[tuple[Matrix, Origin]] = [*((m, "file") for m in files), *((m, "applied") for m in applied)]
    for m, origin in found:
        key = (m.id, m.version, m.sha256)
        if key not in out:
            out[key] = Available(m, origin, actives.get(m.device_class) == m.sha256)
    return sorted(out.values(), key=lambda a: (a.matrix.device_class, a.matrix.id, version_key(a.matrix.version)))


def find(ctx: StationContext, matrix_id: str, version: str) -> Matrix:
    hits = [a.matrix for a in available(ctx) if a.matrix.id == matrix_id and a.matrix.version == version]
    if not hits:
        have = sorted({a.matrix.ref for a in available(ctx) if a.matrix.id == matrix_id})
        raise UserFacingError(
            (_("There is no grading matrix {ref} (available: {have}).").format(ref=f"{matrix_id}@{version}",
                                                                              have=", ".join(have)) if have
             else _("There is no grading matrix {ref}.").format(ref=f"{matrix_id}@{version}"))
            + " " + _("Run 'station grade matrices' to list them.")
        )
    return hits[0]


def activate(ctx: StationContext, matrix_id: str, version: str) -> Matrix:
    """Make matrix_id@version the active one for its class. Supervisors only; recorded as an event."""
    op = ctx.operator
    if op is None or not op.is_supervisor:
        raise UserFacingError(
            _("Only a supervisor can switch the active grading matrix; sign in with a supervisor badge and "
              "try again.")
        )
    m = find(ctx, matrix_id, version)
    files = load_dir(matrix_dir(ctx.config))
    with ctx.store.session() as s:
        previous = _active_in(s, files, m.device_class)
        row = s.get(AppliedConfig, (APPLIED_KIND, m.id))
        if row is None:
            row = AppliedConfig(kind=APPLIED_KIND, name=m.id)
            s.add(row)
        row.version, row.sha256, row.body, row.applied_at = m.version, m.sha256, m.text, clock.iso()
        events.append(s, ctx.actor, "config.applied", {
            "kind": APPLIED_KIND, "id": m.id, "version": m.version, "sha256": m.sha256,
            "device_class": m.device_class, "previous": previous.ref, "previous_sha256": previous.sha256,
        })
    return m


def required_shots(device_class: str, source: StationContext | Session | None = None) -> list[Shot]:
    """The photo set of the class from its active matrix; `Shot.required` tells which must be taken.

    Pass the station (or an open session) to follow the active version; without it, the newest
    shipped matrix of the class answers.
    """
    if isinstance(source, StationContext):
        return list(active(source, device_class).shots)
    return list(_active_in(source, load_dir(SHIPPED_DIR), device_class).shots)
