"""The Qt-free wedge decoder: what is a scan, what is typing, and that typing is never lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from station.aim import split_symbology
from station.devices.scanner.wedge import Step, WedgeDecoder


def feed(dec: WedgeDecoder[int], keys: str, start: float = 0.0, gap: float = 5.0) -> tuple[list[int], list[str], int]:
    """Type `keys` (token = position) `gap` ms apart; return (delivered tokens, scans, tokens held at the end)."""
    delivered: list[int] = []
    scans: list[str] = []
    t = start
    for i, ch in enumerate(keys):
        step: Step[int] = dec.key(ch, i, t)
        delivered += step.replay
        if not step.hold:
            delivered.append(i)
        if step.scan:
            scans.append(step.scan)
        t += gap
    held = 0 if dec.deadline() is None else 1
    return delivered, scans, held


def test_fast_burst_with_suffix_is_a_scan_and_nothing_is_delivered() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(suffix="\r", max_gap_ms=35, min_length=6)
    delivered, scans, held = feed(dec, "352099001761481\r", gap=8)
    assert scans == ["352099001761481"] and delivered == [] and held == 0


def test_gs_survives_inside_a_scan() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder()
    _, scans, _ = feed(dec, "]C1010950600013435221AB\x1d10LOT\r", gap=4)
    assert scans == ["]C1010950600013435221AB\x1d10LOT"]
    assert split_symbology(scans[0])[0] is not None


def test_short_fast_word_and_enter_is_typing_delivered_in_order() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(min_length=6)
    delivered, scans, held = feed(dec, "ok\r", gap=5)
    assert scans == [] and delivered == [0, 1, 2] and held == 0


def test_slow_typing_is_delivered_key_by_key() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(max_gap_ms=35)
    delivered, scans, _ = feed(dec, "352099001761481\r", gap=120)
    # Each key waits until the next one shows the gap was human; Enter with nothing held passes at once.
    assert scans == [] and delivered == list(range(16))
    assert dec.timeout(10_000).replay == []


def test_quiet_gap_releases_a_burst_without_suffix() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(max_gap_ms=35)
    delivered, _, held = feed(dec, "hello", gap=10)
    assert delivered == [] and held == 1
    assert dec.deadline() == 40 + 35
    assert dec.timeout(50).replay == []  # not yet
    assert dec.timeout(80).replay == [0, 1, 2, 3, 4]


def test_enter_alone_and_non_scan_keys_pass_at_once() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder()
    assert dec.key("\r", 0, 0).hold is False
    assert not dec.wants("\r") and dec.wants("a") and not dec.wants(None)
    step = dec.key("a", 1, 10)
    assert step.hold
    arrow = dec.key(None, 2, 12)  # e.g. an arrow key: what was held goes first, then the arrow
    assert arrow.replay == [1] and not arrow.hold


def test_prefix_mode_lets_typing_through_immediately() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(prefix="\x02", suffix="\r", max_gap_ms=35)
    assert not dec.wants("a")
    delivered, scans, _ = feed(dec, "abc\r", gap=1)
    assert delivered == [0, 1, 2, 3] and scans == []
    delivered, scans, _ = feed(dec, "\x02OP-1\r", start=100, gap=1)
    assert delivered == [] and scans == ["OP-1"]  # with a prefix, short scans are scans


def test_prefix_mode_without_suffix_ends_on_the_gap() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(prefix="\x02", suffix="", max_gap_ms=35)
    feed(dec, "\x02AT-12345", gap=3)
    assert dec.timeout(1000).scan == "AT-12345"


def test_no_prefix_no_suffix_scans_by_length_and_speed() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(prefix="", suffix="", max_gap_ms=35, min_length=6)
    feed(dec, "C02XK1Y8JG5H", gap=3)
    assert dec.timeout(1000).scan == "C02XK1Y8JG5H"
    feed(dec, "abc", start=2000, gap=3)
    assert dec.timeout(3000).replay == [0, 1, 2]


def test_multi_char_prefix_that_turns_out_to_be_typing() -> None:
    dec: WedgeDecoder[int] = WedgeDecoder(prefix="##", suffix="\r")
    delivered, scans, _ = feed(dec, "#a", gap=2)
    assert delivered == [0, 1] and scans == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "1", "\r", "\x1d", None]), st.floats(0, 100)), max_size=60),
       st.sampled_from(["", "\x02"]), st.sampled_from(["", "\r"]))
def test_typing_is_never_swallowed(keys, prefix: str, suffix: str) -> None:
    """Every key is delivered exactly once, in order, unless it was part of a scan."""
    dec: WedgeDecoder[int] = WedgeDecoder(prefix=prefix, suffix=suffix, max_gap_ms=35, min_length=4)
    delivered: list[int] = []
    consumed: list[int] = []
    pending: list[int] = []
    t = 0.0
    for i, (ch, gap) in enumerate(keys):
        t += gap
        step = dec.key(ch, i, t)
        if step.hold:
            pending.append(i)
        for tok in step.replay:
            pending.remove(tok)
            delivered.append(tok)
        if not step.hold:
            delivered.append(i)
        if dec.deadline() is None:  # the buffer is empty: whatever is still held went into a scan
            consumed += pending
            pending = []
    end = dec.flush()
    for tok in end.replay:
        pending.remove(tok)
        delivered.append(tok)
    consumed += pending
    assert delivered == sorted(delivered)  # order kept
    assert sorted(delivered + consumed) == list(range(len(keys)))  # nothing lost, nothing twice
