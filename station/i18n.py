"""Translations: one gettext domain, `station`, for the core, the command line and the Qt interface.

Catalogues are `station/locale/<lang>/LC_MESSAGES/station.po`, compiled to `.mo` by `make translations`
(msgfmt). The interface speaks the desktop's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) unless
`ui.language` names one; labels and certificates speak the site's (`site.language`), whoever is at the
bench, and a certificate keeps each standard field's English name beside the translation for auditors.
The Qt side reads the same catalogues through a QTranslator (station/ui/i18n.py), so `self.tr()` and
`_()` share one set of reviewed sentences.

Marking: `_("...")` where the text is shown at once; `N_("...")` where it is declared at import time and
translated where shown. Sentences with values use named fields, `_("{path} is full").format(path=...)`,
so a translator can move them.
"""

from __future__ import annotations

import functools
import gettext
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "station"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "es", "pl")  # English is the source language; the others have catalogues

_ui: gettext.NullTranslations | None = None
# Paper the site reads (the shift PDF) is written in the site's language on a worker thread while the
# interface goes on in the technician's: the override is per thread, so neither leaks into the other.
_paper = threading.local()


def catalogue(language: str | None = None) -> gettext.NullTranslations:
    """The catalogue for `language` ('es', 'pl_PL'...), or for the environment's locale when None or ''.
    English, or a language without a catalogue, gives the source text back."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language] if language else None, fallback=True)


def use(language: str | None = None) -> gettext.NullTranslations:
    """Make `language` (None or '': the desktop's) the process's interface language."""
    global _ui
    _ui = catalogue(language)
    # argparse marks its own words ("usage:", "options") with the default domain: point that at ours,
    # whose catalogues translate them too.
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    return _ui


def language_of(translations: gettext.NullTranslations) -> str:
    """The language a catalogue translates into ('en' for the source text)."""
    info = translations.info() if isinstance(translations, gettext.GNUTranslations) else {}
    return info.get("language", "en") or "en"


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """`_()` and `ngettext()` on this thread speak `language` (the site's) until the block ends."""
    before = getattr(_paper, "catalogue", None)
    _paper.catalogue = catalogue(language or "en")
    try:
        yield
    finally:
        _paper.catalogue = before


def _current() -> gettext.NullTranslations:
    return getattr(_paper, "catalogue", None) or _ui or use()


def _(message: str) -> str:
    """`message` in the interface language (or the one `speaking()` chose for this thread)."""
    return _current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for the catalogues without translating it yet (a constant read at import time)."""
    return message


# --- sentences kept in English, shown translated ------------------------------------------------------------
# Some reasons are composed where they are decided and also kept where they are recorded (a wipe job's
# refusal, written by the worker process): they stay English there, and the screen translates them when it
# shows them. The module composing them registers its templates; `shown()` reads a sentence back into its
# template and values and says it in the interface language.
_FIELD = re.compile(r"\{(\w+)\}")
_composed: dict[str, re.Pattern[str]] = {}


def composed(*templates: str) -> tuple[str, ...]:
    """Register `templates` (marked with N_, fields as {name}) as sentences `shown()` can translate."""
    for t in templates:
        parts = _FIELD.split(t)
        pattern = "".join(re.escape(x) if i % 2 == 0 else f"(?P<{x}>.+?)" for i, x in enumerate(parts))
        _composed[t] = re.compile(pattern, re.DOTALL)
    _shown_in.cache_clear()  # a sentence read before its template was known is read again
    return templates


def shown(text: str) -> str:
    """`text`, an English sentence made from a registered template, in the interface language; each value
    that is itself such a sentence (or a list of them, joined by '; ' or ', ') is translated too.
    Text that matches no template is shown as it is."""
    return _shown_in(language_of(_current()), text)


@functools.lru_cache(maxsize=2048)
def _shown_in(language: str, text: str) -> str:  # noqa: ARG001 (the cache key: one reading per language)
    """Reading a sentence back tries every template on every part (about 1 ms for three reasons), and the
    Wipe panel asks for each row's at every refresh: the same few sentences, so they are read once."""
    found = _read(text)
    return found[1] if found else text


def _read(text: str) -> tuple[int, str] | None:
    """(how much of `text` the templates account for, its translation). Where several templates read it, the
    one that accounts for most wins: "{reason} (on {node})" around "holds the system's {mountpoint}" over
    "holds the system's {mountpoint}" with "/boot (on sda1)" as the mount point, and a whole sentence over
    "{method}: {why}". A value never splits a bracket."""
    best: tuple[int, str] | None = None
    for template, pattern in _composed.items():
        found = pattern.fullmatch(text)
        if found is None or not all(_balanced(v) for v in found.groupdict().values()):
            continue
        score, values = len(text), {}
        for key, value in found.groupdict().items():
            inner, values[key] = _read_value(value)
            score += inner - len(value)
        if best is None or score > best[0]:
            best = (score, _(template).format(**values))
    return best


def _read_value(text: str) -> tuple[int, str]:
    """A value as one sentence or as a list of them, whichever the templates account for more of: "A, B"
    where A holds " or " is a list, not "{one} or {other}" around a comma."""
    found = _read(text)
    sep = next((sep for sep in ("; ", ", ") if sep in text), None)
    if sep is not None:
        listed = _read_list(text.split(sep), sep)
        if found is None or listed[0] > found[0]:
            return listed
    return found or (0, text)


def _read_list(parts: list[str], sep: str) -> tuple[int, str]:
    """A list of sentences joined by `sep`, where a sentence may hold `sep` itself: the parts are grouped into
    the runs the templates account for most of, all together, so a loose template ("{one} or {other}")
    spanning several sentences does not win over the sentences themselves."""
    n = len(parts)
    best: list[tuple[int, list[str]]] = [(0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(n, i, -1):
            found = _read(sep.join(parts[i:j])) if j > i + 1 else _read_value(parts[i])
            if found:
                options.append((found[0] + best[j][0], [found[1], *best[j][1]]))
        best[i] = max(options, key=lambda o: o[0])  # the part alone always reads, as itself at worst
    return best[0][0], sep.join(best[0][1])


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0
