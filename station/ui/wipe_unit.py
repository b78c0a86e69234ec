"""The Wipe panel about the open unit: which row is its phone or drive, and its rows' identities.

A phone row learns its IMEI and serial number from the phone itself (once, off the GUI
thread); the open unit's identifiers (IMEI, serial, any scanned one) then pick its row.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTableView

from station import workflow
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
    ids = {v.upper() for _k, v in view.identifiers}
    ids.update(v.upper() for v in (view.imei, view.fields.get("serial")) if v)
    return ids


def load_ids(ctx: StationContext, uid: str) -> tuple[str, set[str]]:
    return uid, unit_ids(workflow.load_unit(ctx, uid))


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


def select_unit_row(table: QTableView, model: WipeTableModel, ids: set[str]) -> bool:
    """Select the row of the unit known by `ids`; False when none of the rows is it."""
    for row, target in enumerate(model.targets):
        if ids and target.matches(ids):
            if not table.selectionModel().isRowSelected(row):
                table.selectRow(row)
            return True
    return False
