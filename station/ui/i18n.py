"""Qt's tr() reads the station's gettext catalogues: one set of sentences for the core and the UI.

A QTranslator whose translate() asks the catalogue of the interface language (station/i18n.py): panels
write `self.tr("Intake")` as any Qt code does, `make translations` extracts those calls with the core's
`_()` into station/locale, and no .ts/.qm pair has to be kept in step with the .po files.
"""

from __future__ import annotations

import gettext

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from station import i18n


class CatalogueTranslator(QTranslator):
    def __init__(self, catalogue: gettext.NullTranslations) -> None:
        super().__init__()
        self.catalogue = catalogue

    def translate(self, _context: str, source: str, _disambiguation: str | None = None, _n: int = -1) -> str:
        # The source text itself when the catalogue lacks it (an empty answer would blank the widget).
        return self.catalogue.gettext(source)

    def isEmpty(self) -> bool:
        return False


_installed: CatalogueTranslator | None = None


def install(language: str | None) -> str:
    """Make `language` (None or '': the desktop's) the app's: tr(), the core's _() and Qt's own locale
    (number and date formats, right-to-left). Returns the language in use ('en' for the source text)."""
    global _installed
    catalogue = i18n.use(language)
    if _installed is not None:
        QCoreApplication.removeTranslator(_installed)
    _installed = CatalogueTranslator(catalogue)
    QCoreApplication.installTranslator(_installed)
    chosen = i18n.language_of(catalogue)
    QLocale.setDefault(QLocale(chosen))
    return chosen
