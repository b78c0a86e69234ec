"""Closed sets are Literal types; where a value comes from outside (a setting, the database), it is checked."""

from __future__ import annotations

from typing import get_args

import pytest

from station.devices.printer import connection
from station.errors import ConfigError
from station.sync import state


def test_a_stored_sync_state_outside_the_set_reads_as_unknown() -> None:
    assert state._state("online") == "online"
    assert state._state("offline") == "offline"
    assert state._state("half-open") == "unknown"
    assert state._state(None) == "unknown"
    assert {state.OFF, state.ONLINE, state.OFFLINE, state.REFUSED} < set(get_args(state.SyncState))


def test_printer_language_is_one_of_the_set() -> None:
    assert connection.parse(" ZPL ", "tcp://10.0.0.7").protocol == "zpl"
    assert connection.PROTOCOLS == ("escpos", "zpl")
    with pytest.raises(ConfigError, match="'epl' is not one of escpos, zpl"):
        connection.parse("epl", "tcp://10.0.0.7")


def test_every_topic_the_ui_emits_is_a_topic() -> None:
    """Op.changes() and Panel.topics are typed; a bare changed.emit({...}) is not, so its words are read here."""
    import ast
    from pathlib import Path

    from station.ui.ops import Topic

    emitted: set[str] = set()
    for path in Path(__file__).resolve().parents[1].glob("station/ui/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "changed"):
                sets = [n for n in ast.walk(node) if isinstance(n, ast.Set)]
                emitted |= {c.value for n in sets for c in n.elts if isinstance(c, ast.Constant)}
    assert {"units", "devices", "sync"} <= emitted
    assert emitted <= set(get_args(Topic))


def test_a_stored_wipe_status_outside_the_set_opens_no_gate() -> None:
    from station import disposition_gates

    assert disposition_gates._wipe_status("sanitized") == "sanitized"
    assert disposition_gates._wipe_status("SANITIZED ") == "none"
    assert disposition_gates._wipe_status(None) == "none"


def test_every_erase_technique_has_the_certificate_words() -> None:
    from station.certs import body as cert_body
    from station.wipe_record import Technique

    assert set(get_args(Technique)) - {"verify only"} <= set(cert_body._TECHNIQUE_LABEL)


def test_a_verification_choice_is_narrowed_or_refused() -> None:
    from station.erase import methods
    from station.errors import UserFacingError

    assert methods.check_verify(methods.get("clear"), "sample") == "sample"
    with pytest.raises(UserFacingError, match="'quick' is unknown"):
        methods.check_verify(methods.get("clear"), "quick")
