"""Run drive tools (hdparm, nvme-cli, sg3_utils, smartctl) and record every call as evidence.

Each call becomes a result.CommandRecord: its argv (secrets masked), combined output,
exit code, start time and duration. A missing tool or a timeout is recorded too, with
exit code None, so the evidence shows exactly what was tried.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Sequence

from station import clock
from station.media import CommandRecord

log = logging.getLogger(__name__)

MAX_OUTPUT = 64_000  # per command, in the evidence; drive tools print far less

# Phrases with which drives and tools say a command is not there, across hdparm, nvme-cli, sg3_utils.
UNSUPPORTED = (
    "invalid command opcode", "invalid opcode", "invalid field in command", "not supported",
    "unsupported", "bad/missing sense data", "inappropriate ioctl", "sg_io: bad/missing",
    "illegal request", "invalid command operation code", "operation not supported", "no such ioctl",
)


def looks_unsupported(record: CommandRecord) -> bool:
    text = record.output.lower()
    return any(p in text for p in UNSUPPORTED)


class CommandRunner:
    """Runs commands for real; keeps the records of every call in `records`."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        self.records: list[CommandRecord] = []
        self.secrets = list(secrets)

    def mask(self, argv: Sequence[str]) -> list[str]:
        return ["<recorded ATA password>" if a in self.secrets and a else a for a in argv]

    def run(self, argv: Sequence[str], timeout: float = 60.0) -> CommandRecord:
        started, t0 = clock.iso(), time.monotonic()
        if shutil.which(argv[0]) is None:
            record = CommandRecord(self.mask(argv), None, f"{argv[0]}: not installed on this station", started, 0.0)
        else:
            try:
                proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False,
                                      errors="replace")
                output = (proc.stdout + ("\n" if proc.stdout and proc.stderr else "") + proc.stderr)
                record = CommandRecord(self.mask(argv), proc.returncode, output[:MAX_OUTPUT], started,
                                       round(time.monotonic() - t0, 3))
            except subprocess.TimeoutExpired as exc:
                out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                record = CommandRecord(self.mask(argv), None, f"{out}\ntimed out after {timeout:.0f} s"[:MAX_OUTPUT],
                                       started, round(time.monotonic() - t0, 3))
            except OSError as exc:
                record = CommandRecord(self.mask(argv), None, f"could not run: {exc}", started, 0.0)
        for secret in self.secrets:  # hdparm echoes the password it was given
            if secret:
                record.output = record.output.replace(secret, "<recorded ATA password>")
        log.info("ran %s -> %s in %.1f s", " ".join(record.argv), record.exit_code, record.seconds)
        self.records.append(record)
        return record
