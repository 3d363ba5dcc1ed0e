"""One log line format for every process of the desk (web, worker, beat, mail gateway, launcher).

Pure logging: no Django import, so the launcher and gunicorn's configuration can use it before
settings exist. Timestamps are ISO 8601 in the desk's zone with the offset spelled out
(``2026-12-03T23:13:16.934+09:00``): a line read next to another process's line, or by a log
collector in UTC, means one instant.
"""

from __future__ import annotations

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


def logging_config(level: str = "INFO") -> dict:
    """The ``dictConfig`` every process applies: one console handler, one formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": LineFormatter}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
