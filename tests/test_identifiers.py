"""The scan classifier: check digits from 3GPP / 3GPP2 / GS1, separators, AIM ids, and fuzzing."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.cli import main
from station.config import Config
from station.errors import ConfigError, UserFacingError
from station.identifiers import Classification, classify, imei_check_digit


# 3GPP TS 23.003 annex B: the check digit of IMEI 26053179311383 is 7.
def test_3gpp_imei_vector() -> None:
    assert imei_check_digit("26053179311383") == "7"
    c = classify("260531793113837")
    assert (c.kind, c.value, c.valid) == ("imei", "260531793113837", True)
    assert c.parts == {"tac": "26053179", "snr": "311383", "check_digit": "7", "reporting_body": "26"}
    assert c.identifier == ("imei", "260531793113837")


@pytest.mark.parametrize("wrong", "012345689")
def test_wrong_check_digit_names_the_right_one(wrong: str) -> None:
    c = classify("26053179311383" + wrong)
    assert c.kind == "imei" and not c.valid
    assert c.reason.startswith(f"IMEI check digit should be 7, not {wrong}")
    assert c.identifier is None  # nothing to store


def test_fourteen_digits_is_an_imei_without_its_check_digit() -> None:
    c = classify("26053179311383")
    assert c.kind == "imei" and not c.valid
    assert "check digit should be 7" in c.reason


@pytest.mark.parametrize("text", ["35-209900-176148-1", "35 209900 176148 1", "352099 001761481",
                                  "IMEI: 352099001761481", "imei1 35-209900-176148-1", "  352099001761481\r\n"])
def test_usual_separators_are_accepted(text: str) -> None:
    c = classify(text)
    assert (c.kind, c.value, c.valid) == ("imei", "352099001761481", True)


def test_imeisv_finds_the_same_unit_as_its_imei() -> None:
    c = classify("3520990017614823")
    assert (c.kind, c.valid) == ("imeisv", True)
    assert c.parts["svn"] == "23" and c.parts["imei"] == "352099001761481"
    assert c.identifier == ("imei", "352099001761481")


def test_placeholder_imei_is_refused() -> None:
    c = classify("000000000000000")
    assert not c.valid and "placeholder" in c.reason


def test_meid_hex_decimal_and_check_digit() -> None:
    # 3GPP2 S.R0048 example MEID AF 01 23 45 0A BC DE, check digit C, pESN 80 16 B1 28.
    for text in ("AF0123450ABCDE", "AF 01 23 45 0A BC DE", "AF0123450ABCDEC", "293608736500703710"):
        c = classify(text)
        assert (c.kind, c.value, c.valid) == ("meid", "AF0123450ABCDE", True), text
        assert c.parts["pseudo_esn"] == "8016B128"
    bad = classify("AF0123450ABCDE0")
    assert not bad.valid and bad.reason.startswith("MEID check digit should be C")
    assert not classify("99ABCDEF123456").valid  # below A0 is the IMEI range


def test_gs1_with_aim_identifier_and_gs_separator() -> None:
    c = classify("]C1010950600013435221ABC123\x1d10LOT5")
    assert (c.kind, c.valid) == ("gs1", True)
    assert c.symbology == "Code 128 (GS1-128)"
    assert c.parts["ai_01"] == "09506000134352" and c.parts["ai_21"] == "ABC123" and c.parts["ai_10"] == "LOT5"
    assert c.value == "(01)09506000134352(21)ABC123(10)LOT5"
    assert c.identifier == ("gs1", "(01)09506000134352(21)ABC123")


@pytest.mark.parametrize("text", ["]d2010950600013435221ABC123\x1d10LOT5", "]Q3010950600013435221ABC123\x1d10LOT5",
                                  "(01)09506000134352(21)ABC123(10)LOT5", "010950600013435221ABC123\x1d10LOT5"])
def test_gs1_same_item_from_datamatrix_qr_hri_and_bare(text: str) -> None:
    assert classify(text).identifier == ("gs1", "(01)09506000134352(21)ABC123")


def test_gs1_bad_gtin_check_digit() -> None:
    c = classify("(01)09506000134353(21)X1")
    assert not c.valid and "Expected 2, got 3" in c.reason


def test_gs1_expiry_date_is_checked() -> None:
    c = classify("]C10109506000134352171399")
    assert not c.valid


def test_product_codes_and_pallets_name_no_unit() -> None:
    ean = classify("]E04006381333931")
    assert ean.valid and ean.identifier is None and ean.symbology == "EAN/UPC (EAN-13)"
    assert not classify("]E04006381333932").valid
    sscc = classify("]C100106141411234567897")
    assert sscc.valid and sscc.parts["sscc"] == "106141411234567897" and sscc.identifier is None


@pytest.mark.parametrize(("text", "command", "argument"), [
    ("CMD:NEXT", "NEXT", None), ("cmd:grade:b", "GRADE", "B"), ("CMD:PHOTO", "PHOTO", None),
    ("CMD:PHOTO:BACK", "PHOTO", "BACK"), ("CMD:PRINT", "PRINT", None), ("CMD:FINISH", "FINISH", None),
])
def test_bench_commands(text: str, command: str, argument: str | None) -> None:
    c = classify(text)
    assert c.kind == "command" and c.valid
    assert c.parts["command"] == command and c.parts.get("argument") == argument


@pytest.mark.parametrize(("text", "reason"), [("CMD:GRADE", "needs a value"), ("CMD:FLY", "Unknown bench command"),
                                              ("CMD:NEXT:3", "takes no value"), ("CMD:GRADE:B B", "not a value")])
def test_bad_commands_say_why(text: str, reason: str) -> None:
    c = classify(text)
    assert c.kind == "command" and not c.valid and reason in c.reason


def test_badge_lot_asset_and_unit_label_follow_settings() -> None:
    assert classify("op-1234").kind == "badge"
    assert classify("LOT-2024-17").kind == "lot"
    assert classify("PAL-77").kind == "lot"
    assert classify("AT-0012345").kind == "asset_tag"
    assert classify("U1A2B3C4D5").kind == "unit"
    config = Config({"scanner.badge_pattern": r"^EMP\d{4}$", "scanner.asset_tag_pattern": r"^INV-\d+$"})
    assert classify("EMP0042", config).kind == "badge"
    assert classify("OP-1234", config).kind == "serial"
    assert classify("INV-77", config).identifier == ("asset_tag", "INV-77")
    with pytest.raises(ConfigError, match=r"scanner\.lot_pattern"):
        classify("ABCD1234", Config({"scanner.lot_pattern": "(unclosed"}))


def test_serials() -> None:
    assert classify("c02xk1y8jg5h").identifier == ("serial", "C02XK1Y8JG5H")
    assert classify("S/N: PF3ABCD9").identifier == ("serial", "PF3ABCD9")
    short = classify("AB1")
    assert not short.valid and "too short" in short.reason
    spaced = classify("AB 1234")
    assert not spaced.valid and "spaces" in spaced.reason


@pytest.mark.parametrize(("raw", "says"), [("", "empty"), ("\r\n", "empty"), ("]C1", "no data"),
                                           ("é1234567", "keyboard layout"), (b"\xff\xfe\x00", "not readable"),
                                           ("9" * 500, "500 characters")])
def test_garbage_is_a_user_facing_error(raw: str | bytes, says: str) -> None:
    with pytest.raises(UserFacingError, match=says):
        classify(raw)


def test_bare_gs1_with_a_wrong_check_digit_is_a_likely_misread_not_a_serial() -> None:
    # Same digits as (01)09506000134352(21)12345 but the GTIN's check digit is 3: with an AIM prefix or in
    # parentheses it is refused, so without them it must not become a new unit's serial number.
    for text in ("01095060001343532112345", "]C101095060001343532112345", "(01)09506000134353(21)12345"):
        c = classify(text)
        assert not c.valid and c.identifier is None, text
        assert "Expected 2, got 3" in c.reason
    assert "likely a misread" in classify("01095060001343532112345").reason
    assert classify("01095060001343522112345").identifier == ("gs1", "(01)09506000134352(21)12345")
    # Digits that do not split into element strings stay a serial number.
    assert classify("0112345678901234ABC").identifier == ("serial", "0112345678901234ABC")


_AIM_PAYLOADS = ("abc", "010950600013435221ABC123\x1d10LOT5", "4006381333931", "(01)09506000134352(21)X")


def test_every_aim_prefix_is_a_classification_or_a_sentence() -> None:
    # ']' + letter + letter-or-digit: 3,224 prefixes, of which biip knows about half; ']qw' and ']Ya' used to
    # raise biip's ParseError or a bare ValueError out of classify().
    unknown = 0
    for a in string.ascii_letters:
        for b in string.ascii_letters + string.digits:
            for payload in _AIM_PAYLOADS:
                try:
                    c = classify(f"]{a}{b}{payload}")
                except UserFacingError as exc:
                    assert "symbology identifier" in str(exc) or "no data" in str(exc)
                    unknown += 1
                else:
                    assert c.reason
    assert unknown > 0
    with pytest.raises(UserFacingError, match=r"'\]qw', a symbology identifier the station does not know"):
        classify("]qw123456")


def _only_classification_or_user_error(raw: str | bytes) -> None:
    try:
        c = classify(raw)
    except UserFacingError as exc:
        # a sentence for the technician, not an exception's repr or a bare parser message
        text = str(exc)
        assert text[:1].isupper() and text.rstrip().endswith((".", "?", ")")), text
        assert "Traceback" not in text and "Error(" not in text, text
        return
    assert isinstance(c, Classification)
    assert c.reason  # valid or not, it says what it is
    json.dumps(c.to_dict())
    if c.valid and c.kind in ("imei", "imeisv"):
        assert c.identifier is not None and len(c.identifier[1]) == 15


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=120))
def test_fuzz_arbitrary_bytes(raw: bytes) -> None:
    _only_classification_or_user_error(raw)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_fuzz_arbitrary_text(raw: str) -> None:
    _only_classification_or_user_error(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789()]CdQe1\x1d-: ABCDEFGHMOPTU", max_size=60))
def test_fuzz_barcode_like_text(raw: str) -> None:
    # Dense in digits, AIM prefixes, GS and parentheses: reaches the GS1 and MEID parsers often.
    _only_classification_or_user_error(raw)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\A\][A-Za-z][0-9A-Za-z]", fullmatch=False), st.text(max_size=40))
def test_fuzz_aim_prefixed_text(prefix: str, rest: str) -> None:
    _only_classification_or_user_error(prefix[:3] + rest)


@pytest.mark.usefixtures("data_dir")
def test_identify_cli_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["identify", "260531793113837"]) == 0
    assert "valid:     yes" in capsys.readouterr().out
    assert main(["identify", "260531793113830"]) == 1
    assert "IMEI check digit should be 7" in capsys.readouterr().out
    assert main(["identify", "]C1010950600013435221AB<GS>10L1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "gs1" and out["parts"]["ai_10"] == "L1" and out["identifier"][0] == "gs1"
    assert main(["identify", "", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["valid"] is False


@pytest.mark.parametrize(("scan", "named"), [("-ABC1234", "'-'"), (".ABC123", "'.'"), ("ABC#123", "'#'"),
                                            ("AB CD12", "spaces")])
def test_a_refused_serial_names_the_character(scan: str, named: str) -> None:
    got = classify(scan, Config())
    assert not got.valid and named in got.reason, got.reason


def test_a_scans_verdict_speaks_the_interface_language() -> None:
    """What a scan tells the technician was English in every language."""
    from station import i18n

    try:
        i18n.use("pl")
        assert classify("35693803564380").reason == \
            "IMEI ma 14 cyfr; jego cyfra kontrolna powinna wynosić 9: zeskanuj pełny, 15-cyfrowy IMEI."
        i18n.use("es")
        assert classify("356938035643809").reason == "IMEI válido (TAC 35693803)"
        assert classify("AB").reason.startswith("'AB' es demasiado corto para un número de serie (2 caracteres")
    finally:
        i18n.use("en")
    assert classify("356938035643809").reason == "Valid IMEI (TAC 35693803)"
