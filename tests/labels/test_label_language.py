"""Labels print in the site's language (site.language), and a translated line still fits its box whole:
a long Polish or Spanish word may shrink a line, never cut it or shrink it below half its English size,
on the bitmap (ESC/POS, 58 mm and up) and in the printer-drawn fields of native ZPL."""

from __future__ import annotations

import re

import pytest

from station import i18n
from station.context import StationContext
from station.labels import fields, layout, queue
from station.labels.render import dots, fit
from station.labels.zpl_native import native_job
from tests.labels.helpers import SAMPLE, make_unit

# What a route gate prints after HOLD (station/disposition_gates.py).
GATE_WORDS = ("SWOLLEN BATTERY", "LOCKED", "LOCKS NOT CHECKED", "BER", "NO POWER")


def _cases(language: str) -> list[tuple[str, str]]:
    """(field, value) for every word the station prints, in `language`."""
    words = i18n.catalogue(language).gettext
    cases = [("wipe", words(w)) for w in (*fields.WIPE_WORDS.values(), fields.NOT_WIPED)]
    cases.append(("grade", words(fields.HOLD)))
    cases += [("route", words("HOLD {why}").format(why=words(g)) + " (Recycle)") for g in GATE_WORDS]
    cases += [("hold", words("OVERRIDE: {why}").format(why=" / ".join(words(g) for g in GATE_WORDS[:2])))]
    return cases


def _lines(language: str, name: str) -> list[tuple[layout.Element, str]]:
    lay = layout.find(name).in_language(language)
    return [(el, fields.line(el.text, {**SAMPLE, field: value}))
            for field, value in _cases(language) for el in lay.elements
            if el.type == "text" and "{" + field + "}" in el.text]


@pytest.mark.parametrize("language", ["es", "pl"])
@pytest.mark.parametrize("name", ["2x1in", "62x29mm", "4x6in"])
def test_every_printed_word_fits_its_box_whole_in_each_language(language: str, name: str) -> None:
    english = _lines("en", name)
    local = _lines(language, name)
    assert len(local) == len(english) > 0
    for dpi in (203, 300):
        for (el, text), (_el, en_text) in zip(local, english, strict=True):
            w, h = dots(el.w, dpi), dots(el.h, dpi)
            font, shown = fit(text, el, w, h, dpi)
            assert shown == text, f"{name} at {dpi} dpi in {language}: {text!r} is cut to {shown!r}"
            en_font, _shown = fit(en_text, el, w, h, dpi)
            assert font.size * 2 >= en_font.size, (name, dpi, language, text, font.size, en_font.size)


def test_native_zpl_shrinks_a_long_line_as_the_bitmap_does() -> None:
    """The printer's own font got the layout's full size in a one-line field: a long Polish line ran off it."""
    lay = layout.find("62x29mm").in_language("pl")
    wipe = i18n.catalogue("pl").gettext("WIPE INTERRUPTED")
    job = native_job(lay, {**SAMPLE, "wipe": wipe}, 203).decode()
    el = next(e for e in lay.elements if e.type == "text" and "{wipe}" in e.text)
    text = fields.line(el.text, {**SAMPLE, "wipe": wipe})
    font, _shown = fit(text, el, dots(el.w, 203), dots(el.h, 203), 203)
    assert font.size < dots(el.size, 203)
    assert re.search(rf"\^A0N,{font.size},{font.size}\^FB{dots(el.w, 203)},1,0,L,0\^FH\^FD{re.escape(text)}\^FS", job)


def test_a_label_speaks_the_sites_language_whoever_is_at_the_bench(ctx: StationContext) -> None:
    uid = make_unit(ctx)
    ctx.config.set("site.language", "pl")
    label = queue.render_unit(ctx, uid, "4x6in")
    assert label.values["wipe"] == "WYMAZANY" and label.values["serial"] == "-"
    assert any(el.text == "Wymazywanie: {wipe}" for el in label.layout.elements)
    ctx.config.set("site.language", "es")
    assert queue.render_unit(ctx, uid, "4x6in").values["wipe"] == "BORRADO"
    ctx.config.set("site.language", "en")
    label = queue.render_unit(ctx, uid, "4x6in")
    assert label.values["wipe"] == "WIPED" and any(el.text == "Wipe: {wipe}" for el in label.layout.elements)
