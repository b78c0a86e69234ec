"""Active matrix per class, switching versions (supervisors only, recorded), and photo sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from station import grading
from station.errors import UserFacingError
from station.grading.library import SHIPPED_DIR, required_shots
from station.models import AppliedConfig, Event, Grade
from tests.grading.helpers import PHONE_B_PLUS, PHONE_REF, PHONE_VERSION, sign_in, unit

NEW = "2099.1"  # a version newer than the shipped one


def _v2(folder: Path) -> None:
    """A copy of the shipped matrices plus phone NEW, where light glass scratches already mean C."""
    folder.mkdir()
    for f in SHIPPED_DIR.glob("*.toml"):
        (folder / f.name).write_text(f.read_text())
    text = (SHIPPED_DIR / "phone.toml").read_text().replace(f'version = "{PHONE_VERSION}"', f'version = "{NEW}"')
    light = 'label = "Light scratches a fingernail does not catch in"\ncosmetic = '
    assert light + '"B"' in text
    text = text.replace(light + '"B"', light + '"C"')
    (folder / "phone-2026.toml").write_text(text)


def test_the_newest_version_is_active_until_a_supervisor_pins_one(ctx, tmp_path: Path) -> None:
    _v2(tmp_path / "matrices")
    ctx.config.set("grading.matrix_dir", str(tmp_path / "matrices"))
    assert grading.active(ctx, "phone").ref == f"phone@{NEW}"
    rows = {a.matrix.ref: a for a in grading.available(ctx)}
    assert rows[f"phone@{NEW}"].active and not rows[PHONE_REF].active

    sign_in(ctx, "supervisor")
    m = grading.activate(ctx, "phone", PHONE_VERSION)
    assert grading.active(ctx, "phone").sha256 == m.sha256
    with ctx.store.reader() as s:
        row = s.get(AppliedConfig, ("matrix", "phone"))
        assert (row.version, row.sha256, row.body) == (PHONE_VERSION, m.sha256, m.text)
        ev = s.execute(select(Event).where(Event.kind == "config.applied")).scalar_one()
        payload = json.loads(ev.payload)
        assert (payload["version"], payload["previous"], ev.operator_name) == (PHONE_VERSION, f"phone@{NEW}",
                                                                               "Supervisor One")


def test_a_technician_cannot_switch_the_matrix(ctx) -> None:
    sign_in(ctx, "technician")
    with pytest.raises(UserFacingError, match="Only a supervisor can switch"):
        grading.activate(ctx, "phone", PHONE_VERSION)
    sign_in(ctx, "supervisor")
    with pytest.raises(UserFacingError, match=r"no grading matrix phone@1999\.1"):
        grading.activate(ctx, "phone", "1999.1")


def test_old_results_keep_their_version_after_a_switch(ctx, tmp_path: Path) -> None:
    _v2(tmp_path / "matrices")
    ctx.config.set("grading.matrix_dir", str(tmp_path / "matrices"))
    uid = unit(ctx)
    first = grading.record(ctx, uid, PHONE_B_PLUS)  # newest, NEW: light scratches are C now
    assert (first.sale_grade, first.matrix_ref) == ("C+", f"phone@{NEW}")
    sign_in(ctx, "supervisor")
    grading.activate(ctx, "phone", PHONE_VERSION)
    second = grading.record(ctx, uid, PHONE_B_PLUS)
    assert (second.sale_grade, second.matrix_ref) == ("B+", PHONE_REF)
    with ctx.store.reader() as s:
        rows = s.execute(select(Grade).order_by(Grade.id)).scalars().all()
    assert [(g.matrix_version, g.sale_grade) for g in rows] == [(NEW, "C+"), (PHONE_VERSION, "B+")]
    assert rows[0].matrix_hash == first.matrix_sha256 != rows[1].matrix_hash


def test_an_activated_version_keeps_working_when_its_file_is_gone(ctx, tmp_path: Path) -> None:
    _v2(tmp_path / "matrices")
    ctx.config.set("grading.matrix_dir", str(tmp_path / "matrices"))
    sign_in(ctx, "supervisor")
    pinned = grading.activate(ctx, "phone", NEW)
    (tmp_path / "matrices" / "phone-2026.toml").unlink()
    assert grading.active(ctx, "phone").sha256 == pinned.sha256  # from the AppliedConfig body


def test_a_class_without_a_matrix_is_graded_as_other(ctx, tmp_path: Path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "other.toml").write_text((SHIPPED_DIR / "other.toml").read_text())
    ctx.config.set("grading.matrix_dir", str(folder))
    assert grading.active(ctx, "laptop").id == "other"


def test_required_shots_come_from_the_class_matrix(ctx) -> None:
    phone = required_shots("phone")
    assert [s.name for s in phone if s.required] == ["front", "back", "edge_left", "edge_right", "edge_top",
                                                     "edge_bottom"]
    assert [(s.name, s.stage, s.required) for s in phone if not s.required] == [("defect_closeup", "defect", False)]
    assert {s.name for s in required_shots("laptop")} >= {"lid", "open_front", "keyboard", "bottom"}
    assert required_shots("drive", ctx) == required_shots("drive")
