"""Classify one scan: IMEI, IMEISV, MEID, GS1, serial, asset tag, badge, lot, unit label or bench command.

`classify()` is pure: no database, no device. It returns a Classification whose
`valid`/`reason` say whether the station may store it (a wrong check digit is a
Classification with valid=False and the expected digit in the reason), and raises
UserFacingError only for input that is no barcode at all (empty, binary, far too long).
Check digits come from python-stdnum (IMEI: Luhn, MEID) and biip (GS1).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

import biip
from biip.gs1_messages import GS1Message
from stdnum import luhn, meid

from station.aim import Symbology, split_symbology
from station.config import Config
from station.errors import ConfigError, UserFacingError
from station.i18n import N_, _

MAX_LENGTH = 200
GS = "\x1d"

# Kinds a unit can be found by; the rest drive the bench (badge, lot, command).
UNIT_KINDS = frozenset({"imei", "imeisv", "meid", "gs1", "serial", "asset_tag", "unit"})

# Bench command barcodes: CMD:NAME or CMD:NAME:ARG. Value: does it take an argument (True = required)?
COMMANDS: dict[str, bool | None] = {
    "NEXT": False, "FINISH": False, "PRINT": False, "PHOTO": None, "WIPE": False, "GRADE": True,
    "SIGNOUT": False, "REPRINT": False, "REPROCESS": False, "CANCEL": False,
}

# The station's own unit label: 'U' + 9 Crockford base32 characters (see units.new_uid).
_UNIT_UID = re.compile(r"U[0-9A-HJKMNP-TV-Z]{9}")
_NUMERIC = re.compile(r"(?:IMEI\s*[12]?\s*[:#]?\s*)?([0-9](?:[0-9 .\-/]*[0-9])?)")
_MEID_HEX = re.compile(r"(?:MEID\s*[:#]?\s*)?([0-9A-F][0-9A-F \-]*[0-9A-F])")
_SERIAL = re.compile(r"[A-Z0-9][A-Z0-9\-./_]*")
_SERIAL_PREFIX = re.compile(r"(?:S/?N|SERIAL)\s*[:#]?\s*", re.IGNORECASE)
_ARGUMENT = re.compile(r"[A-Z0-9+\-_]{1,12}")


ScanKind = Literal["imei", "imeisv", "meid", "gs1", "serial", "asset_tag", "badge", "lot", "unit", "command"]

@dataclass(frozen=True)
class Classification:
    kind: ScanKind
    value: str  # normalised: separators removed, upper case, GS1 in HRI form
    parts: dict[str, str] = field(default_factory=dict)
    valid: bool = True
    reason: str = ""
    symbology: str | None = None  # from the AIM identifier, e.g. "Code 128 (GS1-128)"

    @property
    def identifier(self) -> tuple[str, str] | None:
        """The (kind, value) a unit is found and stored by, or None if this names no single item."""
        if not self.valid or self.kind not in UNIT_KINDS:
            return None
        if self.kind == "imeisv":
            return ("imei", self.parts["imei"])
        if self.kind == "gs1":
            key = self.parts.get("item")
            return ("gs1", key) if key else None
        return (self.kind, self.value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def imei_check_digit(body14: str) -> str:
    """The Luhn check digit of an IMEI's 14 digits (3GPP TS 23.003 annex B)."""
    return luhn.calc_check_digit(body14)


