"""iPhones and iPads as rows of the Wipe panel, beside the drives and the Android phones.

An `IPhoneTarget` is a PhoneTarget whose work is Erase All Content and Settings
(station.erase.run.WipeRun.for_iphone): ready when the iPhone trusts this station, else
the row says what to do (unlock, tap Trust). It learns its serial and IMEI from the scan.
"""

from __future__ import annotations

from typing_extensions import override

from station.context import StationContext
from station.devices.base import DeviceInfo
from station.erase.phone.ios_erase import METHOD
from station.erase.phone.prechecks import PhoneBlocked
from station.erase.run import RunPlan, WipeRun
from station.i18n import _
from station.ui.wipe_phone_target import PhoneTarget, _say_error
from station.ui.wipe_targets import Facts, Snapshot

METHOD_TEXT = METHOD.replace("-", " ")


def is_iphone(info: DeviceInfo) -> bool:
    return info.details.get("platform") == "ios"


class IPhoneTarget(PhoneTarget):
    def facts(self) -> Facts:
        d = self.info.details
        state = d.get("state", "")
        if self.running():
            guard = _("erasing: keep the iPhone plugged in; it restarts and comes back by itself")
        elif not self.connected:
            guard = _("not connected") if self.run is None else _("off the bus (restarting?)")
        else:
            guard = _("ready: erase all content and settings") if state == "ready" else \
                f"{state}: {_(d.get('instruction', ''))}"
        return Facts(port=d.get("transport", "usb").upper(), model=d.get("model", "iPhone"),
                     serial=d.get("serial") or self.id, size=d.get("size", ""), bus="usbmuxd", guard=guard,
                     extra={"imei": d.get("imei", "")})

    def matches(self, ids: set[str]) -> bool:
        d = self.info.details
        mine = {self.id.upper(), d.get("serial", "").upper(), d.get("imei", "")} - {""}
        return bool(mine & ids)

    def eligible(self) -> bool:
        return self.connected and self.info.details.get("state") == "ready" and not self.running()

    @override
    def plan(self, ctx: StationContext, method: str, verify: str) -> RunPlan:
        self._planned = WipeRun.for_iphone(ctx, self.id, self.prompt)
        return self._planned.plan()

    @override
    def start(self, ctx: StationContext, method: str, verify: str) -> None:
        self.finished, self._claimed, self._error_told = None, False, False
        planned, self._planned = self._planned, None
        self.run = planned if planned is not None else WipeRun.for_iphone(ctx, self.id, self.prompt)
        self.run.on_error = lambda exc: _say_error(self.id, exc)
        self.run.start()

    def snapshot(self) -> Snapshot:
        shown = super().snapshot()
        if isinstance(self.error, PhoneBlocked) and not self.running():
            return Snapshot(result=_("BLOCKED: {reason}").format(reason=self.error), level="error", method=METHOD_TEXT)
        shown.method = METHOD_TEXT
        return shown
