"""The terminal OperatorPrompt: questions on stderr, answers from stdin, stdout left to the results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typing_extensions import override

from station import cli, clock
from station.certs.result import CommandRecord
from station.devices.drive import firmware_runner, probe
from station.devices.drive.facts import DriveFacts
from station.prompt import TerminalPrompt
from tests.erase import wipe_fixtures
from tests.erase.wipe_fixtures import LoopFactory, MiB

loops = wipe_fixtures.loops  # the real loop-device fixture
pytestmark = pytest.mark.timeout(120)

FROZEN = "ATA device\nSecurity:\n\t\tsupported\n\tnot\tenabled\n\tnot\tlocked\n\t\tfrozen\n"


class FrozenDrive(firmware_runner.CommandRunner):
    """A frozen ATA drive's answers (QEMU cannot freeze a drive); every other command is unsupported."""

    calls: list[list[str]] = []

    @override
    def run(self, argv, timeout: float = 60.0) -> CommandRecord:  # type: ignore[no-untyped-def, override]
        FrozenDrive.calls.append(list(argv))
        code, out = (0, FROZEN) if list(argv[:2]) == ["hdparm", "-I"] else (1, "SG_IO: bad/missing sense data")
        rec = CommandRecord(self.mask(argv), code, out, clock.iso(), 0.01)
        self.records.append(rec)
        return rec


def test_questions_go_to_stderr_and_answers_come_from_stdin(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("2\ny\nabc\n/tmp/wizard.jpg\n"))
    prompt = TerminalPrompt()
    prompt.tell("note")
    assert prompt.choose("How?", ["one", "two"]) == 1
    assert prompt.confirm("Sure?") is True
    assert prompt.ask_text("Name?") == "abc"
    assert prompt.photo("Photograph it.") == Path("/tmp/wizard.jpg")
    assert prompt.confirm("Again?") is False  # stdin is exhausted: no is the answer, nothing assumed done
    out, err = capsys.readouterr()
    assert out == ""
    assert "note" in err and "How?" in err and "2. two" in err and "Sure? [y/N]" in err


def test_yes_answers_confirm_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    prompt = TerminalPrompt(assume_yes=True)
    assert prompt.confirm("Erase?") is True
    assert prompt.choose("How?", ["a"]) is None


@pytest.mark.usefixtures("data_dir")
def test_wipe_purge_json_keeps_stdout_pure_json_when_a_frozen_drive_asks(
        loops: LoopFactory, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    loop = loops(4 * MiB)
    facts = DriveFacts(source="test", bus="ata", model="HDD", rotational=True, security_supported=True,
                       security_enabled=False, security_frozen=True, sanitize_supported=False, hpa_supported=False)
    monkeypatch.setattr(probe, "tool_facts", lambda _path, _bus: facts)
    monkeypatch.setattr(firmware_runner.CommandRunner, "run", FrozenDrive.run)
    monkeypatch.setattr("sys.stdin", io.StringIO("2\ny\n"))  # unfreeze by re-plugging; "done"
    FrozenDrive.calls.clear()

    code = cli.main(["wipe", loop.path, "--method", "purge", "--json", "--yes"])

    out, err = capsys.readouterr()
    results = json.loads(out)  # nothing but the JSON list
    assert code == 1 and results[0]["status"] == "FAILED" and "still frozen" in results[0]["reason"]
    assert "The drive is frozen. Unfreeze it how?" in err and "re-plug" in err
    assert ["hdparm", "-I", loop.path] in FrozenDrive.calls
    assert loop.read_backing() == loop.expected_fill()
