"""Structured logs for production (SLA 5(e)): one JSON object a line, for the log collector.

Fields: ``time`` (ISO 8601 with offset, UTC), ``level``, ``logger``, ``message``, the
process id, and ``exception`` with the traceback when there is one. Anything passed with
``extra={...}`` is kept as its own field.
"""

from __future__ import annotations

import datetime
import json
import logging

# Attributes every LogRecord has; whatever else a record carries came from ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)