@lru_cache(maxsize=32)
def _pattern(key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(
            _("Setting '{key}' is not a valid regular expression ({exc}); fix it in station.toml.").format(
                    key=key, exc=exc)
        ) from exc


def _clean(raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserFacingError(
                _("The scan is not readable text; check the scanner's settings and scan again.")
            ) from None
    text = raw.strip(" \t\r\n\x00\x02\x03\x04" + GS)
    if not text:
        raise UserFacingError(_("The scan was empty; scan the barcode again."))
    if len(text) > MAX_LENGTH:
        raise UserFacingError(
            _("That scan is {length} characters long, more than any label the station reads ({MAX_LENGTH}); "
              "scan the device's own barcode.").format(length=len(text), MAX_LENGTH=MAX_LENGTH)
        )
    for ch in text:
        if ch != GS and not (" " <= ch <= "~"):
            shown = f"U+{ord(ch):04X}" if not ch.isprintable() else repr(ch)
            raise UserFacingError(
                _("The scan contains {shown}, which no label here uses; set the scanner's keyboard layout "
                  "to US and scan again.").format(shown=shown)
            )
    return text


def classify(raw: str | bytes, config: Config | None = None) -> Classification:
    """What one scan is. Raises only UserFacingError, and only for input that is no barcode."""
    config = config or Config()
    sym, text = split_symbology(_clean(raw))
    text = text.strip()
    if not text:
        raise UserFacingError(_("The scan held only a symbology identifier and no data; scan the barcode "
                                "again."))
    result = _classify(text, sym, config)
    if sym is not None:
        return Classification(result.kind, result.value, result.parts, result.valid, result.reason, sym.describe())
    return result


def _classify(text: str, sym: Symbology | None, config: Config) -> Classification:
    upper = text.upper()
    if upper.startswith("CMD:"):
        return _command(upper)
    if (sym is not None and sym.gs1) or GS in text or text.startswith("("):
        return _gs1(text)
    if _UNIT_UID.fullmatch(upper):
        return Classification("unit", upper, reason=_("Unit label"))
    patterns: tuple[tuple[ScanKind, str, str], ...] = (
        ("badge", "scanner.badge_pattern", N_("Operator badge")),
        ("lot", "scanner.lot_pattern", N_("Lot, pallet or bin label")),
        ("asset_tag", "scanner.asset_tag_pattern", N_("Asset tag")))
    for kind, key, label in patterns:
        if _pattern(key, config.get_str(key)).fullmatch(upper):
            return Classification(kind, upper, reason=_(label))
    if sym is not None and sym.gs1_name in ("EAN-13", "EAN-8", "ITF-14"):
        return _product_code(re.sub(r"\D", "", text), sym)
    if m := _SERIAL_PREFIX.match(text):
        return _serial(text[m.end():].strip().upper())
    if m := _NUMERIC.fullmatch(upper):
        numeric = _numeric(re.sub(r"\D", "", m.group(1)))
        if numeric is not None:
            return numeric
    if m := _MEID_HEX.fullmatch(upper):
        hexdigits = re.sub(r"[ \-]", "", m.group(1))
        if len(hexdigits) in (14, 15) and re.search("[A-F]", hexdigits):
            return _meid(hexdigits)
    if upper.startswith("01") and len(upper) > 16 and upper[:16].isdigit() and (bare := _bare_gs1(text)):
        return bare
    return _serial(upper)


def _bare_gs1(text: str) -> Classification | None:
    """A GS1 element string scanned without AIM identifier or parentheses, or None if it has not that shape.

    When the digits split cleanly into two or more element strings but a check digit fails, the scan is far
    more likely a misread GS1 label than a serial number that happens to look like one, so it is refused.
    """
    try:
        msg = GS1Message.parse(text)
    except biip.ParseError:
        return None
    if len(msg.element_strings) < 2:
        return None
    gs1 = _gs1(text)
    if gs1.valid:
        return gs1
    return Classification("gs1", gs1.value, gs1.parts, False,
                          _("{reason} This scan has the shape of a GS1 code without its symbology identifier, so it "
                            "is likely a misread: scan it again, or scan the unit's serial number label.").format(
                              reason=gs1.reason))


def _command(upper: str) -> Classification:
    _cmd, _sep, rest = upper.partition(":")
    name, _sep, arg = rest.strip().partition(":")
    parts = {"command": name, **({"argument": arg} if arg else {})}
    known = ", ".join(f"CMD:{c}" for c in COMMANDS)
    if name not in COMMANDS:
        return Classification("command", upper, parts, False,
                              _("Unknown bench command '{command}'; known: {known}.").format(command=upper,
                                                                                              known=known))
    takes = COMMANDS[name]
    if takes is True and not arg:
        return Classification("command", upper, parts, False,
                              _("CMD:{name} needs a value, e.g. CMD:{name}:B.").format(name=name))
    if takes is False and arg:
        return Classification("command", upper, parts, False,
                              _("CMD:{name} takes no value; scan plain CMD:{name}.").format(name=name))
    if arg and not _ARGUMENT.fullmatch(arg):
        return Classification("command", upper, parts, False,
                              _("'{value}' is not a value CMD:{name} accepts.").format(value=arg, name=name))
    return Classification("command", upper, parts, True, _("Bench command"))


def _numeric(digits: str) -> Classification | None:
    if len(digits) == 15:
        return _imei(digits)
    if len(digits) == 16:
        body, svn = digits[:14], digits[14:]
        imei = body + imei_check_digit(body)
        parts = {"tac": digits[:8], "snr": digits[8:14], "svn": svn, "imei": imei}
        if body.startswith("00000000"):
            return Classification("imeisv", digits, parts, False, _("IMEISV with TAC 00000000 is a placeholder."))
        return Classification("imeisv", digits, parts, True,
                              _("Valid IMEISV (IMEI {imei}, software version {svn})").format(imei=imei, svn=svn))
    if len(digits) == 14:
        check = imei_check_digit(digits)
        return Classification(
            "imei", digits, {"tac": digits[:8], "snr": digits[8:], "expected_check_digit": check}, False,
            _("IMEI has 14 digits; its check digit should be {check}: scan the full 15-digit IMEI.").format(
                check=check),
        )
    if len(digits) == 18:
        return _meid(digits)
    return None


def _imei(digits: str) -> Classification:
    tac, snr, given = digits[:8], digits[8:14], digits[14]
    check = imei_check_digit(digits[:14])
    parts = {"tac": tac, "snr": snr, "check_digit": given, "reporting_body": digits[:2]}
    if given != check:
        return Classification("imei", digits, parts, False,
                              _("IMEI check digit should be {check}, not {given}; rescan, or type the IMEI shown "
                                "by *#06# on the phone.").format(check=check, given=given))
    if tac == "00000000":
        return Classification("imei", digits, parts, False,
                              _("IMEI with TAC 00000000 is a placeholder, not a device."))
    return Classification("imei", digits, parts, True, _("Valid IMEI (TAC {tac})").format(tac=tac))


def _meid(text: str) -> Classification:
    try:
        value = meid.validate(text)  # decimal (18 digits) or hex, with or without its check digit
    except meid.ValidationError:
        if len(text) == 15:
            expected = meid.calc_check_digit(text[:14])
            return Classification("meid", text[:14], {"check_digit": text[14]}, False,
                                  _("MEID check digit should be {expected}, not {given}.").format(
                                      expected=expected, given=text[14]))
        return Classification("meid", text, {}, False,
                              _("'{value}' is not a valid MEID (14 hex or 18 decimal digits).").format(value=text))
    parts = {"manufacturer": value[:8], "serial": value[8:], "check_digit": meid.calc_check_digit(value),
             "pseudo_esn": meid.to_pseudo_esn(value)}
    if int(value[:2], 16) < 0xA0:
        return Classification("meid", value, parts, False,
                              _("MEID {value} must start with A0-FF; a number in this range is an IMEI, scan "
                                "that.").format(value=value))
    return Classification("meid", value, parts, True, _("Valid MEID (pESN {pesn})").format(pesn=parts["pseudo_esn"]))


def _gs1(text: str) -> Classification:
    try:
        # GS (0x1D) ends variable-length fields by default
        msg = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except biip.ParseError as exc:
        return Classification("gs1", text.replace(GS, "<GS>"), {}, False,
                              _("Not a valid GS1 element string: {error}").format(error=exc))
    parts: dict[str, str] = {}
    for es in msg.element_strings:
        parts[f"ai_{es.ai.ai}"] = es.value
        problem = es.gtin_error or es.sscc_error or es.gln_error
        if problem:
            return Classification("gs1", msg.as_hri(), parts, False, _("GS1 ({ai}) {title}: {problem}").format(
                ai=es.ai.ai, title=es.ai.data_title, problem=problem))
    hri = msg.as_hri()
    if "ai_01" in parts and "ai_21" in parts:
        parts["item"] = f"(01){parts['ai_01']}(21){parts['ai_21']}"
        return Classification("gs1", hri, parts, True, _("GS1 item: GTIN {gtin} serial {serial}").format(
            gtin=parts["ai_01"], serial=parts["ai_21"]))
    if "ai_8004" in parts:
        parts["item"] = f"(8004){parts['ai_8004']}"
        return Classification("gs1", hri, parts, True, _("GS1 individual asset {asset}").format(asset=parts["ai_8004"]))
    if "ai_00" in parts:
        parts["sscc"] = parts["ai_00"]
        return Classification("gs1", hri, parts, True,
                              _("GS1 logistic unit (pallet/case) SSCC {sscc}").format(sscc=parts["ai_00"]))
    return Classification("gs1", hri, parts, True, _("GS1 product code without a serial number"))


def _product_code(digits: str, sym: Symbology) -> Classification:
    result = biip.parse(digits)
    if result.gtin is None:
        return Classification("gs1", digits, {}, False,
                              _("{symbology} barcode: {error}").format(symbology=sym.gs1_name, error=result.gtin_error))
    return Classification("gs1", digits, {"ai_01": result.gtin.as_gtin_14()}, True,
                          _("{symbology} product code without a serial number").format(symbology=sym.gs1_name))


def _serial(value: str) -> Classification:
    if len(value) < 4:
        return Classification("serial", value, {}, False,
                              _("'{value}' is too short for a serial number ({count} characters, at least 4).").format(
                                  value=value, count=len(value)))
    if len(value) > 64:
        return Classification("serial", value, {}, False,
                              _("A serial number has at most 64 characters, not {count}.").format(count=len(value)))
    if not _SERIAL.fullmatch(value):
        odd = sorted({c for c in value if not (c.isalnum() or c in "-./_")})
        if not odd:  # every character is allowed, but not the first one there
            return Classification("serial", value, {}, False, _("A serial number starts with a letter or a digit, "
                                  "not {first!r}; rescan the serial barcode.").format(first=value[0]))
        shown = ", ".join(_("spaces") if c == " " else repr(c) for c in odd)
        return Classification("serial", value, {}, False,
                              _("A serial number cannot contain {chars}; rescan the serial barcode.").format(
                                  chars=shown))
    return Classification("serial", value, {}, True, _("Serial number"))
