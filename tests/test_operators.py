"""Operators: scrypt PINs, badge and PIN sign-in, lockout, events stamped with the operator, CLI."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from sqlalchemy import select

from station import clock, operators
from station.cli import main
from station.errors import UserFacingError
from station.events import verify_store_chain
from station.models import Event
from station.models import Operator as OperatorRow


def _events(ctx, kind: str) -> list[Event]:
    with ctx.store.reader() as s:
        return list(s.execute(select(Event).where(Event.kind == kind).order_by(Event.seq)).scalars())


def test_pin_is_stored_as_salted_scrypt_only(ctx) -> None:
    operators.add(ctx, "Ana", "technician", "OP-1001", "482913")
    operators.add(ctx, "Ben", "technician", "OP-1002", "482913")
    with ctx.store.reader() as s:
        hashes = [r.pin_hash for r in s.execute(select(OperatorRow)).scalars()]
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    assert hashes[0] != hashes[1]  # per-PIN salt: the same PIN hashes differently
    ctx.store.close()
    raw = b"".join(p.read_bytes() for p in ctx.data.root.glob("station.sqlite3*"))
    assert b"482913" not in raw  # not in the database, the WAL, nor any event payload
    assert operators.verify_pin("482913", hashes[0]) and not operators.verify_pin("482914", hashes[0])
    assert not operators.verify_pin("482913", "bcrypt$x") and not operators.verify_pin("1", "garbage")


def test_add_validates(ctx) -> None:
    with pytest.raises(UserFacingError, match=r"scanner\.badge_pattern"):
        operators.add(ctx, "Cy", "technician", "BADGE7", "1234")
    with pytest.raises(UserFacingError, match="4 to 12 digits"):
        operators.add(ctx, "Cy", "technician", "OP-1003", "12a4")
    with pytest.raises(UserFacingError, match="technician or supervisor"):
        operators.add(ctx, "Cy", "boss", "OP-1003", "1234")
    with pytest.raises(UserFacingError, match="badge or a PIN"):
        operators.add(ctx, "Cy")
    operators.add(ctx, "Cy", "technician", "op-1003")
    with pytest.raises(UserFacingError, match="already exists"):
        operators.add(ctx, "cy", pin="1234")
    with pytest.raises(UserFacingError, match="already belongs"):
        operators.add(ctx, "Dee", badge="OP-1003")


def test_badge_sign_in_and_events_carry_the_operator(ctx) -> None:
    operators.add(ctx, "Ana", "supervisor", "OP-1001")
    op = operators.sign_in_badge(ctx, "op-1001")
    assert ctx.operator == op and op.is_supervisor
    ev = _events(ctx, "operator.signed_in")[-1]
    assert (ev.operator_id, ev.operator_name) == (op.id, "Ana")
    assert '"method":"badge"' in ev.payload
    with pytest.raises(UserFacingError, match="not registered"):
        operators.sign_in_badge(ctx, "OP-9999")
    operators.sign_out(ctx)
    assert ctx.operator is None
    assert _events(ctx, "operator.signed_out")[-1].operator_name == "Ana"


def test_switching_operator_signs_the_previous_one_out(ctx) -> None:
    operators.add(ctx, "Ana", badge="OP-1001")
    operators.add(ctx, "Ben", badge="OP-1002")
    operators.sign_in_badge(ctx, "OP-1001")
    operators.sign_in_badge(ctx, "OP-1002")
    out = _events(ctx, "operator.signed_out")
    assert len(out) == 1 and out[0].operator_name == "Ana"
    assert ctx.operator.name == "Ben"


def test_wrong_pins_lock_out_and_the_count_survives(ctx) -> None:
    ctx.config.set("operators.max_pin_attempts", 3)
    ctx.config.set("operators.lockout_minutes", 10)
    operators.add(ctx, "Ana", pin="2468")
    with pytest.raises(UserFacingError, match="After 3 wrong PINs in a row a name is locked for 10 minutes"):
        operators.sign_in_pin(ctx, "ana", "0000")
    with pytest.raises(UserFacingError, match="do not match"):
        operators.sign_in_pin(ctx, "Ana", "1111")
    with pytest.raises(UserFacingError, match="locked out for 10 minutes"):
        operators.sign_in_pin(ctx, "Ana", "2222")
    assert _events(ctx, "operator.locked_out")[-1].payload.count("Ana") == 1
    assert [json.loads(e.payload)["attempt"] for e in _events(ctx, "operator.pin_failed")] == [1, 2, 3]
    # Even the right PIN is refused while locked.
    with pytest.raises(UserFacingError, match=r"locked out .* until"):
        operators.sign_in_pin(ctx, "Ana", "2468")
    assert ctx.operator is None
    info = operators.list_operators(ctx)[0]
    assert info.locked_until is not None
    # The lockout ends by itself: move it into the past, as time would.
    with ctx.store.session() as s:
        s.execute(select(OperatorRow)).scalar_one().locked_until = clock.iso(clock.parse("2000-01-01T00:00:00.000000Z"))
    assert operators.sign_in_pin(ctx, "Ana", "2468").name == "Ana"


def test_supervisor_unlock_and_deactivate(ctx) -> None:
    ctx.config.set("operators.max_pin_attempts", 1)
    operators.add(ctx, "Ana", badge="OP-1001", pin="2468")
    with pytest.raises(UserFacingError, match="locked out"):
        operators.sign_in_pin(ctx, "Ana", "0000")
    with pytest.raises(UserFacingError, match="locked out"):
        operators.sign_in_badge(ctx, "OP-1001")
    operators.unlock(ctx, "ana")
    assert operators.sign_in_pin(ctx, "Ana", "2468").name == "Ana"
    operators.deactivate(ctx, "Ana")
    with pytest.raises(UserFacingError, match="deactivated"):
        operators.sign_in_badge(ctx, "OP-1001")
    with pytest.raises(UserFacingError, match="no operator named"):
        operators.unlock(ctx, "Nobody")
    with ctx.store.reader() as s:
        assert verify_store_chain(s).ok


def test_operator_without_pin_is_told_to_use_the_badge(ctx) -> None:
    operators.add(ctx, "Ana", badge="OP-1001")
    with pytest.raises(UserFacingError, match="operators without a PIN sign in with their badge"):
        operators.sign_in_pin(ctx, "Ana", "1234")


def test_sign_in_refusals_do_not_tell_whether_a_name_exists(ctx) -> None:
    operators.add(ctx, "Ana", pin="2468")
    operators.add(ctx, "Bo", badge="OP-1002")
    refusals = set()
    for name in ("Ana", "Nobody", "Bo"):
        with pytest.raises(UserFacingError) as err:
            operators.sign_in_pin(ctx, name, "0000")
        refusals.add(str(err.value))
    assert len(refusals) == 1 and "Ana" not in refusals.pop()
    # Each wrong PIN is on the record, the unknown name too.
    failed = [json.loads(e.payload) for e in _events(ctx, "operator.pin_failed")]
    assert [(f.get("operator"), f.get("name")) for f in failed] == [("Ana", None), (None, "Nobody"), (None, "Bo")]


def test_cli_unlock_and_deactivate_need_a_supervisors_pin(ctx, monkeypatch, capsys) -> None:
    ctx.config.set("operators.max_pin_attempts", 1)
    operators.add(ctx, "Ana", pin="2468")
    operators.add(ctx, "Sue", "supervisor", pin="1357")
    operators.add(ctx, "Tom", pin="9753")
    with pytest.raises(UserFacingError, match="locked out"):
        operators.sign_in_pin(ctx, "Ana", "0000")
    with pytest.raises(SystemExit):  # argparse: --supervisor is required
        main(["operator", "unlock", "Ana"])
    assert "--supervisor" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("9753\n"))
    assert main(["operator", "unlock", "Ana", "--supervisor", "Tom", "--pin-stdin"]) == 2
    assert "Tom is a technician; 'operator unlock' needs a supervisor" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("1111\n"))
    assert main(["operator", "unlock", "Ana", "--supervisor", "Sue", "--pin-stdin"]) == 2
    assert "do not match" in capsys.readouterr().err
    assert operators.list_operators(ctx)[0].locked_until is not None  # still locked
    monkeypatch.setattr("sys.stdin", io.StringIO("1357\n"))
    assert main(["operator", "unlock", "Ana", "--supervisor", "Sue", "--pin-stdin"]) == 0
    assert operators.sign_in_pin(ctx, "Ana", "2468").name == "Ana"


def test_demo_operators_only_on_an_empty_station(ctx) -> None:
    assert operators.ensure_demo_operators(ctx)
    assert not operators.ensure_demo_operators(ctx)
    assert [o.badge for o in operators.list_operators(ctx)] == ["OP-0002", "OP-0001"]


def test_cli_add_with_pin_on_stdin_and_list(data_dir, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("97531\n"))
    assert main(["operator", "add", "Ana Lopez", "--role", "supervisor", "--badge", "OP-2001", "--pin-stdin"]) == 0
    assert "signs in with badge OP-2001 and PIN" in capsys.readouterr().out
    assert main(["operator", "list"]) == 0
    out = capsys.readouterr().out
    assert "Ana Lopez" in out and "supervisor" in out and "OP-2001" in out and "active" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["operator", "add", "Ben", "--pin-stdin"]) == 2
    assert "No PIN on standard input" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("97531\n"))
    assert main(["operator", "unlock", "Ana Lopez", "--supervisor", "Ana Lopez", "--pin-stdin"]) == 0
    conn = sqlite3.connect(data_dir / "station.sqlite3")
    try:
        (pin_hash,) = conn.execute("select pin_hash from operators").fetchone()
    finally:
        conn.close()
    assert pin_hash.startswith("scrypt$") and "97531" not in pin_hash
