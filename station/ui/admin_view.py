"""Supervisor administration: operators, grading matrix versions, settings, sync state.

Every action goes through station.admin (or the grading library), which checks the
role and records an audit event; this view only collects input and shows results.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station import admin, grading, operators
from station.config import BY_KEY
from station.context import StationContext
from station.i18n import _
from station.ui.ops import Changes, Op


class AdminView(QWidget):
    def __init__(self, ctx: StationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        ops_box = QGroupBox(self.tr("Operators"))
        ob = QVBoxLayout(ops_box)
        self.operators = QTableWidget(0, 5)
        self.operators.setAccessibleName(self.tr("Operators"))
        self.operators.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role"), self.tr("Badge"), self.tr("Active"),
                                                   self.tr("Locked until")])
        self.operators.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.operators.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        ob.addWidget(self.operators)
        row = QHBoxLayout()
        for text, slot in ((self.tr("&Add…"), self.add_operator), (self.tr("&Disable"), self.disable_operator),
                           (self.tr("Reset &PIN…"), self.reset_pin), (self.tr("&Unlock"), self.unlock_operator)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        ob.addLayout(row)
        left.addWidget(ops_box, 2)
        mat_box = QGroupBox(self.tr("Grading matrices (Enter activates the selected version)"))
        mb = QVBoxLayout(mat_box)
        self.matrices = QListWidget()
        self.matrices.setAccessibleName(self.tr("Grading matrices"))
        self.matrices.itemActivated.connect(self.activate_matrix)
        mb.addWidget(self.matrices)
        left.addWidget(mat_box, 1)
        layout.addLayout(left, 3)
        right = QVBoxLayout()
        set_box = QGroupBox(self.tr("Organisation, labels and routing"))
        form = QFormLayout(set_box)
        self.fields: dict[str, QLineEdit | QCheckBox | QComboBox] = {}
        for key in admin.EDITABLE:
            field: QLineEdit | QCheckBox | QComboBox = QCheckBox() if BY_KEY[key].type is bool else QLineEdit()
            if BY_KEY[key].choices:  # a closed set (the theme ...): chosen, not typed
                field = QComboBox()
                field.addItems([str(c) for c in BY_KEY[key].choices or ()])
            field.setToolTip(self.tr("{description}\n(setting {key})").format(description=_(BY_KEY[key].description),
                                                                               key=key))
            # People read what a setting does; its key stays in the tooltip for the TOML file.
            label = QLabel(_(BY_KEY[key].description))
            label.setWordWrap(True)
            label.setToolTip(key)
            label.setBuddy(field)
            field.setAccessibleName(_(BY_KEY[key].description))
            form.addRow(label, field)
            self.fields[key] = field
        save = QPushButton(self.tr("&Save settings"))
        save.clicked.connect(self.save_settings)
        form.addRow(save)
        right.addWidget(set_box)
        sync_box = QGroupBox(self.tr("Sync"))
        sb = QVBoxLayout(sync_box)
        self.sync = QLabel("")
        self.sync.setWordWrap(True)
        sb.addWidget(self.sync)
        right.addWidget(sync_box)
        right.addStretch(1)
        layout.addLayout(right, 2)

    # -- reading -----------------------------------------------------------------------
    def refresh(self) -> None:
        Op(self, self._load).on("io").success(self._show).run()

    def _load(self) -> tuple:
        from station.sync.state import status

        return operators.list_operators(self.ctx), grading.available(self.ctx), status(self.ctx)

    def _show(self, loaded: tuple) -> None:
        ops, matrices, sync = loaded
        self.operators.setRowCount(len(ops))
        for r, o in enumerate(ops):
            active = self.tr("yes") if o.active else self.tr("no")
            for c, v in enumerate((o.name, o.role, o.badge or "", active, o.locked_until or "")):
                self.operators.setItem(r, c, QTableWidgetItem(v))
        self.operators.resizeColumnsToContents()
        self.matrices.clear()
        for a in matrices:
            m = a.matrix
            item = QListWidgetItem(f"{'● ' if a.active else '  '}{m.device_class}: {m.ref} ({a.origin})")
            item.setData(256, (m.id, m.version))
            self.matrices.addItem(item)
        for key, field in self.fields.items():
            value = self.ctx.config[key]
            if isinstance(field, QCheckBox):
                field.setChecked(bool(value))
            elif isinstance(field, QComboBox):
                field.setCurrentText(str(value))
            else:
                field.setText(str(value))
        lines = [sync.text, self.tr("Hub: {url}").format(url=sync.hub_url or self.tr("not configured"))]
        if sync.last_ok_at:
            lines.append(self.tr("Last success: {at}").format(at=sync.last_ok_at))
        if sync.last_error:
            lines.append(self.tr("Last error: {error}").format(error=sync.last_error))
        self.sync.setText("\n".join(lines))

    def selected_operator(self) -> str | None:
        row = self.operators.currentRow()
        item = self.operators.item(row, 0) if row >= 0 else None
        return item.text() if item else None

    # -- actions -----------------------------------------------------------------------
    def _run(self, fn, *args, done: str) -> None:
        def succeeded(_result: object) -> None:
            Changes.hub().message.emit("ok", done)
            self.refresh()

        Op(self, fn, *args).changes("operators", "config").success(succeeded).run()

    def add_operator(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Add operator"), self.tr("Name:"))
        if not ok or not name.strip():
            return
        role, ok = QInputDialog.getItem(self, self.tr("Add operator"), self.tr("Role:"), list(operators.ROLES),
                                        0, False)
        if not ok:
            return
        badge, _ok = QInputDialog.getText(self, self.tr("Add operator"), self.tr("Badge (scan it, or leave empty):"))
        pin, _ok = QInputDialog.getText(self, self.tr("Add operator"), self.tr("PIN (4-12 digits, or empty):"),
                                        QLineEdit.EchoMode.Password)
        self._run(admin.add_operator, self.ctx, name, role, badge.strip() or None, pin or None,
                  done=self.tr("Added {name}.").format(name=name))

    def disable_operator(self) -> None:
        name = self.selected_operator()
        if name:
            self._run(admin.disable_operator, self.ctx, name,
                      done=self.tr("{name} can no longer sign in.").format(name=name))

    def unlock_operator(self) -> None:
        name = self.selected_operator()
        if name:
            admin.require_supervisor(self.ctx, self.tr("unlock operators"))
            self._run(operators.unlock, self.ctx, name, done=self.tr("{name} is unlocked.").format(name=name))

    def reset_pin(self) -> None:
        name = self.selected_operator()
        if not name:
            return
        pin, ok = QInputDialog.getText(self, self.tr("Reset PIN"), self.tr("New PIN for {name}:").format(name=name),
                                       QLineEdit.EchoMode.Password)
        if ok:
            self._run(admin.reset_pin, self.ctx, name, pin, done=self.tr("PIN of {name} was reset.").format(name=name))

    def activate_matrix(self, item: QListWidgetItem) -> None:
        matrix_id, version = item.data(256)
        self._run(grading.activate, self.ctx, matrix_id, version,
                  done=self.tr("{matrix} is now active.").format(matrix=f"{matrix_id}@{version}"))

    def save_settings(self) -> None:
        changes = {}
        for key, field in self.fields.items():
            value = (field.isChecked() if isinstance(field, QCheckBox) else field.currentText()
                     if isinstance(field, QComboBox) else field.text().strip())
            if value != self.ctx.config[key]:
                changes[key] = value
        if changes:
            self._run(admin.change_settings, self.ctx, changes,
                      done=self.tr("Saved {keys}.").format(keys=", ".join(changes)))
