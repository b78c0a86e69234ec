"""The Wipe panel about the open unit: which rows are its media, and its rows' identities.

A phone row learns its IMEI and serial number from the phone itself (once, off the GUI
thread); the open unit's identifiers (IMEI, serial, any scanned one) then pick its row.
A unit of several media (a phone and its microSD card, a laptop and its drive) also has
the rows of the drives attached to it (station/unit_media.py): each is wiped on its own,
and the unit is done when all are. A phone that tells its card's serial has the card
row with that serial attached by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import QTableView

from station import unit_media, units, workflow
from station.context import StationContext
from station.devices.manager import DeviceManager
from station.devices.phone.identity import PhoneIdentity, read_identity
from station.ui.ops import Op
from station.ui.wipe_model import WipeTableModel
from station.ui.wipe_phone_target import PhoneTarget
from station.unit_view import UnitView


def unit_ids(view: UnitView | None) -> set[str]:
    if view is None:
        return set()
    ids = {v.upper() for k, v in view.identifiers if k != unit_media.MEDIUM}  # a medium's row is not the unit's own
    ids.update(v.upper() for v in (view.imei, view.fields.get("serial")) if v)
    return ids


@dataclass(frozen=True)
class UnitMedia:
    """The open unit as the Wipe panel needs it: its identifiers, its attached media, where each wipe stands."""

    uid: str
    ids: set[str] = field(default_factory=set)
    attached: set[str] = field(default_factory=set)  # attached media's serials, upper case
    media: list[unit_media.Medium] = field(default_factory=list)
    status: str | None = None


def load(ctx: StationContext, uid: str) -> UnitMedia:
    ids = unit_ids(workflow.load_unit(ctx, uid))
    with ctx.store.reader() as s:
        unit = units.by_uid(s, uid)
        if unit is None:
            return UnitMedia(uid, ids)
        attached = unit_media.attached(s, unit)
        return UnitMedia(uid, ids, {a.upper() for a in attached}, unit_media.media(s, unit) if attached else [],
                         unit.wipe_status)


def attach(ctx: StationContext, uid: str, serial: str, what: str, model: str) -> UnitMedia:
    """Attach a medium to the unit (refused with the reason, see unit_media.attach) and read the unit again."""
    with ctx.store.session() as s:
        unit = units.by_uid(s, uid)
        if unit is not None:
            unit_media.attach(s, ctx.actor, unit, serial, what=what, model=model)
    return load(ctx, uid)


def row_serial(target: object) -> str:
    return (getattr(getattr(getattr(target, "drive", None), "facts", None), "serial", "") or "").upper()


def unit_rows(model: WipeTableModel, unit: UnitMedia | None) -> list[int]:
    """The rows of the open unit: its own (phone, or the drive it is), then its attached media in order."""
    if unit is None:
        return []
    own = [r for r, t in enumerate(model.targets) if unit.ids and t.matches(unit.ids)][:1]
    by_serial = {row_serial(t): r for r, t in enumerate(model.targets) if row_serial(t)}
    return own + [by_serial[m.serial.upper()] for m in unit.media if not m.own and m.serial.upper() in by_serial]


def medium_of(unit: UnitMedia | None, target: object) -> unit_media.Medium | None:
    """The unit's medium this row is, if any."""
    if unit is None:
        return None
    serial = row_serial(target)
    for m in unit.media:
        if (m.own and unit.ids and target.matches(unit.ids)) or (not m.own and serial == m.serial.upper()):  # type: ignore[attr-defined]
            return m
    return None


def card_to_attach(model: WipeTableModel, unit: UnitMedia | None) -> tuple[str, str] | None:
    """(serial, model) of the drive row that the open unit's phone says is its card, not attached yet."""
    if unit is None:
        return None
    phone = next((t for t in model.targets if isinstance(t, PhoneTarget) and unit.ids and t.matches(unit.ids)), None)
    card = (phone.identity.card_serial or "").upper() if phone is not None and phone.identity else ""
    if not card or card in unit.attached:
        return None
    row = next((t for t in model.targets if row_serial(t) == card), None)
    return (card, getattr(row.drive.facts, "model", "")) if row is not None else None  # type: ignore[attr-defined]


def identify_phones(parent: object, devices: DeviceManager, model: WipeTableModel, done: object) -> None:
    """Read each new phone's identity once it is in Android; `done()` runs after each one arrives."""
    driver = next(iter(devices.drivers("phone")), None)
    client = getattr(driver, "client", None)
    if client is None:
        return
    for target in model.targets:
        if not isinstance(target, PhoneTarget) or target.identity is not None or target.identifying:
            continue
        if target.info.details.get("state") != "device":
            continue
        target.identifying = True

        def arrived(ident: PhoneIdentity, t: PhoneTarget = target) -> None:
            t.identity, t.identifying = ident, False
            row = model.row_of(t.id)
            if row >= 0:
                model.refresh_row(row)
            done()  # type: ignore[operator]

        def failed(_exc: BaseException, t: PhoneTarget = target) -> None:
            t.identifying = False  # asked again at the next rescan

        Op(parent, read_identity, client, target.id).on("io").success(arrived).failure(failed).run()  # type: ignore[arg-type]


def select_unit_row(table: QTableView, model: WipeTableModel, unit: UnitMedia | None, *, moved: bool = False) -> bool:
    """Select a row of the open unit: the first of its media not sanitized yet (its own first); a row of
    the unit the technician already chose stays selected unless `moved` (a medium just finished).
    False when none of the rows is the unit's."""
    rows = unit_rows(model, unit)
    if not rows:
        return False
    current = table.selectionModel().selectedRows()
    if current and current[0].row() in rows and not moved:
        return True
    pending = [r for r in rows if not ((m := medium_of(unit, model.targets[r])) is not None and m.sanitized)]
    row = (pending or rows)[0]
    if not table.selectionModel().isRowSelected(row):
        table.selectRow(row)
    return True
