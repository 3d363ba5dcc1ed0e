"""Reads for the core app: readiness checks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection

from helpdesk.celery import app


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    milliseconds: float

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail, "ms": round(self.milliseconds, 1)}


def _timed(name: str, probe) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as error:
        detail = f"{type(error).__name__}: {error}"
        ok = False
    return CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000)


def _database_probe() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker_probe() -> str:
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
    # The scheme only: the URL may carry a password.
    return str(app.conf.broker_url).split("://", 1)[0]


def readiness_checks() -> list[CheckResult]:
    """Is this process able to serve: can it reach the database and the task broker?"""
    return [_timed("database", _database_probe), _timed("broker", _broker_probe)]
