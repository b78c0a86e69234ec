"""AIM symbology identifiers (ISO/IEC 15424): the ']C1' a scanner may put before the data.

A scanner set to transmit them tells us which symbology it read and, through the
modifier, whether the data is a GS1 element string (]C1 GS1-128, ]d2 GS1 DataMatrix,
]Q3 GS1 QR, ]e0 GS1 DataBar...). The table itself comes from biip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from biip import ParseError
from biip.symbology import ISOSymbology, SymbologyIdentifier

from station.errors import UserFacingError
from station.i18n import _

_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")

# Names the technician knows; anything else falls back to the enum's name.
_NAMES = {
    ISOSymbology.CODE_128: "Code 128",
    ISOSymbology.CODE_39: "Code 39",
    ISOSymbology.CODE_93: "Code 93",
    ISOSymbology.EAN_UPC: "EAN/UPC",
    ISOSymbology.ITF: "ITF",
    ISOSymbology.CODABAR: "Codabar",
    ISOSymbology.DATA_MATRIX: "Data Matrix",
    ISOSymbology.QR_CODE: "QR Code",
    ISOSymbology.PDF417: "PDF417",
    ISOSymbology.AZTEC_CODE: "Aztec",
    ISOSymbology.RSS_EAN_UCC_COMPOSITE: "GS1 DataBar",
    ISOSymbology.MAXICODE: "MaxiCode",
}


@dataclass(frozen=True)
class Symbology:
    """What the AIM identifier says about a scan."""

    identifier: str  # e.g. "]C1"
    name: str  # e.g. "Code 128"
    gs1: bool  # the data is a GS1 element string
    gs1_name: str | None = None  # e.g. "GS1-128"

    def describe(self) -> str:
        return f"{self.name} ({self.gs1_name})" if self.gs1_name else self.name


def split_symbology(text: str) -> tuple[Symbology | None, str]:
    """(symbology, data) when `text` starts with an AIM identifier, else (None, text)."""
    if not _AIM.match(text):
        return None, text
    try:
        ident = SymbologyIdentifier.extract(text[:3])
    except (ParseError, ValueError):  # ValueError: biip's int() of a non-digit modifier count (']Ya')
        raise UserFacingError(
            _("The scan starts with '{text}', a symbology identifier the station does not know; turn off "
              "the scanner's AIM identifiers, or set it to send only the barcode's data, and scan again.").format(
                    text=text[:3])
        ) from None
    gs1 = ident.gs1_symbology
    gs1_name = _GS1_NAMES.get(gs1.name, gs1.name.replace("_", " ")) if gs1 is not None else None
    # Only the GS1 *element string* symbologies carry AIs; an EAN-13 is GS1 but has none.
    carries_ais = gs1 is not None and gs1.name in _GS1_NAMES and gs1.name.startswith("GS1")
    name = _NAMES.get(ident.iso_symbology, ident.iso_symbology.name.replace("_", " ").title())
    return Symbology(text[:3], name, carries_ais, gs1_name), text[3:]


_GS1_NAMES = {
    "GS1_128": "GS1-128",
    "GS1_DATABAR": "GS1 DataBar",
    "GS1_COMPOSITE_WITH_SEPARATOR_CHAR": "GS1 Composite",
    "GS1_COMPOSITE_WITH_ESCAPE_CHAR": "GS1 Composite",
    "GS1_DATAMATRIX": "GS1 DataMatrix",
    "GS1_QR_CODE": "GS1 QR Code",
    "GS1_DOTCODE": "GS1 DotCode",
    "EAN_13": "EAN-13",
    "EAN_8": "EAN-8",
    "ITF_14": "ITF-14",
}
