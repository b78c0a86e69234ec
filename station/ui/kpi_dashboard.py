"""The KPI dashboard: clickable figures and three charts for the current shift.

Every figure is a button: Enter (or a click) lists the units behind it. Charts use
pyqtgraph, imported the first time the dashboard is shown so the bench starts fast.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from station.i18n import N_, _
from station.kpis import Kpis

EMPTY_CHART = N_("Nothing finished in this shift yet")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _min(x: float | None) -> str:
    return "–" if x is None else _("{minutes:.0f} min").format(minutes=x)


class Tile(QPushButton):
    def __init__(self, title: str, key: str, value: str | None = None) -> None:
        super().__init__()
        self.title, self.key, self.value = title, key, value  # the title in English: the tiles' key
        self.setObjectName("kpi-tile")
        self.setAccessibleName(_(title))
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("QPushButton#kpi-tile { text-align: left; padding: 6px 10px; font-size: 12pt; }"
                           "QPushButton#kpi-tile:focus { border: 2px solid #1f3a5f; }")

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter opens a figure, like a click
            self.click()
            return
        super().keyPressEvent(event)

    def show_value(self, text: str) -> None:
        self.setText(f"{_(self.title)}\n{text}")
        self.setAccessibleName(f"{_(self.title)}: {text}")


class Dashboard(QWidget):
    drill = Signal(str, object)  # KPI key, value (e.g. ("grade", "B"))

    TILES = ((N_("Units finished"), "finished"), (N_("Units per hour"), "finished"),
             (N_("Wipe pass rate"), "wipe_failed"), (N_("Cycle time median / p90"), "finished"),
             (N_("Expected recovery"), "finished"), (N_("Recovery rate"), "finished"),
             (N_("Disposition accuracy"), "finished"), (N_("Waste diversion"), "finished"),
             (N_("Work in progress"), "stage"), (N_("Blocked"), "blocked"), (N_("Cost per return"), "finished"),
             (N_("Cycle time to value"), "finished"), (N_("Realised vs routed value"), "finished"),
             (N_("Disposition accuracy by value"), "finished"))
    COLUMNS = 7

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.tiles: dict[str, Tile] = {}
        for i, (title, key) in enumerate(self.TILES):
            tile = Tile(title, key)
            tile.clicked.connect(lambda _=False, t=tile: self.drill.emit(t.key, t.value))
            grid.addWidget(tile, i // self.COLUMNS, i % self.COLUMNS)
            self.tiles[title] = tile
        layout.addLayout(grid)
        self.charts = QHBoxLayout()
        layout.addLayout(self.charts, 1)
        self.plots: dict[str, object] = {}
        self.breakdown = QHBoxLayout()  # grade and technician buttons for drill-down by keyboard
        layout.addLayout(self.breakdown)

    def _ensure_charts(self) -> None:
        if self.plots:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=False, background="w", foreground="k")
        for name in (N_("Throughput per hour"), N_("Grade mix"), N_("Units per technician")):
            plot = pg.PlotWidget(title=_(name))
            plot.setMouseEnabled(False, False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            self.charts.addWidget(plot)
            self.plots[name] = plot

    def _bars(self, name: str, labels: list[str], values: list[float], colour: str) -> None:
        import pyqtgraph as pg

        plot = self.plots[name]
        plot.clear()  # type: ignore[attr-defined]
        # Counts start at zero: an empty or all-zero shift would otherwise get an axis from -0.5.
        peak = max([1.0, *values])
        top = peak * 1.1
        plot.setYRange(0, top, padding=0)  # type: ignore[attr-defined]
        step = max(1, math.ceil(peak / 5))  # counts: whole-number ticks, never 0.2
        plot.getAxis("left").setTickSpacing(step, step)  # type: ignore[attr-defined]
        # One slot per bar, so the bottom axis shows the bars' names and never bare fractions.
        plot.setXRange(-0.5, max(len(labels), 1) - 0.5, padding=0)  # type: ignore[attr-defined]
        xs = list(range(len(labels)))
        plot.getAxis("bottom").setTicks([list(zip(xs, labels, strict=True))])  # type: ignore[attr-defined]
        if not labels:
            note = pg.TextItem(_(EMPTY_CHART), color="#555", anchor=(0.5, 0.5))
            note.setPos(0, top / 2)
            plot.addItem(note)  # type: ignore[attr-defined]
            return
        plot.addItem(pg.BarGraphItem(x=xs, height=values, width=0.7, brush=colour))  # type: ignore[attr-defined]

    def show_kpis(self, k: Kpis) -> None:
        t = self.tiles
        t["Units finished"].show_value(self.tr("{finished} of {taken_in} in").format(finished=k.units_finished,
                                                                                   taken_in=k.units_in))
        t["Units per hour"].show_value(f"{k.units_per_hour:.1f}")
        t["Wipe pass rate"].show_value(self.tr("{rate}  ({failed} failed)").format(rate=_pct(k.wipe_pass_rate),
                                                                                 failed=k.wipes_failed))
        t["Cycle time median / p90"].show_value(f"{_min(k.cycle_median_min)} / {_min(k.cycle_p90_min)}")
        t["Expected recovery"].show_value(f"{k.expected_value:,.2f}")
        t["Recovery rate"].show_value(_pct(k.recovery_rate))
        t["Disposition accuracy"].show_value(self.tr("{rate} of {outcomes}").format(rate=_pct(k.accuracy_rate),
                                                                                   outcomes=k.outcomes))
        t["Waste diversion"].show_value(_pct(k.diversion_rate))
        t["Work in progress"].show_value(", ".join(f"{s} {n}" for s, n in k.wip.items()) or self.tr("none"))
        top = max(k.wip, key=lambda s: k.wip[s]) if k.wip else None
        t["Work in progress"].value = top
        t["Blocked"].show_value(str(len(k.blocked)))
        t["Cost per return"].show_value(k.cost_text())
        t["Cycle time to value"].show_value(k.value_cycle_text())
        t["Realised vs routed value"].show_value(k.realised_text())
        t["Disposition accuracy by value"].show_value(k.value_accuracy_text())
        self._ensure_charts()
        self._bars(N_("Throughput per hour"), [h for h, _ in k.throughput], [n for _, n in k.throughput], "#1f3a5f")
        self._bars(N_("Grade mix"), list(k.grade_mix), list(k.grade_mix.values()), "#2e7d32")
        self._bars(N_("Units per technician"), [n for n, _c, _r in k.per_technician],
                   [c for _n, c, _r in k.per_technician], "#b35c00")
        while self.breakdown.count():
            item = self.breakdown.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        for key, what, items in (("grade", self.tr("grade"), k.grade_mix),
                                 ("technician", self.tr("technician"), {n: c for n, c, _r in k.per_technician}),
                                 ("route", self.tr("route"), k.routes)):
            for name, count in items.items():
                tile = Tile(f"{what}: {name}", key, name)
                tile.setMinimumHeight(40)  # a click target at arm's length
                tile.show_value(str(count))
                tile.clicked.connect(lambda _=False, t=tile: self.drill.emit(t.key, t.value))
                self.breakdown.addWidget(tile)
