"""Log output for the command line: plain text for people, JSON lines for log collectors.

Only the CLI calls :func:`configure`; the library just logs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

FORMATS = ("text", "json")
_handler: logging.Handler | None = None
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and any ``extra`` fields)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = (
                    value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                )
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(
    *,
    level: int,
    fmt: str = "text",
    timestamps: bool = False,
    stream: TextIO | None = None,
) -> None:
    """Send publisher's logs to ``stream`` (stderr) at ``level``, as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        prefix = "%(asctime)s " if timestamps else ""
        handler.setFormatter(logging.Formatter(f"{prefix}publisher: %(levelname)s: %(message)s"))
    global _handler
    root = logging.getLogger()
    if _handler is not None:  # only ever replace our own handler (pytest adds its own)
        root.removeHandler(_handler)
    _handler = handler
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler logs every job start and end at INFO; keep its warnings (missed runs).
    logging.getLogger("apscheduler").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    )
