"""Tables sized to their content, on any screen: every column as wide as its text, and when the
whole is wider than the view, the columns that can give way shrink (their text elided, in full in
the tooltip and the detail line) so the columns that matter most stay on screen."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableView

SHRINK_FLOOR = 60  # px a shrunk column keeps at least; six letters' width when the font is larger


def content_width(table: QTableView, col: int) -> int:
    return max(table.horizontalHeader().sectionSizeHint(col), table.sizeHintForColumn(col))


def fit_columns(table: QTableView, *, fixed: dict[int, int] | None = None, keep: dict[int, int] | None = None,
                shrink: list[int] | None = None, floors: dict[int, int] | None = None) -> dict[int, int]:
    """Size `table`'s columns; `fixed` widths never change, `keep` columns get at least their minimum and
    are never shrunk, `shrink` columns give way (in that order of preference) down to their `floors`
    (else six letters' width). Returns the widths set."""
    fixed, keep, shrink, floors = fixed or {}, keep or {}, shrink or [], floors or {}
    header = table.horizontalHeader()
    model = table.model()
    if model is None:
        return {}
    count = model.columnCount()
    floor = max(SHRINK_FLOOR, table.fontMetrics().horizontalAdvance("M" * 6))
    widths: dict[int, int] = {}
    for col in range(count):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed if col in fixed
                                    else QHeaderView.ResizeMode.Interactive)
        widths[col] = fixed.get(col) or max(content_width(table, col), keep.get(col, 0))
    over = sum(widths.values()) - table.viewport().width()
    for col in shrink:
        if over <= 0:
            break
        give = min(over, max(0, widths[col] - floors.get(col, floor)))
        widths[col] -= give
        over -= give
    for col, width in widths.items():
        header.resizeSection(col, width)
    return widths
