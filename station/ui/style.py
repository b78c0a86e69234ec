"""One stylesheet: large type for a bench screen read at arm's length."""

STYLE = """
QWidget { font-size: 15px; }
QLabel#heading { font-size: 22px; font-weight: 600; }
QLabel#hint { color: #555; }
QLabel#unit-banner { font-size: 18px; font-weight: 600; padding: 6px 12px;
                     background: #1f3a5f; color: white; }
QLabel#demo-badge { background: #b35c00; color: white; font-weight: 600; }
QLabel#status-message[level="error"] { color: #b00020; font-weight: 600; }
QLabel#status-message[level="warn"] { color: #b35c00; font-weight: 600; }
QLabel#status-message[level="ok"] { color: #1b5e20; font-weight: 600; }
QTabBar::tab { padding: 8px 18px; font-size: 16px; }
QTabBar::tab:selected { font-weight: 600; }
"""
