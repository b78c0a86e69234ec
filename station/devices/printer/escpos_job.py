"""ESC/POS: a label bitmap as a GS v 0 raster job, built by python-escpos, and status replies.

The bitmap goes as `GS v 0` (bitImageRaster). `image(impl="graphics")` is avoided on
purpose: its 2-byte length wraps for a fragment over ~65,525 bytes (a 4x6 in label at
203 dpi), which corrupts the job. Raster fragments stay under that too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from station.errors import ConfigError, DeviceError
from station.i18n import _

if TYPE_CHECKING:
    from escpos.capabilities import BaseProfile

DLE_EOT_PRINTER = b"\x10\x04\x01"  # real-time status: printer (bit 3 = offline)
DLE_EOT_PAPER = b"\x10\x04\x04"  # real-time status: roll paper sensor (bits 5+6 = paper end)
MAX_FRAGMENT_BYTES = 65_000


def profile(name: str) -> BaseProfile:
    from escpos.capabilities import NotSupported, get_profile

    try:
        return get_profile(name)
    except (NotSupported, KeyError) as exc:
        raise ConfigError(_("Printer profile '{name}' is unknown to python-escpos. Pick a model from "
                            "'python -m escpos.cli showcapabilities' or the escpos capabilities list.").format(
                name=name)) from exc


def media(name: str) -> tuple[int | None, int | None]:
    """(dot width, dpi) from the profile; None where the profile does not say."""
    data = profile(name).profile_data.get("media", {})
    width = data.get("width", {}).get("pixels")
    dpi = data.get("dpi")
    return (width if isinstance(width, int) else None, dpi if isinstance(dpi, int) else None)


def build_job(img: Image.Image, profile_name: str) -> bytes:
    """Initialise, the bitmap as GS v 0 raster fragments, then cut where the model can."""
    from escpos.printer import Dummy

    width, _dpi = media(profile_name)
    if width is not None and img.width > width:
        raise DeviceError(_("The label is {width} dots wide but a {profile_name} prints at most {max_width}: "
                            "choose a narrower layout, or set printer.profile to this printer's model.").format(
                width=img.width, profile_name=profile_name, max_width=width))
    dummy = Dummy(profile=profile_name)
    dummy.hw("INIT")
    row_bytes = (img.width + 7) // 8
    fragment = max(1, min(960, MAX_FRAGMENT_BYTES // row_bytes))
    dummy.image(img, impl="bitImageRaster", fragment_height=fragment, center=False)
    if dummy.profile.supports("paperFullCut") or dummy.profile.supports("paperPartCut"):
        dummy.cut(mode="PART", feed=False)
    return bytes(dummy.output)


def status_problem(printer_byte: int | None, paper_byte: int | None) -> str | None:
    """The problem the DLE EOT replies report, as the end of a sentence; None when ready."""
    if paper_byte is not None and paper_byte & 0x60 == 0x60:  # before offline: paper out sets both
        return "is out of labels: load a new roll"
    if printer_byte is not None and printer_byte & 0x08:
        return "is offline (cover open or an error): check the printer's lights"
    return None
