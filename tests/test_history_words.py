"""A unit's history reads as sentences: what happened, who did it and when, never an event id or a dict."""

from __future__ import annotations

from datetime import UTC, datetime

from station.history_words import sentence

NOW = datetime(2026, 12, 7, 10, 50, tzinfo=UTC)
AT = "2026-12-07T10:42:07.000000Z"


def _local(at: str) -> str:
    return f"{datetime.fromisoformat(at).astimezone():%H:%M}"


def test_the_bench_flow_reads_as_sentences() -> None:
    t = _local(AT)
    cases = [
        ("grade.recorded", {"sale_grade": "B", "cosmetic": "B"}, f"Graded B by Ana at {t}"),
        ("unit.updated", {"changed": {"stage": ["intake", "photos"]}}, f"Moved to Photos by Ana at {t}"),
        ("unit.updated", {"changed": {"serial": [None, "X1"], "return_reason": [None, "defect"]}},
         f"Intake updated: return reason, serial by Ana at {t}"),
        ("route.assigned", {"route": "wholesale_auction", "reason": None},
         f"Routed to wholesale auction by Ana at {t}"),
        ("wipe.finished", {"sanitized": True, "method_type": "Purge", "technique": "crypto erase",
                           "status": "FINISHED"},
         f"Sanitized (Purge, crypto erase) by Ana at {t}"),
        ("wipe.finished", {"sanitized": False, "status": "FAILED", "reason": "verify mismatch at 4 MiB"},
         f"Wipe failed: verify mismatch at 4 MiB by Ana at {t}"),
        ("unit.blocked", {"reason": "Google account still signed in (FRP)"},
         f"Held: Google account still signed in (FRP) by Ana at {t}"),
        ("label.scan_back", {"match": True}, f"Label checked by Ana at {t}"),
        ("unit.finished", {"label": "label not checked"}, f"Finished, label not checked by Ana at {t}"),
        ("photo.captured", {"shot": "edge_bottom"}, f"Photo taken: edge bottom by Ana at {t}"),
    ]
    for kind, payload, expected in cases:
        assert sentence(kind, payload, "Ana", AT, NOW) == expected


def test_another_day_says_the_day_and_an_unknown_kind_still_reads_as_words() -> None:
    text = sentence("lot.closed", {"lot": "L-7", "units": 40}, None, "2026-12-05T09:01:00.000000Z", NOW)
    assert text.startswith("Lot closed on ") and "Dec at " in text and "{" not in text and "lot.closed" not in text
    # An older payload of a known kind does not crash the history: it falls back to words.
    assert sentence("unit.scanned", {"identifier": None}, "Bo", AT, NOW).startswith("Scanned by Bo")
