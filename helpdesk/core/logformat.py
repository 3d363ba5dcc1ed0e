"""One log format for every process of the desk (web, worker, beat, mail gateway, launcher):
key=value lines in development, one JSON object a line in production (``LOG_FORMAT``).

Pure logging: no Django import, so the launcher and gunicorn's configuration can use it before
settings exist. Timestamps are ISO 8601 in the desk's zone with the offset spelled out
(``2026-12-03T23:13:16.934+09:00``): a line read next to another process's line, or by a log
collector in UTC, means one instant.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

LINE_FORMAT = "time=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"
# The desk's zone unless the process says otherwise; Django's TIME_ZONE is the same default.
LOG_TIME_ZONE = ZoneInfo(os.environ.get("LOG_TIME_ZONE", "Asia/Tokyo"))


class LineFormatter(logging.Formatter):
    """``time=<ISO 8601 with offset> level=... logger=... msg=...``."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, **kwargs) -> None:
        super().__init__(fmt or LINE_FORMAT, datefmt, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=LOG_TIME_ZONE)
        return moment.isoformat(timespec="milliseconds")


# Attributes every LogRecord has; whatever else a record carries came from ``extra``.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line for the log collector: ``time`` (the same ISO 8601 with offset as
    the line format), ``level``, ``logger``, ``message``, ``pid``, ``exception`` when there is
    one, and every field passed with ``extra={...}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=LOG_TIME_ZONE).isoformat(
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
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def default_log_format() -> str:
    """``LOG_FORMAT`` if set; otherwise lines in development (``DJANGO_DEBUG``), JSON elsewhere.
    Read from the environment so that processes started before Django's settings agree."""
    explicit = os.environ.get("LOG_FORMAT", "").strip().lower()
    if explicit in ("line", "json"):
        return explicit
    debug = os.environ.get("DJANGO_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
    return "line" if debug else "json"


def logging_config(level: str = "INFO", log_format: str | None = None) -> dict:
    """The ``dictConfig`` every process applies: one console handler, one formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": LineFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format or default_log_format(),
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # django-axes logs every sign-in at INFO; lock-outs are WARNING.
            "axes": {"level": "WARNING"},
        },
    }
