"""The Route step on the Label panel: the proposed route, and every route this unit may take.

↑/↓ choose, Enter takes the chosen route (the proposed one is chosen first). When the rules
refuse the proposal, the refusal is shown in words and the allowed routes are offered, so a
locked or unwiped unit always has a way on. Taking another route than an allowed proposal
asks for a reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from station import route_step
from station.context import StationContext
from station.disposition import Decision
from station.i18n import shown
from station.ui.ops import Changes, Op


class RouteBox(QWidget):
    routed = Signal(object)  # the Decision recorded

    def __init__(self, ctx: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.uid: str | None = None
        self.offered: route_step.RouteChoices | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("&Route: ↑/↓ choose, Enter takes it"))
        self.state = QLabel("")
        self.state.setObjectName("route-state")
        self.state.setWordWrap(True)
        self.value = QLabel("")  # the price band (or the price table) and the model's lifecycle stage
        self.value.setObjectName("route-value")
        self.value.setWordWrap(True)
        self.routes = QListWidget()
        self.routes.setObjectName("route-list")
        self.routes.setMinimumHeight(120)
        self.routes.setWordWrap(True)  # a route's explanation is read in full, not cut at the edge
        self.routes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.routes.itemActivated.connect(lambda _item: self.take())
        title.setBuddy(self.routes)
        for w in (title, self.state, self.value, self.routes):
            layout.addWidget(w)

    def load(self, uid: str | None) -> None:
        if uid != self.uid:
            self.offered = None
            self.routes.clear()
            self.state.setText("")
            self.value.setText("")
        self.uid = uid
        if uid:
            Op(self, route_step.choices, self.ctx, uid).success(self._show).run()

    def _show(self, c: route_step.RouteChoices) -> None:
        if c.uid != self.uid:
            return
        self.offered = c
        self.routes.clear()
        if c.proposed is None:
            self._state("warn", self.tr("Grade the unit first: the route follows from its grade."))
            return
        p = c.proposed
        self.value.setText(p.value_text())
        if c.assigned:
            self._state("ok", self.tr("Routed to {route}.").format(route=c.assigned))
        elif p.blocked_reason:
            self._state("error", self.tr("The rules propose '{route}', but it is refused: {reason} "
                                         "Choose one of the routes below.").format(route=p.label,
                                                                                   reason=shown(p.blocked_reason)))
        else:
            self._state("ok", self.tr("Proposed: {route}.").format(route=p.label) + f" {p.shown_explanation()}")
        for d in c.allowed:
            mark = self.tr("  (proposed)") if d.route == p.route else ""
            item = QListWidgetItem(f"{d.label}{mark}: {d.shown_explanation()}")
            item.setData(Qt.ItemDataRole.UserRole, d)
            item.setToolTip(d.shown_explanation())
            self.routes.addItem(item)
        self.routes.setCurrentRow(0)

    def _state(self, level: str, text: str) -> None:
        colour = {"ok": "#1b5e20", "error": "#b00020", "warn": "#b35c00"}.get(level, "#333")
        self.state.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.state.setText(text)

    def focus(self) -> None:
        self.routes.setFocus()

    def take(self) -> None:
        item, c = self.routes.currentItem(), self.offered
        if item is None or c is None or c.proposed is None or self.uid is None:
            return
        d: Decision = item.data(Qt.ItemDataRole.UserRole)
        reason: str | None = None
        if d.route != c.proposed.route and not c.proposed.blocked_reason:
            reason, ok = QInputDialog.getText(
                self, self.tr("Another route"), self.tr("The rules propose '{proposed}'. Why '{route}' instead? "
                                                        "(a short sentence)").format(proposed=c.proposed.label,
                                                                                     route=d.label))
            if not ok:
                return
        Op(self, route_step.take, self.ctx, self.uid, d.route, reason).changes("units").success(
            self._taken).failure(lambda exc: self._state("error", str(exc))).run()

    def _taken(self, d: Decision) -> None:
        self._state("ok", self.tr("Routed to {route}.").format(route=d.label))
        Changes.hub().message.emit("ok", self.tr("Routed to {route}.").format(route=d.label))
        self.routed.emit(d)
        self.load(self.uid)
