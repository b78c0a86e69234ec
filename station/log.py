"""Logging: a rotating log file in the data dir, with tracebacks for anything unexpected."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "station.log"


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_NAME
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_station", False):
            root.removeHandler(h)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._station = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
