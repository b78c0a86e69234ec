"""A unit's history reads as sentences: what happened, who did it and when, never an event id or a dict."""

from __future__ import annotations

from datetime import UTC, datetime

from station import i18n, unit_media
from station.disposition_gates import Facts, gates, refusal_text
from station.history_words import class_word, sentence, stage_word

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


def test_the_history_speaks_the_interface_language_and_reads_back_what_events_keep_in_english() -> None:
    """Every history line was English in every language, with the reasons the events keep."""
    t = _local(AT)
    f = Facts("phone", None, None, None, None, "sanitized", locks="unchecked")
    cleared = {"previous": "resell_retail", "reasons": [refusal_text(f, "Resell", gates(f), ["Hold"])],
               "cause": "phone check"}
    hold = unit_media.MEDIUM_FAILED_BECAUSE.format(medium="microSD card SD-1", reason="verification failed")
    try:
        i18n.use("es")
        assert sentence("unit.updated", {"changed": {"stage": ["intake", "grade"]}}, "Ana", AT, NOW) == \
            f"Pasó a la etapa: Clasificación por Ana a las {t}"
        assert sentence("route.cleared", cleared, None, AT, NOW) == (
            f"Destino resell retail retirado: Este equipo (teléfono) no puede ir a «Resell» porque no se comprobaron "
            f"sus bloqueos de cuenta, de gestión ni de firmware. Destinos aún abiertos: Hold. a las {t}")
        assert (class_word("laptop"), stage_word("wipe")) == ("portátil", "Borrado")
        i18n.use("pl")
        assert sentence("unit.blocked", {"reason": hold}, "Ola", "2026-12-01T10:42:07Z", NOW).startswith(
            "Zablokowano: Wymazywanie: nośnik „microSD card SD-1” NIE został wymazany (verification failed); każdy "
            "nośnik urządzenia musi przejść. (Ola) 1 gru o ")
    finally:
        i18n.use("en")
    assert hold == ("Wipe: the microSD card SD-1 was NOT sanitized (verification failed); every medium of the unit "
                    "must pass.")
    assert hold.startswith(unit_media.HOLD_PREFIX)
