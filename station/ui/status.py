"""The status bar: operator, devices connected, hub and sync backlog, and the last message."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from station.context import StationContext
from station.devices.manager import DeviceManager
from station.i18n import N_, _
from station.ui.ops import Changes, Op

DEVICE_KINDS = (("scanner", N_("Scanner")), ("printer", N_("Printer")), ("camera", N_("Camera")),
                ("drive", N_("Drives")), ("phone", N_("Phones")))
# What a device's state reads as on the status bar (the states come from the device adapters).
STATES = {"connected": N_("connected"), "opening": N_("opening"), "missing": N_("missing"),
          "unplugged": N_("unplugged")}


def sync_status(ctx: StationContext):
    from station.sync import status

    return status(ctx)


class StatusBar(QStatusBar):
    def __init__(self, ctx: StationContext, devices: DeviceManager, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.devices = ctx, devices
        self.message = QLabel("")
        self.message.setObjectName("status-message")
        # A long message must never widen the window past a bench screen: it is cut, and the
        # whole sentence stays in its tooltip and in the Intake panel's scan list.
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message.setMinimumWidth(120)
        self.addWidget(self.message, 1)
        self.operator = QLabel()
        self.device_labels = {kind: QLabel() for kind, _ in DEVICE_KINDS}
        self.hub = QLabel()
        for w in (self.operator, *self.device_labels.values(), self.hub):
            self.addPermanentWidget(w)
        if demo:
            badge = QLabel(self.tr(" DEMO "))
            badge.setToolTip(self.tr("Demo mode: simulated scanner, printer, camera, drives and phones"))
            badge.setObjectName("demo-badge")
            self.addPermanentWidget(badge)
        hub = Changes.hub()
        hub.message.connect(self.show_message)
        hub.changed.connect(self._on_changed)
        hub.device_state.connect(self._on_device_state)
        self.states: dict[str, str] = {}  # what an open session said last (a listed camera may be unplugged)
        self._clear = QTimer(self, singleShot=True, interval=8000)
        self._clear.timeout.connect(lambda: self.message.setText(""))
        self.refresh_devices()
        self.refresh_operator()
        self.refresh_sync()

    def show_message(self, level: str, text: str) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)
        self.message.setProperty("level", level)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        if level in ("info", "ok", "idle"):
            self._clear.start()

    def _on_changed(self, topics: set[str]) -> None:
        if "devices" in topics:
            self.refresh_devices()
        if "operator" in topics:
            self.refresh_operator()
        if topics & {"events", "units", "sync"}:
            self.refresh_sync()

    def refresh_operator(self) -> None:
        op = self.ctx.operator
        self.operator.setText(f"{op.name} ({_(op.role)})" if op else self.tr("Not signed in (Ctrl+L)"))

    def refresh_devices(self) -> None:
        counts = self.devices.summary()
        for kind, name in DEVICE_KINDS:
            n = counts.get(kind, 0)
            name = _(name)
            label = self.device_labels[kind]
            state = self.states.get(kind, "connected")
            if kind in ("drive", "phone"):
                label.setText(f"{name}: {n}")
            elif n and state not in ("connected", "opening"):
                label.setText(f"{name}: {_(STATES.get(state, state))}")
                n = 0
            else:
                label.setText(f"{name}: {self.tr('ok') if n else self.tr('none')}")
            label.setToolTip(", ".join(d.label for d in self.devices.devices(kind))
                             or self.tr("{device}: none connected").format(device=name))
            label.setProperty("ok", bool(n))

    def _on_device_state(self, kind: str, state: str) -> None:
        self.states[kind] = state
        self.refresh_devices()

    def refresh_sync(self) -> None:
        Op(self, sync_status, self.ctx).on("io").success(self._show_sync).run()

    def _show_sync(self, st) -> None:
        self.hub.setText(st.text)
        self.hub.setToolTip(st.last_error or "")
        self.hub.setProperty("level", st.level)
