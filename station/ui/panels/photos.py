"""The Photos panel: live preview, the class's required shots, capture by key or barcode.

Keys: Space/Enter capture the selected shot; Up/Down choose a shot; C calibrates the
blur threshold on a sharp target; O lets a supervisor finish without a missing shot.
A foot pedal that types Space, or the CMD:PHOTO barcode, also captures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from station import photos

if TYPE_CHECKING:
    from station.devices.camera.capture import CameraSession
from station.i18n import N_
from station.ui.camera_view import CameraState, PreviewLabel
from station.ui.ops import Changes, Op, report_error
from station.ui.panels.base import Panel, column, heading, hint


class PhotosPanel(Panel):
    title = N_("Photos")  # shown through tr() in the tab
    topics = frozenset({"units", "photos", "devices"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading(self.tr("Photos")))
        layout.addWidget(hint(self.tr("Space: capture the selected shot · ↑/↓: choose shot · "
                                      "C: calibrate sharpness · O: supervisor override")))
        body = QHBoxLayout()
        self.preview = PreviewLabel(self)
        body.addWidget(self.preview, 3)
        side = QVBoxLayout()
        side.addWidget(QLabel(self.tr("Required shots")))
        self.shots = QListWidget()
        self.shots.setAccessibleName(self.tr("Shots"))
        self.shots.setObjectName("shot-list")
        side.addWidget(self.shots, 1)
        self.verdict = QLabel("")
        self.verdict.setObjectName("photo-verdict")
        self.verdict.setWordWrap(True)
        side.addWidget(self.verdict)
        body.addLayout(side, 2)
        layout.addLayout(body, 1)
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(160, 120))
        self.thumbs.setFixedHeight(170)
        self.thumbs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.thumbs)
        self.camera_state = CameraState(self)
        self.camera_state.changed.connect(self._on_camera_state)
        self.camera: CameraSession | None = None
        self.busy = False
        self._shown_uid: str | None = None  # the unit whose shots the list shows
        self._advance = False  # a shot was just accepted: select the next missing one
        self._bind_keys()

    # -- camera ------------------------------------------------------------------------
    def _ensure_camera(self) -> None:
        if self.camera is not None and self.camera.state in ("connected", "opening"):
            return
        from station import photo_capture as camera_service  # OpenCV loads with the first preview

        try:
            self.camera = camera_service.open_camera(self.devices, self._camera_state_from_thread)
        except Exception as exc:  # no camera: say so in the preview, keep the panel usable
            self.camera = None
            self.preview.detach(str(exc))
            return
        self.preview.attach(self.camera)
        Changes.hub().device_state.emit("camera", self.camera.state)  # it may have changed before we listened

    def _camera_state_from_thread(self, state: str) -> None:
        # The capture thread may report once more while the window is being closed.
        if shiboken6.isValid(self.camera_state):
            self.camera_state.changed.emit(state)

    def _on_camera_state(self, state: str) -> None:
        Changes.hub().device_state.emit("camera", state)  # the status bar says what this panel says
        label = self.camera.info.label if self.camera else self.tr("Camera")
        if state == "missing":  # opened, no picture yet (the demo camera writes its video first)
            self.preview.detach(self.tr("{camera} sends no picture yet.\nThe preview starts by itself when it does.")
                                .format(camera=label))
        elif state == "unplugged":
            self.preview.detach(
                self.tr("{camera} is unplugged.\nIt reopens by itself when it is back.").format(camera=label)
            )
            Changes.hub().message.emit(
                "warn", self.tr("{camera} unplugged; photos resume when it is back.").format(camera=label)
            )
        elif state == "connected" and self.camera is not None:
            self.preview.attach(self.camera)
            Changes.hub().message.emit("ok", self.tr("{camera} connected.").format(camera=label))
        Changes.hub().changed.emit({"camera"})

    def activated(self) -> None:
        self._ensure_camera()
        super().activated()
        self.shots.setFocus()

    def hideEvent(self, event) -> None:
        self.preview.timer.stop()  # no preview work while another panel is shown
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.camera is not None:
            self.preview.timer.start()

    # -- data --------------------------------------------------------------------------
    def set_unit(self, uid: str | None) -> None:
        if uid != self.unit_uid:  # a new unit starts at its own first missing shot, with no old verdict
            self.shots.clear()
            self.thumbs.clear()
            self.verdict.setText("")
            self._shown_uid = None
        super().set_unit(uid)

    def refresh(self) -> None:
        if not self.unit_uid:
            self.shots.clear()
            self.thumbs.clear()
            self.verdict.setText(self.tr("Scan a unit first."))
            return
        uid = self.unit_uid
        Op(self, lambda: (photos.shot_list(self.ctx, uid), photos.photos_of(self.ctx, uid))).success(
            lambda r: self._show(uid, *r)
        ).run()

    def _show(self, uid: str, shots: list[photos.ShotStatus], taken: list[photos.PhotoRecord]) -> None:
        if uid != self.unit_uid:
            return
        fresh = uid != self._shown_uid
        self._shown_uid = uid
        row = max(self.shots.currentRow(), 0)
        self.shots.clear()
        for sh in shots:
            mark = "✔" if sh.taken else ("✘" if sh.required else "·")
            optional = "" if sh.required else self.tr("  optional")
            item = QListWidgetItem(f"{mark}  {sh.name}  ({sh.stage}){optional}")
            item.setData(Qt.ItemDataRole.UserRole, sh)
            item.setToolTip(sh.description)
            self.shots.addItem(item)
        missing = [i for i, sh in enumerate(shots) if sh.required and not sh.taken]
        if missing and (fresh or self._advance or row >= len(shots) or shots[row].taken):
            row = missing[0]  # the first missing required shot; after each accepted one, the next
        self._advance = False
        self.shots.setCurrentRow(min(row, len(shots) - 1))
        self.thumbs.clear()
        for p in taken:
            icon = QIcon(QPixmap(str(p.path)).scaled(160, 120, Qt.AspectRatioMode.KeepAspectRatio))
            self.thumbs.addItem(QListWidgetItem(icon, f"{p.stage} · {p.shot}"))

    # -- capture -----------------------------------------------------------------------
    def _bind_keys(self) -> None:
        # Panel-wide shortcuts: they work whichever child has focus (the shot list eats Space otherwise).
        for keys, slot in (
            (("Space", "Return", "Enter"), self.capture),
            (("C",), self.calibrate),
            (("O",), self.override),
        ):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.activated.connect(slot)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def handle_command(self, command: str, argument: str | None) -> bool:
        if command != "PHOTO":
            return False
        if argument:
            for i in range(self.shots.count()):
                if self.shots.item(i).data(Qt.ItemDataRole.UserRole).name.lower() == argument.lower():
                    self.shots.setCurrentRow(i)
        self.capture()
        return True

    def capture(self) -> None:
        item = self.shots.currentItem()
        if not self.unit_uid or item is None:
            self._say("error", self.tr("Scan a unit first, then capture its photos."))
            return
        self._ensure_camera()
        if self.camera is None or self.busy:
            return
        from station import photo_capture as camera_service

        shot: photos.ShotStatus = item.data(Qt.ItemDataRole.UserRole)
        self.busy = True
        uid, cam = self.unit_uid, self.camera
        Op(self, camera_service.capture_checked, self.ctx, cam, uid, shot.name, shot.stage).success(
            self._captured
        ).failure(self._capture_failed).changes("photos").run()

    def _captured(self, outcome) -> None:
        self.busy = False
        if outcome.saved:
            self._advance = True
            self._say(
                "ok",
                self.tr("Saved {shot} (sharpness {sharpness:.0f}).").format(
                    shot=outcome.shot, sharpness=outcome.quality["blur"]
                ),
            )
        else:
            self._say(
                "error", self.tr("Retake {shot}: {why}").format(shot=outcome.shot, why=" ".join(outcome.failures))
            )

    def _capture_failed(self, exc: BaseException) -> None:
        self.busy = False
        self._say("error", str(exc))
        report_error(exc)

    def _say(self, level: str, text: str) -> None:
        colour = {"ok": "#1b5e20", "error": "#b00020"}.get(level, "#333")
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: 600; font-size: 12.75pt;")
        self.verdict.setText(text)
        Changes.hub().message.emit(level, text)

    def calibrate(self) -> None:
        self._ensure_camera()
        if self.camera is None:
            return
        from station import photo_capture as camera_service

        label = self.camera.info.label
        Op(self, camera_service.calibrate, self.ctx, self.camera).success(
            lambda t: self._say(
                "ok",
                self.tr("Sharpness threshold for {camera} set to {threshold:.0f}.").format(camera=label, threshold=t),
            )
        ).run()

    def override(self) -> None:
        if not self.unit_uid:
            return
        reason, ok = QInputDialog.getText(
            self,
            self.tr("Finish without required photos"),
            self.tr("Supervisor: why may this unit finish without them?"),
        )
        if ok:
            uid = self.unit_uid
            Op(self, photos.override_missing, self.ctx, uid, reason).changes("photos", "units").success(
                lambda _r: self._say("ok", self.tr("Override recorded."))
            ).failure(lambda e: self._say("error", str(e))).run()
