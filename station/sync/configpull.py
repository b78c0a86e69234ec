"""Configuration pulled from the hub and applied to this station.

Each published document (grading matrix, disposition rules, label layout, operator list)
is validated by its own area's parser before it is applied. Applying writes the
AppliedConfig row the area reads (the body is kept there, so the station keeps working
with the last version while offline) and a config.applied event. A document is applied
once per hub version: a supervisor's later local switch is not undone until the hub
publishes something new. A document that fails to load is quarantined: reported once,
shown in `sync status` until the hub publishes a version that loads, and never applied;
events keep flowing. A withdrawn document is removed, and the station's own files rule again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from station import clock, events
from station.context import StationContext
from station.errors import ConfigError
from station.i18n import _
from station.models import AppliedConfig, Meta, Operator
from station.paths import hub_documents
from station.sync import documents
from station.sync.client import HubClient
from station.sync.state import QUARANTINE, set_meta

log = logging.getLogger(__name__)

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


def _marker(kind: str, name: str, prefix: str = "sync.config.") -> str:
    key = f"{prefix}{kind}/{name}"
    return key if len(key) <= 64 and documents.valid_name(name) else \
        prefix + hashlib.sha256(key.encode()).hexdigest()[:40]


def pull(ctx: StationContext, client: HubClient) -> PullResult:
    """Fetch the hub's document index, then apply every document newly published since the last pull."""
    result = PullResult()
    index = client.config_index()
    with ctx.store.reader() as s:
        seen = dict(s.execute(select(Meta.key, Meta.value).where(Meta.key.like("sync.config.%"))).all())
    for entry in index:
        kind, name = str(entry.get("kind")), str(entry.get("name"))
        version, sha = int(entry.get("version") or 0), str(entry.get("sha256"))
        marker = _marker(kind, name)
        withdrawn = bool(entry.get("withdrawn"))
        state = f"withdrawn:{version}" if withdrawn else f"{version}:{sha}"
        if seen.get(marker) in (state, f"rejected:{state}"):
            continue
        try:
            documents.check_name(kind, name)
            if withdrawn:
                _withdraw(ctx, kind, name, version, marker)
                result.applied.append(f"{kind}/{name} withdrawn")
                continue
            body = client.config_document(kind, name, version)["body"]
            if hashlib.sha256(str(body).encode("utf-8")).hexdigest() != sha:
                result.rejected.append(f"{kind} '{name}' v{version} arrived damaged; it will be fetched again.")
                continue
            label = documents.check(kind, name, body)
            _apply(ctx, kind, name, version, sha, body, label, marker)
        except ConfigError as exc:
            sentence = f"{kind} {name!r} v{version} from the hub is quarantined, not applied: {exc}"
            result.rejected.append(sentence)
            _quarantine(ctx, marker, f"rejected:{state}", _marker(kind, name, QUARANTINE), sentence)
            continue
        result.applied.append(f"{kind}/{name} v{version}")
    return result


def _apply(ctx: StationContext, kind: str, name: str, version: int, sha: str, body: str, label: str | None,
           marker: str) -> None:
    _write_document(ctx, kind, name, body)  # first: a name that would leave the folder stops here
    try:
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
            s.execute(delete(Meta).where(Meta.key == _marker(kind, name, QUARANTINE)))
    except ConfigError:
        raise
    except Exception as exc:  # whatever applying trips on, this document must not stop the pass
        log.exception("config %s/%s could not be applied", kind, name)
        raise ConfigError(_("applying it failed ({name}: {exc}).").format(name=type(exc).__name__, exc=exc)) from exc


def _withdraw(ctx: StationContext, kind: str, name: str, version: int, marker: str) -> None:
    folder = hub_documents(ctx.data.config_file, _FOLDERS[kind]) if kind in _FOLDERS else None
    if folder is not None:
        documents.inside(folder, name, _SUFFIX.get(kind, ".toml")).unlink(missing_ok=True)
    with ctx.store.session() as s:
        row = s.get(AppliedConfig, (kind, name))
        if row is not None:
            s.delete(row)
            events.append(s, ctx.actor, "config.applied", {"kind": kind, "id": name, "version": None,
                                                           "hub_version": version, "source": "hub",
                                                           "withdrawn": True})
        set_meta(s, marker, f"withdrawn:{version}")
        s.execute(delete(Meta).where(Meta.key == _marker(kind, name, QUARANTINE)))


def _quarantine(ctx: StationContext, marker: str, value: str, key: str, sentence: str) -> None:
    with ctx.store.session() as s:
        set_meta(s, marker, value)
        set_meta(s, key, sentence[:2000])


_FOLDERS = {"rules": "rules", "layout": "layouts", "vendors": "vendors", "lifecycle": "lifecycle", "bands": "bands",
            "costs": "costs"}


_SUFFIX = {"bands": ".json"}  # the file its loader reads (station/value/bands.py)


def _write_document(ctx: StationContext, kind: str, name: str, body: str) -> None:
    """Rules and layouts are read from files by their loaders: the pushed version goes where they look
    (written whole, then renamed, so a loader never reads half a document)."""
    folder = hub_documents(ctx.data.config_file, _FOLDERS[kind]) if kind in _FOLDERS else None
    if folder is None:
        return
    suffix = _SUFFIX.get(kind, ".toml")
    target = documents.inside(folder, name, suffix)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}{suffix}.tmp"
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(target)


def applied(ctx: StationContext) -> list[dict[str, Any]]:
    """What this station applied, per document: for `station sync status`."""
    with ctx.store.reader() as s:
        rows = s.execute(select(AppliedConfig).order_by(AppliedConfig.kind, AppliedConfig.name)).scalars()
        return [{"kind": r.kind, "name": r.name, "version": r.version, "sha256": r.sha256,
                 "applied_at": r.applied_at} for r in rows]
