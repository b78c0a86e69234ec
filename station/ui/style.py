"""The stylesheets: large type for a bench screen read at arm's length, and a high-contrast theme.

Sizes are in points, so they follow the desktop's DPI (12 pt is 16 px at 96 DPI and 24 px at
192 DPI); click targets are at least 40 px high. Every panel has a banner (Panel.banner) coloured
by its cue, as the Intake verdict is.
"""

from station.ui.scanner_cue import cue_style

THEMES = ("standard", "high-contrast")
BODY_PT = 12  # 16 px at 96 DPI: the least a technician reads at arm's length
MIN_TARGET_PX = 40

STYLE = f"""
QWidget {{ font-size: {BODY_PT}pt; }}
QLabel#heading {{ font-size: 16.5pt; font-weight: 600; }}
QLabel#hint {{ color: #444; }}
QLabel#unit-banner {{ font-size: 13.5pt; font-weight: 600; padding: 6px 12px;
                     background: #1f3a5f; color: white; }}
QLabel#panel-banner {{ font-size: 13.5pt; font-weight: 600; padding: 6px 12px; }}
QLabel#demo-badge {{ background: #b35c00; color: white; font-weight: 600; }}
QLabel#status-message[level="error"] {{ color: #b00020; font-weight: 600; }}
QLabel#status-message[level="warn"] {{ color: #b35c00; font-weight: 600; }}
QLabel#status-message[level="ok"] {{ color: #1b5e20; font-weight: 600; }}
QTabBar::tab {{ padding: 8px 18px; font-size: {BODY_PT}pt; min-height: 28px; }}
QTabBar::tab:selected {{ font-weight: 600; }}
QPushButton, QComboBox, QLineEdit, QSpinBox, QDoubleSpinBox {{ min-height: {MIN_TARGET_PX - 10}px; padding: 4px 10px; }}
QCheckBox, QRadioButton {{ min-height: {MIN_TARGET_PX}px; }}
{cue_style("QLabel#panel-banner")}
"""

# Black on white, every control framed, focus in a thick frame nobody misses, selection inverted.
HIGH_CONTRAST = STYLE + """
QWidget { background: #ffffff; color: #000000; }
QLabel#hint, QLabel#status-message { color: #000000; }
QPushButton, QComboBox, QLineEdit, QSpinBox, QDoubleSpinBox, QTableView, QTableWidget, QListWidget, QTextEdit,
QPlainTextEdit { border: 2px solid #000000; background: #ffffff; color: #000000; }
QPushButton:focus, QComboBox:focus, QLineEdit:focus, QTableView:focus, QTableWidget:focus, QListWidget:focus,
QTextEdit:focus, QPlainTextEdit:focus, QCheckBox:focus, QRadioButton:focus { border: 4px solid #0033cc; }
QTableView, QTableWidget, QListWidget { selection-background-color: #000000; selection-color: #ffff00; }
QHeaderView::section { background: #000000; color: #ffffff; font-weight: 700; border: 1px solid #ffffff; }
QTabBar::tab { border: 2px solid #000000; background: #ffffff; color: #000000; }
QTabBar::tab:selected { background: #000000; color: #ffff00; }
QLabel#unit-banner { background: #000000; color: #ffff00; }
"""


def stylesheet(theme: str) -> str:
    return HIGH_CONTRAST if theme == "high-contrast" else STYLE
