"""The Supervisor panel: live shift KPIs with drill-down, exports, and administration.

Supervisors only: a technician sees what to do instead. Keys: D dashboard, A admin,
E export the shift log (of this station, or of all stations from the hub), R refresh;
Tab moves between figures and Enter lists the units behind one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QStackedWidget, QTabWidget

from station import kpis, shifts
from station.config import Config
from station.errors import UserFacingError
from station.i18n import N_, _, ngettext
from station.ui.admin_view import AdminView
from station.ui.drilldown import DrillDown
from station.ui.export_dialog import ExportChoice, ExportDialog
from station.ui.kpi_dashboard import Dashboard
from station.ui.ops import Changes, Op
from station.ui.panels.base import Panel, column, heading, hint


def export_shift(ctx, fmt: str, out: Path) -> int:
    from station.reports import shift_pdf, shift_rows, tabular  # reportlab and openpyxl load on first export

    w = shifts.shift_at(ctx.config)
    log = shift_rows.shift_log(ctx, w)
    if fmt == "csv":
        tabular.write_csv(log, out)
    elif fmt == "xlsx":
        tabular.write_xlsx(log, out)
    else:
        shift_pdf.write_pdf(log, kpis.compute(ctx, w), out, station=ctx.station_id,
                            language=ctx.config.get_str("site.language"))
    return len(log.rows)


def export_from_hub(ctx, fmt: str, out: Path) -> tuple[str, str]:
    """Every station's units of the current shift, from the hub (network: runs on the 'net' pool).

    Returns the status bar's level and line. What the hub lacked comes first: the status line is cut
    to the window's width, and the warning must be the part that shows."""
    from station.reports import hub_rows  # httpx and the writers load on first export, not at start

    w = shifts.shift_at(ctx.config)
    queued = hub_rows.unsynced_note(ctx.store)
    log = hub_rows.export(ctx.config, w, None, hub_rows.reader_token(ctx.config), fmt, out)
    done = ngettext("Exported {count} unit of all stations to {file}.",
                    "Exported {count} units of all stations to {file}.", len(log.rows)).format(count=len(log.rows),
                                                                                             file=out)
    return ("warn", f"{queued} {done}") if queued else ("ok", done)


def hub_missing(config: Config) -> str | None:
    """Why an export across stations cannot be offered, or None when it can."""
    from station.reports import hub_rows

    if not config["sync.hub_url"]:
        return _("All stations needs the hub: set sync.hub_url in station.toml.")
    try:
        hub_rows.reader_token(config)
    except UserFacingError:
        return _("All stations needs a hub reader token in sync.reader_token or {variable}.").format(
            variable=hub_rows.TOKEN_ENV)
    return None


class SupervisorPanel(Panel):
    title = N_("Supervisor")  # shown through tr() in the tab
    topics = frozenset({"units", "events", "wipe", "grades", "routes", "operator", "operators", "config"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        layout = column(self)
        layout.addWidget(heading(self.tr("Supervisor")))
        self.window_label = QLabel("")
        layout.addWidget(self.window_label)
        layout.addWidget(hint(self.tr("D: dashboard · A: admin · E: export the shift log · R: refresh · "
                                      "Enter on a figure lists its units")))
        self.stack = QStackedWidget()
        self.gate = QLabel(self.tr("Supervisors only. Scan a supervisor badge (or sign in with a supervisor PIN) "
                                   "to see the shift figures, export and administer."))
        self.gate.setWordWrap(True)
        self.gate.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gate.setStyleSheet("font-size: 13.5pt; color: #555;")
        self.tabs = QTabWidget()
        self.tabs.tabBar().setAccessibleName(self.tr("Supervisor views"))
        self.dashboard = Dashboard()
        self.dashboard.drill.connect(self.drill)
        self.admin = AdminView(self.ctx)
        # Both scroll rather than push the window past a 1280x800 screen (tiles and fields are 40 px targets).
        for page, title in ((self.dashboard, self.tr("&Dashboard")), (self.admin, self.tr("&Admin"))):
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(page)
            self.tabs.addTab(area, title)
        self.stack.addWidget(self.gate)
        self.stack.addWidget(self.tabs)
        layout.addWidget(self.stack, 1)
        self.last: kpis.Kpis | None = None
        self.export_dialog: ExportDialog | None = None
        for key, slot in (("D", lambda: self._tab(0)), ("A", lambda: self._tab(1)), ("E", self.export),
                          ("R", self.refresh)):
            sc = QShortcut(QKeySequence(key), self)
            sc.activated.connect(slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    @property
    def allowed(self) -> bool:
        op = self.ctx.operator
        return bool(op and op.is_supervisor)

    def _tab(self, i: int) -> None:
        if self.allowed:
            self.tabs.setCurrentIndex(i)
            self.refresh()

    def refresh(self) -> None:
        if not self.allowed:
            self.stack.setCurrentWidget(self.gate)
            return
        self.stack.setCurrentWidget(self.tabs)
        if self.tabs.currentIndex() == 1:
            self.admin.refresh()
            return
        w = shifts.shift_at(self.ctx.config)
        self.window_label.setText(f"{w.label()}")
        Op(self, kpis.compute, self.ctx, w).on("io").success(self._show).run()

    def _show(self, k: kpis.Kpis) -> None:
        self.last = k
        self.dashboard.show_kpis(k)

    def activated(self) -> None:
        super().activated()
        if self.allowed:
            first = next(iter(self.dashboard.tiles.values()))
            first.setFocus()

    def drill(self, key: str, value: object) -> None:
        if not self.allowed or self.last is None:
            return
        w = self.last.window
        Op(self, kpis.units_behind, self.ctx, w, key, value).on("io").success(
            lambda units: DrillDown(f"{key}{': ' + str(value) if value else ''} — {w.label()}", units, self).exec()
        ).run()

    def export(self) -> None:
        if not self.allowed:
            Changes.hub().message.emit("error", self.tr("Only a supervisor can export the shift log."))
            return
        w = shifts.shift_at(self.ctx.config)
        dialog = ExportDialog(self, Path.home(), f"shift-{w.start:%Y%m%d-%H%M}", hub_missing(self.ctx.config))
        dialog.accepted.connect(lambda: self._export(dialog.choice()))
        dialog.finished.connect(self._dialog_closed)
        self.export_dialog = dialog  # kept while open (and reachable for tests)
        dialog.open()

    def _dialog_closed(self) -> None:
        if self.export_dialog is not None:
            self.export_dialog.deleteLater()
            self.export_dialog = None
        # Back to the figures, so the panel's keys (E again, R...) work without reaching for the mouse.
        self.window().activateWindow()
        if self.allowed:
            next(iter(self.dashboard.tiles.values())).setFocus()

    def _export(self, choice: ExportChoice) -> None:
        out = choice.out
        if choice.from_hub:
            Op(self, export_from_hub, self.ctx, choice.fmt, out).on("net").with_progress(
                self.tr("Fetching every station's shift log from the hub")).success(
                lambda said: Changes.hub().message.emit(*said)).run()
        else:
            Op(self, export_shift, self.ctx, choice.fmt, out).with_progress(self.tr("Exporting the shift log")).success(
                lambda n: Changes.hub().message.emit("ok", ngettext("Exported {count} unit to {file}.",
                                                                    "Exported {count} units to {file}.", n)
                                                     .format(count=n, file=out))).run()
