"""Configuration pulled from the hub and applied to this station.

Each published document (grading matrix, disposition rules, label layout, operator list)
is validated by its own area's parser before it is applied. Applying writes the
AppliedConfig row the area reads (the body is kept there, so the station keeps working
with the last version while offline) and a config.applied event. A document is applied
once per hub version: a supervisor's later local switch is not undone until the hub
publishes something new. A document that fails validation is reported and skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import clock, disposition_rules, events
from station.context import StationContext
from station.errors import ConfigError
from station.grading import matrix
from station.labels import layout
from station.models import AppliedConfig, Meta, Operator
from station.paths import hub_documents
from station.sync.client import HubClient
from station.sync.state import set_meta

ROLES = ("technician", "supervisor")


def _validate_matrix(name: str, body: str) -> str | None:
    m = matrix.parse(body, f"hub matrix '{name}'")
    if m.id != name:
        raise ConfigError(f"hub matrix '{name}': its id is '{m.id}'; publish it under that name.")
    return str(m.version)  # the grading area keys matrices by their own version


def _validate_layout(name: str, body: str) -> str | None:
    found = layout.parse(body, Path(f"hub layout '{name}'"))
    if found.name != name:
        raise ConfigError(f"hub layout '{name}': its name is '{found.name}'; publish it under that name.")
    return None


def _validate_rules(name: str, body: str) -> str | None:
    return str(disposition_rules.parse(body, f"hub disposition rules '{name}'").version)


def _validate_operators(name: str, body: str) -> str | None:
    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise ConfigError(f"hub operator list '{name}': not valid JSON ({exc}).") from exc
    if not isinstance(rows, list):
        raise ConfigError(f"hub operator list '{name}': must be a list of operators.")
    for n, r in enumerate(rows, 1):
        if not isinstance(r, dict) or not r.get("badge") or not r.get("name"):
            raise ConfigError(f"hub operator list '{name}', entry {n}: needs a 'badge' and a 'name'.")
        if r.get("role", "technician") not in ROLES:
            raise ConfigError(f"hub operator list '{name}', entry {n}: role must be one of {', '.join(ROLES)}.")
    return None


# kind -> validator(name, body) returning the document's own version label, if it has one.
VALIDATORS: dict[str, Callable[[str, str], str | None]] = {
    "matrix": _validate_matrix,
    "layout": _validate_layout,
    "rules": _validate_rules,
    "operators": _validate_operators,
}


def _apply_operators(s: Session, body: str) -> None:
    """Create or update operators by badge. Operators missing from the list are left as they are."""
    now = clock.iso()
    for r in json.loads(body):
        row = s.execute(select(Operator).where(Operator.badge == str(r["badge"]))).scalar_one_or_none()
        if row is None:
            row = Operator(badge=str(r["badge"]), created_at=now, failed_attempts=0)
            s.add(row)
        row.name, row.role, row.active = str(r["name"]), str(r.get("role", "technician")), bool(r.get("active", True))
        if r.get("pin_hash"):
            row.pin_hash = str(r["pin_hash"])


APPLIERS: dict[str, Callable[[Session, str], None]] = {"operators": _apply_operators}


@dataclass
class PullResult:
    applied: list[str] = field(default_factory=list)  # "matrix/phone v3"
    rejected: list[str] = field(default_factory=list)  # sentences


def _marker(kind: str, name: str) -> str:
    key = f"sync.config.{kind}/{name}"
    return key if len(key) <= 64 else "sync.config." + hashlib.sha256(key.encode()).hexdigest()[:40]


def pull(ctx: StationContext, client: HubClient) -> PullResult:
    """Fetch the hub's document index, then apply every document newly published since the last pull."""
    result = PullResult()
    index = client.config_index()
    with ctx.store.reader() as s:
        seen = dict(s.execute(select(Meta.key, Meta.value).where(Meta.key.like("sync.config.%"))).all())
    for entry in index:
        kind, name, version, sha = entry["kind"], entry["name"], int(entry["version"]), entry["sha256"]
        marker = _marker(kind, name)
        if seen.get(marker) in (f"{version}:{sha}", f"rejected:{version}:{sha}"):
            continue
        doc = client.config_document(kind, name, version)
        body = doc["body"]
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != sha:
            result.rejected.append(f"{kind} '{name}' v{version} arrived damaged; it will be fetched again.")
            continue
        try:
            label = VALIDATORS[kind](name, body) if kind in VALIDATORS else None
        except (ConfigError, ValueError) as exc:
            result.rejected.append(f"{kind} '{name}' v{version} from the hub was not applied: {exc}")
            _remember(ctx, marker, f"rejected:{version}:{sha}")
            continue
        with ctx.store.session() as s:
            row = s.get(AppliedConfig, (kind, name)) or AppliedConfig(kind=kind, name=name)
            row.version, row.sha256, row.body, row.applied_at = label or str(version), sha, body, clock.iso()
            s.add(row)
            if kind in APPLIERS:
                APPLIERS[kind](s, body)
            events.append(s, ctx.actor, "config.applied", {
                "kind": kind, "id": name, "version": row.version, "hub_version": version, "sha256": sha,
                "source": "hub",
            })
            set_meta(s, marker, f"{version}:{sha}")
        _write_document(ctx, kind, name, body)
        result.applied.append(f"{kind}/{name} v{version}")
    return result


_FOLDERS = {"rules": "rules", "layout": "layouts"}


def _write_document(ctx: StationContext, kind: str, name: str, body: str) -> None:
    """Rules and layouts are read from files by their loaders: the pushed version goes where they look
    (written whole, then renamed, so a loader never reads half a document)."""
    folder = hub_documents(ctx.data.config_file, _FOLDERS[kind]) if kind in _FOLDERS else None
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.toml.tmp"
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(folder / f"{name}.toml")


def _remember(ctx: StationContext, key: str, value: str) -> None:
    with ctx.store.session() as s:
        set_meta(s, key, value)


def applied(ctx: StationContext) -> list[dict[str, Any]]:
    """What this station applied, per document: for `station sync status`."""
    with ctx.store.reader() as s:
        rows = s.execute(select(AppliedConfig).order_by(AppliedConfig.kind, AppliedConfig.name)).scalars()
        return [{"kind": r.kind, "name": r.name, "version": r.version, "sha256": r.sha256,
                 "applied_at": r.applied_at} for r in rows]
