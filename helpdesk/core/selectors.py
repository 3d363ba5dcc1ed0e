"""Reads for the core app: readiness checks."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    milliseconds: float
    # A dependency the site can serve without, less well (the cache): it never makes the
    # process unready, or the load balancer would take a working site out for a cache outage.
    required: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "detail": self.detail,
            "ms": round(self.milliseconds, 1),
            "required": self.required,
        }


def _timed(name: str, probe, *, required: bool = True) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as error:
        # The error's text can hold host names, user names or worse; it goes to the log, and
        # the public answer only says that the dependency is down.
        logger.warning("readiness: %s is down: %s: %s", name, type(error).__name__, error)
        detail = "unavailable"
        ok = False
    return CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000, required)


def _database_probe() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker_probe() -> str:
    from helpdesk.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
    # The scheme only: the URL may carry a password.
    return str(app.conf.broker_url).split("://", 1)[0]


def _cache_probe() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=5)
    cache.delete(key)
    return cache.__class__.__name__


def readiness_checks() -> list[CheckResult]:
    """Is this process able to serve: can it reach the database and the task broker? The
    cache is reported too, but the site works without it (rate limits fail open)."""
    return [
        _timed("database", _database_probe),
        _timed("broker", _broker_probe),
        _timed("cache", _cache_probe, required=False),
    ]
