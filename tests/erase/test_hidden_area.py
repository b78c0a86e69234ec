"""A hidden area left on the drive means NOT sanitized, on every path to the certificate.

The overwrite runs for real on loop devices. A loop device answers no ATA command, so the
drive's side of `hdparm -N` is replayed: the drive is a loop of the drive's native size,
and discovery saw it through an HPA (a smaller size and hidden sectors), as on real drives.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.certs import certificate
from station.certs.body import hidden_area_statement
from station.certs.result import Status, hidden_area_left
from station.devices.drive import discover
from station.erase.procedure import JobSpec, OverwriteJob
from tests.erase.test_certificate import result
from tests.erase.test_firmware import ScriptedRunner
from tests.erase.wipe_fixtures import Loop, LoopFactory, MiB

pytestmark = pytest.mark.timeout(60)

HIDDEN = 2048  # sectors behind the HPA


def hpa_job(loop: Loop, tmp_path: Path, *, remove: bool, runner: ScriptedRunner | None = None) -> OverwriteJob:
    drive = discover.find(loop.path)
    native = loop.size // 512
    seen = replace(drive.facts, size_bytes=(native - HIDDEN) * 512, hpa_dco={
        "hpa_enabled": True, "current_max_sectors": native - HIDDEN, "native_max_sectors": native,
        "hpa_hidden_sectors": HIDDEN})
    spec = JobSpec(job_id="J-hpa", path=loop.path, media=seen, method="zero", verify="full",
                   identity=drive.identity, data_dir=str(tmp_path / "data"), remove_hidden_area=remove)
    (tmp_path / "job").mkdir(exist_ok=True)
    return OverwriteJob(spec, tmp_path / "job", lambda: False, runner=runner or ScriptedRunner([]))


def test_an_hpa_left_in_place_is_never_sanitized(loops: LoopFactory, tmp_path: Path, ctx) -> None:  # type: ignore[no-untyped-def]
    # The kernel sees what the HPA leaves visible: the loop is that size.
    loop = loops(8 * MiB - HIDDEN * 512)
    job = hpa_job(loop, tmp_path, remove=False)
    job.spec.media.size_bytes = loop.size
    res = job.run()
    assert res.status is Status.FINISHED and res.verification and res.verification.passed
    assert not res.sanitized and res.unit_status == "failed"
    assert f"Host Protected Area ({HIDDEN} sectors) is present and was NOT erased" in res.reason
    assert not loop.read_backing().strip(b"\0") and not res.commands  # written in full, nothing removed
    issued = certificate.issue(ctx, res, None)
    doc = json.loads(issued.json_path.read_text())["certificate"]
    assert doc["sanitized"] is False and not issued.sanitized
    assert doc["title"] == "Sanitization report: HIDDEN AREA NOT ERASED, media NOT sanitized"
    assert "NOT SANITIZED: a Host Protected Area" in doc["appendix_g"]["sanitization"]["notes"]
    assert doc["appendix_g"]["media_destination"].startswith("Quarantine")


def test_with_confirmation_the_hpa_is_removed_and_its_sectors_overwritten(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB)
    native = loop.size // 512
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, f"\n{loop.path}:\n max sectors   = {native - HIDDEN}/{native}, HPA is enabled\n", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "-N", f"p{native}"], 0,
         f"\n{loop.path}:\n setting max visible sectors to {native} (permanent)\n", None),
        (["hdparm", "-N"], 0, f"\n{loop.path}:\n max sectors   = {native}/{native}, HPA is disabled\n", None),
    ])
    res = hpa_job(loop, tmp_path, remove=True, runner=runner).run()
    assert not runner.script, "every scripted exchange must be consumed"
    assert res.sanitized, res.reason
    assert res.media.hpa_dco["hpa_reset"] is True and res.media.size_bytes == loop.size
    assert [c.argv[:2] for c in res.commands] == [["hdparm", "-N"], ["hdparm", "--yes-i-know-what-i-am-doing"],
                                                  ["hdparm", "-N"]]
    assert res.bytes_written == loop.size and not loop.read_backing().strip(b"\0")  # the hidden tail too
    assert "erased with the rest" in hidden_area_statement(res.media.hpa_dco)


def test_an_hpa_that_will_not_go_leaves_the_drive_not_sanitized(loops: LoopFactory, tmp_path: Path) -> None:
    loop = loops(8 * MiB - HIDDEN * 512)
    native = loop.size // 512 + HIDDEN
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, f" max sectors   = {native - HIDDEN}/{native}, HPA is enabled\n", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "-N"], 0, "", None),
        (["hdparm", "-N"], 0, f" max sectors   = {native - HIDDEN}/{native}, HPA is enabled\n", None),
    ])
    job = hpa_job(loop, tmp_path, remove=True, runner=runner)
    job.spec.media.size_bytes = loop.size
    res = job.run()
    assert not res.sanitized and "NOT erased" in res.reason
    assert any("could not be removed" in n for n in res.notes)


KEYS = st.fixed_dictionaries({}, optional={
    "hpa_enabled": st.booleans(), "hpa_hidden_sectors": st.integers(0, 5000), "hpa_reset": st.booleans(),
    "dco_restricted": st.booleans(), "hidden_area_erased": st.booleans(), "hpa_checked": st.booleans()})


@given(KEYS)
def test_the_statement_and_the_verdict_never_disagree(hpa_dco: dict[str, object]) -> None:
    r = result(media=replace(result().media, hpa_dco=hpa_dco))
    said_not_erased = "NOT erased" in hidden_area_statement(hpa_dco)
    assert said_not_erased == (hidden_area_left(hpa_dco) is not None)
    assert not (r.sanitized and said_not_erased)


def test_the_wipe_run_asks_before_removing_a_hidden_area(loops: LoopFactory, ctx) -> None:  # type: ignore[no-untyped-def]
    """Through the one wipe run the CLI and the panel share: the technician is asked, the answer
    reaches the worker, and a loop device (which answers no `hdparm -N`) is not certified."""
    import json as _json
    import time

    from station.devices.drive import discover as drive_discover
    from station.erase.run import WipeRun
    from tests.erase.test_run import Technician

    loop = loops(4 * MiB)
    drive = drive_discover.find(loop.path)
    drive.facts.hpa_dco = {"hpa_enabled": True, "hpa_hidden_sectors": HIDDEN}
    hands = Technician()
    run = WipeRun.for_drive(ctx, drive, "zero", "full", hands)
    run.start()
    assert any("Host Protected Area (2048 sectors)" in q and "Restore the drive's native size" in q
               for q in hands.asked)
    for _ in range(600):
        if run.done():
            break
        time.sleep(0.05)
    finished = run.finish()
    assert not finished.result.sanitized and "NOT erased" in finished.result.reason
    assert any(n.startswith("The HPA was not removed") for n in finished.result.notes)
    spec = _json.loads((ctx.data.jobs / finished.result.job_id / "spec.json").read_text())
    assert spec["remove_hidden_area"] is True
    assert [c.argv[:2] for c in finished.result.commands] == [["hdparm", "-N"]]
