"""The one renderer: 1-bit, no grey, exact bars, and every symbol decodes to the unit id."""

from __future__ import annotations

import numpy as np
import pytest

from station.errors import ConfigError
from station.labels import layout, symbols
from station.labels.render import bitmap_hash, render
from tests.labels.helpers import SAMPLE, decode_all, decode_qr_cv2

SYMBOLS = {"2x1in": {"Code128"}, "62x29mm": {"Code128", "QRCode", "DataMatrix"},
           "4x6in": {"Code128", "QRCode", "DataMatrix"}}


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("name", sorted(SYMBOLS))
def test_every_symbol_decodes_to_the_unit_id(name: str, dpi: int) -> None:
    img = render(layout.find(name), SAMPLE, dpi)
    assert img.mode == "1"
    assert img.size == layout.find(name).dots(dpi)
    found = decode_all(img)
    assert {k: v for k, v in found.items() if k in SYMBOLS[name]} == {k: SAMPLE["uid"] for k in SYMBOLS[name]}
    if "QRCode" in SYMBOLS[name]:
        assert decode_qr_cv2(img) == SAMPLE["uid"]  # a second, independent decoder


def test_no_grey_and_deterministic() -> None:
    lay = layout.find("62x29mm")
    a, b = render(lay, SAMPLE, 300), render(lay, SAMPLE, 300)
    assert set(np.unique(np.array(a.convert("L")))) <= {0, 255}
    assert bitmap_hash(a) == bitmap_hash(b)
    changed = render(lay, {**SAMPLE, "grade": "C"}, 300)
    assert bitmap_hash(changed) != bitmap_hash(a)


def test_code128_bars_are_whole_modules_wide() -> None:
    lay = layout.find("2x1in")
    img = render(lay, SAMPLE, 203)
    bar = next(e for e in lay.elements if e.type == "code128")
    row = np.array(img)[round((bar.y + 1) * 203 / 25.4)]  # a scan line through the bars
    dark = "".join("1" if not v else "0" for v in row).strip("0")
    pattern = symbols.code128(SAMPLE["uid"])
    module = len(dark) // len(pattern)
    assert module >= 2  # 2 dots (0.25 mm) at 203 dpi: readable by any bench scanner
    assert dark == "".join(ch * module for ch in pattern)


def test_long_text_shrinks_then_ellipsis() -> None:
    img = render(layout.find("2x1in"), {**SAMPLE, "model": "X" * 200}, 203)
    assert decode_all(img)["Code128"] == SAMPLE["uid"]  # nothing spilled over the barcode


def test_data_that_cannot_fit_says_what_to_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny.toml"
    path.write_text('name = "tiny"\nwidth = 20.0\nheight = 10.0\n\n[[element]]\ntype = "code128"\n'
                    'data = "{certificate}"\nx = 0.0\ny = 0.0\nw = 19.0\nh = 9.0\n')
    with pytest.raises(ConfigError, match=r"tiny.toml:5: Code128 .* Widen the element"):
        render(layout.load(path), SAMPLE, 203)


def test_a_line_leaves_out_fields_with_no_value() -> None:
    """Before a route (and with no certificate) the label read "NOT WIPED -" and "-  -"."""
    from station.labels.fields import EMPTY, line

    values = {"wipe": "NOT WIPED", "certificate": EMPTY, "route": EMPTY, "lot": EMPTY, "grade": "A+"}
    assert line("{wipe} {certificate}", values) == "NOT WIPED"
    assert line("{route}  {lot}", values) == EMPTY
    assert line("{grade}", values) == "A+"
    assert line("{route}  {lot}", {**values, "route": "Resell", "lot": "LOT-7"}) == "Resell LOT-7"
