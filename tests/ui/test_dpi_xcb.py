"""Body text follows the desktop's DPI on a real X server (Xvfb, the xcb plugin), set as an X11 desktop sets
it: the Xft.dpi resource (xrdb). The offscreen plugin ignores any DPI setting and Qt 6 on xcb ignores
QT_FONT_DPI, so only this catches a style sheet that sets its fonts in pixels."""

from __future__ import annotations

import json
import shutil
import sys

from tests.ui.test_xvfb_screenshot import on_xvfb

# The app's own style on a label and a button, as the main window applies it; prints what X11 then shows.
# With "px" as its argument the body size is given in pixels instead: the check's own negative control.
PROBE = """
import json, sys
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget
from station.ui.style import BODY_PT, STYLE
app = QApplication(sys.argv[:1])
app.setStyleSheet(STYLE.replace(f"{BODY_PT}pt", "16px") if sys.argv[1:] == ["px"] else STYLE)
w = QWidget(); box = QVBoxLayout(w)
body, button = QLabel("Graded B by Ana at 10:42"), QPushButton("Print label")
box.addWidget(body); box.addWidget(button); w.show(); app.processEvents()
print(json.dumps({"dpi": w.screen().logicalDotsPerInchY(), "ratio": w.devicePixelRatio(), "platform":
                  app.platformName(), "body": QFontInfo(body.font()).pixelSize(),
                  "button": QFontInfo(button.font()).pixelSize()}))
"""


def _measure(xft_dpi: int, *, qt_scaling: bool = False, units: str = "pt") -> dict[str, float]:
    xrdb = shutil.which("xrdb")
    assert xrdb, "xrdb is missing: installer/system-packages.sh --test installs it (package x11-xserver-utils)"
    r = on_xvfb(["sh", "-c", f'echo "Xft.dpi: {xft_dpi}" | {xrdb} -merge && exec "$0" -c "$1" {units}',
                 sys.executable, PROBE], {"QT_ENABLE_HIGHDPI_SCALING": "1" if qt_scaling else "0"}, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["platform"] == "xcb"
    return got


def test_body_text_scales_with_the_desktop_dpi_on_x11() -> None:
    normal, doubled = _measure(96), _measure(192)
    assert (normal["dpi"], doubled["dpi"]) == (96, 192)  # the desktop's setting reached Qt
    assert normal["body"] >= 16 and normal["button"] >= 16  # 12 pt at 96 DPI
    for part in ("body", "button"):
        assert abs(doubled[part] - 2 * normal[part]) <= 1, (part, normal, doubled)
    # Qt's own high-DPI scaling (its default) doubles the device pixels instead; the text follows too.
    scaled = _measure(192, qt_scaling=True)
    assert scaled["ratio"] == 2 and abs(scaled["body"] * scaled["ratio"] - 2 * normal["body"]) <= 1, scaled
    # The check can fail: the same style with its body size in pixels stays 16 px at 192 DPI.
    assert _measure(192, units="px")["body"] == 16
