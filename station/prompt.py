"""OperatorPrompt: the one protocol for questions to the technician, and its terminal form.

Erase engines, device sessions and the wipe run ask through this protocol and block until
answered. The Qt UI implements it (ui/wipe_phone_target.py's bridge), tests implement it,
and `TerminalPrompt` is the one for the `station` subcommands.

`TerminalPrompt` speaks on stderr and reads stdin, never stdout: a subcommand's stdout is
its result (`station wipe --json` prints a JSON list there), and a question asked in the
middle of a wipe (a frozen drive, a phone in recovery) must not land inside it. With no
stdin left (a script), every question is answered no, so nothing is assumed done.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Protocol


class OperatorPrompt(Protocol):
    """Questions to the technician. Implementations block until answered."""

    def tell(self, message: str) -> None: ...

    def confirm(self, question: str) -> bool: ...

    def choose(self, question: str, options: list[str]) -> int | None: ...

    def ask_text(self, question: str, *, secret: bool = False) -> str | None: ...

    def photo(self, question: str) -> Path | None: ...


def _ask(question: str) -> str | None:
    print(question, end=" ", file=sys.stderr, flush=True)
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):  # no readable stdin (closed, detached): nobody to answer
        line = ""
    return line.strip() if line else None


class TerminalPrompt:
    """OperatorPrompt on a terminal: questions on stderr, answers from stdin.

    `assume_yes` answers confirm() with yes without asking (`--yes`); it is for the one
    "erase these?" question before a wipe, not for questions asked during one, where a
    yes would claim something the technician did not do."""

    def __init__(self, assume_yes: bool = False) -> None:
        self.assume_yes = assume_yes

    def tell(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def confirm(self, question: str) -> bool:
        if self.assume_yes:
            return True
        answer = _ask(f"{question} [y/N]")
        return answer is not None and answer.lower() in ("y", "yes")

    def choose(self, question: str, options: list[str]) -> int | None:
        lines = [question, *(f"  {i}. {opt}" for i, opt in enumerate(options, 1)), ">"]
        answer = _ask("\n".join(lines))
        return int(answer) - 1 if answer and answer.isdigit() and 0 < int(answer) <= len(options) else None

    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        if secret and sys.stdin is not None and sys.stdin.isatty():
            try:
                return getpass.getpass(f"{question} ", stream=sys.stderr)
            except EOFError:
                return None
        return _ask(question)

    def photo(self, question: str) -> Path | None:
        answer = _ask(f"{question} Enter the photo's file path:")
        return Path(answer).expanduser() if answer else None
