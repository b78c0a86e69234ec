"""Readable at arm's length, and usable without the eyes: body text of 16 px or more in points (so it follows
the desktop's DPI), click targets of 40 px or more, a banner with colour, sound and text on every panel, an
accessible name on every control, a high-contrast theme chosen in Admin."""

from __future__ import annotations

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit

from station.ui.accessible import unnamed
from station.ui.ops import Changes
from station.ui.panels.base import Banner
from station.ui.panels.intake import IntakePanel
from station.ui.style import BODY_PT, HIGH_CONTRAST, MIN_TARGET_PX, STYLE


def _window(qtbot, make_window, data_dir):  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "station.toml").write_text('[scanner]\nport = "none"\n')
    w = make_window(data_dir)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_panel_is_readable_has_big_targets_a_banner_and_named_controls(qtbot, make_window, data_dir) -> None:
    w = _window(qtbot, make_window, data_dir)
    cued: list[str] = []
    w.scans.cue.cued.connect(cued.append)
    problems: list[str] = []
    for i, panel in enumerate(w.panels):
        w.show_panel(i)
        qtbot.wait(50)
        for label in panel.findChildren(QLabel):
            if label.isVisible() and label.text().strip():
                font = label.font()
                if font.pointSizeF() <= 0 or QFontInfo(font).pixelSize() < 16:
                    problems.append(f"{panel.title}: text {label.text()[:30]!r} is {QFontInfo(font).pixelSize()} px")
        for control in panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox) \
                + panel.findChildren(QLineEdit):
            if control.isVisible() and not isinstance(control.parentWidget(), QComboBox) \
                    and control.height() < MIN_TARGET_PX:
                problems.append(f"{panel.title}: {type(control).__name__} {control.accessibleName()!r} is "
                                f"{control.height()} px high")
        problems += [f"{panel.title}: {type(c).__name__} {c.objectName()!r} has no accessible name"
                     for c in unnamed(panel)]
        # The panel's banner: the work's message in colour, and an error sounds.
        Changes.hub().message.emit("error", f"Printer at 10.0.0.7 did not answer ({panel.title})")
        banner = panel.banner
        if isinstance(panel, IntakePanel):
            assert banner is panel.verdict  # the scan verdict is the Intake banner
            continue
        assert isinstance(banner, Banner) and banner.isVisible(), panel.title
        assert banner.text().endswith(f"({panel.title})") and banner.property("cue") == "bad"
        assert cued and cued[-1] == "bad"
        cued.clear()
        w.scans.cue.last_at = 0.0
    assert problems == [], "\n".join(problems)
    # With 40 px fields the window still fits a 1280x800 screen (the Intake forms scroll).
    least = w.minimumSizeHint()
    assert least.width() <= 1280 and least.height() <= 800, least


def test_text_follows_the_desktop_dpi_and_the_high_contrast_theme_is_a_setting(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Points, not pixels: the body's pixel height is its point size at the screen's logical DPI, so a 200 %
    desktop (192 DPI) gets text twice as tall; at 96 DPI it is 16 px."""
    label = QLabel("Graded B by Ana at 10:42")
    qtbot.addWidget(label)
    label.setStyleSheet(STYLE)
    label.ensurePolished()
    dpi = label.screen().logicalDotsPerInchY()
    assert label.font().pointSizeF() == BODY_PT and label.font().pixelSize() == -1  # set in points
    assert QFontInfo(label.font()).pixelSize() == round(BODY_PT * dpi / 72) >= 16 * dpi / 96 - 0.5
    assert round(BODY_PT * 192 / 72) == 32
    from station.config import BY_KEY

    assert BY_KEY["station.theme"].choices == ("standard", "high-contrast")
    assert "#ffff00" in HIGH_CONTRAST and HIGH_CONTRAST.startswith(STYLE)
