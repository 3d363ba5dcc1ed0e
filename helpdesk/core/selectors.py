"""Reads for the core app: readiness checks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpdesk.celery import app

from .models import Heartbeat
from .monitoring import readiness_probes

HEARTBEAT_WORKER = "worker"
HEARTBEAT_BEAT = "beat"


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


def heartbeat_probe(source: str) -> str:
    """Fails when ``source`` has not beaten within ``READYZ_HEARTBEAT_MAX_AGE_SECONDS``."""
    heartbeat = Heartbeat.objects.filter(source=source).first()
    if heartbeat is None:
        raise LookupError(f"no heartbeat from {source} yet")
    age = (timezone.now() - heartbeat.last_seen_at).total_seconds()
    if age > settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS:
        raise TimeoutError(f"last heartbeat {age:.0f} s ago")
    return f"{age:.0f} s ago"


def readiness_checks() -> list[CheckResult]:
    """Can this process serve (database, broker), are the worker and beat alive, and what
    the other apps registered (``monitoring.readiness_check_register``)."""
    checks = [
        _timed("database", _database_probe),
        _timed("broker", _broker_probe),
        _timed("worker", lambda: heartbeat_probe(HEARTBEAT_WORKER)),
        _timed("beat", lambda: heartbeat_probe(HEARTBEAT_BEAT)),
    ]
    return checks + [_timed(name, probe) for name, probe in readiness_probes().items()]
