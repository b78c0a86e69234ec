"""The technician's questions during a phone erase on a terminal, kept off stdout.

`station wipe --json` prints its results on stdout; the guidance and questions of a
phone reset go to stderr so the JSON stays clean. Answers come from stdin; with no
stdin (a script), every question is answered no, so nothing is assumed done.
"""

from __future__ import annotations

import sys

from station.devices.base import CliPrompt


def _ask(question: str) -> str | None:
    print(question, end=" ", file=sys.stderr, flush=True)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.strip() if line else None


class ConsolePrompt(CliPrompt):
    def tell(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def confirm(self, question: str) -> bool:
        answer = _ask(f"{question} [y/N]")
        return answer is not None and answer.lower() in ("y", "yes")

    def choose(self, question: str, options: list[str]) -> int | None:
        lines = [question, *(f"  {i}. {opt}" for i, opt in enumerate(options, 1)), ">"]
        answer = _ask("\n".join(lines))
        return int(answer) - 1 if answer and answer.isdigit() and 0 < int(answer) <= len(options) else None

    def ask_text(self, question: str, *, secret: bool = False) -> str | None:
        return _ask(question)
